"""The pieces superbills, statements and estimates share: letterhead, who-is-who boxes, tables, totals.

Tables are reportlab Tables whose header row repeats on each page they continue on; every cell that holds
text a user typed is a Paragraph (so long names wrap instead of running off the page, in any script); money
is right-aligned in its own column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeAlias
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from therapy_desk.domain.documents import ClientInfo, DocumentIncomplete, Missing, Provider, long_date, money
from therapy_desk.templates.base import FONT_BOLD, INK, MUTED, RULE, TINT, Page, styles, user_markup

# What a table cell holds: a Paragraph, a string or a list of flowables (reportlab ships no type hints).
Cell: TypeAlias = Any


@dataclass(frozen=True)
class DocStyles:
    """The paragraph styles of billing documents (smaller than a letter's: they are dense forms)."""

    doc_title: ParagraphStyle
    practice: ParagraphStyle
    letterhead: ParagraphStyle
    label: ParagraphStyle
    text: ParagraphStyle
    heading: ParagraphStyle
    cell: ParagraphStyle
    cell_bold: ParagraphStyle
    head: ParagraphStyle
    num: ParagraphStyle
    num_bold: ParagraphStyle
    head_num: ParagraphStyle
    notice: ParagraphStyle
    small: ParagraphStyle


def doc_styles() -> DocStyles:
    st = styles()
    text = st.body.clone("doc-text", fontSize=9.5, leading=13, spaceAfter=0)
    cell = text.clone("cell", fontSize=8.5, leading=11)
    head = cell.clone("head", fontName=FONT_BOLD, fontSize=8, textColor=MUTED)
    return DocStyles(
        doc_title=st.title.clone("doc-title", fontSize=17, leading=21, alignment=TA_RIGHT, spaceAfter=0),
        practice=st.title.clone("practice", fontSize=14.5, leading=18, spaceAfter=1),
        letterhead=text.clone("letterhead", fontSize=9, leading=12, textColor=MUTED),
        label=head.clone("label", fontSize=7.5, leading=10),
        text=text,
        heading=st.heading.clone("doc-heading", fontSize=11, leading=14, spaceBefore=9, spaceAfter=4),
        cell=cell,
        cell_bold=cell.clone("cell-bold", fontName=FONT_BOLD),
        head=head,
        num=cell.clone("num", alignment=TA_RIGHT),
        num_bold=cell.clone("num-bold", fontName=FONT_BOLD, alignment=TA_RIGHT),
        head_num=head.clone("head-num", alignment=TA_RIGHT),
        notice=text.clone("notice", fontSize=9, leading=12.5, spaceAfter=6),
        small=st.small.clone("doc-small", fontSize=8, leading=10.5, spaceAfter=0),
    )


def refuse_if_missing(document: str, missing: Sequence[Missing]) -> None:
    """No document while a required field is empty: the error lists each one and where to fill it in."""
    if missing:
        raise DocumentIncomplete(document, missing)


def page_for(
    title: str,
    client: ClientInfo,
    provider: Provider,
    now: datetime | None,
    pagesize: tuple[float, float],
    *,
    with_dob: bool = True,
) -> Page:
    """Pages whose running header names the document and the client (and their date of birth, which tells two
    clients of one name apart for a payer), and whose footer names the practice."""
    printed = now or datetime.now()
    dob = f" · DOB {dob_text(client.dob)}" if client.dob and with_dob else ""
    return Page(
        title=f"{title} — {client.name}",
        header=f"{title} · {client.name}{dob}",
        footer=f"{provider.name_with_credentials} · printed {long_date(printed.date())}",
        author=provider.name_with_credentials,
        subject=title,
        pagesize=pagesize,
        margin=0.6 * 72,
    )


def dob_text(day: date | None) -> str:
    return "" if day is None else f"{day:%m/%d/%Y}"


def user(text: str, style: ParagraphStyle) -> Paragraph:
    """A cell or line holding text a user typed."""
    return Paragraph(user_markup(text, bold=style.fontName == FONT_BOLD), style)


def muted_markup(text: str) -> str:
    """User text as markup in the muted colour, for a word of explanation beside a code."""
    return f'<font color="#{MUTED.hexval()[2:]}">{user_markup(text)}</font>'


def plain(text: str, style: ParagraphStyle) -> Paragraph:
    """A cell holding text the app wrote (codes, amounts, captions): escaped, no font switching needed."""
    return Paragraph(escape(text), style)


def letterhead(provider: Provider, title: str, lines: Sequence[str], width: float) -> Table:
    """The practice's name and address on the left, the document's title and dates on the right."""
    ds = doc_styles()
    left: list[Flowable] = [user(provider.name_with_credentials, ds.practice)]
    for text in (provider.street, provider.city_line, _contact_line(provider)):
        if text:
            left.append(user(text, ds.letterhead))
    right: list[Flowable] = [plain(title, ds.doc_title)]
    right += [plain(text, ds.letterhead.clone("right", alignment=TA_RIGHT)) for text in lines]
    table = Table([[left, right]], colWidths=[width * 0.6, width * 0.4])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
                ("LINEBELOW", (0, 0), (-1, -1), 1.2, INK),
            ]
        )
    )
    return table


