"""A chart export: a copy of one client's record as a PDF, for a records request or an insurer's audit.

What the copy holds (`ChartExportOptions`: a period, the sections, and, only against a release on file that
names them, psychotherapy notes) and what the template is given (`ChartDocument`: everything already read
and filtered to the period). Pure: no storage, no Qt.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, tzinfo

from therapy_desk.domain.clients import CareContact, Client, Diagnosis, Release
from therapy_desk.domain.documents import Provider
from therapy_desk.domain.measures import MeasureResult
from therapy_desk.domain.notes import Note, ProcessNote
from therapy_desk.domain.plans import TreatmentPlan
from therapy_desk.errors import ValidationError

CONFIDENTIALITY = (
    "Confidential: protected health information. Redisclosure without the client's authorization may be "
    "prohibited by law (45 CFR 164; 42 CFR Part 2 where it applies)."
)


class ChartSection(enum.StrEnum):
    """The parts of a chart a copy may hold, in the order they are printed."""

    DEMOGRAPHICS = "demographics"
    DIAGNOSES = "diagnoses"
    PLANS = "plans"
    NOTES = "notes"
    MEASURES = "measures"
    CONTACTS = "contacts"
    RELEASES = "releases"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    ChartSection.DEMOGRAPHICS: "Demographics",
    ChartSection.DIAGNOSES: "Diagnoses",
    ChartSection.PLANS: "Treatment plans",
    ChartSection.NOTES: "Signed notes",
    ChartSection.MEASURES: "Measures",
    ChartSection.CONTACTS: "Care team",
    ChartSection.RELEASES: "Releases of information",
}
ALL_SECTIONS = frozenset(ChartSection)


def parse_sections(text: str) -> frozenset[ChartSection]:
    """ "notes,plans" as sections, or a sentence naming the word that is not one."""
    chosen: set[ChartSection] = set()
    for word in (w.strip().lower() for w in text.split(",")):
        if not word:
            continue
        try:
            chosen.add(ChartSection(word))
        except ValueError:
            names = ", ".join(s.value for s in ChartSection)
            raise ValidationError(f"'{word}' is not a chart section; the sections are {names}.", "sections") from None
    if not chosen:
        raise ValidationError("Pick at least one section of the chart to export.", "sections")
    return frozenset(chosen)


@dataclass(frozen=True)
class ChartExportOptions:
    """What a chart copy holds. `since`/`until` bound the notes, measures and plan versions (None: no bound);
    psychotherapy notes only with `psychotherapy_release_id`, a release of this client that covers them."""

    since: date | None = None
    until: date | None = None
    sections: frozenset[ChartSection] = ALL_SECTIONS
    psychotherapy_release_id: int | None = None

    def validated(self) -> ChartExportOptions:
        if not self.sections:
            raise ValidationError("Pick at least one section of the chart to export.", "sections")
        if self.since and self.until and self.until < self.since:
            raise ValidationError("The period ends before it starts.", "until")
        return self

    @property
    def includes_psychotherapy_notes(self) -> bool:
        return self.psychotherapy_release_id is not None

    def in_period(self, day: date | None) -> bool:
        """Whether a dated item falls inside the period (an undated one only when there is no bound)."""
        if day is None:
            return self.since is None and self.until is None
        return (self.since is None or day >= self.since) and (self.until is None or day <= self.until)

    def ordered_sections(self) -> tuple[ChartSection, ...]:
        return tuple(s for s in ChartSection if s in self.sections)


@dataclass(frozen=True)
class ChartDocument:
    """Everything a chart copy prints, already filtered to its options."""

    provider: Provider
    practice_name: str
    client: Client
    options: ChartExportOptions
    produced_on: date
    zone: tzinfo  # signature times are printed in the practice's time zone
    recipient: str = ""  # "Prepared for": empty for the clinician's own copy
    diagnoses: tuple[Diagnosis, ...] = ()
    plans: tuple[TreatmentPlan, ...] = ()
    notes: tuple[Note, ...] = ()
    measures: tuple[MeasureResult, ...] = ()
    contacts: tuple[CareContact, ...] = ()
    releases: tuple[Release, ...] = field(default=())
    psychotherapy_notes: tuple[ProcessNote, ...] = ()

    def period_text(self) -> str:
        since, until = self.options.since, self.options.until
        if since is None and until is None:
            return "All dates"
        if since is None:
            return f"Through {until:%m/%d/%Y}"
        if until is None:
            return f"From {since:%m/%d/%Y}"
        return f"{since:%m/%d/%Y} to {until:%m/%d/%Y}"

    def what(self) -> str:
        """What was disclosed, in words (no client detail): the disclosure log's "what"."""
        parts = [s.label.lower() for s in self.options.ordered_sections()]
        if self.options.includes_psychotherapy_notes:
            parts.append("psychotherapy notes")
        return f"Chart copy (PDF): {', '.join(parts)}; {self.period_text().lower()}"
