"""Appointments and recurring series: statuses, the rules for changing them, and recurrence expansion.

Times are local wall-clock times (naive `datetime`s, minute precision): a weekly 17:00 session stays at
17:00 across daylight-saving changes because nothing here converts to UTC. An appointment is for exactly
one client or one unit (couple, family, group).

Monthly series repeat on the same day of the month as the first appointment, clamped to the end of
shorter months (a series started on 31 January falls on 28/29 February, then 31 March). This is what
clinicians mean by "monthly" far more often than "the second Tuesday".
"""

from __future__ import annotations

import calendar
import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from therapy_desk.domain.billing import check_modifiers, check_telehealth_mode
from therapy_desk.domain.codes import TELEHEALTH_MODIFIERS, TELEHEALTH_POS, PlaceOfService
from therapy_desk.errors import ValidationError

MAX_DURATION_MINUTES = 8 * 60
EARLIEST_YEAR = 1990
MAX_MONTHS_AHEAD = 24  # booking further ahead than this is almost always a typo in the year
MAX_SERIES_MONTHS = 24  # a series spans at most two years from its first appointment
HORIZON_WEEKS = 26  # ongoing series are materialised this far ahead of today
LATE_CANCEL_WINDOW = timedelta(days=7)  # no practice policy calls a cancellation a week ahead "late"
_SERVICE_CODE = re.compile(r"[0-9A-Z]{5}")


class AppointmentStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    ATTENDED = "attended"
    NO_SHOW = "no-show"
    LATE_CANCEL = "late-cancel"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


class CancelledBy(enum.StrEnum):
    CLIENT = "client"
    CLINICIAN = "clinician"


_STATUS_LABELS = {
    AppointmentStatus.SCHEDULED: "Scheduled",
    AppointmentStatus.ATTENDED: "Attended",
    AppointmentStatus.NO_SHOW: "No-show",
    AppointmentStatus.LATE_CANCEL: "Late cancellation",
    AppointmentStatus.CANCELLED: "Cancelled",
}

# Allowed status changes. Anything can be reinstated to scheduled; a cancelled appointment must be
# reinstated before it can be marked attended. The other moves correct an outcome recorded by mistake.
_TRANSITIONS: dict[AppointmentStatus, frozenset[AppointmentStatus]] = {
    AppointmentStatus.SCHEDULED: frozenset(
        {
            AppointmentStatus.ATTENDED,
            AppointmentStatus.NO_SHOW,
            AppointmentStatus.LATE_CANCEL,
            AppointmentStatus.CANCELLED,
        }
    ),
    AppointmentStatus.ATTENDED: frozenset({AppointmentStatus.SCHEDULED, AppointmentStatus.NO_SHOW}),
    AppointmentStatus.NO_SHOW: frozenset(
        {AppointmentStatus.SCHEDULED, AppointmentStatus.ATTENDED, AppointmentStatus.LATE_CANCEL}
    ),
    AppointmentStatus.LATE_CANCEL: frozenset(
        {AppointmentStatus.SCHEDULED, AppointmentStatus.NO_SHOW, AppointmentStatus.CANCELLED}
    ),
    AppointmentStatus.CANCELLED: frozenset({AppointmentStatus.SCHEDULED}),
}

# Statuses that hold a slot in the diary (for conflict warnings).
OCCUPYING = (AppointmentStatus.SCHEDULED, AppointmentStatus.ATTENDED)


