"""`vault.plans`: versioned treatment plans, drafted, signed (immutable) and superseded.

A client has at most one draft and at most one signed (active) plan at a time. Goal and objective
ids are stable while a draft is edited, so progress notes can record the goals they address.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from typing import Any

from therapy_desk.domain.plans import (
    Goal,
    Intervention,
    Modality,
    Objective,
    PlanStatus,
    PlanSummary,
    Problem,
    TreatmentPlan,
    content_sha256,
    revision_of,
)
from therapy_desk.errors import ValidationError
from therapy_desk.storage import db
from therapy_desk.storage.audit import AuditStore
from therapy_desk.storage.plans_import import PlanImportMixin
from therapy_desk.storage.plans_rows import SIGN, SUPERSEDE, check_replaces, checked_signer, saved_item_ids
from therapy_desk.storage.rows import iso, now_utc, to_date, to_datetime
from therapy_desk.storage.seals import PLAN_SIGNED

_PLAN_COLUMNS = (
    "id, client_id, version, status, effective_date, review_due, frequency, participation, supersedes_id, "
    "signed_by, signed_at, content_sha256, superseded_at, superseded_by_id"
)
_PLAN_SELECT = f"SELECT {_PLAN_COLUMNS} FROM plans"  # noqa: S608 - fixed column list
_SUMMARY_SELECT = (
    "SELECT id, client_id, version, status, effective_date, review_due, signed_by, signed_at, superseded_at FROM plans"
)
_MAX_LIST = 1000


def _plan_from_row(row: tuple[Any, ...], problems: tuple[Problem, ...]) -> TreatmentPlan:
    (pid, client_id, version, status, effective, review_due, frequency, participation, supersedes_id,
     signed_by, signed_at, sha, superseded_at, superseded_by) = row  # fmt: skip
    return TreatmentPlan(
        id=pid,
        client_id=client_id,
        version=version,
        status=PlanStatus(status),
        effective_date=date.fromisoformat(effective),
        review_due=date.fromisoformat(review_due),
        frequency=frequency,
        participation=participation,
        supersedes_id=supersedes_id,
        signed_by=signed_by or "",
        signed_at=to_datetime(signed_at),
        content_sha256=sha or "",
        superseded_at=to_datetime(superseded_at),
        superseded_by_id=superseded_by,
        problems=problems,
    )


def _summary_from_row(row: tuple[Any, ...]) -> PlanSummary:
    pid, client_id, version, status, effective, review_due, signed_by, signed_at, superseded_at = row
    return PlanSummary(
        id=pid,
        client_id=client_id,
        version=version,
        status=PlanStatus(status),
        effective_date=date.fromisoformat(effective),
        review_due=date.fromisoformat(review_due),
        signed_by=signed_by or "",
        signed_at=to_datetime(signed_at),
        superseded_at=to_datetime(superseded_at),
    )


def _counts(plan: TreatmentPlan) -> dict[str, int]:
    """Audit detail: how much the plan holds, never what it says."""
    return {
        "problems": len(plan.problems),
        "goals": len(plan.goals),
        "objectives": len(plan.objectives),
        "interventions": len(plan.interventions),
    }


class PlanStore(PlanImportMixin):
    def __init__(self, database: db.Database, audit: AuditStore) -> None:
        self._db = database
        self._audit = audit

    # -- reading -------------------------------------------------------------------------------

    def get(self, plan_id: int) -> TreatmentPlan:
        """One plan version with its whole content (a chart read: audited)."""
        plan = self._load(plan_id)
        self._audit.record("plan read", entity="plan", entity_id=plan_id, detail={"client_id": plan.client_id})
        return plan

    def active(self, client_id: int) -> TreatmentPlan | None:
        """The client's current signed plan, or None (a chart read: audited)."""
        row = self._db.execute(
            "SELECT id FROM plans WHERE client_id = ? AND status = 'signed'", (client_id,)
        ).fetchone()
        return None if row is None else self.get(int(row[0]))

    def draft(self, client_id: int) -> TreatmentPlan | None:
        """The client's plan draft in progress, or None (a chart read: audited)."""
        row = self._db.execute("SELECT id FROM plans WHERE client_id = ? AND status = 'draft'", (client_id,)).fetchone()
        return None if row is None else self.get(int(row[0]))

    def history(self, client_id: int) -> list[PlanSummary]:
        """Every version of the client's plan, newest first, without content."""
        self._client_exists(client_id)
        rows = self._db.execute(
            f"{_SUMMARY_SELECT} WHERE client_id = ? ORDER BY version DESC",
            (client_id,),
        ).fetchall()
        self._audit.record("plan history read", entity="client", entity_id=client_id, detail={"versions": len(rows)})
        return [_summary_from_row(row) for row in rows]

    def due_for_review(self, on_date: date, within_days: int = 0, *, limit: int = 200) -> list[PlanSummary]:
        """Signed plans of active clients whose review is due by `on_date` + `within_days`, soonest first.

        A discharged or inactive client's plan waits for them to come back; it is not a task for today.
        """
        if within_days < 0:
            raise ValidationError("The look-ahead for plan reviews cannot be negative.", "within_days")
        if not 1 <= limit <= _MAX_LIST:
            raise ValidationError(f"Ask for between 1 and {_MAX_LIST} plans at a time.", "limit")
        horizon = on_date + timedelta(days=within_days)
        rows = self._db.execute(
            f"{_SUMMARY_SELECT} WHERE status = 'signed' AND review_due <= ? "  # noqa: S608 - fixed columns
            "AND client_id IN (SELECT id FROM clients WHERE status = 'active') ORDER BY review_due, client_id LIMIT ?",
            (iso(horizon), limit),
        ).fetchall()
        self._audit.record("plans due for review listed", entity="plan", detail={"plans": len(rows)})
        return [_summary_from_row(row) for row in rows]

    def review_due_by_client(self, client_ids: Sequence[int]) -> dict[int, date]:
        """Each listed client's active-plan review date (clients without a signed plan are absent)."""
        rows = self._db.select_in(
            "SELECT client_id, review_due FROM plans WHERE status = 'signed' AND client_id IN ({ids})", client_ids
        )
        return {int(r[0]): date.fromisoformat(r[1]) for r in rows}

    def verify_signature(self, plan_id: int) -> bool:
        """Whether a signed plan's content still matches the SHA-256 stored when it was signed."""
        plan = self._load(plan_id)
        if not plan.is_signed:
            raise ValidationError("Only a signed treatment plan has a signature to check.", "plan_id")
        return content_sha256(plan) == plan.content_sha256

    # -- drafting ------------------------------------------------------------------------------

    def create_draft(self, client_id: int, plan: TreatmentPlan) -> TreatmentPlan:
        """Start a new plan version for the client; returns it with its ids.

        When the client already has a signed plan, the draft will supersede it once signed.
        """
        clean = dataclasses.replace(plan, client_id=client_id).validated()
        if any(item_id is not None for item_id in saved_item_ids(clean)):
            raise ValidationError("A new plan cannot reuse goals or objectives saved in another plan.", "problems")
        with self._db.transaction():
            self._client_exists(client_id)
            self._refuse_second_draft(client_id)
            active = self._db.execute(
                "SELECT id FROM plans WHERE client_id = ? AND status = 'signed'", (client_id,)
            ).fetchone()
            plan_id = self._insert_plan(clean, supersedes_id=None if active is None else int(active[0]))
            self._write_children(plan_id, clean.problems)
            stored = self._load(plan_id)
            self._audit.record(
                "plan created", entity="plan", entity_id=plan_id, detail={"client_id": client_id, **_counts(stored)}
            )
        return stored

    def update_draft(self, plan: TreatmentPlan) -> TreatmentPlan:
        """Replace a draft's whole content in one transaction; items keeping their id keep it."""
        if plan.id is None:
            raise ValidationError("Only a saved plan draft can be updated.", "id")
        clean = plan.validated()
        with self._db.transaction():
            current = self._load(plan.id)
            if current.status is not PlanStatus.DRAFT:
                raise ValidationError(
                    f"Version {current.version} of this treatment plan is signed and cannot be changed; revise it.",
                    "status",
                )
            if clean.client_id is not None and clean.client_id != current.client_id:
                raise ValidationError("A plan draft cannot be moved to another client.", "client_id")
            self._db.execute(
                "UPDATE plans SET effective_date = ?, review_due = ?, frequency = ?, participation = ?, "
                "updated_at = ? WHERE id = ?",
                (
                    iso(clean.effective_date),
                    iso(clean.review_due),
                    clean.frequency,
                    clean.participation,
                    now_utc(),
                    current.id,
                ),
            )
            self._write_children(plan.id, clean.problems)
            stored = self._load(plan.id)
            self._audit.record(
                "plan updated",
                entity="plan",
                entity_id=plan.id,
                detail={"client_id": current.client_id, **_counts(stored)},
            )
        return stored

    def discard_draft(self, plan_id: int) -> None:
        """Throw away an unsigned draft (signed plans are kept for ever)."""
        with self._db.transaction():
            plan = self._load(plan_id)
            if plan.status is not PlanStatus.DRAFT:
                raise ValidationError("A signed treatment plan cannot be discarded.", "status")
            for table in ("plan_interventions", "plan_objectives", "plan_goals", "plan_problems"):
                self._db.execute(f"DELETE FROM {table} WHERE plan_id = ?", (plan_id,))  # noqa: S608 - fixed names
            self._db.execute("DELETE FROM plans WHERE id = ?", (plan_id,))
            self._audit.record(
                "plan draft discarded", entity="plan", entity_id=plan_id, detail={"client_id": plan.client_id}
            )

    def revise(self, plan_id: int, *, effective_date: date | None = None) -> TreatmentPlan:
        """A new draft version copied from the client's signed plan (version + 1), effective today
        unless given. Signing it supersedes the plan it revises."""
        with self._db.transaction():
            source = self._load(plan_id)
            if source.status is PlanStatus.DRAFT:
                raise ValidationError("This plan is still a draft; edit it instead of revising it.", "status")
            if source.status is PlanStatus.SUPERSEDED:
                raise ValidationError(
                    f"Version {source.version} has been superseded; revise the client's current plan.", "status"
                )
            assert source.client_id is not None
            self._refuse_second_draft(source.client_id)
            effective = effective_date or date.today()
            check_replaces(effective, source.effective_date)
            draft = revision_of(source, effective).validated()
            new_id = self._insert_plan(draft, supersedes_id=source.id)
            self._write_children(new_id, draft.problems, carry=True)
            stored = self._load(new_id)
            self._audit.record(
                "plan revised",
                entity="plan",
                entity_id=new_id,
                detail={"client_id": source.client_id, "from_plan_id": plan_id, "version": stored.version},
            )
        return stored

    # -- signing -------------------------------------------------------------------------------

    def sign(self, plan_id: int, signer: str) -> TreatmentPlan:
        """Sign a draft: stores the signer, UTC time and SHA-256 of its content, makes it immutable
        and supersedes the client's previously signed plan."""
        who = checked_signer(signer)
        with self._db.transaction():
            plan = self._load(plan_id)
            if plan.status is not PlanStatus.DRAFT:
                raise ValidationError(f"Version {plan.version} of this treatment plan is already signed.", "status")
            plan.check_ready_to_sign()
            active = self._db.execute(
                f"{_PLAN_SELECT} WHERE client_id = ? AND status = 'signed'",
                (plan.client_id,),
            ).fetchone()
            active_id = None if active is None else int(active[0])
            if plan.supersedes_id != active_id:
                raise ValidationError(
                    "Another version of this plan was signed after this draft was started; "
                    "discard the draft and revise the current plan.",
                    "supersedes_id",
                )
            now = now_utc()
            if active is not None:
                check_replaces(plan.effective_date, date.fromisoformat(active[4]))
                self._mark_superseded(int(active[0]), plan_id, now)
                self._audit.record(
                    "plan superseded", entity="plan", entity_id=active_id, detail={"superseded_by_id": plan_id}
                )
            digest = self._mark_signed(plan, who, now)
            stored = self._load(plan_id)
            self._audit.record(
                PLAN_SIGNED,
                entity="plan",
                entity_id=plan_id,
                detail={
                    "client_id": plan.client_id,
                    "version": plan.version,
                    "superseded_plan_id": active_id,
                    "content_sha256": digest,
                },
            )
        return stored

    # -- internals -----------------------------------------------------------------------------

    def _mark_superseded(self, plan_id: int, by_id: int, now: str) -> None:
        self._db.execute(SUPERSEDE, (now, by_id, plan_id))

    def _mark_signed(self, plan: TreatmentPlan, who: str, now: str) -> str:
        """Sign a stored draft: signer, time and the SHA-256 of `plan` (its content as stored, with ids),
        which is returned."""
        digest = content_sha256(plan)
        self._db.execute(SIGN, (who, now, digest, now, plan.id))
        return digest

    def _client_exists(self, client_id: int) -> None:
        if self._db.execute("SELECT 1 FROM clients WHERE id = ?", (client_id,)).fetchone() is None:
            raise ValidationError(f"There is no client with id {client_id}.", "client_id")

    def _refuse_second_draft(self, client_id: int) -> None:
        row = self._db.execute(
            "SELECT version FROM plans WHERE client_id = ? AND status = 'draft'", (client_id,)
        ).fetchone()
        if row is not None:
            raise ValidationError(
                f"This client already has a plan draft (version {row[0]}); finish or discard it first.", "client_id"
            )

    def _insert_plan(self, plan: TreatmentPlan, *, supersedes_id: int | None) -> int:
        version = self._db.execute(
            "SELECT coalesce(max(version), 0) + 1 FROM plans WHERE client_id = ?", (plan.client_id,)
        ).fetchone()[0]
        now = now_utc()
        cursor = self._db.execute(
            "INSERT INTO plans (client_id, version, status, effective_date, review_due, frequency, participation, "
            "supersedes_id, created_at, updated_at) VALUES (?, ?, 'draft', ?, ?, ?, ?, ?, ?, ?)",
            (
                plan.client_id,
                version,
                iso(plan.effective_date),
                iso(plan.review_due),
                plan.frequency,
                plan.participation,
                supersedes_id,
                now,
                now,
            ),
        )
        return int(cursor.lastrowid)

    def _existing_ids(self, table: str, plan_id: int) -> set[int]:
        rows = self._db.execute(f"SELECT id FROM {table} WHERE plan_id = ?", (plan_id,))  # noqa: S608 - fixed names
        return {int(r[0]) for r in rows}

    def _write_children(self, plan_id: int, problems: Sequence[Problem], *, carry: bool = False) -> None:
        """Make the draft's child rows match `problems`: update those with an id, insert the rest,
        delete what is gone. Order matters for the foreign keys: children move before parents go."""
        existing = {
            table: self._existing_ids(table, plan_id)
            for table in ("plan_problems", "plan_goals", "plan_objectives", "plan_interventions")
        }
        kept: dict[str, set[int]] = {table: set() for table in existing}

        def claim(table: str, item_id: int | None, label: str) -> int | None:
            if item_id is None:
                return None
            if item_id not in existing[table]:
                raise ValidationError(f"{label} {item_id} is not part of this plan draft.", f"{label.lower()}_id")
            kept[table].add(item_id)
            return item_id

        goals = [goal for problem in problems for goal in problem.goals]
        for problem in problems:
            claim("plan_problems", problem.id, "Problem")
        for goal in goals:
            claim("plan_goals", goal.id, "Goal")
            for objective in goal.objectives:
                claim("plan_objectives", objective.id, "Objective")
            for intervention in goal.interventions:
                claim("plan_interventions", intervention.id, "Intervention")
        for table in ("plan_interventions", "plan_objectives"):
            self._delete(table, existing[table] - kept[table])

        for p, problem in enumerate(problems):
            problem_id = self._upsert(
                "plan_problems", problem.id, {"plan_id": plan_id, "position": p, "statement": problem.statement}
            )
            for g, goal in enumerate(problem.goals):
                goal_values: dict[str, Any] = {
                    "plan_id": plan_id,
                    "problem_id": problem_id,
                    "position": g,
                    "statement": goal.statement,
                }
                if carry:
                    goal_values["carried_from_id"] = goal.carried_from_id
                goal_id = self._upsert("plan_goals", goal.id, goal_values)
                self._write_goal_items(plan_id, goal_id, goal, carry=carry)

        self._delete("plan_goals", existing["plan_goals"] - kept["plan_goals"])
        self._delete("plan_problems", existing["plan_problems"] - kept["plan_problems"])

    def _write_goal_items(self, plan_id: int, goal_id: int, goal: Goal, *, carry: bool) -> None:
        for o, objective in enumerate(goal.objectives):
            values: dict[str, Any] = {
                "plan_id": plan_id,
                "goal_id": goal_id,
                "position": o,
                "text": objective.text,
                "target_date": iso(objective.target_date),
            }
            if carry:
                values["carried_from_id"] = objective.carried_from_id
            self._upsert("plan_objectives", objective.id, values)
        for i, intervention in enumerate(goal.interventions):
            self._upsert(
                "plan_interventions",
                intervention.id,
                {
                    "plan_id": plan_id,
                    "goal_id": goal_id,
                    "position": i,
                    "modality": str(intervention.modality),
                    "description": intervention.description,
                },
            )

    def _upsert(self, table: str, item_id: int | None, values: dict[str, Any]) -> int:
        # Table and column names come from this module, never from input.
        columns = list(values)
        if item_id is None:
            cursor = self._db.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",  # noqa: S608
                [values[c] for c in columns],
            )
            return int(cursor.lastrowid)
        self._db.execute(
            f"UPDATE {table} SET {', '.join(f'{c} = ?' for c in columns)} WHERE id = ?",  # noqa: S608
            [*(values[c] for c in columns), item_id],
        )
        return item_id

    def _delete(self, table: str, ids: set[int]) -> None:
        for item_id in sorted(ids):
            self._db.execute(f"DELETE FROM {table} WHERE id = ?", (item_id,))  # noqa: S608 - fixed names

    def _load(self, plan_id: int) -> TreatmentPlan:
        row = self._db.execute(f"{_PLAN_SELECT} WHERE id = ?", (plan_id,)).fetchone()
        if row is None:
            raise ValidationError(f"There is no treatment plan with id {plan_id}.", "plan_id")
        return self._with_items([row])[0]

    def sealed(self, batch: int = 500) -> Iterator[list[TreatmentPlan]]:
        """Every signed or superseded plan with its items, in batches, in ascending id order (for `vault check`)."""
        cursor = self._db.execute(f"{_PLAN_SELECT} WHERE status <> 'draft' ORDER BY id")
        while rows := cursor.fetchmany(batch):
            yield self._with_items(rows)

    def count_sealed(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM plans WHERE status <> 'draft'").fetchone()[0])

    def _with_items(self, rows: Sequence[tuple[Any, ...]]) -> list[TreatmentPlan]:
        """The plans of these `_PLAN_SELECT` rows with their problems, goals, objectives and interventions."""
        ids = [int(row[0]) for row in rows]
        objectives: dict[int, list[Objective]] = {}
        for oid, goal_id, text, target, carried in self._db.select_in(
            "SELECT id, goal_id, text, target_date, carried_from_id FROM plan_objectives "
            "WHERE plan_id IN ({ids}) ORDER BY plan_id, position, id",
            ids,
        ):
            objectives.setdefault(goal_id, []).append(Objective(text, to_date(target), oid, carried))
        interventions: dict[int, list[Intervention]] = {}
        for iid, goal_id, modality, description in self._db.select_in(
            "SELECT id, goal_id, modality, description FROM plan_interventions "
            "WHERE plan_id IN ({ids}) ORDER BY plan_id, position, id",
            ids,
        ):
            interventions.setdefault(goal_id, []).append(Intervention(Modality(modality), description, iid))
        goals: dict[int, list[Goal]] = {}
        for gid, problem_id, statement, carried in self._db.select_in(
            "SELECT id, problem_id, statement, carried_from_id FROM plan_goals "
            "WHERE plan_id IN ({ids}) ORDER BY plan_id, position, id",
            ids,
        ):
            goals.setdefault(problem_id, []).append(
                Goal(statement, tuple(objectives.get(gid, ())), tuple(interventions.get(gid, ())), gid, carried)
            )
        problems: dict[int, list[Problem]] = {}
        for pid, plan_id, statement in self._db.select_in(
            "SELECT id, plan_id, statement FROM plan_problems WHERE plan_id IN ({ids}) ORDER BY plan_id, position, id",
            ids,
        ):
            problems.setdefault(plan_id, []).append(Problem(statement, tuple(goals.get(pid, ())), pid))
        return [_plan_from_row(row, tuple(problems.get(int(row[0]), ()))) for row in rows]
