"""A treatment plan version as a PDF to print, sign with the client, or hand over: read through the stores,
rendered by templates/treatment_plan.py (which, being a template, never reads the vault itself)."""

from __future__ import annotations

from datetime import datetime

from therapy_desk.documents.gather import provider_of
from therapy_desk.errors import ValidationError
from therapy_desk.records.fhir_gather import practice_zone
from therapy_desk.storage.vault import Vault
from therapy_desk.templates import treatment_plan as plan_template


def treatment_plan_pdf(vault: Vault, plan_id: int, *, now: datetime | None = None) -> bytes:
    """The plan version `plan_id` as PDF bytes (a draft prints as a draft, with no electronic signature)."""
    plan = vault.plans.get(plan_id)
    if plan.client_id is None:
        raise ValidationError("That treatment plan belongs to no client.", "plan_id")
    client = vault.clients.get(plan.client_id)
    return plan_template.render(plan, client, provider_of(vault), zone=practice_zone(vault), now=now)


def plan_file_name(vault: Vault, plan_id: int) -> str:
    """ "Treatment plan v2 C000042.pdf": the version and the account number, never the client's name."""
    plan = vault.plans.get(plan_id)
    account = vault.clients.get(plan.client_id).account_number if plan.client_id else ""
    return " ".join(p for p in ("Treatment plan", f"v{plan.version}", account) if p) + ".pdf"
