"""Series edits and cancellations: this one, this and following, all — across a daylight-saving change."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta

import pytest

from tests.storage.test_schedule import Practice, practice, weekly
from therapy_desk.domain.codes import PlaceOfService
from therapy_desk.domain.scheduling import AppointmentStatus, Recurrence, SeriesScope
from therapy_desk.errors import ValidationError
from therapy_desk.storage.vault import Vault

__all__ = ["practice"]

NOW = datetime(2026, 10, 14, 12, 0)  # a Wednesday, three weeks before the US fall-back (Sunday, November 1)
FIRST = datetime(2026, 10, 6, 10, 0)  # Tuesdays at 10:00
UNTIL = date(2026, 12, 29)
SCHEDULED = AppointmentStatus.SCHEDULED


def starts(vault: Vault, series_id: int) -> list[datetime]:
    return [a.start for a in vault.schedule.occurrences(series_id) if a.status is SCHEDULED]


def book_series(vault: Vault, client: int) -> int:
    series = vault.schedule.create_series(weekly(client, FIRST, UNTIL), now=NOW)
    assert series.id is not None
    return series.id


def on(vault: Vault, series_id: int, day: date) -> int:
    found = [a.id for a in vault.schedule.occurrences(series_id) if a.date_of_service == day]
    assert len(found) == 1
    assert found[0] is not None
    return found[0]


def test_a_weekly_series_at_ten_stays_at_ten_local_across_the_fall_back(vault: Vault, practice: Practice) -> None:
    sid = book_series(vault, practice.ana)
    assert {s.time() for s in starts(vault, sid)} == {time(10, 0)}
    assert date(2026, 10, 27) in {s.date() for s in starts(vault, sid)}
    assert date(2026, 11, 3) in {s.date() for s in starts(vault, sid)}


def test_this_one_changes_only_the_occurrence(vault: Vault, practice: Practice) -> None:
    sid = book_series(vault, practice.ana)
    target = vault.schedule.get(on(vault, sid, date(2026, 11, 3)))
    moved = vault.schedule.change_occurrence(
        replace(target, start=datetime(2026, 11, 3, 15, 0)), SeriesScope.THIS, now=NOW
    )
    assert moved.id == target.id
    assert moved.is_exception
    times = {s: s.time() for s in starts(vault, sid)}
    assert times[datetime(2026, 11, 3, 15, 0)] == time(15, 0)
    assert [s for s, t in times.items() if t != time(10, 0)] == [datetime(2026, 11, 3, 15, 0)]


def test_all_moves_every_future_occurrence_across_the_fall_back_and_keeps_the_past(
    vault: Vault, practice: Practice
) -> None:
    sid = book_series(vault, practice.ana)
    vault.schedule.set_status(on(vault, sid, date(2026, 10, 13)), AppointmentStatus.ATTENDED, now=NOW)
    target = vault.schedule.get(on(vault, sid, date(2026, 10, 27)))  # the last Tuesday before the fall-back
    changed = vault.schedule.change_occurrence(
        replace(target, start=datetime(2026, 10, 27, 9, 0), duration_minutes=45, service_code="90834"),
        SeriesScope.ALL,
        now=NOW,
    )
    assert changed.start == datetime(2026, 10, 27, 9, 0)
    occurrences = vault.schedule.occurrences(sid)
    past = [a for a in occurrences if a.date_of_service < NOW.date()]
    assert [(a.start, a.status) for a in past] == [
        (datetime(2026, 10, 6, 10, 0), SCHEDULED),
        (datetime(2026, 10, 13, 10, 0), AppointmentStatus.ATTENDED),
    ]
    future = [a for a in occurrences if a.date_of_service >= NOW.date()]
    assert [a.start.date() for a in future] == [date(2026, 10, 20) + timedelta(weeks=n) for n in range(11)]
    assert {(a.start.time(), a.duration_minutes, a.service_code) for a in future} == {(time(9, 0), 45, "90834")}
    series = vault.schedule.get_series(sid)
    assert (series.first_start, series.duration_minutes) == (datetime(2026, 10, 6, 9, 0), 45)


def test_all_keeps_an_occurrence_changed_by_hand(vault: Vault, practice: Practice) -> None:
    sid = book_series(vault, practice.ana)
    own = vault.schedule.reschedule(on(vault, sid, date(2026, 11, 10)), datetime(2026, 11, 12, 16, 0), now=NOW)
    target = vault.schedule.get(on(vault, sid, date(2026, 11, 3)))
    vault.schedule.change_occurrence(replace(target, start=datetime(2026, 11, 3, 11, 0)), SeriesScope.ALL, now=NOW)
    assert vault.schedule.get(own.id or 0).start == datetime(2026, 11, 12, 16, 0)
    assert datetime(2026, 11, 10, 11, 0) not in starts(vault, sid)  # its slot is not booked twice


def test_this_and_following_ends_the_old_series_and_starts_a_new_one(vault: Vault, practice: Practice) -> None:
    sid = book_series(vault, practice.ana)
    target = vault.schedule.get(on(vault, sid, date(2026, 11, 3)))  # the first Tuesday after the fall-back
    changed = vault.schedule.change_occurrence(
        replace(
            target,
            start=datetime(2026, 11, 4, 10, 0),
            telehealth=True,
            place_of_service=PlaceOfService.TELEHEALTH_HOME,
            modifiers=("95",),
        ),
        SeriesScope.FOLLOWING,
        recurrence=Recurrence.BIWEEKLY,
        now=NOW,
    )
    old = vault.schedule.get_series(sid)
    assert old.until == date(2026, 11, 2)
    assert starts(vault, sid) == [FIRST + timedelta(weeks=n) for n in range(4)]  # Oct 6 to Oct 27, untouched
    assert changed.series_id is not None
    assert changed.series_id != sid
    new = vault.schedule.get_series(changed.series_id)
    assert (new.first_start, new.recurrence, new.until) == (datetime(2026, 11, 4, 10, 0), Recurrence.BIWEEKLY, UNTIL)
    new_ones = vault.schedule.occurrences(changed.series_id)
    assert [a.start for a in new_ones] == [datetime(2026, 11, 4, 10, 0) + timedelta(weeks=2 * n) for n in range(4)]
    assert all(a.telehealth and a.modifiers == ("95",) for a in new_ones)
    assert changed.start == datetime(2026, 11, 4, 10, 0)
    week = vault.schedule.range(date(2026, 11, 2), date(2026, 11, 8))
    assert [a.start for a in week] == [datetime(2026, 11, 4, 10, 0)]  # one session that week, not two


def test_this_and_following_keeps_recorded_outcomes_once(vault: Vault, practice: Practice) -> None:
    sid = book_series(vault, practice.ana)
    first_id = on(vault, sid, date(2026, 10, 13))
    vault.schedule.set_status(first_id, AppointmentStatus.ATTENDED, now=NOW)
    target = vault.schedule.get(on(vault, sid, date(2026, 10, 13) - timedelta(weeks=1)))
    vault.schedule.change_occurrence(
        replace(target, start=datetime(2026, 10, 6, 11, 0)), SeriesScope.FOLLOWING, now=NOW
    )
    # The first occurrence was edited with "following": the whole series changes, the attended one stays.
    assert vault.schedule.get(first_id).status is AppointmentStatus.ATTENDED
    assert vault.schedule.get(first_id).start == datetime(2026, 10, 13, 10, 0)
    on_the_13th = vault.schedule.day(date(2026, 10, 13))
    assert len(on_the_13th) == 1
    assert vault.schedule.get(target.id or 0).start == datetime(2026, 10, 6, 11, 0)  # the edited one, past
    assert {a.start.time() for a in vault.schedule.occurrences(sid) if a.date_of_service > NOW.date()} == {time(11, 0)}


def test_a_marked_occurrence_cannot_change_its_series(vault: Vault, practice: Practice) -> None:
    sid = book_series(vault, practice.ana)
    done = vault.schedule.set_status(on(vault, sid, date(2026, 10, 13)), AppointmentStatus.ATTENDED, now=NOW)
    with pytest.raises(ValidationError, match="marked attended"):
        vault.schedule.change_occurrence(replace(done, duration_minutes=45), SeriesScope.ALL, now=NOW)


@pytest.mark.parametrize(
    ("scope", "cancelled_days"),
    [
        (SeriesScope.THIS, [date(2026, 11, 3)]),
        (SeriesScope.FOLLOWING, [date(2026, 11, 3) + timedelta(weeks=n) for n in range(9)]),
        (SeriesScope.ALL, [FIRST.date() + timedelta(weeks=n) for n in range(13) if n != 1]),
    ],
)
def test_cancel_reaches_one_the_rest_or_all_and_keeps_outcomes(
    vault: Vault, practice: Practice, scope: SeriesScope, cancelled_days: list[date]
) -> None:
    sid = book_series(vault, practice.ana)
    vault.schedule.set_status(on(vault, sid, date(2026, 10, 13)), AppointmentStatus.ATTENDED, now=NOW)
    count = vault.schedule.cancel_occurrence(on(vault, sid, date(2026, 11, 3)), scope, now=NOW)
    cancelled = [a.date_of_service for a in vault.schedule.occurrences(sid) if a.status is AppointmentStatus.CANCELLED]
    assert cancelled == cancelled_days
    assert count == len(cancelled_days)
    assert vault.schedule.get(on(vault, sid, date(2026, 10, 13))).status is AppointmentStatus.ATTENDED
