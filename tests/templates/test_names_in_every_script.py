"""Every demo name, in every script, printed into one PDF: read back, scanned and rasterised.

A name a font cannot set prints as the font's missing-glyph box (.notdef), which reportlab draws with
character code 0. Three independent looks catch it: the PDF's text (pypdf), the codes its text operators
draw (no code 0), and the page as pixels (pypdfium2): no name may contain a shape that matches a shipped
font's missing-glyph box, and a control proves that check sees boxes where they are.
"""

from __future__ import annotations

import io
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

import pypdf
import pypdfium2
import pytest
from PIL import Image
from pypdf.generic import DictionaryObject
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph

from tests.templates.demo_names import demo_names
from therapy_desk.templates.base import FONT_BOLD, Page, render, styles, user_markup
from therapy_desk.templates.fonts import FACES, load

SCALE = 3  # 216 dpi: a 10.5 pt line is about 30 px tall
INK = 140  # a grey level below this is ink
VIRAMA = "\u094d"


def _script(char: str) -> str:
    return unicodedata.name(char, "?").split()[0]


def _scripts(text: str) -> set[str]:
    return {_script(c) for c in text if c.isalpha()}


@dataclass(frozen=True)
class Placed:
    """Where one line was drawn: its PDF page (from 0) and box in points."""

    page: int
    x: float
    y: float
    width: float
    height: float


class _Located(Paragraph):
    """A paragraph that notes where it is drawn."""

    def __init__(self, text: str, style: ParagraphStyle, sink: list[Placed]) -> None:
        super().__init__(text, style)
        self._sink = sink

    def drawOn(self, canvas: Any, x: float, y: float, _sW: float = 0) -> None:  # reportlab's name
        self._sink.append(Placed(canvas.getPageNumber() - 1, x, y, self.width, self.height))
        super().drawOn(canvas, x, y, _sW)


@dataclass(frozen=True)
class Printed:
    lines: list[str]  # what each line says, in order
    pdf: bytes
    places: list[Placed]  # where each line was drawn


def _print(lines: list[str]) -> Printed:
    st = styles()
    regular = st.body.clone("name", spaceAfter=2)
    bold = regular.clone("name-bold", fontName=FONT_BOLD)
    places: list[Placed] = []
    texts: list[str] = []
    story = []
    for line in lines:
        for style in (regular, bold):
            story.append(_Located(user_markup(line, bold=style is bold), style, places))
            texts.append(line)
    pdf = render(story, Page(title="Demo names"))
    assert len(places) == len(texts)
    return Printed(texts, pdf, places)


@pytest.fixture(scope="module")
def printed() -> Printed:
    return _print(demo_names())


def test_the_demo_holds_names_in_every_script_the_pdf_must_print() -> None:
    scripts = set().union(*(_scripts(name) for name in demo_names()))

    assert scripts >= {"LATIN", "GREEK", "CYRILLIC", "ARABIC", "DEVANAGARI", "CJK", "HANGUL", "HEBREW", "THAI"}


# -- the text read back --------------------------------------------------------------------------------


def _extracted_lines(pdf: bytes) -> list[str]:
    lines = []
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        text_lines = page.extract_text().splitlines()
        lines += [line for line in text_lines if line not in ("Demo names",) and not line.startswith("Page ")]
    return lines


def _read_as(raw: str) -> str:
    """What a reader gets back: NFKC folds Arabic presentation forms to letters and no-break spaces to spaces."""
    return unicodedata.normalize("NFKC", raw).strip()


def test_every_name_reads_back_from_the_pdf(printed: Printed) -> None:
    extracted = _extracted_lines(printed.pdf)
    assert len(extracted) == len(printed.lines)

    wrong = []
    for name, raw in zip(printed.lines, extracted, strict=True):
        assert "\x00" not in raw, f"a missing glyph in line for a {_scripts(name)} name"
        if "DEVANAGARI" in _scripts(name):
            continue  # conjuncts have no character of their own: see the Devanagari test
        if _read_as(raw) != unicodedata.normalize("NFKC", name):
            wrong.append((name, raw))

    assert not wrong, f"{len(wrong)} names read back differently, e.g. {wrong[:3]}"


