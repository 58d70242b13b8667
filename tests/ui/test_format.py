"""Counts read as people write them: "1 minute", "0 minutes", "2 minutes", in every helper that shows one."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from therapy_desk.domain.billing import Coverage, CoverageRank
from therapy_desk.domain.text import noun, plural
from therapy_desk.storage.integrity import CheckReport
from therapy_desk.ui.chart_overview import coverage_text
from therapy_desk.ui.format import fmt_age, fmt_days, fmt_relative
from therapy_desk.ui.today import _due_text
from therapy_desk.ui.vault_check import verdict

TODAY = date(2026, 3, 4)
WHEN = datetime(2026, 3, 4, 14, 5)


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, "0 minutes"), (1, "1 minute"), (2, "2 minutes"), (-1, "-1 minute"), (1204, "1,204 minutes")],
)
def test_plural_counts_minutes(count: int, expected: str) -> None:
    assert plural(count, "minute") == expected


@pytest.mark.parametrize(("count", "expected"), [(0, "0 addenda"), (1, "1 addendum"), (2, "2 addenda")])
def test_plural_takes_an_irregular_plural(count: int, expected: str) -> None:
    assert plural(count, "addendum", "addenda") == expected


@pytest.mark.parametrize(("count", "expected"), [(0, "clients match"), (1, "client matches"), (2, "clients match")])
def test_noun_agrees_with_its_count(count: int, expected: str) -> None:
    assert f"{noun(count, 'client')} {noun(count, 'matches', 'match')}" == expected


@pytest.mark.parametrize(("days", "expected"), [(0, "0 days"), (1, "1 day"), (2, "2 days")])
def test_fmt_days(days: int, expected: str) -> None:
    assert fmt_days(days) == expected


@pytest.mark.parametrize(("days", "expected"), [(0, "today"), (1, "1 day"), (2, "2 days"), (-1, "in 1 day")])
def test_fmt_age(days: int, expected: str) -> None:
    assert fmt_age(TODAY - timedelta(days=days), TODAY) == expected


@pytest.mark.parametrize(
    ("days", "expected"),
    [(0, "today"), (1, "tomorrow"), (2, "in 2 days"), (-1, "yesterday"), (-2, "2 days ago")],
)
def test_fmt_relative(days: int, expected: str) -> None:
    assert fmt_relative(TODAY + timedelta(days=days), TODAY) == expected


@pytest.mark.parametrize(
    ("days_late", "expected"), [(1, "1 day overdue"), (2, "2 days overdue"), (0, "today"), (-2, "in 2 days")]
)
def test_todays_due_column(days_late: int, expected: str) -> None:
    assert _due_text(TODAY - timedelta(days=days_late), TODAY) == expected


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (0, "audit log of 0 events is unbroken, and 0 signed notes, 0 addenda and 0 treatment plans match"),
        (1, "audit log of 1 event is unbroken, and 1 signed note, 1 addendum and 1 treatment plan match"),
        (2, "audit log of 2 events is unbroken, and 2 signed notes, 2 addenda and 2 treatment plans match"),
    ],
)
def test_vault_check_counts_what_it_verified(count: int, expected: str) -> None:
    report = CheckReport(audit_rows=count, notes=count, addenda=count, plans=count)
    assert expected in verdict(report, WHEN)


@pytest.mark.parametrize(("count", "expected"), [(1, ": 1 problem found."), (2, ": 2 problems found.")])
def test_vault_check_counts_problems(count: int, expected: str) -> None:
    report = CheckReport(problems=[f"problem {n}" for n in range(count)])
    assert expected in verdict(report, WHEN)


@pytest.mark.parametrize(("visits", "expected"), [(0, "0 visits"), (1, "1 visit"), (2, "2 visits")])
def test_coverage_counts_authorized_visits(visits: int, expected: str) -> None:
    coverage = Coverage(
        client_id=1,
        payer_id=1,
        rank=CoverageRank.PRIMARY,
        member_id="XJ123",
        start_date=TODAY,
        authorization_number="A-77",
        authorized_visits=visits,
        payer_name="Aetna",
    )
    assert f"authorization A-77, {expected}" in coverage_text(coverage).split(" · ")
