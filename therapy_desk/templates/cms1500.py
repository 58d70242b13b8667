"""The CMS-1500 (02/12) claim form as PDF: on plain paper (every box ruled and captioned, the values inside)
and as data only for the pre-printed red form, with an alignment page for the printer.

Both read the same list of values, each at its NUCC line and column (`page_values`); the plain-paper form
draws the boxes around them (cms1500_layout.py). Six service lines per form: a claim with more continues on
further forms, each one totalled (box 28 the sum of its own lines) and marked "Page N of M"; box 29, what the
patient paid, is on the last. The PDF's metadata names the form only, never the patient.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from reportlab.pdfgen.canvas import Canvas

from therapy_desk.domain.claims import (
    DIAGNOSIS_LETTERS,
    LINES_PER_FORM,
    Address,
    ClaimForm,
    ClaimLine,
    Frequency,
    InsuranceType,
    Person,
)
from therapy_desk.templates import base
from therapy_desk.templates.cms1500_layout import (
    BOXES,
    COLUMN,
    LINE,
    LINE_COLUMNS,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    PLAIN_LEFT,
    PLAIN_TOP,
    RED_LEFT,
    RED_TOP,
    SUB_CAPTIONS,
    TICKS,
    Grid,
    diagnosis_box,
    draw_text,
    row_line,
)

TITLE = "CMS-1500 claim form"
PLAIN_GRID = Grid(PLAIN_LEFT, PLAIN_TOP)
RED_GRID = Grid(RED_LEFT, RED_TOP)
VALUE_SIZE = 9.0  # plain paper, Noto Sans: about 10 characters an inch in capitals, like the grid
CAPTION_SIZE = 5.6
RED_SIZE = 12.0  # Courier at 12 pt is 10 characters an inch: one character per grid column
TICK = "X"

_INSURANCE_COLUMN = {
    InsuranceType.MEDICARE: 1,
    InsuranceType.MEDICAID: 8,
    InsuranceType.TRICARE: 15,
    InsuranceType.CHAMPVA: 24,
    InsuranceType.GROUP: 31,
    InsuranceType.FECA: 39,
    InsuranceType.OTHER: 45,
}
_RELATIONSHIP_COLUMN = {"self": 33, "spouse": 38, "child": 42}  # anything else: "other", column 47


@dataclass(frozen=True)
class Put:
    """One value on the form: at `line`, from column `col` over `width` columns (or ending at `col` when
    `right`). `paper_only`: printed on plain paper only (the red form has no place for it)."""

    line: int
    col: int
    width: int
    text: str
    right: bool = False
    paper_only: bool = False


# -- the values -----------------------------------------------------------------------------------------------


def _up(text: str) -> str:
    return " ".join(text.split()).upper()


def _date(day: date | None, *, year_digits: int = 4) -> tuple[str, str, str]:
    if day is None:
        return ("", "", "")
    year = f"{day.year:04d}"
    return (f"{day.month:02d}", f"{day.day:02d}", year[-year_digits:])


def _date_puts(line: int, col: int, day: date | None) -> list[Put]:
    """MM DD YYYY in the form's three sub-boxes (columns col, col+3, col+6)."""
    month, dom, year = _date(day)
    return [Put(line, col, 2, month), Put(line, col + 3, 2, dom), Put(line, col + 6, 4, year)] if day else []


