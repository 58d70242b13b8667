"""Rotation: which backups are kept, over random folders and over two years of daily backups."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from therapy_desk.domain.rotation import RotationPolicy, to_delete, to_keep
from therapy_desk.errors import ValidationError

START = datetime(2024, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)

moments = st.integers(min_value=0, max_value=int((NOW - START).total_seconds()) + 86_400 * 3).map(
    lambda s: START + timedelta(seconds=s)
)
folders = st.lists(moments, min_size=1, max_size=120, unique=True)
limits = st.integers(min_value=0, max_value=30)
policies = st.builds(RotationPolicy, st.integers(min_value=1, max_value=10), limits, limits, limits)


@st.composite
def folders_with_protected(draw: st.DrawFn) -> tuple[list[datetime], set[datetime]]:
    times = draw(folders)
    return times, set(draw(st.lists(st.sampled_from(times), max_size=3)))


@given(folders_with_protected(), policies)
def test_a_protected_backup_is_never_deleted(
    folder: tuple[list[datetime], set[datetime]], policy: RotationPolicy
) -> None:
    times, protected = folder
    assert not to_delete(times, NOW, policy, protect=protected) & protected


@given(folders, policies)
def test_the_newest_backup_is_never_deleted(times: list[datetime], policy: RotationPolicy) -> None:
    assert max(times) in to_keep(times, NOW, policy)


@given(folders_with_protected(), policies)
def test_no_more_are_kept_than_the_limits_and_the_protected(
    folder: tuple[list[datetime], set[datetime]], policy: RotationPolicy
) -> None:
    times, protected = folder
    kept = to_keep(times, NOW, policy, protect=protected)
    assert len(kept) <= policy.most_kept + len(protected)
    assert kept <= set(times)
    assert to_delete(times, NOW, policy, protect=protected) == set(times) - kept


@settings(max_examples=200)
@given(folders_with_protected(), policies, st.sampled_from(["UTC", "America/New_York", "Pacific/Kiritimati"]))
def test_rotating_again_deletes_nothing_more(
    folder: tuple[list[datetime], set[datetime]], policy: RotationPolicy, zone_name: str
) -> None:
    times, protected = folder
    zone = ZoneInfo(zone_name)
    kept = to_keep(times, NOW, policy, protect=protected, zone=zone)
    assert not to_delete(sorted(kept), NOW, policy, protect=protected, zone=zone)


def test_each_rule_keeps_the_newest_of_its_period() -> None:
    times = [
        datetime(2026, 12, 2, 9, tzinfo=UTC),
        datetime(2026, 12, 1, 9, tzinfo=UTC),
        datetime(2026, 12, 1, 18, tzinfo=UTC),  # newest of 1 December
        datetime(2026, 11, 29, 8, tzinfo=UTC),  # Sunday: newest of the week before this one
        datetime(2026, 11, 24, 8, tzinfo=UTC),  # same week, older: gone
        datetime(2026, 10, 31, 8, tzinfo=UTC),  # newest of October
        datetime(2026, 10, 2, 8, tzinfo=UTC),  # same month, older: gone
    ]
    policy = RotationPolicy(keep_newest=1, keep_daily=2, keep_weekly=2, keep_monthly=3)
    assert to_delete(times, NOW, policy) == {times[1], times[4], times[6]}


def test_days_are_counted_in_the_zone_given() -> None:
    new_york = ZoneInfo("America/New_York")
    now = datetime(2026, 3, 10, 12, tzinfo=UTC)
    late_on_the_8th = datetime(2026, 3, 9, 3, 30, tzinfo=UTC)  # 23:30 on 8 March in New York
    early_on_the_9th = datetime(2026, 3, 9, 5, tzinfo=UTC)  # 01:00 on 9 March in New York
    times = [late_on_the_8th, early_on_the_9th, now]
    policy = RotationPolicy(keep_newest=1, keep_daily=3, keep_weekly=0, keep_monthly=0)
    # In UTC both are on the 9th, so only the later one is kept; in New York each is its day's newest.
    assert to_delete(times, now, policy) == {late_on_the_8th}
    assert to_delete(times, now, policy, zone=new_york) == set()


def test_a_backup_stamped_in_the_future_counts_only_among_the_newest() -> None:
    now = datetime(2026, 12, 2, 12, tzinfo=UTC)
    future = [datetime(2030, 1, day, tzinfo=UTC) for day in (1, 2)]
    today = datetime(2026, 12, 2, 9, tzinfo=UTC)
    policy = RotationPolicy(keep_newest=1, keep_daily=1, keep_weekly=0, keep_monthly=0)
    assert to_keep([*future, today], now, policy) == {future[1], today}


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        to_keep([datetime(2026, 1, 1)], NOW, RotationPolicy())


@pytest.mark.parametrize(
    ("changes", "field", "sentence"),
    [
        (
            {"keep_newest": 0},
            "keep_newest",
            "The number of newest backups to keep must be a whole number from 1 to 999.",
        ),
        (
            {"keep_daily": -1},
            "keep_daily",
            "The number of days with a daily backup must be a whole number from 0 to 999.",
        ),
        ({"keep_weekly": 1000}, "keep_weekly", "weeks with a weekly backup must be a whole number from 0 to 999"),
        ({"keep_monthly": 2.5}, "keep_monthly", "months with a monthly backup must be a whole number"),
        ({"keep_monthly": True}, "keep_monthly", "months with a monthly backup must be a whole number"),
        ({"keep_daily": "14"}, "keep_daily", "days with a daily backup must be a whole number"),
    ],
)
def test_a_policy_with_a_number_out_of_range_is_refused_with_a_sentence(
    changes: dict[str, object], field: str, sentence: str
) -> None:
    data: dict[str, object] = {**RotationPolicy().to_json_dict(), **changes}
    with pytest.raises(ValidationError, match=sentence) as caught:
        RotationPolicy.from_json_dict(data)
    assert caught.value.field == field


def test_the_defaults_are_the_issues_and_every_number_can_be_changed() -> None:
    assert RotationPolicy().to_json_dict() == {"keep_newest": 3, "keep_daily": 14, "keep_weekly": 8, "keep_monthly": 24}
    edited = RotationPolicy(keep_newest=1, keep_daily=0, keep_weekly=0, keep_monthly=999)
    assert RotationPolicy.from_json_dict(edited.to_json_dict()) == edited


# Two years of backups: one a day at 09:00 UTC from Monday 6 January 2025 to Tuesday 5 January 2027, a
# second at 21:00 on the 1st and 15th of each month, none from 23 to 29 December 2026 (a week away).
FIRST_DAY = date(2025, 1, 6)
LAST_DAY = date(2027, 1, 5)
AWAY = {date(2026, 12, 23) + timedelta(days=n) for n in range(7)}


def _simulated_days() -> list[list[datetime]]:
    days = []
    day = FIRST_DAY
    while day <= LAST_DAY:
        if day not in AWAY:
            taken = [datetime.combine(day, time(9), UTC)]
            if day.day in (1, 15):
                taken.append(datetime.combine(day, time(21), UTC))
            days.append(taken)
        day += timedelta(days=1)
    return days


def test_two_years_of_daily_backups_rotated_after_each_leave_what_each_rule_promises() -> None:
    policy = RotationPolicy()
    folder: set[datetime] = set()
    made: list[datetime] = []
    for taken_that_day in _simulated_days():
        for taken in taken_that_day:
            folder.add(taken)
            made.append(taken)
            # The newest verified backup is the one just made, as the writer verifies before rotating.
            folder -= to_delete(sorted(folder), taken, policy, protect={taken})
            assert set(made[-3:]) <= folder, f"the newest three were not all there after {taken:%Y-%m-%d %H:%M}"
    # 730 days from the first to the last, a week away; a second backup on 48 of the 1sts and 15ths.
    assert len(made) == 730 - 7 + 48

    def at(month: int, day: int, year: int = 2026, hour: int = 9) -> datetime:
        return datetime(year, month, day, hour, tzinfo=UTC)

    newest = {at(1, 5, 2027), at(1, 4, 2027), at(1, 3, 2027)}
    # The other days of the last 14 with a backup: 30 and 31 December, 1 January (its later one), 2 January.
    daily = {at(12, 30), at(12, 31), at(1, 1, 2027, hour=21), at(1, 2, 2027)}
    # The last 8 weeks start on Monday 16 November: each week's Sunday, and 22 December before the week away.
    weekly = {at(11, 22), at(11, 29), at(12, 6), at(12, 13), at(12, 20), at(12, 22)}
    # The last 24 months start in February 2025: the last day of each up to November 2026, which no other
    # rule keeps (30 November is a Monday whose week ends in December).
    monthly = {
        datetime.combine(date(year, month + 1, 1) - timedelta(days=1), time(9), UTC)
        if month < 12
        else datetime(year, 12, 31, 9, tzinfo=UTC)
        for year, month in [(2025 + (m - 1) // 12, (m - 1) % 12 + 1) for m in range(2, 24)]
    }
    assert (len(newest), len(daily), len(weekly), len(monthly)) == (3, 4, 6, 22)
    assert folder == newest | daily | weekly | monthly
    # Rotating after every backup kept what one rotation of them all at the end keeps.
    assert folder == to_keep(made, made[-1], policy)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.integers(min_value=1, max_value=60 * 60 * 24 * 9), min_size=1, max_size=150),
    policies,
    st.sampled_from(["UTC", "America/New_York", "Australia/Lord_Howe"]),
)
def test_rotating_after_every_backup_keeps_what_one_rotation_at_the_end_keeps(
    gaps: list[int], policy: RotationPolicy, zone_name: str
) -> None:
    zone = ZoneInfo(zone_name)
    folder: set[datetime] = set()
    made: list[datetime] = []
    taken = START
    for gap in gaps:
        taken += timedelta(seconds=gap)
        made.append(taken)
        folder = to_keep(sorted(folder | {taken}), taken, policy, zone=zone)
        assert set(made[-policy.keep_newest :]) <= folder
    assert folder == to_keep(made, made[-1], policy, zone=zone)
