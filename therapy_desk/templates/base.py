"""Shared reportlab pieces: a calm set of paragraph styles, user text in any script, and `render`.

Every document is built from platypus flowables and rendered with `render(story, Page(...))`, which
adds the running header and footer ("Page n of m") and returns the PDF bytes. Text is set in Noto Sans;
text a user typed (names, the practice, addresses, folders) goes through `user_markup` or `user_paragraph`,
which switch to the shipped Noto font for each other script (see fonts.py), so it never prints as boxes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate

from therapy_desk.templates import fonts

FONT = fonts.FONT
FONT_BOLD = fonts.FONT_BOLD
# The standard PDF monospace: codes and commands are plain ASCII, so it needs no embedded font.
MONO = "Courier"
MONO_BOLD = "Courier-Bold"

INK = colors.HexColor("#1f2328")
MUTED = colors.HexColor("#5a6270")
RULE = colors.HexColor("#c9ced6")
TINT = colors.HexColor("#f3f5f8")

FRAME_PADDING = 6  # platypus's default Frame padding, on every side


def register_fonts() -> None:
    """Register the base font with reportlab (once per process); other scripts' fonts load on first use."""
    fonts.register_base_fonts()


def user_markup(text: str, *, bold: bool = False) -> str:
    """Text a user typed, as Paragraph markup in a paragraph whose style is bold or not (see fonts.markup)."""
    return fonts.markup(text, bold=bold)


def user_paragraph(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph holding only text a user typed, in every script it is written in."""
    return Paragraph(fonts.markup(text, bold=fonts.is_bold(style.fontName)), style)


@dataclass(frozen=True)
class Styles:
    """The paragraph styles documents share."""

    title: ParagraphStyle
    subtitle: ParagraphStyle
    heading: ParagraphStyle
    body: ParagraphStyle
    small: ParagraphStyle
    mono: ParagraphStyle


def mono_for(text: str) -> str:
    """The monospace font when `text` is plain ASCII, else Noto Sans (Courier lacks most scripts).

    Set non-ASCII text in it with `user_markup`, which adds the fonts of other scripts.
    """
    return MONO if text.isascii() else FONT


def styles() -> Styles:
    """Fresh paragraph styles (callers may tweak their copy)."""
    register_fonts()
    # shaping: harfbuzz joins Arabic, forms Devanagari conjuncts and sets right-to-left runs (see fonts.py).
    body = ParagraphStyle(
        "body",
        fontName=FONT,
        fontSize=10.5,
        leading=15,
        textColor=INK,
        alignment=TA_LEFT,
        spaceAfter=6,
        shaping=1,
    )
    return Styles(
        title=ParagraphStyle("title", parent=body, fontName=FONT_BOLD, fontSize=20, leading=25, spaceAfter=4),
        subtitle=ParagraphStyle("subtitle", parent=body, fontSize=10.5, textColor=MUTED, spaceAfter=14),
        heading=ParagraphStyle(
            "heading", parent=body, fontName=FONT_BOLD, fontSize=12.5, leading=17, spaceBefore=10, spaceAfter=4
        ),
        body=body,
        small=ParagraphStyle("small", parent=body, fontSize=9, leading=12.5, textColor=MUTED),
        mono=ParagraphStyle("mono", parent=body, fontName=MONO, fontSize=10, leading=14),
    )


@dataclass(frozen=True)
class Page:
    """How the pages of one document look: metadata, running header and footer, size and margins."""

    title: str
    header: str = ""
    footer: str = ""
    author: str = "Therapy Desk"
    subject: str = ""
    pagesize: tuple[float, float] = field(default=LETTER)
    margin: float = 0.75 * inch

    @property
    def frame_width(self) -> float:
        """The width flowables may fill (the page less margins and the frame's padding)."""
        return self.pagesize[0] - 2 * (self.margin + FRAME_PADDING)

    @property
    def frame_height(self) -> float:
        return self.pagesize[1] - 2 * (self.margin + FRAME_PADDING)


_RUNNING_SIZE = 8.5
_RUNNING_STYLE = ParagraphStyle(
    "running", fontName=FONT, fontSize=_RUNNING_SIZE, leading=10.5, textColor=MUTED, shaping=1
)


class _NumberedCanvas(Canvas):  # type: ignore[misc]  # reportlab ships no type hints
    """Holds each page until the end so the footer can say "Page n of m"."""

    def __init__(self, *args: Any, page: Page, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._page = page
        self._saved: list[dict[str, Any]] = []

    def showPage(self) -> None:  # reportlab's name
        self._saved.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._saved)
        for state in self._saved:
            self.__dict__.update(state)
            self._decorate(total)
            super().showPage()
        super().save()

    def _decorate(self, total: int) -> None:
        page = self._page
        width, height = page.pagesize
        left, right = page.margin + FRAME_PADDING, width - page.margin - FRAME_PADDING
        self.saveState()
        self.setFont(FONT, _RUNNING_SIZE)
        self.setFillColor(MUTED)
        self.setStrokeColor(RULE)
        self.setLineWidth(0.5)
        top = height - page.margin * 0.6
        self._running_text(page.header or page.title, left, top, right - left, above=True)
        self.line(left, top - 5, right, top - 5)
        bottom = page.margin * 0.5
        self.line(left, bottom + 11, right, bottom + 11)
        number = f"Page {self._pageNumber} of {total}"
        self.drawRightString(right, bottom, number)
        if page.footer:
            room = right - left - stringWidth(number, FONT, _RUNNING_SIZE) - 12
            self._running_text(page.footer, left, bottom, room, above=False)
        self.restoreState()

    def _running_text(self, text: str, x: float, baseline: float, width: float, *, above: bool) -> None:
        # A paragraph, not drawString, so a practice name in any script gets its fonts and shaping.
        # A text too long for one line grows away from the rule beside it: the header upwards (its last
        # line on `baseline`), the footer downwards (its first line on `baseline`).
        para = user_paragraph(text, _RUNNING_STYLE)
        _, height = para.wrap(width, 1000)
        first_line_drop = _RUNNING_STYLE.fontSize  # reportlab sets the first baseline this far below the top
        last_line_rise = _RUNNING_STYLE.leading - _RUNNING_STYLE.fontSize
        para.drawOn(self, x, baseline - last_line_rise if above else baseline - (height - first_line_drop))


def render(story: Sequence[Flowable], page: Page) -> bytes:
    """Lay out `story` on pages described by `page` and return the PDF."""
    register_fonts()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=page.pagesize,
        leftMargin=page.margin,
        rightMargin=page.margin,
        topMargin=page.margin,
        bottomMargin=page.margin,
        title=page.title,
        author=page.author,
        subject=page.subject,
        creator="Therapy Desk",
    )

    def make_canvas(*args: Any, **kwargs: Any) -> _NumberedCanvas:
        return _NumberedCanvas(*args, page=page, **kwargs)

    doc.build(list(story), canvasmaker=make_canvas)
    return buffer.getvalue()
