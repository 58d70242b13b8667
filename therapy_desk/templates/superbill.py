"""The superbill: what a client submits to their insurer for out-of-network reimbursement.

One line per date of service with place, code, modifiers, diagnosis pointers, units and the full fee; the
diagnosis codes those pointers name; what was paid and how; the clinician's attestation and signature line.
"""

from __future__ import annotations

from datetime import datetime
from xml.sax.saxutils import escape

from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from therapy_desk.domain.documents import (
    POINTER_LETTERS,
    Superbill,
    claim_date,
    long_date,
    missing_for_superbill,
    money,
)
from therapy_desk.templates.base import INK, RULE
from therapy_desk.templates.base import render as render_pages
from therapy_desk.templates.document_parts import (
    DEFAULT_PAGESIZE,
    client_address,
    data_table,
    dob_text,
    doc_styles,
    fact_box,
    letterhead,
    muted_markup,
    page_for,
    plain,
    provider_facts,
    refuse_if_missing,
    side_by_side,
    signature_block,
    totals_box,
    user,
)

TITLE = "Superbill"
ATTESTATION = (
    "I certify that the services listed above were medically necessary and were provided by me on the dates "
    "shown, and that the fees are my usual charges."
)
SIDE_BY_SIDE_PAYMENTS = 12  # more payments than this are listed whole width, above the totals
# Fractions of the frame's width: date, POS, service, modifiers, pointers, units, fee, paid.
_WIDTHS = (0.115, 0.06, 0.32, 0.105, 0.085, 0.06, 0.125, 0.13)


def render(doc: Superbill, *, now: datetime | None = None, pagesize: tuple[float, float] = DEFAULT_PAGESIZE) -> bytes:
    """The superbill as PDF bytes; `DocumentIncomplete` (listing each empty required field) instead of a PDF
    an insurer would reject."""
    refuse_if_missing("superbill", missing_for_superbill(doc))
    page = page_for(TITLE, doc.client, doc.provider, now, pagesize)
    width = page.frame_width
    ds = doc_styles()
    first, last = doc.lines[0].date_of_service, doc.lines[-1].date_of_service  # refuse_if_missing: lines exist
    period = claim_date(first) if first == last else f"{claim_date(first)} to {claim_date(last)}"
    story: list[Flowable] = [
        letterhead(doc.provider, TITLE.upper(), [f"Issued {long_date(doc.issued_on)}", f"Services {period}"], width),
        Spacer(1, 10),
        side_by_side(
            fact_box("Provider", provider_facts(doc.provider), (width - 12) / 2),
            _client_box(doc, (width - 12) / 2),
            width,
        ),
        plain("Diagnoses (ICD-10-CM)", ds.heading),
        _diagnoses(doc, width),
        plain("Services", ds.heading),
        _services(doc, width),
        Spacer(1, 8),
        *_payments_and_totals(doc, width),
        Spacer(1, 4),
        plain(_pos_legend(doc), ds.small),
    ]
    story += signature_block(doc.signed_by, doc.issued_on, width, ATTESTATION)
    return render_pages(story, page)


def _client_box(doc: Superbill, width: float) -> Table:
    client, insurance = doc.client, doc.client.insurance
    facts = [
        ("Name (as on insurance card)", client.name),
        ("Date of birth", dob_text(client.dob)),
        ("Address", client_address(client)),
        ("Phone", client.phone),
        ("Account", client.account_number),
    ]
    if insurance is not None:
        facts += [
            (
                "Insurance",
                f"{insurance.payer_name} — {insurance.plan_name}" if insurance.plan_name else insurance.payer_name,
            ),
            ("Member ID", insurance.member_id),
            ("Group", insurance.group_number),
            ("Subscriber", insurance.subscriber_name or ("Client" if insurance.relationship == "self" else "")),
        ]
        if insurance.subscriber_name:
            facts.append(("Relationship", insurance.relationship))
    return fact_box("Client", facts, width)


