from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from tests.templates.document_samples import CLIENT, estimate, statement, superbill, weekly_lines
from therapy_desk.domain.clients import Client
from therapy_desk.domain.codes import PlaceOfService
from therapy_desk.domain.documents import (
    Aging,
    ClientInfo,
    DiagnosisCode,
    EntryKind,
    Insurance,
    Missing,
    Provider,
    ServiceLine,
    StatementEntry,
    aging_of,
    exceeds_estimate,
    missing_for_estimate,
    missing_for_statement,
    missing_for_superbill,
)
from therapy_desk.domain.practice import PracticeProfile
from therapy_desk.errors import ValidationError


def test_a_complete_superbill_misses_nothing() -> None:
    assert missing_for_superbill(superbill()) == []
    assert missing_for_statement(statement()) == []
    assert missing_for_estimate(estimate()) == []


def test_an_empty_profile_and_chart_list_every_missing_field_and_where_to_fill_it_in() -> None:
    bare = superbill(
        provider=Provider(name="Maren Brennan"),
        client=ClientInfo(name="Dana Whitfield"),
        diagnoses=(),
        lines=(ServiceLine(date(2026, 3, 2), PlaceOfService.OFFICE, "", 0, pointers=()),),
        payments=(),
    )

    assert [str(m) for m in missing_for_superbill(bare)] == [
        "Your credentials — Settings › Practice profile",
        "The practice's street address — Settings › Practice profile",
        "The practice's city, state and ZIP code — Settings › Practice profile",
        "The practice's phone number — Settings › Practice profile",
        "NPI — Settings › Practice profile",
        "Tax ID (EIN or SSN) — Settings › Practice profile",
        "License number — Settings › Practice profile",
        "License state — Settings › Practice profile",
        "The client's date of birth — the client's chart › Overview › Edit demographics",
        "The client's address — the client's chart › Overview › Edit demographics",
        "Member ID — the client's chart › Billing › Coverage",
        "Diagnosis code (ICD-10-CM) — the client's chart › Diagnoses",
        "Service code of the session of 03/02/2026 — the client's chart › Billing",
        "Fee of the session of 03/02/2026 — the client's chart › Billing",
        "Diagnosis pointer of the session of 03/02/2026 — the client's chart › Billing",
    ]


def test_a_superbill_without_sessions_says_so() -> None:
    assert Missing("A session with a charge in the period", "the client's chart › Billing") in missing_for_superbill(
        superbill(lines=(), payments=())
    )


def test_an_insured_client_without_a_member_id_is_missing_it() -> None:
    client = replace(CLIENT, insurance=Insurance(payer_name="Cascade Health Plan", member_id=""))
    assert [m.what for m in missing_for_superbill(superbill(client=client))] == ["Member ID"]


def test_superbill_totals_and_paid_in_full() -> None:
    paid = superbill(4)
    assert (paid.total_fee_cents, paid.amount_paid_cents, paid.balance_cents) == (640_00, 640_00, 0)
    assert paid.paid_in_full

    unpaid = superbill(lines=weekly_lines(date(2026, 3, 2), 3, paid=False))
    assert (unpaid.total_fee_cents, unpaid.amount_paid_cents, unpaid.balance_cents) == (480_00, 0, 480_00)
    assert not unpaid.paid_in_full


def test_superbill_lines_come_in_date_order() -> None:
    lines = weekly_lines(date(2026, 3, 2), 3)
    sb = superbill(lines=tuple(reversed(lines)))
    assert [line.date_of_service for line in sb.lines] == [line.date_of_service for line in lines]
    assert (sb.first_date, sb.last_date) == (date(2026, 3, 2), date(2026, 3, 16))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"modifiers": ("95", "GT", "AJ", "59", "HO")}, "more than 4 modifiers"),
        ({"pointers": ("A", "B", "C", "D", "E")}, "1 to 4 diagnosis pointers"),
        ({"pointers": ("M",)}, "letters A to L"),
        ({"units": 0}, "1 to 99 units"),
        ({"paid_cents": 200_00}, "more paid than its fee"),
    ],
)
def test_a_service_line_refuses_what_no_claim_line_can_hold(changes: dict[str, object], message: str) -> None:
    base = {"date_of_service": date(2026, 3, 2), "pos": PlaceOfService.OFFICE, "code": "90837", "fee_cents": 160_00}
    with pytest.raises(ValidationError, match=message):
        ServiceLine(**{**base, **changes})  # type: ignore[arg-type]


