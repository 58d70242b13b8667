"""Clinical notes: kinds, formats and their sections, mental status exam, risk assessment, signing rules.

A note is drafted, then signed; signing fixes its content under a SHA-256 of its canonical JSON
(`canonical_content`). Corrections to a signed note are signed addenda. Psychotherapy (process)
notes are a separate type (`ProcessNote`) and are never mixed with the clinical record.
"""

from __future__ import annotations

import enum
import hashlib
import json
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from typing import Any, TypeVar

from therapy_desk.domain import validation as v
from therapy_desk.errors import ValidationError

CANONICAL_VERSION = 1
MAX_SECTION_CHARS = 100_000
MAX_LIST_ITEMS = 50
MAX_ITEM_CHARS = 200

SIGNED_NOTE_MESSAGE = "This note is signed; add an addendum instead."


class NoteKind(enum.StrEnum):
    INTAKE = "intake assessment"
    PROGRESS = "progress"
    PLAN_REVIEW = "plan review"
    DISCHARGE = "discharge summary"
    COLLATERAL = "collateral contact"
    CANCELLATION = "cancellation/no-show"


# Notes documenting a session the client attended: signing needs its start and end time.
SESSION_KINDS = frozenset({NoteKind.INTAKE, NoteKind.PROGRESS})


class NoteFormat(enum.StrEnum):
    SOAP = "SOAP"
    DAP = "DAP"
    BIRP = "BIRP"
    GIRP = "GIRP"
    NARRATIVE = "narrative"


# Each format's sections, in the order they are written and printed. All are required to sign.
FORMAT_SECTIONS: dict[NoteFormat, tuple[str, ...]] = {
    NoteFormat.SOAP: ("Subjective", "Objective", "Assessment", "Plan"),
    NoteFormat.DAP: ("Data", "Assessment", "Plan"),
    NoteFormat.BIRP: ("Behavior", "Intervention", "Response", "Plan"),
    NoteFormat.GIRP: ("Goals", "Intervention", "Response", "Plan"),
    NoteFormat.NARRATIVE: ("Narrative",),
}


class NoteStatus(enum.StrEnum):
    DRAFT = "draft"
    SIGNED = "signed"


# -- mental status exam -------------------------------------------------------------------------


class Appearance(enum.StrEnum):
    APPROPRIATE = "appropriate"
    WELL_GROOMED = "well groomed"
    DISHEVELED = "disheveled"
    UNKEMPT = "unkempt"
    INAPPROPRIATE = "inappropriately dressed"
    BIZARRE = "bizarre"


class Behavior(enum.StrEnum):
    COOPERATIVE = "cooperative"
    GUARDED = "guarded"
    WITHDRAWN = "withdrawn"
    RESTLESS = "restless"
    AGITATED = "agitated"
    HOSTILE = "hostile"
    PSYCHOMOTOR_SLOWING = "psychomotor slowing"


class Speech(enum.StrEnum):
    NORMAL = "normal"
    PRESSURED = "pressured"
    RAPID = "rapid"
    SLOW = "slow"
    SOFT = "soft"
    LOUD = "loud"
    MONOTONE = "monotone"
    SLURRED = "slurred"
    MUTE = "mute"


class Mood(enum.StrEnum):
    EUTHYMIC = "euthymic"
    DEPRESSED = "depressed"
    ANXIOUS = "anxious"
    IRRITABLE = "irritable"
    ANGRY = "angry"
    DYSPHORIC = "dysphoric"
    EUPHORIC = "euphoric"


class Affect(enum.StrEnum):
    FULL = "full range"
    CONSTRICTED = "constricted"
    BLUNTED = "blunted"
    FLAT = "flat"
    LABILE = "labile"
    INCONGRUENT = "incongruent with mood"


class ThoughtProcess(enum.StrEnum):
    LINEAR = "linear and goal-directed"
    CIRCUMSTANTIAL = "circumstantial"
    TANGENTIAL = "tangential"
    LOOSE = "loose associations"
    FLIGHT_OF_IDEAS = "flight of ideas"
    BLOCKING = "thought blocking"
    PERSEVERATIVE = "perseverative"


class ThoughtContent(enum.StrEnum):
    UNREMARKABLE = "unremarkable"
    PREOCCUPATIONS = "preoccupations"
    OBSESSIONS = "obsessions"
    PHOBIAS = "phobias"
    HOPELESSNESS = "hopelessness"
    PARANOID_IDEATION = "paranoid ideation"
    IDEAS_OF_REFERENCE = "ideas of reference"
    DELUSIONS = "delusions"


