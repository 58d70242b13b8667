from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import pytest

from tests.conftest import PASSPHRASE
from therapy_desk.domain.clients import Client, Unit, UnitKind, UnitMember
from therapy_desk.domain.codes import PlaceOfService
from therapy_desk.domain.scheduling import Appointment, AppointmentSeries, AppointmentStatus, Recurrence
from therapy_desk.errors import ValidationError
from therapy_desk.storage.vault import Vault

NOW = datetime(2024, 3, 1, 12, 0)  # a Friday
ATTENDED = AppointmentStatus.ATTENDED
CANCELLED = AppointmentStatus.CANCELLED
SCHEDULED = AppointmentStatus.SCHEDULED


@dataclass(frozen=True)
class Practice:
    ana: int
    ben: int
    cleo: int
    couple: int  # Ana and Ben


@pytest.fixture
def practice(vault: Vault) -> Practice:
    ids = [
        vault.clients.create(Client(first, last, date(1988, 5, 17)), today=NOW.date()).id
        for first, last in (("Ana", "Okafor"), ("Ben", "Okafor"), ("Cleo", "Ruiz"))
    ]
    ana, ben, cleo = (i for i in ids if i is not None)
    unit = vault.clients.create_unit(
        Unit(UnitKind.COUPLE, "Okafor couple", (UnitMember(ana, "partner", True), UnitMember(ben, "partner")))
    )
    assert unit.id is not None
    return Practice(ana, ben, cleo, unit.id)


def session(client_id: int | None, start: datetime, **changes: object) -> Appointment:
    base = Appointment(start=start, duration_minutes=53, service_code="90837", client_id=client_id)
    return replace(base, **changes)  # type: ignore[arg-type]


def weekly(client_id: int, first: datetime, until: date | None = None, **changes: object) -> AppointmentSeries:
    base = AppointmentSeries(first, Recurrence.WEEKLY, 53, "90837", client_id=client_id, until=until)
    return replace(base, **changes)  # type: ignore[arg-type]


def starts(appointments: list[Appointment]) -> list[datetime]:
    return [a.start for a in appointments]


# -- single appointments -------------------------------------------------------------------------


def test_booked_appointment_is_stored_normalised_and_survives_relock(vault: Vault, practice: Practice) -> None:
    booked = vault.schedule.book(
        session(practice.ana, datetime(2024, 3, 4, 17, 0), service_code="90834", modifiers=("95",),
                place_of_service=PlaceOfService.TELEHEALTH_HOME, duration_minutes=45),
        now=NOW,
    )  # fmt: skip
    assert booked.id is not None
    assert booked.telehealth is True  # POS 10 is telehealth
    folder = vault.folder
    vault.close()
    with Vault.open(folder, PASSPHRASE) as reopened:
        stored = reopened.schedule.get(booked.id)
        assert stored == booked
        assert stored.end == datetime(2024, 3, 4, 17, 45)
        assert stored.status is SCHEDULED


