"""Daylight saving in the practice's zone: a spring-forward time is refused, a fall-back one asked about."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from therapy_desk.domain.scheduling import to_utc, wall_time_problem, wall_time_sentence, zone
from therapy_desk.errors import ValidationError

NEW_YORK = "America/New_York"


@pytest.mark.parametrize(
    ("start", "problem"),
    [
        (datetime(2026, 3, 8, 2, 0), "nonexistent"),
        (datetime(2026, 3, 8, 2, 30), "nonexistent"),
        (datetime(2026, 3, 8, 2, 59), "nonexistent"),
        (datetime(2026, 3, 8, 1, 59), None),
        (datetime(2026, 3, 8, 3, 0), None),
        (datetime(2026, 11, 1, 1, 0), "ambiguous"),
        (datetime(2026, 11, 1, 1, 30), "ambiguous"),
        (datetime(2026, 11, 1, 0, 59), None),
        (datetime(2026, 11, 1, 2, 0), None),
        (datetime(2026, 7, 1, 2, 30), None),
    ],
)
def test_wall_time_problem_finds_the_skipped_and_the_repeated_hour(start: datetime, problem: str | None) -> None:
    assert wall_time_problem(start, NEW_YORK) == problem


def test_a_zone_without_daylight_saving_has_no_problem_times() -> None:
    assert wall_time_problem(datetime(2026, 3, 8, 2, 30), "America/Phoenix") is None
    assert wall_time_problem(datetime(2026, 11, 1, 1, 30), "Etc/UTC") is None


def test_the_southern_hemisphere_jumps_in_october() -> None:
    assert wall_time_problem(datetime(2026, 10, 4, 2, 30), "Australia/Sydney") == "nonexistent"
    assert wall_time_problem(datetime(2026, 4, 5, 2, 30), "Australia/Sydney") == "ambiguous"


def test_the_spring_forward_sentence_names_the_time_the_day_the_zone_and_the_jump() -> None:
    assert wall_time_sentence(datetime(2026, 3, 8, 2, 30), NEW_YORK) == (
        "2:30 AM does not exist on March 8, 2026 in America/New_York: clocks jump from 2:00 AM to 3:00 AM. "
        "Pick another time."
    )


def test_the_fall_back_sentence_says_which_of_the_two_is_booked() -> None:
    sentence = wall_time_sentence(datetime(2026, 11, 1, 1, 30), NEW_YORK)
    assert sentence is not None
    assert "1:30 AM happens twice on November 1, 2026" in sentence
    assert "first 1:30 AM (EDT)" in sentence
    assert "(EST)" in sentence
    assert wall_time_sentence(datetime(2026, 11, 1, 10, 0), NEW_YORK) is None


def test_an_unknown_zone_is_refused_with_a_sentence() -> None:
    with pytest.raises(ValidationError, match="not a time zone") as caught:
        zone("Mars/Olympus_Mons")
    assert caught.value.field == "practice_time_zone"
    with pytest.raises(ValidationError):
        wall_time_problem(datetime(2026, 1, 1, 9, 0), "")


def test_to_utc_follows_the_offset_of_the_day() -> None:
    assert to_utc(datetime(2026, 10, 27, 10, 0), NEW_YORK) == datetime(2026, 10, 27, 14, 0, tzinfo=UTC)
    assert to_utc(datetime(2026, 11, 3, 10, 0), NEW_YORK) == datetime(2026, 11, 3, 15, 0, tzinfo=UTC)
    # A repeated time is its first occurrence (RFC 5545 reads local times so too).
    assert to_utc(datetime(2026, 11, 1, 1, 30), NEW_YORK) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