class Perception(enum.StrEnum):
    NO_DISTURBANCE = "no disturbance"
    AUDITORY_HALLUCINATIONS = "auditory hallucinations"
    VISUAL_HALLUCINATIONS = "visual hallucinations"
    OTHER_HALLUCINATIONS = "other hallucinations"
    ILLUSIONS = "illusions"
    DEPERSONALIZATION = "depersonalization"
    DEREALIZATION = "derealization"


class Orientation(enum.StrEnum):
    PERSON = "person"
    PLACE = "place"
    TIME = "time"
    SITUATION = "situation"


class Insight(enum.StrEnum):
    GOOD = "good"
    FAIR = "fair"
    POOR = "poor"
    ABSENT = "absent"


class Judgment(enum.StrEnum):
    GOOD = "good"
    FAIR = "fair"
    POOR = "poor"
    IMPAIRED = "impaired"


E = TypeVar("E", bound=enum.Enum)


def _choices(values: Iterable[E], kind: type[E], label: str, field_name: str, exclusive: E | None = None) -> tuple[E, ...]:
    """A multi-choice answer: deduplicated, in the enum's order; `exclusive` cannot be combined."""
    try:
        chosen = {kind(value) for value in values}
    except ValueError as err:
        raise ValidationError(f"{label} has a choice that is not on the list.", field_name) from err
    if exclusive is not None and exclusive in chosen and len(chosen) > 1:
        raise ValidationError(f"{label} cannot be '{exclusive.value}' together with other findings.", field_name)
    return tuple(member for member in kind if member in chosen)


def _opt(value: Any, kind: type[E]) -> E | None:
    return None if value is None else kind(value)