def test_arabic_names_print_joined_letters_not_isolated_ones(printed: Printed) -> None:
    arabic = [
        (n, raw) for n, raw in zip(printed.lines, _extracted_lines(printed.pdf), strict=True) if "ARABIC" in _scripts(n)
    ]
    assert len(arabic) > 20

    for name, raw in arabic:
        # Joined letters come back as presentation forms (initial, medial, final); isolated ones as plain letters.
        forms = [c for c in raw if 0xFB50 <= ord(c) <= 0xFEFF]
        assert len(forms) >= len(name.replace(" ", "")) // 2, (name, raw)
        assert _read_as(raw) == name


def test_devanagari_names_print_conjuncts_and_nothing_else(printed: Printed) -> None:
    pairs = [
        (n, raw)
        for n, raw in zip(printed.lines, _extracted_lines(printed.pdf), strict=True)
        if "DEVANAGARI" in _scripts(n)
    ]
    assert len(pairs) > 10

    for name, raw in pairs:
        # A conjunct (प्र, the half न of न्य, the reph of र्म) is a glyph with no character of its own: it reads
        # back as a private-use code, and its virama is gone. Everything else is a letter of the name.
        private = [c for c in raw if 0xE000 <= ord(c) <= 0xF8FF]
        letters = Counter(c for c in _read_as(raw) if not 0xE000 <= ord(c) <= 0xF8FF and not c.isspace())
        assert not letters - Counter(name.replace(" ", "")), (name, raw)
        if VIRAMA in name:
            assert VIRAMA not in raw, (name, raw)
            assert private, (name, raw)


# -- the codes drawn -------------------------------------------------------------------------------------


