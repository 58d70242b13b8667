"""The stores' bulk imports (what the demo practice and an import from another system use): the same rules
as the single-row methods, and prepared rows refused once the vault has numbered others."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time

import pytest

from therapy_desk.demo.clinical import THEMES, plan_for
from therapy_desk.domain.billing import Payment, PaymentMethod
from therapy_desk.domain.clients import Client
from therapy_desk.domain.measures import Instrument
from therapy_desk.domain.notes import Note, NoteFormat, NoteKind, sections
from therapy_desk.domain.scheduling import Appointment, AppointmentSeries, AppointmentStatus, Recurrence
from therapy_desk.errors import ValidationError
from therapy_desk.storage.billing_import import AppointmentCharge
from therapy_desk.storage.measures import MeasureEntry
from therapy_desk.storage.notes_rows import prepare_notes
from therapy_desk.storage.schedule_import import prepare_series
from therapy_desk.storage.vault import Vault

TODAY = date(2025, 6, 2)

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
