from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from tests.templates.document_samples import CLIENT, PROVIDER, statement
from tests.templates.pdf_text import pages, text
from therapy_desk.domain.documents import Aging, DocumentIncomplete, EntryKind, StatementEntry
from therapy_desk.templates.statement import render

NOW = datetime(2026, 4, 1, 9, 30)


def test_statement_shows_the_balance_due_activity_aging_and_how_to_pay() -> None:
    out = text(render(statement(), now=NOW))

    for field in (
        "STATEMENT",
        "Statement date March 31, 2026",
        "Period 03/01/2026 to 03/31/2026",
        "Account C-00042",
        "STATEMENT FOR Dana Whitfield 22 Birch Lane Beaverton, OR 97005",
        "BALANCE DUE $220.00",
        "Please pay by April 20, 2026",
        "03/01/2026 Balance forward $40.00",
        "03/02/2026 Charge: 90837 Psychotherapy, 60 minutes $160.00 $200.00",
        "03/02/2026 Payment: Copay, card $25.00 $175.00",
        "03/20/2026 Payment: Cascade Health Plan, EOB 88121 $80.00 $255.00",
        "03/20/2026 Adjustment: Contractual adjustment $35.00 $220.00",
        "Totals for the period $320.00 $140.00 $220.00",
        "0–30 days 31–60 days 61–90 days Over 90 days Total $180.00 $0.00 $0.00 $40.00 $220.00",
        "Pay by check made out to Maren Brennan",
        "call (503) 555-0142",
        "Page 1 of 1",
    ):
        assert field in out, field


def test_the_statement_names_the_client_on_every_page_without_their_date_of_birth() -> None:
    many = tuple(
        StatementEntry(date(2026, 3, 1 + day % 28), EntryKind.CHARGE, f"90837 session {day}", 160_00)
        for day in range(70)
    )
    out = pages(render(statement(entries=many, period_end=date(2026, 3, 31)), now=NOW))

    assert len(out) >= 2
    for number, page in enumerate(out, start=1):
        assert "Statement · Dana Whitfield" in page
        assert f"Page {number} of {len(out)}" in page
        assert "07/14/1988" not in page
    assert "Date Description Charges Payments and credits Balance" in out[1]


def test_the_practices_own_payment_text_replaces_the_default() -> None:
    out = text(render(statement(how_to_pay="Pay online at brennan-therapy.example/pay or by Zelle."), now=NOW))

    assert "Pay online at brennan-therapy.example/pay or by Zelle." in out
    assert "made out to" not in out


def test_a_credit_is_shown_as_a_credit_not_a_negative_balance() -> None:
    entries = (StatementEntry(date(2026, 3, 3), EntryKind.PAYMENT, "Prepayment, card", 100_00),)
    out = text(render(statement(entries=entries, opening_balance_cents=0, aging=Aging()), now=NOW))

    assert "CREDIT ON ACCOUNT $100.00" in out
    assert "Nothing is due" in out


def test_a_paid_up_account_says_nothing_is_due() -> None:
    out = text(render(statement(entries=(), opening_balance_cents=0, aging=Aging(), due_by=None), now=NOW))

    assert "BALANCE DUE $0.00" in out
    assert "Nothing is due. Thank you." in out


@pytest.mark.parametrize("name", ["李芳", "فاطمة حداد"])
def test_a_statement_prints_a_name_in_any_script(name: str) -> None:
    out = pages(render(statement(client=replace(CLIENT, name=name)), now=NOW))

    assert "\x00" not in out[0]
    assert out[0].count(name) == 2


def test_no_statement_without_an_address_to_send_it_to() -> None:
    incomplete = statement(provider=replace(PROVIDER, phone=""), client=replace(CLIENT, street=""))

    with pytest.raises(DocumentIncomplete) as refused:
        render(incomplete, now=NOW)

    assert [str(m) for m in refused.value.missing] == [
        "The practice's phone number — Settings › Practice profile",
        "The client's address — the client's chart › Overview › Edit demographics",
    ]
