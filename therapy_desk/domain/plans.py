"""Treatment plans: problems, goals, measurable objectives, interventions, and the rules for signing.

A plan is a tree: each problem has goals; each goal has measurable objectives (with target dates)
and the interventions used to reach it. Plans are versioned: a signed plan never changes; a
revision is a new draft copied from it, and signing the revision supersedes the old version.
"""

from __future__ import annotations

import enum
import hashlib
import json
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from therapy_desk.errors import ValidationError

REVIEW_INTERVAL_DAYS = 90


class Modality(enum.StrEnum):
    CBT = "CBT"
    DBT = "DBT"
    TRAUMA_FOCUSED = "trauma-focused"
    EMDR = "EMDR"
    SOLUTION_FOCUSED = "solution-focused"
    MI = "MI"
    FAMILY_SYSTEMS = "family systems"
    PSYCHODYNAMIC = "psychodynamic"
    OTHER = "other"

    @property
    def label(self) -> str:
        """Wording for screens and printed plans."""
        return _MODALITY_LABELS[self]


_MODALITY_LABELS = {
    Modality.CBT: "Cognitive behavioral therapy (CBT)",
    Modality.DBT: "Dialectical behavior therapy (DBT)",
    Modality.TRAUMA_FOCUSED: "Trauma-focused / trauma-informed therapy",
    Modality.EMDR: "EMDR",
    Modality.SOLUTION_FOCUSED: "Solution-focused therapy",
    Modality.MI: "Motivational interviewing (MI)",
    Modality.FAMILY_SYSTEMS: "Family systems therapy",
    Modality.PSYCHODYNAMIC: "Psychodynamic therapy",
    Modality.OTHER: "Other",
}


class PlanStatus(enum.StrEnum):
    DRAFT = "draft"
    SIGNED = "signed"
    SUPERSEDED = "superseded"


@dataclass(frozen=True)
class Intervention:
    modality: Modality
    description: str = ""
    id: int | None = None


@dataclass(frozen=True)
class Objective:
    """A measurable step toward a goal, due by its target date."""

    text: str
    target_date: date | None = None
    id: int | None = None
    carried_from_id: int | None = None  # the objective of the previous version this one continues


@dataclass(frozen=True)
class Goal:
    statement: str
    objectives: tuple[Objective, ...] = ()
    interventions: tuple[Intervention, ...] = ()
    id: int | None = None  # stable: progress notes record the ids of goals addressed
    carried_from_id: int | None = None  # the goal of the previous version this one continues


@dataclass(frozen=True)
class Problem:
    statement: str
    goals: tuple[Goal, ...] = ()
    id: int | None = None


