from __future__ import annotations

import io
from dataclasses import replace
from datetime import date, datetime

import pypdf
import pytest
from reportlab.lib.pagesizes import A4

from tests.templates.document_samples import CLIENT, PROVIDER, superbill, weekly_lines
from tests.templates.pdf_text import pages, text
from therapy_desk.domain.codes import PlaceOfService
from therapy_desk.domain.documents import DocumentIncomplete, PaymentLine, ServiceLine, money
from therapy_desk.templates.superbill import render

NOW = datetime(2026, 4, 1, 9, 30)


def test_superbill_carries_every_field_a_payer_needs() -> None:
    out = text(render(superbill(), now=NOW))

    for field in (
        "Maren Brennan, LCSW",
        "410 Alder Street, Suite 3",
        "Portland, OR 97205",
        "(503) 555-0142",
        "NPI 1234567893",
        "Tax ID (EIN) 12-3456789",
        "License L4321 (OR)",
        "Dana Whitfield",
        "Date of birth 07/14/1988",
        "22 Birch Lane, Beaverton, OR 97005",
        "Cascade Health Plan",
        "Member ID XJH123456789",
        "Group GRP-7781",
        "A F41.1 B F33.1",
        "Total charges $640.00",
        "Amount paid $640.00",
        "Balance due $0.00",
        "Paid in full",
        "Date: March 31, 2026",
        "Signature of provider",
        "Page 1 of 1",
    ):
        assert field in out, field


def test_superbill_lists_each_date_of_service_on_its_own_line() -> None:
    out = text(render(superbill(), now=NOW))

    assert "03/02/2026 11 90837 Psychotherapy, 60 minutes A,B 1 $160.00 $160.00" in out
    assert "03/09/2026 10 90837 Psychotherapy, 60 minutes 95 A,B 1 $160.00 $160.00" in out
    assert "03/16/2026 11 90837" in out
    assert "03/23/2026 10 90837 Psychotherapy, 60 minutes 95 A,B" in out
    assert "4 services $640.00 $640.00" in out


def test_superbill_shows_all_four_modifiers_units_and_what_is_still_due() -> None:
    line = ServiceLine(
        date(2026, 3, 5), PlaceOfService.TELEHEALTH_HOME, "90834", 250_00, units=2,
        modifiers=("95", "GT", "AJ", "59"), pointers=("B", "A"), paid_cents=100_00,
    )  # fmt: skip
    out = text(render(superbill(lines=(line,), payments=()), now=NOW))

    assert "03/05/2026 10 90834 95 GT AJ 59 B,A 2 $250.00 $100.00" in out
    assert "Services 03/05/2026" in out
    assert "Balance due $150.00" in out
    assert "Paid in full" not in out


def test_a_forty_line_superbill_continues_on_page_two_with_its_header_and_the_client_named() -> None:
    pdf = render(superbill(40), now=NOW)
    out = pages(pdf)

    assert len(out) >= 2
    header = "Date of service POS Service (CPT) Modifiers Dx pointer Units Fee Paid"
    assert all(header in page for page in out[:2])
    for number, page in enumerate(out, start=1):
        assert "Superbill · Dana Whitfield · DOB 07/14/1988" in page
        assert f"Page {number} of {len(out)}" in page
    every_date = [line.date_of_service.strftime("%m/%d/%Y") for line in weekly_lines(date(2026, 3, 2), 40)]
    assert all(day in " ".join(out) for day in every_date)
    assert "40 services $6,400.00" in " ".join(out)


def test_a_year_of_payments_runs_on_over_pages_with_the_totals_after_them() -> None:
    year = superbill(52)
    paid = tuple(PaymentLine(line.date_of_service, "Card", line.paid_cents, "Visa") for line in year.lines)
    out = " ".join(pages(render(replace(year, payments=paid), now=NOW)))  # one table row taller than a page once

    assert all(line.date_of_service.strftime("%m/%d/%Y") in out for line in year.lines)
    assert out.index("Payment received") < out.index("Total charges") < out.index("Balance due")
    assert f"Amount paid {money(sum(p.amount_cents for p in paid))}" in out


@pytest.mark.parametrize("name", ["张伟", "نور العلي", "Zoë Ngozi Adébáyọ̀-Oyelaran", "Παπαδοπούλου"])
def test_a_client_named_in_any_script_prints(name: str) -> None:
    out = pages(render(superbill(client=replace(CLIENT, name=name)), now=NOW))

    assert "\x00" not in out[0]
    assert out[0].count(name) == 2  # the client box and the running header


def test_a_very_long_name_and_address_wrap_instead_of_running_off() -> None:
    long_name = "Alexandria Konstantinopoulou-Featherstonehaugh-Vanderbilt de la Cruz y Montenegro"
    client = replace(CLIENT, name=long_name, street="12345 North Extraordinarily Long Boulevard Name, Apartment 1234B")
    pdf = render(superbill(client=client), now=NOW)

    out = text(pdf)
    assert "Konstantinopoulou-Featherstonehaugh-Vanderbilt" in out
    assert "Montenegro" in out
    assert "Apartment 1234B" in out


def test_no_superbill_while_a_required_field_is_missing() -> None:
    provider = replace(PROVIDER, npi="", license_number="")
    incomplete = superbill(provider=provider, client=replace(CLIENT, insurance=None))

    with pytest.raises(DocumentIncomplete) as refused:
        render(incomplete, now=NOW)

    assert [str(m) for m in refused.value.missing] == [
        "NPI — Settings › Practice profile",
        "License number — Settings › Practice profile",
        "Member ID — the client's chart › Billing › Coverage",
    ]
    assert "NPI — Settings › Practice profile" in str(refused.value)


def test_the_superbill_signer_defaults_to_the_provider_and_can_be_named() -> None:
    assert "Maren Brennan, LCSW Date:" in text(render(superbill(), now=NOW))
    out = text(render(superbill(signer="Maren Brennan, LCSW, PhD"), now=NOW))
    assert "Maren Brennan, LCSW, PhD Date:" in out


def test_an_ssn_is_captioned_as_one() -> None:
    provider = replace(PROVIDER, tax_id="123-45-6789", tax_id_kind="SSN")
    assert "Tax ID (SSN) 123-45-6789" in text(render(superbill(provider=provider), now=NOW))


def test_a_letter_page_by_default_and_a4_on_request() -> None:
    letter = pypdf.PdfReader(io.BytesIO(render(superbill(), now=NOW))).pages[0].mediabox
    a4 = pypdf.PdfReader(io.BytesIO(render(superbill(), now=NOW, pagesize=A4))).pages[0].mediabox
    assert (round(letter.width), round(letter.height)) == (612, 792)
    assert (round(a4.width), round(a4.height)) == (595, 842)
