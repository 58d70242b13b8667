"""Upgrading a vault made by an older Therapy Desk: it opens, keeps every row, and a copy is kept first.

The old vaults are real files in tests/fixtures/ (see its README), one per schema version; from
schema 3 on they hold an invented practice's year. Each test works on a copy: it reads the copy's
rows with a plain SQLCipher connection, opens it with the current app, and compares.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

import pytest
import sqlcipher3.dbapi2 as sqlcipher

from tests.conftest import PASSPHRASE
from tests.fixtures.vault_rows import Table, differences, dump, read_as
from tests.storage.search_index import index_matches_the_text
from therapy_desk.domain.caseload import CaseloadRow
from therapy_desk.errors import VaultTooNew
from therapy_desk.storage import db, migrations
from therapy_desk.storage import vault as vault_module
from therapy_desk.storage.audit import AuditStore
from therapy_desk.storage.keyslots import Keyslots, key_hex
from therapy_desk.storage.migrations import CURRENT_VERSION, Migration
from therapy_desk.storage.search import HitKind, SearchStore
from therapy_desk.storage.vault import SNAPSHOT_DIR, Vault

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FIXTURE_VERSIONS = sorted(int(p.name.removeprefix("vault-v")) for p in FIXTURES.glob("vault-v*") if p.is_dir())
OLDER_VERSIONS = [v for v in FIXTURE_VERSIONS if v < CURRENT_VERSION]  # the ones an open upgrades
assert 1 in FIXTURE_VERSIONS, "tests/fixtures/vault-v1 is missing; see tests/fixtures/README.md"
FIXTURE_PROFILE_NAME = "Fixture Counseling LLC"  # saved in vault-v2
STORE_BUILT = 8  # vault-v8 was built through the stores; v3 to v7 by the frozen SQL (tests/fixtures/README.md)
NOW = datetime(2025, 1, 6, 9, 0)  # a Monday after the fixtures' year, for the caseload's "next appointment"


def _passphrase(version: int) -> str:
    return f"fixture passphrase v{version}"


def _copy_fixture(version: int, tmp_path: Path) -> Path:
    target = tmp_path / f"vault-v{version}"
    shutil.copytree(FIXTURES / f"vault-v{version}", target)
    return target


def _data_key_hex(folder: Path, passphrase: str) -> str:
    return key_hex(Keyslots.load(folder).unwrap("passphrase", passphrase))


def _read_only(path: Path, key: str) -> sqlcipher.Connection:
    """A plain SQLCipher connection with the raw key: no settings changed, nothing written."""
    conn = sqlcipher.connect(str(path))
    conn.execute(f'PRAGMA key = "{db.raw_key_literal(key)}"')
    return conn


def _tables(conn: sqlcipher.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _triggers(conn: sqlcipher.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _snapshots(folder: Path) -> list[Path]:
    return sorted((folder / SNAPSHOT_DIR).glob("*.db")) if (folder / SNAPSHOT_DIR).exists() else []


def _fixture_rows(folder: Path, version: int) -> dict[str, Table]:
    """Every row of the (copied) fixture as it is before the app opens it."""
    conn = _read_only(folder / db.DB_FILE, _data_key_hex(folder, _passphrase(version)))
    try:
        return dump(conn)
    finally:
        conn.close()


def _ids(items: Iterable[Any]) -> list[int]:
    """The ids of records read from a store, in order (a record without one fails the test)."""
    return sorted(int(item.id) for item in items)


def _events(rows: dict[str, Table]) -> list[str]:
    return [r["event"] for r in rows["audit_log"].records()]


# -- the fixtures themselves -------------------------------------------------------------------


@pytest.mark.parametrize("version", FIXTURE_VERSIONS)
def test_fixture_is_at_the_schema_version_its_name_says(version: int, tmp_path: Path) -> None:
    folder = _copy_fixture(version, tmp_path)
    conn = _read_only(folder / db.DB_FILE, _data_key_hex(folder, _passphrase(version)))
    try:
        assert db.user_version(conn) == version
    finally:
        conn.close()


def test_every_older_schema_version_has_a_fixture() -> None:
    assert set(range(1, CURRENT_VERSION)) <= set(FIXTURE_VERSIONS), "build it: see tests/fixtures/README.md"


@pytest.mark.parametrize("version", [v for v in FIXTURE_VERSIONS if v >= 3])
def test_a_fixture_with_a_practice_has_rows_in_every_table(version: int, tmp_path: Path) -> None:
    rows = _fixture_rows(_copy_fixture(version, tmp_path), version)

    assert [table for table, content in rows.items() if not content.rows] == []


@pytest.mark.parametrize("version", [v for v in FIXTURE_VERSIONS if 3 <= v < STORE_BUILT])
def test_the_frozen_sql_of_a_fixture_wrote_what_the_stores_wrote(version: int, tmp_path: Path) -> None:
    """vault-v3..v7 were written by SQL frozen in the builder, vault-v8 by the stores, from one story: the
    rows and audit events the older schema had room for are the same, clock columns aside."""
    if STORE_BUILT not in FIXTURE_VERSIONS:
        pytest.skip(f"vault-v{STORE_BUILT} is missing")
    frozen = _fixture_rows(_copy_fixture(version, tmp_path), version)
    stores = _fixture_rows(_copy_fixture(STORE_BUILT, tmp_path), STORE_BUILT)
    # The columns the stores stamp from the clock (a note's seal covers its signing time).
    clock = {
        "created_at",
        "updated_at",
        "recorded_at",
        "status_changed_at",
        "signed_at",
        "superseded_at",
        "content_hash",
    }

    def without_clock(rows: dict[str, Table], like: dict[str, Table]) -> dict[str, Table]:
        kept = {}
        for table, content in rows.items():
            if table in like and not table.startswith("audit_"):
                index = [i for i, c in enumerate(content.columns) if c not in clock]
                kept[table] = Table(
                    tuple(content.columns[i] for i in index),
                    {k: tuple(v[i] for i in index) for k, v in content.rows.items()},
                )
        return kept

    assert differences(without_clock(frozen, frozen), without_clock(stores, frozen)) == []
    # The audit events of the story's actions, in order (billing and the other later entities left out).
    entity_schema = {
        "practice_profile": 2, "setting": 2, "client": 3, "unit": 3, "care_contact": 3, "release": 3,
        "diagnosis": 3, "plan": 4, "appointment": 5, "appointment_series": 5, "note": 6, "psychotherapy_note": 6,
        "measure_result": 7,
    }  # fmt: skip

    def story_events(rows: dict[str, Table]) -> list[tuple[Any, ...]]:
        events = []
        for r in rows["audit_log"].records():
            if entity_schema.get(r["entity"], CURRENT_VERSION + 1) <= version:
                detail = {k: v for k, v in json.loads(r["detail"]).items() if k != "content_hash"}
                events.append((r["event"], r["entity"], r["entity_id"], detail))
        return events

    assert story_events(frozen) == story_events(stores)
    assert len(story_events(frozen)) > 20


# -- upgrading ---------------------------------------------------------------------------------


def _open_events(version: int) -> list[str]:
    """What the first open by this version adds to an old vault's log: migration 9 binds the seals made
    before it (a vault with plans or notes has some), and the vault starts keeping its audit anchor. A
    vault made at schema 9 or later recorded its seals as they were made and keeps its anchor already."""
    if version >= 9:
        return ["unlock"]
    return [*(["seals recorded"] if version >= 4 else []), "audit anchor started", "unlock"]


@dataclass(frozen=True)
class Upgrade:
    version: int
    before: dict[str, Table]  # the fixture's rows, read before the app opened it
    after: dict[str, Table]  # the same tables and columns, read right after `Vault.open`
    triggers_before: set[str]
    vault: Vault

    def rows(self, table: str) -> list[dict[str, Any]]:
        """The fixture's rows of `table` (none if its schema had no such table)."""
        return self.before[table].records() if table in self.before else []


