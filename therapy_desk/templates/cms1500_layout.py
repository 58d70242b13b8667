"""Where things go on a CMS-1500 (02/12): the form's print grid, its boxes and tick boxes, and drawing one
value at a grid position in a given font, in any script.

The grid is the NUCC 1500 print grid: 10 characters per inch (a column is 7.2 pt) and 6 lines per inch (a
line is 12 pt), line 1 at the top and column 1 at the left. The line and column of every value (in
`templates/cms1500.py`) are the NUCC character positions for the 02/12 form, as the NUCC 1500 Reference
Instruction Manual's print specifications and long-standing open-source billing systems (OpenEMR's
Hcfa1500 positions) place them. The plain-paper form draws its boxes on the same grid, so what prints there
sits where the red form has it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph

from therapy_desk.templates import fonts

PAGE_WIDTH, PAGE_HEIGHT = float(LETTER[0]), float(LETTER[1])
COLUMN = 7.2  # pt: 10 characters per inch
LINE = 12.0  # pt: 6 lines per inch
BASELINE_RISE = 2.5  # a value's baseline sits this far above the bottom of its line
# Where column 1 and line 1 begin on the pre-printed red form with no user offset: the margins OpenEMR
# settled on for the same grid (its "cms left/top margin" defaults, 24 pt and 20 pt).
RED_LEFT, RED_TOP = 24.0, 20.0
# The plain-paper form sits on the same grid, centred across the page (80 columns, 18 pt either side).
PLAIN_LEFT, PLAIN_TOP = 18.0, 20.0
LAST_COLUMN = 80


@dataclass(frozen=True)
class Grid:
    """The print grid placed on the page: `left` and `top` are column 1's left edge and line 1's top edge."""

    left: float
    top: float

    def x(self, col: float) -> float:
        """The left edge of column `col` (1-based; fractions allowed)."""
        return self.left + (col - 1) * COLUMN

    def line_top(self, line: float) -> float:
        return PAGE_HEIGHT - self.top - (line - 1) * LINE

    def line_bottom(self, line: float) -> float:
        return PAGE_HEIGHT - self.top - line * LINE

    def baseline(self, line: float) -> float:
        return self.line_bottom(line) + BASELINE_RISE

    def rect(self, box: Box) -> tuple[float, float, float, float]:
        """The box as (left, bottom, right, top) in PDF points."""
        return (
            self.x(box.first_col),
            self.line_bottom(box.last_line),
            self.x(box.last_col + 1),
            self.line_top(box.first_line),
        )


@dataclass(frozen=True)
class Box:
    """One ruled box of the form: its number, our caption, and the lines and columns it covers (inclusive)."""

    number: str
    caption: str
    first_line: int
    last_line: int
    first_col: int
    last_col: int
    tinted: bool = False


# The boxes of the plain-paper form, top to bottom, left to right. The captions are our own short wording.
BOXES: tuple[Box, ...] = (
    Box("carrier", "Payer (name and address)", 1, 5, 41, 80),
    Box("1", "1 Insurance type", 7, 8, 1, 49),
    Box("1a", "1a Insured's ID number", 7, 8, 50, 80),
    Box("2", "2 Patient's name (last, first, MI)", 9, 10, 1, 29),
    Box("3", "3 Patient's birth date (MM DD YYYY), sex", 9, 10, 30, 49),
    Box("4", "4 Insured's name (last, first, MI)", 9, 10, 50, 80),
    Box("5", "5 Patient's address (street)", 11, 12, 1, 29),
    Box("5city", "City", 13, 14, 1, 24),
    Box("5state", "State", 13, 14, 25, 29),
    Box("5zip", "ZIP code", 15, 16, 1, 13),
    Box("5phone", "Phone", 15, 16, 14, 29),
    Box("6", "6 Patient's relationship to insured", 11, 12, 30, 49),
    Box("8", "8 Reserved for NUCC use", 13, 16, 30, 49),
    Box("7", "7 Insured's address (street)", 11, 12, 50, 80),
    Box("7city", "City", 13, 14, 50, 72),
    Box("7state", "State", 13, 14, 73, 80),
    Box("7zip", "ZIP code", 15, 16, 50, 63),
    Box("7phone", "Phone", 15, 16, 64, 80),
    Box("9", "9 Other insured's name (last, first, MI)", 17, 18, 1, 29),
    Box("9a", "9a Other insured's policy or group number", 19, 20, 1, 29),
    Box("9b", "9b Reserved for NUCC use", 21, 22, 1, 29),
    Box("9c", "9c Reserved for NUCC use", 23, 24, 1, 29),
    Box("9d", "9d Other insured's plan name", 25, 26, 1, 29),
    Box("10", "10 Is the condition related to:", 17, 18, 30, 49),
    Box("10a", "10a Employment (current or previous)", 19, 20, 30, 49),
    Box("10b", "10b Auto accident (state)", 21, 22, 30, 49),
    Box("10c", "10c Other accident", 23, 24, 30, 49),
    Box("10d", "10d Claim codes", 25, 26, 30, 49),
    Box("11", "11 Insured's group number", 17, 18, 50, 80),
    Box("11a", "11a Insured's birth date (MM DD YYYY), sex", 19, 20, 50, 80),
    Box("11b", "11b Other claim ID", 21, 22, 50, 80),
    Box("11c", "11c Insurance plan name", 23, 24, 50, 80),
    Box("11d", "11d Another health benefit plan?", 25, 26, 50, 80),
    Box("12", "12 Patient's signature: release of information", 27, 30, 1, 49),
    Box("13", "13 Insured's signature: payment to the provider", 27, 30, 50, 80),
    Box("14", "14 Date of current illness (MM DD YYYY), qual.", 31, 32, 1, 29),
    Box("15", "15 Other date", 31, 32, 30, 49),
    Box("16", "16 Dates unable to work", 31, 32, 50, 80),
    Box("17", "17 Referring provider (qual., name)", 33, 34, 1, 29),
    Box("17ab", "17a Other ID / 17b NPI", 33, 34, 30, 49),
    Box("18", "18 Hospitalisation dates", 33, 34, 50, 80),
    Box("19", "19 Additional claim information", 35, 36, 1, 49),
    Box("20", "20 Outside lab?", 35, 36, 50, 80),
    Box("21", "21 Diagnoses (ICD-10-CM), pointed to from 24E", 37, 40, 1, 49),
    Box("22", "22 Resubmission code / original ref. no.", 37, 38, 50, 80),
    Box("23", "23 Prior authorization number", 39, 40, 50, 80),
    Box("24", "", 41, 54, 1, 80),
    Box("25", "25 Federal tax ID number", 55, 56, 1, 21),
    Box("26", "26 Patient's account no.", 55, 56, 22, 36),
    Box("27", "27 Accept assignment?", 55, 56, 37, 49),
    Box("28", "28 Total charge", 55, 56, 50, 60),
    Box("29", "29 Amount paid", 55, 56, 61, 70),
    Box("30", "30 Reserved", 55, 56, 71, 80),
    Box("31", "31 Signature of physician or supplier", 57, 62, 1, 21),
    Box("32", "32 Service facility location", 57, 62, 22, 49),
    Box("33", "33 Billing provider info & phone", 57, 62, 50, 80),
)
BOX = {box.number: box for box in BOXES}

# Box 24's columns: (caption, first column, last column); each service row is a tinted supplemental line
# above its data line (lines 43-54).
LINE_COLUMNS: tuple[tuple[str, str, str, int, int], ...] = (
    ("24A", "24A Dates of service", "From (MM DD YY)  To", 1, 18),
    ("24B", "B", "POS", 19, 21),
    ("24C", "C", "EMG", 22, 24),
    ("24D", "D Procedure, service", "CPT/HCPCS     Modifiers", 25, 44),
    ("24E", "E Dx", "pointer", 45, 49),
    ("24F", "F", "Charges", 50, 58),
    ("24G", "G Days", "or units", 59, 62),
    ("24H", "H", "EPSDT", 63, 64),
    ("24I", "I ID", "qual.", 65, 67),
    ("24J", "J Rendering", "provider ID", 68, 80),
)
FIRST_ROW_LINE = 44  # the data line of service row 1; row n's is 44 + 2 (n - 1), its tinted line one above


def row_line(row: int) -> int:
    """The data line of box 24's service row `row` (1 to 6)."""
    return FIRST_ROW_LINE + 2 * (row - 1)