def _money_puts(line: int, dollars_end: int, cents: int) -> list[Put]:
    """Dollars right-aligned in their sub-column ending at `dollars_end`, cents in theirs: 150 00, no $."""
    return [
        Put(line, dollars_end, 7, str(cents // 100), right=True),
        Put(line, dollars_end + 2, 2, f"{cents % 100:02d}"),
    ]


def _phone(phone: str) -> tuple[str, str]:
    """(area code, the rest) for the form's two phone fields; a number not of ten digits stays whole."""
    digits = "".join(c for c in phone if c.isdigit())
    if len(digits) == 10:
        return digits[:3], f"{digits[3:6]}-{digits[6:]}"
    return "", phone.strip()


def _person_name(person: Person) -> str:
    return _up(person.form_name)


def _address_puts(line: int, col: int, address: Address, phone: str, *, state_col: int, phone_col: int) -> list[Put]:
    area, number = _phone(phone)
    return [
        Put(line, col, 28, _up(address.street)),
        Put(line + 2, col, state_col - col - 1, _up(address.city)),
        Put(line + 2, state_col, 3, _up(address.state)),
        Put(line + 4, col, 12, address.zip),
        Put(line + 4, phone_col, 3, area),
        Put(line + 4, phone_col + 4, 10, number),
    ]


def _sex_puts(line: int, male_col: int, female_col: int, sex: str) -> list[Put]:
    columns = {"M": male_col, "F": female_col}
    return [Put(line, columns[sex], 1, TICK)] if sex in columns else []


def _yes_no(line: int, yes_col: int, no_col: int, yes: bool) -> Put:
    return Put(line, yes_col if yes else no_col, 1, TICK)


def _header_puts(form: ClaimForm) -> list[Put]:
    payer = form.payer
    puts = [
        Put(2, 41, 39, _up(payer.name)),
        Put(3, 41, 39, _up(payer.address.street)),
        Put(4, 41, 39, _up(payer.address.city_line)),
        # 1, 1a, 2, 3, 4
        Put(8, _INSURANCE_COLUMN[form.insurance_type], 1, TICK),
        Put(8, 50, 30, form.member_id),
        Put(10, 1, 28, _person_name(form.patient)),
        *_date_puts(10, 31, form.patient.dob),
        *_sex_puts(10, 42, 47, form.patient.sex),
        Put(10, 50, 30, _person_name(form.insured)),
        # 5, 6, 7
        *_address_puts(12, 1, form.patient.address, form.patient.phone, state_col=26, phone_col=15),
        Put(12, _RELATIONSHIP_COLUMN.get(form.relationship, 47), 1, TICK),
        *_address_puts(12, 50, form.insured.address, form.insured.phone, state_col=74, phone_col=65),
        # 10a-c, 10d
        _yes_no(20, 35, 41, form.employment_related),
        _yes_no(22, 35, 41, form.auto_accident),
        Put(22, 45, 3, _up(form.auto_accident_state) if form.auto_accident else ""),
        _yes_no(24, 35, 41, form.other_accident),
        Put(26, 32, 17, _up(form.claim_codes)),
        # 11, 11a, 11c, 11d
        Put(18, 50, 30, form.group_number),
        *_date_puts(20, 53, form.insured.dob),
        *_sex_puts(20, 68, 75, form.insured.sex),
        Put(24, 50, 30, _up(form.plan_name)),
        _yes_no(26, 52, 57, form.other_insurance is not None),
    ]
    other = form.other_insurance
    if other is not None:  # 9, 9a, 9d
        puts += [
            Put(18, 1, 28, _person_name(other.insured)),
            Put(20, 1, 28, other.member_id or other.group_number),
            Put(26, 1, 28, _up(other.plan_name or other.payer_name)),
        ]
    return puts


def _signature_puts(form: ClaimForm) -> list[Put]:
    puts: list[Put] = []
    if form.release_signed_on:  # 12
        month, dom, year = _date(form.release_signed_on)
        puts += [Put(29, 7, 26, "SIGNATURE ON FILE"), Put(29, 36, 12, f"{month} {dom} {year}")]
    if form.assignment_signed_on:  # 13: the form has no date here; plain paper shows it after the words
        month, dom, year = _date(form.assignment_signed_on)
        puts += [Put(29, 55, 17, "SIGNATURE ON FILE"), Put(30, 55, 12, f"{month} {dom} {year}", paper_only=True)]
    return puts


def _clinical_puts(form: ClaimForm) -> list[Put]:
    puts: list[Put] = []
    if form.illness_onset:  # 14
        month, dom, year = _date(form.illness_onset)
        puts += [Put(32, 2, 2, month), Put(32, 5, 2, dom), Put(32, 8, 4, year), Put(32, 16, 3, "431")]
    if form.accident_date and (form.auto_accident or form.other_accident):  # 15, qualifier 439
        month, dom, year = _date(form.accident_date)
        puts += [Put(32, 31, 3, "439"), Put(32, 37, 2, month), Put(32, 40, 2, dom), Put(32, 43, 4, year)]
    if form.referring is not None:  # 17, 17b
        ref = form.referring
        name = _up(f"{ref.last}, {ref.first}" if ref.first else ref.last)
        puts += [Put(34, 1, 2, ref.qualifier.value), Put(34, 4, 25, name), Put(34, 33, 16, ref.npi)]
    puts.append(Put(37, 42, 1, "0"))  # 21: ICD indicator, 0 = ICD-10-CM
    for index, diagnosis in enumerate(form.diagnoses[: len(DIAGNOSIS_LETTERS)]):
        place = diagnosis_box(index)
        puts.append(Put(place.first_line, place.first_col + 2, 9, diagnosis.code.upper()))
    if form.frequency is not Frequency.ORIGINAL:  # 22
        puts += [Put(38, 50, 10, form.frequency.value), Put(38, 62, 18, form.original_reference)]
    puts.append(Put(40, 50, 30, form.prior_authorization))  # 23
    return puts


def _line_puts(row: int, line: ClaimLine, form: ClaimForm) -> list[Put]:
    at = row_line(row)
    month, dom, year = _date(line.date_of_service, year_digits=2)
    puts = [
        Put(at, 1, 2, month), Put(at, 4, 2, dom), Put(at, 7, 2, year),  # from
        Put(at, 10, 2, month), Put(at, 13, 2, dom), Put(at, 16, 2, year),  # to: the same day
        Put(at, 19, 2, line.pos),
        Put(at, 22, 2, "Y" if line.emergency else ""),
        Put(at, 25, 6, line.code),
        *(Put(at, 33 + 3 * i, 2, modifier.upper()) for i, modifier in enumerate(line.modifiers[:4])),
        Put(at, 45, 4, line.pointer_letters),
        *_money_puts(at, 54, line.fee_cents),
        Put(at, 59, 3, str(line.units), right=False),
    ]  # fmt: skip
    if form.bills_as_group:  # 24I (printed on the red form already) and 24J: who rendered this line
        puts += [Put(at, 65, 3, "NPI", paper_only=True), Put(at, 68, 12, form.rendering.npi)]
    return puts


def _provider_puts(form: ClaimForm, printed_on: date) -> list[Put]:
    puts = [
        Put(56, 1, 15, form.tax_id),  # 25
        Put(56, 17 if form.tax_id_kind.upper() == "SSN" else 19, 1, TICK),
        Put(56, 23, 14, form.account_number),  # 26
        _yes_no(56, 38, 43, form.accept_assignment),  # 27
    ]
    month, dom, year = _date(form.provider_signed_on or printed_on)  # 31
    puts += [Put(60, 1, 21, _up(form.rendering.display_name)), Put(61, 6, 12, f"{month} {dom} {year}")]
    if form.facility is not None:  # 32, 32a
        facility = form.facility
        puts += [
            Put(58, 23, 26, _up(facility.display_name)),
            Put(59, 23, 26, _up(facility.address.street)),
            Put(60, 23, 26, _up(facility.address.city_line)),
            Put(61, 23, 10, facility.npi),
        ]
    billing = form.billing  # 33, 33a, 33b
    area, number = _phone(billing.phone)
    puts += [
        Put(57, 66, 3, area),
        Put(57, 70, 10, number),
        Put(58, 50, 30, _up(billing.display_name)),
        Put(59, 50, 30, _up(billing.address.street)),
        Put(60, 50, 30, _up(billing.address.city_line)),
        Put(61, 50, 11, billing.npi),
        Put(61, 63, 17, f"ZZ{billing.taxonomy}" if billing.taxonomy else ""),
    ]
    return puts


def page_values(form: ClaimForm, printed_on: date, page: int) -> list[Put]:
    """Every value printed on form page `page` (0-based) of the claim, at its NUCC line and column."""
    pages = form.form_pages()
    lines = pages[page]
    puts = [*_header_puts(form), *_signature_puts(form), *_clinical_puts(form)]
    for row, line in enumerate(lines, start=1):
        puts += _line_puts(row, line, form)
    puts += _money_puts(56, 56, sum(line.fee_cents for line in lines))  # 28: this form's lines
    if page == len(pages) - 1 and form.amount_paid_cents:  # 29: once, on the last form
        puts += _money_puts(56, 66, form.amount_paid_cents)
    puts += _provider_puts(form, printed_on)
    return [put for put in puts if put.text]


def page_mark(page: int, count: int) -> str:
    return f"Page {page + 1} of {count}"


# -- plain paper ----------------------------------------------------------------------------------------------


def _canvas(buffer: io.BytesIO, title: str) -> Any:
    base.register_fonts()
    canvas = Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), pageCompression=1)
    # The metadata names the document only: a file's properties are shown in places the form is not.
    canvas.setTitle(title)
    canvas.setAuthor("Therapy Desk")
    canvas.setCreator("Therapy Desk")
    canvas.setSubject("")
    return canvas


