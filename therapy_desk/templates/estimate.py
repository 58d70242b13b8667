"""The Good Faith Estimate an uninsured or self-pay client receives (No Surprises Act, 45 CFR 149.610).

The client's name and date of birth; the services expected over up to 12 months with codes, the expected
charge of each and the total; diagnosis codes where known; the clinician's name, NPI, tax ID and address; and
the notices the rule requires (not a contract; the right to dispute a bill $400 or more above it).
"""

from __future__ import annotations

from datetime import datetime

from reportlab.platypus import Flowable, KeepTogether, Spacer, Table

from therapy_desk.domain.documents import (
    GoodFaithEstimate,
    claim_date,
    long_date,
    missing_for_estimate,
    money,
)
from therapy_desk.templates.base import render as render_pages
from therapy_desk.templates.document_parts import (
    DEFAULT_PAGESIZE,
    Cell,
    client_address,
    data_table,
    dob_text,
    doc_styles,
    fact_box,
    letterhead,
    page_for,
    plain,
    provider_facts,
    refuse_if_missing,
    side_by_side,
    user,
)

TITLE = "Good Faith Estimate"
INTRODUCTION = (
    "You have the right to receive a Good Faith Estimate explaining how much your medical care will cost. "
    "Under the law, health care providers need to give patients who don't have insurance or who are not using "
    "insurance an estimate of the bill for items and services before those items or services are provided."
)
# Fractions of the frame's width: code, description, place, quantity, fee each, total.
_WIDTHS = (0.11, 0.39, 0.09, 0.11, 0.14, 0.16)


def render(
    doc: GoodFaithEstimate, *, now: datetime | None = None, pagesize: tuple[float, float] = DEFAULT_PAGESIZE
) -> bytes:
    """The estimate as PDF bytes; `DocumentIncomplete` when a field the rule requires is empty."""
    refuse_if_missing("Good Faith Estimate", missing_for_estimate(doc))
    page = page_for(TITLE, doc.client, doc.provider, now, pagesize)
    width = page.frame_width
    half = (width - 12) / 2
    ds = doc_styles()
    period = f"{claim_date(doc.period_start)} to {claim_date(doc.period_end)}"
    lines = [f"Issued {long_date(doc.issued_on)}", f"Services {period}"]
    if doc.reference:
        lines.insert(0, f"Estimate {doc.reference}")
    client = doc.client
    client_facts = [("Name", client.name), ("Date of birth", dob_text(client.dob)), ("Address", client_address(client))]
    client_facts.append(("Phone", client.phone))
    story: list[Flowable] = [
        letterhead(doc.provider, TITLE.upper(), lines, width),
        Spacer(1, 8),
        plain(INTRODUCTION, ds.text),
        Spacer(1, 10),
        side_by_side(
            fact_box("Client", client_facts, half), fact_box("Provider", provider_facts(doc.provider), half), width
        ),
        plain("Diagnosis codes (ICD-10-CM)", ds.heading),
        plain(
            ", ".join(d.code for d in doc.diagnoses) if doc.diagnoses else "Not yet known (before the first session).",
            ds.text,
        ),
        plain("Expected services and charges", ds.heading),
        user(f"{doc.service_summary}, {long_date(doc.period_start)} to {long_date(doc.period_end)}.", ds.text),
        Spacer(1, 4),
        _items(doc, width),
        Spacer(1, 4),
        plain(
            "The number of sessions is an estimate: your care may need more or fewer. Each session is charged at the "
            "fee shown.",
            ds.small,
        ),
        KeepTogether([plain("Please read", ds.heading), *(plain(notice, ds.notice) for notice in doc.notices)]),
    ]
    return render_pages(story, page)


def _items(doc: GoodFaithEstimate, width: float) -> Table:
    ds = doc_styles()
    rows: list[list[Cell]] = [
        [
            plain(item.code, ds.cell_bold),
            user(item.description, ds.cell),
            plain(item.pos.value if item.pos else "", ds.cell),
            plain(str(item.quantity), ds.num),
            plain(money(item.unit_fee_cents), ds.num),
            plain(money(item.total_cents), ds.num),
        ]
        for item in doc.items
    ]
    footer: list[list[Cell]] = [
        [plain("Total estimated charges", ds.cell_bold), "", "", "", "", plain(money(doc.total_cents), ds.num_bold)]
    ]
    header = ("Code", "Service", "POS", "Quantity", "Fee each", "Estimated")
    table = data_table(header, rows, [width * w for w in _WIDTHS], numeric=(3, 4, 5), footer=footer)
    last = len(rows) + 1
    table.setStyle([("SPAN", (0, last), (4, last))])
    return table
