"""Clinical notes: kinds, formats and their sections, signing rules (the exam and risk parts: assessment.py).

A note is drafted, then signed; signing fixes its content under a SHA-256 of its canonical JSON
(`canonical_content`). Corrections to a signed note are signed addenda. Psychotherapy (process)
notes are a separate type (`ProcessNote`) and are never mixed with the clinical record.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from therapy_desk.domain import validation as v
from therapy_desk.domain.assessment import MentalStatusExam, RiskAssessment
from therapy_desk.domain.codes import is_claim_code
from therapy_desk.domain.text import clean_list, clean_text
from therapy_desk.errors import ValidationError

CANONICAL_VERSION = 1

SIGNED_NOTE_MESSAGE = "This note is signed; add an addendum instead."
# How the app shows a signed record whose content no longer matches its seal, instead of as signed.
SEAL_BROKEN = "Seal broken — changed after signing"

# Sealed fields added after the first notes were signed: in the canonical JSON only when set.
OPTIONAL_SEALED = ("service_code", "code_reason", "late_entry_reason")
LATE_ENTRY_HOURS = 72

# The signature's JSON form (what `json.dumps(..., sort_keys=True, ensure_ascii=False,
# separators=(",", ":"))` writes), built once rather than on every call.
_CANONICAL_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))


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


NARRATIVE_SECTION = FORMAT_SECTIONS[NoteFormat.NARRATIVE][0]
# The sections of the kinds that are not progress notes, written as narrative (DOMAIN.md "Clinical record").
# The exam and the risk assessment, and the diagnoses in the chart, complete an intake.
KIND_SECTIONS: dict[NoteKind, tuple[str, ...]] = {
    NoteKind.INTAKE: ("Presenting problem", "History", "Diagnostic impression", "Recommendations"),
    NoteKind.PLAN_REVIEW: ("Progress toward goals", "Changes to the plan"),
    NoteKind.DISCHARGE: ("Reason for discharge", "Course of treatment", "Status at discharge", "Recommendations"),
    NoteKind.COLLATERAL: ("Contact", "Information shared", "Plan"),
    NoteKind.CANCELLATION: ("What happened", "Follow-up"),
}


# Interventions a note can name, by modality, for the editor's checklist (stored as the plain names).
INTERVENTIONS: dict[str, tuple[str, ...]] = {
    "CBT": (
        "cognitive restructuring",
        "behavioral activation",
        "activity scheduling",
        "graded exposure",
        "interoceptive exposure",
        "worry postponement",
        "problem-solving",
    ),
    "DBT": (
        "DBT skills training",
        "mindfulness skills",
        "distress tolerance",
        "emotion regulation",
        "interpersonal effectiveness",
        "chain analysis",
    ),
    "Trauma-informed": (
        "grounding",
        "trauma psychoeducation",
        "cognitive processing therapy",
        "EMDR resource installation",
        "safety and stabilization",
    ),
    "Solution-focused": ("scaling questions", "exception finding", "miracle question", "goal setting"),
    "Other": (
        "motivational interviewing",
        "supportive counseling",
        "psychoeducation",
        "diaphragmatic breathing",
        "progressive muscle relaxation",
        "values clarification",
        "relapse prevention",
    ),
}


class NoteStatus(enum.StrEnum):
    DRAFT = "draft"
    SIGNED = "signed"


# -- notes --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    name: str
    text: str = ""


def sections(
    note_format: NoteFormat, texts: Mapping[str, str], kind: NoteKind = NoteKind.PROGRESS
) -> tuple[Section, ...]:
    """The note's sections in order (`section_names`), filled from `texts` (name -> text); unknown names are
    refused."""
    return _normalised_sections(kind, note_format, tuple(Section(name, text) for name, text in texts.items()))


def section_names(kind: NoteKind, note_format: NoteFormat, given: Iterable[str] = ()) -> tuple[str, ...]:
    """The sections a note is written in: a progress note's are its format's; another kind written as
    narrative has its own (KIND_SECTIONS), unless it was written before those existed, in the one
    Narrative section (`given`: the names it holds)."""
    own = KIND_SECTIONS.get(kind)
    if own is not None and note_format is NoteFormat.NARRATIVE and NARRATIVE_SECTION not in given:
        return own
    return FORMAT_SECTIONS[note_format]


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
    # The code billed for the session when it is not the linked appointment's, and why it differs from
    # the code the minutes suggest (DOMAIN.md: an override needs a reason that is kept).
    service_code: str | None = None
    code_reason: str = ""
    # Why a note signed more than LATE_ENTRY_HOURS after the session was written late.
    late_entry_reason: str = ""
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
    def is_late_entry(self) -> bool:
        """Signed more than LATE_ENTRY_HOURS after the session: signing asked why, and the reason is sealed."""
        return bool(self.late_entry_reason)

    @property
    def seal_intact(self) -> bool:
        """False when this signed note, or one of its addenda, no longer matches the seal (SHA-256) it
        was signed with: it was changed after signing. True for a draft, which has no seal yet."""
        return not self.is_signed or seal_check(self).ok

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
        code = None if self.service_code is None else self.service_code.strip().upper() or None
        if code is not None and not is_claim_code(code):
            raise ValidationError(f"{code} is not a CPT or HCPCS service code, like 90834.", "service_code")
        goal_ids = sorted(set(self.goal_ids))
        if any(not isinstance(g, int) or isinstance(g, bool) or g < 1 for g in goal_ids):
            raise ValidationError("Goals addressed must be saved treatment-plan goals.", "goal_ids")
        return replace(
            self,
            kind=kind,
            format=note_format,
            start_time=start,
            end_time=end,
            sections=_normalised_sections(kind, note_format, self.sections),
            mental_status=None if self.mental_status is None else self.mental_status.validated(),
            risk=None if self.risk is None else self.risk.validated(),
            goal_ids=tuple(goal_ids),
            interventions=clean_list(self.interventions, "interventions", "Interventions"),
            participants=clean_list(self.participants, "participants", "Participants"),
            service_code=code,
            code_reason=clean_text(self.code_reason, "code_reason", "The reason for the service code"),
            late_entry_reason=clean_text(self.late_entry_reason, "late_entry_reason", "The late-entry reason"),
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
    participants, signed_by, signed_at; and service_code, code_reason and late_entry_reason only when
    set (so notes signed before they existed keep their seals). Compact separators, non-ASCII kept as UTF-8.
    """
    return canonical_bytes(content_fields(note))


