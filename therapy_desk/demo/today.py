"""The demo's clinic day: the day it is built on looks like a day in a real practice.

On a weekday build, today has six to eight sessions: the morning's are over (one of them a no-show, the
others attended with their notes still unsigned) and the afternoon's are ahead. The demo stands at
12:30 on the day it is built (`demo_now`), whatever the clock says, so a seed and a `today` always give the
same practice.

On a Saturday or Sunday the clinic day is the Friday before: a day that has happened is the only kind that
can show sessions held, a no-show and notes waiting to be signed (a coming Monday could only show
bookings), and a therapist opening the chart at the weekend finds Friday's notes to finish. Every session
of that Friday is over; the weekend itself has none, and Monday has the week's usual bookings.

Every other course of treatment meets on other days (or, fortnightly, on the clinic day's weekday in the
other week), so the clinic day holds exactly the sessions planned here. The Tuesday evening DBT skills
group counts as one of the day's sessions when the day is a Tuesday.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from therapy_desk.domain.scheduling import AppointmentStatus

AS_OF = time(12, 30)  # the demo stands at mid-day: the morning's sessions are over, the afternoon's ahead
MORNING = (8, 9, 10, 11)  # session start hours; the longest session (53 minutes) ends before AS_OF
AFTERNOON = (13, 14, 15, 16, 17)
SESSIONS = (6, 8)  # sessions on the clinic day, fewest and most
_TUESDAY = 1
_FRIDAY = 4


def demo_now(today: date) -> datetime:
    """The moment the demo stands at: bookings are made and sessions marked as of then."""
    return datetime.combine(today, AS_OF)


def clinic_day(today: date) -> date:
    """The day that looks like a clinic day: today on a weekday, else the Friday before."""
    return today - timedelta(days=max(0, today.weekday() - _FRIDAY))


class ClinicDay:
    """The clinic day's sessions as the cases are planned: an hour for each of the first courses of
    treatment that can meet that day, until the day is full."""

    def __init__(self, rng: random.Random, today: date) -> None:
        self.day = clinic_day(today)
        self.now = demo_now(today)
        count = rng.randint(*SESSIONS)
        if self.day.weekday() == _TUESDAY and self.day == today:
            count -= 1  # the DBT skills group meets this evening
        morning = rng.randint(3, 4)
        hours = sorted(rng.sample(MORNING, morning) + rng.sample(AFTERNOON, count - morning))
        self.no_show_hour = rng.choice(hours[:morning])
        rng.shuffle(hours)
        self._free = hours  # taken from the end

    def has_room(self) -> bool:
        """Whether the day still has an hour for a session."""
        return bool(self._free)

    def take(self) -> int:
        """An hour of the day for a course of treatment that meets on it."""
        return self._free.pop()

    def offsets(self, interval: int) -> list[int]:
        """Days after the clinic day on which another weekly or fortnightly course may meet: any weekday but
        the clinic day itself, so that day holds only the sessions planned here."""
        return [n for n in range(1, interval) if (self.day + timedelta(days=n)).weekday() <= _FRIDAY]

    def is_over(self, start: datetime, minutes: int) -> bool:
        """Whether a session starting at `start` has ended by the demo's now."""
        return start + timedelta(minutes=minutes) <= self.now

    def outcome(self, start: datetime) -> AppointmentStatus:
        """How a session of the clinic day that is over went: attended, except the day's one no-show."""
        return AppointmentStatus.NO_SHOW if start.hour == self.no_show_hour else AppointmentStatus.ATTENDED
