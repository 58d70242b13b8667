from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from therapy_desk.domain.plans import (
    Goal,
    Intervention,
    Modality,
    Objective,
    Problem,
    TreatmentPlan,
    canonical_content,
    content_sha256,
    default_review_due,
    revision_of,
)
from therapy_desk.errors import ValidationError

EFFECTIVE = date(2025, 3, 3)


def complete_plan(**changes: Any) -> TreatmentPlan:
    plan = TreatmentPlan(
        effective_date=EFFECTIVE,
        problems=(
            Problem(
                "Depressed mood most days, withdrawing from friends",
                goals=(
                    Goal(
                        "Reduce depressive symptoms",
                        objectives=(Objective("PHQ-9 total below 10 on two administrations", date(2025, 6, 1)),),
                        interventions=(Intervention(Modality.CBT, "Behavioral activation, thought records"),),
                    ),
                ),
            ),
        ),
        frequency="weekly 53-minute individual psychotherapy",
        participation="Client and therapist wrote the goals together; client agrees with the plan.",
    )
    return replace(plan, **changes)


def _with_objective(objective: Objective) -> TreatmentPlan:
    plan = complete_plan()
    goal = replace(plan.problems[0].goals[0], objectives=(objective,))
    return replace(plan, problems=(replace(plan.problems[0], goals=(goal,)),))


def _with_goal(goal: Goal) -> TreatmentPlan:
    plan = complete_plan()
    return replace(plan, problems=(replace(plan.problems[0], goals=(goal,)),))


def test_review_is_due_90_days_after_the_effective_date_by_default() -> None:
    plan = complete_plan().validated()
    assert plan.review_due == date(2025, 6, 1)
    assert default_review_due(date(2025, 1, 1)) == date(2025, 4, 1)


def test_an_explicit_review_date_is_kept() -> None:
    assert complete_plan(review_due=date(2025, 4, 1)).validated().review_due == date(2025, 4, 1)


@pytest.mark.parametrize("review_due", [EFFECTIVE, date(2025, 3, 2)])
def test_review_date_must_be_after_the_effective_date(review_due: date) -> None:
    with pytest.raises(ValidationError, match="review date must be after") as err:
        complete_plan(review_due=review_due).validated()
    assert err.value.field == "review_due"


def test_objective_target_date_before_the_effective_date_is_refused_naming_it() -> None:
    with pytest.raises(ValidationError, match="target date cannot be before") as err:
        _with_objective(Objective("Sleep 7 hours on 5 nights a week", date(2025, 3, 2))).validated()
    assert err.value.field == "problems[0].goals[0].objectives[0].target_date"


def test_an_objective_on_the_effective_date_is_allowed() -> None:
    _with_objective(Objective("Attend first session", EFFECTIVE)).validated()


def test_blank_objective_text_is_refused() -> None:
    with pytest.raises(ValidationError, match="measurable objective cannot be empty") as err:
        _with_objective(Objective("   ", date(2025, 5, 1))).validated()
    assert err.value.field == "problems[0].goals[0].objectives[0].text"


def test_blank_goal_and_problem_statements_are_refused() -> None:
    with pytest.raises(ValidationError, match="goal statement"):
        _with_goal(Goal(" ")).validated()
    with pytest.raises(ValidationError, match="problem statement") as err:
        complete_plan(problems=(Problem(""),)).validated()
    assert err.value.field == "problems[0].statement"


def test_text_is_trimmed() -> None:
    plan = complete_plan(frequency="  weekly  ").validated()
    assert plan.frequency == "weekly"
    assert _with_goal(Goal("  Sleep better ")).validated().goals[0].statement == "Sleep better"


def test_an_other_intervention_needs_a_description() -> None:
    goal = replace(complete_plan().goals[0], interventions=(Intervention(Modality.OTHER),))
    with pytest.raises(ValidationError, match="'other'") as err:
        _with_goal(goal).validated()
    assert err.value.field == "problems[0].goals[0].interventions[0].description"


def test_a_modality_given_as_text_is_normalised_and_an_unknown_one_refused() -> None:
    goal = replace(complete_plan().goals[0], interventions=(Intervention("EMDR", "Phase 1 resourcing"),))  # type: ignore[arg-type]
    assert _with_goal(goal).validated().interventions[0].modality is Modality.EMDR
    unknown = replace(goal, interventions=(Intervention("hypnosis"),))  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="not a modality"):
        _with_goal(unknown).validated()


def test_the_same_goal_id_twice_is_refused() -> None:
    goal = replace(complete_plan().goals[0], id=7)
    plan = complete_plan()
    with pytest.raises(ValidationError, match="goal 7 twice"):
        replace(plan, problems=(replace(plan.problems[0], goals=(goal, goal)),)).validated()


def test_a_complete_plan_is_ready_to_sign() -> None:
    complete_plan().check_ready_to_sign()