def _drawn_codes(pdf: bytes) -> Iterator[tuple[str, bytes]]:
    """(font name, string) for every string a text operator draws in an embedded TrueType font."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    for page in reader.pages:
        resources = cast(DictionaryObject, page["/Resources"])
        fonts = cast(DictionaryObject, resources["/Font"])
        content = pypdf.generic.ContentStream(page.get_contents(), reader)
        font: DictionaryObject | None = None
        for operands, operator in content.operations:
            if operator == b"Tf":
                font = cast(DictionaryObject, fonts[operands[0]].get_object())
            elif operator in (b"Tj", b"TJ", b"'", b'"') and font is not None and font["/Subtype"] == "/TrueType":
                strings = operands[0] if operator == b"TJ" else operands[-1:]
                for s in strings:
                    if isinstance(s, (pypdf.generic.ByteStringObject, pypdf.generic.TextStringObject)):
                        yield str(font["/BaseFont"]), s.original_bytes


def test_no_text_is_drawn_with_the_missing_glyph(printed: Printed) -> None:
    drawn = list(_drawn_codes(printed.pdf))
    assert len({font.split("+")[1] for font, _ in drawn}) >= 12  # every shipped face, most in both weights

    assert [font for font, codes in drawn if b"\x00" in codes] == []


def test_a_name_a_font_lacks_is_drawn_with_the_missing_glyph() -> None:
    # The control for the test above: Korean set in Noto Sans, which has no Hangul.
    pdf = render([Paragraph("김민지", styles().body)], Page(title="Demo names"))

    assert any(b"\x00" in codes for _, codes in _drawn_codes(pdf))


# -- the pixels ------------------------------------------------------------------------------------------


def _pages(pdf: bytes) -> list[Image.Image]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [page.render(scale=SCALE, grayscale=True).to_pil().convert("L") for page in document]
    finally:
        document.close()


def _ink(image: Image.Image) -> Image.Image:
    """1 where there is ink, 0 elsewhere."""
    return image.point(lambda v: 255 if v < INK else 0).convert("1")


def _crop(pages: list[Image.Image], place: Placed) -> Image.Image:
    page = pages[place.page]
    height_pt = page.height / SCALE
    box = (
        int(place.x * SCALE),
        int((height_pt - place.y - place.height) * SCALE),
        int((place.x + place.width) * SCALE),
        int((height_pt - place.y) * SCALE),
    )
    return _ink(page.crop(box))


def _shapes(line: Image.Image) -> list[Image.Image]:
    """The line cut at every blank column: letters, joined words, or missing-glyph boxes."""
    columns = line.convert("L").resize((line.width, 1), Image.Resampling.BOX).tobytes()
    shapes, start = [], None
    for x, value in enumerate([*columns, 0]):
        if value and start is None:
            start = x
        elif not value and start is not None:
            piece = line.crop((start, 0, x, line.height))
            bbox = piece.getbbox()
            if bbox:
                shapes.append(piece.crop(bbox))
            start = None
    return shapes


def _alike(a: Image.Image, b: Image.Image) -> bool:
    if abs(a.width - b.width) > 1 or abs(a.height - b.height) > 1:
        return False
    pixels = zip(a.convert("L").resize(b.size).tobytes(), b.convert("L").tobytes(), strict=True)
    differing = sum(1 for p, q in pixels if (p > 127) != (q > 127))
    return differing <= 0.12 * b.width * b.height


@pytest.fixture(scope="module")
def missing_glyph_boxes() -> list[Image.Image]:
    """What each shipped face draws for a character it lacks, at the size the names are printed."""
    st = styles()
    style = st.body.clone("name", spaceAfter=2)
    places: list[Placed] = []
    story = []
    for face in FACES:
        load(face)
        for name in {face.name, face.bold_name}:
            # U+0378 is unassigned: no font has a glyph for it.
            story.append(_Located(f'<font face="{name}">\u0378</font>', style, places))
    pdf = render(story, Page(title="Demo names"))
    pages = _pages(pdf)
    boxes = [shape for place in places for shape in _shapes(_crop(pages, place))]
    assert len(boxes) == len(places)
    assert all(box.width >= 5 and box.height >= 10 for box in boxes)  # a visible box, not an empty glyph
    return boxes


def _boxes_in(printed: Printed, boxes: list[Image.Image]) -> list[str]:
    pages = _pages(printed.pdf)
    found = []
    for text, place in zip(printed.lines, printed.places, strict=True):
        line = _crop(pages, place)
        assert line.getbbox() is not None, f"nothing visible for a {_scripts(text)} name"
        if any(_alike(shape, box) for shape in _shapes(line) for box in boxes):
            found.append(text)
    return found


def test_no_name_rasterises_as_missing_glyph_boxes(printed: Printed, missing_glyph_boxes: list[Image.Image]) -> None:
    assert _boxes_in(printed, missing_glyph_boxes) == []


def test_the_raster_check_sees_boxes_where_a_font_lacks_the_glyphs(missing_glyph_boxes: list[Image.Image]) -> None:
    # Names set in Noto Sans alone (as before the font chain): every non-Latin, non-Greek, non-Cyrillic one
    # must be caught.
    names = [n for n in demo_names() if not _scripts(n) <= {"LATIN", "GREEK", "CYRILLIC"}]
    st = styles()
    places: list[Placed] = []
    story = [_Located(name, st.body, places) for name in names]
    unfonted = Printed(names, render(story, Page(title="Demo names")), places)

    assert _boxes_in(unfonted, missing_glyph_boxes) == names


def test_a_word_that_switches_script_midway_prints_each_part_in_its_own_font(
    missing_glyph_boxes: list[Image.Image],
) -> None:
    lines = ["(فاطمة)", "Ahmed-أحمد", "נועה-Noa", "Müller-李", "O'Brien-김", "Khoa-Ελένη"]
    mixed = _print(lines)

    assert [_read_as(raw) for raw in _extracted_lines(mixed.pdf)] == [n for n in lines for _ in (1, 2)]
    assert [font for font, codes in _drawn_codes(mixed.pdf) if b"\x00" in codes] == []
    assert _boxes_in(mixed, missing_glyph_boxes) == []