class Recurrence(enum.StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "every 2 weeks"
    MONTHLY = "monthly"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class SeriesScope(enum.StrEnum):
    """Which appointments of a series an edit or a cancellation reaches."""

    THIS = "this one"
    FOLLOWING = "this and following"
    ALL = "all"

    @property
    def label(self) -> str:
        return {"this one": "This one", "this and following": "This and following", "all": "All"}[self.value]


# -- field rules ---------------------------------------------------------------------------------


def as_status(value: AppointmentStatus | str) -> AppointmentStatus:
    try:
        return AppointmentStatus(value)
    except ValueError:
        allowed = ", ".join(s.value for s in AppointmentStatus)
        raise ValidationError(f"{value!s} is not an appointment status; use one of {allowed}.", "status") from None


def as_recurrence(value: Recurrence | str) -> Recurrence:
    try:
        return Recurrence(value)
    except ValueError:
        raise ValidationError(
            f"{value!s} is not a repeat pattern; use weekly, every 2 weeks or monthly.", "recurrence"
        ) from None


def check_start(start: object, today: date, field: str = "start") -> datetime:
    """A local wall-clock start, cut to the minute; refuses dates that are surely typos."""
    if not isinstance(start, datetime):
        raise ValidationError("The start needs both a date and a time of day.", field)
    if start.tzinfo is not None:
        raise ValidationError("The start is a local wall-clock time; give it without a time zone.", field)
    if start.year < EARLIEST_YEAR:
        raise ValidationError(f"The start date is before {EARLIEST_YEAR}; check the year.", field)
    if start.date() > add_months(today, MAX_MONTHS_AHEAD):
        raise ValidationError("The start date is more than 2 years ahead; check the year.", field)
    return start.replace(second=0, microsecond=0)


def check_duration(minutes: object, field: str = "duration_minutes") -> int:
    if not isinstance(minutes, int) or isinstance(minutes, bool):
        raise ValidationError("The duration is a whole number of minutes.", field)
    if minutes < 1:
        raise ValidationError("The duration must be at least 1 minute.", field)
    if minutes > MAX_DURATION_MINUTES:
        raise ValidationError(f"The duration cannot be more than 8 hours ({MAX_DURATION_MINUTES} minutes).", field)
    return minutes


def minutes_between(start: datetime, end: datetime) -> int:
    """The duration of a session entered as start and end times (`end` must be after `start`)."""
    if end <= start:
        raise ValidationError("The end time must be after the start time.", "end")
    return check_duration(int((end - start).total_seconds() // 60), "end")


def check_service_code(code: str) -> str:
    cleaned = code.strip().upper().lstrip("+")
    if not cleaned:
        raise ValidationError("The service code is required.", "service_code")
    if not _SERVICE_CODE.fullmatch(cleaned):
        raise ValidationError(
            f"{code.strip()} is not a service code; it is 5 letters or digits, like 90834.", "service_code"
        )
    return cleaned


def check_place_of_service(value: PlaceOfService | str) -> PlaceOfService:
    try:
        return PlaceOfService(value)
    except ValueError:
        allowed = ", ".join(p.value for p in PlaceOfService)
        raise ValidationError(
            f"{value!s} is not a place of service Therapy Desk knows; use one of {allowed}.", "place_of_service"
        ) from None


def check_party(client_id: int | None, unit_id: int | None) -> None:
    if client_id is None and unit_id is None:
        raise ValidationError("Choose the client or the unit (couple, family, group) to book for.", "client_id")
    if client_id is not None and unit_id is not None:
        raise ValidationError(
            "An appointment is for one client or one unit (couple, family, group), not both.", "unit_id"
        )


def check_telehealth(place: PlaceOfService, telehealth: bool, modifiers: Sequence[str]) -> tuple[bool, tuple[str, ...]]:
    """Normalised (telehealth, modifiers): POS 02/10 are telehealth; telehealth modifiers need telehealth."""
    cleaned = check_modifiers(modifiers)
    telehealth = bool(telehealth) or place in TELEHEALTH_POS
    if telehealth and place is PlaceOfService.HOME:
        raise ValidationError(
            "Place of service 12 is an in-person home visit; for telehealth with the client at home use 10.",
            "place_of_service",
        )
    if not telehealth:
        for modifier in cleaned:
            if modifier in TELEHEALTH_MODIFIERS:
                raise ValidationError(
                    f"Modifier {modifier} is for telehealth sessions; mark the appointment as telehealth "
                    "or remove the modifier.",
                    "modifiers",
                )
    check_telehealth_mode(cleaned)
    return telehealth, cleaned


# -- values --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Appointment:
    """One session on the diary. `occurrence_date` is the date a series first put it on (kept if moved)."""

    start: datetime
    duration_minutes: int
    service_code: str
    client_id: int | None = None
    unit_id: int | None = None
    modifiers: tuple[str, ...] = ()
    place_of_service: PlaceOfService = PlaceOfService.OFFICE
    telehealth: bool = False
    status: AppointmentStatus = AppointmentStatus.SCHEDULED
    series_id: int | None = None
    occurrence_date: date | None = None
    is_exception: bool = False
    id: int | None = None
    cancelled_by: CancelledBy | None = None  # who cancelled, for a cancelled appointment (when recorded)

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.duration_minutes)

    @property
    def status_label(self) -> str:
        """The status as shown: "Cancelled by client" when who cancelled is known."""
        if self.status is AppointmentStatus.CANCELLED and self.cancelled_by is not None:
            return f"Cancelled by {self.cancelled_by.value}"
        return self.status.label

    @property
    def date_of_service(self) -> date:
        return self.start.date()

    def validated(self, today: date) -> Appointment:
        """A normalised copy, or `ValidationError` naming the field."""
        check_party(self.client_id, self.unit_id)
        place = check_place_of_service(self.place_of_service)
        telehealth, modifiers = check_telehealth(place, self.telehealth, self.modifiers)
        return replace(
            self,
            start=check_start(self.start, today),
            duration_minutes=check_duration(self.duration_minutes),
            service_code=check_service_code(self.service_code),
            modifiers=modifiers,
            place_of_service=place,
            telehealth=telehealth,
            status=as_status(self.status),
        )


@dataclass(frozen=True)
class AppointmentSeries:
    """A recurring booking. `until` is the last date an occurrence may fall on (None: ongoing).

    `generated_through` is how far occurrences exist as appointments; `cancelled_from` stops the series.
    """

    first_start: datetime
    recurrence: Recurrence
    duration_minutes: int
    service_code: str
    client_id: int | None = None
    unit_id: int | None = None
    modifiers: tuple[str, ...] = ()
    place_of_service: PlaceOfService = PlaceOfService.OFFICE
    telehealth: bool = False
    until: date | None = None
    generated_through: date | None = None
    cancelled_from: date | None = None
    id: int | None = None

    @property
    def is_ongoing(self) -> bool:
        return self.until is None

    def validated(self, today: date) -> AppointmentSeries:
        check_party(self.client_id, self.unit_id)
        start = check_start(self.first_start, today, "first_start")
        place = check_place_of_service(self.place_of_service)
        telehealth, modifiers = check_telehealth(place, self.telehealth, self.modifiers)
        if self.until is not None:
            if self.until <= start.date():
                raise ValidationError("The series must end after its first appointment.", "until")
            if self.until > add_months(start.date(), MAX_SERIES_MONTHS):
                raise ValidationError(
                    "A series can run for at most 2 years; leave the end date empty for an ongoing series.", "until"
                )
        return replace(
            self,
            first_start=start,
            recurrence=as_recurrence(self.recurrence),
            duration_minutes=check_duration(self.duration_minutes),
            service_code=check_service_code(self.service_code),
            modifiers=modifiers,
            place_of_service=place,
            telehealth=telehealth,
        )

    def is_cancelled_on(self, day: date) -> bool:
        return self.cancelled_from is not None and day >= self.cancelled_from

    def occurrence_starts(self, after: date | None, through: date) -> list[datetime]:
        """Starts of the occurrences dated after `after` (exclusive) up to `through` and `until` (inclusive)."""
        last = through if self.until is None else min(through, self.until)
        return [
            datetime.combine(day, self.first_start.time())
            for day in occurrence_dates(self.first_start.date(), self.recurrence, last)
            if after is None or day > after
        ]

    def occurrence(self, start: datetime) -> Appointment:
        """The appointment this series puts at `start`."""
        return Appointment(
            start=start,
            duration_minutes=self.duration_minutes,
            service_code=self.service_code,
            client_id=self.client_id,
            unit_id=self.unit_id,
            modifiers=self.modifiers,
            place_of_service=self.place_of_service,
            telehealth=self.telehealth,
            series_id=self.id,
            occurrence_date=start.date(),
        )


# -- recurrence ----------------------------------------------------------------------------------


def add_months(day: date, months: int, anchor_day: int | None = None) -> date:
    """`day` moved by whole months, on `anchor_day` (default: its own day) clamped to the month's end."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(anchor_day or day.day, last))


def nth_occurrence(first: date, recurrence: Recurrence, n: int) -> date:
    """The date of occurrence `n` (0 is `first`). Monthly counts from `first`, so clamping never drifts."""
    if recurrence is Recurrence.WEEKLY:
        return first + timedelta(weeks=n)
    if recurrence is Recurrence.BIWEEKLY:
        return first + timedelta(weeks=2 * n)
    return add_months(first, n, first.day)


def occurrence_dates(first: date, recurrence: Recurrence, through: date) -> list[date]:
    """Every occurrence date from `first` up to `through` inclusive."""
    dates: list[date] = []
    n = 0
    while (day := nth_occurrence(first, recurrence, n)) <= through:
        dates.append(day)
        n += 1
    return dates


def horizon(today: date, first: date) -> date:
    """How far an ongoing series is materialised: 26 weeks past today (or past its start, if later)."""
    return max(today, first) + timedelta(weeks=HORIZON_WEEKS)


# -- status changes ------------------------------------------------------------------------------


def check_status_change(appointment: Appointment, target: AppointmentStatus, now: datetime) -> None:
    """Refuse a status change that makes no sense, with a sentence naming `status`."""
    current = appointment.status
    if target not in _TRANSITIONS[current]:
        if current is AppointmentStatus.CANCELLED:
            raise ValidationError(
                f"This appointment was cancelled; reinstate it before marking it {target.label.lower()}.", "status"
            )
        raise ValidationError(
            f"An appointment marked {current.label.lower()} cannot be marked {target.label.lower()}; "
            "reinstate it first.",
            "status",
        )
    if target in (AppointmentStatus.ATTENDED, AppointmentStatus.NO_SHOW) and appointment.start > now:
        raise ValidationError(
            f"This appointment has not started yet, so it cannot be marked {target.label.lower()}.", "status"
        )
    if target is AppointmentStatus.LATE_CANCEL and appointment.start > now + LATE_CANCEL_WINDOW:
        raise ValidationError(
            "This appointment is more than a week away, so cancelling it is not late; mark it cancelled.", "status"
        )


# -- the practice's time zone --------------------------------------------------------------------

ZONE_SETTING = "practice_time_zone"
WallTimeProblem = Literal["nonexistent", "ambiguous"]


def zone(zone_name: str) -> ZoneInfo:
    """The IANA zone `zone_name` (America/New_York), or `ValidationError` naming `practice_time_zone`."""
    try:
        return ZoneInfo(zone_name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            f"{zone_name!s} is not a time zone Therapy Desk knows; use a name like America/New_York.", ZONE_SETTING
        ) from None


def wall_time_problem(start: datetime, zone_name: str) -> WallTimeProblem | None:
    """Whether the wall-clock `start` does not exist in the zone (clocks jump forward over it) or happens
    twice (clocks go back over it); None for an ordinary time."""
    tz = zone(zone_name)
    naive = start.replace(tzinfo=None)
    first, second = naive.replace(tzinfo=tz, fold=0), naive.replace(tzinfo=tz, fold=1)
    if first.utcoffset() == second.utcoffset():
        return None
    # The two folds disagree only near a transition; a time that survives the trip through UTC exists.
    back = first.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    return "ambiguous" if back == naive else "nonexistent"


def _clock(moment: datetime) -> str:
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"


def wall_time_sentence(start: datetime, zone_name: str) -> str | None:
    """What to tell the clinician about a start `wall_time_problem` flags, or None when there is nothing."""
    problem = wall_time_problem(start, zone_name)
    if problem is None:
        return None
    tz = zone(zone_name)
    naive = start.replace(tzinfo=None, second=0, microsecond=0)
    day = f"{naive:%B} {naive.day}, {naive.year}"
    before = naive.replace(tzinfo=tz, fold=0).utcoffset()
    after = naive.replace(tzinfo=tz, fold=1).utcoffset()
    assert before is not None
    assert after is not None
    jump = abs(after - before)
    if problem == "nonexistent":
        # Walk back to the minute the clocks jump at: the last minute that exists, plus one.
        edge = naive
        while wall_time_problem(edge - timedelta(minutes=1), zone_name) == "nonexistent":
            edge -= timedelta(minutes=1)
        return (
            f"{_clock(naive)} does not exist on {day} in {tz.key}: clocks jump from {_clock(edge)} to "
            f"{_clock(edge + jump)}. Pick another time."
        )
    first = naive.replace(tzinfo=tz, fold=0).tzname()
    second = naive.replace(tzinfo=tz, fold=1).tzname()
    return (
        f"{_clock(naive)} happens twice on {day} in {tz.key}: clocks go back {_span(jump)}. This books the first "
        f"{_clock(naive)} ({first}), not the second ({second}); pick another time for the second."
    )


def _span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return "an hour" if minutes == 60 else f"{minutes} minutes"


def to_utc(start: datetime, zone_name: str) -> datetime:
    """A wall-clock start in the practice's zone as UTC (a repeated time is its first occurrence and a
    skipped one keeps the offset before the jump, as RFC 5545 reads local times)."""
    return start.replace(tzinfo=zone(zone_name), fold=0).astimezone(UTC)
