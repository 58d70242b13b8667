"""The demo vault: a whole synthetic practice, the same for the same seed, built within the rules."""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CHEAP_KDF, PASSPHRASE
from therapy_desk.demo.builder import DemoSummary, build_demo, export_plain_benchmark_copy
from therapy_desk.demo.clinical import THEMES, plan_for
from therapy_desk.domain.billing import Payment, PaymentMethod
from therapy_desk.domain.clients import Client, ClientStatus, UnitKind
from therapy_desk.domain.measures import Instrument
from therapy_desk.domain.notes import Note, NoteFormat, NoteKind, sections
from therapy_desk.domain.scheduling import Appointment, AppointmentSeries, AppointmentStatus, Recurrence
from therapy_desk.errors import ValidationError
from therapy_desk.storage import db
from therapy_desk.storage.billing_import import AppointmentCharge
from therapy_desk.storage.measures import MeasureEntry
from therapy_desk.storage.notes import prepare_notes
from therapy_desk.storage.schedule_import import prepare_series
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


# -- the bulk imports the demo uses: same rules as the single-row methods ----------------------------

NOW = datetime(2025, 6, 2, 7, 0)


def _person(vault: Vault) -> int:
    client = vault.clients.create(Client("Ana", "López", date(1990, 1, 2)), today=TODAY)
    assert client.id is not None
    return client.id


def _weekly(
    client_id: int, first: date = date(2025, 5, 5), until: date | None = date(2025, 5, 26)
) -> AppointmentSeries:
    return AppointmentSeries(
        datetime.combine(first, time(10, 0)), Recurrence.WEEKLY, 45, "90834", client_id=client_id, until=until
    )


def test_imported_series_has_the_occurrences_and_outcomes_given(vault: Vault) -> None:
    client_id = _person(vault)
    outcomes = {date(2025, 5, 5): AppointmentStatus.ATTENDED, date(2025, 5, 12): AppointmentStatus.CANCELLED}
    ((series, appointments),) = vault.schedule.import_series([(_weekly(client_id), outcomes)], now=NOW)
    assert series.id is not None
    assert vault.schedule.occurrences(series.id) == appointments
    assert [a.status for a in appointments] == [
        AppointmentStatus.ATTENDED,
        AppointmentStatus.CANCELLED,
        AppointmentStatus.SCHEDULED,
        AppointmentStatus.SCHEDULED,
    ]
    assert [a.is_exception for a in appointments] == [False, True, False, False]  # as set_status marks them


def test_prepared_series_are_refused_once_the_vault_has_numbered_other_appointments(vault: Vault) -> None:
    client_id = _person(vault)
    prepared, ((_, appointments),) = prepare_series(
        [(_weekly(client_id), {date(2025, 5, 5): AppointmentStatus.ATTENDED})], 1, 1, now=NOW
    )
    assert [a.id for a in appointments] == [1, 2, 3, 4]
    vault.schedule.book(Appointment(datetime(2025, 6, 10, 9, 0), 60, "90791", client_id=client_id), now=NOW)
    with pytest.raises(ValidationError) as caught:
        vault.schedule.import_prepared_series(prepared)
    assert caught.value.field == "first_id"
    assert len(vault.schedule.for_client(client_id)) == 1  # only the booking


def test_prepared_notes_are_refused_once_the_vault_has_numbered_other_notes(vault: Vault) -> None:
    client_id = _person(vault)
    note = Note(client_id, kind=NoteKind.PROGRESS, format=NoteFormat.DAP, date_of_service=date(2025, 5, 5),
                sections=sections(NoteFormat.DAP, {"Data": "d", "Assessment": "a", "Plan": "p"}))  # fmt: skip
    prepared = prepare_notes([note], 1, today=TODAY)
    vault.notes.save_draft(note)  # takes note id 1
    with pytest.raises(ValidationError) as caught:
        vault.notes.import_prepared(prepared)
    assert caught.value.field == "first_id"
    assert vault.notes.count_for_client(client_id) == 1
    assert vault.notes.import_prepared(prepare_notes([note], 2, today=TODAY)) == [2]


def test_import_series_refuses_an_outcome_on_a_date_the_series_does_not_have(vault: Vault) -> None:
    client_id = _person(vault)
    with pytest.raises(ValidationError) as caught:
        vault.schedule.import_series([(_weekly(client_id), {date(2025, 5, 6): AppointmentStatus.ATTENDED})], now=NOW)
    assert caught.value.field == "outcomes"
    assert vault.schedule.for_client(client_id) == []


def test_import_series_refuses_attended_for_a_session_not_yet_held(vault: Vault) -> None:
    client_id = _person(vault)
    series = _weekly(client_id, first=date(2025, 6, 9), until=date(2025, 6, 30))
    with pytest.raises(ValidationError, match="has not started yet"):
        vault.schedule.import_series([(series, {date(2025, 6, 9): AppointmentStatus.ATTENDED})], now=NOW)
    assert vault.schedule.for_client(client_id) == []


def _attended(vault: Vault, client_id: int) -> tuple[int, list[int]]:
    diagnosis = vault.clients.add_diagnosis(client_id, "F41.1", today=TODAY)
    assert diagnosis.id is not None
    outcomes = {d: AppointmentStatus.ATTENDED for d in (date(2025, 5, 5), date(2025, 5, 12))}
    ((_, appointments),) = vault.schedule.import_series([(_weekly(client_id), outcomes)], now=NOW)
    return diagnosis.id, [a.id for a in appointments if a.id is not None and a.status is AppointmentStatus.ATTENDED]


