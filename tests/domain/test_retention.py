"""Retention dates: years after the last service, and for minors years after they come of age."""

from __future__ import annotations

from datetime import date

import pytest

from therapy_desk.domain.retention import (
    RetentionRules,
    add_years,
    clean_reason,
    last_service,
    retention_date,
    rules_from_settings,
)
from therapy_desk.errors import ValidationError

RULES = RetentionRules()  # 7 years after service; majority at 18, then 7 years


def test_an_adult_record_is_kept_seven_years_after_the_last_service() -> None:
    assert retention_date(RULES, date(2019, 3, 14), date(1980, 5, 1)) == date(2026, 3, 14)


def test_a_minor_is_kept_until_years_after_coming_of_age_when_that_is_later() -> None:
    # 12 at the last service: of age 2030-06-01, kept to 2037-06-01 (service + 7 would be 2025).
    assert retention_date(RULES, date(2018, 9, 1), date(2012, 6, 1)) == date(2037, 6, 1)


def test_a_minor_whose_last_service_date_gives_the_later_day() -> None:
    # 17 at the last service, of age five months later: service + 7 years is the later day.
    rules = RetentionRules(years_after_service=10, years_after_majority=3)
    assert retention_date(rules, date(2020, 1, 10), date(2002, 6, 1)) == date(2030, 1, 10)


def test_someone_of_age_at_the_last_service_is_not_treated_as_a_minor() -> None:
    rules = RetentionRules(years_after_service=1, years_after_majority=20)
    assert retention_date(rules, date(2020, 6, 1), date(2002, 6, 1)) == date(2021, 6, 1)


def test_leap_days_land_on_28_february() -> None:
    assert add_years(date(2024, 2, 29), 7) == date(2031, 2, 28)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)
    assert retention_date(RULES, date(2020, 2, 29), None) == date(2027, 2, 28)
    # Born 29 Feb 2008: of age 28 Feb 2026, kept to 28 Feb 2033.
    assert retention_date(RULES, date(2015, 1, 1), date(2008, 2, 29)) == date(2033, 2, 28)


def test_the_last_service_is_the_latest_of_session_note_and_charge_else_intake_else_creation() -> None:
    got = last_service(attended=date(2020, 1, 1), signed_note=date(2020, 2, 1), charge=date(2019, 12, 1),
                       intake=date(2018, 1, 1), created=date(2017, 1, 1))  # fmt: skip
    assert got == date(2020, 2, 1)
    none = {"attended": None, "signed_note": None, "charge": None}
    assert last_service(**none, intake=date(2018, 1, 1), created=date(2017, 1, 1)) == date(2018, 1, 1)
    assert last_service(**none, intake=None, created=date(2017, 1, 1)) == date(2017, 1, 1)


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ((None, None, None), RetentionRules(7, 18, 7)),
        (("10", "21", "5"), RetentionRules(10, 21, 5)),
        (("-3", "eighteen", "1e9"), RetentionRules(7, 18, 7)),
        (("101", "13", " 4 "), RetentionRules(7, 18, 4)),
        (("", "99999999999999999999", "0"), RetentionRules(7, 18, 0)),
    ],
)
def test_settings_are_read_as_hostile_and_fall_back_to_the_defaults(
    stored: tuple[str | None, str | None, str | None], expected: RetentionRules
) -> None:
    assert rules_from_settings(*stored) == expected


def test_rules_out_of_range_are_refused_with_a_sentence() -> None:
    with pytest.raises(ValidationError, match="Age of majority must be a whole number from 14 to 25"):
        RetentionRules(age_of_majority=30).validated()
    assert RetentionRules(0, 14, 100).validated() == RetentionRules(0, 14, 100)


def test_a_reason_is_required_and_kept_on_one_line() -> None:
    assert clean_reason("  Retention period\n ended (OR 858-040)  ") == "Retention period ended (OR 858-040)"
    with pytest.raises(ValidationError, match="reason or the authority"):
        clean_reason(" \n ")
