"""The rows an exit archive holds, read a chunk at a time: every table of the vault (a fixed list, in dependency
order), whole for the practice, or for one client only the rows that are that client's.  Every statement is built
from the fixed `TABLES` and `_CLIENT_WHERE` below, never from data. Left out: the full-text index (`search_index`
and its shadow tables, derived from the record and rebuilt at will) and SQLite's own tables. Psychotherapy notes
are in a whole-practice archive only when asked for, and never in a one-client archive; the practice-wide
`audit_head`, the clinician's `snippets` and the log of disposed records (`disposals`) are not in a one-client
archive either. Nothing here holds key material (that lives in keyslots.json, never in the database)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

from therapy_desk.storage.db import Database

PSYCHOTHERAPY_NOTES = "psychotherapy_notes"

# Every table of the record, parents before their children.
TABLES: tuple[str, ...] = (
    "practice_profile",
    "settings",
    "services",
    "payers",
    "snippets",
    "clients",
    "units",
    "unit_members",
    "care_contacts",
    "releases",
    "diagnoses",
    "plans",
    "plan_problems",
    "plan_goals",
    "plan_objectives",
    "plan_interventions",
    "appointment_series",
    "appointments",
    "notes",
    "note_addenda",
    PSYCHOTHERAPY_NOTES,
    "measure_results",
    "coverages",
    "charges",
    "charge_diagnoses",
    "payments",
    "allocations",
    "adjustments",
    "refunds",
    "eob_postings",
    "eob_lines",
    "documents_issued",
    "good_faith_estimates",
    "claims",
    "claim_lines",
    "claim_events",
    "x12_batches",
    "disclosures",
    "disposals",
    "audit_log",
    "audit_head",
)

# Tables of the database an archive leaves out on purpose (derived, or SQLite's own).
LEFT_OUT_PREFIXES: tuple[str, ...] = ("search_index", "sqlite_")

_OWN = "client_id = :c"
_PLANS = "plan_id IN (SELECT id FROM plans WHERE client_id = :c)"
_CHARGES = "SELECT id FROM charges WHERE client_id = :c"
_CLAIMS = "claim_id IN (SELECT id FROM claims WHERE client_id = :c)"
# A couple's, family's or group's sessions are booked on the unit: the client's when the client is in it.
_OWN_OR_UNITS = "client_id = :c OR unit_id IN (SELECT unit_id FROM unit_members WHERE client_id = :c)"

# The audit events about one client: the client itself, an event whose detail names the client, and events
# on a row of the client's (entity -> table); psychotherapy-note events are never in a one-client archive.
_AUDIT_ENTITIES: tuple[tuple[str, str], ...] = (
    ("adjustment", "adjustments"),
    ("appointment", "appointments"),
    ("appointment_series", "appointment_series"),
    ("care_contact", "care_contacts"),
    ("charge", "charges"),
    ("claim", "claims"),
    ("coverage", "coverages"),
    ("diagnosis", "diagnoses"),
    ("disclosure", "disclosures"),
    ("document", "documents_issued"),
    ("estimate", "good_faith_estimates"),
    ("measure_result", "measure_results"),
    ("note", "notes"),
    ("payment", "payments"),
    ("plan", "plans"),
    ("refund", "refunds"),
    ("release", "releases"),
)
_AUDIT = " OR ".join(
    [
        "(entity = 'client' AND entity_id = CAST(:c AS TEXT))",
        "(entity IS NOT 'psychotherapy_note' AND json_valid(detail) AND json_extract(detail, '$.client_id') = :c)",
        *(
            f"(entity = '{entity}' AND entity_id IN (SELECT CAST(id AS TEXT) FROM {table} WHERE client_id = :c))"  # noqa: S608
            for entity, table in _AUDIT_ENTITIES
        ),
    ]
)

# For a one-client archive: which rows of each table are the client's (`:c` is the client's id). None: the
# table is shared by the practice (the profile, settings, services, payers) and goes in whole. A table
# missing here is not in a one-client archive at all.
_CLIENT_WHERE: dict[str, str | None] = {
    "practice_profile": None,
    "settings": None,
    "services": None,
    "payers": None,
    "clients": "id = :c",
    "units": "id IN (SELECT unit_id FROM unit_members WHERE client_id = :c)",
    "unit_members": _OWN,
    "care_contacts": _OWN,
    "releases": _OWN,
    "disclosures": _OWN,
    "diagnoses": _OWN,
    "plans": _OWN,
    "plan_problems": _PLANS,
    "plan_goals": _PLANS,
    "plan_objectives": _PLANS,
    "plan_interventions": _PLANS,
    "appointment_series": _OWN_OR_UNITS,
    "appointments": _OWN_OR_UNITS,
    "notes": _OWN,
    "note_addenda": "note_id IN (SELECT id FROM notes WHERE client_id = :c)",
    "measure_results": _OWN,
    "coverages": _OWN,
    "charges": _OWN,
    "charge_diagnoses": f"charge_id IN ({_CHARGES})",
    # An insurer's payment has no client of its own: it is the client's when some of it went to their charges.
    "payments": f"client_id = :c OR id IN (SELECT payment_id FROM allocations WHERE charge_id IN ({_CHARGES}))",  # noqa: S608
    "allocations": f"charge_id IN ({_CHARGES}) OR payment_id IN (SELECT id FROM payments WHERE client_id = :c)",  # noqa: S608
    "adjustments": _OWN,
    "refunds": _OWN,
    "eob_postings": "id IN (SELECT eob_id FROM eob_lines WHERE client_id = :c)",
    "eob_lines": _OWN,
    "documents_issued": _OWN,
    "good_faith_estimates": _OWN,
    "claims": _OWN,
    "claim_lines": _CLAIMS,
    "claim_events": _CLAIMS,
    "x12_batches": (
        "EXISTS (SELECT 1 FROM json_each(x12_batches.claim_ids) AS j "
        "WHERE j.value IN (SELECT id FROM claims WHERE client_id = :c))"
    ),
    "audit_log": _AUDIT,
}

_ORDER: dict[str, str] = {
    "settings": "key",
    "services": "code",
    "unit_members": "unit_id, client_id",
    "charge_diagnoses": "charge_id, pointer",
    "claim_lines": "claim_id, line_number",
    "audit_log": "seq",
}


def tables_for(*, client_id: int | None, include_psychotherapy_notes: bool) -> tuple[str, ...]:
    """The tables an archive holds: every one for the practice (psychotherapy notes only when asked for),
    and for one client the client's and the shared ones (never psychotherapy notes)."""
    if client_id is not None:
        return tuple(table for table in TABLES if table in _CLIENT_WHERE)
    return tuple(table for table in TABLES if include_psychotherapy_notes or table != PSYCHOTHERAPY_NOTES)


