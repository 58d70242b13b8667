"""Step 10: the search index reads names and note text from the clients and notes themselves.

Until now `search_index` (migration 6) kept its own copy of every note's text and every name beside
its index, so the text of the chart was stored twice. From here it is an FTS5 *external-content*
table over the view `search_source`: the index keeps only what it needs to find and rank (tokens,
positions, sizes); snippets, `client_id` and `date_of_service` are read back from the view, one row
per hit. Same columns, same tokenizer, same weights, same rowids (the note id; CLIENT_ROWID_BASE + the
client id), so every query, snippet and rank is as before. Psychotherapy notes are not in the view
and have no trigger: they are still never indexed.

An external-content index cannot read what a row held before it changed, so the triggers tell it:
each change first deletes the old row from the index with FTS5's 'delete' command, given exactly the
values that were indexed (computed from OLD, or from the addenda other than the new one), then adds
the new row. Every value indexed comes from the one set of expressions below, which the view uses
too; a 'delete' given different text would leave the index out of step with the notes.

The clients' half of the view is looked up by CLIENT_ROWID_BASE + id; the expression index
`clients_by_search_entry` makes that a seek rather than a scan of every client for each hit.

The view reads a note's sections with json_each, which FTS5 can use when it looks a row up (a hit's
snippet) but not from inside its own commands: 'rebuild' and 'integrity-check' against the content
fail, so the index is filled with INSERTs of the same expressions instead, and a row missing from the
view shows as "fts5: missing row …" (storage/db.py names it damage).

The old table and its triggers are dropped and the index is filled again from the notes and clients,
in this step's transaction. Pages freed by the old copy are zeroed (secure_delete) and reused by
the vault as it grows.
"""

from therapy_desk.storage.migrations.m006_notes import CLIENT_ROWID_BASE

_OLD_TRIGGERS = (
    "search_client_added",
    "search_client_renamed",
    "search_client_removed",
    "search_note_added",
    "search_note_changed",
    "search_note_removed",
    "search_addendum_added",
)

# Letters the tokenizer's diacritic folding leaves alone (they are letters of their own, not a base
# letter plus a mark), spelled the way people type them on an English keyboard (as in migration 6).
_LETTERS = (
    ("ø", "o"), ("Ø", "O"), ("æ", "ae"), ("Æ", "AE"), ("œ", "oe"), ("Œ", "OE"), ("ß", "ss"), ("ł", "l"),
    ("Ł", "L"), ("đ", "d"), ("Đ", "D"), ("ð", "d"), ("Ð", "D"), ("þ", "th"), ("Þ", "TH"), ("ı", "i"),
)  # fmt: skip

_COLUMNS = "name, alias, body, client_key, client_id, date_of_service"


def _name(row: str) -> str:
    return (
        f"concat_ws(' ', nullif({row}.legal_first, ''), nullif({row}.legal_middle, ''), "
        f"nullif({row}.legal_last, ''), nullif({row}.preferred_name, ''))"
    )


def _folded(expression: str) -> str:
    for letter, plain in _LETTERS:
        expression = f"replace({expression}, '{letter}', '{plain}')"
    return expression


def _alias(row: str) -> str:
    """A second spelling of the name ("Soren" for "Søren"), or '' when there is none."""
    return f"CASE WHEN {_folded(_name(row))} = {_name(row)} THEN '' ELSE {_folded(_name(row))} END"


def _body(sections: str, note_id: str, *, without_addendum: str | None = None) -> str:
    """A note's searchable text: its sections' text in order, then each addendum's, one per line."""
    other = "" if without_addendum is None else f" AND a.id IS NOT {without_addendum}"
    sections_text = (  # fixed SQL built from this module's constants and NEW/OLD/table names
        f"(SELECT coalesce(group_concat(value ->> 1, char(10) ORDER BY key), '') FROM json_each({sections}))"  # noqa: S608
    )
    addenda_text = (
        "coalesce((SELECT group_concat(char(10) || a.text, '' ORDER BY a.id) FROM note_addenda AS a "  # noqa: S608
        f"WHERE a.note_id = {note_id}{other}), '')"
    )
    return f"{sections_text} || {addenda_text}"


def _client_row(row: str) -> str:
    """rowid and columns of a client's index row."""
    return f"{CLIENT_ROWID_BASE} + {row}.id, {_name(row)}, {_alias(row)}, '', 'c' || {row}.id, {row}.id, NULL"


def _note_row(row: str, *, without_addendum: str | None = None) -> str:
    """rowid and columns of a note's index row."""
    body = _body(f"{row}.sections", f"{row}.id", without_addendum=without_addendum)
    return f"{row}.id, '', '', {body}, 'c' || {row}.client_id, {row}.client_id, {row}.date_of_service"