@pytest.fixture(params=FIXTURE_VERSIONS, ids=lambda v: f"v{v}")
def upgraded(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Upgrade]:
    """A copy of one fixture, opened (so upgraded) by the current app."""
    version: int = request.param
    folder = _copy_fixture(version, tmp_path)
    conn = _read_only(folder / db.DB_FILE, _data_key_hex(folder, _passphrase(version)))
    try:
        before, triggers = dump(conn), _triggers(conn)
    finally:
        conn.close()
    with Vault.open(folder, _passphrase(version)) as vault:
        after = read_as(vault.db.conn, before)
        yield Upgrade(version, before, after, triggers, vault)


def test_every_row_of_an_old_vault_survives_the_upgrade(upgraded: Upgrade) -> None:
    assert upgraded.vault.schema_version == CURRENT_VERSION
    # The chain's head moves with every event; `check` below verifies it against the log.
    before = {t: rows for t, rows in upgraded.before.items() if t != "audit_head"}

    assert differences(before, upgraded.after, may_grow={"audit_log"}) == []
    assert {t: len(r.rows) for t, r in upgraded.after.items() if t in before} == {
        t: len(r.rows) + (len(_open_events(upgraded.version)) if t == "audit_log" else 0) for t, r in before.items()
    }
    assert _events(upgraded.after)[len(_events(upgraded.before)) :] == _open_events(upgraded.version)


