from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, date, timedelta

import pytest

from tests.conftest import PASSPHRASE
from therapy_desk.domain.clients import Client, ClientStatus
from therapy_desk.domain.plans import (
    Goal,
    Intervention,
    Modality,
    Objective,
    PlanStatus,
    Problem,
    TreatmentPlan,
    canonical_content,
)
from therapy_desk.errors import ValidationError
from therapy_desk.storage import db
from therapy_desk.storage.vault import Vault

EFFECTIVE = date(2025, 3, 3)
SIGNER = "Maya Okafor, LCSW"


def new_client(vault: Vault, first: str = "Ana", last: str = "Reyes") -> int:
    client = vault.clients.create(Client(first, last, date(1990, 5, 17), status=ClientStatus.ACTIVE))
    assert client.id is not None
    return client.id


def a_plan(effective: date = EFFECTIVE) -> TreatmentPlan:
    return TreatmentPlan(
        effective_date=effective,
        problems=(
            Problem(
                "Depressed mood most days",
                goals=(
                    Goal(
                        "Reduce depressive symptoms",
                        objectives=(
                            Objective("PHQ-9 total below 10", effective + timedelta(days=60)),
                            Objective("Two pleasant activities a week", effective + timedelta(days=30)),
                        ),
                        interventions=(Intervention(Modality.CBT, "Behavioral activation"),),
                    ),
                    Goal(
                        "Reconnect with friends",
                        objectives=(Objective("One social contact a week", effective + timedelta(days=45)),),
                        interventions=(Intervention(Modality.MI, "Explore ambivalence about reaching out"),),
                    ),
                ),
            ),
        ),
        frequency="weekly 53-minute individual psychotherapy",
        participation="Goals written with the client, who agrees with the plan.",
    )


def signed_plan(vault: Vault, client_id: int) -> TreatmentPlan:
    draft = vault.plans.create_draft(client_id, a_plan())
    assert draft.id is not None
    return vault.plans.sign(draft.id, SIGNER)


def reviewed(draft: TreatmentPlan) -> TreatmentPlan:
    """A revision as a review leaves it: new target dates and the client's participation."""
    target = draft.effective_date + timedelta(days=60)
    problems = tuple(
        replace(
            problem,
            goals=tuple(
                replace(goal, objectives=tuple(replace(o, target_date=target) for o in goal.objectives))
                for goal in problem.goals
            ),
        )
        for problem in draft.problems
    )
    return replace(draft, problems=problems, participation="Reviewed with the client, who agrees.")


def events(vault: Vault, count: int = 10) -> list[str]:
    return [e.event for e in vault.audit.recent(count)]


# -- drafting ----------------------------------------------------------------------------------


def test_new_draft_is_version_1_with_ids_and_review_due_in_90_days(vault: Vault) -> None:
    client_id = new_client(vault)
    draft = vault.plans.create_draft(client_id, a_plan())
    assert draft.version == 1
    assert draft.status is PlanStatus.DRAFT
    assert draft.client_id == client_id
    assert draft.review_due == EFFECTIVE + timedelta(days=90)
    assert all(g.id is not None for g in draft.goals)
    assert all(o.id is not None for o in draft.objectives)
    assert [g.statement for g in draft.goals] == ["Reduce depressive symptoms", "Reconnect with friends"]
    assert [o.text for o in draft.goals[0].objectives] == ["PHQ-9 total below 10", "Two pleasant activities a week"]
    assert draft.modalities == (Modality.CBT, Modality.MI)
    assert "plan created" in events(vault)


def test_plan_survives_relock(vault: Vault) -> None:
    client_id = new_client(vault)
    draft = vault.plans.create_draft(client_id, a_plan())
    assert draft.id is not None
    folder = vault.folder
    vault.close()
    with Vault.open(folder, PASSPHRASE) as reopened:
        assert reopened.plans.get(draft.id) == draft


def test_editing_a_draft_keeps_goal_ids_adds_removes_and_reorders(vault: Vault) -> None:
    client_id = new_client(vault)
    draft = vault.plans.create_draft(client_id, a_plan())
    first, second = draft.goals
    assert first.id is not None
    assert second.id is not None
    kept_objective = first.objectives[1]
    edited_first = replace(first, statement="Lift mood", objectives=(kept_objective, Objective("Sleep 7 hours")))
    problem = replace(draft.problems[0], goals=(Goal("Return to work part-time"), edited_first))
    updated = vault.plans.update_draft(replace(draft, problems=(problem,), frequency="every 2 weeks"))

    assert [g.statement for g in updated.goals] == ["Return to work part-time", "Lift mood"]
    assert updated.goals[1].id == first.id
    assert second.id not in {g.id for g in updated.goals}
    assert updated.goals[1].objectives[0].id == kept_objective.id
    assert updated.goals[1].objectives[1].text == "Sleep 7 hours"
    assert updated.goals[1].interventions == first.interventions
    assert updated.frequency == "every 2 weeks"
    assert vault.plans.get(updated.id or 0) == updated
    assert "plan updated" in events(vault)