def row_box(row: int, column: str) -> Box:
    """One cell of box 24's service row `row` (its data line), for reading a printed form back."""
    for name, caption, _, first, last in LINE_COLUMNS:
        if name == column:
            line = row_line(row)
            return Box(f"{column}{row}", caption, line, line, first, last)
    raise KeyError(column)


def diagnosis_box(index: int) -> Box:
    """Box 21's place for diagnosis `index` (0 = A): four to a line, A-D on line 38, E-H on 39, I-L on 40."""
    line, first = 38 + index // 4, 1 + 13 * (index % 4)
    return Box(f"21{index}", "", line, line, first, first + 12)


def grid_cell(line: int, col: int) -> Box:
    """One cell of the grid (a tick box, the ICD indicator), for reading a printed form back."""
    return Box(f"cell{line}.{col}", "", line, line, col, col)


@dataclass(frozen=True)
class Tick:
    """A tick box the plain-paper form draws, with its label (the red form has them printed)."""

    line: int
    col: int
    label: str


TICKS: tuple[Tick, ...] = (
    Tick(8, 1, "Medicare"), Tick(8, 8, "Medicaid"), Tick(8, 15, "TRICARE"), Tick(8, 24, "CHAMPVA"),
    Tick(8, 31, "Group plan"), Tick(8, 39, "FECA"), Tick(8, 45, "Other"),
    Tick(10, 42, "M"), Tick(10, 47, "F"),
    Tick(12, 33, "Self"), Tick(12, 38, "Spouse"), Tick(12, 42, "Child"), Tick(12, 47, "Other"),
    Tick(20, 35, "Yes"), Tick(20, 41, "No"), Tick(22, 35, "Yes"), Tick(22, 41, "No"),
    Tick(24, 35, "Yes"), Tick(24, 41, "No"),
    Tick(20, 68, "M"), Tick(20, 75, "F"),
    Tick(26, 52, "Yes"), Tick(26, 57, "No"),
    Tick(56, 17, ""), Tick(56, 19, ""),  # SSN, EIN: captioned above (see SUB_CAPTIONS)
    Tick(56, 38, "Yes"), Tick(56, 43, "No"),
)  # fmt: skip
# Captions inside a box beside its own: (line, column, text), set on the line's upper half.
SUB_CAPTIONS: tuple[tuple[int, float, str], ...] = ((55, 16.6, "SSN"), (55, 18.7, "EIN"))


