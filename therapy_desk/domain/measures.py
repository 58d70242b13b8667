"""Standardised measures: PHQ-9, GAD-7 and PCL-5 scoring, severity bands and flags (DOMAIN.md)."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from therapy_desk.errors import ValidationError


class Instrument(enum.StrEnum):
    PHQ9 = "PHQ-9"
    GAD7 = "GAD-7"
    PCL5 = "PCL-5"


class Difficulty(enum.StrEnum):
    """The PHQ-9's last question: how difficult the problems made life (kept with the result, not scored)."""

    NOT_AT_ALL = "not difficult at all"
    SOMEWHAT = "somewhat difficult"
    VERY = "very difficult"
    EXTREMELY = "extremely difficult"


@dataclass(frozen=True)
class Band:
    low: int
    high: int
    label: str


@dataclass(frozen=True)
class InstrumentSpec:
    instrument: Instrument
    title: str
    items: int
    item_max: int
    bands: tuple[Band, ...]
    loinc_total: str | None = None
    notice: str = ""

    @property
    def total_max(self) -> int:
        return self.items * self.item_max


_PHQ_GAD_NOTICE = "Developed by Drs. Spitzer, Williams, Kroenke and colleagues. No permission required to reproduce."

SPECS: dict[Instrument, InstrumentSpec] = {
    Instrument.PHQ9: InstrumentSpec(
        Instrument.PHQ9,
        "Patient Health Questionnaire (PHQ-9)",
        items=9,
        item_max=3,
        bands=(
            Band(0, 4, "minimal"),
            Band(5, 9, "mild"),
            Band(10, 14, "moderate"),
            Band(15, 19, "moderately severe"),
            Band(20, 27, "severe"),
        ),
        loinc_total="44261-6",
        notice=_PHQ_GAD_NOTICE,
    ),
    Instrument.GAD7: InstrumentSpec(
        Instrument.GAD7,
        "Generalized Anxiety Disorder scale (GAD-7)",
        items=7,
        item_max=3,
        bands=(Band(0, 4, "minimal"), Band(5, 9, "mild"), Band(10, 14, "moderate"), Band(15, 21, "severe")),
        loinc_total="70274-6",
        notice=_PHQ_GAD_NOTICE,
    ),
    Instrument.PCL5: InstrumentSpec(
        Instrument.PCL5,
        "PTSD Checklist for DSM-5 (PCL-5)",
        items=20,
        item_max=4,
        # 31-33 is the provisional cut-off range; at or above 31 suggests probable PTSD.
        bands=(Band(0, 30, "below provisional cut-off"), Band(31, 80, "at or above provisional cut-off (31-33)")),
        notice="PCL-5 by the National Center for PTSD (US Department of Veterans Affairs); public domain.",
    ),
}

PHQ9_ITEM9_LOINC = "44260-8"
PHQ9_ITEM9_FLAG = "PHQ-9 item 9 (thoughts of self-harm) answered above 0: follow up now, whatever the total."


Answer = int | None  # an item's score, or None when the item was left unanswered


@dataclass(frozen=True)
class Score:
    instrument: Instrument
    total: int  # of the answered items
    band: str  # of that total; with unanswered items the true total can only be higher
    flags: tuple[str, ...]
    complete: bool = True  # every item answered

    @property
    def needs_immediate_follow_up(self) -> bool:
        """PHQ-9 item 9 above 0 (DOMAIN.md): follow up now, whatever the total."""
        return PHQ9_ITEM9_FLAG in self.flags


def instrument_of(value: Instrument | str) -> Instrument:
    """The instrument named by `value` ("PHQ-9", "GAD-7", "PCL-5"), or `ValidationError`."""
    try:
        return Instrument(value)
    except ValueError:
        known = ", ".join(i.value for i in Instrument)
        raise ValidationError(
            f"{value!r} is not a measure this app scores; use one of {known}.", "instrument"
        ) from None


def score(instrument: Instrument | str, answers: Sequence[Answer]) -> Score:
    """Total, severity band and flags for one form's answers; an unanswered item is None.

    A partial form is scored on the items answered and marked incomplete; PHQ-9 item 9 above 0 raises its
    flag whatever else is missing. A form with no item answered is refused.
    """
    instrument = instrument_of(instrument)
    spec = SPECS[instrument]
    if isinstance(answers, str | bytes) or not isinstance(answers, Sequence):
        raise ValidationError(f"The {instrument} answers must be a list of item scores.", "answers")
    if len(answers) != spec.items:
        raise ValidationError(f"The {instrument} has {spec.items} items; {len(answers)} answers were given.", "answers")
    for number, answer in enumerate(answers, start=1):
        if answer is None:
            continue
        if not isinstance(answer, int) or isinstance(answer, bool) or not 0 <= answer <= spec.item_max:
            raise ValidationError(f"{instrument} item {number} must be scored 0 to {spec.item_max}.", "answers")
    answered = [a for a in answers if a is not None]
    if not answered:
        raise ValidationError(f"Answer at least one item of the {instrument} to record it.", "answers")
    total = sum(answered)
    band = next(b.label for b in spec.bands if b.low <= total <= b.high)
    flags: list[str] = []
    item9 = answers[8] if instrument is Instrument.PHQ9 else None
    if item9 is not None and item9 > 0:
        flags.append(PHQ9_ITEM9_FLAG)
    return Score(instrument, total, band, tuple(flags), complete=len(answered) == spec.items)


def difficulty_of(instrument: Instrument, value: Difficulty | str | None) -> Difficulty | None:
    """The PHQ-9 difficulty answer named by `value` (None: not answered); other instruments have none."""
    if value is None or value == "":
        return None
    if instrument is not Instrument.PHQ9:
        raise ValidationError(f"Only the PHQ-9 asks how difficult the problems made life, not the {instrument}.",
                              "difficulty")  # fmt: skip
    try:
        return Difficulty(value)
    except ValueError:
        known = ", ".join(d.value for d in Difficulty)
        raise ValidationError(f"How difficult the problems made life is one of: {known}.", "difficulty") from None


@dataclass(frozen=True)
class MeasureResult:
    """One administration of an instrument to a client, as recorded in the chart."""

    client_id: int
    instrument: Instrument
    administered_on: date
    answers: tuple[Answer, ...]
    total: int  # of the answered items
    band: str
    flags: tuple[str, ...] = ()
    id: int | None = None
    note_id: int | None = None  # the session note it was given in, if any
    recorded_at: datetime | None = None  # UTC
    followed_up_at: datetime | None = None  # UTC; only for results that need immediate follow-up
    followed_up_by: str = ""
    complete: bool = True  # False: some items were left unanswered; the total counts the answered ones
    difficulty: Difficulty | None = None  # PHQ-9 only
    follow_up_action: str = ""  # what was done about the flag
    entered_in_error_at: datetime | None = None  # UTC; the result stays, out of scores and lists of flags
    entered_in_error_reason: str = ""

    @property
    def in_error(self) -> bool:
        """Marked entered in error: kept (struck through), left out of score history and latest scores."""
        return self.entered_in_error_at is not None

    @property
    def answered(self) -> int:
        return sum(1 for a in self.answers if a is not None)

    @property
    def total_max(self) -> int:
        return SPECS[self.instrument].total_max

    @property
    def needs_immediate_follow_up(self) -> bool:
        return PHQ9_ITEM9_FLAG in self.flags

    @property
    def open_flag(self) -> bool:
        """A flag that nobody has followed up yet (listed on the Today view)."""
        return self.needs_immediate_follow_up and self.followed_up_at is None and not self.in_error