def test_an_upgraded_vault_checks_clean_and_keeps_its_guards(upgraded: Upgrade) -> None:
    vault = upgraded.vault

    report = vault.check()

    assert report.clean, report.problems
    assert report.audit_rows == len(upgraded.before["audit_log"].rows) + len(_open_events(upgraded.version))
    assert vault.db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert upgraded.triggers_before <= _triggers(vault.db.conn)


def test_signed_notes_and_plans_still_match_their_seals(upgraded: Upgrade) -> None:
    vault = upgraded.vault
    notes = [n["id"] for n in upgraded.rows("notes") if n["status"] == "signed"]
    plans = [p["id"] for p in upgraded.rows("plans") if p["status"] != "draft"]

    for note_id in notes:
        check = vault.notes.verify_signature(note_id)
        assert check.ok, check.problems
    for plan_id in plans:
        assert vault.plans.verify_signature(plan_id), f"plan {plan_id}"

    assert bool(notes) == (upgraded.version >= 6)
    assert bool(plans) == (upgraded.version >= 4)
    read = [n for c in upgraded.rows("clients") for n in vault.notes.for_client(c["id"], limit=500)]
    assert _ids(a for n in read for a in n.addenda) == [a["id"] for a in upgraded.rows("note_addenda")]


def _balances(u: Upgrade) -> dict[int, tuple[int, int, int]]:
    """client id -> (charged, paid, unapplied credit less refunds), from the fixture's own rows."""
    totals = {c["id"]: [0, 0, 0] for c in u.rows("clients")}
    for charge in u.rows("charges"):
        if charge["voided_at"] is None:
            totals[charge["client_id"]][0] += charge["fee_cents"]
            totals[charge["client_id"]][1] += charge["paid_cents"]
    for payment in u.rows("payments"):
        if payment["voided_at"] is None:
            totals[payment["client_id"]][2] += payment["amount_cents"] - payment["allocated_cents"]
    for refund in u.rows("refunds"):  # schema 14: a refund takes from the credit, its reversal gives it back
        totals[refund["client_id"]][2] -= refund["amount_cents"] * (-1 if refund["reverses_id"] else 1)
    return {cid: (charged, paid, credit) for cid, (charged, paid, credit) in totals.items()}


