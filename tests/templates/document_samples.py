"""Invented documents for the template tests and the benchmark: a complete practice and client."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from therapy_desk.domain.codes import PlaceOfService
from therapy_desk.domain.documents import (
    Aging,
    ClientInfo,
    DiagnosisCode,
    EntryKind,
    EstimateItem,
    GoodFaithEstimate,
    Insurance,
    PaymentLine,
    Provider,
    ServiceLine,
    Statement,
    StatementEntry,
    Superbill,
)

PROVIDER = Provider(
    name="Maren Brennan",
    credentials="LCSW",
    street="410 Alder Street, Suite 3",
    city="Portland",
    state="OR",
    zip="97205",
    phone="(503) 555-0142",
    email="maren@brennan-therapy.example",
    npi="1234567893",
    tax_id="12-3456789",
    tax_id_kind="EIN",
    license_number="L4321",
    license_state="OR",
)
INSURANCE = Insurance(payer_name="Cascade Health Plan", member_id="XJH123456789", group_number="GRP-7781")
CLIENT = ClientInfo(
    name="Dana Whitfield",
    dob=date(1988, 7, 14),
    street="22 Birch Lane",
    city="Beaverton",
    state="OR",
    zip="97005",
    phone="(503) 555-0199",
    account_number="C-00042",
    insurance=INSURANCE,
)
DIAGNOSES = (DiagnosisCode("F41.1", "Generalized anxiety disorder"), DiagnosisCode("F33.1"))


def weekly_lines(first: date, count: int, *, paid: bool = True) -> tuple[ServiceLine, ...]:
    lines = []
    for week in range(count):
        telehealth = week % 2 == 1
        lines.append(
            ServiceLine(
                date_of_service=first + timedelta(weeks=week),
                pos=PlaceOfService.TELEHEALTH_HOME if telehealth else PlaceOfService.OFFICE,
                code="90837",
                description="Psychotherapy, 60 minutes",
                fee_cents=160_00,
                modifiers=("95",) if telehealth else (),
                pointers=("A", "B"),
                paid_cents=160_00 if paid else 0,
            )
        )
    return tuple(lines)


def superbill(count: int = 4, **changes: object) -> Superbill:
    lines = weekly_lines(date(2026, 3, 2), count)
    payments = tuple(
        PaymentLine(line.date_of_service, "Card", line.paid_cents, "Visa ending 4242") for line in lines[:6]
    )
    sb = Superbill(PROVIDER, CLIENT, DIAGNOSES, lines, issued_on=date(2026, 3, 31), payments=payments)
    return replace(sb, **changes)  # type: ignore[arg-type]


def statement(**changes: object) -> Statement:
    entries = (
        StatementEntry(date(2026, 3, 2), EntryKind.CHARGE, "90837 Psychotherapy, 60 minutes", 160_00),
        StatementEntry(date(2026, 3, 2), EntryKind.PAYMENT, "Copay, card", 25_00),
        StatementEntry(date(2026, 3, 9), EntryKind.CHARGE, "90837 Psychotherapy, 60 minutes", 160_00),
        StatementEntry(date(2026, 3, 20), EntryKind.PAYMENT, "Cascade Health Plan, EOB 88121", 80_00),
        StatementEntry(date(2026, 3, 20), EntryKind.ADJUSTMENT, "Contractual adjustment", 35_00),
    )
    st = Statement(
        PROVIDER,
        CLIENT,
        statement_date=date(2026, 3, 31),
        period_start=date(2026, 3, 1),
        period_end=date(2026, 3, 31),
        entries=entries,
        aging=Aging(days_0_30=180_00, days_31_60=0, days_61_90=0, over_90=40_00),
        opening_balance_cents=40_00,
        due_by=date(2026, 4, 20),
    )
    return replace(st, **changes)  # type: ignore[arg-type]


def estimate(**changes: object) -> GoodFaithEstimate:
    items = (
        EstimateItem("90791", "Psychiatric diagnostic evaluation (intake)", 1, 200_00, PlaceOfService.OFFICE),
        EstimateItem("90837", "Psychotherapy, 60 minutes, weekly", 24, 160_00, PlaceOfService.OFFICE),
    )
    gfe = GoodFaithEstimate(
        PROVIDER,
        replace(CLIENT, insurance=None),
        items,
        issued_on=date(2026, 3, 1),
        period_start=date(2026, 3, 2),
        period_end=date(2026, 8, 31),
        diagnoses=(DiagnosisCode("F41.1"),),
        reference="GFE-2026-0007",
    )
    return replace(gfe, **changes)  # type: ignore[arg-type]