def test_import_charges_refuses_charging_one_session_twice(vault: Vault) -> None:
    client_id = _person(vault)
    diagnosis_id, (first, _) = _attended(vault, client_id)
    twice = [AppointmentCharge(first, (diagnosis_id,)), AppointmentCharge(first, (diagnosis_id,))]
    with pytest.raises(ValidationError, match="already charged"):
        vault.billing.import_appointment_charges(twice, today=TODAY)
    assert vault.billing.charges(client_id) == []


def test_import_charges_refuses_a_scheduled_appointment_like_the_single_charge(vault: Vault) -> None:
    client_id = _person(vault)
    diagnosis_id, _ = _attended(vault, client_id)
    scheduled = next(a for a in vault.schedule.for_client(client_id) if a.status is AppointmentStatus.SCHEDULED)
    assert scheduled.id is not None
    with pytest.raises(ValidationError, match="Only a no-show or late cancellation"):
        vault.billing.import_appointment_charges([AppointmentCharge(scheduled.id, (diagnosis_id,))], today=TODAY)


def test_import_payments_sees_what_earlier_payments_in_the_import_paid(vault: Vault) -> None:
    client_id = _person(vault)
    diagnosis_id, attended = _attended(vault, client_id)
    (charge_id, _) = vault.billing.import_appointment_charges(
        [AppointmentCharge(a, (diagnosis_id,)) for a in attended], today=TODAY
    )
    fee = vault.billing.charge(charge_id).fee_cents
    paid = (Payment(client_id, date(2025, 5, 5), fee, PaymentMethod.CARD), [(charge_id, fee)])
    with pytest.raises(ValidationError, match="not an open charge"):
        vault.billing.import_payments([paid, paid], today=TODAY)
    assert vault.billing.payments(client_id) == []
    vault.billing.import_payments([paid], today=TODAY)
    assert vault.billing.balance(client_id).due_cents == fee  # the second session is still owed


def test_imported_plans_are_signed_versions_superseding_each_other(vault: Vault) -> None:
    client_id = _person(vault)
    first = replace(plan_for(THEMES[0], date(2025, 1, 6), "weekly psychotherapy"), client_id=client_id)
    second = replace(plan_for(THEMES[0], date(2025, 4, 7), "weekly psychotherapy", review=1), client_id=client_id)
    ((old, new),) = vault.plans.import_plans([[first, second]], "Dr. Test, LCSW")
    active = vault.plans.active(client_id)
    assert active is not None
    assert active.id == new.id
    assert [g.carried_from_id for g in active.goals] == [g.id for g in old.goals]
    assert vault.plans.verify_signature(old.id or 0)
    assert vault.plans.verify_signature(new.id or 0)
    with pytest.raises(ValidationError, match="already has a treatment plan"):
        vault.plans.import_plans([[first]], "Dr. Test, LCSW")


def test_imported_plans_keep_the_time_each_version_was_signed(vault: Vault) -> None:
    client_id = _person(vault)
    signed = [datetime(2025, 1, 6, 18, 5, tzinfo=UTC), datetime(2025, 4, 8, 1, 40, tzinfo=UTC)]
    chain = [
        replace(plan_for(THEMES[0], date(2025, 1, 6), "weekly psychotherapy"), client_id=client_id,
                signed_at=signed[0]),
        replace(plan_for(THEMES[0], date(2025, 4, 7), "weekly psychotherapy", review=1), client_id=client_id,
                signed_at=signed[1]),
    ]  # fmt: skip
    ((old, new),) = vault.plans.import_plans([chain], "Dr. Test, LCSW")
    history = {p.id: p for p in vault.plans.history(client_id)}
    assert history[old.id or 0].signed_at == signed[0]
    assert history[new.id or 0].signed_at == signed[1]
    assert vault.plans.get(old.id or 0).superseded_at == signed[1]  # superseded when the review was signed


@pytest.mark.parametrize(
    ("first", "second", "message"),
    [
        (datetime(2025, 1, 6, 18, 5), None, "UTC offset"),
        (datetime(2999, 1, 6, 18, 5, tzinfo=UTC), None, "in the future"),
        (datetime(2025, 5, 1, 18, 5, tzinfo=UTC), datetime(2025, 4, 8, 1, 40, tzinfo=UTC), "after the version"),
    ],
)
def test_imported_plan_signing_times_are_checked(
    vault: Vault, first: datetime, second: datetime | None, message: str
) -> None:
    client_id = _person(vault)
    chain = [
        replace(plan_for(THEMES[0], date(2025, 1, 6), "weekly psychotherapy"), client_id=client_id, signed_at=first),
        replace(plan_for(THEMES[0], date(2025, 4, 7), "weekly psychotherapy", review=1), client_id=client_id,
                signed_at=second),
    ]  # fmt: skip
    with pytest.raises(ValidationError, match=message) as caught:
        vault.plans.import_plans([chain], "Dr. Test, LCSW")
    assert caught.value.field == "signed_at"
    assert vault.plans.active(client_id) is None  # nothing was written


def test_imported_measures_are_scored_like_recorded_ones(vault: Vault) -> None:
    client_id = _person(vault)
    answers = (1, 2, 1, 1, 0, 2, 1, 1, 1)
    (imported,) = vault.measures.import_results(
        [MeasureEntry(client_id, Instrument.PHQ9, answers, date(2025, 5, 5))], today=TODAY
    )
    recorded = vault.measures.record(client_id, Instrument.PHQ9, answers, date(2025, 5, 6), today=TODAY)
    stored = vault.measures.get(imported)
    assert (stored.total, stored.band, stored.flags) == (recorded.total, recorded.band, recorded.flags)
    assert stored.needs_immediate_follow_up
    with pytest.raises(ValidationError) as caught:
        vault.measures.import_results([MeasureEntry(client_id, Instrument.GAD7, answers, TODAY)], today=TODAY)
    assert caught.value.field == "answers"


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