def _adjusted(u: Upgrade, client_id: int) -> int:
    """What adjustments and write-offs took off the client's live charges (schema 14 on)."""
    return sum(
        c.get("adjusted_cents", 0) for c in u.rows("charges") if c["client_id"] == client_id and c["voided_at"] is None
    )


def test_balances_are_the_same_after_the_upgrade(upgraded: Upgrade) -> None:
    expected = _balances(upgraded)

    balances = upgraded.vault.billing.balances(list(expected))

    assert {cid: (b.charged_cents, b.paid_cents, b.credit_cents) for cid, b in balances.items()} == expected
    assert any(any(v) for v in expected.values()) == ("charges" in upgraded.before)


# -- the stores read the old rows --------------------------------------------------------------


def _units_of(u: Upgrade, client_id: int) -> set[int]:
    return {m["unit_id"] for m in u.rows("unit_members") if m["client_id"] == client_id}


def _sessions(u: Upgrade, client_id: int) -> list[dict[str, Any]]:
    units = _units_of(u, client_id)
    return [a for a in u.rows("appointments") if a["client_id"] == client_id or a["unit_id"] in units]


def _expected_caseload_row(u: Upgrade, client: dict[str, Any]) -> tuple[Any, ...]:
    """What the caseload should show for `client` at NOW, worked out from the fixture's rows."""
    cid, today = client["id"], NOW.date().isoformat()
    sessions = _sessions(u, cid)
    upcoming = [a["start"] for a in sessions if a["status"] == "scheduled" and a["start"] >= NOW.isoformat()]
    seen = max(((a["start"], a["date_of_service"]) for a in sessions if a["status"] == "attended"), default=None)
    principal = [
        d["code"] for d in u.rows("diagnoses") if d["client_id"] == cid and not d["resolved"] and d["rank"] == 1
    ]
    payers = {p["id"]: p["name"] for p in u.rows("payers")}
    payer = [
        payers[v["payer_id"]]
        for v in u.rows("coverages")
        if v["client_id"] == cid and v["rank"] == "primary" and v["start_date"] <= today
        and (v["end_date"] is None or v["end_date"] >= today)
    ]  # fmt: skip
    charged, paid, credit = _balances(u)[cid]
    review = [p["review_due"] for p in u.rows("plans") if p["client_id"] == cid and p["status"] == "signed"]
    return (
        f"{client['legal_last']}, {client['preferred_name'] or client['legal_first']}",
        client["status"],
        min(upcoming, default=None),
        seen[1] if seen else None,
        principal[0] if principal else None,
        payer[0] if payer else None,
        charged - paid - _adjusted(u, cid) - credit,
        sum(1 for n in u.rows("notes") if n["client_id"] == cid and n["status"] == "draft"),
        review[0] if review else None,
    )


def _shown(row: CaseloadRow) -> tuple[Any, ...]:
    return (
        row.name,
        str(row.status),
        row.next_appointment.isoformat(timespec="minutes") if row.next_appointment else None,
        row.last_seen.isoformat() if row.last_seen else None,
        row.principal_code,
        row.payer,
        row.balance_cents,
        row.unsigned_notes,
        row.plan_review_due.isoformat() if row.plan_review_due else None,
    )


def test_the_caseload_lists_the_old_clients_as_they_were(upgraded: Upgrade) -> None:
    caseload = upgraded.vault.caseload

    shown = {row.client_id: _shown(row) for row in caseload.rows(caseload.ids(), now=NOW)}

    assert shown == {c["id"]: _expected_caseload_row(upgraded, c) for c in upgraded.rows("clients")}
    # The fixtures give each column something to show from the schema that stores it on.
    columns = {"next appointment": (2, 5), "principal diagnosis": (4, 3), "payer": (5, 8), "unsigned notes": (7, 6)}
    for column, (index, schema) in columns.items():
        assert any(row[index] for row in shown.values()) == (upgraded.version >= schema), column


