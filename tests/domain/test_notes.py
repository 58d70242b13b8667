from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import date, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from therapy_desk.domain.assessment import (
    Affect,
    Insight,
    MentalStatusExam,
    Mood,
    Orientation,
    Perception,
    RiskAssessment,
    RiskLevel,
    SuicidalIdeation,
    ThoughtContent,
)
from therapy_desk.domain.notes import (
    FORMAT_SECTIONS,
    KIND_SECTIONS,
    Note,
    NoteFormat,
    NoteKind,
    NoteStatus,
    Section,
    canonical_content,
    content_hash,
    section_names,
    sections,
)
from therapy_desk.errors import ValidationError

TODAY = date(2025, 3, 14)
SOAP_TEXT = {
    "Subjective": "Reports better sleep.",
    "Objective": "Calm, good eye contact.",
    "Assessment": "Improving.",
    "Plan": "Continue weekly CBT.",
}


def soap_note(**changes: object) -> Note:
    note = Note(
        client_id=7,
        kind=NoteKind.PROGRESS,
        format=NoteFormat.SOAP,
        date_of_service=date(2025, 3, 10),
        start_time=time(9, 0),
        end_time=time(9, 53),
        sections=sections(NoteFormat.SOAP, SOAP_TEXT),
    )
    return dataclasses.replace(note, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("note_format", "names"),
    [
        (NoteFormat.SOAP, ("Subjective", "Objective", "Assessment", "Plan")),
        (NoteFormat.DAP, ("Data", "Assessment", "Plan")),
        (NoteFormat.BIRP, ("Behavior", "Intervention", "Response", "Plan")),
        (NoteFormat.GIRP, ("Goals", "Intervention", "Response", "Plan")),
        (NoteFormat.NARRATIVE, ("Narrative",)),
    ],
)
def test_each_format_has_its_sections_in_order(note_format: NoteFormat, names: tuple[str, ...]) -> None:
    assert FORMAT_SECTIONS[note_format] == names
    filled = sections(note_format, {name: f"text of {name}" for name in reversed(names)})
    assert [s.name for s in filled] == list(names)
    assert [s.text for s in filled] == [f"text of {name}" for name in names]


def test_a_section_from_another_format_is_refused() -> None:
    with pytest.raises(ValidationError, match="'Data' is not a section of a SOAP note") as err:
        sections(NoteFormat.SOAP, {"Data": "x"})
    assert err.value.field == "sections"


@pytest.mark.parametrize("bad", ["before\x00after", "half a pair \ud800"])
def test_text_that_is_not_text_is_refused(bad: str) -> None:
    with pytest.raises(ValidationError, match="paste it again as plain text") as err:
        soap_note(sections=(Section("Plan", bad),)).validated()
    assert err.value.field == "sections.Plan"
    with pytest.raises(ValidationError, match="paste it again"):
        soap_note(interventions=(bad,)).validated()


def test_section_text_is_normalised_for_saving() -> None:
    note = soap_note(sections=(Section("Plan", "  Continue.\r\nWeekly.  "),)).validated()
    assert note.text("Plan") == "Continue.\nWeekly."
    assert note.text("Subjective") == ""


@pytest.mark.parametrize("end", [time(8, 59), time(9, 0)])
def test_end_time_must_be_after_start_time(end: time) -> None:
    with pytest.raises(ValidationError, match="end time must be after the start time") as err:
        soap_note(end_time=end).validated()
    assert err.value.field == "end_time"


def test_session_minutes_come_from_start_and_end() -> None:
    assert soap_note().minutes == 53
    assert soap_note(end_time=None).minutes is None


def test_goals_are_deduplicated_and_must_be_saved_goals() -> None:
    assert soap_note(goal_ids=(5, 2, 5)).validated().goal_ids == (2, 5)
    with pytest.raises(ValidationError) as err:
        soap_note(goal_ids=(0,)).validated()
    assert err.value.field == "goal_ids"


def test_interventions_and_participants_are_trimmed_and_deduplicated() -> None:
    note = soap_note(interventions=(" CBT  thought record ", "", "CBT thought record", "MI"), participants=("Client",))
    clean = note.validated()
    assert clean.interventions == ("CBT thought record", "MI")
    assert clean.participants == ("Client",)


def test_signing_needs_a_date_of_service() -> None:
    with pytest.raises(ValidationError, match="date of service") as err:
        soap_note(date_of_service=None).validated_for_signing(TODAY)
    assert err.value.field == "date_of_service"


def test_signing_refuses_a_date_of_service_in_the_future() -> None:
    with pytest.raises(ValidationError, match="cannot be in the future"):
        soap_note(date_of_service=date(2025, 3, 15)).validated_for_signing(TODAY)


def test_signing_needs_every_section_of_the_format_written() -> None:
    partial = sections(NoteFormat.SOAP, {**SOAP_TEXT, "Objective": "   "})
    with pytest.raises(ValidationError, match="The Objective section is empty") as err:
        soap_note(sections=partial).validated_for_signing(TODAY)
    assert err.value.field == "sections.Objective"


def test_signing_a_session_note_needs_its_times_but_a_collateral_contact_does_not() -> None:
    with pytest.raises(ValidationError, match="start and end time") as err:
        soap_note(end_time=None).validated_for_signing(TODAY)
    assert err.value.field == "end_time"
    collateral = soap_note(kind=NoteKind.COLLATERAL, start_time=None, end_time=None)
    assert collateral.validated_for_signing(TODAY).kind is NoteKind.COLLATERAL