def _draw_caption(canvas: Any, grid: Grid, line: float, col: float, text: str, room: float) -> None:
    canvas.setFillColor(base.MUTED)
    draw_text(canvas, grid.x(col) + 1.5, grid.line_top(line) - CAPTION_SIZE - 0.6, text, base.FONT, CAPTION_SIZE, room)


def _draw_skeleton(canvas: Any, grid: Grid) -> None:
    """Every box, tick box and caption of the plain-paper form (the same on every page)."""
    canvas.setLineWidth(0.6)
    canvas.setStrokeColor(base.INK)
    for box in BOXES:
        left, bottom, right, top = grid.rect(box)
        canvas.rect(left, bottom, right - left, top - bottom, stroke=1, fill=0)
        if box.caption:
            _draw_caption(canvas, grid, box.first_line, box.first_col, box.caption, right - left - 3)
    # Box 24: the column captions, then six rows each with a tinted supplemental line above its data line.
    canvas.setFillColor(base.MUTED)
    for _, above, below, first, last in LINE_COLUMNS:
        left, room = grid.x(first) + 1.5, (last + 1 - first) * COLUMN - 3
        draw_text(canvas, left, grid.baseline(41) - 1, above, base.FONT, CAPTION_SIZE, room)
        draw_text(canvas, left, grid.baseline(42) + 1, below, base.FONT, CAPTION_SIZE, room)
    for row in range(1, LINES_PER_FORM + 1):
        data = row_line(row)
        canvas.setFillColor(base.TINT)
        left, right = grid.x(1), grid.x(81)
        canvas.rect(left, grid.line_bottom(data - 1), right - left, LINE, stroke=0, fill=1)
        canvas.setFillColor(base.MUTED)
        draw_text(canvas, left - 6.5, grid.baseline(data), str(row), base.FONT, 6, 6)
        canvas.line(left, grid.line_bottom(data), right, grid.line_bottom(data))
    canvas.line(grid.x(1), grid.line_bottom(42), grid.x(81), grid.line_bottom(42))
    for _, _, _, first, _ in LINE_COLUMNS[1:]:
        canvas.line(grid.x(first), grid.line_top(41), grid.x(first), grid.line_bottom(54))
    # The dollars | cents divides in 24F, 28 and 29, dotted as on the form.
    canvas.setDash(1, 1.5)
    for col, first_line, last_line in ((56, 43, 54), (58, 55, 56), (68, 55, 56)):
        x = grid.x(col) - 1.8
        canvas.line(x, grid.line_top(first_line), x, grid.line_bottom(last_line))
    canvas.setDash()
    # Box 21's letters, and the tick boxes with their labels.
    canvas.setFillColor(base.MUTED)
    draw_text(canvas, grid.x(37), grid.baseline(37), "ICD Ind.", base.FONT, CAPTION_SIZE, 30)
    for index, letter in enumerate(DIAGNOSIS_LETTERS):
        place = diagnosis_box(index)
        draw_text(canvas, grid.x(place.first_col) + 1, grid.baseline(place.first_line), f"{letter}.", base.FONT, 6.5, 9)
    for sub_line, sub_col, text in SUB_CAPTIONS:
        top = grid.line_top(sub_line)
        draw_text(canvas, grid.x(sub_col), top - CAPTION_SIZE - 0.6, text, base.FONT, CAPTION_SIZE, 14)
    canvas.setLineWidth(0.5)
    for tick in TICKS:
        x, y = grid.x(tick.col), grid.line_bottom(tick.line) + 1.5
        canvas.rect(x - 0.6, y, 8.4, 8.4, stroke=1, fill=0)
        if tick.label:  # up to the next tick box on the line, or the box's edge
            box_end = next(
                b.last_col + 1
                for b in BOXES
                if b.first_line <= tick.line <= b.last_line and b.first_col <= tick.col <= b.last_col
            )
            following = min((t.col for t in TICKS if t.line == tick.line and t.col > tick.col), default=box_end)
            room = grid.x(min(following, box_end)) - x - 10.5
            draw_text(canvas, x + 9, y + 1.8, tick.label, base.FONT, CAPTION_SIZE, room)