def test_the_chart_stores_read_the_old_rows(upgraded: Upgrade) -> None:
    u, vault = upgraded, upgraded.vault
    for c in u.rows("clients"):
        cid = c["id"]
        client = vault.clients.get(cid)
        assert (client.legal_first, client.legal_last, client.dob.isoformat(), client.account_number) == (
            c["legal_first"], c["legal_last"], c["dob"], c["account_number"],
        )  # fmt: skip
        assert _ids(vault.clients.contacts(cid)) == [x["id"] for x in u.rows("care_contacts") if x["client_id"] == cid]
        assert _ids(vault.clients.releases(cid)) == [x["id"] for x in u.rows("releases") if x["client_id"] == cid]
        assert [(d.id, d.rank) for d in vault.clients.diagnoses(cid, include_resolved=True)] == [
            (d["id"], d["rank"])
            for d in sorted(u.rows("diagnoses"), key=lambda d: (d["resolved"] is not None, d["rank"], d["id"]))
            if d["client_id"] == cid
        ]
        assert {x.id for x in vault.clients.units_for(cid)} == _units_of(u, cid)
    for unit in u.rows("units"):
        members = vault.clients.unit(unit["id"]).members
        assert sorted((m.client_id, m.role, m.identified) for m in members) == sorted(
            (m["client_id"], m["role"], bool(m["identified"])) for m in u.rows("unit_members")
            if m["unit_id"] == unit["id"]
        )  # fmt: skip
    profile = vault.practice.profile()
    for saved in u.rows("practice_profile"):
        assert (profile.name, profile.npi, profile.city) == (saved["name"], saved["npi"], saved["city"])
    if u.version == 2:
        assert profile.name == FIXTURE_PROFILE_NAME
    for setting in u.rows("settings"):
        assert vault.practice.setting(setting["key"]) == setting["value"]


def test_the_plan_and_schedule_stores_read_the_old_rows(upgraded: Upgrade) -> None:
    u, vault = upgraded, upgraded.vault
    for plan in u.rows("plans"):
        stored = vault.plans.get(plan["id"])
        assert (stored.client_id, stored.version, str(stored.status)) == (
            plan["client_id"], plan["version"], plan["status"],
        )  # fmt: skip
        assert _ids(stored.goals) == [g["id"] for g in u.rows("plan_goals") if g["plan_id"] == plan["id"]]
        assert len(stored.objectives) == sum(1 for o in u.rows("plan_objectives") if o["plan_id"] == plan["id"])
    for c in u.rows("clients"):
        history = vault.plans.history(c["id"])
        assert _ids(history) == [p["id"] for p in u.rows("plans") if p["client_id"] == c["id"]]
        sessions = vault.schedule.for_client(c["id"], limit=500)
        assert _ids(sessions) == [a["id"] for a in _sessions(u, c["id"])]
    for series in u.rows("appointment_series"):
        occurrences = vault.schedule.occurrences(series["id"])
        assert [a.id for a in occurrences] == [
            a["id"]
            for a in sorted(u.rows("appointments"), key=lambda a: (a["start"], a["id"]))
            if a["series_id"] == series["id"]
        ]
    for appointment in u.rows("appointments"):
        stored_appointment = vault.schedule.get(appointment["id"])
        assert (stored_appointment.start.isoformat(timespec="minutes"), str(stored_appointment.status)) == (
            appointment["start"], appointment["status"],
        )  # fmt: skip


