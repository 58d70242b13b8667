"""The client's statement: balance due, account activity in the period, aging, and how to pay."""

from __future__ import annotations

from datetime import datetime

from reportlab.lib.enums import TA_RIGHT
from reportlab.platypus import Flowable, Spacer, Table, TableStyle

from therapy_desk.domain.documents import EntryKind, Statement, claim_date, long_date, missing_for_statement, money
from therapy_desk.templates.base import FONT_BOLD, INK, RULE, TINT
from therapy_desk.templates.base import render as render_pages
from therapy_desk.templates.document_parts import (
    DEFAULT_PAGESIZE,
    Cell,
    data_table,
    doc_styles,
    letterhead,
    page_for,
    plain,
    refuse_if_missing,
    side_by_side,
    user,
)

TITLE = "Statement"
_CREDITS = (EntryKind.PAYMENT, EntryKind.ADJUSTMENT, EntryKind.WRITE_OFF)
# Fractions of the frame's width: date, description, charges, payments and credits, balance.
_WIDTHS = (0.13, 0.42, 0.14, 0.16, 0.15)


def render(doc: Statement, *, now: datetime | None = None, pagesize: tuple[float, float] = DEFAULT_PAGESIZE) -> bytes:
    """The statement as PDF bytes; `DocumentIncomplete` when it could not reach the client or be paid."""
    refuse_if_missing("statement", missing_for_statement(doc))
    # No date of birth on a statement: it is mailed, and the account number identifies the client.
    page = page_for(TITLE, doc.client, doc.provider, now, pagesize, with_dob=False)
    width = page.frame_width
    ds = doc_styles()
    dates = [
        f"Statement date {long_date(doc.statement_date)}",
        f"Period {claim_date(doc.period_start)} to {claim_date(doc.period_end)}",
    ]
    if doc.client.account_number:
        dates.append(f"Account {doc.client.account_number}")
    story: list[Flowable] = [
        letterhead(doc.provider, TITLE.upper(), dates, width),
        Spacer(1, 12),
        side_by_side(_bill_to(doc, (width - 12) / 2), _amount_due(doc, (width - 12) / 2), width),
        plain("Account activity", ds.heading),
        _activity(doc, width),
        plain("Aging of the balance", ds.heading),
        _aging(doc, width),
        plain("How to pay", ds.heading),
        user(doc.payment_instructions, ds.text),
        Spacer(1, 6),
        plain("Thank you. Please keep this statement for your records.", ds.small),
    ]
    return render_pages(story, page)


def _bill_to(doc: Statement, width: float) -> Table:
    ds = doc_styles()
    client = doc.client
    lines: list[Cell] = [plain("STATEMENT FOR", ds.label), user(client.name, ds.text.clone("bold", fontName=FONT_BOLD))]
    lines += [user(text, ds.text) for text in (client.street, client.city_line) if text]
    table = Table([[line] for line in lines], colWidths=[width])
    table.setStyle(
        TableStyle(
            [
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    return table


def _amount_due(doc: Statement, width: float) -> Table:
    ds = doc_styles()
    balance = doc.balance_due_cents
    right = ds.text.clone("right", alignment=TA_RIGHT)
    big = ds.num_bold.clone("big", fontSize=18, leading=24, textColor=INK)
    if balance > 0:
        rows: list[list[Cell]] = [[plain("BALANCE DUE", ds.label), plain(money(balance), big)]]
        if doc.due_by is not None:
            rows.append([plain("Please pay by", ds.small), plain(long_date(doc.due_by), right)])
    elif balance < 0:
        rows = [[plain("CREDIT ON ACCOUNT", ds.label), plain(money(-balance), big)]]
        rows.append(
            [plain("Nothing is due; the credit applies to your next visit unless you ask for a refund.", ds.small), ""]
        )
    else:
        rows = [
            [plain("BALANCE DUE", ds.label), plain(money(0), big)],
            [plain("Nothing is due. Thank you.", ds.small), ""],
        ]
    table = Table(rows, colWidths=[width * 0.45, width * 0.55])
    commands: list[tuple[object, ...]] = [
        ("BACKGROUND", (0, 0), (-1, -1), TINT),
        ("BOX", (0, 0), (-1, -1), 0.6, RULE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 10),
        ("RIGHTPADDING", (0, 0), (-1, -1), 10),
        ("TOPPADDING", (0, 0), (-1, 0), 8),
        ("BOTTOMPADDING", (0, -1), (-1, -1), 8),
    ]
    if len(rows) > 1 and rows[1][1] == "":
        commands.append(("SPAN", (0, 1), (1, 1)))
    table.setStyle(TableStyle(commands))
    return table


def _activity(doc: Statement, width: float) -> Table:
    ds = doc_styles()
    rows: list[list[Cell]] = [
        [
            plain(claim_date(doc.period_start), ds.cell),
            plain("Balance forward", ds.cell_bold),
            "",
            "",
            plain(money(doc.opening_balance_cents), ds.num),
        ]
    ]
    for entry, balance in doc.running_balances():
        raises = entry.kind not in _CREDITS
        label = entry.kind.value.capitalize()
        text = f"{label}: {entry.description}" if entry.description else label
        rows.append(
            [
                plain(claim_date(entry.on), ds.cell),
                user(text, ds.cell),
                plain(money(entry.amount_cents), ds.num) if raises else "",
                "" if raises else plain(money(entry.amount_cents), ds.num),
                plain(money(balance), ds.num),
            ]
        )
    footer = [
        [
            "",
            plain("Totals for the period", ds.cell_bold),
            plain(money(doc.total_of(EntryKind.CHARGE, EntryKind.REFUND)), ds.num_bold),
            plain(money(doc.total_of(*_CREDITS)), ds.num_bold),
            plain(money(doc.balance_due_cents), ds.num_bold),
        ]
    ]
    header = ("Date", "Description", "Charges", "Payments and credits", "Balance")
    return data_table(header, rows, [width * w for w in _WIDTHS], numeric=(2, 3, 4), footer=footer)


def _aging(doc: Statement, width: float) -> Table:
    ds = doc_styles()
    aging = doc.aging
    amounts = (aging.days_0_30, aging.days_31_60, aging.days_61_90, aging.over_90, aging.total_cents)
    header = ("0–30 days", "31–60 days", "61–90 days", "Over 90 days", "Total")
    row: list[Cell] = [plain(money(cents), ds.num) for cents in amounts]
    return data_table(header, [row], [width / 5] * 5, numeric=range(5))
