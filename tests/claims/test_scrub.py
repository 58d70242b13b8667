"""The claim scrub, rule by rule: one complete form changed in one way, and the finding it must give (or
none). Errors block a claim; warnings show."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from tests.claims.forms import BILLING, PATIENT, sample_form, sample_line
from therapy_desk.domain.claim_scrub import Severity, scrub
from therapy_desk.domain.claims import (
    Address,
    ClaimForm,
    Diagnosis,
    Frequency,
    Payer,
    Provider,
    Referring,
    ReferringQualifier,
)
from therapy_desk.domain.icd10cm import code_set

ERROR, WARNING = Severity.ERROR, Severity.WARNING
OLD = date(2024, 5, 6)  # a date of service outside the shipped code set's year


def _findings(form: ClaimForm) -> list[tuple[Severity, str, str]]:
    return [(f.severity, f.box, f.message) for f in scrub(form, code_set())]


def test_the_sample_form_is_clean() -> None:
    assert _findings(sample_form()) == []


def _lines(*lines: Any) -> dict[str, Any]:
    return {"lines": tuple(lines)}


CASES: list[tuple[str, dict[str, Any], Severity, str, str]] = [
    ("member ID", {"member_id": ""}, ERROR, "1a", "member ID is missing"),
    ("patient's name", {"patient": replace(PATIENT, first="")}, ERROR, "2", "first and last name"),
    ("patient's DOB", {"patient": replace(PATIENT, dob=None)}, ERROR, "3", "date of birth is missing"),
    ("patient's sex", {"patient": replace(PATIENT, sex="U")}, ERROR, "3", "claims need F or M"),
    ("insured's name", {"insured": replace(PATIENT, last="")}, ERROR, "4", "insured's name is missing"),
    ("patient's address", {"patient": replace(PATIENT, address=Address())}, ERROR, "5", "street address"),
    ("insured's address", {"insured": replace(PATIENT, address=Address())}, ERROR, "7", "insured's street"),
    ("insured's DOB", {"insured": replace(PATIENT, dob=None)}, ERROR, "11a", "insured's date of birth"),
    ("insured's sex", {"insured": replace(PATIENT, sex="U")}, ERROR, "11a", "need F or M"),
    ("release on file", {"release_signed_on": None}, ERROR, "12", "release of information"),
    ("assignment on file", {"assignment_signed_on": None}, WARNING, "13", "assignment of benefits"),
    ("no diagnosis", {"diagnoses": (), **_lines(sample_line(pointers=()))}, ERROR, "21", "no diagnosis"),
    ("a category code", {"diagnoses": (Diagnosis("F41"),)}, ERROR, "21", "category, not a billable code"),
    ("an unknown code", {"diagnoses": (Diagnosis("F99.99"),)}, ERROR, "21", "is not an ICD-10-CM code"),
    ("13 diagnoses", {"diagnoses": tuple(Diagnosis("F41.1") for _ in range(13))}, ERROR, "21", "at most 12"),
    ("no release shipped", _lines(sample_line(OLD)), WARNING, "21", "No shipped ICD-10-CM release is in force on "
     "05/06/2024"),
    ("no lines", {"lines": ()}, ERROR, "24", "no service lines"),
    ("51 lines", _lines(*(sample_line(charge_id=i) for i in range(51))), ERROR, "24", "at most 50"),
    ("not covered", _lines(sample_line(covered=False)), ERROR, "24A", "no coverage with Prairie Health Plan"),
    ("no pointer", _lines(sample_line(pointers=())), ERROR, "24E", "points to no diagnosis"),
    ("pointer beyond 21", _lines(sample_line(pointers=(3,))), ERROR, "24E", "the claim does not list"),
    ("onset after the line", {"diagnoses": (Diagnosis("F41.1", onset=date(2026, 3, 5)),)}, ERROR, "24E",
     "whose onset is after that date"),
    ("resolved before", {"diagnoses": (Diagnosis("F41.1", resolved=date(2026, 3, 1)), Diagnosis("F32.1"))},
     WARNING, "24E", "resolved before that date"),
    ("no charge", _lines(sample_line(fee_cents=0)), ERROR, "24F", "has no charge"),
    ("units", _lines(sample_line(units=0)), ERROR, "24G", "units are a whole number"),
    ("add-on alone", _lines(sample_line(code="90785")), ERROR, "24D", "add-on code is on the claim without"),
    ("same day 90791 and 90837", _lines(sample_line(code="90791"), sample_line(charge_id=2)), ERROR, "24D",
     "are not billed for one client on the same day"),
    ("two psychotherapy codes", _lines(sample_line(), sample_line(code="90834", charge_id=2)), ERROR, "24D",
     "covers the day's total time"),
    ("tax ID", {"tax_id": ""}, ERROR, "25", "tax ID is missing"),
    ("zero total", _lines(sample_line(fee_cents=0)), ERROR, "28", "total charge is zero"),
    ("rendering name", {"rendering": replace(BILLING, last="")}, ERROR, "31", "rendering clinician's name"),
    ("facility without address", {"facility": Provider("Annex", organization=True)}, ERROR, "32",
     "needs a name, street address and ZIP"),
    ("facility NPI", {"facility": Provider("Annex", npi="1234567890", organization=True,
                                           address=Address("1 A St", "X", "IL", "62704"))}, ERROR, "32a",
     "is not a valid NPI for the service facility"),
    ("billing NPI missing", {"billing": replace(BILLING, npi="")}, ERROR, "33a", "billing provider's NPI is missing"),
    ("billing NPI check digit", {"billing": replace(BILLING, npi="1234567890")}, ERROR, "33a",
     "1234567890 is not a valid NPI"),
    ("ZIP+4", {"billing": replace(BILLING, address=replace(BILLING.address, zip="62704"))}, ERROR, "33",
     "needs all nine digits"),
    ("PO box", {"billing": replace(BILLING, address=replace(BILLING.address, street="PO Box 12"))}, ERROR, "33",
     "not a PO box"),
    ("billing phone", {"billing": replace(BILLING, phone="")}, ERROR, "33", "phone number is missing"),
    ("taxonomy", {"billing": replace(BILLING, taxonomy=""), "rendering": replace(BILLING, taxonomy="")}, WARNING,
     "33b", "taxonomy"),
    ("group without rendering NPI", {"billing": Provider("Group", npi="1234567893", organization=True,
                                                         address=BILLING.address, phone=BILLING.phone),
                                     "rendering": replace(BILLING, npi="")}, ERROR, "24J",
     "rendering clinician's NPI is missing"),
    ("referring NPI", {"referring": Referring(ReferringQualifier.REFERRING, "Chen", "Maya", "1234567890")},
     ERROR, "17b", "not a valid NPI for the referring provider"),
    ("auto accident state", {"auto_accident": True}, ERROR, "10b", "state where it happened"),
    ("corrected without its original", {"frequency": Frequency.CORRECTED}, ERROR, "22", "corrected claim needs"),
    ("void without its original", {"frequency": Frequency.VOID}, ERROR, "22", "void claim needs"),
    ("illness after the first date", {"illness_onset": date(2026, 3, 5)}, ERROR, "14", "after the first date"),
    ("no electronic payer ID", {"payer": Payer("Prairie Health Plan", "", Address("1 A St"))}, WARNING, "",
     "no electronic payer ID"),
    ("no payer address", {"payer": Payer("Prairie Health Plan", "PHP01")}, WARNING, "", "no mailing address"),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "severity", "box", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_rule_names_its_box_and_says_what_to_fix(
    changes: dict[str, Any], severity: Severity, box: str, words: str
) -> None:
    found = _findings(sample_form(**changes))
    assert any(s is severity and b == box and words in m for s, b, m in found), found


def test_errors_come_first_in_box_order() -> None:
    found = _findings(sample_form(member_id="", tax_id="", assignment_signed_on=None, release_signed_on=None))
    assert [(s, b) for s, b, _ in found] == [(ERROR, "1a"), (ERROR, "12"), (ERROR, "25"), (WARNING, "13")]


def test_add_on_with_its_primary_and_a_distinct_session_with_59_are_clean() -> None:
    with_primary = _lines(sample_line(), sample_line(code="90785", fee_cents=2_000, charge_id=2))
    distinct = _lines(sample_line(), sample_line(code="90834", charge_id=2, modifiers=("59",)))
    assert _findings(sample_form(**with_primary)) == []
    assert _findings(sample_form(**distinct)) == []


def test_an_accident_needs_its_date() -> None:
    found = _findings(sample_form(other_accident=True))
    assert (ERROR, "15", "An accident needs its date (box 15, qualifier 439).") in found
    assert _findings(sample_form(other_accident=True, accident_date=date(2026, 2, 1))) == []


@pytest.mark.parametrize(
    ("code", "day", "billable"),
    [
        ("G35", date(2025, 6, 2), True),  # billable in FY2025 ...
        ("G35", date(2026, 3, 4), False),  # ... a category from FY2026 on
        ("R10.24", date(2025, 6, 2), False),  # new in FY2026: unknown before
        ("R10.24", date(2026, 3, 4), True),
    ],
)
def test_codes_are_checked_against_the_release_in_force_on_the_date_of_service(
    code: str, day: date, billable: bool
) -> None:
    form = sample_form(diagnoses=(Diagnosis(code),), lines=(sample_line(day),))
    errors = [m for s, b, m in _findings(form) if s is ERROR and b == "21"]
    assert (errors == []) is billable, errors
    if not billable:
        assert f"FY{2025 if day.year == 2025 else 2026}" in errors[0]
