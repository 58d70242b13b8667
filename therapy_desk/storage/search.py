"""`vault.search`: full-text search over client names and clinical-note text (SQLite FTS5).

The index (`search_index`, migration 6) is kept in sync by triggers on clients, notes and
addenda; psychotherapy notes are never in it. Text typed by the user is never passed to FTS5 as
query syntax: each word becomes a quoted phrase, so quotes, `*`, `NEAR`, `OR` and brackets are
just text. The last word is searched as a prefix while the user is still typing it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from typing import Any

from therapy_desk.errors import ValidationError
from therapy_desk.storage import db
from therapy_desk.storage.audit import AuditStore
from therapy_desk.storage.migrations.m006_notes import CLIENT_ROWID_BASE
from therapy_desk.storage.rows import to_date

MAX_RESULTS = 500
MAX_TERMS = 16
MIN_PREFIX_CHARS = 2  # a one-letter prefix matches most of the vocabulary: not worth the time
HIGHLIGHT_START = "\u27e6"  # ⟦ around each matched word in a snippet
HIGHLIGHT_END = "\u27e7"  # ⟧
ELLIPSIS = "…"
SNIPPET_TOKENS = 12

# Ranking costs a few microseconds per matching row, so only the newest RANK_WINDOW matches are
# ranked (all of them when there are fewer, which is the usual case); names always fall inside it.
RANK_WINDOW = 1000

_BOUND = "SELECT rowid FROM search_index WHERE search_index MATCH ? ORDER BY rowid DESC LIMIT 1 OFFSET ?"
_HIT_COLUMNS = (
    f"rowid, client_id, date_of_service, "
    f"snippet(search_index, CASE WHEN rowid >= {CLIENT_ROWID_BASE} THEN 0 ELSE 1 END, ?, ?, ?, ?)"
)
_RANKED = f"SELECT {_HIT_COLUMNS}, rank FROM search_index WHERE search_index MATCH ? AND rowid >= ? ORDER BY rank LIMIT ?"
_NEWEST = f"SELECT {_HIT_COLUMNS}, 0.0 FROM search_index WHERE search_index MATCH ? ORDER BY rowid DESC LIMIT ?"


class HitKind(enum.StrEnum):
    CLIENT = "client"
    NOTE = "note"


@dataclass(frozen=True)
class SearchHit:
    """One result: a client (by name) or a note (by its text). Lower `rank` is a better match."""

    kind: HitKind
    client_id: int
    note_id: int | None
    date: date | None  # a note's date of service
    snippet: str  # the matching text, matched words between HIGHLIGHT_START and HIGHLIGHT_END
    rank: float


def fts_query(text: str, *, prefix_last: bool = True) -> str | None:
    """A safe FTS5 query matching every word of `text` (None when it has no words).

    Each word is a double-quoted phrase (inner quotes doubled), so nothing the user types is read
    as FTS5 syntax. The last word also matches as a prefix unless `text` ends in whitespace.
    """
    words = [word for word in text.split() if any(ch.isalnum() for ch in word)][:MAX_TERMS]
    if not words:
        return None
    phrases = ['"' + word.replace('"', '""') + '"' for word in words]
    last_word = "".join(ch for ch in words[-1] if ch.isalnum())
    if prefix_last and not text[-1:].isspace() and len(last_word) >= MIN_PREFIX_CHARS:
        phrases[-1] += " *"
    return " ".join(phrases)


class SearchStore:
    def __init__(self, database: db.Database, audit: AuditStore) -> None:
        self._db = database
        self._audit = audit

    def search(self, query: str, limit: int = 50, *, client_id: int | None = None) -> list[SearchHit]:
        """The best `limit` matches for `query` among client names and note text, best first.

        Every word must match (the last one as a prefix). `client_id` narrows the search to one
        chart. Results are ranked by bm25 among the newest RANK_WINDOW matches; when the words
        are in more than half of all notes (where bm25 gives them next to no weight and ranking
        would cost a pass over most of the index) the newest matches come first, with rank 0.
        The search is recorded in the audit log with the number of hits, never the query text.
        """
        if not 1 <= limit <= MAX_RESULTS:
            raise ValidationError(f"Ask for 1 to {MAX_RESULTS} search results.", "limit")
        if not isinstance(query, str):
            raise ValidationError("The search text must be text.", "query")
        words = fts_query(query)
        if words is None:
            return []
        match = f"{{name body}} : ({words})"
        if client_id is not None:
            if not isinstance(client_id, int) or isinstance(client_id, bool):
                raise ValidationError("Choose the client whose chart to search.", "client_id")
            match = f'client_key : "c{client_id}" AND {match}'
        snippet = (HIGHLIGHT_START, HIGHLIGHT_END, ELLIPSIS, SNIPPET_TOKENS)
        with self._db.transaction():
            rows = self._db.execute(_BOUND, (match, RANK_WINDOW - 1)).fetchall()
            if not rows:
                found = self._db.execute(_RANKED, (*snippet, match, 0, limit)).fetchall()
            elif self._too_common(int(rows[0][0])):
                found = self._db.execute(_NEWEST, (*snippet, match, limit)).fetchall()
            else:
                found = self._db.execute(_RANKED, (*snippet, match, int(rows[0][0]), limit)).fetchall()
            hits = [_hit(row) for row in found]
            detail: dict[str, object] = {"hits": len(hits)}
            if client_id is not None:
                detail["client_id"] = client_id
            self._audit.record("search", detail=detail)
        return hits

    def _too_common(self, bound: int) -> bool:
        """Whether RANK_WINDOW matches spread over the notes from `bound` up suggest most notes match."""
        if bound >= CLIENT_ROWID_BASE:
            return False
        newest = int(self._db.execute("SELECT coalesce(max(id), 0) FROM notes").fetchone()[0])
        span = max(1, newest - bound + 1)
        return RANK_WINDOW * newest / span > newest / 2


def _hit(row: tuple[Any, ...]) -> SearchHit:
    rowid, client_id, day, snippet, rank = row
    is_client = rowid >= CLIENT_ROWID_BASE
    return SearchHit(
        kind=HitKind.CLIENT if is_client else HitKind.NOTE,
        client_id=int(client_id),
        note_id=None if is_client else int(rowid),
        date=to_date(day),
        snippet=" ".join(snippet.split()),  # sections are separated by newlines
        rank=float(rank),
    )