def test_booking_is_audited_with_ids_only(vault: Vault, practice: Practice) -> None:
    booked = vault.schedule.book(session(practice.ana, datetime(2024, 3, 4, 17, 0)), now=NOW)
    event = vault.audit.recent(1)[0]
    assert (event.event, event.entity, event.entity_id) == ("appointment booked", "appointment", str(booked.id))
    assert event.detail == {"client_id": practice.ana, "series_id": None, "status": "scheduled"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"duration_minutes": 600}, "duration_minutes"),
        ({"service_code": ""}, "service_code"),
        ({"modifiers": ("95", "HO", "HJ", "59", "AJ")}, "modifiers"),
        ({"place_of_service": "77"}, "place_of_service"),
        ({"client_id": 999}, "client_id"),
        ({"client_id": None, "unit_id": 999}, "unit_id"),
        ({"client_id": None}, "client_id"),
        ({"start": datetime(2030, 3, 4, 17, 0)}, "start"),
    ],
)
def test_invalid_booking_is_refused_naming_the_field_and_nothing_is_written(
    vault: Vault, practice: Practice, change: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as err:
        vault.schedule.book(replace(session(practice.ana, datetime(2024, 3, 4, 17, 0)), **change), now=NOW)  # type: ignore[arg-type]
    assert err.value.field == field
    assert vault.schedule.range(date(2024, 1, 1), date(2024, 12, 31)) == []


def test_unknown_appointment_is_refused_by_id(vault: Vault) -> None:
    with pytest.raises(ValidationError, match="no appointment with id 42") as err:
        vault.schedule.get(42)
    assert err.value.field == "appointment_id"


def test_past_session_can_be_entered_as_attended_but_a_future_one_cannot(vault: Vault, practice: Practice) -> None:
    past = vault.schedule.book(session(practice.ana, datetime(2024, 2, 26, 17, 0), status=ATTENDED), now=NOW)
    assert vault.schedule.last_attended([practice.ana])[practice.ana] == past
    with pytest.raises(ValidationError, match="not started yet"):
        vault.schedule.book(session(practice.ana, datetime(2024, 3, 4, 17, 0), status=ATTENDED), now=NOW)


def test_day_lists_appointments_by_start_including_units(vault: Vault, practice: Practice) -> None:
    later = vault.schedule.book(session(practice.ana, datetime(2024, 3, 4, 17, 0)), now=NOW)
    couple = vault.schedule.book(
        session(None, datetime(2024, 3, 4, 9, 0), unit_id=practice.couple, service_code="90847"), now=NOW
    )
    vault.schedule.book(session(practice.cleo, datetime(2024, 3, 5, 9, 0)), now=NOW)
    assert vault.schedule.day(date(2024, 3, 4)) == [couple, later]
    assert starts(vault.schedule.range(date(2024, 3, 4), date(2024, 3, 5))) == [
        datetime(2024, 3, 4, 9, 0),
        datetime(2024, 3, 4, 17, 0),
        datetime(2024, 3, 5, 9, 0),
    ]


def test_day_can_leave_out_cancelled_appointments(vault: Vault, practice: Practice) -> None:
    kept = vault.schedule.book(session(practice.ana, datetime(2024, 3, 4, 9, 0)), now=NOW)
    dropped = vault.schedule.book(session(practice.ben, datetime(2024, 3, 4, 10, 0)), now=NOW)
    assert dropped.id is not None
    vault.schedule.set_status(dropped.id, CANCELLED, now=NOW)
    assert vault.schedule.day(date(2024, 3, 4), statuses=[SCHEDULED, ATTENDED]) == [kept]
    assert len(vault.schedule.day(date(2024, 3, 4))) == 2


@pytest.mark.parametrize(
    ("start", "end", "words"),
    [(date(2024, 3, 5), date(2024, 3, 4), "before the start"), (date(2024, 1, 1), date(2025, 1, 2), "a year")],
)
def test_range_refuses_reversed_or_unbounded_dates(vault: Vault, start: date, end: date, words: str) -> None:
    with pytest.raises(ValidationError, match=words) as err:
        vault.schedule.range(start, end)
    assert err.value.field == "end_date"


def test_conflicts_list_overlapping_live_appointments_only(vault: Vault, practice: Practice) -> None:
    overlapping = vault.schedule.book(session(practice.ana, datetime(2024, 3, 4, 16, 30)), now=NOW)
    vault.schedule.book(session(practice.ben, datetime(2024, 3, 4, 18, 0)), now=NOW)  # starts as ours ends
    cancelled = vault.schedule.book(session(practice.cleo, datetime(2024, 3, 4, 17, 15)), now=NOW)
    assert cancelled.id is not None
    assert overlapping.id is not None
    vault.schedule.set_status(cancelled.id, CANCELLED, now=NOW)
    assert vault.schedule.conflicts(datetime(2024, 3, 4, 17, 0), 60, now=NOW) == [overlapping]
    assert vault.schedule.conflicts(datetime(2024, 3, 4, 17, 0), 60, exclude_id=overlapping.id, now=NOW) == []


def test_long_appointment_started_hours_earlier_still_conflicts(vault: Vault, practice: Practice) -> None:
    workshop = vault.schedule.book(
        session(None, datetime(2024, 3, 4, 10, 0), unit_id=practice.couple, duration_minutes=420), now=NOW
    )
    assert vault.schedule.conflicts(datetime(2024, 3, 4, 16, 0), 30, now=NOW) == [workshop]


# -- status --------------------------------------------------------------------------------------


def test_status_change_is_stored_and_audited(vault: Vault, practice: Practice) -> None:
    booked = vault.schedule.book(session(practice.ana, datetime(2024, 2, 29, 17, 0)), now=NOW)
    assert booked.id is not None
    marked = vault.schedule.set_status(booked.id, "no-show", now=NOW)
    assert marked.status is AppointmentStatus.NO_SHOW
    assert vault.schedule.get(booked.id) == marked
    event = vault.audit.recent(1)[0]
    assert event.event == "appointment status changed"
    assert event.detail == {"from": "scheduled", "to": "no-show"}


def test_cancelled_appointment_is_reinstated_before_being_marked_attended(vault: Vault, practice: Practice) -> None:
    booked = vault.schedule.book(session(practice.ana, datetime(2024, 2, 29, 17, 0)), now=NOW)
    assert booked.id is not None
    vault.schedule.set_status(booked.id, CANCELLED, now=NOW)
    with pytest.raises(ValidationError, match="reinstate it") as err:
        vault.schedule.set_status(booked.id, ATTENDED, now=NOW)
    assert err.value.field == "status"
    assert vault.schedule.get(booked.id).status is CANCELLED
    vault.schedule.set_status(booked.id, SCHEDULED, now=NOW)
    assert vault.schedule.set_status(booked.id, ATTENDED, now=NOW).status is ATTENDED


def test_only_a_scheduled_appointment_can_be_moved(vault: Vault, practice: Practice) -> None:
    booked = vault.schedule.book(session(practice.ana, datetime(2024, 2, 29, 17, 0)), now=NOW)
    assert booked.id is not None
    vault.schedule.set_status(booked.id, ATTENDED, now=NOW)
    with pytest.raises(ValidationError, match="Only a scheduled appointment can be moved") as err:
        vault.schedule.reschedule(booked.id, datetime(2024, 3, 7, 17, 0), now=NOW)
    assert err.value.field == "start"


def test_update_changes_details_but_not_the_client(vault: Vault, practice: Practice) -> None:
    booked = vault.schedule.book(session(practice.ana, datetime(2024, 3, 4, 17, 0)), now=NOW)
    changed = vault.schedule.update(replace(booked, service_code="90834", duration_minutes=45), now=NOW)
    assert vault.schedule.get(changed.id or 0) == changed
    assert (changed.service_code, changed.end) == ("90834", datetime(2024, 3, 4, 17, 45))
    with pytest.raises(ValidationError, match="another client") as err:
        vault.schedule.update(replace(booked, client_id=practice.ben), now=NOW)
    assert err.value.field == "client_id"


# -- series --------------------------------------------------------------------------------------


def test_weekly_series_books_each_week_at_the_same_local_time(vault: Vault, practice: Practice) -> None:
    # Clocks go forward on 10 March 2024 (US): the 17:00 session stays at 17:00.
    series = vault.schedule.create_series(weekly(practice.ana, datetime(2024, 3, 4, 17, 0), date(2024, 4, 1)), now=NOW)
    assert series.id is not None
    assert starts(vault.schedule.occurrences(series.id)) == [datetime(2024, 3, d, 17, 0) for d in (4, 11, 18, 25)] + [
        datetime(2024, 4, 1, 17, 0)
    ]
    assert all(o.date_of_service == o.occurrence_date for o in vault.schedule.occurrences(series.id))
    event = vault.audit.recent(1)[0]
    assert (event.event, event.detail) == ("series created", {"client_id": practice.ana, "occurrences": 5})


def test_every_two_weeks_series_books_alternate_weeks(vault: Vault, practice: Practice) -> None:
    series = vault.schedule.create_series(
        weekly(practice.ana, datetime(2024, 3, 4, 17, 0), date(2024, 4, 1), recurrence=Recurrence.BIWEEKLY), now=NOW
    )
    assert [a.date_of_service for a in vault.schedule.occurrences(series.id or 0)] == [
        date(2024, 3, 4),
        date(2024, 3, 18),
        date(2024, 4, 1),
    ]


def test_monthly_series_from_january_31_falls_on_february_29_then_march_31(vault: Vault, practice: Practice) -> None:
    series = vault.schedule.create_series(
        weekly(practice.ana, datetime(2024, 1, 31, 10, 0), date(2024, 4, 30), recurrence=Recurrence.MONTHLY), now=NOW
    )
    assert [a.date_of_service for a in vault.schedule.occurrences(series.id or 0)] == [
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 3, 31),
        date(2024, 4, 30),
    ]


