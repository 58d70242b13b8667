from __future__ import annotations

import calendar
import itertools
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from therapy_desk.domain.codes import PlaceOfService
from therapy_desk.domain.scheduling import (
    Appointment,
    AppointmentSeries,
    AppointmentStatus,
    Recurrence,
    add_months,
    check_status_change,
    minutes_between,
    occurrence_dates,
)
from therapy_desk.errors import ValidationError

TODAY = date(2024, 3, 1)
NOW = datetime(2024, 3, 1, 12, 0)
SESSION = Appointment(start=datetime(2024, 3, 4, 17, 0), duration_minutes=53, service_code="90837", client_id=1)


def weekly(first: datetime, until: date | None, recurrence: Recurrence = Recurrence.WEEKLY) -> AppointmentSeries:
    return AppointmentSeries(first, recurrence, 53, "90837", client_id=1, until=until)


# -- recurrence ----------------------------------------------------------------------------------


def test_weekly_series_falls_on_the_same_weekday_each_week() -> None:
    series = weekly(datetime(2024, 1, 2, 17, 0), date(2024, 1, 30))
    starts = series.occurrence_starts(None, date(2024, 12, 31))
    assert [s.day for s in starts] == [2, 9, 16, 23, 30]
    assert {s.strftime("%A %H:%M") for s in starts} == {"Tuesday 17:00"}


def test_weekly_series_keeps_its_wall_clock_time_across_daylight_saving_changes() -> None:
    # US clocks go forward on 10 March 2024 and back on 3 November 2024.
    series = weekly(datetime(2024, 3, 4, 17, 0), date(2024, 11, 30))
    starts = series.occurrence_starts(None, date(2024, 11, 30))
    assert {s.time() for s in starts} == {time(17, 0)}
    new_york = ZoneInfo("America/New_York")
    utc_hours = {s.replace(tzinfo=new_york).astimezone(UTC).hour for s in starts}
    assert utc_hours == {21, 22}  # the same local time really is a different instant after each change


def test_every_two_weeks_skips_alternate_weeks() -> None:
    series = weekly(datetime(2024, 1, 5, 9, 30), date(2024, 3, 1), Recurrence.BIWEEKLY)
    assert [s.date() for s in series.occurrence_starts(None, date(2024, 12, 31))] == [
        date(2024, 1, 5),
        date(2024, 1, 19),
        date(2024, 2, 2),
        date(2024, 2, 16),
        date(2024, 3, 1),
    ]


def test_monthly_series_started_on_the_31st_clamps_to_month_end_without_drifting() -> None:
    assert occurrence_dates(date(2024, 1, 31), Recurrence.MONTHLY, date(2024, 5, 31)) == [
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 3, 31),
        date(2024, 4, 30),
        date(2024, 5, 31),
    ]
    assert occurrence_dates(date(2023, 1, 31), Recurrence.MONTHLY, date(2023, 3, 1))[1] == date(2023, 2, 28)


def test_occurrences_after_a_date_exclude_that_date() -> None:
    series = weekly(datetime(2024, 1, 2, 17, 0), None)
    assert [s.date() for s in series.occurrence_starts(date(2024, 1, 9), date(2024, 1, 23))] == [
        date(2024, 1, 16),
        date(2024, 1, 23),
    ]


@given(
    first=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)),
    at=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    days=st.integers(min_value=0, max_value=800),
    recurrence=st.sampled_from([Recurrence.WEEKLY, Recurrence.BIWEEKLY]),
)
def test_weekly_expansion_keeps_weekday_time_and_count(
    first: date, at: time, days: int, recurrence: Recurrence
) -> None:
    through = first + timedelta(days=days)
    series = weekly(datetime.combine(first, at), None, recurrence)
    starts = series.occurrence_starts(None, through)
    step = 7 if recurrence is Recurrence.WEEKLY else 14
    assert len(starts) == days // step + 1
    assert all(s.weekday() == first.weekday() and s.time() == at for s in starts)
    assert all(b - a == timedelta(days=step) for a, b in itertools.pairwise(starts))
    assert starts[0].date() == first
    assert starts[-1].date() <= through < starts[-1].date() + timedelta(days=step)


