"""The demo vault: a whole synthetic practice, the same for the same seed, built within the rules."""

from __future__ import annotations

import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CHEAP_KDF, PASSPHRASE
from therapy_desk.demo.builder import DemoSummary, build_demo, export_plain_benchmark_copy
from therapy_desk.domain.clients import Client, ClientStatus, UnitKind
from therapy_desk.domain.measures import Instrument
from therapy_desk.domain.notes import NoteKind
from therapy_desk.errors import ValidationError
from therapy_desk.storage import db
from therapy_desk.storage.vault import Vault

TODAY = date(2025, 6, 2)
SIZE = {"clients": 20, "years": 1, "today": TODAY}

# Timestamps the stores stamp from the clock themselves; everything else must come from the seed.
WALL_CLOCK = {"created_at", "updated_at", "recorded_at", "status_changed_at"}
WALL_CLOCK_BY_TABLE = {
    "audit_log": {"at", "prev_hash", "row_hash"},  # the chain hashes cover the times
    "audit_head": {"hash"},
}


def _demo(folder: Path, seed: int = 1, *, parallel: bool = False) -> tuple[Vault, DemoSummary]:
    vault, _ = Vault.create(folder, PASSPHRASE, kdf=CHEAP_KDF)
    return vault, build_demo(vault, seed=seed, parallel=parallel, **SIZE)  # type: ignore[arg-type]


