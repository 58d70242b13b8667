"""What `vault.plans` (storage/plans.py) and its bulk import (storage/plans_import.py) share: the statements
that sign and supersede a version, and the checks both make."""

from __future__ import annotations

from datetime import date

from therapy_desk.domain.plans import TreatmentPlan
from therapy_desk.errors import ValidationError

# A stored draft signed (signer, time, hash, updated), and a signed version superseded (time, by, id).
SIGN = (
    "UPDATE plans SET status = 'signed', signed_by = ?, signed_at = ?, content_sha256 = ?, updated_at = ? WHERE id = ?"
)
SUPERSEDE = "UPDATE plans SET status = 'superseded', superseded_at = ?, superseded_by_id = ? WHERE id = ?"


def checked_signer(signer: str) -> str:
    """The signing clinician's name and credentials, trimmed; refused when empty."""
    who = signer.strip() if isinstance(signer, str) else ""
    if not who:
        raise ValidationError("Enter the name and credentials of the clinician signing the plan.", "signer")
    return who


def check_replaces(effective: date, replaced_effective: date) -> None:
    """A new version takes effect no earlier than the version it replaces."""
    if effective < replaced_effective:
        raise ValidationError("A new plan version cannot take effect before the plan it replaces.", "effective_date")


def saved_item_ids(plan: TreatmentPlan) -> list[int | None]:
    """The ids of the plan's problems, goals, objectives and interventions (None for an item not yet saved)."""
    return [
        *(p.id for p in plan.problems),
        *(g.id for g in plan.goals),
        *(o.id for o in plan.objectives),
        *(i.id for i in plan.interventions),
    ]