@given(
    first=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)),
    months=st.integers(min_value=0, max_value=30),
)
def test_monthly_expansion_gives_one_date_per_month_on_the_anchor_day_or_month_end(first: date, months: int) -> None:
    through = add_months(first, months)
    dates = occurrence_dates(first, Recurrence.MONTHLY, through)
    assert len(dates) == months + 1
    for n, day in enumerate(dates):
        month_index = first.month - 1 + n
        assert (day.year, day.month) == (first.year + month_index // 12, month_index % 12 + 1)
        assert day.day == min(first.day, calendar.monthrange(day.year, day.month)[1])


# -- validation ----------------------------------------------------------------------------------


def test_valid_appointment_is_normalised() -> None:
    clean = replace(
        SESSION, service_code=" 90837 ", modifiers=(" ho ",), start=datetime(2024, 3, 4, 17, 0, 42)
    ).validated(TODAY)
    assert clean.service_code == "90837"
    assert clean.modifiers == ("HO",)
    assert clean.start == datetime(2024, 3, 4, 17, 0)
    assert clean.end == datetime(2024, 3, 4, 17, 53)
    assert clean.date_of_service == date(2024, 3, 4)


@pytest.mark.parametrize("place", [PlaceOfService.TELEHEALTH_HOME, PlaceOfService.TELEHEALTH_NOT_HOME])
def test_telehealth_places_of_service_mark_the_appointment_telehealth(place: PlaceOfService) -> None:
    assert replace(SESSION, place_of_service=place, telehealth=False).validated(TODAY).telehealth


def test_place_of_service_given_as_text_is_accepted() -> None:
    assert replace(SESSION, place_of_service="10").validated(TODAY).place_of_service is PlaceOfService.TELEHEALTH_HOME  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"client_id": None}, "client_id", "client or the unit"),
        ({"unit_id": 4}, "unit_id", "not both"),
        ({"duration_minutes": 0}, "duration_minutes", "at least 1 minute"),
        ({"duration_minutes": -50}, "duration_minutes", "at least 1 minute"),
        ({"duration_minutes": 481}, "duration_minutes", "8 hours"),
        ({"service_code": "  "}, "service_code", "required"),
        ({"service_code": "9083"}, "service_code", "5 letters or digits"),
        ({"service_code": "90 834"}, "service_code", "5 letters or digits"),
        ({"modifiers": ("HO", "HJ", "59", "AH", "AJ")}, "modifiers", "at most 4"),
        ({"modifiers": ("ZZ",)}, "modifiers", "ZZ"),
        ({"modifiers": ("95",)}, "modifiers", "telehealth"),
        ({"modifiers": ("93", "95"), "telehealth": True}, "modifiers", "contradict"),
        ({"place_of_service": "45"}, "place_of_service", "45"),
        ({"place_of_service": PlaceOfService.HOME, "telehealth": True}, "place_of_service", "use 10"),
        ({"start": date(2024, 3, 4)}, "start", "time of day"),
        ({"start": datetime(1924, 3, 4, 17, 0)}, "start", "check the year"),
        ({"start": datetime(2204, 3, 4, 17, 0)}, "start", "check the year"),
        ({"start": datetime(2024, 3, 4, 17, 0, tzinfo=UTC)}, "start", "time zone"),
        ({"status": "maybe"}, "status", "not an appointment status"),
    ],
)
def test_invalid_appointment_is_refused_naming_the_field(change: dict[str, object], field: str, words: str) -> None:
    with pytest.raises(ValidationError, match=words) as err:
        replace(SESSION, **change).validated(TODAY)  # type: ignore[arg-type]
    assert err.value.field == field


def test_end_before_start_is_refused_naming_the_end() -> None:
    start = datetime(2024, 3, 4, 17, 0)
    assert minutes_between(start, start + timedelta(minutes=53)) == 53
    with pytest.raises(ValidationError, match="after the start") as err:
        minutes_between(start, start - timedelta(minutes=10))
    assert err.value.field == "end"


@pytest.mark.parametrize(
    ("until", "words"),
    [
        (date(2024, 3, 4), "end after its first appointment"),
        (date(2024, 2, 1), "end after its first appointment"),
        (date(2026, 3, 5), "at most 2 years"),
    ],
)
def test_series_end_must_follow_its_start_and_stay_within_two_years(until: date, words: str) -> None:
    with pytest.raises(ValidationError, match=words) as err:
        weekly(datetime(2024, 3, 4, 17, 0), until).validated(TODAY)
    assert err.value.field == "until"


def test_series_of_exactly_two_years_is_accepted() -> None:
    assert weekly(datetime(2024, 3, 4, 17, 0), date(2026, 3, 4)).validated(TODAY).until == date(2026, 3, 4)


def test_unknown_repeat_pattern_is_refused() -> None:
    with pytest.raises(ValidationError, match="weekly, every 2 weeks or monthly") as err:
        weekly(datetime(2024, 3, 4, 17, 0), None, "daily").validated(TODAY)  # type: ignore[arg-type]
    assert err.value.field == "recurrence"


# -- status changes ------------------------------------------------------------------------------


def test_past_appointment_can_be_marked_attended_or_no_show() -> None:
    past = replace(SESSION, start=NOW - timedelta(hours=2))
    check_status_change(past, AppointmentStatus.ATTENDED, NOW)
    check_status_change(past, AppointmentStatus.NO_SHOW, NOW)


@pytest.mark.parametrize("target", [AppointmentStatus.ATTENDED, AppointmentStatus.NO_SHOW])
def test_appointment_that_has_not_started_cannot_be_marked_attended_or_no_show(target: AppointmentStatus) -> None:
    future = replace(SESSION, start=NOW + timedelta(minutes=5))
    with pytest.raises(ValidationError, match="not started yet") as err:
        check_status_change(future, target, NOW)
    assert err.value.field == "status"


def test_cancelled_appointment_must_be_reinstated_before_it_is_marked_attended() -> None:
    cancelled = replace(SESSION, start=NOW - timedelta(hours=2), status=AppointmentStatus.CANCELLED)
    with pytest.raises(ValidationError, match="reinstate it"):
        check_status_change(cancelled, AppointmentStatus.ATTENDED, NOW)
    check_status_change(cancelled, AppointmentStatus.SCHEDULED, NOW)


def test_attended_session_cannot_be_cancelled_without_reinstating() -> None:
    attended = replace(SESSION, start=NOW - timedelta(hours=2), status=AppointmentStatus.ATTENDED)
    with pytest.raises(ValidationError, match="reinstate it first"):
        check_status_change(attended, AppointmentStatus.CANCELLED, NOW)


def test_late_cancellation_is_refused_for_an_appointment_weeks_away() -> None:
    far = replace(SESSION, start=NOW + timedelta(days=20))
    with pytest.raises(ValidationError, match="not late"):
        check_status_change(far, AppointmentStatus.LATE_CANCEL, NOW)
    check_status_change(replace(SESSION, start=NOW + timedelta(hours=20)), AppointmentStatus.LATE_CANCEL, NOW)
