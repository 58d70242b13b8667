"""`vault.snippets`: the clinician's reusable text snippets (table `snippets`, schema 11)."""

from __future__ import annotations

from datetime import UTC, datetime

from therapy_desk.domain.snippets import Snippet
from therapy_desk.errors import ValidationError
from therapy_desk.storage import db
from therapy_desk.storage.audit import AuditStore

_SELECT = "SELECT id, trigger, section, text, created_at, updated_at FROM snippets"


def _row(row: tuple[int, str, str, str, str, str]) -> Snippet:
    sid, trigger, section, text, created, updated = row
    return Snippet(trigger=trigger, text=text, section=section, id=sid, created_at=created, updated_at=updated)


class SnippetStore:
    def __init__(self, database: db.Database, audit: AuditStore) -> None:
        self._db = database
        self._audit = audit

    def list(self) -> list[Snippet]:
        """Every snippet, by trigger then section (any-section first)."""
        return [_row(r) for r in self._db.execute(f"{_SELECT} ORDER BY trigger, section")]

    def get(self, snippet_id: int) -> Snippet:
        row = self._db.execute(f"{_SELECT} WHERE id = ?", (snippet_id,)).fetchone()
        if row is None:
            raise ValidationError("That snippet no longer exists.", "id")
        return _row(row)

    def save(self, snippet: Snippet) -> Snippet:
        """Add a snippet (no id) or change one; a trigger is used once per section."""
        clean = snippet.validated()
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._db.transaction():
            taken = self._db.execute(
                "SELECT 1 FROM snippets WHERE trigger = ? AND section = ? AND id IS NOT ?",
                (clean.trigger, clean.section, clean.id),
            ).fetchone()
            if taken:
                where = f"the {clean.section} section" if clean.section else "any section"
                raise ValidationError(f"{clean.trigger} is already a snippet for {where}.", "trigger")
            if clean.id is None:
                cursor = self._db.execute(
                    "INSERT INTO snippets (trigger, section, text, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                    (clean.trigger, clean.section, clean.text, now, now),
                )
                snippet_id = int(cursor.lastrowid or 0)
                self._audit.record("snippet added", entity="snippet", entity_id=snippet_id)
            else:
                cursor = self._db.execute(
                    "UPDATE snippets SET trigger = ?, section = ?, text = ?, updated_at = ? WHERE id = ?",
                    (clean.trigger, clean.section, clean.text, now, clean.id),
                )
                if cursor.rowcount == 0:
                    raise ValidationError("That snippet no longer exists.", "id")
                snippet_id = clean.id
                self._audit.record("snippet changed", entity="snippet", entity_id=snippet_id)
        return self.get(snippet_id)

    def delete(self, snippet_id: int) -> None:
        with self._db.transaction():
            cursor = self._db.execute("DELETE FROM snippets WHERE id = ?", (snippet_id,))
            if cursor.rowcount == 0:
                raise ValidationError("That snippet no longer exists.", "id")
            self._audit.record("snippet deleted", entity="snippet", entity_id=snippet_id)