# -- drawing a value ------------------------------------------------------------------------------------------


def _fits_in(font: str, text: str) -> bool:
    """Whether `font` alone has every character of `text` (the fast path: one drawString)."""
    if font.startswith("Courier"):
        return text.isascii()
    covered = fonts.load(fonts.BASE)
    return all(ord(char) in covered for char in text)


def text_width(text: str, font: str, size: float) -> float:
    """The width of `text` as `draw_text` sets it (each run in the face that has its characters)."""
    if _fits_in(font, text):
        return float(stringWidth(text, font, size))
    return float(sum(stringWidth(run.text, run.face.name, size) for run in fonts.runs(text)))


def draw_text(
    canvas: Any, x: float, baseline: float, text: str, font: str, size: float, room: float, *, right: bool = False
) -> None:
    """Draw `text` with its baseline at `baseline`, starting at `x` (or ending there when `right`), in `font`
    where it has the characters and the shipped Noto faces where it does not. Text wider than `room` is set
    smaller until it fits: a long name is printed whole, never cut."""
    if not text:
        return
    if font.startswith("Courier") and not text.isascii():
        size *= 0.85  # Noto's capitals are taller than Courier's at one size: keep the line's look
    width = text_width(text, font, size)
    if width > room > 0:
        size *= room / width
        width = room
    left = x - width if right else x
    if _fits_in(font, text):
        canvas.setFont(font, size)
        canvas.drawString(left, baseline, text)
        return
    # Another script: a Paragraph, so harfbuzz shapes what needs shaping (see fonts.py).
    style = ParagraphStyle("cms1500", fontName=fonts.FONT, fontSize=size, leading=size * 1.2, shaping=1)
    para = Paragraph(fonts.markup(text), style)
    para.wrap(width + size * 4, size * 4)
    para.drawOn(canvas, left, baseline - (style.leading - size))
