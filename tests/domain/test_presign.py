from __future__ import annotations

import dataclasses
from datetime import date, time

import pytest

from therapy_desk.domain.assessment import (
    CRISIS_LINE,
    RiskAssessment,
    RiskLevel,
    SafetyPlan,
    SelfHarm,
    SuicidalIdeation,
)
from therapy_desk.domain.notes import Note, NoteFormat, NoteKind, sections
from therapy_desk.domain.presign import Level, LinkedAppointment, Rule, SigningFacts, presign_findings, refusal
from therapy_desk.domain.scheduling import AppointmentStatus

DOS = date(2025, 3, 10)
CLIENT = 7
NARRATIVE = sections(NoteFormat.NARRATIVE, {"Narrative": "Worked on sleep hygiene."})


def note(**changes: object) -> Note:
    """A 45-minute progress note, linked to appointment 3, addressing goal 12."""
    base = Note(
        client_id=CLIENT,
        format=NoteFormat.NARRATIVE,
        date_of_service=DOS,
        start_time=time(9, 0),
        end_time=time(9, 45),
        sections=NARRATIVE,
        goal_ids=(12,),
        appointment_id=3,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def appointment(**changes: object) -> LinkedAppointment:
    base = LinkedAppointment(client_ids=frozenset({CLIENT}), date_of_service=DOS, service_code="90834")
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def facts(**changes: object) -> SigningFacts:
    base = SigningFacts(diagnosis_on_file=True, appointment=appointment())
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


FACTORS = ("recent job loss", "lives alone")
ACTIVE_IDEATION = RiskAssessment(RiskLevel.HIGH, SuicidalIdeation.ACTIVE, suicide_plan=True, risk_factors=FACTORS)
REVIEWED = dataclasses.replace(ACTIVE_IDEATION, safety_plan_reviewed=True)
# Low beside active ideation with a plan, intent and means; details and a reviewed safety plan are there.
GRAVE_LOW = RiskAssessment(
    RiskLevel.LOW, SuicidalIdeation.ACTIVE, suicide_plan=True, suicide_intent=True, means_access=True,
    risk_factors=FACTORS, safety_plan_reviewed=True,
)  # fmt: skip
FULL_PLAN = SafetyPlan(
    warning_signs=("not sleeping",),
    coping_strategies=("walk the dog",),
    distractions=("the gym",),
    supports=("sister Rosa",),
    professionals=("Dr. Reyes", CRISIS_LINE),
    environment=("pills kept by Rosa",),
)

# One row per rule: the note, the facts the store gathered, and what the clinician is told.
RULES = [
    pytest.param(
        note(end_time=time(9, 53)), facts(), Level.ERROR, Rule.MINUTES_OUTSIDE_CODE,
        "53 minutes documented: 90837, not 90834", id="minutes-outside-code",
    ),
    pytest.param(
        note(), facts(appointment=appointment(client_ids=frozenset({8}))), Level.ERROR,
        Rule.APPOINTMENT_OTHER_CLIENT, "another client's", id="appointment-other-client",
    ),
    pytest.param(
        note(), facts(appointment=appointment(date_of_service=date(2025, 3, 11))), Level.ERROR,
        Rule.APPOINTMENT_OTHER_DATE, "on 2025-03-11, not on the note's date of service 2025-03-10",
        id="appointment-other-date",
    ),
    pytest.param(
        note(), facts(other_signed_progress_note=True), Level.ERROR, Rule.SECOND_SIGNED_NOTE,
        "already has a signed progress note", id="second-signed-note",
    ),
    pytest.param(
        note(risk=ACTIVE_IDEATION), facts(), Level.ERROR, Rule.RISK_WITHOUT_SAFETY_PLAN,
        "no safety plan is recorded", id="risk-without-safety-plan",
    ),
    pytest.param(
        note(risk=RiskAssessment(RiskLevel.MODERATE, SuicidalIdeation.PASSIVE, safety_plan_reviewed=True)), facts(),
        Level.ERROR, Rule.RISK_WITHOUT_DETAILS, "list the risk factors", id="risk-without-details",
    ),
    pytest.param(
        note(risk=dataclasses.replace(REVIEWED, homicidal_ideation=True)), facts(), Level.ERROR,
        Rule.HOMICIDAL_WITHOUT_TARGET, "name the identifiable target", id="homicidal-without-target",
    ),
    pytest.param(
        note(risk=GRAVE_LOW), facts(), Level.ERROR, Rule.LOW_LEVEL_WITHOUT_RATIONALE,
        "write the rationale for that level", id="low-level-without-rationale",
    ),
    pytest.param(
        note(), facts(diagnosis_on_file=False), Level.WARNING, Rule.NO_DIAGNOSIS,
        "no diagnosis on file for the date of service", id="no-diagnosis",
    ),
    pytest.param(note(goal_ids=()), facts(), Level.WARNING, Rule.NO_GOAL, "No treatment-plan goal", id="no-goal"),
    pytest.param(
        note(), facts(open_item9_flags=(date(2025, 3, 3),)), Level.WARNING, Rule.ITEM9_NOT_FOLLOWED_UP,
        "PHQ-9 of 2025-03-03 has item 9", id="item9-not-followed-up",
    ),
    pytest.param(
        note(service_code="90846"), facts(), Level.ERROR, Rule.CODE_WITHOUT_REASON,
        "45 minutes suggest 90834; give the reason for billing 90846", id="code-without-reason",
    ),
    pytest.param(
        note(), facts(late=True), Level.ERROR, Rule.LATE_WITHOUT_REASON, "this note is a late entry",
        id="late-without-reason",
    ),
    pytest.param(
        note(), facts(client_dob=date(2025, 3, 11)), Level.ERROR, Rule.BEFORE_BIRTH,
        "before the client's date of birth", id="before-birth",
    ),
    pytest.param(
        note(), facts(client_discharged=True), Level.WARNING, Rule.CLIENT_DISCHARGED, "The client is discharged",
        id="client-discharged",
    ),
    pytest.param(
        note(), facts(appointment=appointment(status=AppointmentStatus.NO_SHOW)), Level.ERROR, Rule.APPOINTMENT_MISSED,
        "marked no-show; a progress note documents a session held", id="appointment-missed",
    ),
]  # fmt: skip


def test_every_rule_has_its_row() -> None:
    assert {p.values[3] for p in RULES} == set(Rule) - {Rule.COMPLETE}


def test_a_reason_answers_the_code_and_the_late_entry_and_a_discharge_summary_is_not_warned() -> None:
    reasoned = note(service_code="90846", code_reason="Parents only.", late_entry_reason="Out sick.")
    assert presign_findings(reasoned, facts(late=True)) == []
    assert presign_findings(note(kind=NoteKind.DISCHARGE), facts(client_discharged=True)) == []


@pytest.mark.parametrize(("checked", "known", "level", "rule", "sentence"), RULES)
def test_each_presign_rule_finds_its_problem_alone(
    checked: Note, known: SigningFacts, level: Level, rule: Rule, sentence: str
) -> None:
    [finding] = presign_findings(checked, known)
    assert (finding.level, finding.rule) == (level, rule)
    assert sentence in finding.sentence
    assert finding.blocks_signing is (level is Level.ERROR)


def test_a_complete_note_with_everything_on_file_has_no_findings() -> None:
    assert presign_findings(note(), facts()) == []
    assert refusal([]) is None


@pytest.mark.parametrize(
    ("code", "start", "end", "sentence"),
    [
        ("90837", time(9, 0), time(9, 20), "20 minutes documented: 90832, not 90837"),
        ("90834", time(9, 0), time(9, 10), "10 minutes documented: not 90834: under 16 minutes is not billable"),
        ("90846", time(9, 0), time(9, 20), "20 minutes documented: 90846 is for 26 minutes or more"),
        ("90839", time(9, 0), time(9, 20), "20 minutes documented: 90839 is for 30–74 minutes"),
    ],
)
def test_a_code_outside_its_band_names_what_the_minutes_call_for(
    code: str, start: time, end: time, sentence: str
) -> None:
    found = presign_findings(note(start_time=start, end_time=end), facts(appointment=appointment(service_code=code)))
    assert [f.rule for f in found] == [Rule.MINUTES_OUTSIDE_CODE]
    assert sentence in found[0].sentence


@pytest.mark.parametrize(
    ("code", "minutes"), [("90834", 38), ("90834", 52), ("90837", 53), ("90839", 120), ("90791", 10), ("90853", 90)]
)
def test_a_code_inside_its_band_or_without_one_passes(code: str, minutes: int) -> None:
    end = time(9 + minutes // 60, minutes % 60)
    checked = note(end_time=end)
    assert presign_findings(checked, facts(appointment=appointment(service_code=code))) == []


def test_a_group_appointment_is_for_each_member_of_its_unit() -> None:
    group = appointment(client_ids=frozenset({CLIENT, 8, 9}), service_code="90853")
    assert presign_findings(note(), facts(appointment=group)) == []


@pytest.mark.parametrize(
    "risk",
    [
        RiskAssessment(RiskLevel.LOW),
        RiskAssessment(RiskLevel.LOW, self_harm=SelfHarm.PAST, risk_factors=("cut at 15",)),
        REVIEWED,
        dataclasses.replace(ACTIVE_IDEATION, safety_plan=FULL_PLAN),
        dataclasses.replace(REVIEWED, homicidal_ideation=True, homicide_target="No identifiable target."),
        dataclasses.replace(GRAVE_LOW, level_rationale="Means removed by family today; denies intent now."),
    ],
)
def test_no_current_risk_or_a_reviewed_safety_plan_needs_nothing_more(risk: RiskAssessment) -> None:
    assert presign_findings(note(risk=risk), facts()) == []


def test_intake_notes_are_not_asked_for_goals_and_cancellation_notes_not_for_a_diagnosis() -> None:
    intake = note(kind=NoteKind.INTAKE, goal_ids=())
    cancellation = note(kind=NoteKind.CANCELLATION, start_time=None, end_time=None)
    assert presign_findings(intake, facts()) == []
    assert presign_findings(cancellation, facts(diagnosis_on_file=False)) == []


def test_the_refusal_lists_every_error_one_per_line_and_no_warning() -> None:
    found = presign_findings(
        note(end_time=time(9, 53), goal_ids=(), risk=ACTIVE_IDEATION),
        facts(other_signed_progress_note=True, diagnosis_on_file=False),
    )
    assert [f.level for f in found] == [Level.ERROR] * 3 + [Level.WARNING] * 2
    sentence = refusal(found)
    assert sentence is not None
    lines = sentence.splitlines()
    assert lines[0] == "This note cannot be signed yet:"
    assert lines[1:] == [f.sentence for f in found if f.blocks_signing]


def test_a_safety_plan_with_a_step_missing_is_not_recorded() -> None:
    partial = dataclasses.replace(FULL_PLAN, environment=())
    assert partial.missing() == ("Making the environment safe",)
    found = presign_findings(note(risk=dataclasses.replace(ACTIVE_IDEATION, safety_plan=partial)), facts())
    assert [f.rule for f in found] == [Rule.RISK_WITHOUT_SAFETY_PLAN]