def _contact_line(provider: Provider) -> str:
    return " · ".join(p for p in (f"Phone {provider.phone}" if provider.phone else "", provider.email) if p)


def fact_box(caption: str, facts: Sequence[tuple[str, str]], width: float) -> Table:
    """A captioned box of label/value rows (values are user text); empty values are left out."""
    ds = doc_styles()
    rows: list[list[Cell]] = [[plain(caption.upper(), ds.label), ""]]
    for label, value in facts:
        if value:
            rows.append([plain(label, ds.small), user(value, ds.text)])
    table = Table(rows, colWidths=[width * 0.3, width * 0.7])
    table.setStyle(
        TableStyle(
            [
                ("SPAN", (0, 0), (-1, 0)),
                ("BACKGROUND", (0, 0), (-1, -1), TINT),
                ("BOX", (0, 0), (-1, -1), 0.6, RULE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                ("TOPPADDING", (0, 0), (-1, 0), 6),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 7),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return table


def side_by_side(left: Flowable, right: Flowable, width: float, gap: float = 12) -> Table:
    """Two boxes next to each other, as wide as the page allows."""
    half = (width - gap) / 2
    table = Table([[left, "", right]], colWidths=[half, gap, half])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def provider_facts(provider: Provider, *, license_too: bool = True) -> list[tuple[str, str]]:
    facts = [("Provider", provider.name_with_credentials), ("NPI", provider.npi)]
    facts.append((f"Tax ID ({provider.tax_id_label})", provider.tax_id))
    if license_too:
        facts.append(("License", provider.license))
    facts += [("Address", ", ".join(p for p in (provider.street, provider.city_line) if p)), ("Phone", provider.phone)]
    return facts


def client_address(client: ClientInfo) -> str:
    return ", ".join(p for p in (client.street, client.city_line) if p)


def data_table(
    header: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    widths: Sequence[float],
    *,
    numeric: Sequence[int] = (),
    footer: Sequence[Sequence[Cell]] = (),
) -> Table:
    """A table whose header repeats on every page it runs onto; `numeric` columns are right-aligned."""
    ds = doc_styles()
    head = [plain(text, ds.head_num if i in numeric else ds.head) for i, text in enumerate(header)]
    body = [list(row) for row in rows] + [list(row) for row in footer]
    table = Table([head, *body], colWidths=list(widths), repeatRows=1)
    commands: list[tuple[object, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]
    for index in range(1, len(rows) + 1):
        commands.append(("LINEBELOW", (0, index), (-1, index), 0.3, RULE))
        if index % 2 == 0:
            commands.append(("BACKGROUND", (0, index), (-1, index), TINT))
    if footer:
        first = len(rows) + 1
        commands.append(("LINEABOVE", (0, first), (-1, first), 0.8, INK))
    table.setStyle(TableStyle(commands))
    return table


def totals_box(rows: Sequence[tuple[str, int, bool]], width: float, note: str = "") -> Table:
    """Right-aligned label / amount pairs under a table: (label, cents, emphasised)."""
    ds = doc_styles()
    cells: list[list[Cell]] = []
    commands: list[tuple[object, ...]] = [
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    for index, (label, cents, strong) in enumerate(rows):
        style = ds.num_bold if strong else ds.num
        cells.append(
            [
                plain(label, style.clone("total-label", fontSize=9.5, leading=13)),
                plain(money(cents), style.clone("total", fontSize=9.5, leading=13)),
            ]
        )
        if strong:
            commands.append(("LINEABOVE", (0, index), (-1, index), 0.8, INK))
    if note:
        cells.append([plain(note, ds.num_bold.clone("note", fontSize=10, leading=14)), ""])
        commands.append(("SPAN", (0, len(cells) - 1), (1, len(cells) - 1)))
    table = Table(cells, colWidths=[width * 0.58, width * 0.42], hAlign="RIGHT")  # room for $99,999.00
    table.setStyle(TableStyle(commands))
    return table


def signature_block(signer: str, dated: date, width: float, statement: str) -> list[Flowable]:
    """The clinician's attestation, a line to sign on, the name and credentials, and the date."""
    ds = doc_styles()
    line = Table(
        [["", "", ""], [user(signer, ds.text), "", plain(f"Date: {long_date(dated)}", ds.text)]],
        colWidths=[width * 0.55, width * 0.1, width * 0.35],
        rowHeights=[28, None],
    )
    line.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (0, 0), 0.8, INK),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return [
        KeepTogether(
            [Spacer(1, 10), plain(statement, ds.small), Spacer(1, 4), line, plain("Signature of provider", ds.small)]
        )
    ]


DEFAULT_PAGESIZE = LETTER