def _dump(vault: Vault) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (search index excepted: it is derived), without wall-clock columns."""
    tables = [
        r[0]
        for r in vault.db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name NOT LIKE 'search_index%' ORDER BY name"
        )
    ]
    dump = {}
    for table in tables:
        columns = [r[1] for r in vault.db.execute(f"PRAGMA table_info({table})")]
        kept = [c for c in columns if c not in WALL_CLOCK | WALL_CLOCK_BY_TABLE.get(table, set())]
        listed = ", ".join(kept)
        # Names come from the schema itself; every table's rows carry their ids, so this order is total.
        dump[table] = vault.db.execute(f"SELECT {listed} FROM {table} ORDER BY {listed}").fetchall()  # noqa: S608
    return dump


@pytest.fixture
def demo(tmp_path: Path) -> Any:
    vault, summary = _demo(tmp_path / "demo")
    yield vault, summary
    vault.close()


def _clients(vault: Vault) -> list[Client]:
    return list(vault.clients.by_ids(vault.caseload.ids()).values())


def test_same_seed_builds_the_same_practice(tmp_path: Path) -> None:
    first, _ = _demo(tmp_path / "one")
    second, _ = _demo(tmp_path / "two")
    try:
        one, two = _dump(first), _dump(second)
        assert one["clients"]  # the comparison covers real content
        assert one == two
    finally:
        first.close()
        second.close()


def test_planning_in_a_worker_process_builds_the_same_practice(tmp_path: Path) -> None:
    here, here_summary = _demo(tmp_path / "here")
    worker, worker_summary = _demo(tmp_path / "worker", parallel=True)
    try:
        assert here_summary == worker_summary
        assert _dump(here) == _dump(worker)
        assert worker.check().clean
    finally:
        here.close()
        worker.close()


def test_another_seed_builds_another_practice(tmp_path: Path) -> None:
    first, _ = _demo(tmp_path / "one", seed=1)
    other, _ = _demo(tmp_path / "two", seed=2)
    try:
        one, two = _dump(first), _dump(other)
        assert one["clients"] != two["clients"]
        assert one["notes"] != two["notes"]
    finally:
        first.close()
        other.close()


def test_demo_has_the_number_of_clients_asked_for(demo: tuple[Vault, DemoSummary]) -> None:
    vault, summary = demo
    assert summary.clients == vault.clients.count() == 20
    statuses = {c.status for c in _clients(vault)}
    assert ClientStatus.ACTIVE in statuses
    assert len(statuses) >= 3


def test_demo_has_couples_a_family_and_a_group(demo: tuple[Vault, DemoSummary]) -> None:
    vault, _ = demo
    units = {u.id: u for c in _clients(vault) if c.id is not None for u in vault.clients.units_for(c.id)}
    kinds = [u.kind for u in units.values()]
    assert UnitKind.COUPLE in kinds
    assert kinds.count(UnitKind.FAMILY) == 1
    assert kinds.count(UnitKind.GROUP) == 1
    group = next(u for u in units.values() if u.kind is UnitKind.GROUP)
    assert "DBT" in group.name
    assert len(group.members) >= 2


def test_demo_clients_have_intakes_notes_and_plans(demo: tuple[Vault, DemoSummary]) -> None:
    vault, summary = demo
    seen = [c for c in _clients(vault) if c.intake_date is not None]
    assert seen
    for client in seen[:5]:
        assert client.id is not None
        if not vault.clients.units_for(client.id) or vault.clients.diagnoses(client.id):
            sessions = vault.schedule.for_client(client.id, limit=500, newest_first=False)
            assert sessions[0].service_code == "90791"
    kinds = {n.kind for c in seen if c.id is not None for n in vault.notes.for_client(c.id, limit=500)}
    assert {NoteKind.INTAKE, NoteKind.PROGRESS} <= kinds
    assert any(vault.plans.active(c.id) is not None for c in seen if c.id is not None)
    assert summary.plans >= len([c for c in seen if vault.clients.diagnoses(c.id or 0)])


def test_demo_has_signed_notes_and_a_few_recent_drafts(demo: tuple[Vault, DemoSummary]) -> None:
    vault, summary = demo
    drafts = vault.notes.unsigned(limit=500)
    assert drafts
    assert summary.draft_notes == len(drafts) < summary.notes / 10
    assert sum(1 for d in drafts if d.date_of_service and (TODAY - d.date_of_service).days <= 7) > len(drafts) / 2
    signed = [n for c in _clients(vault) if c.id for n in vault.notes.for_client(c.id, limit=50) if n.is_signed]
    assert len(signed) > 50
    for note in signed[::25]:
        assert note.id is not None
        assert vault.notes.verify_signature(note.id).ok


def test_demo_has_phq9_and_gad7_series(demo: tuple[Vault, DemoSummary]) -> None:
    vault, _ = demo
    longest = max((vault.measures.series(c.id, Instrument.PHQ9) for c in _clients(vault) if c.id is not None), key=len)
    assert len(longest) >= 3
    client_id = longest[0].client_id
    assert len(vault.measures.series(client_id, Instrument.GAD7)) == len(longest)
    assert [m.administered_on for m in longest] == sorted(m.administered_on for m in longest)
    assert all(m.note_id is not None for m in longest)


def test_demo_has_insured_and_self_pay_clients_and_payments(demo: tuple[Vault, DemoSummary]) -> None:
    vault, summary = demo
    billed = [c for c in _clients(vault) if c.id is not None and vault.billing.charges(c.id)]
    insured = [c for c in billed if c.id is not None and vault.billing.coverages(c.id)]
    assert insured
    assert len(insured) < len(billed)  # the rest pay for themselves
    assert summary.payments > 0
    payers = {p.payer_id for c in billed if c.id is not None for p in vault.billing.payments(c.id)}
    assert None in payers  # clients paid
    assert payers - {None}  # and insurers paid


def test_demo_names_include_non_latin_scripts(demo: tuple[Vault, DemoSummary]) -> None:
    vault, _ = demo
    scripts = {
        unicodedata.name(ch).split()[0]
        for c in _clients(vault)
        for ch in c.legal_first + c.legal_last
        if ch.isalpha() and not unicodedata.name(ch).startswith("LATIN")
    }
    assert len(scripts & {"CJK", "CYRILLIC", "ARABIC", "HANGUL", "GREEK", "HEBREW", "DEVANAGARI", "THAI"}) >= 3
    accented = [c for c in _clients(vault) if any(unicodedata.decomposition(ch) for ch in c.legal_last)]
    assert accented


def test_vault_check_is_clean_after_the_demo(demo: tuple[Vault, DemoSummary]) -> None:
    vault, _ = demo
    report = vault.check()
    assert report.clean, report.problems
    assert vault.audit.verify().ok


def test_search_finds_a_word_from_a_generated_note(demo: tuple[Vault, DemoSummary]) -> None:
    vault, _ = demo
    client = next(c for c in _clients(vault) if c.id and vault.notes.count_for_client(c.id) > 5)
    assert client.id is not None
    note = next(n for n in vault.notes.for_client(client.id, limit=50) if n.kind is NoteKind.PROGRESS)
    word = max(note.sections[0].text.replace(".", " ").replace(",", " ").split(), key=len)
    hits = vault.search.search(word, limit=500, client_id=client.id)
    assert note.id in {h.note_id for h in hits}


def test_balances_equal_charges_minus_allocations(demo: tuple[Vault, DemoSummary]) -> None:
    vault, _ = demo
    owing = 0
    for client in _clients(vault):
        assert client.id is not None
        charges = vault.billing.charges(client.id, include_voided=False)
        allocated = sum(
            a.amount_cents
            for charge in charges
            for a in vault.billing.allocations(charge_id=charge.id)
            if a.released_at is None
        )
        balance = vault.billing.balance(client.id)
        assert balance.due_cents == sum(c.fee_cents for c in charges) - allocated
        owing += balance.due_cents > 0
    assert owing  # some accounts still owe: the latest insurer payments have not come in


def test_demo_reports_progress_up_to_the_total(tmp_path: Path) -> None:
    vault, _ = Vault.create(tmp_path / "demo", PASSPHRASE, kdf=CHEAP_KDF)
    calls: list[tuple[int, int]] = []
    try:
        build_demo(vault, clients=12, years=1, today=TODAY, progress=lambda done, total: calls.append((done, total)))
    finally:
        vault.close()
    assert calls[-1] == (12, 12)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"clients": 5}, "clients"),
        ({"clients": 10**6}, "clients"),
        ({"years": 0}, "years"),
        ({"today": date(2999, 1, 1)}, "today"),
    ],
)
def test_demo_refuses_sizes_out_of_range(vault: Vault, kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        build_demo(vault, **kwargs)
    assert caught.value.field == field
    assert vault.clients.count() == 0


def test_demo_refuses_a_vault_that_already_holds_clients(vault: Vault) -> None:
    vault.clients.create(Client("Ada", "Byrne", date(1980, 1, 1)), today=TODAY)
    with pytest.raises(ValidationError, match="empty vault"):
        build_demo(vault, clients=12, years=1, today=TODAY)
    assert vault.clients.count() == 1


def test_plain_benchmark_copy_is_refused_for_a_vault_the_demo_did_not_build(vault: Vault, tmp_path: Path) -> None:
    vault.clients.create(Client("Ada", "Byrne", date(1980, 1, 1)), today=TODAY)
    with pytest.raises(ValidationError, match="Only a demo vault"):
        export_plain_benchmark_copy(vault, tmp_path / "plain.db")
    assert not (tmp_path / "plain.db").exists()


def test_plain_benchmark_copy_holds_the_demo_without_a_key(demo: tuple[Vault, DemoSummary], tmp_path: Path) -> None:
    vault, summary = demo
    target = tmp_path / "plain.db"
    export_plain_benchmark_copy(vault, target)
    assert target.read_bytes().startswith(b"SQLite format 3\x00")  # readable by anyone: benchmark data only
    plain = db.connect_plain(target)
    try:
        assert plain.execute("SELECT count(*) FROM clients").fetchone()[0] == summary.clients
        assert plain.execute("SELECT count(*) FROM notes").fetchone()[0] == summary.notes
    finally:
        plain.close()
    assert vault.db_path.read_bytes()[:16] != b"SQLite format 3\x00"