@dataclass(frozen=True)
class MentalStatusExam:
    """The mental status exam; `None` (or an empty tuple) means not assessed."""

    appearance: Appearance | None = None
    behavior: Behavior | None = None
    speech: Speech | None = None
    mood: Mood | None = None
    affect: Affect | None = None
    thought_process: ThoughtProcess | None = None
    thought_content: tuple[ThoughtContent, ...] = ()
    perception: tuple[Perception, ...] = ()
    orientation: tuple[Orientation, ...] = ()  # the spheres the client is oriented to: all four is "oriented x4"
    insight: Insight | None = None
    judgment: Judgment | None = None
    comments: str = ""

    def validated(self) -> MentalStatusExam:
        return replace(
            self,
            appearance=_opt(self.appearance, Appearance),
            behavior=_opt(self.behavior, Behavior),
            speech=_opt(self.speech, Speech),
            mood=_opt(self.mood, Mood),
            affect=_opt(self.affect, Affect),
            thought_process=_opt(self.thought_process, ThoughtProcess),
            thought_content=_choices(
                self.thought_content,
                ThoughtContent,
                "Thought content",
                "mental_status.thought_content",
                ThoughtContent.UNREMARKABLE,
            ),
            perception=_choices(
                self.perception, Perception, "Perception", "mental_status.perception", Perception.NO_DISTURBANCE
            ),
            orientation=_choices(self.orientation, Orientation, "Orientation", "mental_status.orientation"),
            insight=_opt(self.insight, Insight),
            judgment=_opt(self.judgment, Judgment),
            comments=_clean_text(self.comments, "mental_status.comments", "The mental status comments"),
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values, in the form stored and hashed."""
        return {
            "appearance": _value(self.appearance),
            "behavior": _value(self.behavior),
            "speech": _value(self.speech),
            "mood": _value(self.mood),
            "affect": _value(self.affect),
            "thought_process": _value(self.thought_process),
            "thought_content": [c.value for c in self.thought_content],
            "perception": [p.value for p in self.perception],
            "orientation": [o.value for o in self.orientation],
            "insight": _value(self.insight),
            "judgment": _value(self.judgment),
            "comments": self.comments,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MentalStatusExam:
        return cls(
            appearance=_opt(data.get("appearance"), Appearance),
            behavior=_opt(data.get("behavior"), Behavior),
            speech=_opt(data.get("speech"), Speech),
            mood=_opt(data.get("mood"), Mood),
            affect=_opt(data.get("affect"), Affect),
            thought_process=_opt(data.get("thought_process"), ThoughtProcess),
            thought_content=tuple(ThoughtContent(c) for c in data.get("thought_content", ())),
            perception=tuple(Perception(p) for p in data.get("perception", ())),
            orientation=tuple(Orientation(o) for o in data.get("orientation", ())),
            insight=_opt(data.get("insight"), Insight),
            judgment=_opt(data.get("judgment"), Judgment),
            comments=str(data.get("comments", "")),
        )


# -- risk assessment ----------------------------------------------------------------------------


class SuicidalIdeation(enum.StrEnum):
    NONE = "none"
    PASSIVE = "passive"
    ACTIVE = "active"


class SelfHarm(enum.StrEnum):
    NONE = "none"
    PAST = "past"
    CURRENT = "current"


class RiskLevel(enum.StrEnum):
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"


@dataclass(frozen=True)
class RiskAssessment:
    """Suicide, homicide and self-harm risk. The risk level is the clinician's judgment: it has no default."""

    risk_level: RiskLevel
    suicidal_ideation: SuicidalIdeation = SuicidalIdeation.NONE
    suicide_plan: bool = False
    suicide_intent: bool = False
    means_access: bool = False
    homicidal_ideation: bool = False
    self_harm: SelfHarm = SelfHarm.NONE
    protective_factors: tuple[str, ...] = ()
    safety_plan_reviewed: bool = False
    comments: str = ""

    def validated(self) -> RiskAssessment:
        try:
            level = RiskLevel(self.risk_level)
            ideation = SuicidalIdeation(self.suicidal_ideation)
            self_harm = SelfHarm(self.self_harm)
        except ValueError as err:
            raise ValidationError("The risk assessment has a choice that is not on the list.", "risk") from err
        if ideation is SuicidalIdeation.NONE and (self.suicide_plan or self.suicide_intent):
            raise ValidationError(
                "A suicide plan or intent is marked, so suicidal ideation cannot be 'none'.", "risk.suicidal_ideation"
            )
        return replace(
            self,
            risk_level=level,
            suicidal_ideation=ideation,
            self_harm=self_harm,
            suicide_plan=bool(self.suicide_plan),
            suicide_intent=bool(self.suicide_intent),
            means_access=bool(self.means_access),
            homicidal_ideation=bool(self.homicidal_ideation),
            safety_plan_reviewed=bool(self.safety_plan_reviewed),
            protective_factors=_clean_list(self.protective_factors, "risk.protective_factors", "Protective factors"),
            comments=_clean_text(self.comments, "risk.comments", "The risk comments"),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "risk_level": self.risk_level.value,
            "suicidal_ideation": self.suicidal_ideation.value,
            "suicide_plan": self.suicide_plan,
            "suicide_intent": self.suicide_intent,
            "means_access": self.means_access,
            "homicidal_ideation": self.homicidal_ideation,
            "self_harm": self.self_harm.value,
            "protective_factors": list(self.protective_factors),
            "safety_plan_reviewed": self.safety_plan_reviewed,
            "comments": self.comments,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RiskAssessment:
        return cls(
            risk_level=RiskLevel(data["risk_level"]),
            suicidal_ideation=SuicidalIdeation(data.get("suicidal_ideation", "none")),
            suicide_plan=bool(data.get("suicide_plan", False)),
            suicide_intent=bool(data.get("suicide_intent", False)),
            means_access=bool(data.get("means_access", False)),
            homicidal_ideation=bool(data.get("homicidal_ideation", False)),
            self_harm=SelfHarm(data.get("self_harm", "none")),
            protective_factors=tuple(str(p) for p in data.get("protective_factors", ())),
            safety_plan_reviewed=bool(data.get("safety_plan_reviewed", False)),
            comments=str(data.get("comments", "")),
        )


# -- notes --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    name: str
    text: str = ""


def sections(note_format: NoteFormat, texts: Mapping[str, str]) -> tuple[Section, ...]:
    """The format's sections in order, filled from `texts` (name -> text); unknown names are refused."""
    return _normalised_sections(note_format, tuple(Section(name, text) for name, text in texts.items()))


@dataclass(frozen=True)
class Addendum:
    """A signed, immutable addition to a signed note."""

    note_id: int
    text: str
    signed_by: str
    signed_at: str  # UTC ISO-8601
    content_hash: str
    id: int | None = None


@dataclass(frozen=True)
class Note:
    """A clinical note. `sections` follow the format's order; times are local, on the date of service."""

    client_id: int
    kind: NoteKind = NoteKind.PROGRESS
    format: NoteFormat = NoteFormat.SOAP
    date_of_service: date | None = None
    start_time: time | None = None
    end_time: time | None = None
    sections: tuple[Section, ...] = ()
    mental_status: MentalStatusExam | None = None
    risk: RiskAssessment | None = None
    goal_ids: tuple[int, ...] = ()  # treatment-plan goal ids addressed in the session
    interventions: tuple[str, ...] = ()
    participants: tuple[str, ...] = ()
    appointment_id: int | None = None
    unit_id: int | None = None
    id: int | None = None
    status: NoteStatus = NoteStatus.DRAFT
    signed_by: str | None = None
    signed_at: str | None = None  # UTC ISO-8601
    content_hash: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    addenda: tuple[Addendum, ...] = field(default=(), compare=False)

    @property
    def is_signed(self) -> bool:
        return self.status is NoteStatus.SIGNED

    @property
    def minutes(self) -> int | None:
        """Session length in minutes, when both times are known."""
        if self.start_time is None or self.end_time is None:
            return None
        start = datetime.combine(date.min, self.start_time)
        return int((datetime.combine(date.min, self.end_time) - start).total_seconds() // 60)

    def text(self, section: str) -> str:
        """The text of one section ('' when empty or not part of the format)."""
        return next((s.text for s in self.sections if s.name == section), "")

    def validated(self) -> Note:
        """A normalised copy for saving as a draft, or `ValidationError` naming the field."""
        try:
            kind = NoteKind(self.kind)
            note_format = NoteFormat(self.format)
        except ValueError as err:
            raise ValidationError("The note kind or format is not one Therapy Desk knows.", "kind") from err
        if not isinstance(self.client_id, int) or self.client_id < 1:
            raise ValidationError("A note needs the client it belongs to.", "client_id")
        for name, value in (("appointment_id", self.appointment_id), ("unit_id", self.unit_id)):
            if value is not None and (not isinstance(value, int) or value < 1):
                raise ValidationError(f"{name.replace('_', ' ').capitalize()} must be a saved record's id.", name)
        if self.date_of_service is not None and self.date_of_service.year < 1900:
            raise ValidationError("The date of service is before 1900; check the year.", "date_of_service")
        start, end = _minute(self.start_time), _minute(self.end_time)
        if start is not None and end is not None and end <= start:
            raise ValidationError("The end time must be after the start time.", "end_time")
        goal_ids = sorted(set(self.goal_ids))
        if any(not isinstance(g, int) or isinstance(g, bool) or g < 1 for g in goal_ids):
            raise ValidationError("Goals addressed must be saved treatment-plan goals.", "goal_ids")
        return replace(
            self,
            kind=kind,
            format=note_format,
            start_time=start,
            end_time=end,
            sections=_normalised_sections(note_format, self.sections),
            mental_status=None if self.mental_status is None else self.mental_status.validated(),
            risk=None if self.risk is None else self.risk.validated(),
            goal_ids=tuple(goal_ids),
            interventions=_clean_list(self.interventions, "interventions", "Interventions"),
            participants=_clean_list(self.participants, "participants", "Participants"),
        )

    def validated_for_signing(self, today: date) -> Note:
        """`validated()` plus what a signed record needs: date of service, times, every section written."""
        clean = self.validated()
        if clean.date_of_service is None:
            raise ValidationError("A note needs its date of service before it can be signed.", "date_of_service")
        v.check_not_future(clean.date_of_service, today, "date_of_service", "The date of service of a signed note")
        if clean.kind in SESSION_KINDS and (clean.start_time is None or clean.end_time is None):
            raise ValidationError(
                f"A {clean.kind.value} note needs the session's start and end time before it can be signed.",
                "start_time" if clean.start_time is None else "end_time",
            )
        for section in clean.sections:
            if not section.text:
                raise ValidationError(
                    f"The {section.name} section is empty; a {clean.format.value} note needs it to be signed.",
                    f"sections.{section.name}",
                )
        if clean.kind is NoteKind.INTAKE and clean.risk is None:
            raise ValidationError("An intake assessment needs a risk assessment before it can be signed.", "risk")
        if clean.kind is NoteKind.INTAKE and clean.mental_status is None:
            raise ValidationError(
                "An intake assessment needs a mental status exam before it can be signed.", "mental_status"
            )
        return clean


def canonical_content(note: Note) -> bytes:
    """The bytes a signature covers: UTF-8 JSON of every clinical field, with sorted keys.

    Keys: version, note_id, client_id, unit_id, appointment_id, kind, format, date_of_service
    (YYYY-MM-DD), start_time and end_time (HH:MM), sections ([name, text] pairs in the format's
    order), mental_status and risk (objects or null), goal_ids (ascending), interventions,
    participants, signed_by, signed_at. Compact separators, non-ASCII kept as UTF-8.
    """
    content = {
        "version": CANONICAL_VERSION,
        "note_id": note.id,
        "client_id": note.client_id,
        "unit_id": note.unit_id,
        "appointment_id": note.appointment_id,
        "kind": note.kind.value,
        "format": note.format.value,
        "date_of_service": None if note.date_of_service is None else note.date_of_service.isoformat(),
        "start_time": time_text(note.start_time),
        "end_time": time_text(note.end_time),
        "sections": [[s.name, s.text] for s in note.sections],
        "mental_status": None if note.mental_status is None else note.mental_status.to_dict(),
        "risk": None if note.risk is None else note.risk.to_dict(),
        "goal_ids": sorted(note.goal_ids),
        "interventions": list(note.interventions),
        "participants": list(note.participants),
        "signed_by": note.signed_by,
        "signed_at": note.signed_at,
    }
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def content_hash(note: Note) -> str:
    return hashlib.sha256(canonical_content(note)).hexdigest()


def addendum_hash(addendum: Addendum, note_hash: str) -> str:
    """SHA-256 of the addendum's canonical JSON, chained to the signed note's own hash."""
    content = {
        "version": CANONICAL_VERSION,
        "note_id": addendum.note_id,
        "note_hash": note_hash,
        "text": addendum.text,
        "signed_by": addendum.signed_by,
        "signed_at": addendum.signed_at,
    }
    payload = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def check_signer(signer: str) -> str:
    return v.check_required(unicodedata.normalize("NFC", signer), "signer", "The signer's name")


def clean_addendum_text(text: str) -> str:
    cleaned = _clean_text(text, "text", "The addendum")
    if not cleaned:
        raise ValidationError("An addendum needs some text.", "text")
    return cleaned


@dataclass(frozen=True)
class SignatureCheck:
    """The result of recomputing a signed note's hashes; `problems` is empty when everything matches."""

    note_id: int
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


# -- psychotherapy notes ------------------------------------------------------------------------


@dataclass(frozen=True)
class ProcessNote:
    """A psychotherapy (process) note (45 CFR 164.501): kept apart from the clinical record."""

    client_id: int
    text: str
    date_of_service: date | None = None
    id: int | None = None
    created_at: str | None = None
    updated_at: str | None = None

    def validated(self) -> ProcessNote:
        if not isinstance(self.client_id, int) or self.client_id < 1:
            raise ValidationError("A psychotherapy note needs the client it belongs to.", "client_id")
        if self.date_of_service is not None and self.date_of_service.year < 1900:
            raise ValidationError("The date of service is before 1900; check the year.", "date_of_service")
        return replace(self, text=_clean_text(self.text, "text", "The psychotherapy note"))


# -- helpers ------------------------------------------------------------------------------------


def time_text(value: time | None) -> str | None:
    return None if value is None else value.strftime("%H:%M")


def _value(member: enum.Enum | None) -> Any:
    return None if member is None else member.value


def _minute(value: time | None) -> time | None:
    return None if value is None else value.replace(second=0, microsecond=0, tzinfo=None)


def _clean_text(text: str, field_name: str, label: str) -> str:
    """NFC, Unix line endings, no surrounding whitespace; refuses text no one could have typed."""
    cleaned = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if len(cleaned) > MAX_SECTION_CHARS:
        raise ValidationError(f"{label} is longer than {MAX_SECTION_CHARS:,} characters; shorten it.", field_name)
    if "\x00" in cleaned:
        raise ValidationError(f"{label} contains a NUL character; paste it again as plain text.", field_name)
    return cleaned


def _clean_list(items: Iterable[str], field_name: str, label: str) -> tuple[str, ...]:
    cleaned: list[str] = []
    for item in items:
        text = " ".join(unicodedata.normalize("NFC", str(item)).split())
        if len(text) > MAX_ITEM_CHARS:
            raise ValidationError(f"{label}: each entry is at most {MAX_ITEM_CHARS} characters.", field_name)
        if text and text not in cleaned:
            cleaned.append(text)
    if len(cleaned) > MAX_LIST_ITEMS:
        raise ValidationError(f"{label}: at most {MAX_LIST_ITEMS} entries.", field_name)
    return tuple(cleaned)


def _normalised_sections(note_format: NoteFormat, given: tuple[Section, ...]) -> tuple[Section, ...]:
    names = FORMAT_SECTIONS[note_format]
    texts: dict[str, str] = {}
    for section in given:
        if section.name not in names:
            raise ValidationError(
                f"'{section.name}' is not a section of a {note_format.value} note; its sections are "
                f"{_join(names)}.",
                "sections",
            )
        if section.name in texts:
            raise ValidationError(f"The {section.name} section is given twice.", "sections")
        texts[section.name] = _clean_text(section.text, f"sections.{section.name}", f"The {section.name} section")
    return tuple(Section(name, texts.get(name, "")) for name in names)


def _join(names: tuple[str, ...]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