def database_tables(db: Database) -> list[str]:
    """Every table in the database an archive must decide about (the full-text index and SQLite's own left out)."""
    rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").fetchall()
    return [row[0] for row in rows if not row[0].startswith(LEFT_OUT_PREFIXES)]


def columns(db: Database, table: str) -> list[str]:
    """The column names of one of `TABLES`, in the table's order."""
    _known(table)
    return [row[1] for row in db.execute(f'PRAGMA table_info("{table}")').fetchall()]


def _known(table: str) -> None:
    if table not in TABLES:
        raise ValueError("not a table an archive holds")


def _select(table: str, client_id: int | None) -> tuple[str, dict[str, Any]]:
    _known(table)
    order = _ORDER.get(table, "id")
    if client_id is None:
        return f'SELECT * FROM "{table}" ORDER BY {order}', {}  # noqa: S608
    if table not in _CLIENT_WHERE:
        raise ValueError("this table is not in a one-client archive")
    where = _CLIENT_WHERE[table]
    if where is None:
        return f'SELECT * FROM "{table}" ORDER BY {order}', {}  # noqa: S608
    return f'SELECT * FROM "{table}" WHERE {where} ORDER BY {order}', {"c": client_id}  # noqa: S608


def rows(db: Database, table: str, *, client_id: int | None, chunk: int = 2000) -> Iterator[Sequence[Any]]:
    """The rows of `table` (the practice's, or one client's), a chunk at a time from one cursor."""
    sql, params = _select(table, client_id)
    cursor = db.conn.execute(sql, params)
    try:
        while batch := cursor.fetchmany(chunk):
            yield from batch
    finally:
        cursor.close()


def client_ids(db: Database, client_id: int | None) -> list[int]:
    """The ids of the clients an archive covers: every client's, oldest first, or the one asked for."""
    if client_id is None:
        return [row[0] for row in db.execute("SELECT id FROM clients ORDER BY id").fetchall()]
    return [row[0] for row in db.execute("SELECT id FROM clients WHERE id = ?", (client_id,)).fetchall()]


@contextlib.contextmanager
def read_snapshot(db: Database) -> Iterator[None]:
    """Read every table as of one moment: a deferred read transaction (writers on other connections go on)."""
    if db.conn.in_transaction:
        yield
        return
    db.conn.execute("BEGIN DEFERRED")
    try:
        yield
    finally:
        db.conn.execute("ROLLBACK")
