"""vault.claims over a real vault: claims from unbilled charges, their history, corrections and voids."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from tests.claims.practice import claims_practice
from tests.documents.practice import MARCH, SESSIONS, TODAY, sign_session
from therapy_desk.claims.workflow import create_and_scrub, make_ready
from therapy_desk.domain.claims import ClaimState, Frequency
from therapy_desk.errors import ValidationError
from therapy_desk.storage.vault import Vault


def test_a_claim_bills_each_unbilled_session_once(vault: Vault) -> None:
    practice = claims_practice(vault)
    assert vault.claims.unbilled(*MARCH) == list(practice.charges)
    created = vault.claims.create(*MARCH)
    assert len(created.claims) == 1
    claim = created.claims[0]
    assert (claim.client_id, claim.state, claim.frequency) == (practice.insured, ClaimState.DRAFT, Frequency.ORIGINAL)
    assert vault.claims.charge_ids(claim.id) == list(practice.charges)
    assert vault.claims.unbilled(*MARCH) == []
    assert vault.claims.create(*MARCH).claims == []  # nothing left to bill
    summary = vault.claims.claims()[0]
    assert (summary.number, summary.lines, summary.first_date, summary.last_date) == (
        claim.number, 3, SESSIONS[0], SESSIONS[-1],
    )  # fmt: skip
    assert summary.total_cents == sum(vault.billing.charge(c).fee_cents for c in practice.charges)


def test_self_pay_sessions_are_never_put_on_a_claim_and_uncovered_ones_are_named(vault: Vault) -> None:
    practice = claims_practice(vault)
    vault.clients.add_diagnosis(practice.self_pay, "F41.1", onset=date(2025, 1, 6), today=TODAY)
    sign_session(vault, practice.self_pay, date(2025, 3, 5))
    coverage = vault.billing.coverages(practice.insured)[0]
    assert coverage.id is not None
    vault.billing.end_coverage(coverage.id, date(2025, 3, 12))  # the third session is after it ended
    created = vault.claims.create(*MARCH)
    assert created.not_covered == [practice.charges[2]]  # the self-pay client's session is not for a claim at all
    assert [c.client_id for c in created.claims] == [practice.insured]
    assert vault.claims.charge_ids(created.claims[0].id) == list(practice.charges[:2])


def test_a_clean_claim_becomes_ready_and_one_with_an_error_stays_a_draft(vault: Vault) -> None:
    claims_practice(vault)
    profile = vault.practice.profile()
    vault.practice.save_profile(replace(profile, zip="10013"))  # no ZIP+4: box 33 blocks the claim
    _, results = create_and_scrub(vault, *MARCH, today=TODAY)
    [(claim_id, result)] = results.items()
    assert [str(e) for e in result.errors] == [
        "Box 33: The billing provider's ZIP code needs all nine digits (ZIP+4, as 12345-6789)."
    ]
    assert vault.claims.claim(claim_id).state is ClaimState.DRAFT
    vault.practice.save_profile(profile)
    assert make_ready(vault, claim_id, today=TODAY).errors == []
    assert vault.claims.claim(claim_id).state is ClaimState.READY
    assert [e.state for e in vault.claims.events(claim_id)] == [ClaimState.DRAFT, ClaimState.READY]


def test_editing_a_ready_claim_sends_it_back_to_be_checked(vault: Vault) -> None:
    claims_practice(vault)
    _, results = create_and_scrub(vault, *MARCH, today=TODAY)
    claim = vault.claims.claim(next(iter(results)))
    assert claim.state is ClaimState.READY
    edited = vault.claims.update(replace(claim, prior_authorization="pa-7781", auto_accident=True,
                                         auto_accident_state="nj"), today=TODAY)  # fmt: skip
    assert (edited.state, edited.prior_authorization, edited.auto_accident_state) == (ClaimState.DRAFT, "PA-7781", "NJ")
    with pytest.raises(ValidationError, match="not a US state"):
        vault.claims.update(replace(edited, auto_accident_state="ZZ"), today=TODAY)


def test_a_sent_claim_is_never_edited_but_corrected_with_frequency_7(vault: Vault) -> None:
    practice = claims_practice(vault)
    _, results = create_and_scrub(vault, *MARCH, today=TODAY)
    claim_id = next(iter(results))
    vault.claims.move(claim_id, ClaimState.SUBMITTED)
    with pytest.raises(ValidationError, match="corrected claim"):
        vault.claims.update(vault.claims.claim(claim_id), today=TODAY)
    with pytest.raises(ValidationError, match="payer's claim number"):
        vault.claims.correct(claim_id)
    vault.billing.void_charge(practice.charges[2], "entered twice")
    corrected = vault.claims.correct(claim_id, payer_claim_number="2025071400123")
    assert (corrected.frequency, corrected.original_claim_id, corrected.original_reference) == (
        Frequency.CORRECTED, claim_id, "2025071400123",
    )  # fmt: skip
    assert vault.claims.charge_ids(corrected.id) == list(practice.charges[:2])  # the voided charge is left off
    assert vault.claims.claim(claim_id).state is ClaimState.REPLACED
    assert make_ready(vault, corrected.id, today=TODAY).errors == []


def test_denied_needs_a_reason_and_a_void_claim_withdraws_a_sent_one(vault: Vault) -> None:
    claims_practice(vault)
    _, results = create_and_scrub(vault, *MARCH, today=TODAY)
    claim_id = next(iter(results))
    vault.claims.move(claim_id, ClaimState.SUBMITTED)
    with pytest.raises(ValidationError, match="Say why"):
        vault.claims.move(claim_id, ClaimState.DENIED)
    denied = vault.claims.move(claim_id, ClaimState.DENIED, detail="CO-16 missing information",
                               payer_claim_number="A1")  # fmt: skip
    assert (denied.denial_reason, denied.payer_claim_number) == ("CO-16 missing information", "A1")
    void = vault.claims.void(claim_id)
    assert void is not None
    assert (void.frequency, void.original_reference) == (Frequency.VOID, "A1")
    assert vault.claims.claim(claim_id).state is ClaimState.VOIDED
    # A void claim does not bill its charges: they can be billed again.
    assert len(vault.claims.unbilled(*MARCH)) == 3


def test_a_draft_is_voided_without_a_void_claim_and_its_charges_are_billable_again(vault: Vault) -> None:
    claims_practice(vault)
    claim = vault.claims.create(*MARCH).claims[0]
    assert vault.claims.void(claim.id) is None
    assert vault.claims.claim(claim.id).state is ClaimState.VOIDED
    assert len(vault.claims.create(*MARCH).claims) == 1


def test_states_move_only_forward(vault: Vault) -> None:
    claims_practice(vault)
    claim = vault.claims.create(*MARCH).claims[0]
    with pytest.raises(ValidationError, match="draft claim cannot be marked paid"):
        vault.claims.move(claim.id, ClaimState.PAID)


def test_fourteen_diagnoses_split_into_two_claims(vault: Vault) -> None:
    practice = claims_practice(vault)
    codes = ["F40.10", "F40.01", "F41.0", "F42.2", "F43.10", "F43.21", "F43.22", "F50.00", "F51.01", "F60.3",
             "F63.81", "F90.0"]  # fmt: skip
    for code in codes:  # with the two charted already: 14
        vault.clients.add_diagnosis(practice.insured, code, onset=date(2025, 1, 6), today=TODAY)
    diagnoses = [d.id for d in vault.clients.diagnoses(practice.insured) if d.id is not None]
    # Each April session points to four of the fourteen: 4 sessions x 4 = 16 pointers over 14 diagnoses.
    for week in range(4):
        _, charge_id = sign_session(vault, practice.insured, date(2025, 4, 7 + 7 * week))
        vault.billing.void_charge(charge_id, "re-entered with its diagnoses")
        charge = vault.billing.charge(charge_id)
        picked = tuple(diagnoses[(4 * week + i) % 14] for i in range(4))
        vault.billing.add_charge(
            practice.insured, charge.date_of_service, charge.service_code, diagnosis_ids=picked,
            appointment_id=charge.appointment_id, today=date(2025, 4, 30),
        )  # fmt: skip
    created = vault.claims.create(date(2025, 4, 1), date(2025, 4, 30))
    assert len(created.claims) == 2
    for claim in created.claims:
        pointed = {d for c in vault.claims.charge_ids(claim.id) for d in vault.billing.charge(c).diagnosis_ids}
        assert len(pointed) <= 12