def _draw_values(canvas: Any, grid: Grid, puts: Sequence[Put], font: str, size: float, *, paper: bool) -> None:
    canvas.setFillColor(base.INK)
    for put in puts:
        if put.paper_only and not paper:
            continue
        room = put.width * COLUMN
        if put.right:
            draw_text(canvas, grid.x(put.col + 1), grid.baseline(put.line), put.text, font, size, room, right=True)
        elif paper and put.text == TICK and put.width == 1:
            draw_text(canvas, grid.x(put.col) + 1.0, grid.baseline(put.line), put.text, base.FONT_BOLD, size, room)
        else:
            draw_text(
                canvas, grid.x(put.col) + (1.0 if paper else 0), grid.baseline(put.line), put.text, font, size, room
            )


def _draw_plain_header(canvas: Any, grid: Grid, mark: str) -> None:
    canvas.setFillColor(base.INK)
    draw_text(canvas, grid.x(1), grid.baseline(3), "HEALTH INSURANCE CLAIM FORM", base.FONT_BOLD, 12, 280)
    canvas.setFillColor(base.MUTED)
    draw_text(canvas, grid.x(1), grid.baseline(4), "CMS-1500 (02/12) layout on plain paper", base.FONT, 7.5, 280)
    canvas.setFillColor(base.INK)
    draw_text(canvas, grid.x(1), grid.baseline(1), mark, base.FONT_BOLD, 8, 120)