def test_the_note_and_measure_stores_read_the_old_rows(upgraded: Upgrade) -> None:
    u, vault = upgraded, upgraded.vault
    for c in u.rows("clients"):
        cid = c["id"]
        notes = vault.notes.for_client(cid, limit=500)
        assert _ids(notes) == [n["id"] for n in u.rows("notes") if n["client_id"] == cid]
        assert _ids(vault.notes.process_notes(cid)) == [
            n["id"] for n in u.rows("psychotherapy_notes") if n["client_id"] == cid
        ]
        results = vault.measures.for_client(cid)
        assert sorted((m.id, m.total, m.band) for m in results) == [
            (m["id"], m["total"], m["band"]) for m in u.rows("measure_results") if m["client_id"] == cid
        ]
        if "charges" in u.before:
            assert _ids(vault.billing.charges(cid)) == [x["id"] for x in u.rows("charges") if x["client_id"] == cid]
            assert _ids(vault.billing.payments(cid)) == [x["id"] for x in u.rows("payments") if x["client_id"] == cid]
    assert _ids(vault.measures.unreviewed_flags()) == [
        m["id"] for m in u.rows("measure_results") if m["item9_flag"] and m["followed_up_at"] is None
    ]
    drafts = [n["id"] for n in u.rows("notes") if n["status"] == "draft"]
    assert _ids(vault.notes.unsigned()) == drafts


def _first_words(text: str, count: int = 4) -> str:
    return " ".join(text.split()[:count])


@pytest.mark.parametrize("version", [v for v in FIXTURE_VERSIONS if v >= 3])
def test_search_finds_old_clients_and_notes_after_the_upgrade(version: int, tmp_path: Path) -> None:
    """The search index is derived: whatever the upgrade rebuilt, names and note text are found again,
    and psychotherapy notes still are not."""
    folder = _copy_fixture(version, tmp_path)
    rows = _fixture_rows(folder, version)
    clients = rows["clients"].records()
    notes = rows["notes"].records() if "notes" in rows else []
    addenda = rows["note_addenda"].records() if "note_addenda" in rows else []
    process = rows["psychotherapy_notes"].records() if "psychotherapy_notes" in rows else []

    with Vault.open(folder, _passphrase(version)) as vault:
        for c in clients:
            hits = vault.search.search(f"{c['legal_first']} {c['legal_last']}")
            assert (HitKind.CLIENT, c["id"]) in {(h.kind, h.client_id) for h in hits}, f"client {c['id']}"
        for note in notes:
            text = next(section for _, section in json.loads(note["sections"]) if section)
            hits = vault.search.search(_first_words(text), client_id=note["client_id"])
            assert note["id"] in {h.note_id for h in hits}, f"note {note['id']}"
        for addendum in addenda:
            hits = vault.search.search(_first_words(addendum["text"], 6))
            assert addendum["note_id"] in {h.note_id for h in hits}, f"addendum {addendum['id']}"
        for process_note in process:
            assert vault.search.search(_first_words(process_note["text"], 6)) == []

    assert bool(notes) == (version >= 6)


@pytest.mark.parametrize("version", [v for v in OLDER_VERSIONS if v >= 6])
def test_search_gives_the_same_hits_and_snippets_once_the_index_reads_the_notes_themselves(
    version: int, tmp_path: Path
) -> None:
    """Migration 10 drops the index's own copy of the text and indexes the notes and names again: every hit,
    snippet and rank is what the old index gave, and the new index holds exactly the vault's words."""
    folder = _copy_fixture(version, tmp_path)
    rows = _fixture_rows(folder, version)
    queries = ["session", "client", "sleep", "the", "an", "ther", "Ø", "os"]
    queries += [f"{c['legal_first']} {c['legal_last'][:3]}" for c in rows["clients"].records()]
    queries += [_first_words(section, 3) for n in rows["notes"].records() for _, section in json.loads(n["sections"])]
    queries += [_first_words(a["text"], 4) for a in rows["note_addenda"].records()]
    path = folder / db.DB_FILE
    conn = db.connect(path, _data_key_hex(folder, _passphrase(version)))
    try:
        database = db.Database(conn, path)
        store = SearchStore(database, AuditStore(database))
        before = {query: store.search(query, limit=100) for query in queries}
        assert migrations.migrate(conn, path) == CURRENT_VERSION
        after = {query: store.search(query, limit=100) for query in queries}
        index_matches_the_text(database)
    finally:
        conn.close()

    assert after == before
    assert sum(len(hits) for hits in before.values()) > len(queries)  # the words were found, not all missed