def test_ongoing_series_is_booked_26_weeks_ahead_and_rolls_forward(vault: Vault, practice: Practice) -> None:
    series = vault.schedule.create_series(weekly(practice.ana, datetime(2024, 3, 4, 17, 0)), now=NOW)
    assert series.id is not None
    booked = vault.schedule.occurrences(series.id)
    assert (len(booked), booked[-1].date_of_service) == (27, date(2024, 9, 2))  # 26 weeks past the first session
    assert vault.schedule.get_series(series.id).generated_through == date(2024, 9, 2)
    a_month_later = datetime(2024, 4, 1, 9, 0)
    assert vault.schedule.roll_forward(now=a_month_later) == 4
    assert vault.schedule.occurrences(series.id)[-1].date_of_service == date(2024, 9, 30)
    assert vault.schedule.roll_forward(now=a_month_later) == 0


def test_moving_one_occurrence_leaves_the_others_and_is_not_regenerated(vault: Vault, practice: Practice) -> None:
    series = vault.schedule.create_series(weekly(practice.ana, datetime(2024, 3, 4, 17, 0)), now=NOW)
    assert series.id is not None
    before = vault.schedule.occurrences(series.id)
    second = before[1]
    assert second.id is not None
    moved = vault.schedule.reschedule(second.id, datetime(2024, 3, 13, 9, 0), 45, now=NOW)
    assert (moved.is_exception, moved.occurrence_date) == (True, date(2024, 3, 11))
    vault.schedule.extend_series(series.id, date(2024, 12, 31), now=NOW)
    after = vault.schedule.occurrences(series.id)
    assert [a for a in after if a.id != second.id][: len(before) - 1] == [a for a in before if a.id != second.id]
    assert datetime(2024, 3, 11, 17, 0) not in starts(after)
    assert vault.schedule.get(second.id).start == datetime(2024, 3, 13, 9, 0)
    assert vault.audit.recent(2)[1].event == "appointment rescheduled"