def render_cms1500(form: ClaimForm, *, printed_on: date) -> bytes:
    """The claim on plain paper: the CMS-1500 (02/12) box by box, one form per six service lines."""
    buffer = io.BytesIO()
    canvas = _canvas(buffer, TITLE)
    count = len(form.form_pages())
    for page in range(count):
        _draw_skeleton(canvas, PLAIN_GRID)
        _draw_plain_header(canvas, PLAIN_GRID, page_mark(page, count))
        _draw_values(canvas, PLAIN_GRID, page_values(form, printed_on, page), base.FONT, VALUE_SIZE, paper=True)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


# -- the pre-printed red form ---------------------------------------------------------------------------------


def _red_grid(offset_x_pt: float, offset_y_pt: float) -> Grid:
    """The red form's grid moved by the user's offset: positive x to the right, positive y up the page."""
    return Grid(RED_LEFT + offset_x_pt, RED_TOP - offset_y_pt)


def render_cms1500_red(form: ClaimForm, *, printed_on: date, offset_x_pt: float = 0, offset_y_pt: float = 0) -> bytes:
    """The claim's values only, in Courier at 10 characters an inch, where the pre-printed red CMS-1500 has
    each box; `offset_x_pt` / `offset_y_pt` move everything to match a printer (see render_alignment_page)."""
    grid = _red_grid(offset_x_pt, offset_y_pt)
    buffer = io.BytesIO()
    canvas = _canvas(buffer, TITLE)
    count = len(form.form_pages())
    for page in range(count):
        puts = page_values(form, printed_on, page)
        if count > 1:  # beside the form's QR code, where the red form is blank
            puts.append(Put(2, 15, 24, page_mark(page, count).upper()))
        _draw_values(canvas, grid, puts, base.MONO, RED_SIZE, paper=False)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


ALIGNMENT_INSTRUCTIONS = (
    "Print this page on a red CMS-1500 form. Each X should sit inside boxes 1a, 2, 24A line 1 and 33. "
    "If not, set the offset (points, 72 to the inch: right and up are positive) and print again."
)


def render_alignment_page(*, offset_x_pt: float = 0, offset_y_pt: float = 0) -> bytes:
    """A test page for the red form: rows of X's in boxes 1a, 2, 24A (line 1) and 33, and what to check."""
    grid = _red_grid(offset_x_pt, offset_y_pt)
    buffer = io.BytesIO()
    canvas = _canvas(buffer, "CMS-1500 alignment page")
    puts = [
        Put(8, 50, 17, "X" * 17),  # 1a
        Put(10, 1, 28, "X" * 28),  # 2
        Put(row_line(1), 1, 8, "XX XX XX"),  # 24A from
        Put(row_line(1), 10, 8, "XX XX XX"),  # 24A to
        Put(58, 50, 28, "X" * 28),  # 33
        Put(59, 50, 28, "X" * 28),
        Put(60, 50, 28, "X" * 28),
    ]
    _draw_values(canvas, grid, puts, base.MONO, RED_SIZE, paper=False)
    # The words go in box 19 and 20's lines, free text on the form, so they never cover a box being checked.
    canvas.setFillColor(base.INK)
    words = [*_wrap(ALIGNMENT_INSTRUCTIONS, 130), f"Offset now: x {offset_x_pt:+.1f} pt, y {offset_y_pt:+.1f} pt."]
    for index, chunk in enumerate(words):
        draw_text(canvas, grid.x(1), grid.baseline(35) + 8 * (1 - index) + 4, chunk, base.FONT, 7, 570)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    return [*lines, current]
