"""The documents' invented practice (tests/documents/practice.py) made ready to bill an insurer: ZIP+4 and
a taxonomy on the profile, the payer's electronic ID and address, the client's sex and the coverage's
signatures on file. `claims_practice(vault)` builds it; its three March sessions are unbilled charges."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from tests.documents.practice import PROFILE, TODAY, Practice, build
from therapy_desk.domain.clients import AdministrativeSex
from therapy_desk.storage.vault import Vault

CLAIMS_PROFILE = replace(PROFILE, zip="10013-2240", taxonomy="1041C0700X")
SIGNED = date(2025, 1, 6)


def claims_practice(vault: Vault) -> Practice:
    practice = build(vault, profile=CLAIMS_PROFILE)
    client = vault.clients.get(practice.insured)
    vault.clients.update(replace(client, sex=AdministrativeSex.FEMALE, phone="(718) 555-0123"), today=TODAY)
    coverage = vault.billing.coverages(practice.insured)[0]
    payer = vault.billing.payer(coverage.payer_id)
    vault.billing.update_payer(
        replace(payer, electronic_id="HVH01", street="PO Box 4400", city="Albany", state="NY", zip="12201")
    )
    vault.billing.update_coverage(
        replace(coverage, release_signed_on=SIGNED, assignment_signed_on=SIGNED, plan_name="Silver HMO"), today=TODAY
    )
    return practice
