"""Partial forms, the PHQ-9 difficulty question and the item texts (DOMAIN.md, "Measures")."""

from __future__ import annotations

import pytest

from therapy_desk.domain.measure_items import CHOICES, DIFFICULTY_LABELS, ITEMS, STEMS
from therapy_desk.domain.measures import (
    PHQ9_ITEM9_FLAG,
    SPECS,
    Difficulty,
    Instrument,
    difficulty_of,
    score,
)
from therapy_desk.errors import ValidationError


def test_a_partial_form_totals_the_answered_items_and_is_marked_incomplete() -> None:
    scored = score(Instrument.GAD7, [3, None, 3, 2, None, 2, 1])
    assert (scored.total, scored.complete, scored.band) == (11, False, "moderate")
    assert score(Instrument.GAD7, [3, 0, 3, 2, 0, 2, 1]).complete


def test_item9_above_zero_is_flagged_even_when_every_other_item_is_missing() -> None:
    scored = score(Instrument.PHQ9, [None] * 8 + [2])
    assert scored.flags == (PHQ9_ITEM9_FLAG,)
    assert (scored.total, scored.complete) == (2, False)
    assert score(Instrument.PHQ9, [3] * 8 + [None]).flags == ()  # item 9 unanswered: nothing to flag
    assert score(Instrument.PHQ9, [3] * 8 + [0]).flags == ()


def test_a_form_with_no_item_answered_is_refused() -> None:
    with pytest.raises(ValidationError, match="at least one item") as err:
        score(Instrument.PCL5, [None] * 20)
    assert err.value.field == "answers"


def test_a_missing_item_still_counts_towards_the_length() -> None:
    with pytest.raises(ValidationError, match="has 9 items; 8"):
        score(Instrument.PHQ9, [None] * 7 + [1])


def test_the_difficulty_question_belongs_to_the_phq9_only() -> None:
    assert difficulty_of(Instrument.PHQ9, "very difficult") is Difficulty.VERY
    assert difficulty_of(Instrument.PHQ9, None) is None
    with pytest.raises(ValidationError, match="Only the PHQ-9"):
        difficulty_of(Instrument.GAD7, Difficulty.SOMEWHAT)
    with pytest.raises(ValidationError, match="one of") as err:
        difficulty_of(Instrument.PHQ9, "a bit")
    assert err.value.field == "difficulty"


@pytest.mark.parametrize("instrument", list(Instrument))
def test_every_item_has_its_words_and_every_score_its_choice(instrument: Instrument) -> None:
    spec = SPECS[instrument]
    assert len(ITEMS[instrument]) == spec.items
    assert len(CHOICES[instrument]) == spec.item_max + 1
    assert STEMS[instrument]
    assert all(text.strip() for text in ITEMS[instrument])


def test_phq9_item9_is_the_self_harm_question_and_every_difficulty_has_its_words() -> None:
    assert "hurting yourself" in ITEMS[Instrument.PHQ9][8]
    assert set(DIFFICULTY_LABELS) == set(Difficulty)
