"""Deleting every row of one client, table by table, for a disposal after retention (storage/retention.py).

`STEPS` names each table that holds a client's rows and how to find them; tests/storage/test_disposal.py
fails when a table with a `client_id` column, or a child of one, is added and not listed here. Sessions
of a couple or group (`appointments`/`notes` with a `unit_id` and no `client_id`) document the other
members too: they stay, and the disposed client leaves the unit (`unit_members`). The migration-17 guards
let these deletes through only once the client's `disposals` row is written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from therapy_desk.errors import UserError
from therapy_desk.storage import db

_CLAIMS = "claim_id IN (SELECT id FROM claims WHERE client_id = ?1)"
_CHARGES = "charge_id IN (SELECT id FROM charges WHERE client_id = ?1)"
_PLANS = "plan_id IN (SELECT id FROM plans WHERE client_id = ?1)"
_CLIENT = "client_id = ?1"
# The disposal row lists the client's addenda: their note is deleted first so that its search entry
# is removed with the addenda's text still there to match (search_note_removed).
_ADDENDA = (
    "id IN (SELECT s.value ->> 0 FROM disposals AS d, json_each(d.sealed, '$.addenda') AS s WHERE d.client_id = ?1)"
)

# (table, rows of the client), children before parents where no trigger needs otherwise.
STEPS: tuple[tuple[str, str], ...] = (
    ("claim_events", _CLAIMS),
    ("claim_lines", _CLAIMS),
    ("claims", _CLIENT),
    ("eob_lines", _CLIENT),
    ("allocations", "payment_id IN (SELECT id FROM payments WHERE client_id = ?1) OR " + _CHARGES),  # noqa: S608
    ("adjustments", _CLIENT),
    ("refunds", _CLIENT),
    ("charge_diagnoses", _CHARGES),
    ("charges", _CLIENT),
    ("payments", _CLIENT),
    ("disclosures", _CLIENT),
    ("documents_issued", _CLIENT),
    ("good_faith_estimates", _CLIENT),
    ("coverages", _CLIENT),
    ("measure_results", _CLIENT),
    ("notes", _CLIENT),
    ("note_addenda", _ADDENDA),
    ("psychotherapy_notes", _CLIENT),
    ("plan_interventions", _PLANS),
    ("plan_objectives", _PLANS),
    ("plan_goals", _PLANS),
    ("plan_problems", _PLANS),
    ("plans", _CLIENT),
    ("appointments", _CLIENT),
    ("appointment_series", _CLIENT),
    ("diagnoses", _CLIENT),
    ("releases", _CLIENT),
    ("care_contacts", _CLIENT),
    ("unit_members", _CLIENT),
    ("clients", "id = ?1"),
)
SHARED_SESSIONS = "shared unit sessions kept"  # a counts key that names rows kept, not deleted

_SHARED = """
SELECT count(*) FROM appointments WHERE client_id IS NULL AND unit_id IN (
    SELECT unit_id FROM unit_members WHERE client_id = ?1
)
"""


@dataclass(frozen=True)
class Disposal:
    """One row of the disposal log: a client's record deleted after its retention date."""

    id: int
    client_id: int
    legal_name: str
    dob: date | None
    account_number: str
    first_service: date | None
    last_service: date
    retention_date: date
    disposed_at: datetime
    method: str
    disposed_by: str
    reason: str
    counts: dict[str, int]
    sealed: dict[str, list[tuple[int, str]]]

    @property
    def deleted_rows(self) -> int:
        return sum(n for table, n in self.counts.items() if table != SHARED_SESSIONS)


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def disposal_from_row(row: tuple[Any, ...]) -> Disposal:
    counts = json.loads(row[12])
    sealed = json.loads(row[13])
    return Disposal(
        int(row[0]), int(row[1]), str(row[2]), _day(row[3]), str(row[4]), _day(row[5]),
        date.fromisoformat(row[6]), date.fromisoformat(row[7]), datetime.fromisoformat(row[8]),
        str(row[9]), str(row[10]), str(row[11]),
        {str(k): int(v) for k, v in counts.items()},
        {str(k): [(int(i), str(s)) for i, s in v] for k, v in sealed.items()},
    )  # fmt: skip


def sealed_records(database: db.Database, client_id: int) -> dict[str, list[list[Any]]]:
    """The ids and seals of the client's signed notes, addenda and signed plans, for `vault check`."""
    queries = {
        "notes": "SELECT id, content_hash FROM notes WHERE client_id = ? AND status = 'signed' ORDER BY id",
        "addenda": (
            "SELECT a.id, a.content_hash FROM note_addenda AS a JOIN notes AS n ON n.id = a.note_id "
            "WHERE n.client_id = ? ORDER BY a.id"
        ),
        "plans": "SELECT id, content_sha256 FROM plans WHERE client_id = ? AND status <> 'draft' ORDER BY id",
    }
    return {kind: [[int(i), str(s)] for i, s in database.execute(sql, (client_id,))] for kind, sql in queries.items()}


def count_rows(database: db.Database, client_id: int) -> dict[str, int]:
    """How many rows of each table the disposal of this client deletes (before its disposal row exists,
    addenda are counted through their notes), and how many shared unit sessions stay."""
    counts: dict[str, int] = {}
    for table, where in STEPS:
        if table == "note_addenda":
            where = "note_id IN (SELECT id FROM notes WHERE client_id = ?1)"
        sql = f"SELECT count(*) FROM {table} WHERE {where}"  # noqa: S608
        counts[table] = int(database.execute(sql, (client_id,)).fetchone()[0])
    counts[SHARED_SESSIONS] = int(database.execute(_SHARED, (client_id,)).fetchone()[0])
    return counts


def delete_client(database: db.Database, client_id: int, expected: dict[str, int]) -> None:
    """Delete the client's rows (inside the caller's transaction, after the disposal row is written);
    raises, so the caller's transaction rolls back, if any table's count differs from `expected`."""
    database.execute("PRAGMA defer_foreign_keys = ON")  # parents and children go in one transaction
    for table, where in STEPS:
        deleted = database.execute(f"DELETE FROM {table} WHERE {where}", (client_id,)).rowcount  # noqa: S608
        if deleted != expected[table]:
            raise UserError("The record changed while it was being disposed of; nothing was deleted. Try again.")
