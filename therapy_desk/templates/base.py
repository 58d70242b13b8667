"""Shared reportlab pieces: the Unicode fonts, a calm set of paragraph styles and `render`.

Every document is built from platypus flowables and rendered with `render(story, Page(...))`, which
adds the running header and footer ("Page n of m") and returns the PDF bytes. Text is set in DejaVu
Sans (shipped in therapy_desk/resources/fonts) so names in any script print correctly.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, SimpleDocTemplate

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
# The standard PDF monospace: codes and commands are plain ASCII, so it needs no embedded font.
MONO = "Courier"
MONO_BOLD = "Courier-Bold"

INK = colors.HexColor("#1f2328")
MUTED = colors.HexColor("#5a6270")
RULE = colors.HexColor("#c9ced6")
TINT = colors.HexColor("#f3f5f8")

FRAME_PADDING = 6  # platypus's default Frame padding, on every side
_FONT_FILES = {FONT: "DejaVuSans.ttf", FONT_BOLD: "DejaVuSans-Bold.ttf"}


def register_fonts() -> None:
    """Register DejaVu Sans (regular and bold) with reportlab once per process."""
    registered = set(pdfmetrics.getRegisteredFontNames())
    fonts = resources.files("therapy_desk.resources").joinpath("fonts")
    for name, filename in _FONT_FILES.items():
        if name not in registered:
            data = fonts.joinpath(filename).read_bytes()
            pdfmetrics.registerFont(TTFont(name, io.BytesIO(data)))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)


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
    """The monospace font when `text` is plain ASCII, else DejaVu Sans (Courier lacks most scripts)."""
    return MONO if text.isascii() else FONT


def styles() -> Styles:
    """Fresh paragraph styles (callers may tweak their copy)."""
    register_fonts()
    body = ParagraphStyle(
        "body", fontName=FONT, fontSize=10.5, leading=15, textColor=INK, alignment=TA_LEFT, spaceAfter=6
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
        self.setFont(FONT, 8.5)
        self.setFillColor(MUTED)
        self.setStrokeColor(RULE)
        self.setLineWidth(0.5)
        top = height - page.margin * 0.6
        self.drawString(left, top, page.header or page.title)
        self.line(left, top - 5, right, top - 5)
        bottom = page.margin * 0.5
        self.line(left, bottom + 11, right, bottom + 11)
        if page.footer:
            self.drawString(left, bottom, page.footer)
        self.drawRightString(right, bottom, f"Page {self._pageNumber} of {total}")
        self.restoreState()


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
