from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from therapy_desk.domain.measures import PHQ9_ITEM9_FLAG, SPECS, Instrument, score
from therapy_desk.errors import ValidationError

ITEMS = {Instrument.PHQ9: 9, Instrument.GAD7: 7, Instrument.PCL5: 20}
ITEM_MAX = {Instrument.PHQ9: 3, Instrument.GAD7: 3, Instrument.PCL5: 4}
TOTAL_MAX = {Instrument.PHQ9: 27, Instrument.GAD7: 21, Instrument.PCL5: 80}


@st.composite
def administrations(draw: st.DrawFn) -> tuple[Instrument, list[int]]:
    instrument = draw(st.sampled_from(list(Instrument)))
    answers = draw(
        st.lists(st.integers(0, ITEM_MAX[instrument]), min_size=ITEMS[instrument], max_size=ITEMS[instrument])
    )
    return instrument, answers


def _answers_totalling(instrument: Instrument, total: int) -> list[int]:
    """A valid answer set with the given total, item 9 left at 0 so no flag interferes."""
    answers = [0] * ITEMS[instrument]
    remaining = total
    for index in range(len(answers)):
        if instrument is Instrument.PHQ9 and index == 8:
            continue
        answers[index] = min(ITEM_MAX[instrument], remaining)
        remaining -= answers[index]
    assert remaining == 0, "total not reachable without item 9"
    return answers


def test_the_specs_match_domain_md() -> None:
    for instrument in Instrument:
        assert SPECS[instrument].items == ITEMS[instrument]
        assert SPECS[instrument].total_max == TOTAL_MAX[instrument]
    assert SPECS[Instrument.PHQ9].loinc_total == "44261-6"
    assert SPECS[Instrument.GAD7].loinc_total == "70274-6"
    assert "No permission required" in SPECS[Instrument.PHQ9].notice
    assert "No permission required" in SPECS[Instrument.GAD7].notice


@given(administrations())
def test_total_is_the_sum_within_bounds_and_always_has_a_band(case: tuple[Instrument, list[int]]) -> None:
    instrument, answers = case
    result = score(instrument, answers)
    assert result.total == sum(answers)
    assert 0 <= result.total <= TOTAL_MAX[instrument]
    assert result.band in {band.label for band in SPECS[instrument].bands}


@given(administrations())
def test_item9_flag_is_raised_exactly_when_phq9_item9_is_above_zero(case: tuple[Instrument, list[int]]) -> None:
    instrument, answers = case
    result = score(instrument, answers)
    expected = instrument is Instrument.PHQ9 and answers[8] > 0
    assert result.needs_immediate_follow_up == expected
    assert (PHQ9_ITEM9_FLAG in result.flags) == expected


@given(st.sampled_from(list(Instrument)), st.data())
def test_a_wrong_number_of_answers_is_refused(instrument: Instrument, data: st.DataObject) -> None:
    count = data.draw(st.integers(0, 30).filter(lambda n: n != ITEMS[instrument]))
    with pytest.raises(ValidationError, match=f"has {ITEMS[instrument]} items") as err:
        score(instrument, [0] * count)
    assert err.value.field == "answers"


@given(administrations(), st.data())
def test_an_answer_outside_the_item_range_is_refused(case: tuple[Instrument, list[int]], data: st.DataObject) -> None:
    instrument, answers = case
    index = data.draw(st.integers(0, len(answers) - 1))
    answers[index] = data.draw(st.integers().filter(lambda n: not 0 <= n <= ITEM_MAX[instrument]))
    with pytest.raises(ValidationError, match=f"item {index + 1} must be scored 0 to {ITEM_MAX[instrument]}"):
        score(instrument, answers)


@pytest.mark.parametrize("bad", [True, 1.0, "1"])  # None is an unanswered item (test_measures_partial.py)
def test_answers_that_are_not_whole_numbers_are_refused(bad: Any) -> None:
    answers: list[Any] = [0] * 9
    answers[3] = bad
    with pytest.raises(ValidationError, match="item 4"):
        score(Instrument.PHQ9, answers)


@pytest.mark.parametrize(
    ("instrument", "total", "band"),
    [
        (Instrument.PHQ9, 0, "minimal"),
        (Instrument.PHQ9, 4, "minimal"),
        (Instrument.PHQ9, 5, "mild"),
        (Instrument.PHQ9, 9, "mild"),
        (Instrument.PHQ9, 10, "moderate"),
        (Instrument.PHQ9, 14, "moderate"),
        (Instrument.PHQ9, 15, "moderately severe"),
        (Instrument.PHQ9, 19, "moderately severe"),
        (Instrument.PHQ9, 20, "severe"),
        (Instrument.PHQ9, 24, "severe"),
        (Instrument.GAD7, 4, "minimal"),
        (Instrument.GAD7, 5, "mild"),
        (Instrument.GAD7, 9, "mild"),
        (Instrument.GAD7, 10, "moderate"),
        (Instrument.GAD7, 14, "moderate"),
        (Instrument.GAD7, 15, "severe"),
        (Instrument.GAD7, 21, "severe"),
        (Instrument.PCL5, 30, "below provisional cut-off"),
        (Instrument.PCL5, 31, "at or above provisional cut-off (31-33)"),
        (Instrument.PCL5, 80, "at or above provisional cut-off (31-33)"),
    ],
)
def test_band_edges_follow_domain_md(instrument: Instrument, total: int, band: str) -> None:
    result = score(instrument, _answers_totalling(instrument, total))
    assert result.total == total
    assert result.band == band


def test_phq9_top_score_is_severe_and_flagged() -> None:
    result = score(Instrument.PHQ9, [3] * 9)
    assert (result.total, result.band) == (27, "severe")
    assert result.needs_immediate_follow_up


def test_item9_flag_is_raised_whatever_the_total() -> None:
    result = score(Instrument.PHQ9, [0, 0, 0, 0, 0, 0, 0, 0, 1])
    assert result.total == 1
    assert result.band == "minimal"
    assert result.needs_immediate_follow_up


def test_instrument_named_by_plain_text_is_scored_and_flagged_the_same() -> None:
    result = score("PHQ-9", [0, 0, 0, 0, 0, 0, 0, 0, 2])
    assert result.instrument is Instrument.PHQ9
    assert result.needs_immediate_follow_up


def test_unknown_instrument_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError, match="is not a measure") as err:
        score("BDI-II", [0] * 21)
    assert err.value.field == "instrument"


def test_answers_given_as_text_are_refused() -> None:
    with pytest.raises(ValidationError, match="list of item scores"):
        score(Instrument.PHQ9, "000000000")  # type: ignore[arg-type]
