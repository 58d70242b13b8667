"""Which backups to keep: the newest few, then one a day, one a week and one a month, like Anki's thinning.

A backup is kept when any one rule keeps it:

- it is among the newest `keep_newest` backups;
- it is the newest backup of one of the last `keep_daily` days (today included);
- it is the newest backup of one of the last `keep_weekly` ISO weeks (Monday to Sunday, this week included);
- it is the newest backup of one of the last `keep_monthly` calendar months (this month included);
- it is protected (the caller passes the newest verified backup there: never deleted, whatever its age).

Days, weeks and months are the calendar's, in the zone the caller gives (the practice's time zone, so
"yesterday's backup" is the clinician's yesterday); UTC when none is given. Unlike Anki, which keeps
`daily` backups on however many days it takes to find them, the windows here are calendar windows: a
week without backups leaves that week's days empty rather than reaching further back, so the number
kept never exceeds the sum of the limits (plus the protected ones) and what is kept depends only on the
backups and today, never on the order rotations ran in. Every rule keeps the newest of a period, and the
newest of a period stays the newest until its period leaves the window, so rotating after every backup
keeps exactly what one rotation at the end would keep, and rotating twice deletes nothing more.

A backup stamped after `now` (taken while the computer's clock was wrong) is in no day, week or month
window; it is kept while it is among the newest `keep_newest`.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from therapy_desk.errors import ValidationError

MAX_LIMIT = 999

_LABELS = {
    "keep_newest": "The number of newest backups to keep",
    "keep_daily": "The number of days with a daily backup",
    "keep_weekly": "The number of weeks with a weekly backup",
    "keep_monthly": "The number of months with a monthly backup",
}


@dataclass(frozen=True)
class RotationPolicy:
    """How many backups rotation keeps; the issue's defaults. Invalid numbers are refused when made."""

    keep_newest: int = 3
    keep_daily: int = 14
    keep_weekly: int = 8
    keep_monthly: int = 24

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            lowest = 1 if field.name == "keep_newest" else 0
            # bool is an int to Python, but `true` in a settings file is not a count.
            if type(value) is not int or not lowest <= value <= MAX_LIMIT:
                raise ValidationError(
                    f"{_LABELS[field.name]} must be a whole number from {lowest} to {MAX_LIMIT}.", field.name
                )

    def to_json_dict(self) -> dict[str, int]:
        return {field.name: getattr(self, field.name) for field in fields(self)}

    @classmethod
    def from_json_dict(cls, data: Any) -> RotationPolicy:
        """The policy a stored JSON object gives; missing numbers take their defaults, unknown keys are
        ignored, and anything malformed raises `ValidationError`."""
        if not isinstance(data, dict):
            raise ValidationError("The rotation setting is not a set of numbers.")
        known = {field.name for field in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})

    @property
    def most_kept(self) -> int:
        """The most backups this policy keeps, protected ones aside."""
        return self.keep_newest + self.keep_daily + self.keep_weekly + self.keep_monthly


def to_keep(
    times: Sequence[datetime],
    now: datetime,
    policy: RotationPolicy,
    *,
    protect: set[datetime] | frozenset[datetime] = frozenset(),
    zone: tzinfo = UTC,
) -> set[datetime]:
    """The backup times (from `times`) to keep at `now`; `protect` ones among them are always kept.

    Every time must carry its zone; days, weeks and months are counted in `zone`.
    """
    for moment in (now, *times):
        if moment.tzinfo is None:
            raise ValueError("rotation needs times that carry their time zone")
    newest_first = sorted(set(times), reverse=True)
    keep = set(newest_first[: policy.keep_newest])
    keep |= protect.intersection(newest_first)
    today = now.astimezone(zone).date()
    past = [moment for moment in newest_first if moment.astimezone(zone).date() <= today]

    def newest_per(period: Callable[[date], Hashable], window: set[Hashable]) -> None:
        seen: set[Hashable] = set()
        for moment in past:
            key = period(moment.astimezone(zone).date())
            if key in window and key not in seen:
                seen.add(key)
                keep.add(moment)

    newest_per(_day, {_day(today) - n for n in range(policy.keep_daily)})
    newest_per(_week, {_week(today) - n for n in range(policy.keep_weekly)})
    newest_per(_month, {_month(today) - n for n in range(policy.keep_monthly)})
    return keep


def to_delete(
    times: Sequence[datetime],
    now: datetime,
    policy: RotationPolicy,
    *,
    protect: set[datetime] | frozenset[datetime] = frozenset(),
    zone: tzinfo = UTC,
) -> set[datetime]:
    """The backup times (from `times`) rotation deletes at `now`: every one `to_keep` does not keep."""
    return set(times) - to_keep(times, now, policy, protect=protect, zone=zone)


def _day(day: date) -> int:
    return day.toordinal()


def _week(day: date) -> int:
    # The Monday that starts the ISO week, as a count of weeks: consecutive weeks differ by one.
    return (day - timedelta(days=day.weekday())).toordinal() // 7


def _month(day: date) -> int:
    return day.year * 12 + day.month - 1