def test_cancelling_one_occurrence_marks_it_an_exception_and_leaves_the_rest(vault: Vault, practice: Practice) -> None:
    series = vault.schedule.create_series(weekly(practice.ana, datetime(2024, 3, 4, 17, 0), date(2024, 3, 25)), now=NOW)
    _, second, *_ = vault.schedule.occurrences(series.id or 0)
    assert second.id is not None
    vault.schedule.set_status(second.id, CANCELLED, now=NOW)
    statuses = [(a.status, a.is_exception) for a in vault.schedule.occurrences(series.id or 0)]
    assert statuses == [(SCHEDULED, False), (CANCELLED, True), (SCHEDULED, False), (SCHEDULED, False)]


def test_cancelling_a_series_from_a_date_cancels_only_later_scheduled_occurrences(
    vault: Vault, practice: Practice
) -> None:
    series = vault.schedule.create_series(weekly(practice.ana, datetime(2024, 1, 1, 17, 0), date(2024, 3, 25)), now=NOW)
    assert series.id is not None
    occurrences = vault.schedule.occurrences(series.id)  # Mondays 1 Jan .. 25 Mar
    attended_late = occurrences[-1]
    early, attended = occurrences[0], occurrences[2]
    assert early.id
    assert attended.id
    assert attended_late.id
    vault.schedule.set_status(attended.id, ATTENDED, now=NOW)
    vault.schedule.set_status(attended_late.id, ATTENDED, now=datetime(2024, 3, 26, 9, 0))

    cancelled = vault.schedule.cancel_series(series.id, date(2024, 2, 5))

    after = {a.id: a for a in vault.schedule.occurrences(series.id)}
    assert cancelled == 7  # 5 Feb .. 18 Mar; 25 Mar was attended
    assert after[early.id].status is SCHEDULED
    assert after[attended.id].status is ATTENDED
    assert after[attended_late.id].status is ATTENDED
    assert [a.status for a in after.values() if date(2024, 2, 5) <= a.date_of_service < date(2024, 3, 25)] == [
        CANCELLED
    ] * 7
    assert vault.schedule.get_series(series.id).cancelled_from == date(2024, 2, 5)


