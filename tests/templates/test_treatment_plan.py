"""The treatment plan PDF: every problem, goal, objective (with its target date) and intervention (with its
modality and the plan's frequency), the review date, version and status, the client's and the clinician's
signature lines, and the electronic signature with its verification code only once the version is signed."""

from __future__ import annotations

from datetime import date

from tests.documents.practice import build
from tests.storage.test_plans import SIGNER, a_plan
from tests.templates.pdf_text import pages, text
from therapy_desk.domain.notes import verification_code
from therapy_desk.records.treatment_plan import plan_file_name, treatment_plan_pdf
from therapy_desk.storage.vault import Vault

EFFECTIVE = date(2025, 3, 3)


def test_a_signed_plan_prints_everything_and_its_signature(vault: Vault) -> None:
    client_id = build(vault).insured
    draft = vault.plans.create_draft(client_id, a_plan(EFFECTIVE))
    assert draft.id is not None
    signed = vault.plans.sign(draft.id, SIGNER)
    got = text(treatment_plan_pdf(vault, draft.id))
    for words in (
        "Problem 1. Depressed mood most days",
        "Goal 1.1: Reduce depressive symptoms",
        "Objective 1.1.1: PHQ-9 total below 10 (target May 2, 2025)",
        "Objective 1.2.1: One social contact a week (target April 17, 2025)",
        "Cognitive behavioral therapy (CBT): Behavioral activation (weekly 53-minute individual psychotherapy)",
        "Motivational interviewing (MI)",
        "Review due June 1, 2025",
        "Version 1 · Signed",
        "Client signature",
        "Clinician signature",
        "Ana Reyes",
        f"Signed by {SIGNER}",
        f"verification code {verification_code(signed.content_sha256)}",
    ):
        assert words in got, words
    assert plan_file_name(vault, draft.id) == f"Treatment plan v1 {vault.clients.get(client_id).account_number}.pdf"


def test_a_draft_prints_as_a_draft_without_an_electronic_signature(vault: Vault) -> None:
    client_id = build(vault).insured
    draft = vault.plans.create_draft(client_id, a_plan(EFFECTIVE))
    assert draft.id is not None
    read = pages(treatment_plan_pdf(vault, draft.id))
    got = " ".join(read)
    assert "Draft (not signed)" in got
    assert "Signed by" not in got
    assert "verification code" not in got
    assert all("Treatment Plan · Ana Reyes · DOB 04/02/1988" in page for page in read)
    assert f"Page 1 of {len(read)}" in read[0]