def test_a_line_pointing_to_an_unlisted_diagnosis_is_refused() -> None:
    line = ServiceLine(date(2026, 3, 2), PlaceOfService.OFFICE, "90837", 160_00, pointers=("C",))
    with pytest.raises(ValidationError, match="points to diagnosis C, which is not listed"):
        superbill(lines=(line,), diagnoses=(DiagnosisCode("F41.1"), DiagnosisCode("F33.1")))


def test_more_than_twelve_diagnoses_are_refused() -> None:
    with pytest.raises(ValidationError, match="at most 12"):
        superbill(diagnoses=tuple(DiagnosisCode(f"F4{n}.1") for n in range(13)))


def test_statement_balance_runs_from_the_opening_balance() -> None:
    st = statement()
    assert [balance for _, balance in st.running_balances()] == [200_00, 175_00, 335_00, 255_00, 220_00]
    assert st.balance_due_cents == 220_00
    assert st.total_of(EntryKind.CHARGE) == 320_00


def test_a_refund_raises_the_balance_and_a_write_off_lowers_it() -> None:
    entries = (
        StatementEntry(date(2026, 3, 2), EntryKind.WRITE_OFF, "Small balance", 5_00),
        StatementEntry(date(2026, 3, 3), EntryKind.REFUND, "Refund of credit", 20_00),
    )
    assert statement(entries=entries, opening_balance_cents=0).balance_due_cents == 15_00


def test_aging_buckets_by_days_since_the_date_of_service() -> None:
    on = date(2026, 4, 30)
    items = [
        (date(2026, 3, 31), 1_00),  # 30 days
        (date(2026, 3, 30), 2_00),  # 31
        (date(2026, 3, 1), 4_00),  # 60
        (date(2026, 1, 30), 8_00),  # 90
        (date(2026, 1, 29), 16_00),  # 91
    ]
    assert aging_of(items, on) == Aging(days_0_30=1_00, days_31_60=6_00, days_61_90=8_00, over_90=16_00)
    assert aging_of(items, on).total_cents == 31_00


def test_the_default_payment_text_names_the_practice_and_its_phone() -> None:
    assert "made out to Maren Brennan" in statement().payment_instructions
    assert "(503) 555-0142" in statement().payment_instructions
    assert statement(how_to_pay="  Pay by Zelle.  ").payment_instructions == "Pay by Zelle."


def test_an_estimate_period_may_not_end_before_it_starts() -> None:
    with pytest.raises(ValidationError, match="ends before it starts"):
        estimate(period_start=date(2026, 3, 2), period_end=date(2026, 3, 1))


def test_a_twelve_month_estimate_from_february_29() -> None:
    assert estimate(period_start=date(2028, 2, 29), period_end=date(2029, 2, 28)).total_cents == 4_040_00
    with pytest.raises(ValidationError, match="12 months"):
        estimate(period_start=date(2028, 2, 29), period_end=date(2029, 3, 1))


def test_a_bill_400_dollars_above_the_estimate_may_be_disputed() -> None:
    assert not exceeds_estimate(4_040_00, 4_439_99)
    assert exceeds_estimate(4_040_00, 4_440_00)


def test_provider_and_client_from_the_stored_values() -> None:
    profile = PracticeProfile(
        name="Maren Brennan", credentials="LCSW", license_number="L4321", license_state="OR", npi="1234567893",
        tax_id="123-45-6789", tax_id_kind="SSN", street="410 Alder Street", city="Portland", state="OR",
        zip="97205", phone="(503) 555-0142",
    )  # fmt: skip
    provider = Provider.from_profile(profile)
    assert (provider.name_with_credentials, provider.tax_id_label, provider.license) == (
        "Maren Brennan, LCSW",
        "SSN",
        "L4321 (OR)",
    )
    assert provider.city_line == "Portland, OR 97205"

    client = Client("Dana", "Whitfield", date(1988, 7, 14), legal_middle="Rae", city="Beaverton", state="OR")
    info = ClientInfo.from_client(client)
    assert (info.name, info.dob, info.city_line) == ("Dana Rae Whitfield", date(1988, 7, 14), "Beaverton, OR")


def test_an_estimates_longest_period_ends_the_day_before_its_anniversary() -> None:
    from therapy_desk.domain.documents import estimate_period_end

    assert estimate_period_end(date(2026, 3, 2)) == date(2027, 3, 1)
    assert estimate_period_end(date(2028, 2, 29)) == date(2029, 2, 28)
    assert estimate_period_end(date(2026, 1, 1)) == date(2026, 12, 31)