def test_a_cancelled_series_refuses_new_extra_moved_or_reinstated_occurrences(vault: Vault, practice: Practice) -> None:
    series = vault.schedule.create_series(weekly(practice.ana, datetime(2024, 3, 4, 17, 0)), now=NOW)
    assert series.id is not None
    first, second, *_ = vault.schedule.occurrences(series.id)
    assert first.id
    assert second.id
    vault.schedule.cancel_series(series.id, date(2024, 3, 11))
    with pytest.raises(ValidationError, match="This series was cancelled"):
        vault.schedule.book(session(practice.ana, datetime(2024, 3, 20, 17, 0), series_id=series.id), now=NOW)
    with pytest.raises(ValidationError, match="This series was cancelled"):
        vault.schedule.reschedule(first.id, datetime(2024, 3, 12, 17, 0), now=NOW)
    with pytest.raises(ValidationError, match="This series was cancelled"):
        vault.schedule.set_status(second.id, SCHEDULED, now=NOW)
    with pytest.raises(ValidationError, match="This series was cancelled"):
        vault.schedule.extend_series(series.id, date(2024, 12, 31), now=NOW)
    assert vault.schedule.get(second.id).status is CANCELLED
    # Before the cut-off the series still works: the first session can move within its week.
    assert vault.schedule.reschedule(first.id, datetime(2024, 3, 5, 17, 0), now=NOW).is_exception


def test_extra_session_can_be_added_to_a_live_series(vault: Vault, practice: Practice) -> None:
    series = vault.schedule.create_series(weekly(practice.ana, datetime(2024, 3, 4, 17, 0), date(2024, 3, 25)), now=NOW)
    extra = vault.schedule.book(session(practice.ana, datetime(2024, 3, 7, 17, 0), series_id=series.id), now=NOW)
    assert extra.is_exception
    assert extra.occurrence_date is None
    assert datetime(2024, 3, 7, 17, 0) in starts(vault.schedule.occurrences(series.id or 0))
    with pytest.raises(ValidationError, match="same client") as err:
        vault.schedule.book(session(practice.ben, datetime(2024, 3, 8, 17, 0), series_id=series.id), now=NOW)
    assert err.value.field == "series_id"


def test_series_for_an_unknown_client_writes_nothing(vault: Vault) -> None:
    with pytest.raises(ValidationError, match="no client with id 77") as err:
        vault.schedule.create_series(weekly(77, datetime(2024, 3, 4, 17, 0)), now=NOW)
    assert err.value.field == "client_id"
    assert vault.schedule.range(date(2024, 3, 1), date(2025, 2, 28)) == []


# -- per-client views ----------------------------------------------------------------------------