@dataclass(frozen=True)
class TreatmentPlan:
    """One version of a client's treatment plan."""

    effective_date: date
    problems: tuple[Problem, ...] = ()
    frequency: str = ""  # e.g. "weekly 53-minute individual psychotherapy"
    participation: str = ""  # how the client took part in making the plan
    review_due: date | None = None  # defaults to 90 days after the effective date
    client_id: int | None = None
    id: int | None = None
    version: int = 0  # 0 until saved
    status: PlanStatus = PlanStatus.DRAFT
    supersedes_id: int | None = None  # the plan version this one replaces
    signed_by: str = ""
    signed_at: datetime | None = None  # UTC
    content_sha256: str = ""
    superseded_at: datetime | None = None  # UTC
    superseded_by_id: int | None = None

    @property
    def goals(self) -> tuple[Goal, ...]:
        return tuple(goal for problem in self.problems for goal in problem.goals)

    @property
    def objectives(self) -> tuple[Objective, ...]:
        return tuple(objective for goal in self.goals for objective in goal.objectives)

    @property
    def interventions(self) -> tuple[Intervention, ...]:
        return tuple(intervention for goal in self.goals for intervention in goal.interventions)

    @property
    def modalities(self) -> tuple[Modality, ...]:
        """Each modality the plan uses, once, in plan order."""
        return tuple(dict.fromkeys(i.modality for i in self.interventions))

    @property
    def is_signed(self) -> bool:
        return self.status is not PlanStatus.DRAFT

    def goal(self, goal_id: int) -> Goal:
        for goal in self.goals:
            if goal.id == goal_id:
                return goal
        raise ValidationError(f"Goal {goal_id} is not part of this treatment plan.", "goal_id")

    def validated(self) -> TreatmentPlan:
        """A normalised copy fit to save as a draft, or `ValidationError` naming the field.

        Drafts may be incomplete; `check_ready_to_sign` adds the rules a signed plan must meet.
        """
        if not isinstance(self.effective_date, date) or isinstance(self.effective_date, datetime):
            raise ValidationError("The plan needs an effective date.", "effective_date")
        review_due = self.review_due or default_review_due(self.effective_date)
        if review_due <= self.effective_date:
            raise ValidationError("The review date must be after the plan's effective date.", "review_due")
        problems = tuple(
            _validated_problem(problem, f"problems[{p}]", self.effective_date)
            for p, problem in enumerate(self.problems)
        )
        _check_unique_ids(problems)
        return replace(
            self,
            problems=problems,
            frequency=self.frequency.strip(),
            participation=self.participation.strip(),
            review_due=review_due,
        )

    def check_ready_to_sign(self) -> None:
        """Refuse to sign a plan that is not complete (raises `ValidationError` naming the field)."""
        plan = self.validated()
        if not plan.goals:
            raise ValidationError(
                "A plan needs at least one goal with a measurable objective to be signed.", "problems"
            )
        for p, problem in enumerate(plan.problems):
            if not problem.goals:
                raise ValidationError(
                    f"Problem {p + 1} has no goal; add one or remove the problem before signing.",
                    f"problems[{p}].goals",
                )
            for g, goal in enumerate(problem.goals):
                where = f"problems[{p}].goals[{g}]"
                if not goal.objectives:
                    raise ValidationError(
                        f"Goal {g + 1} of problem {p + 1} needs at least one measurable objective before signing.",
                        f"{where}.objectives",
                    )
                for o, objective in enumerate(goal.objectives):
                    if objective.target_date is None:
                        raise ValidationError(
                            f"Objective {o + 1} of goal {g + 1} (problem {p + 1}) needs a target date before signing.",
                            f"{where}.objectives[{o}].target_date",
                        )
        if not plan.interventions:
            raise ValidationError("A plan needs at least one intervention to be signed.", "interventions")
        if not plan.frequency:
            raise ValidationError(
                "State the frequency of treatment (e.g. weekly 53-minute individual psychotherapy).", "frequency"
            )
        if not plan.participation:
            raise ValidationError("State how the client took part in making this plan before signing.", "participation")

    def sign_warnings(self) -> tuple[PlanWarning, ...]:
        """What a plan may be signed with but the clinician should look at first (signing is not refused).

        An objective due on the plan's effective date leaves no time to reach it: usually the target
        was never changed from the day the plan was written.
        """
        warnings = []
        for p, problem in enumerate(self.problems):
            for g, goal in enumerate(problem.goals):
                for o, objective in enumerate(goal.objectives):
                    target = objective.target_date
                    if target is not None and target <= self.effective_date:
                        when = "on" if target == self.effective_date else "before"
                        warnings.append(
                            PlanWarning(
                                f"Objective {o + 1} of goal {g + 1} (problem {p + 1}) is due {when} the day the "
                                f"plan takes effect ({_day(self.effective_date)}): set a target date ahead, "
                                f"such as the review date.",
                                f"problems[{p}].goals[{g}].objectives[{o}].target_date",
                            )
                        )
        return tuple(warnings)


@dataclass(frozen=True)
class PlanWarning:
    """A sentence about a plan that may still be signed, and the field path it is about."""

    message: str
    field: str


@dataclass(frozen=True)
class PlanSummary:
    """One plan version without its content: for history lists and the Today view."""

    id: int
    client_id: int
    version: int
    status: PlanStatus
    effective_date: date
    review_due: date
    signed_by: str = ""
    signed_at: datetime | None = None
    superseded_at: datetime | None = None


def _day(day: date) -> str:
    return f"{day:%b} {day.day}, {day.year}"  # as the screens and printed plans write dates


def default_review_due(effective_date: date) -> date:
    """Plans are commonly reviewed every 90 days."""
    return effective_date + timedelta(days=REVIEW_INTERVAL_DAYS)


def _text(value: object, field: str, label: str) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise ValidationError(f"{label} cannot be empty.", field)
    return text


def _modality(value: Modality | str, field: str) -> Modality:
    try:
        return Modality(value)
    except ValueError:
        allowed = ", ".join(m.value for m in Modality)
        raise ValidationError(f"{value!r} is not a modality this app knows; choose one of {allowed}.", field) from None


