"""`vault.search`: full-text search over client names and clinical-note text (SQLite FTS5).

The index (`search_index`, migration 6, external-content since migration 10) is kept in sync by
triggers on clients, notes and addenda, and reads the text it shows in snippets from the notes and
clients themselves (the view `search_source`); psychotherapy notes are never in it. Text typed by
the user is never passed to FTS5 as query syntax: each word becomes a quoted phrase, so quotes, `*`,
`NEAR`, `OR` and brackets are just text. The last word also matches as the start of a word (search
as you type: "zeppel" finds "zeppelin") once it has MIN_PREFIX_CHARS letters or digits; whole-word
matches are listed first.

Ranking is bm25, whose cost grows with how many notes hold each word (it counts them all), so a
search stays fast on a large vault by ranking only the newest RANK_WINDOW matches, and by listing
the newest matches first, unranked, when its words are so common that counting them would cost
more than RANK_BUDGET rows. Client rows have the highest rowids, so "newest first" meets names first.
"""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from therapy_desk.errors import ValidationError
from therapy_desk.storage import db
from therapy_desk.storage.audit import AuditStore
from therapy_desk.storage.migrations.m006_notes import CLIENT_ROWID_BASE
from therapy_desk.storage.migrations.m010_search_content import INDEX_NOTES_FROM, NOTE_ADDED_TRIGGER
from therapy_desk.storage.rows import to_date

MAX_RESULTS = 500
MAX_TERMS = 16
# The last word is also a prefix from this many letters or digits: one letter matches nearly every note and
# name, so it would only list the newest; two already narrow a name ("Zo" for Zoë) or a word.
MIN_PREFIX_CHARS = 2
HIGHLIGHT_START = "\u27e6"  # ⟦ around each matched word in a snippet
HIGHLIGHT_END = "\u27e7"  # ⟧
ELLIPSIS = "…"
SNIPPET_TOKENS = 12
RANK_WINDOW = 1000  # rank at most this many of the newest matches (a few µs each)
RANK_BUDGET = 40_000  # rank only when the query's words are in at most about this many rows in all

_TEXT_COLUMNS = "{name alias body}"
_WINDOW = "SELECT rowid FROM search_index WHERE search_index MATCH ? ORDER BY rowid DESC LIMIT 1 OFFSET ?"
_HIT = (
    "rowid, client_id, date_of_service, "
    f"snippet(search_index, CASE WHEN rowid >= {CLIENT_ROWID_BASE} THEN 0 ELSE 2 END, ?, ?, ?, ?)"
)
_RANKED = f"SELECT {_HIT}, rank FROM search_index WHERE search_index MATCH ? AND rowid >= ? ORDER BY rank LIMIT ?"  # noqa: S608
_NEWEST = f"SELECT {_HIT}, 0.0 FROM search_index WHERE search_index MATCH ? ORDER BY rowid DESC LIMIT ?"  # noqa: S608
_SNIPPET = (HIGHLIGHT_START, HIGHLIGHT_END, ELLIPSIS, SNIPPET_TOKENS)


class HitKind(enum.StrEnum):
    CLIENT = "client"
    NOTE = "note"


@dataclass(frozen=True)
class SearchHit:
    """One result: a client (by name) or a note (by its text, addenda included).

    `rank` is the bm25 score, lower is better; it is 0.0 for results listed newest first.
    """

    kind: HitKind
    client_id: int
    note_id: int | None
    date: date | None  # a note's date of service
    snippet: str  # the matching text, each matched word between HIGHLIGHT_START and HIGHLIGHT_END
    rank: float


def phrases(text: str) -> list[str]:
    """Each word of `text` as a quoted FTS5 phrase (inner quotes doubled); words without a letter
    or digit are dropped, so nothing the user types is read as query syntax."""
    return ['"' + word.replace('"', '""') + '"' for word in _words(text)]


def fts_query(text: str, *, prefix_last: bool = False) -> str | None:
    """A safe FTS5 query matching every word of `text` (None when it has no words).

    With `prefix_last`, the last word also matches as a prefix (when it has MIN_PREFIX_CHARS
    letters or digits and `text` does not end in whitespace: a finished word is a whole word).
    """
    quoted = phrases(text)
    if not quoted:
        return None
    if prefix_last and _can_prefix(text):
        quoted[-1] += " *"
    return " ".join(quoted)


def _spaced(text: str) -> str:
    """`text` with each NUL (a bad paste) read as a space: FTS5 ends a quoted phrase's text at a NUL and
    then refuses the query as an unterminated string."""
    return text.replace("\0", " ")


def _words(text: str) -> list[str]:
    return [word for word in _spaced(text).split() if _is_word(word)][:MAX_TERMS]


def _is_word(word: str) -> bool:
    try:
        word.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a bad paste
        return False
    return any(ch.isalnum() for ch in word)


def _can_prefix(text: str) -> bool:
    """Whether the text's last word is unfinished: the last thing typed, kept, and long enough."""
    text = _spaced(text)
    raw = text.split()
    if not raw or text[-1].isspace() or not _is_word(raw[-1]) or sum(map(_is_word, raw)) > MAX_TERMS:
        return False
    return sum(ch.isalnum() for ch in raw[-1]) >= MIN_PREFIX_CHARS