def _add(values: str) -> str:
    return f"INSERT INTO search_index (rowid, {_COLUMNS}) VALUES ({values});"  # noqa: S608 - this module's SQL


def _remove(values: str) -> str:
    return f"INSERT INTO search_index (search_index, rowid, {_COLUMNS}) VALUES ('delete', {values});"  # noqa: S608


# For bulk imports (storage/search.py `bulk_note_index`): the trigger that indexes one new note, and
# the same index rows for every note from id ? on, written in one statement.
NOTE_ADDED_TRIGGER = "search_note_added"
INDEX_NOTES_FROM = (
    f"INSERT INTO search_index (rowid, {_COLUMNS}) "  # noqa: S608 - fixed SQL built from this module's constants
    f"SELECT {_note_row('n')} FROM notes AS n WHERE n.id >= ? ORDER BY n.id"
)

STATEMENTS: tuple[str, ...] = (
    *(f"DROP TRIGGER {name}" for name in _OLD_TRIGGERS),
    "DROP TABLE search_index",
    f"CREATE INDEX clients_by_search_entry ON clients (({CLIENT_ROWID_BASE} + id))",
    f"""
    CREATE VIEW search_source (entry, {_COLUMNS}) AS
    SELECT {_note_row("n")} FROM notes AS n
    UNION ALL
    SELECT {_client_row("c")} FROM clients AS c
    """,  # noqa: S608 - fixed SQL built from this module's constants
    # alias: the name folded to keyboard letters; client_key: one token, "c<client id>", so a
    # search can be narrowed to one chart cheaply.
    """
    CREATE VIRTUAL TABLE search_index USING fts5 (
        name, alias, body, client_key, client_id UNINDEXED, date_of_service UNINDEXED,
        content = 'search_source', content_rowid = 'entry',
        tokenize = 'unicode61 remove_diacritics 2'
    )
    """,
    # A name match outweighs the same word somewhere in a long note; client_key never counts.
    "INSERT INTO search_index (search_index, rank) VALUES ('rank', 'bm25(5.0, 5.0, 1.0, 0.0, 0.0, 0.0)')",
    f"""
    CREATE TRIGGER search_client_added AFTER INSERT ON clients BEGIN
        {_add(_client_row("NEW"))}
    END
    """,
    f"""
    CREATE TRIGGER search_client_renamed AFTER UPDATE OF legal_first, legal_middle, legal_last, preferred_name
    ON clients BEGIN
        {_remove(_client_row("OLD"))}
        {_add(_client_row("NEW"))}
    END
    """,
    f"""
    CREATE TRIGGER search_client_removed AFTER DELETE ON clients BEGIN
        {_remove(_client_row("OLD"))}
    END
    """,
    f"""
    CREATE TRIGGER search_note_added AFTER INSERT ON notes BEGIN
        {_add(_note_row("NEW"))}
    END
    """,
    f"""
    CREATE TRIGGER search_note_changed AFTER UPDATE OF sections, client_id, date_of_service ON notes
    WHEN OLD.sections IS NOT NEW.sections OR OLD.client_id IS NOT NEW.client_id
         OR OLD.date_of_service IS NOT NEW.date_of_service
    BEGIN
        {_remove(_note_row("OLD"))}
        {_add(_note_row("NEW"))}
    END
    """,
    f"""
    CREATE TRIGGER search_note_removed AFTER DELETE ON notes BEGIN
        {_remove(_note_row("OLD"))}
    END
    """,
    # The note's text before this addendum (its other addenda), out; with it, in.
    f"""
    CREATE TRIGGER search_addendum_added AFTER INSERT ON note_addenda BEGIN
        INSERT INTO search_index (search_index, rowid, {_COLUMNS})
        SELECT 'delete', {_note_row("n", without_addendum="NEW.id")} FROM notes AS n WHERE n.id = NEW.note_id;
        INSERT INTO search_index (rowid, {_COLUMNS})
        SELECT {_note_row("n")} FROM notes AS n WHERE n.id = NEW.note_id;
    END
    """,  # noqa: S608 - fixed SQL built from this module's constants
    # Everything there is: notes, then clients, each in rowid order.
    f"INSERT INTO search_index (rowid, {_COLUMNS}) SELECT {_note_row('n')} FROM notes AS n ORDER BY n.id",  # noqa: S608
    f"INSERT INTO search_index (rowid, {_COLUMNS}) SELECT {_client_row('c')} FROM clients AS c ORDER BY c.id",  # noqa: S608
)