def _validated_problem(problem: Problem, where: str, effective: date) -> Problem:
    goals = tuple(_validated_goal(goal, f"{where}.goals[{g}]", effective) for g, goal in enumerate(problem.goals))
    return replace(
        problem, statement=_text(problem.statement, f"{where}.statement", "A problem statement"), goals=goals
    )


def _validated_goal(goal: Goal, where: str, effective: date) -> Goal:
    objectives = []
    for o, objective in enumerate(goal.objectives):
        field = f"{where}.objectives[{o}]"
        text = _text(objective.text, f"{field}.text", "A measurable objective")
        if objective.target_date is not None and objective.target_date < effective:
            raise ValidationError(
                "An objective's target date cannot be before the plan's effective date.", f"{field}.target_date"
            )
        objectives.append(replace(objective, text=text))
    interventions = []
    for i, intervention in enumerate(goal.interventions):
        field = f"{where}.interventions[{i}]"
        modality = _modality(intervention.modality, f"{field}.modality")
        description = intervention.description.strip()
        if modality is Modality.OTHER and not description:
            raise ValidationError("Describe an intervention whose modality is 'other'.", f"{field}.description")
        interventions.append(replace(intervention, modality=modality, description=description))
    return replace(
        goal,
        statement=_text(goal.statement, f"{where}.statement", "A goal statement"),
        objectives=tuple(objectives),
        interventions=tuple(interventions),
    )


def _check_unique_ids(problems: tuple[Problem, ...]) -> None:
    for kind, ids in (
        ("problem", [p.id for p in problems]),
        ("goal", [g.id for p in problems for g in p.goals]),
        ("objective", [o.id for p in problems for g in p.goals for o in g.objectives]),
        ("intervention", [i.id for p in problems for g in p.goals for i in g.interventions]),
    ):
        seen: set[int] = set()
        for item_id in ids:
            if item_id is None:
                continue
            if item_id in seen:
                raise ValidationError(f"The plan lists {kind} {item_id} twice.", f"{kind}_id")
            seen.add(item_id)


def revision_of(plan: TreatmentPlan, effective_date: date) -> TreatmentPlan:
    """A new draft copied from `plan`, effective `effective_date` (ids cleared, each goal and
    objective linked to the one it continues). Target dates that fall before the new effective
    date are cleared: a review sets new ones."""
    problems = tuple(
        Problem(
            statement=problem.statement,
            goals=tuple(
                Goal(
                    statement=goal.statement,
                    objectives=tuple(
                        Objective(
                            text=o.text,
                            target_date=o.target_date
                            if o.target_date is not None and o.target_date >= effective_date
                            else None,
                            carried_from_id=o.id,
                        )
                        for o in goal.objectives
                    ),
                    interventions=tuple(Intervention(i.modality, i.description) for i in goal.interventions),
                    carried_from_id=goal.id,
                )
                for goal in problem.goals
            ),
        )
        for problem in plan.problems
    )
    return TreatmentPlan(
        effective_date=effective_date,
        problems=problems,
        frequency=plan.frequency,
        participation="",  # the client takes part in each revision anew
        review_due=default_review_due(effective_date),
        client_id=plan.client_id,
        supersedes_id=plan.id,
    )


def canonical_content(plan: TreatmentPlan) -> bytes:
    """The plan's clinical content as canonical JSON (UTF-8): what a signature's SHA-256 covers."""
    document: dict[str, Any] = {
        "client_id": plan.client_id,
        "plan_id": plan.id,
        "version": plan.version,
        "supersedes_id": plan.supersedes_id,
        "effective_date": plan.effective_date.isoformat(),
        "review_due": None if plan.review_due is None else plan.review_due.isoformat(),
        "frequency": plan.frequency,
        "participation": plan.participation,
        "problems": [
            {
                "id": problem.id,
                "statement": problem.statement,
                "goals": [
                    {
                        "id": goal.id,
                        "statement": goal.statement,
                        "carried_from_id": goal.carried_from_id,
                        "objectives": [
                            {
                                "id": o.id,
                                "text": o.text,
                                "target_date": None if o.target_date is None else o.target_date.isoformat(),
                                "carried_from_id": o.carried_from_id,
                            }
                            for o in goal.objectives
                        ],
                        "interventions": [
                            {"id": i.id, "modality": str(i.modality), "description": i.description}
                            for i in goal.interventions
                        ],
                    }
                    for goal in problem.goals
                ],
            }
            for problem in plan.problems
        ],
    }
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def content_sha256(plan: TreatmentPlan) -> str:
    return hashlib.sha256(canonical_content(plan)).hexdigest()