def _diagnoses(doc: Superbill, width: float) -> Table:
    ds = doc_styles()
    per_row = 6
    cells: list[list[Paragraph | str]] = []
    for start in range(0, len(doc.diagnoses), per_row):
        row: list[Paragraph | str] = []
        for offset, diagnosis in enumerate(doc.diagnoses[start : start + per_row]):
            letter = POINTER_LETTERS[start + offset]
            row += [plain(letter, ds.head), plain(diagnosis.code, ds.cell_bold)]
        row += [""] * (2 * per_row - len(row))
        cells.append(row)
    table = Table(cells, colWidths=[width / per_row * 0.22, width / per_row * 0.78] * per_row, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.6, RULE),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return table


def _services(doc: Superbill, width: float) -> Table:
    ds = doc_styles()
    rows = []
    for line in doc.lines:
        # The code in bold, then what it is in words, on one line where it fits.
        words = f" {muted_markup(line.description)}" if line.description else ""
        service = Paragraph(f"<b>{escape(line.code)}</b>{words}", ds.cell)
        rows.append(
            [
                plain(claim_date(line.date_of_service), ds.cell),
                plain(line.pos.value, ds.cell),
                service,
                plain(" ".join(line.modifiers), ds.cell),
                plain(",".join(line.pointers), ds.cell),
                plain(str(line.units), ds.num),
                plain(money(line.fee_cents), ds.num),
                plain(money(line.paid_cents), ds.num),
            ]
        )
    footer = [
        [
            plain(f"{len(doc.lines)} {'service' if len(doc.lines) == 1 else 'services'}", ds.cell_bold),
            *[""] * 5,
            plain(money(doc.total_fee_cents), ds.num_bold),
            plain(money(doc.amount_paid_cents), ds.num_bold),
        ]
    ]
    header = ("Date of service", "POS", "Service (CPT)", "Modifiers", "Dx pointer", "Units", "Fee", "Paid")
    table = data_table(header, rows, [width * w for w in _WIDTHS], numeric=(5, 6, 7), footer=footer)
    table.setStyle(TableStyle([("SPAN", (0, len(rows) + 1), (5, len(rows) + 1)), ("TEXTCOLOR", (0, 0), (-1, -1), INK)]))
    return table


def _payments_and_totals(doc: Superbill, width: float) -> list[Flowable]:
    """Proof of payment on the left, the totals on the right: side by side, so a month fits one page. Many
    payments (a long period) are listed whole width first, so their table can run on over pages (a row of a
    table never splits), and the totals follow."""
    totals = totals_box(
        [
            ("Total charges", doc.total_fee_cents, False),
            ("Amount paid", doc.amount_paid_cents, False),
            ("Balance due", doc.balance_cents, True),
        ],
        width * 0.36,
        note="Paid in full" if doc.paid_in_full else "",
    )
    if len(doc.payments) > SIDE_BY_SIDE_PAYMENTS:
        return [_payments(doc, width), Spacer(1, 8), totals]
    left: Flowable | str = ""
    if doc.payments:
        left = _payments(doc, width * 0.58)
    table = Table([[left, "", totals]], colWidths=[width * 0.58, width * 0.06, width * 0.36])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return [table]


def _payments(doc: Superbill, width: float) -> Table:
    ds = doc_styles()
    rows = [
        [
            plain(claim_date(p.received_on), ds.cell),
            user(p.method, ds.cell),
            user(p.reference, ds.cell),
            plain(money(p.amount_cents), ds.num),
        ]
        for p in doc.payments
    ]
    widths = [width * w for w in (0.22, 0.2, 0.35, 0.23)]
    return data_table(("Payment received", "Method", "Reference", "Amount"), rows, widths, numeric=(3,))


def _pos_legend(doc: Superbill) -> str:
    used = sorted({line.pos for line in doc.lines}, key=lambda pos: pos.value)
    return "Place of service (POS): " + "; ".join(f"{pos.value} {pos.label.lower()}" for pos in used) + "."