def test_an_objective_moves_to_another_goal_keeping_its_id(vault: Vault) -> None:
    client_id = new_client(vault)
    draft = vault.plans.create_draft(client_id, a_plan())
    moving = draft.goals[0].objectives[0]
    problem = replace(
        draft.problems[0],
        goals=(replace(draft.goals[1], objectives=(*draft.goals[1].objectives, moving)),),
    )
    updated = vault.plans.update_draft(replace(draft, problems=(problem,)))
    assert [o.id for o in updated.goals[0].objectives][-1] == moving.id
    assert len(updated.goals) == 1


def test_a_failed_draft_update_changes_nothing(vault: Vault) -> None:
    client_id = new_client(vault)
    other = vault.plans.create_draft(new_client(vault, "Lee", "Park"), a_plan())
    draft = vault.plans.create_draft(client_id, a_plan())
    foreign_goal = other.goals[0]
    problem = replace(draft.problems[0], goals=(Goal("New goal"), foreign_goal))
    with pytest.raises(ValidationError, match=f"Goal {foreign_goal.id} is not part of this plan draft") as err:
        vault.plans.update_draft(replace(draft, problems=(problem,), frequency="monthly"))
    assert err.value.field == "goal_id"
    assert vault.plans.get(draft.id or 0) == draft


def test_invalid_draft_is_refused_naming_the_field_and_nothing_is_written(vault: Vault) -> None:
    client_id = new_client(vault)
    bad = a_plan(effective=date(2025, 5, 1))  # objectives' targets are computed from this, so move them back
    bad = replace(
        bad,
        problems=(replace(bad.problems[0], goals=(Goal("Sleep", (Objective("7 hours", date(2025, 4, 1)),)),)),),
    )
    with pytest.raises(ValidationError) as err:
        vault.plans.create_draft(client_id, bad)
    assert err.value.field == "problems[0].goals[0].objectives[0].target_date"
    assert vault.plans.history(client_id) == []


def test_draft_for_an_unknown_client_is_refused(vault: Vault) -> None:
    with pytest.raises(ValidationError, match="no client with id 999") as err:
        vault.plans.create_draft(999, a_plan())
    assert err.value.field == "client_id"


def test_a_client_has_one_draft_at_a_time(vault: Vault) -> None:
    client_id = new_client(vault)
    vault.plans.create_draft(client_id, a_plan())
    with pytest.raises(ValidationError, match="already has a plan draft"):
        vault.plans.create_draft(client_id, a_plan())


def test_a_draft_can_be_discarded(vault: Vault) -> None:
    client_id = new_client(vault)
    draft = vault.plans.create_draft(client_id, a_plan())
    vault.plans.discard_draft(draft.id or 0)
    assert vault.plans.draft(client_id) is None
    assert vault.plans.history(client_id) == []
    with pytest.raises(ValidationError, match="no treatment plan"):
        vault.plans.get(draft.id or 0)


# -- signing -----------------------------------------------------------------------------------


def test_signing_stores_signer_utc_time_and_content_hash(vault: Vault) -> None:
    client_id = new_client(vault)
    signed = signed_plan(vault, client_id)
    assert signed.status is PlanStatus.SIGNED
    assert signed.signed_by == SIGNER
    assert signed.signed_at is not None
    assert signed.signed_at.utcoffset() == timedelta(0)
    assert signed.signed_at.tzinfo is not None
    assert signed.signed_at.astimezone(UTC) == signed.signed_at
    assert signed.content_sha256 == hashlib.sha256(canonical_content(signed)).hexdigest()
    assert vault.plans.verify_signature(signed.id or 0)
    assert vault.plans.active(client_id) == signed
    assert "plan signed" in events(vault)


