"""`vault.practice`: the clinician's profile and the vault's settings."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from therapy_desk.domain.practice import PracticeProfile
from therapy_desk.storage import db
from therapy_desk.storage.audit import AuditStore

_FIELDS = tuple(f.name for f in dataclasses.fields(PracticeProfile))
# Column names come from the dataclass, never from input.
_SELECT = f"SELECT {', '.join(_FIELDS)} FROM practice_profile WHERE id = 1"  # noqa: S608
_UPDATE = f"UPDATE practice_profile SET {', '.join(f'{n} = ?' for n in _FIELDS)}, updated_at = ? WHERE id = 1"  # noqa: S608


class PracticeStore:
    def __init__(self, database: db.Database, audit: AuditStore) -> None:
        self._db = database
        self._audit = audit

    def profile(self) -> PracticeProfile:
        row = self._db.execute(_SELECT).fetchone()
        return PracticeProfile(*row)

    def save_profile(self, profile: PracticeProfile) -> PracticeProfile:
        """Validate and store the profile; returns it as stored (normalised)."""
        clean = profile.validated()
        values = [getattr(clean, name) for name in _FIELDS]
        with self._db.transaction():
            self._db.execute(_UPDATE, (*values, datetime.now(UTC).isoformat(timespec="seconds")))
            self._audit.record("practice profile updated", entity="practice_profile", entity_id=1)
        return clean

    def setting(self, key: str, default: str | None = None) -> str | None:
        row = self._db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_setting(self, key: str, value: str) -> None:
        with self._db.transaction():
            self._db.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
            self._audit.record("setting changed", entity="setting", entity_id=key)