def content_fields(note: Note) -> dict[str, Any]:
    """The plain JSON values `canonical_content` serialises (the storage layer stores the same values,
    so a bulk import builds them once per note)."""
    fields: dict[str, Any] = {
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
    for name in OPTIONAL_SEALED:
        value = getattr(note, name)
        if value:
            fields[name] = value
    return fields


def canonical_bytes(fields: dict[str, Any]) -> bytes:
    """`canonical_content` of the values `content_fields` gave."""
    return _CANONICAL_JSON.encode(fields).encode("utf-8")


def content_hash(note: Note) -> str:
    return hashlib.sha256(canonical_content(note)).hexdigest()


def fields_hash(fields: dict[str, Any]) -> str:
    """`content_hash` of the values `content_fields` gave."""
    return hashlib.sha256(canonical_bytes(fields)).hexdigest()


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


def seal_check(note: Note) -> SignatureCheck:
    """Recompute a signed note's seal and its addenda's against the hashes stored when each was signed."""
    problems: list[str] = []
    if content_hash(note) != note.content_hash:
        problems.append(f"Note {note.id} was changed after it was signed: its content does not match its seal.")
    for addendum in note.addenda:
        if addendum_hash(addendum, note.content_hash or "") != addendum.content_hash:
            problems.append(
                f"Addendum {addendum.id} to note {note.id} was changed after it was signed: "
                "its text does not match its seal."
            )
    return SignatureCheck(note.id or 0, tuple(problems))


def verification_code(content_hash: str) -> str:
    """The short code shown beside a signature and printed on exports: the seal's first 8 hex digits,
    upper case, in two groups of four ("3F2A-91C0")."""
    digits = content_hash[:8].upper()
    if len(digits) < 8 or any(c not in "0123456789ABCDEF" for c in digits):
        raise ValidationError("A verification code needs a signed note's SHA-256.", "content_hash")
    return f"{digits[:4]}-{digits[4:]}"


def overdue_at(note: Note, now: datetime) -> bool:
    """Whether `now` (local time) is more than LATE_ENTRY_HOURS after the note's session ended (its end time,
    else the end of its date of service): a draft is overdue, and signing it makes a late entry."""
    if note.date_of_service is None:
        return False
    ended = datetime.combine(note.date_of_service, note.end_time or time(23, 59))
    return now - ended > timedelta(hours=LATE_ENTRY_HOURS)


def check_signer(signer: str) -> str:
    name = " ".join(clean_text(signer, "signer", "The signer's name").split())
    return v.check_required(name, "signer", "The signer's name")


def clean_addendum_text(text: str) -> str:
    cleaned = clean_text(text, "text", "The addendum")
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
        return replace(self, text=clean_text(self.text, "text", "The psychotherapy note"))


# -- helpers ------------------------------------------------------------------------------------


def time_text(value: time | None) -> str | None:
    return None if value is None else value.strftime("%H:%M")


def _minute(value: time | None) -> time | None:
    return None if value is None else value.replace(second=0, microsecond=0, tzinfo=None)


def _normalised_sections(kind: NoteKind, note_format: NoteFormat, given: tuple[Section, ...]) -> tuple[Section, ...]:
    names = section_names(kind, note_format, (s.name for s in given))
    what = note_format.value if names is FORMAT_SECTIONS[note_format] else kind.value
    texts: dict[str, str] = {}
    for section in given:
        if section.name not in names:
            raise ValidationError(
                f"'{section.name}' is not a section of a {what} note; its sections are {_join(names)}.",
                "sections",
            )
        if section.name in texts:
            raise ValidationError(f"The {section.name} section is given twice.", "sections")
        texts[section.name] = clean_text(section.text, f"sections.{section.name}", f"The {section.name} section")
    return tuple(Section(name, texts.get(name, "")) for name in names)


def _join(names: tuple[str, ...]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
