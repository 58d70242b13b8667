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


@dataclass(frozen=True)
class Score:
    instrument: Instrument
    total: int
    band: str
    flags: tuple[str, ...]

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


def score(instrument: Instrument | str, answers: Sequence[int]) -> Score:
    """Total, severity band and flags for a complete set of item answers."""
    instrument = instrument_of(instrument)
    spec = SPECS[instrument]
    if isinstance(answers, str | bytes) or not isinstance(answers, Sequence):
        raise ValidationError(f"The {instrument} answers must be a list of item scores.", "answers")
    if len(answers) != spec.items:
        raise ValidationError(f"The {instrument} has {spec.items} items; {len(answers)} answers were given.", "answers")
    for number, answer in enumerate(answers, start=1):
        if not isinstance(answer, int) or isinstance(answer, bool) or not 0 <= answer <= spec.item_max:
            raise ValidationError(f"{instrument} item {number} must be scored 0 to {spec.item_max}.", "answers")
    total = sum(answers)
    band = next(b.label for b in spec.bands if b.low <= total <= b.high)
    flags: list[str] = []
    if instrument is Instrument.PHQ9 and answers[8] > 0:
        flags.append(PHQ9_ITEM9_FLAG)
    return Score(instrument, total, band, tuple(flags))


@dataclass(frozen=True)
class MeasureResult:
    """One administration of an instrument to a client, as recorded in the chart."""

    client_id: int
    instrument: Instrument
    administered_on: date
    answers: tuple[int, ...]
    total: int
    band: str
    flags: tuple[str, ...] = ()
    id: int | None = None
    note_id: int | None = None  # the session note it was given in, if any
    recorded_at: datetime | None = None  # UTC
    followed_up_at: datetime | None = None  # UTC; only for results that need immediate follow-up
    followed_up_by: str = ""

    @property
    def total_max(self) -> int:
        return SPECS[self.instrument].total_max

    @property
    def needs_immediate_follow_up(self) -> bool:
        return PHQ9_ITEM9_FLAG in self.flags

    @property
    def open_flag(self) -> bool:
        """A flag that nobody has followed up yet (listed on the Today view)."""
        return self.needs_immediate_follow_up and self.followed_up_at is None
