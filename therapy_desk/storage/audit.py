"""The audit log: append-only, each row carrying the SHA-256 of the row before it.

`verify` walks the chain and names the first row that was edited, deleted or reordered.
Details are small JSON objects of ids and counts; they never hold note text or names.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from therapy_desk.storage import db

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class AuditEvent:
    seq: int
    at: str
    event: str
    entity: str | None
    entity_id: str | None
    detail: dict[str, Any]


@dataclass(frozen=True)
class AuditReport:
    rows_checked: int
    first_bad_seq: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _row_hash(
    seq: int, at: str, event: str, entity: str | None, entity_id: str | None, detail: str, prev_hash: str
) -> str:
    payload = json.dumps([seq, at, event, entity, entity_id, detail, prev_hash], ensure_ascii=True)
    return hashlib.sha256(payload.encode("ascii")).hexdigest()


class AuditStore:
    def __init__(self, database: db.Database) -> None:
        self._db = database

    def record(
        self,
        event: str,
        *,
        entity: str | None = None,
        entity_id: str | int | None = None,
        detail: dict[str, Any] | None = None,
    ) -> int:
        """Append one event; joins the caller's transaction if one is open. Returns its number."""
        with self._db.transaction():
            return self._append(event, entity, entity_id, detail)

    def _append(
        self, event: str, entity: str | None, entity_id: str | int | None, detail: dict[str, Any] | None
    ) -> int:
        seq, prev_hash = self._db.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
        seq += 1
        at = datetime.now(UTC).isoformat(timespec="microseconds")
        ident = None if entity_id is None else str(entity_id)
        detail_json = json.dumps(detail or {}, sort_keys=True, ensure_ascii=True)
        row_hash = _row_hash(seq, at, event, entity, ident, detail_json, prev_hash)
        self._db.execute(
            "INSERT INTO audit_log (seq, at, event, entity, entity_id, detail, prev_hash, row_hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (seq, at, event, entity, ident, detail_json, prev_hash, row_hash),
        )
        self._db.execute("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", (seq, row_hash))
        return int(seq)

    def head(self) -> tuple[int, str]:
        """The number and hash of the newest event (0 and the genesis hash in an empty log)."""
        seq, head_hash = self._db.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
        return int(seq), str(head_hash)

    def hash_at(self, seq: int) -> str | None:
        """The stored hash of event `seq`, or None if there is no such row."""
        row = self._db.execute("SELECT row_hash FROM audit_log WHERE seq = ?", (seq,)).fetchone()
        return None if row is None else str(row[0])

    def named(self, event: str, limit: int = 100) -> list[AuditEvent]:
        """The oldest `limit` events named `event` (a scan of the log: for rare questions only)."""
        rows = self._db.execute(
            "SELECT seq, at, event, entity, entity_id, detail FROM audit_log WHERE event = ? ORDER BY seq LIMIT ?",
            (event, limit),
        ).fetchall()
        return [AuditEvent(r[0], r[1], r[2], r[3], r[4], json.loads(r[5])) for r in rows]

    def first(self, event: str) -> AuditEvent | None:
        """The oldest event named `event`, if any (a scan of the log)."""
        found = self.named(event, limit=1)
        return found[0] if found else None

    def recent(self, limit: int = 100) -> list[AuditEvent]:
        """The newest events first."""
        rows = self._db.execute(
            "SELECT seq, at, event, entity, entity_id, detail FROM audit_log ORDER BY seq DESC LIMIT ?", (limit,)
        ).fetchall()
        return [AuditEvent(r[0], r[1], r[2], r[3], r[4], json.loads(r[5])) for r in rows]

    def _rows(self) -> Iterator[tuple[Any, ...]]:
        cursor = self._db.execute(
            "SELECT seq, at, event, entity, entity_id, detail, prev_hash, row_hash FROM audit_log ORDER BY rowid"
        )
        while batch := cursor.fetchmany(1000):
            yield from batch

    def verify(self) -> AuditReport:
        """Walk the chain; the report names the first row that does not hold."""
        expected_seq, prev_hash, checked = 1, GENESIS_HASH, 0
        for seq, at, event, entity, entity_id, detail, stored_prev, stored_hash in self._rows():
            if seq != expected_seq:
                if seq > expected_seq:
                    missing = f"{expected_seq}" if seq == expected_seq + 1 else f"{expected_seq}–{seq - 1}"
                    return AuditReport(checked, expected_seq, f"audit row {missing} is missing (deleted)")
                return AuditReport(checked, seq, f"audit row {seq} is out of order (reordered)")
            if _row_hash(seq, at, event, entity, entity_id, detail, stored_prev) != stored_hash:
                return AuditReport(
                    checked, seq, f"audit row {seq} was edited or moved (its content does not match its hash)"
                )
            if stored_prev != prev_hash:
                return AuditReport(
                    checked, seq, f"audit row {seq} does not follow row {seq - 1} (edited, deleted or reordered)"
                )
            prev_hash, expected_seq, checked = stored_hash, seq + 1, checked + 1
        head_seq, head_hash = self._db.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
        if head_seq != checked or head_hash != prev_hash:
            first_missing = checked + 1
            return AuditReport(checked, first_missing, f"audit rows from {first_missing} on are missing (deleted)")
        return AuditReport(checked)