# -- a migration that loses data is caught ---------------------------------------------------


@pytest.mark.parametrize(
    ("damage", "caught"),
    [
        ("UPDATE clients SET city = 'Salem' WHERE id = 1", "clients row (1,): city changed"),
        ("DELETE FROM psychotherapy_notes WHERE id = 1", "psychotherapy_notes: 1 of 1 rows are gone"),
        ("UPDATE appointments SET status = 'cancelled' WHERE id = 2", "appointments row (2,): status changed"),
        ("ALTER TABLE care_contacts DROP COLUMN fax", "care_contacts: columns fax are gone"),
        ("DROP TABLE settings", "table settings is gone"),
    ],
)
def test_a_migration_that_changes_or_drops_a_row_fails_the_comparison(
    damage: str, caught: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    version = max(OLDER_VERSIONS)
    folder = _copy_fixture(version, tmp_path)
    before = _fixture_rows(folder, version)
    steps = [Migration(m.version, m.name, (*m.statements, damage)) if m.version == CURRENT_VERSION else m
             for m in migrations.MIGRATIONS]  # fmt: skip
    monkeypatch.setattr(migrations, "MIGRATIONS", tuple(steps))

    with Vault.open(folder, _passphrase(version)) as vault:
        after = read_as(vault.db.conn, before)

    found = differences(before, after, may_grow={"audit_log"})
    assert any(problem.startswith(caught) for problem in found), found


# -- the copy kept before an upgrade -------------------------------------------------------------


@pytest.mark.parametrize("version", OLDER_VERSIONS)
def test_an_upgrade_first_keeps_an_encrypted_copy_of_the_old_vault(version: int, tmp_path: Path) -> None:
    folder = _copy_fixture(version, tmp_path)
    key = _data_key_hex(folder, _passphrase(version))
    before = _fixture_rows(folder, version)

    Vault.open(folder, _passphrase(version)).close()

    snapshots = _snapshots(folder)
    assert len(snapshots) == 1
    snapshot = snapshots[0]
    assert snapshot.name.startswith(f"before-schema-{version}-")
    if os.name == "posix":
        assert snapshot.stat().st_mode & 0o777 == 0o600
    # Encrypted: no SQLite header, and plain sqlite3 cannot read it.
    assert not snapshot.read_bytes().startswith(b"SQLite format 3\x00")
    plain = sqlite3.connect(snapshot)
    try:
        with pytest.raises(sqlite3.DatabaseError):
            plain.execute("SELECT count(*) FROM sqlite_master").fetchone()
    finally:
        plain.close()
    # The same data key opens it, and it is the vault as it was before the upgrade, row for row.
    conn = _read_only(snapshot, key)
    try:
        assert db.user_version(conn) == version
        copy = dump(conn)
        assert conn.execute("PRAGMA cipher_integrity_check").fetchall() == []
    finally:
        conn.close()
    assert set(copy) == set(before)
    assert differences(before, copy) == []


def test_a_second_open_does_not_snapshot_again(tmp_path: Path) -> None:
    folder = _copy_fixture(FIXTURE_VERSIONS[0], tmp_path)
    Vault.open(folder, _passphrase(FIXTURE_VERSIONS[0])).close()
    first = _snapshots(folder)

    Vault.open(folder, _passphrase(FIXTURE_VERSIONS[0])).close()

    assert _snapshots(folder) == first
    assert len(first) == 1


def test_a_current_vault_is_never_snapshotted(created: tuple[Path, str]) -> None:
    folder, _ = created
    Vault.open(folder, PASSPHRASE).close()

    assert _snapshots(folder) == []


def test_a_vault_from_a_newer_app_is_refused_and_left_unchanged(created: tuple[Path, str]) -> None:
    folder, _ = created
    conn = db.connect(folder / db.DB_FILE, _data_key_hex(folder, PASSPHRASE))
    db.set_user_version(conn, CURRENT_VERSION + 1)
    conn.close()
    before = _files(folder)

    with pytest.raises(VaultTooNew, match="newer"):
        Vault.open(folder, PASSPHRASE)

    assert _files(folder) == before
    assert not (folder / SNAPSHOT_DIR).exists()
    # The refusal let go of the vault: trying again is refused for the same reason, not "in use".
    with pytest.raises(VaultTooNew):
        Vault.open(folder, PASSPHRASE)


# -- a step that fails ---------------------------------------------------------------------------

BAD_SQL = "THIS IS NOT SQL"


def test_a_failing_step_is_rolled_back_whole_and_earlier_steps_stay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    version = FIXTURE_VERSIONS[0]
    folder = _copy_fixture(version, tmp_path)
    bogus = Migration(CURRENT_VERSION + 1, "bogus", ("CREATE TABLE bogus_good_part (x INTEGER)", BAD_SQL))
    monkeypatch.setattr(migrations, "MIGRATIONS", (*migrations.MIGRATIONS, bogus))
    path = folder / db.DB_FILE
    key = _data_key_hex(folder, _passphrase(version))

    conn = db.connect(path, key)
    try:
        with pytest.raises(db.DatabaseError, match="syntax error"):
            migrations.migrate(conn, path, target=bogus.version)
        assert not conn.in_transaction
    finally:
        conn.close()

    conn = _read_only(path, key)
    try:
        assert db.user_version(conn) == CURRENT_VERSION  # every good step before it was kept
        assert "bogus_good_part" not in _tables(conn)  # the good statement of the failed step was not
    finally:
        conn.close()


def test_a_failing_upgrade_on_open_leaves_the_vault_at_its_old_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    version = 1
    folder = _copy_fixture(version, tmp_path)
    before = _fixture_rows(folder, version)
    real = migrations.MIGRATIONS
    broken = tuple(Migration(m.version, m.name, (*m.statements, BAD_SQL)) if m.version == 2 else m for m in real)
    monkeypatch.setattr(migrations, "MIGRATIONS", broken)

    with pytest.raises(db.DatabaseError, match="syntax error"):
        Vault.open(folder, _passphrase(version))

    conn = _read_only(folder / db.DB_FILE, _data_key_hex(folder, _passphrase(version)))
    try:
        assert db.user_version(conn) == 1
        assert "practice_profile" not in _tables(conn)  # step 2's first statements were rolled back
        assert differences(before, dump(conn)) == []
    finally:
        conn.close()
    assert len(_snapshots(folder)) == 1  # the copy was taken before the step ran

    # The failure let go of the vault; with working migrations it upgrades normally.
    monkeypatch.setattr(migrations, "MIGRATIONS", real)
    with Vault.open(folder, _passphrase(version)) as vault:
        assert vault.schema_version == CURRENT_VERSION
        assert vault.audit.verify().ok


# -- old snapshots -----------------------------------------------------------------------------


def test_only_the_three_most_recent_snapshots_are_kept_even_past_schema_9(
    vault: Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Snapshots taken a minute apart, before upgrades from these versions in this order; the last
    # is a vault restored from an old backup and upgraded again.
    versions = [8, 9, 10, 3]
    times = iter(datetime(2030, 1, 1, 9, minute, tzinfo=UTC) for minute in range(len(versions)))

    class Clock(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> Clock:
            return next(times)  # type: ignore[return-value]

    monkeypatch.setattr(vault_module, "datetime", Clock)
    for version in versions:
        vault._snapshot_before_migration(version)

    kept = [p.name.split("-")[2] for p in _snapshots(vault.folder)]
    assert sorted(kept, key=int) == ["3", "9", "10"]
