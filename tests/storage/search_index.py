"""A check for tests: the search index holds exactly what the notes and names hold now.

The index keeps no text of its own (migration 10), so a trigger that told it the wrong old text when a
note changed would leave words behind that no note holds. FTS5's own 'integrity-check' cannot read a
view that uses json_each, so this builds a second index afresh from the view and compares every word,
where it stands (row, column, position), and every row's size.
"""

from __future__ import annotations

from typing import Any

from therapy_desk.storage import db

_SETUP = (
    """
    CREATE VIRTUAL TABLE temp.reference USING fts5 (
        name, alias, body, client_key, client_id UNINDEXED, date_of_service UNINDEXED,
        tokenize = 'unicode61 remove_diacritics 2'
    )
    """,
    "INSERT INTO temp.reference (rowid, name, alias, body, client_key, client_id, date_of_service) "
    "SELECT entry, name, alias, body, client_key, client_id, date_of_service FROM search_source",
    "CREATE VIRTUAL TABLE temp.indexed USING fts5vocab(main, search_index, instance)",
    "CREATE VIRTUAL TABLE temp.expected USING fts5vocab(temp, reference, instance)",
)
_WORDS = (
    "SELECT term, doc, col, offset FROM temp.indexed ORDER BY doc, col, offset",
    "SELECT term, doc, col, offset FROM temp.expected ORDER BY doc, col, offset",
)
_SIZES = (
    "SELECT id, sz FROM main.search_index_docsize ORDER BY id",
    "SELECT id, sz FROM temp.reference_docsize ORDER BY id",
)


def _rows(database: db.Database, sql: str) -> list[Any]:
    return list(database.execute(sql).fetchall())


def index_matches_the_text(database: db.Database) -> None:
    """Assert that every word the index holds is where the notes and names now put it, and nothing more."""
    try:
        for statement in _SETUP:
            database.execute(statement)
        indexed, expected = (_rows(database, sql) for sql in _WORDS)
        assert indexed == expected, "the search index holds other words than the notes and names"
        indexed, expected = (_rows(database, sql) for sql in _SIZES)
        assert indexed == expected, "the search index holds other row sizes than the notes and names"
    finally:
        for table in ("expected", "indexed", "reference"):
            database.execute(f"DROP TABLE IF EXISTS temp.{table}")
