"""A complete, scrub-clean `ClaimForm` built by hand, for tests of what reads forms (scrub, CMS-1500, 837P)
without a vault. `sample_form(**changes)` replaces any field; `sample_line(...)` makes one service line."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from therapy_desk.domain.claims import (
    Address,
    ClaimForm,
    ClaimLine,
    ClaimState,
    Diagnosis,
    InsuranceType,
    Payer,
    Person,
    Provider,
)

PRACTICE_ADDRESS = Address("200 Main Street Suite 4", "Springfield", "IL", "62704-1234")
BILLING = Provider(
    "Rivera",
    "Ana",
    credentials="LCSW",
    npi="1234567893",
    taxonomy="1041C0700X",
    address=PRACTICE_ADDRESS,
    phone="(217) 555-0142",
)
PATIENT = Person(
    "Okafor",
    "Chidi",
    "A",
    dob=date(1988, 4, 12),
    sex="M",
    address=Address("15 Elm Court", "Springfield", "IL", "62702"),
    phone="(217) 555-0199",
)
DAY = date(2026, 3, 4)


def sample_line(
    day: date = DAY, code: str = "90837", fee_cents: int = 15_000, *, charge_id: int = 1, **changes: Any
) -> ClaimLine:
    line = ClaimLine(
        charge_id=charge_id,
        date_of_service=day,
        pos="11",
        code=code,
        modifiers=(),
        pointers=(1,),
        fee_cents=fee_cents,
        units=1,
        description="Psychotherapy, 60 min",
    )
    return replace(line, **changes)


def sample_form(**changes: Any) -> ClaimForm:
    form = ClaimForm(
        claim_id=7,
        claim_number="TD000007",
        state=ClaimState.DRAFT,
        payer=Payer("Prairie Health Plan", "PHP01", Address("PO Box 100", "Chicago", "IL", "60601"), "commercial"),
        insurance_type=InsuranceType.GROUP,
        member_id="XYZ123456789",
        patient=PATIENT,
        insured=PATIENT,
        relationship="self",
        account_number="A-0001",
        group_number="GRP-77",
        plan_name="Gold PPO",
        release_signed_on=date(2026, 1, 5),
        assignment_signed_on=date(2026, 1, 5),
        diagnoses=(Diagnosis("F41.1", onset=date(2025, 12, 1)), Diagnosis("F32.1", onset=date(2026, 1, 5))),
        lines=(
            sample_line(date(2026, 3, 4), charge_id=1),
            sample_line(date(2026, 3, 11), charge_id=2, pointers=(1, 2)),
        ),
        rendering=BILLING,
        provider_signed_on=date(2026, 3, 12),
        billing=BILLING,
        tax_id="12-3456789",
        tax_id_kind="EIN",
        coverage_start=date(2026, 1, 1),
    )
    return replace(form, **changes)