def test_signed_plan_cannot_be_changed_through_the_store(vault: Vault) -> None:
    client_id = new_client(vault)
    signed = signed_plan(vault, client_id)
    with pytest.raises(ValidationError, match="signed and cannot be changed"):
        vault.plans.update_draft(replace(signed, frequency="monthly"))
    with pytest.raises(ValidationError, match="already signed"):
        vault.plans.sign(signed.id or 0, SIGNER)
    with pytest.raises(ValidationError, match="cannot be discarded"):
        vault.plans.discard_draft(signed.id or 0)
    assert vault.plans.get(signed.id or 0) == signed


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE plan_goals SET statement = 'Edited after signing' WHERE plan_id = ?",
        "UPDATE plan_objectives SET target_date = '2030-01-01' WHERE plan_id = ?",
        "DELETE FROM plan_interventions WHERE plan_id = ?",
        "DELETE FROM plan_problems WHERE plan_id = ?",
        "INSERT INTO plan_problems (plan_id, position, statement) VALUES (?, 9, 'Added later')",
        "UPDATE plans SET frequency = 'monthly' WHERE id = ?",
        "UPDATE plans SET status = 'draft' WHERE id = ?",
        "UPDATE plans SET status = 'superseded', superseded_at = '2025-01-01', review_due = '2031-01-01' WHERE id = ?",
        "DELETE FROM plans WHERE id = ?",
    ],
)
def test_signed_plan_cannot_be_changed_through_raw_sql(vault: Vault, sql: str) -> None:
    client_id = new_client(vault)
    signed = signed_plan(vault, client_id)
    with pytest.raises(db.DatabaseError, match="signed treatment plan cannot be changed"):
        vault.db.conn.execute(sql, (signed.id,))
    assert vault.plans.get(signed.id or 0) == signed
    assert vault.plans.verify_signature(signed.id or 0)


def test_plan_goals_of_a_signed_plan_cannot_be_moved_into_it_by_raw_sql(vault: Vault) -> None:
    client_id = new_client(vault)
    signed = signed_plan(vault, client_id)
    other = vault.plans.create_draft(new_client(vault, "Lee", "Park"), a_plan())
    with pytest.raises(db.DatabaseError, match="signed treatment plan"):
        vault.db.conn.execute(
            "UPDATE plan_goals SET plan_id = ?, problem_id = ? WHERE id = ?",
            (signed.id, signed.problems[0].id, other.goals[0].id),
        )


def test_incomplete_plan_cannot_be_signed_and_stays_a_draft(vault: Vault) -> None:
    client_id = new_client(vault)
    draft = vault.plans.create_draft(client_id, replace(a_plan(), participation=""))
    with pytest.raises(ValidationError) as err:
        vault.plans.sign(draft.id or 0, SIGNER)
    assert err.value.field == "participation"
    assert vault.plans.get(draft.id or 0).status is PlanStatus.DRAFT
    assert vault.plans.active(client_id) is None


def test_signing_needs_a_signer(vault: Vault) -> None:
    draft = vault.plans.create_draft(new_client(vault), a_plan())
    with pytest.raises(ValidationError) as err:
        vault.plans.sign(draft.id or 0, "  ")
    assert err.value.field == "signer"


# -- versions ----------------------------------------------------------------------------------


def test_revise_creates_version_2_and_signing_it_supersedes_version_1(vault: Vault) -> None:
    client_id = new_client(vault)
    v1 = signed_plan(vault, client_id)
    v2 = vault.plans.revise(v1.id or 0, effective_date=date(2025, 5, 30))
    assert v2.version == 2
    assert v2.status is PlanStatus.DRAFT
    assert v2.supersedes_id == v1.id
    assert [g.statement for g in v2.goals] == [g.statement for g in v1.goals]
    assert [g.carried_from_id for g in v2.goals] == [g.id for g in v1.goals]
    assert not {g.id for g in v2.goals} & {g.id for g in v1.goals}
    assert vault.plans.active(client_id) == v1  # still in force until the revision is signed

    v2 = vault.plans.update_draft(reviewed(v2))
    v2 = vault.plans.sign(v2.id or 0, SIGNER)
    old = vault.plans.get(v1.id or 0)
    assert old.status is PlanStatus.SUPERSEDED
    assert old.superseded_by_id == v2.id
    assert old.superseded_at is not None
    assert old.content_sha256 == v1.content_sha256
    assert vault.plans.verify_signature(old.id or 0)
    assert vault.plans.active(client_id) == v2
    assert [(s.version, s.status) for s in vault.plans.history(client_id)] == [
        (2, PlanStatus.SIGNED),
        (1, PlanStatus.SUPERSEDED),
    ]
    assert {"plan revised", "plan superseded", "plan signed"} <= set(events(vault, 20))


def test_revision_clears_target_dates_that_have_passed(vault: Vault) -> None:
    client_id = new_client(vault)
    v1 = signed_plan(vault, client_id)
    v2 = vault.plans.revise(v1.id or 0, effective_date=EFFECTIVE + timedelta(days=40))
    assert [o.target_date for o in v2.goals[0].objectives] == [EFFECTIVE + timedelta(days=60), None]
    with pytest.raises(ValidationError, match="target date") as err:
        vault.plans.sign(v2.id or 0, SIGNER)
    assert err.value.field == "problems[0].goals[0].objectives[1].target_date"