@pytest.mark.parametrize(
    ("plan", "field", "message"),
    [
        (complete_plan(problems=()), "problems", "at least one goal"),
        (
            complete_plan(problems=(*complete_plan().problems, Problem("Panic attacks"))),
            "problems[1].goals",
            "Problem 2 has no goal",
        ),
        (_with_goal(Goal("Reduce panic")), "problems[0].goals[0].objectives", "measurable objective"),
        (
            _with_objective(Objective("Fewer than 2 panic attacks a week")),
            "problems[0].goals[0].objectives[0].target_date",
            "target date",
        ),
        (
            _with_goal(replace(complete_plan().goals[0], interventions=())),
            "interventions",
            "at least one intervention",
        ),
        (complete_plan(frequency=" "), "frequency", "frequency"),
        (complete_plan(participation=""), "participation", "took part"),
    ],
)
def test_an_incomplete_plan_cannot_be_signed(plan: TreatmentPlan, field: str, message: str) -> None:
    plan.validated()  # fine as a draft
    with pytest.raises(ValidationError, match=message) as err:
        plan.check_ready_to_sign()
    assert err.value.field == field


def test_a_complete_plan_signs_without_a_warning() -> None:
    assert complete_plan().sign_warnings() == ()


def test_an_objective_due_on_the_effective_date_is_a_warning_naming_it() -> None:
    plan = _with_objective(Objective("PHQ-9 total below 10", EFFECTIVE))
    plan.check_ready_to_sign()  # still allowed: "attend the first session" may really be due that day

    (warning,) = plan.sign_warnings()

    assert warning.message == (
        "Objective 1 of goal 1 (problem 1) is due on the day the plan takes effect (Mar 3, 2025): "
        "set a target date ahead, such as the review date."
    )
    assert warning.field == "problems[0].goals[0].objectives[0].target_date"


def test_each_early_objective_is_warned_about_and_later_ones_are_not() -> None:
    goal = replace(
        complete_plan().goals[0],
        objectives=(
            Objective("Sleep 7 hours", date(2025, 3, 4)),
            Objective("Walk daily", EFFECTIVE),
            Objective("Call a friend weekly", date(2025, 3, 1)),  # a draft may hold it until validated
        ),
    )
    warnings = _with_goal(goal).sign_warnings()
    assert [w.field for w in warnings] == [
        "problems[0].goals[0].objectives[1].target_date",
        "problems[0].goals[0].objectives[2].target_date",
    ]
    assert "is due before the day the plan takes effect" in warnings[1].message


def test_modalities_are_listed_once_in_plan_order() -> None:
    goal = replace(
        complete_plan().goals[0],
        interventions=(
            Intervention(Modality.MI, "Explore ambivalence"),
            Intervention(Modality.CBT, "Thought records"),
            Intervention(Modality.MI, "Change talk"),
        ),
    )
    assert _with_goal(goal).modalities == (Modality.MI, Modality.CBT)
    assert Modality.MI.label == "Motivational interviewing (MI)"


def test_revision_copies_content_links_each_goal_and_clears_passed_target_dates() -> None:
    signed = complete_plan(id=10, client_id=3, version=1)
    goal = replace(
        signed.goals[0],
        id=101,
        objectives=(
            Objective("PHQ-9 below 10", date(2025, 6, 1), id=201),
            Objective("Back at the gym twice a week", date(2025, 9, 1), id=202),
        ),
    )
    signed = replace(signed, problems=(replace(signed.problems[0], id=50, goals=(goal,)),))
    draft = revision_of(signed, date(2025, 7, 1))
    assert draft.id is None
    assert draft.supersedes_id == 10
    assert draft.client_id == 3
    assert draft.effective_date == date(2025, 7, 1)
    assert draft.review_due == date(2025, 9, 29)
    assert [g.statement for g in draft.goals] == ["Reduce depressive symptoms"]
    assert draft.goals[0].id is None
    assert draft.goals[0].carried_from_id == 101
    assert [(o.target_date, o.carried_from_id) for o in draft.objectives] == [(None, 201), (date(2025, 9, 1), 202)]
    assert draft.problems[0].id is None
    assert draft.participation == ""
    draft.validated()


def test_content_hash_is_stable_and_changes_with_any_clinical_word() -> None:
    plan = complete_plan(id=1, client_id=2, version=1).validated()
    assert content_sha256(plan) == content_sha256(replace(plan, signed_by="Maya Okafor, LCSW"))
    assert canonical_content(plan).decode("utf-8").startswith("{")
    changed = _with_objective(Objective("PHQ-9 total below 9 on two administrations", date(2025, 6, 1)))
    changed = replace(changed, id=1, client_id=2, version=1).validated()
    assert content_sha256(changed) != content_sha256(plan)
