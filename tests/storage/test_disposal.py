"""Disposal of a whole client's record after retention: every row goes, a disposal record stays forever,
the guards still refuse every other delete, and `vault check` stays clean while still finding tampering."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime, time
from pathlib import Path

import pytest

from tests.conftest import PASSPHRASE
from tests.storage import sealed_practice
from tests.storage.sealed_practice import Practice, raw_connection, reseal_note, triggers_lifted
from therapy_desk.domain.clients import Client, ClientStatus, Unit, UnitKind, UnitMember
from therapy_desk.domain.disclosures import Disclosure, DisclosureBasis
from therapy_desk.domain.practice import PracticeProfile
from therapy_desk.domain.retention import RetentionRules
from therapy_desk.domain.scheduling import Appointment, AppointmentStatus
from therapy_desk.errors import UserError, ValidationError
from therapy_desk.storage import db
from therapy_desk.storage.disposal import SHARED_SESSIONS, STEPS
from therapy_desk.storage.seals import CLIENT_DISPOSED, disposed_seal_digest
from therapy_desk.storage.vault import Vault

AFTER = date(2040, 1, 2)  # the demo practice's last services are in 2025; some clients are minors
REASON = "Retention period ended (OAR 858-040-0035)"


@pytest.fixture
def practice(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Practice:
    return sealed_practice.copy(tmp_path_factory, tmp_path)


def _client_tables(conn: db.Connection) -> set[str]:
    """Every table with a client_id column, and every table below one of those by a foreign key."""
    # The search index (FTS5, its shadow tables) is derived: triggers on clients and notes keep it.
    tables = [
        r[0]
        for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if not r[0].startswith("search_index")
    ]
    owned = {t for t in tables if any(c[1] == "client_id" for c in conn.execute(f"PRAGMA table_info({t})"))}
    owned.discard("disposals")  # the log itself, kept
    owned.add("clients")
    grew = True
    while grew:
        grew = False
        for table in tables:
            parents = {fk[2] for fk in conn.execute(f"PRAGMA foreign_key_list({table})")}
            if table not in owned and parents & owned:
                owned.add(table)
                grew = True
    return owned


def test_every_table_holding_a_clients_rows_is_handled_by_the_disposal(vault: Vault) -> None:
    handled = {table for table, _ in STEPS}
    owned = _client_tables(vault.db.conn)
    assert owned - handled == set(), "a table holds client rows the disposal does not delete"
    assert {"notes", "charges", "claim_lines", "plan_goals", "disclosures", "unit_members"} <= owned


def _discharged(vault: Vault, client_id: int) -> None:
    vault.clients.set_status(client_id, ClientStatus.DISCHARGED, on=date(2025, 6, 2))


def _owner(vault: Vault, practice: Practice) -> int:
    return int(vault.db.execute("SELECT client_id FROM notes WHERE id = ?", (practice.signed_note,)).fetchone()[0])


def _rows_of(conn: db.Connection, client_id: int) -> dict[str, int]:
    found = {}
    for table, where in STEPS:
        if table == "note_addenda":
            where = "note_id NOT IN (SELECT id FROM notes)"
        sql = f"SELECT count(*) FROM {table} WHERE {where}"  # noqa: S608
        found[table] = conn.execute(sql, (client_id,) if "?1" in where else ()).fetchone()[0]
    return {t: n for t, n in found.items() if n}


def test_a_disposal_deletes_every_row_keeps_the_record_and_the_check_stays_clean(practice: Practice) -> None:
    with Vault.open(practice.folder, PASSPHRASE) as vault:
        vault.practice.save_profile(PracticeProfile(name="Maya Okafor", credentials="LCSW"))
        client_id = _owner(vault, practice)
        client = vault.clients.get(client_id)
        _discharged(vault, client_id)
        row = vault.retention.row(client_id)
        assert row in vault.retention.past_retention(AFTER)
        assert row not in vault.retention.past_retention(date(2026, 1, 1))
        before = {t: n for t, n in _rows_of(vault.db.conn, client_id).items()}
        assert min(before["notes"], before["charges"]) > 5
        assert before["plans"] >= 1

        disposal = vault.retention.dispose(client_id, reason=f"  {REASON} ", today=AFTER)

        assert _rows_of(vault.db.conn, client_id) == {}
        assert disposal.counts["notes"] == before["notes"]
        assert disposal.counts["note_addenda"] == 1
        assert (disposal.legal_name, disposal.dob, disposal.account_number) == (
            client.legal_name, client.dob, client.account_number,
        )  # fmt: skip
        assert (disposal.retention_date, disposal.last_service) == (row.retention_date, row.last_service)
        assert (disposal.method, disposal.disposed_by, disposal.reason) == (
            "deleted from the vault", "Maya Okafor, LCSW", REASON,
        )  # fmt: skip
        assert vault.retention.disposals() == [disposal]
        event = vault.audit.named(CLIENT_DISPOSED)[-1]
        assert event.detail == {
            "disposal_id": disposal.id, "counts": disposal.counts, "seal_digest": disposed_seal_digest(disposal.sealed),
        }  # fmt: skip
        assert client.legal_last not in repr(event)
        assert all(hit.client_id != client_id for hit in vault.search.search(client.legal_last))
        assert client_id not in vault.caseload.ids()
        # The audit log is never changed, and holds ids, not who the disposed client was.
        details = " ".join(str(r[0]) for r in vault.db.execute("SELECT detail FROM audit_log"))
        for phi in (client.legal_first, client.legal_last, client.account_number, client.dob.isoformat()):
            assert phi not in details
        assert not vault.db.execute("PRAGMA foreign_key_check").fetchall()
        assert vault.db.execute("INSERT INTO search_index (search_index) VALUES ('integrity-check')") is not None

    with Vault.open_for_check(practice.folder, PASSPHRASE) as vault:
        report = vault.check()
    assert report.clean, report.problems
    assert report.disposed == sum(len(v) for v in disposal.sealed.values())
    assert len(disposal.sealed["addenda"]) == 1


def test_after_a_disposal_tampering_with_another_clients_note_is_still_found(practice: Practice) -> None:
    with Vault.open(practice.folder, PASSPHRASE) as vault:
        client_id = _owner(vault, practice)
        _discharged(vault, client_id)
        vault.retention.dispose(client_id, reason=REASON, today=AFTER)
        other = int(vault.db.execute(
            "SELECT min(id) FROM notes WHERE status = 'signed' AND client_id <> ?", (client_id,)
        ).fetchone()[0])  # fmt: skip
    conn = raw_connection(practice.folder)
    try:
        with triggers_lifted(conn):
            rewrite = "UPDATE notes SET sections = json_set(sections, '$[0][1]', 'rewritten') WHERE id = ?"
            conn.execute(rewrite, (other,))
            reseal_note(conn, other)
        conn.commit()
    finally:
        conn.close()
    with Vault.open_for_check(practice.folder, PASSPHRASE) as vault:
        report = vault.check()
    assert not report.clean
    assert any("no longer match their recorded seals" in p or f"note {other} " in p for p in report.problems)


def test_the_practice_wide_lists_read_on_after_a_disposal(practice: Practice) -> None:
    with Vault.open(practice.folder, PASSPHRASE) as vault:
        client_id = _owner(vault, practice)
        _discharged(vault, client_id)
        vault.claims.create(date(2024, 1, 1), date(2025, 6, 2), client_id=client_id)
        vault.retention.dispose(client_id, reason=REASON, today=AFTER)
        listed = vault.caseload.page()
        assert listed
        assert client_id not in [row.client_id for row in listed]
        assert all(a.client_id != client_id for a in vault.schedule.range(date(2025, 1, 1), date(2025, 6, 30)))
        assert vault.billing.aging(date(2025, 6, 2)) is not None
        assert all(c.client_id != client_id for c in vault.billing.uncollected_copays())
        assert all(c.client_id != client_id for c in vault.claims.claims())
        assert vault.retention.row(listed[0].client_id).client_id == listed[0].client_id


def test_a_disposal_row_written_outside_the_app_excuses_no_missing_note(practice: Practice) -> None:
    with Vault.open(practice.folder, PASSPHRASE) as vault:
        client_id = _owner(vault, practice)
        _discharged(vault, client_id)
        vault.retention.dispose(client_id, reason=REASON, today=AFTER)
        victim, victim_client, seal = vault.db.execute(
            "SELECT id, client_id, content_hash FROM notes WHERE status = 'signed' ORDER BY id DESC LIMIT 1"
        ).fetchone()
    conn = raw_connection(practice.folder)
    try:
        with triggers_lifted(conn):
            forged = json.dumps({"addenda": [], "notes": [[victim, seal]], "plans": []})
            conn.execute(
                "INSERT INTO disposals (client_id, legal_name, account_number, last_service, retention_date, "
                "disposed_at, method, disposed_by, reason, counts, sealed) VALUES "
                "(?, 'x', 'x', '2020-01-01', '2027-01-01', '2030-01-01T00:00:00+00:00', 'x', 'x', 'x', '{}', ?)",
                (victim_client, forged),
            )
            conn.execute("DELETE FROM notes WHERE id = ?", (victim,))
        conn.commit()
    finally:
        conn.close()
    with Vault.open_for_check(practice.folder, PASSPHRASE) as vault:
        report = vault.check()
    assert any("is not the one its audit event recorded" in p for p in report.problems), report.problems
    assert any(f"note {victim} " in p or "no longer match their recorded seals" in p for p in report.problems)


def test_the_guards_still_refuse_an_ordinary_delete_and_the_log_is_never_changed(practice: Practice) -> None:
    with Vault.open(practice.folder, PASSPHRASE) as vault:
        client_id = _owner(vault, practice)
        _discharged(vault, client_id)
        other = vault.db.execute(
            "SELECT id, client_id FROM notes WHERE status = 'signed' AND client_id <> ? LIMIT 1", (client_id,)
        ).fetchone()
        vault.disclosures.record(
            Disclosure(other[1], date(2025, 5, 1), "Dr. Lin", DisclosureBasis.TREATMENT_PAYMENT, "Referral", "Summary"),
            today=date(2025, 5, 1),
        )
        disposal = vault.retention.dispose(client_id, reason=REASON, today=AFTER)
        for sql, params in (
            ("DELETE FROM notes WHERE id = ?", (other[0],)),
            ("DELETE FROM charges WHERE client_id = ?", (other[1],)),
            ("DELETE FROM plans WHERE status <> 'draft'", ()),
            ("DELETE FROM disclosures", ()),
            ("UPDATE disposals SET reason = 'x' WHERE id = ?", (disposal.id,)),
            ("DELETE FROM disposals", ()),
        ):
            with pytest.raises(db.DatabaseError), vault.db.transaction():
                vault.db.execute(sql, params)
        assert vault.retention.disposals() == [disposal]


def test_a_record_is_not_disposed_of_before_its_retention_date_nor_while_the_client_is_active(vault: Vault) -> None:
    made = vault.clients.create(Client("Dana", "Reyes", date(1990, 4, 2), intake_date=date(2020, 3, 1)),
                                today=date(2020, 3, 1))  # fmt: skip
    assert made.id is not None
    with pytest.raises(UserError, match="only a discharged or inactive client's record"):
        vault.retention.dispose(made.id, reason=REASON, today=date(2040, 1, 1))
    vault.clients.set_status(made.id, ClientStatus.INACTIVE, on=date(2020, 4, 1))
    with pytest.raises(UserError, match=r"must be kept until 2027-03-01 \(last service 2020-03-01\)"):
        vault.retention.dispose(made.id, reason=REASON, today=date(2027, 2, 28))
    with pytest.raises(ValidationError, match="reason or the authority"):
        vault.retention.dispose(made.id, reason="  ", today=date(2027, 3, 1))
    assert vault.clients.get(made.id).legal_last == "Reyes"
    assert vault.retention.disposals() == []
    vault.retention.dispose(made.id, reason=REASON, today=date(2027, 3, 1))
    assert vault.clients.count() == 0


def test_the_practice_rules_are_saved_and_change_the_retention_date(vault: Vault) -> None:
    made = vault.clients.create(Client("Ari", "Lund", date(2010, 5, 1), intake_date=date(2020, 3, 1)),
                                today=date(2020, 3, 1))  # fmt: skip
    assert made.id is not None
    assert vault.retention.row(made.id).retention_date == date(2035, 5, 1)  # minor: 18 + 7
    vault.retention.save_rules(RetentionRules(10, 21, 3))
    assert vault.retention.rules() == RetentionRules(10, 21, 3)
    assert vault.retention.row(made.id).retention_date == date(2034, 5, 1)  # the later of 2030 and 2031+3
    vault.practice.set_setting("retention.age_of_majority", "'; DROP TABLE clients; --")
    assert vault.retention.rules().age_of_majority == 18


def test_a_unit_session_shared_with_another_client_stays_for_them(vault: Vault) -> None:
    day = date(2019, 1, 7)
    ids = []
    for first in ("Sam", "Kit"):
        made = vault.clients.create(Client(first, "Moreau", date(1980, 1, 1), intake_date=day), today=day)
        assert made.id is not None
        ids.append(made.id)
    members = (UnitMember(ids[0], "partner", True), UnitMember(ids[1], "partner"))
    unit = vault.clients.create_unit(Unit(UnitKind.COUPLE, "Moreau couple", members))
    assert unit.id is not None
    session = vault.schedule.book(
        Appointment(datetime.combine(day, time(10)), 50, "90847", unit_id=unit.id), now=datetime(2019, 1, 1)
    )
    assert session.id is not None
    vault.schedule.set_status(session.id, AppointmentStatus.ATTENDED, now=datetime(2019, 1, 7, 11))
    vault.clients.set_status(ids[0], ClientStatus.DISCHARGED, on=day)
    assert vault.retention.row(ids[0]).last_service == day

    disposal = vault.retention.dispose(ids[0], reason=REASON, today=date(2026, 1, 7))

    assert disposal.counts[SHARED_SESSIONS] == 1
    assert (disposal.first_service, disposal.last_service) == (day, day)
    assert disposal.counts["unit_members"] == 1
    assert vault.schedule.get(session.id).unit_id == unit.id
    assert [m.client_id for m in vault.clients.unit(unit.id).members] == [ids[1]]
    assert vault.retention.row(ids[1]).last_service == day


def test_a_disposal_is_all_or_nothing(vault: Vault, monkeypatch: pytest.MonkeyPatch) -> None:
    made = vault.clients.create(Client("Lee", "Park", date(1970, 1, 1), intake_date=date(2010, 1, 1),
                                       status=ClientStatus.DISCHARGED), today=date(2010, 1, 1))  # fmt: skip
    assert made.id is not None
    from therapy_desk.storage import retention

    def broken(*_args: object) -> None:
        raise UserError("The record changed while it was being disposed of; nothing was deleted. Try again.")

    monkeypatch.setattr(retention, "delete_client", broken)
    with pytest.raises(UserError, match="nothing was deleted"):
        vault.retention.dispose(made.id, reason=REASON, today=date(2020, 1, 1))
    assert vault.clients.get(made.id).legal_last == "Park"
    assert vault.retention.disposals() == []
    assert dataclasses.asdict(vault.retention.rules()) == dataclasses.asdict(RetentionRules())