def test_an_intake_needs_a_risk_assessment_and_mental_status_exam_to_be_signed() -> None:
    intake = soap_note(kind=NoteKind.INTAKE)
    with pytest.raises(ValidationError, match="risk assessment"):
        intake.validated_for_signing(TODAY)
    with pytest.raises(ValidationError, match="mental status exam"):
        dataclasses.replace(intake, risk=RiskAssessment(RiskLevel.LOW)).validated_for_signing(TODAY)
    complete = dataclasses.replace(intake, risk=RiskAssessment(RiskLevel.LOW), mental_status=MentalStatusExam())
    assert complete.validated_for_signing(TODAY).kind is NoteKind.INTAKE


def test_a_suicide_plan_without_ideation_is_inconsistent() -> None:
    with pytest.raises(ValidationError, match="cannot be 'none'") as err:
        RiskAssessment(RiskLevel.MODERATE, suicide_plan=True).validated()
    assert err.value.field == "risk.suicidal_ideation"
    active = RiskAssessment(RiskLevel.HIGH, SuicidalIdeation.ACTIVE, suicide_plan=True, safety_plan_reviewed=True)
    assert active.validated().suicide_plan


def test_mental_status_findings_are_ordered_and_exclusive_choices_stand_alone() -> None:
    mse = MentalStatusExam(orientation=(Orientation.TIME, Orientation.PERSON, Orientation.TIME)).validated()
    assert mse.orientation == (Orientation.PERSON, Orientation.TIME)
    with pytest.raises(ValidationError, match="unremarkable") as err:
        MentalStatusExam(thought_content=(ThoughtContent.UNREMARKABLE, ThoughtContent.DELUSIONS)).validated()
    assert err.value.field == "mental_status.thought_content"
    with pytest.raises(ValidationError, match="no disturbance"):
        MentalStatusExam(perception=(Perception.NO_DISTURBANCE, Perception.ILLUSIONS)).validated()


def test_mental_status_and_risk_survive_their_stored_form() -> None:
    mse = MentalStatusExam(
        mood=Mood.ANXIOUS, affect=Affect.CONSTRICTED, insight=Insight.FAIR, orientation=tuple(Orientation)
    ).validated()
    risk = RiskAssessment(
        RiskLevel.MODERATE, SuicidalIdeation.PASSIVE, protective_factors=("sister", "faith")
    ).validated()
    assert MentalStatusExam.from_dict(json.loads(json.dumps(mse.to_dict()))) == mse
    assert RiskAssessment.from_dict(json.loads(json.dumps(risk.to_dict()))) == risk


def test_canonical_content_is_sorted_key_json_of_the_clinical_fields() -> None:
    note = soap_note(
        id=3, status=NoteStatus.SIGNED, signed_by="Maya Okafor, LCSW", signed_at="2025-03-10T15:00:00+00:00"
    )
    raw = canonical_content(note.validated())
    content = json.loads(raw)
    assert list(content) == sorted(content)
    assert content["sections"][0] == ["Subjective", "Reports better sleep."]
    assert content["start_time"] == "09:00"
    assert content["signed_by"] == "Maya Okafor, LCSW"
    assert content_hash(note.validated()) == hashlib.sha256(raw).hexdigest()


@pytest.mark.parametrize(
    "change",
    [
        {"sections": sections(NoteFormat.SOAP, {**SOAP_TEXT, "Plan": "Discharge."})},
        {"date_of_service": date(2025, 3, 11)},
        {"end_time": time(9, 52)},
        {"risk": RiskAssessment(RiskLevel.LOW)},
        {"goal_ids": (4,)},
        {"signed_by": "Someone Else"},
    ],
)
def test_any_change_to_a_clinical_field_changes_the_hash(change: dict[str, object]) -> None:
    note = soap_note(id=3, signed_by="Maya Okafor", signed_at="2025-03-10T15:00:00+00:00").validated()
    changed = dataclasses.replace(note, **change).validated()  # type: ignore[arg-type]
    assert content_hash(changed) != content_hash(note)


@given(
    st.dictionaries(
        st.sampled_from(FORMAT_SECTIONS[NoteFormat.DAP]),
        st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=200),
    )
)
def test_canonical_content_round_trips_any_section_text(texts: dict[str, str]) -> None:
    note = Note(client_id=1, format=NoteFormat.DAP, sections=sections(NoteFormat.DAP, texts)).validated()
    content = json.loads(canonical_content(note).decode("utf-8"))
    assert [tuple(pair) for pair in content["sections"]] == [(s.name, s.text) for s in note.sections]
    assert canonical_content(note) == canonical_content(note.validated())


@pytest.mark.parametrize("kind", [k for k in NoteKind if k is not NoteKind.PROGRESS])
def test_a_kind_other_than_progress_has_its_own_sections_and_old_narrative_ones_still_read(kind: NoteKind) -> None:
    own = KIND_SECTIONS[kind]
    assert section_names(kind, NoteFormat.NARRATIVE) == own
    assert [s.name for s in sections(NoteFormat.NARRATIVE, {own[0]: "Written."}, kind)] == list(own)
    legacy = sections(NoteFormat.NARRATIVE, {"Narrative": "Written before kinds had sections."}, kind)
    assert [s.name for s in legacy] == ["Narrative"]
    assert section_names(kind, NoteFormat.SOAP) == FORMAT_SECTIONS[NoteFormat.SOAP]  # a chosen format stands
    with pytest.raises(ValidationError, match=f"is not a section of a {kind.value} note"):
        sections(NoteFormat.NARRATIVE, {own[0]: "x", "Subjective": "y"}, kind)
