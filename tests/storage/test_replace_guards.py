"""Sealed and append-only rows cannot be replaced on any connection (migration 9).

`INSERT OR REPLACE` removes the row it conflicts with without firing DELETE triggers unless the
connection turned `recursive_triggers` on, as the app does and a sqlcipher shell does not. Each
attack here goes through such a raw connection, and must fail with the row left as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlcipher3.dbapi2 as sqlcipher

from tests.storage import sealed_practice
from tests.storage.sealed_practice import Practice, raw_connection

pytestmark = pytest.mark.reliability  # each attack on the seals


@pytest.fixture
def practice(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Practice:
    return sealed_practice.copy(tmp_path_factory, tmp_path)


def _row(conn: sqlcipher.Connection, table: str, where: str, params: tuple[Any, ...] = ()) -> dict[str, Any]:
    cursor = conn.execute(f"SELECT * FROM {table} WHERE {where} LIMIT 1", params)  # noqa: S608 - test's own SQL
    row = cursor.fetchone()
    assert row is not None, (table, where)
    return dict(zip([c[0] for c in cursor.description], row, strict=True))


def _insert(conn: sqlcipher.Connection, verb: str, table: str, row: dict[str, Any]) -> None:
    columns = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    conn.execute(f"{verb} INTO {table} ({columns}) VALUES ({marks})", tuple(row.values()))


def _replace_signed_note(conn: sqlcipher.Connection, p: Practice) -> None:
    row = _row(conn, "notes", "id = ?", (p.signed_note,))
    _insert(conn, "INSERT OR REPLACE", "notes", row | {"sections": '[["Data","rewritten"]]'})


def _replace_imported_note(conn: sqlcipher.Connection, p: Practice) -> None:
    row = _row(conn, "notes", "id = ?", (p.imported_note,))
    _insert(conn, "REPLACE", "notes", row | {"status": "draft", "sections": '[["Narrative","rewritten"]]'})


def _replace_addendum(conn: sqlcipher.Connection, p: Practice) -> None:
    _insert(conn, "REPLACE", "note_addenda", _row(conn, "note_addenda", "id = ?", (p.addendum,)) | {"text": "new"})


def _replace_audit_row(conn: sqlcipher.Connection, p: Practice) -> None:
    _insert(conn, "INSERT OR REPLACE", "audit_log", _row(conn, "audit_log", "seq = 1") | {"event": "nothing"})


def _replace_signed_plan(conn: sqlcipher.Connection, p: Practice) -> None:
    _insert(conn, "REPLACE", "plans", _row(conn, "plans", "id = ?", (p.signed_plan,)) | {"frequency": "never"})


def _replace_signed_plan_by_its_version(conn: sqlcipher.Connection, p: Practice) -> None:
    # A new id, but the signed plan's (client, version): REPLACE would remove the signed plan.
    row = _row(conn, "plans", "id = ?", (p.signed_plan,))
    _insert(conn, "REPLACE", "plans", row | {"id": 999_999, "status": "draft", "signed_by": None,
                                             "signed_at": None, "content_sha256": None})  # fmt: skip


def _move_a_draft_plan_onto_the_signed_one(conn: sqlcipher.Connection, p: Practice) -> None:
    version = _row(conn, "plans", "id = ?", (p.signed_plan,))["version"]
    conn.execute("UPDATE OR REPLACE plans SET version = ? WHERE id = ?", (version, p.draft_plan))


def _plan_item(table: str) -> Callable[[sqlcipher.Connection, Practice], None]:
    def attack(conn: sqlcipher.Connection, p: Practice) -> None:
        # The replacement claims to belong to the draft, which the insert guard of step 4 lets through.
        row = _row(conn, table, "plan_id = ?", (p.signed_plan,))
        _insert(conn, "REPLACE", table, row | {"plan_id": p.draft_plan})

    return attack


def _replace_first(table: str, change: dict[str, Any]) -> Callable[[sqlcipher.Connection, Practice], None]:
    def attack(conn: sqlcipher.Connection, p: Practice) -> None:
        _insert(conn, "INSERT OR REPLACE", table, _row(conn, table, "1 ORDER BY 1") | change)

    return attack


def _replace_allocation(conn: sqlcipher.Connection, p: Practice) -> None:
    # One whose charge and payment have a cent to spare, so only the guard can stop the new row.
    row = _row(
        conn,
        "allocations",
        "charge_id IN (SELECT id FROM charges WHERE paid_cents < fee_cents) "
        "AND payment_id IN (SELECT id FROM payments WHERE allocated_cents < amount_cents)",
    )
    _insert(conn, "REPLACE", "allocations", row | {"amount_cents": 1})


def _second_live_charge_for_an_appointment(conn: sqlcipher.Connection, p: Practice) -> None:
    row = _row(conn, "charges", "appointment_id IS NOT NULL AND voided_at IS NULL")
    _insert(conn, "REPLACE", "charges", row | {"id": 999_999, "description": "again"})


def _move_a_draft_note_onto_a_signed_one(conn: sqlcipher.Connection, p: Practice) -> None:
    conn.execute("UPDATE OR REPLACE notes SET id = ? WHERE id = ?", (p.signed_note, p.draft_note))


def _renumber(table: str) -> Callable[[sqlcipher.Connection, Practice], None]:
    def attack(conn: sqlcipher.Connection, p: Practice) -> None:
        conn.execute(f"UPDATE {table} SET id = 999999 WHERE id = (SELECT min(id) FROM {table})")  # noqa: S608

    return attack


def _release_renumbered(conn: sqlcipher.Connection, p: Practice) -> None:
    # Releasing is the one change an allocation takes; the guard of step 8 did not look at its id.
    conn.execute(
        "UPDATE allocations SET released_at = '2025-06-02T00:00:00+00:00', id = 999999 "
        "WHERE id = (SELECT min(id) FROM allocations WHERE released_at IS NULL)"
    )


ATTACKS: dict[str, tuple[Callable[[sqlcipher.Connection, Practice], None], str]] = {
    "signed note": (_replace_signed_note, "This note is signed"),
    "imported signed note": (_replace_imported_note, "This note is signed"),
    "addendum": (_replace_addendum, "An addendum is signed"),
    "audit row": (_replace_audit_row, "append-only"),
    "signed plan": (_replace_signed_plan, "signed treatment plan"),
    "signed plan, by its version": (_replace_signed_plan_by_its_version, "signed treatment plan"),
    "draft plan moved onto the signed one": (_move_a_draft_plan_onto_the_signed_one, "signed treatment plan"),
    "plan problem": (_plan_item("plan_problems"), "signed treatment plan"),
    "plan goal": (_plan_item("plan_goals"), "signed treatment plan"),
    "plan objective": (_plan_item("plan_objectives"), "signed treatment plan"),
    "plan intervention": (_plan_item("plan_interventions"), "signed treatment plan"),
    "measure result": (_replace_first("measure_results", {"total": 0}), "measure result"),
    "charge": (_replace_first("charges", {"description": "changed"}), "charges are never edited"),
    "second live charge for an appointment": (_second_live_charge_for_an_appointment, "charges are never edited"),
    "diagnosis pointer": (_replace_first("charge_diagnoses", {"pointer": 4}), "diagnosis pointers"),
    "payment": (_replace_first("payments", {"reference": "changed"}), "payments are never edited"),
    "allocation": (_replace_allocation, "allocations are never edited"),
    "draft note moved onto a signed one": (_move_a_draft_note_onto_a_signed_one, "number never changes"),
    "charge renumbered": (_renumber("charges"), "number never changes"),
    "payment renumbered": (_renumber("payments"), "number never changes"),
    "allocation renumbered as it is released": (_release_renumbered, "number never changes"),
}
_GUARDED = (
    "notes", "note_addenda", "audit_log", "plans", "plan_problems", "plan_goals", "plan_objectives",
    "plan_interventions", "measure_results", "charges", "charge_diagnoses", "payments", "allocations",
)  # fmt: skip


def _everything(conn: sqlcipher.Connection) -> dict[str, list[tuple[Any, ...]]]:
    return {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in _GUARDED}  # noqa: S608


@pytest.mark.parametrize("attack", ATTACKS, ids=list(ATTACKS))
def test_replacing_a_sealed_row_fails_on_a_connection_without_recursive_triggers(
    practice: Practice, attack: str
) -> None:
    run, message = ATTACKS[attack]
    conn = raw_connection(practice.folder)
    try:
        before = _everything(conn)
        with pytest.raises(sqlcipher.DatabaseError, match=message):
            run(conn, practice)
        assert _everything(conn) == before
    finally:
        conn.close()


def test_rows_nothing_seals_can_still_be_replaced(practice: Practice) -> None:
    """The guards are precise: a draft note is not sealed (the app itself never replaces one)."""
    conn = raw_connection(practice.folder)
    try:
        row = _row(conn, "notes", "id = ?", (practice.draft_note,))
        _insert(conn, "INSERT OR REPLACE", "notes", row | {"sections": '[["Subjective","s"]]'})
        assert _row(conn, "notes", "id = ?", (practice.draft_note,))["sections"] == '[["Subjective","s"]]'
    finally:
        conn.close()
