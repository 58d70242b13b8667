"""A claim's form gathered from a real vault: every box comes from where the clinician recorded it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from tests.claims.practice import CLAIMS_PROFILE, SIGNED, claims_practice
from tests.documents.practice import MARCH, SESSIONS, TODAY
from therapy_desk.claims.gather import claim_form, split_name
from therapy_desk.domain.billing import Coverage, CoverageRank, Payer, Relationship
from therapy_desk.domain.claims import ClaimForm, InsuranceType, ReferringQualifier
from therapy_desk.domain.clients import AdministrativeSex, CareContact, ContactRole
from therapy_desk.storage.vault import Vault


def _form(vault: Vault) -> ClaimForm:
    claim = vault.claims.create(*MARCH).claims[0]
    return claim_form(vault, claim.id, today=TODAY)


def test_the_form_reads_the_client_coverage_charges_and_practice(vault: Vault) -> None:
    practice = claims_practice(vault)
    claim = vault.claims.create(*MARCH).claims[0]
    form = claim_form(vault, claim.id, today=TODAY)
    assert (form.patient.last, form.patient.first, form.patient.sex, form.patient.dob) == (
        "Reyes", "Ana", "F", date(1988, 4, 2),
    )  # fmt: skip
    assert form.insured == form.patient
    assert (form.member_id, form.group_number, form.plan_name, form.relationship) == (
        "HVH778812", "G-55", "Silver HMO", "self",
    )  # fmt: skip
    assert (form.release_signed_on, form.assignment_signed_on) == (SIGNED, SIGNED)
    assert form.insurance_type is InsuranceType.GROUP
    assert [d.code for d in form.diagnoses] == ["F41.1", "F32.1"]
    assert [line.date_of_service for line in form.lines] == list(SESSIONS)
    assert [line.charge_id for line in form.lines] == list(practice.charges)
    assert all(line.covered for line in form.lines)
    assert form.lines[1].pos == "10"  # the telehealth session at home
    assert form.amount_paid_cents == 2_500  # box 29: the copay the client paid, not the insurer's EOB
    assert (form.billing.npi, form.billing.address.zip, form.tax_id) == ("1234567893", "10013-2240", "12-3456789")
    assert (form.rendering.last, form.rendering.first, form.rendering.credentials) == ("Okafor", "Maya", "LCSW")
    assert not form.bills_as_group
    assert form.facility is None
    assert form.payer.electronic_id == "HVH01"
    assert form.account_number == practice.account


def test_a_name_as_the_card_spells_it_goes_on_the_claim(vault: Vault) -> None:
    practice = claims_practice(vault)
    coverage = vault.billing.coverages(practice.insured)[0]
    vault.billing.update_coverage(replace(coverage, card_first="Anna", card_last="Reyes-Diaz"), today=TODAY)
    form = _form(vault)
    assert (form.patient.last, form.patient.first) == ("Reyes-Diaz", "Anna")
    assert form.insured == form.patient


def test_a_parent_subscriber_is_the_insured(vault: Vault) -> None:
    practice = claims_practice(vault)
    coverage = vault.billing.coverages(practice.insured)[0]
    vault.billing.update_coverage(
        replace(coverage, relationship=Relationship.CHILD, subscriber_first="Luis", subscriber_last="Reyes",
                subscriber_dob=date(1960, 2, 1), subscriber_sex=AdministrativeSex.MALE,
                subscriber_street="9 Oak Lane", subscriber_city="Albany", subscriber_state="NY",
                subscriber_zip="12203", subscriber_phone="(518) 555-0100"),
        today=TODAY,
    )  # fmt: skip
    form = _form(vault)
    insured = form.insured
    assert (insured.last, insured.first, insured.sex, insured.address.city, insured.phone) == (
        "Reyes", "Luis", "M", "Albany", "(518) 555-0100",
    )  # fmt: skip
    assert form.relationship == "child"


def test_referring_provider_other_insurance_group_and_facility(vault: Vault) -> None:
    practice = claims_practice(vault)
    contact = vault.clients.save_contact(
        CareContact(practice.insured, ContactRole.PSYCHIATRIST, "Dr. Maya Chen, MD", npi="1245319599")
    )
    secondary = vault.billing.add_payer(Payer("Empire Secondary", electronic_id="EMP02"))
    assert secondary.id is not None
    vault.billing.add_coverage(
        Coverage(practice.insured, secondary.id, "EMP-55", date(2025, 1, 1), rank=CoverageRank.SECONDARY),
        today=TODAY,
    )
    vault.practice.save_profile(
        replace(CLAIMS_PROFILE, group_name="Hudson Counseling Group", group_npi="1679576722",
                facility_name="Brooklyn Annex", facility_street="5 Court St", facility_city="Brooklyn",
                facility_state="NY", facility_zip="11201", facility_npi="1245319599")
    )  # fmt: skip
    claim = vault.claims.create(*MARCH).claims[0]
    vault.claims.update(
        replace(claim, referring_contact_id=contact.id, referring_qualifier=ReferringQualifier.SUPERVISING),
        today=TODAY,
    )
    form = claim_form(vault, claim.id, today=TODAY)
    assert form.referring is not None
    assert (form.referring.last, form.referring.first, form.referring.npi, form.referring.qualifier) == (
        "Chen", "Maya", "1245319599", ReferringQualifier.SUPERVISING,
    )  # fmt: skip
    assert form.other_insurance is not None
    assert (form.other_insurance.payer_name, form.other_insurance.member_id) == ("Empire Secondary", "EMP-55")
    assert form.bills_as_group
    assert (form.billing.last, form.billing.npi, form.rendering.npi) == (
        "Hudson Counseling Group", "1679576722", "1234567893",
    )  # fmt: skip
    assert form.facility is not None
    assert (form.facility.last, form.facility.address.city) == ("Brooklyn Annex", "Brooklyn")


def test_one_field_names_split_into_last_and_first() -> None:
    assert split_name("Dr. Maya Chen, MD") == ("Chen", "Maya")
    assert split_name("Ana Maria Rivera") == ("Rivera", "Ana Maria")
    assert split_name("Cher") == ("Cher", "")
    assert split_name("  ") == ("", "")
