"""Importing signed plan histories at once: part of `vault.plans` (mixed into `PlanStore`), for the
demo vault and imports from another system.

Every version is checked as `create_draft` and `sign` check it, and goes through the same steps in
the database: stored as a draft with its items, then signed, superseding the version before it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime
from itertools import count
from typing import Any

from therapy_desk.domain.plans import (
    Goal,
    Intervention,
    Objective,
    PlanStatus,
    Problem,
    TreatmentPlan,
    content_sha256,
)
from therapy_desk.domain.seals import seal_digest
from therapy_desk.errors import ValidationError
from therapy_desk.storage import db
from therapy_desk.storage.audit import AuditStore
from therapy_desk.storage.plans_rows import SIGN, SUPERSEDE, check_replaces, checked_signer, saved_item_ids
from therapy_desk.storage.rows import iso, now_utc
from therapy_desk.storage.seals import PLANS_IMPORTED, batch_seal_detail

_TABLES = ("plans", "plan_problems", "plan_goals", "plan_objectives", "plan_interventions")
_INSERT_PLAN = (
    "INSERT INTO plans (id, client_id, version, status, effective_date, review_due, frequency, participation, "
    "supersedes_id, created_at, updated_at) VALUES (?, ?, ?, 'draft', ?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_PROBLEM = "INSERT INTO plan_problems (id, plan_id, position, statement) VALUES (?, ?, ?, ?)"
_INSERT_GOAL = (
    "INSERT INTO plan_goals (id, plan_id, problem_id, position, statement, carried_from_id) VALUES (?, ?, ?, ?, ?, ?)"
)
_INSERT_OBJECTIVE = (
    "INSERT INTO plan_objectives (id, plan_id, goal_id, position, text, target_date, carried_from_id) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_INTERVENTION = (
    "INSERT INTO plan_interventions (id, plan_id, goal_id, position, modality, description) VALUES (?, ?, ?, ?, ?, ?)"
)


def _numbered(plan: TreatmentPlan, ids: dict[str, count[int]], previous: TreatmentPlan | None) -> TreatmentPlan:
    """`plan` with ids for itself and its items. A goal continues the previous version's goal with the
    same statement, an objective the objective with the same text under that goal."""
    earlier = {goal.statement: goal for goal in previous.goals} if previous is not None else {}
    problems = []
    for problem in plan.problems:
        goals = []
        for goal in problem.goals:
            source = earlier.get(goal.statement)
            source_objectives = {o.text: o.id for o in source.objectives} if source is not None else {}
            goals.append(
                Goal(
                    goal.statement,
                    tuple(
                        Objective(o.text, o.target_date, next(ids["plan_objectives"]), source_objectives.get(o.text))
                        for o in goal.objectives
                    ),
                    tuple(
                        Intervention(i.modality, i.description, next(ids["plan_interventions"]))
                        for i in goal.interventions
                    ),
                    next(ids["plan_goals"]),
                    None if source is None else source.id,
                )
            )
        problems.append(Problem(problem.statement, tuple(goals), next(ids["plan_problems"])))
    return dataclasses.replace(
        plan,
        id=next(ids["plans"]),
        version=1 if previous is None else previous.version + 1,
        supersedes_id=None if previous is None else previous.id,
        problems=tuple(problems),
        status=PlanStatus.DRAFT,
    )


class PlanImportMixin:
    """`import_plans`; mixed into `PlanStore`."""

    _db: db.Database
    _audit: AuditStore

    def import_plans(self, chains: Sequence[Sequence[TreatmentPlan]], signer: str) -> list[list[TreatmentPlan]]:
        """Add signed plan histories in one transaction; returns them as stored (with ids).

        Each chain is one client's plan versions, oldest first, each complete enough to sign and taking
        effect no earlier than the one before. Every version is signed by `signer` (at its `signed_at`, the
        time it was signed in the system it comes from, or now) and superseded by the next when that one was
        signed, so the last is the client's active plan. A goal carries from the previous version's goal with
        the same statement (an objective from the one with the same text). The client must have no plan yet.
        """
        who = checked_signer(signer)
        now = datetime.now(UTC).replace(microsecond=0)
        prepared: list[list[TreatmentPlan]] = []
        for chain in chains:
            versions: list[TreatmentPlan] = []
            for plan in chain:
                clean = plan.validated()
                if clean.id is not None or any(item is not None for item in saved_item_ids(clean)):
                    raise ValidationError(
                        "A new plan cannot reuse goals or objectives saved in another plan.", "problems"
                    )
                clean.check_ready_to_sign()
                if clean.client_id is None or (versions and clean.client_id != versions[0].client_id):
                    raise ValidationError("Every version of an imported plan belongs to one client.", "client_id")
                if versions:
                    check_replaces(clean.effective_date, versions[-1].effective_date)
                clean = dataclasses.replace(clean, signed_at=_signed_at(clean, versions[-1] if versions else None, now))
                versions.append(clean)
            if versions:
                prepared.append(versions)
        result: list[list[TreatmentPlan]] = []
        if not prepared:
            return result
        stamp = now_utc()
        with self._db.transaction():
            client_ids = [_client(versions[0]) for versions in prepared]
            missing = set(client_ids) - self._db.existing_ids("clients", client_ids)
            if missing:
                raise ValidationError(f"There is no client with id {min(missing)}.", "client_id")
            sql = "SELECT DISTINCT client_id FROM plans WHERE client_id IN ({ids})"
            planned = [int(row[0]) for row in self._db.select_in(sql, client_ids)]
            if planned:
                raise ValidationError(
                    f"Client {min(planned)} already has a treatment plan; revise it instead of importing one.",
                    "client_id",
                )
            ids = {table: count(self._db.next_id(table)) for table in _TABLES}
            drafts: list[list[TreatmentPlan]] = []
            for versions in prepared:
                previous: TreatmentPlan | None = None
                chain = []
                for plan in versions:
                    previous = _numbered(plan, ids, previous)
                    chain.append(previous)
                drafts.append(chain)
            # Version by version across the chains (a client has one draft and one signed plan at a time):
            # stored as drafts with their items, the version before superseded, then signed.
            digests: dict[int, str] = {}
            for rank in range(max(len(chain) for chain in drafts)):
                now_drafts = [chain[rank] for chain in drafts if len(chain) > rank]
                self._insert(now_drafts, stamp)
                self._db.conn.executemany(
                    SUPERSEDE,
                    [
                        (_when(chain[rank]), chain[rank].id, chain[rank - 1].id)
                        for chain in drafts
                        if rank and len(chain) > rank
                    ],
                )
                signed = [(draft, content_sha256(draft)) for draft in now_drafts]
                self._db.conn.executemany(
                    SIGN, [(who, _when(draft), digest, stamp, draft.id) for draft, digest in signed]
                )
                digests.update((_id(draft), digest) for draft, digest in signed)
            for chain in drafts:
                stored_chain = [
                    dataclasses.replace(
                        draft, status=PlanStatus.SIGNED, signed_by=who, content_sha256=digests[_id(draft)]
                    )
                    for draft in chain
                ]
                for n, later in enumerate(chain[1:]):
                    stored_chain[n] = dataclasses.replace(
                        stored_chain[n],
                        status=PlanStatus.SUPERSEDED,
                        superseded_at=later.signed_at,
                        superseded_by_id=later.id,
                    )
                result.append(stored_chain)
            # One event seals the batch: `vault check` recomputes this digest of its plans' seals.
            self._audit.record(
                PLANS_IMPORTED,
                entity="plan",
                detail={
                    "clients": len(result),
                    "versions": len(digests),
                    **batch_seal_detail(min(digests), max(digests), seal_digest(digests.items())),
                },
            )
        return result

    def _insert(self, plans: Sequence[TreatmentPlan], now: str) -> None:
        """Store numbered drafts with their problems, goals, objectives and interventions."""
        rows: list[tuple[Any, ...]] = []
        problems: list[tuple[Any, ...]] = []
        goals: list[tuple[Any, ...]] = []
        objectives: list[tuple[Any, ...]] = []
        interventions: list[tuple[Any, ...]] = []
        for plan in plans:
            rows.append(
                (plan.id, plan.client_id, plan.version, iso(plan.effective_date), iso(plan.review_due), plan.frequency,
                 plan.participation, plan.supersedes_id, now, now)
            )  # fmt: skip
            for p, problem in enumerate(plan.problems):
                problems.append((problem.id, plan.id, p, problem.statement))
                for g, goal in enumerate(problem.goals):
                    goals.append((goal.id, plan.id, problem.id, g, goal.statement, goal.carried_from_id))
                    objectives += [
                        (o.id, plan.id, goal.id, n, o.text, iso(o.target_date), o.carried_from_id)
                        for n, o in enumerate(goal.objectives)
                    ]
                    interventions += [
                        (i.id, plan.id, goal.id, n, str(i.modality), i.description)
                        for n, i in enumerate(goal.interventions)
                    ]
        conn = self._db.conn
        conn.executemany(_INSERT_PLAN, rows)
        conn.executemany(_INSERT_PROBLEM, problems)
        conn.executemany(_INSERT_GOAL, goals)
        conn.executemany(_INSERT_OBJECTIVE, objectives)
        conn.executemany(_INSERT_INTERVENTION, interventions)


def _signed_at(plan: TreatmentPlan, previous: TreatmentPlan | None, now: datetime) -> datetime:
    """When an imported version was signed: its own `signed_at` (with its UTC offset, not in the future,
    not before the version it replaces), or now."""
    when = plan.signed_at or now
    if when.utcoffset() is None:
        raise ValidationError("An imported plan's signing time needs its UTC offset.", "signed_at")
    when = when.astimezone(UTC).replace(microsecond=0)
    if when > now:
        raise ValidationError("An imported plan cannot have been signed in the future.", "signed_at")
    if previous is not None and previous.signed_at is not None and when < previous.signed_at:
        raise ValidationError("Each version of an imported plan is signed after the version it replaces.", "signed_at")
    return when


def _when(plan: TreatmentPlan) -> str:
    assert plan.signed_at is not None, "imported versions have their signing time"
    return plan.signed_at.isoformat(timespec="seconds")


def _client(plan: TreatmentPlan) -> int:
    assert plan.client_id is not None, "checked: every version has its client"
    return plan.client_id


def _id(plan: TreatmentPlan) -> int:
    assert plan.id is not None, "numbered plans have ids"
    return plan.id