@contextlib.contextmanager
def bulk_note_index(database: db.Database, first_id: int) -> Iterator[None]:
    """Index many new notes at once: for notes inserted in the block, all with ids from `first_id` on.

    Inside the caller's transaction, the per-note trigger is dropped for the block, and on leaving it
    (even by an exception) the notes from `first_id` on are indexed in one statement, exactly as the
    trigger would have indexed them, and the trigger is put back as it was. One FTS5 insert of the
    whole batch is about twice as fast as a trigger per row, which makes the index flush once per row.
    """
    if not database.conn.in_transaction:
        raise RuntimeError("bulk_note_index needs an open transaction")
    row = database.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (NOTE_ADDED_TRIGGER,)
    ).fetchone()
    if row is None:
        raise RuntimeError(f"the {NOTE_ADDED_TRIGGER} trigger is missing")
    database.execute(f"DROP TRIGGER {NOTE_ADDED_TRIGGER}")
    try:
        yield
    finally:
        database.execute(INDEX_NOTES_FROM, (first_id,))
        database.execute(row[0])


class SearchStore:
    def __init__(self, database: db.Database, audit: AuditStore) -> None:
        self._db = database
        self._audit = audit

    def search(
        self, query: str, limit: int = 50, *, client_id: int | None = None, prefix: bool = True
    ) -> list[SearchHit]:
        """The best `limit` matches for `query` among client names and note text.

        Every word must match. `client_id` narrows the search to one chart. With `prefix` (the default,
        so search-as-you-type finds "zeppelin" from "zeppel") the last word also matches as the start of
        a word, when it has at least MIN_PREFIX_CHARS letters or digits and no space follows it:
        whole-word matches come first, then, if there are fewer than `limit`, the prefix matches, newest
        first. `prefix=False` matches whole words only. The search is recorded in the audit log with the
        number of hits, never the query text.
        """
        if not isinstance(limit, int) or not 1 <= limit <= MAX_RESULTS:
            raise ValidationError(f"Ask for 1 to {MAX_RESULTS} search results.", "limit")
        if not isinstance(query, str):
            raise ValidationError("The search text must be text.", "query")
        if client_id is not None and (not isinstance(client_id, int) or isinstance(client_id, bool)):
            raise ValidationError("Choose the client whose chart to search.", "client_id")
        quoted = phrases(query)
        if not quoted:
            return []
        with self._db.transaction():
            hits = self._whole_words(quoted, limit, client_id)
            if prefix and len(hits) < limit and _can_prefix(query):
                found = {(h.kind, h.note_id, h.client_id) for h in hits}
                match = _match([*quoted[:-1], f"{quoted[-1]} *"], client_id)
                more = self._rows(_NEWEST, (*_SNIPPET, match, limit + len(hits)))
                hits += [h for h in more if (h.kind, h.note_id, h.client_id) not in found][: limit - len(hits)]
            detail: dict[str, object] = {"hits": len(hits)}
            if client_id is not None:
                detail["client_id"] = client_id
            self._audit.record("search", detail=detail)
        return hits

    def _whole_words(self, quoted: list[str], limit: int, client_id: int | None) -> list[SearchHit]:
        match = _match(quoted, client_id)
        if self._rows_to_count(quoted) > RANK_BUDGET:
            return self._rows(_NEWEST, (*_SNIPPET, match, limit))
        window = self._db.execute(_WINDOW, (match, RANK_WINDOW - 1)).fetchone()
        floor = 0 if window is None else int(window[0])
        return self._rows(_RANKED, (*_SNIPPET, match, floor, limit))

    def _rows_to_count(self, quoted: Sequence[str]) -> float:
        """About how many rows bm25 would walk to weigh these phrases (it counts each one's rows).

        Each phrase's count is estimated from how far back its RANK_WINDOW-th newest match lies.
        """
        newest = int(self._db.execute("SELECT coalesce(max(id), 0) FROM notes").fetchone()[0])
        total = 0.0
        for phrase in dict.fromkeys(quoted):
            row = self._db.execute(_WINDOW, (f"{_TEXT_COLUMNS} : {phrase}", RANK_WINDOW - 1)).fetchone()
            if row is None or int(row[0]) >= CLIENT_ROWID_BASE:
                total += RANK_WINDOW
            else:
                total += RANK_WINDOW * newest / max(1, newest - int(row[0]) + 1)
        return total

    def _rows(self, sql: str, params: tuple[object, ...]) -> list[SearchHit]:
        return [_hit(row) for row in self._db.execute(sql, params).fetchall()]


def _match(quoted: Sequence[str], client_id: int | None) -> str:
    words = f"{_TEXT_COLUMNS} : ({' '.join(quoted)})"
    return words if client_id is None else f'client_key : "c{client_id}" AND {words}'


def _hit(row: tuple[Any, ...]) -> SearchHit:
    rowid, client_id, day, snippet, rank = row
    is_client = rowid >= CLIENT_ROWID_BASE
    return SearchHit(
        kind=HitKind.CLIENT if is_client else HitKind.NOTE,
        client_id=int(client_id),
        note_id=None if is_client else int(rowid),
        date=to_date(day),
        snippet=" ".join(snippet.split()),  # a note's sections are separated by newlines
        rank=float(rank),
    )
