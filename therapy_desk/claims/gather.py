"""Gather a claim's form from the vault through the stores' public methods: the claim's own boxes, its
charges, the client, the coverage and payer it bills, other insurance in force, the referring contact and
the practice profile.

Names: the practice profile and a care contact keep one name field; the claim needs last and first. The
last word is the last name (after dropping a leading "Dr." and anything after a comma, like ", MD"). A
clinician whose last name is two words writes the profile name as on their NPI record, and the form shows
what it split; the CMS-1500 preview is where to check it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date

from therapy_desk.domain.billing import Charge, Relationship
from therapy_desk.domain.claims import (
    Address,
    Claim,
    ClaimForm,
    ClaimLine,
    Diagnosis,
    OtherInsurance,
    Payer,
    Person,
    Provider,
    Referring,
    claim_number,
)
from therapy_desk.domain.clients import Client
from therapy_desk.domain.practice import PracticeProfile
from therapy_desk.storage.vault import Vault

_TITLE = re.compile(r"^(dr|mr|mrs|ms|mx)\.?\s+", re.IGNORECASE)


def split_name(name: str) -> tuple[str, str]:
    """(last, first) of a one-field name: "Dr. Maya Chen, MD" -> ("Chen", "Maya")."""
    bare = _TITLE.sub("", name.split(",")[0].strip())
    words = bare.split()
    if not words:
        return "", ""
    return words[-1], " ".join(words[:-1])


def _patient(client: Client) -> Person:
    return Person(
        last=client.legal_last,
        first=client.legal_first,
        middle=client.legal_middle,
        dob=client.dob,
        sex=client.sex.value,
        address=Address(client.street, client.city, client.state, client.zip),
        phone=client.phone,
    )


def _providers(profile: PracticeProfile) -> tuple[Provider, Provider, Provider | None]:
    """(rendering, billing, facility): the clinician renders; a group, when set up, bills."""
    last, first = split_name(profile.name)
    address = Address(profile.street, profile.city, profile.state, profile.zip)
    rendering = Provider(
        last, first, profile.credentials, profile.npi, taxonomy=profile.taxonomy, address=address, phone=profile.phone
    )
    billing = rendering
    if profile.group_npi:
        billing = Provider(
            profile.group_name, npi=profile.group_npi, organization=True, taxonomy=profile.taxonomy, address=address,
            phone=profile.phone,
        )  # fmt: skip
    facility = None
    if profile.facility_name or profile.facility_street:
        place = Address(profile.facility_street, profile.facility_city, profile.facility_state, profile.facility_zip)
        facility = Provider(profile.facility_name, npi=profile.facility_npi, organization=True, address=place)
    return rendering, billing, facility


def claim_form(vault: Vault, claim_id: int, *, today: date) -> ClaimForm:
    """The claim with every box resolved from the vault as it is now."""
    claim = vault.claims.claim(claim_id)
    charges = [vault.billing.charge(charge_id) for charge_id in vault.claims.charge_ids(claim_id)]
    client = vault.clients.get(claim.client_id)
    coverage = vault.billing.coverage(claim.coverage_id)
    payer = vault.billing.payer(claim.payer_id)
    patient = _patient(client)
    if coverage.card_first or coverage.card_last:
        patient = replace(patient, last=coverage.card_last or patient.last, first=coverage.card_first or patient.first,
                          middle="")  # fmt: skip
    insured = patient
    if coverage.relationship is not Relationship.SELF:
        insured = Person(
            last=coverage.subscriber_last,
            first=coverage.subscriber_first,
            dob=coverage.subscriber_dob,
            sex=coverage.subscriber_sex.value,
            address=Address(
                coverage.subscriber_street, coverage.subscriber_city, coverage.subscriber_state, coverage.subscriber_zip
            ),
            phone=coverage.subscriber_phone,
        )
    diagnoses, lines = _lines(vault, claim, charges, coverage.covers)
    profile = vault.practice.profile()
    rendering, billing, facility = _providers(profile)
    return ClaimForm(
        claim_id=claim.id,
        claim_number=claim_number(claim.id),
        state=claim.state,
        payer=Payer(
            payer.name, payer.electronic_id, Address(payer.street, payer.city, payer.state, payer.zip), payer.kind.value
        ),
        insurance_type=coverage.insurance_type,
        member_id=coverage.member_id,
        patient=patient,
        insured=insured,
        relationship=coverage.relationship.value,
        account_number=client.account_number,
        group_number=coverage.group_number,
        plan_name=coverage.plan_name,
        other_insurance=_other_insurance(vault, claim, charges, patient),
        employment_related=claim.employment_related,
        auto_accident=claim.auto_accident,
        auto_accident_state=claim.auto_accident_state,
        other_accident=claim.other_accident,
        accident_date=claim.accident_on,
        claim_codes=claim.claim_codes,
        release_signed_on=coverage.release_signed_on,
        assignment_signed_on=coverage.assignment_signed_on,
        illness_onset=claim.illness_onset,
        referring=_referring(vault, claim),
        diagnoses=diagnoses,
        frequency=claim.frequency,
        original_reference=claim.original_reference,
        prior_authorization=claim.prior_authorization,
        lines=lines,
        accept_assignment=claim.accept_assignment,
        amount_paid_cents=_client_paid(vault, charges),
        rendering=rendering,
        provider_signed_on=claim.provider_signed_on,
        facility=facility,
        billing=billing,
        tax_id=profile.tax_id,
        tax_id_kind=profile.tax_id_kind,
        coverage_start=coverage.start_date,
        coverage_end=coverage.end_date,
    )


def _lines(
    vault: Vault, claim: Claim, charges: list[Charge], covers: Callable[[date], bool]
) -> tuple[tuple[Diagnosis, ...], tuple[ClaimLine, ...]]:
    """Box 21 in order of first use (A, B, ...) and box 24 pointing into it."""
    known = {d.id: d for d in vault.clients.diagnoses(claim.client_id, include_resolved=True)}
    order: list[int] = []
    for charge in charges:
        order += [d for d in charge.diagnosis_ids if d in known and d not in order]
    position = {d: i + 1 for i, d in enumerate(order)}
    lines = tuple(
        ClaimLine(
            charge_id=c.id,
            date_of_service=c.date_of_service,
            pos=c.pos.value,
            code=c.service_code,
            modifiers=c.modifiers,
            pointers=tuple(position[d] for d in c.diagnosis_ids if d in position),
            fee_cents=c.fee_cents,
            units=c.units,
            description=c.description,
            covered=covers(c.date_of_service) and not c.voided,
        )
        for c in charges
    )
    diagnoses = tuple(Diagnosis(known[d].code, known[d].onset, known[d].resolved) for d in order)
    return diagnoses, lines


def _other_insurance(vault: Vault, claim: Claim, charges: list[Charge], patient: Person) -> OtherInsurance | None:
    """Another coverage in force on the first date of service (boxes 9 and 11d)."""
    if not charges:
        return None
    first = min(c.date_of_service for c in charges)
    for cover in vault.billing.coverage_for(claim.client_id, first):
        if cover.id == claim.coverage_id:
            continue
        insured = patient
        if cover.relationship is not Relationship.SELF:
            insured = Person(cover.subscriber_last, cover.subscriber_first, dob=cover.subscriber_dob,
                             sex=cover.subscriber_sex.value)  # fmt: skip
        return OtherInsurance(insured, cover.member_id, cover.group_number, cover.plan_name, cover.payer_name)
    return None


def _referring(vault: Vault, claim: Claim) -> Referring | None:
    if claim.referring_contact_id is None:
        return None
    contact = next((c for c in vault.clients.contacts(claim.client_id) if c.id == claim.referring_contact_id), None)
    if contact is None:
        return None
    last, first = split_name(contact.name)
    return Referring(claim.referring_qualifier, last, first, contact.npi)


def _client_paid(vault: Vault, charges: list[Charge]) -> int:
    """Box 29: what the client (not an insurer) has paid toward these lines."""
    total = 0
    for charge in charges:
        for allocation in vault.billing.allocations(charge_id=charge.id):
            if allocation.released_at is None and vault.billing.payment(allocation.payment_id).payer_id is None:
                total += allocation.amount_cents
    return total
