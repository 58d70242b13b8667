"""The exam's cognition and the risk assessment's fields added after notes were first signed: kept out of the
stored and sealed form while unset (so older seals hold), round-tripping once set, and sealed."""

from __future__ import annotations

import dataclasses
import json

import pytest

from therapy_desk.domain.assessment import (
    CRISIS_LINE,
    Attention,
    Memory,
    MentalStatusExam,
    Mood,
    PriorAttempts,
    RiskAssessment,
    RiskLevel,
    SafetyPlan,
    SelfHarm,
    SuicidalIdeation,
)
from therapy_desk.domain.notes import Note, NoteFormat, content_hash, sections
from therapy_desk.errors import ValidationError

# The keys a risk assessment and an exam were stored and sealed with before these fields existed.
OLD_RISK_KEYS = {
    "risk_level", "suicidal_ideation", "suicide_plan", "suicide_intent", "means_access", "homicidal_ideation",
    "self_harm", "protective_factors", "safety_plan_reviewed", "comments",
}  # fmt: skip
OLD_EXAM_KEYS = {
    "appearance", "behavior", "speech", "mood", "affect", "thought_process", "thought_content", "perception",
    "orientation", "insight", "judgment", "comments",
}  # fmt: skip

PLAN = SafetyPlan(
    warning_signs=("Stops answering texts",),
    coping_strategies=("Walk the dog", "Cold shower"),
    distractions=("Café on Main St",),
    supports=("Sister Rosa 555-0101",),
    professionals=("Dana Reyes, LCSW", CRISIS_LINE),
    environment=("Rosa keeps the pills",),
)
FULL_RISK = RiskAssessment(
    RiskLevel.MODERATE,
    SuicidalIdeation.PASSIVE,
    self_harm=SelfHarm.PAST,
    prior_attempts=PriorAttempts.ONE,
    most_recent_attempt="Overdose, March 2019",
    homicidal_ideation=True,
    homicide_target="No identifiable target",
    risk_factors=("Recent divorce", "Lives alone"),
    protective_factors=("Daughter",),
    level_rationale="Passive ideation without plan; engaged; supports present.",
    safety_plan=PLAN,
)


def test_unset_new_fields_leave_the_stored_form_as_it_was() -> None:
    assert set(RiskAssessment(RiskLevel.LOW).validated().to_dict()) == OLD_RISK_KEYS
    assert set(MentalStatusExam(mood=Mood.ANXIOUS).validated().to_dict()) == OLD_EXAM_KEYS


def test_old_stored_forms_without_the_new_keys_read_back_with_defaults() -> None:
    old = {"risk_level": "low", "suicidal_ideation": "none", "comments": "Denies SI."}
    risk = RiskAssessment.from_dict(old)
    assert (risk.prior_attempts, risk.risk_factors, risk.safety_plan, risk.homicide_target) == (None, (), None, "")
    assert MentalStatusExam.from_dict({"mood": "anxious"}).memory == ()


def test_every_new_field_round_trips_through_json() -> None:
    risk = FULL_RISK.validated()
    assert RiskAssessment.from_dict(json.loads(json.dumps(risk.to_dict()))) == risk
    assert risk.to_dict()["safety_plan"]["professionals"] == ["Dana Reyes, LCSW", CRISIS_LINE]
    exam = MentalStatusExam(memory=(Memory.IMPAIRED_REMOTE, Memory.IMPAIRED_RECENT), attention=Attention.DISTRACTIBLE)
    exam = exam.validated()
    assert exam.memory == (Memory.IMPAIRED_RECENT, Memory.IMPAIRED_REMOTE)
    assert MentalStatusExam.from_dict(json.loads(json.dumps(exam.to_dict()))) == exam


def test_intact_memory_stands_alone() -> None:
    with pytest.raises(ValidationError, match="intact") as err:
        MentalStatusExam(memory=(Memory.INTACT, Memory.IMPAIRED_RECENT)).validated()
    assert err.value.field == "mental_status.memory"


def test_the_stored_dict_is_the_callers_own() -> None:
    risk = FULL_RISK.validated()
    first = risk.to_dict()
    first["safety_plan"]["warning_signs"].append("changed")
    assert risk.to_dict()["safety_plan"]["warning_signs"] == ["Stops answering texts"]


@pytest.mark.parametrize(
    "change",
    [
        {"prior_attempts": PriorAttempts.NONE},
        {"most_recent_attempt": "2019"},
        {"homicide_target": "Former partner"},
        {"risk_factors": ("Lives alone",)},
        {"level_rationale": "No plan."},
        {"safety_plan": SafetyPlan(warning_signs=("Not sleeping",))},
    ],
)
def test_a_new_risk_field_once_set_changes_the_seal(change: dict[str, object]) -> None:
    note = Note(
        client_id=1, id=4, format=NoteFormat.NARRATIVE, sections=sections(NoteFormat.NARRATIVE, {"Narrative": "x"}),
        risk=RiskAssessment(RiskLevel.LOW), mental_status=MentalStatusExam(),
    ).validated()  # fmt: skip
    assert note.risk is not None
    changed = dataclasses.replace(note, risk=dataclasses.replace(note.risk, **change)).validated()  # type: ignore[arg-type]
    assert content_hash(changed) != content_hash(note)
    exam = dataclasses.replace(note, mental_status=MentalStatusExam(attention=Attention.INTACT)).validated()
    assert content_hash(exam) != content_hash(note)


def test_safety_plan_lines_are_cleaned() -> None:
    plan = SafetyPlan(warning_signs=("  Not sleeping ", "", "Not sleeping")).validated()
    assert plan.warning_signs == ("Not sleeping",)
    assert not plan.complete
    assert PLAN.complete
