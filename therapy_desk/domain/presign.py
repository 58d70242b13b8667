"""The pre-sign check: what a clinician should fix (errors) or look at (warnings) before signing a note.

Pure rules over the note and facts the store gathers (`SigningFacts`); errors block signing, warnings
do not. The completeness rules (every section written, times, date) stay in `Note.validated_for_signing`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from therapy_desk.domain.assessment import RiskAssessment, RiskLevel, SelfHarm, SuicidalIdeation
from therapy_desk.domain.billing import PSYCHOTHERAPY_TIME_CODES, psychotherapy_code, suggested_codes
from therapy_desk.domain.codes import billing_rule
from therapy_desk.domain.notes import LATE_ENTRY_HOURS, SESSION_KINDS, Note, NoteKind
from therapy_desk.domain.scheduling import AppointmentStatus

CRISIS_CODE = "90839"  # its band is the first 74 minutes; +90840 on the charge bills each further 30


_MISSED = frozenset({AppointmentStatus.NO_SHOW, AppointmentStatus.LATE_CANCEL, AppointmentStatus.CANCELLED})


class Level(enum.StrEnum):
    ERROR = "error"  # blocks signing
    WARNING = "warning"  # shown, does not block


class Rule(enum.StrEnum):
    COMPLETE = "complete"  # what `validated_for_signing` asks for; the store reports it as a finding
    MINUTES_OUTSIDE_CODE = "minutes-outside-code"
    APPOINTMENT_OTHER_CLIENT = "appointment-other-client"
    APPOINTMENT_OTHER_DATE = "appointment-other-date"
    SECOND_SIGNED_NOTE = "second-signed-note"
    RISK_WITHOUT_SAFETY_PLAN = "risk-without-safety-plan"
    RISK_WITHOUT_DETAILS = "risk-without-details"
    HOMICIDAL_WITHOUT_TARGET = "homicidal-without-target"
    LOW_LEVEL_WITHOUT_RATIONALE = "low-level-without-rationale"
    NO_DIAGNOSIS = "no-diagnosis"
    NO_GOAL = "no-goal"
    ITEM9_NOT_FOLLOWED_UP = "item9-not-followed-up"
    CODE_WITHOUT_REASON = "code-without-reason"
    LATE_WITHOUT_REASON = "late-without-reason"
    BEFORE_BIRTH = "before-birth"
    APPOINTMENT_MISSED = "appointment-missed"
    CLIENT_DISCHARGED = "client-discharged"


@dataclass(frozen=True)
class Finding:
    level: Level
    rule: Rule
    sentence: str

    @property
    def blocks_signing(self) -> bool:
        return self.level is Level.ERROR


@dataclass(frozen=True)
class LinkedAppointment:
    """The appointment a note is linked to: who it is for (its client, or its unit's members), its date and code."""

    client_ids: frozenset[int]
    date_of_service: date
    service_code: str
    status: AppointmentStatus = AppointmentStatus.SCHEDULED


@dataclass(frozen=True)
class SigningFacts:
    """What the vault knows around a note, gathered by the store for `presign_findings`."""

    diagnosis_on_file: bool
    appointment: LinkedAppointment | None = None
    other_signed_progress_note: bool = False  # the same client's, for the same appointment
    open_item9_flags: tuple[date, ...] = ()  # PHQ-9s up to the date of service with item 9 above 0, no follow-up
    late: bool = False  # signing now is more than LATE_ENTRY_HOURS after the session ended
    client_dob: date | None = None
    client_discharged: bool = False


def billed_code(note: Note, appointment: LinkedAppointment | None) -> str | None:
    """The code the session is billed under: the note's own, else its appointment's."""
    return note.service_code or (None if appointment is None else appointment.service_code)


def presign_findings(note: Note, facts: SigningFacts) -> list[Finding]:
    """Every finding for `note`, errors first, in the order a clinician would fix them."""
    findings = [
        *_appointment_findings(note, facts),
        *_code_findings(note, facts),
        *_late_findings(note, facts),
        *_client_findings(note, facts),
        *risk_findings(note.risk),
        *_warnings(note, facts),
    ]
    return sorted(findings, key=lambda f: f.level is not Level.ERROR)


def refusal(findings: list[Finding]) -> str | None:
    """The sentence refusing a signature: every error, one per line; None when nothing blocks."""
    errors = [f.sentence for f in findings if f.blocks_signing]
    return "\n".join(["This note cannot be signed yet:", *errors]) if errors else None


def risk_marked(risk: RiskAssessment) -> bool:
    """Whether the risk assessment records a current risk (ideation, intent, current self-harm, or a level
    above low), which calls for a safety plan."""
    return (
        risk.risk_level is not RiskLevel.LOW
        or risk.suicidal_ideation is not SuicidalIdeation.NONE
        or risk.suicide_plan
        or risk.suicide_intent
        or risk.homicidal_ideation
        or risk.self_harm is SelfHarm.CURRENT
    )


def risk_noted(risk: RiskAssessment) -> bool:
    """Whether anything in the risk assessment is marked, past self-harm and access to means included:
    then its details (the risk factors) are required."""
    return risk_marked(risk) or risk.means_access or risk.self_harm is not SelfHarm.NONE


def grave_beside_low(risk: RiskAssessment) -> bool:
    """A 'low' level beside active ideation with a plan, intent and access to means."""
    return (
        risk.risk_level is RiskLevel.LOW
        and risk.suicidal_ideation is SuicidalIdeation.ACTIVE
        and risk.suicide_plan
        and risk.suicide_intent
        and risk.means_access
    )


def safety_plan_recorded(risk: RiskAssessment) -> bool:
    """A safety plan reviewed with the client (marked), or one written in the note with every step."""
    return risk.safety_plan_reviewed or (risk.safety_plan is not None and risk.safety_plan.complete)


def risk_findings(risk: RiskAssessment | None) -> list[Finding]:
    """What the risk assessment still needs before signing (the editor shows these under the assessment)."""
    if risk is None:
        return []
    findings: list[Finding] = []
    if risk_noted(risk) and not risk.risk_factors:
        findings.append(
            Finding(
                Level.ERROR,
                Rule.RISK_WITHOUT_DETAILS,
                "Risk is marked: list the risk factors (history, stressors, substance use, losses…) in the risk "
                "assessment.",
            )
        )
    if risk.homicidal_ideation and not risk.homicide_target:
        findings.append(
            Finding(
                Level.ERROR,
                Rule.HOMICIDAL_WITHOUT_TARGET,
                "Homicidal ideation is marked: name the identifiable target, or write that there is none "
                "(duty to warn or protect may apply).",
            )
        )
    if grave_beside_low(risk) and not risk.level_rationale:
        findings.append(
            Finding(
                Level.ERROR,
                Rule.LOW_LEVEL_WITHOUT_RATIONALE,
                "The level is 'low' beside active ideation with a plan, intent and access to means: write the "
                "rationale for that level.",
            )
        )
    if risk_marked(risk) and not safety_plan_recorded(risk):
        findings.append(
            Finding(
                Level.ERROR,
                Rule.RISK_WITHOUT_SAFETY_PLAN,
                "Risk is marked but no safety plan is recorded; review the safety plan with the client and mark it, "
                "or write every step of it.",
            )
        )
    return findings


def _appointment_findings(note: Note, facts: SigningFacts) -> list[Finding]:
    appointment = facts.appointment
    findings: list[Finding] = []
    if appointment is not None:
        if note.client_id not in appointment.client_ids:
            findings.append(
                Finding(
                    Level.ERROR,
                    Rule.APPOINTMENT_OTHER_CLIENT,
                    "The linked appointment is another client's; link this note to its own client's appointment.",
                )
            )
        if note.date_of_service is not None and note.date_of_service != appointment.date_of_service:
            findings.append(
                Finding(
                    Level.ERROR,
                    Rule.APPOINTMENT_OTHER_DATE,
                    f"The linked appointment is on {appointment.date_of_service.isoformat()}, not on the note's date "
                    f"of service {note.date_of_service.isoformat()}; correct the date or the link.",
                )
            )
    if appointment is not None and note.kind in SESSION_KINDS and appointment.status in _MISSED:
        findings.append(
            Finding(
                Level.ERROR,
                Rule.APPOINTMENT_MISSED,
                f"The linked appointment is marked {appointment.status.label.lower()}; a {note.kind.value} note "
                "documents a session held. Mark the appointment attended, or write a cancellation/no-show note.",
            )
        )
    if note.kind is NoteKind.PROGRESS and facts.other_signed_progress_note:
        findings.append(
            Finding(
                Level.ERROR,
                Rule.SECOND_SIGNED_NOTE,
                "This appointment already has a signed progress note for this client; add an addendum to it instead.",
            )
        )
    return findings


def _code_findings(note: Note, facts: SigningFacts) -> list[Finding]:
    """The code billed against the minutes documented, and a reason for a code other than the suggested one."""
    code, minutes = billed_code(note, facts.appointment), note.minutes
    if code is None or note.kind not in SESSION_KINDS or minutes is None:
        return []
    booked = facts.appointment.service_code if facts.appointment else "90791" if note.kind is NoteKind.INTAKE else None
    suggested = suggested_codes(minutes, booked)
    findings = _band_findings(code, minutes)
    if note.service_code and suggested and note.service_code != suggested[0] and not note.code_reason:
        findings.append(
            Finding(
                Level.ERROR,
                Rule.CODE_WITHOUT_REASON,
                f"{minutes} minutes suggest {suggested[0]}; give the reason for billing {note.service_code} instead.",
            )
        )
    return findings


def _late_findings(note: Note, facts: SigningFacts) -> list[Finding]:
    if not facts.late or note.late_entry_reason:
        return []
    return [
        Finding(
            Level.ERROR,
            Rule.LATE_WITHOUT_REASON,
            f"The session was more than {LATE_ENTRY_HOURS} hours ago, so this note is a late entry; give the "
            "reason it is written late.",
        )
    ]


def _band_findings(code: str, minutes: int) -> list[Finding]:
    """The service code billed for the session against the minutes the note documents."""
    rule = billing_rule(code)
    if rule.covers(minutes) or (code == CRISIS_CODE and rule.min_minutes is not None and minutes >= rule.min_minutes):
        return []
    if code in PSYCHOTHERAPY_TIME_CODES:
        fitting = psychotherapy_code(minutes)
        advice = f"{fitting}, not {code}" if fitting else f"not {code}: under 16 minutes is not billable"
    else:
        advice = f"{code} is for {rule.band()}"
    return [
        Finding(
            Level.ERROR,
            Rule.MINUTES_OUTSIDE_CODE,
            f"{minutes} minutes documented: {advice}. Correct the times or the service code.",
        )
    ]


def _client_findings(note: Note, facts: SigningFacts) -> list[Finding]:
    """The note against the client it is for: born by the date of service, not discharged."""
    findings: list[Finding] = []
    dob, day = facts.client_dob, note.date_of_service
    if dob is not None and day is not None and day < dob:
        findings.append(
            Finding(
                Level.ERROR,
                Rule.BEFORE_BIRTH,
                f"The date of service {day.isoformat()} is before the client's date of birth; correct the date "
                "or check that this is the right client.",
            )
        )
    if facts.client_discharged and note.kind is not NoteKind.DISCHARGE:
        findings.append(
            Finding(
                Level.WARNING,
                Rule.CLIENT_DISCHARGED,
                "The client is discharged; check this is the right client, or change their status to active in "
                "the chart if they have returned.",
            )
        )
    return findings


def _warnings(note: Note, facts: SigningFacts) -> list[Finding]:
    findings: list[Finding] = []
    if note.kind in SESSION_KINDS and not facts.diagnosis_on_file:
        findings.append(
            Finding(
                Level.WARNING,
                Rule.NO_DIAGNOSIS,
                "The client has no diagnosis on file for the date of service; a claim for this session needs one.",
            )
        )
    if note.kind is NoteKind.PROGRESS and not note.goal_ids:
        findings.append(
            Finding(
                Level.WARNING,
                Rule.NO_GOAL,
                "No treatment-plan goal is marked as addressed in this session.",
            )
        )
    for administered_on in facts.open_item9_flags:
        findings.append(
            Finding(
                Level.WARNING,
                Rule.ITEM9_NOT_FOLLOWED_UP,
                f"The PHQ-9 of {administered_on.isoformat()} has item 9 (thoughts of self-harm) above 0 and no "
                "follow-up is recorded; record the follow-up in Measures.",
            )
        )
    return findings
