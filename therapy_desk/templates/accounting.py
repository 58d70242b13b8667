"""A client's accounting of disclosures (45 CFR 164.528): each disclosure of the period with its date, the
recipient, what was disclosed and why; and what the accounting leaves out, as the law allows, in words."""

from __future__ import annotations

from datetime import datetime

from reportlab.platypus import Flowable, Spacer

from therapy_desk.domain.disclosures import Accounting, Disclosure
from therapy_desk.domain.documents import claim_date, long_date
from therapy_desk.templates.base import render as render_pages
from therapy_desk.templates.document_parts import (
    DEFAULT_PAGESIZE,
    Cell,
    data_table,
    dob_text,
    doc_styles,
    fact_box,
    letterhead,
    page_for,
    plain,
    user,
)

TITLE = "Accounting of Disclosures"
# Fractions of the frame's width: date, recipient, what was disclosed, purpose and basis.
_WIDTHS = (0.12, 0.26, 0.32, 0.30)
_LEFT_OUT = (
    "As 45 CFR 164.528(a)(1) allows, this accounting does not list disclosures made to you or your personal "
    "representative, under an authorization you signed, or for treatment, payment or health-care operations."
)


def render(doc: Accounting, *, now: datetime | None = None, pagesize: tuple[float, float] = DEFAULT_PAGESIZE) -> bytes:
    page = page_for(TITLE, doc.client, doc.provider, now, pagesize)
    width = page.frame_width
    ds = doc_styles()
    dates = [
        f"Requested {long_date(doc.requested_on)}",
        f"Period {claim_date(doc.since)} to {claim_date(doc.until)}",
    ]
    story: list[Flowable] = [
        letterhead(doc.provider, TITLE.upper(), dates, width),
        Spacer(1, 12),
        fact_box("Client", [("Name", doc.client.name), ("Date of birth", dob_text(doc.client.dob))], width),
        plain("Disclosures", ds.heading),
    ]
    listed = doc.listed
    if listed:
        rows = [_row(d, doc) for d in listed]
        story.append(
            data_table(("Date", "Recipient", "What was disclosed", "Purpose"), rows, [f * width for f in _WIDTHS])
        )
    else:
        story.append(plain("No disclosures of your record in this period are recorded.", ds.text))
    story.append(Spacer(1, 8))
    if doc.complete:
        story.append(plain("This accounting lists every disclosure the practice logged in the period.", ds.small))
    else:
        story.append(plain(_LEFT_OUT, ds.small))
    story.append(
        plain(
            "You may ask for one accounting every 12 months free of charge. Questions about this accounting go "
            "to the practice named above.",
            ds.small,
        )
    )
    return render_pages(story, page)


def _row(disclosure: Disclosure, doc: Accounting) -> list[Cell]:
    ds = doc_styles()
    basis = disclosure.basis.label
    if disclosure.release_id is not None and disclosure.release_id in doc.release_names:
        basis = f"{basis}: {doc.release_names[disclosure.release_id]}"
    purpose = [user(disclosure.purpose, ds.cell), plain(basis, ds.small)]
    what = [user(disclosure.what, ds.cell)]
    if disclosure.psychotherapy_notes:
        what.append(plain("Psychotherapy notes included", ds.small))
    return [plain(claim_date(disclosure.disclosed_on), ds.cell), user(disclosure.recipient, ds.cell), what, purpose]