def test_next_appointment_and_last_attended_per_client_include_couple_sessions(
    vault: Vault, practice: Practice
) -> None:
    s = vault.schedule
    ana_past = s.book(session(practice.ana, datetime(2024, 2, 20, 17, 0), status=ATTENDED), now=NOW)
    couple_past = s.book(session(None, datetime(2024, 2, 27, 9, 0), unit_id=practice.couple, status=ATTENDED), now=NOW)
    s.book(session(practice.ana, datetime(2024, 2, 28, 9, 0), status=AppointmentStatus.NO_SHOW), now=NOW)
    ana_next = s.book(session(practice.ana, datetime(2024, 3, 5, 17, 0)), now=NOW)
    couple_next = s.book(session(None, datetime(2024, 3, 8, 9, 0), unit_id=practice.couple), now=NOW)
    ana_sooner_cancelled = s.book(session(practice.ana, datetime(2024, 3, 4, 17, 0)), now=NOW)
    s.set_status(ana_sooner_cancelled.id or 0, CANCELLED, now=NOW)

    clients = [practice.ana, practice.ben, practice.cleo]
    assert s.next_appointments(clients, now=NOW) == {practice.ana: ana_next, practice.ben: couple_next}
    assert s.last_attended(clients) == {practice.ana: couple_past, practice.ben: couple_past}
    s.set_status(couple_past.id or 0, AppointmentStatus.NO_SHOW, now=NOW)  # corrected: they did not come
    assert s.last_attended(clients) == {practice.ana: ana_past}
    assert s.next_appointments([], now=NOW) == {}


def test_next_appointment_moves_on_once_a_session_has_started(vault: Vault, practice: Practice) -> None:
    series = vault.schedule.create_series(weekly(practice.cleo, datetime(2024, 3, 4, 17, 0)), now=NOW)
    assert series.id is not None
    at = vault.schedule.next_appointments([practice.cleo], now=datetime(2024, 3, 4, 17, 1))[practice.cleo]
    assert at.start == datetime(2024, 3, 11, 17, 0)


def test_next_appointments_for_many_clients_at_once(vault: Vault, practice: Practice) -> None:
    clients = [
        vault.clients.create(Client(f"Client{i}", "Ngô", date(1990, 1, 1)), today=NOW.date()).id or 0 for i in range(30)
    ]
    for offset, client_id in enumerate(clients):
        vault.schedule.book(session(client_id, datetime(2024, 3, 4, 8, 0) + timedelta(hours=offset)), now=NOW)
    found = vault.schedule.next_appointments(clients, now=NOW)
    assert {c: a.client_id for c, a in found.items()} == {c: c for c in clients}


def test_client_history_includes_unit_sessions_newest_first_and_pages(vault: Vault, practice: Practice) -> None:
    s = vault.schedule
    s.create_series(weekly(practice.ben, datetime(2024, 1, 1, 17, 0), date(2024, 2, 26)), now=NOW)
    couple = s.book(session(None, datetime(2024, 1, 10, 9, 0), unit_id=practice.couple), now=NOW)
    s.book(session(practice.ana, datetime(2024, 1, 11, 9, 0)), now=NOW)  # Ana alone: not Ben's
    history = s.for_client(practice.ben, limit=50)
    assert len(history) == 9 + 1
    assert starts(history) == sorted(starts(history), reverse=True)
    assert couple in history
    assert all(a.client_id in (practice.ben, None) for a in history)
    page = s.for_client(practice.ben, before=datetime(2024, 1, 15, 0, 0), limit=2)
    assert starts(page) == [datetime(2024, 1, 10, 9, 0), datetime(2024, 1, 8, 17, 0)]
    upcoming = s.for_client(practice.ben, after=datetime(2024, 2, 19, 0, 0), newest_first=False)
    assert starts(upcoming) == [datetime(2024, 2, 19, 17, 0), datetime(2024, 2, 26, 17, 0)]


def test_client_history_refuses_unknown_client_and_silly_page_sizes(vault: Vault, practice: Practice) -> None:
    with pytest.raises(ValidationError) as err:
        vault.schedule.for_client(999)
    assert err.value.field == "client_id"
    with pytest.raises(ValidationError) as err:
        vault.schedule.for_client(practice.ana, limit=0)
    assert err.value.field == "limit"