def test_a_superseded_or_draft_plan_cannot_be_revised(vault: Vault) -> None:
    client_id = new_client(vault)
    v1 = signed_plan(vault, client_id)
    v2 = vault.plans.revise(v1.id or 0, effective_date=date(2025, 5, 30))
    with pytest.raises(ValidationError, match="already has a plan draft"):
        vault.plans.revise(v1.id or 0)
    with pytest.raises(ValidationError, match="still a draft"):
        vault.plans.revise(v2.id or 0)
    v2 = vault.plans.sign(vault.plans.update_draft(reviewed(v2)).id or 0, SIGNER)
    with pytest.raises(ValidationError, match="superseded"):
        vault.plans.revise(v1.id or 0)


def test_a_revision_cannot_take_effect_before_the_plan_it_replaces(vault: Vault) -> None:
    client_id = new_client(vault)
    v1 = signed_plan(vault, client_id)
    with pytest.raises(ValidationError) as err:
        vault.plans.revise(v1.id or 0, effective_date=EFFECTIVE - timedelta(days=1))
    assert err.value.field == "effective_date"


def test_a_new_plan_for_a_client_with_a_signed_plan_supersedes_it_when_signed(vault: Vault) -> None:
    client_id = new_client(vault)
    v1 = signed_plan(vault, client_id)
    fresh = vault.plans.create_draft(client_id, a_plan(effective=date(2025, 8, 1)))
    assert fresh.version == 2
    assert fresh.supersedes_id == v1.id
    vault.plans.sign(fresh.id or 0, SIGNER)
    assert vault.plans.get(v1.id or 0).status is PlanStatus.SUPERSEDED


# -- review and reads --------------------------------------------------------------------------


def test_due_for_review_finds_active_plans_due_on_or_before_the_date(vault: Vault) -> None:
    ana = new_client(vault)
    lee = new_client(vault, "Lee", "Park")
    plan = signed_plan(vault, ana)
    vault.plans.create_draft(lee, a_plan())  # drafts are never due
    due = plan.review_due
    assert due == EFFECTIVE + timedelta(days=90)
    assert vault.plans.due_for_review(due - timedelta(days=1)) == []
    found = vault.plans.due_for_review(due)
    assert [(s.id, s.client_id, s.review_due) for s in found] == [(plan.id, ana, due)]
    assert [s.id for s in vault.plans.due_for_review(due - timedelta(days=14), within_days=14)] == [plan.id]
    assert [s.id for s in vault.plans.due_for_review(due + timedelta(days=30))] == [plan.id]  # overdue stays listed


def test_a_superseded_plan_is_no_longer_due_for_review(vault: Vault) -> None:
    client_id = new_client(vault)
    v1 = signed_plan(vault, client_id)
    v2 = vault.plans.revise(v1.id or 0, effective_date=EFFECTIVE + timedelta(days=85))
    v2 = vault.plans.update_draft(reviewed(v2))
    vault.plans.sign(v2.id or 0, SIGNER)
    assert [s.version for s in vault.plans.due_for_review(EFFECTIVE + timedelta(days=100))] == []
    assert [s.version for s in vault.plans.due_for_review(EFFECTIVE + timedelta(days=175))] == [2]


def test_due_for_review_uses_its_index(vault: Vault) -> None:
    plan = vault.db.conn.execute(
        "EXPLAIN QUERY PLAN SELECT id FROM plans WHERE status = 'signed' AND review_due <= ? ORDER BY review_due",
        ("2025-01-01",),
    ).fetchall()
    assert "plans_active_by_review_due" in " ".join(str(row) for row in plan)


def test_reading_a_plan_is_audited(vault: Vault) -> None:
    client_id = new_client(vault)
    draft = vault.plans.create_draft(client_id, a_plan())
    vault.plans.get(draft.id or 0)
    latest = vault.audit.recent(1)[0]
    assert (latest.event, latest.entity, latest.entity_id) == ("plan read", "plan", str(draft.id))
    assert "Depressed" not in str(latest.detail)


def test_goal_lookup_by_id_for_notes(vault: Vault) -> None:
    client_id = new_client(vault)
    signed = signed_plan(vault, client_id)
    goal_id = signed.goals[1].id or 0
    assert signed.goal(goal_id).statement == "Reconnect with friends"
    with pytest.raises(ValidationError):
        signed.goal(-1)


def test_a_discharged_clients_plan_is_not_listed_for_review(vault: Vault) -> None:
    client_id = new_client(vault)
    plan = signed_plan(vault, client_id)
    due = EFFECTIVE + timedelta(days=90)
    assert [s.id for s in vault.plans.due_for_review(due)] == [plan.id]
    vault.clients.set_status(client_id, ClientStatus.DISCHARGED)
    assert vault.plans.due_for_review(due) == []
