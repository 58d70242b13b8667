"""The fonts PDFs are set in, and user text split into runs by which font has its glyphs.

No one font covers every script a client's name may be written in, so the app ships a chain of Noto fonts
(therapy_desk/resources/fonts, SIL OFL 1.1) and `markup` switches font wherever the current one lacks a
character. reportlab embeds only the glyphs a document uses, so a PDF stays small.

Arabic, Hebrew, Devanagari and Thai need shaping (joining forms, conjuncts, marks placed on their base,
right-to-left order); harfbuzz (`uharfbuzz`) does it inside reportlab's Paragraph for the fonts of those
scripts. Documents here are English, so a paragraph runs left to right: each stretch of right-to-left
words is kept on one line and shaped as a whole, which puts its words in right-to-left order.
"""

from __future__ import annotations

import io
import threading
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import ShapedFragWord, TTFont, makeShapedFragWord
from reportlab.platypus import paragraph as rl_paragraph


@dataclass(frozen=True)
class Face:
    """One shipped typeface: its reportlab name, files, and whether its script needs shaping."""

    name: str
    regular: str
    bold: str | None  # None: the regular weight stands in for bold (the CJK fonts, to keep the package small)
    shaped: bool

    @property
    def bold_name(self) -> str:
        return f"{self.name}-Bold" if self.bold else self.name


# The order is the fallback order: a character is set in the first face that has it.
FACES: tuple[Face, ...] = (
    Face("NotoSans", "NotoSans-Regular.ttf", "NotoSans-Bold.ttf", shaped=False),  # Latin, Greek, Cyrillic
    Face("NotoSansArabic", "NotoSansArabic-Regular.ttf", "NotoSansArabic-Bold.ttf", shaped=True),
    Face("NotoSansHebrew", "NotoSansHebrew-Regular.ttf", "NotoSansHebrew-Bold.ttf", shaped=True),
    Face("NotoSansDevanagari", "NotoSansDevanagari-Regular.ttf", "NotoSansDevanagari-Bold.ttf", shaped=True),
    Face("NotoSansThai", "NotoSansThai-Regular.ttf", "NotoSansThai-Bold.ttf", shaped=True),
    Face("NotoSansGeorgian", "NotoSansGeorgian-Regular.ttf", "NotoSansGeorgian-Bold.ttf", shaped=False),
    Face("NotoSansArmenian", "NotoSansArmenian-Regular.ttf", "NotoSansArmenian-Bold.ttf", shaped=False),
    Face("NotoSansKR", "NotoSansKR-Regular.ttf", None, shaped=False),  # Hangul
    Face("NotoSansSC", "NotoSansSC-Regular.ttf", None, shaped=False),  # Han ideographs (any CJK name), kana
)
BASE = FACES[0]
FONT = BASE.name
FONT_BOLD = BASE.bold_name
_SHAPED_FONTS = frozenset(name for face in FACES if face.shaped for name in (face.name, face.bold_name))

NBSP = "\u00a0"

_lock = threading.Lock()
_loaded: dict[str, frozenset[int]] = {}  # face name -> the code points it has a glyph for


def font_path(filename: str) -> Traversable:
    """The shipped font file `filename` (through importlib.resources, so a bundled build finds it too)."""
    return resources.files("therapy_desk.resources").joinpath("fonts", filename)


def load(face: Face) -> frozenset[int]:
    """Register `face` (regular and bold) with reportlab once per process; the code points it has glyphs for."""
    covered = _loaded.get(face.name)
    if covered is not None:  # the common case, once per character: no lock
        return covered
    with _lock:
        covered = _loaded.get(face.name)
        if covered is None:
            registered = set(pdfmetrics.getRegisteredFontNames())
            for name, filename in ((face.name, face.regular), (face.bold_name, face.bold)):
                if filename and name not in registered:
                    data = font_path(filename).read_bytes()
                    pdfmetrics.registerFont(TTFont(name, io.BytesIO(data)))
            pdfmetrics.registerFontFamily(
                face.name, normal=face.name, bold=face.bold_name, italic=face.name, boldItalic=face.bold_name
            )
            char_to_glyph = pdfmetrics.getFont(face.name).face.charToGlyph
            covered = _loaded[face.name] = frozenset(c for c, glyph in char_to_glyph.items() if glyph)
            _install_shaping()
        return covered


def register_base_fonts() -> None:
    """Register the base face (regular and bold); the other faces load when a character first needs them."""
    load(BASE)


def face_for(char: str) -> Face | None:
    """The first face in the fallback chain with a glyph for `char`, or None when no shipped font has one."""
    code = ord(char)
    for face in FACES:
        if code in load(face):
            return face
    return None


@dataclass(frozen=True)
class Run:
    """A stretch of text set in one face; `rtl` when it is right-to-left words (and what lies between them)."""

    face: Face
    text: str
    rtl: bool = False


def _right_to_left(text: str) -> list[bool]:
    """For each character: is it part of a right-to-left stretch?

    Such a stretch is Arabic or Hebrew letters, the marks on them, and whatever lies between two of them
    short of a Latin letter or a digit. A space or a hyphen at its edge is outside it: in our
    left-to-right documents it follows the surrounding text (Unicode's bidi rule for neutrals).
    """
    inside = [False] * len(text)
    last = -1  # the last right-to-left letter (or mark on one) since a left-to-right character
    for i, char in enumerate(text):
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL") or (kind == "NSM" and last == i - 1 >= 0):
            for j in range(last + 1 if last >= 0 else i, i + 1):
                inside[j] = True
            last = i
        elif kind in ("L", "EN", "AN"):
            last = -1
    return inside


def runs(text: str) -> tuple[Run, ...]:
    """`text` (NFC-normalised) cut into runs, each in the first face that has its characters.

    A character the current face has stays in it (spaces, punctuation and combining marks do not break a
    run) unless it enters or leaves a right-to-left stretch; a character no face has stays in the current
    face (it prints as that font's missing-glyph box).
    """
    text = unicodedata.normalize("NFC", text)
    rtl = _right_to_left(text)
    out: list[Run] = []
    current: Face | None = None
    start = 0
    for i, char in enumerate(text):
        if current is not None and rtl[i] == rtl[start] and ord(char) in load(current):
            continue
        face = face_for(char) or current or BASE
        if current is not None and (face is not current or rtl[i] != rtl[start]):
            out.append(Run(current, text[start:i], rtl[start]))
            start = i
        current = face
    if current is not None:
        out.append(Run(current, text[start:], rtl[start]))
    return tuple(out)


def markup(text: str, *, bold: bool = False) -> str:
    """User text as reportlab Paragraph markup: escaped, with a <font> per run the base font cannot set.

    `bold` must match the paragraph's style: a <font> tag resets reportlab's bold state, so the bold
    face is named explicitly.
    """
    if text.isascii() and load(BASE).issuperset(map(ord, text)):
        return escape(text)  # the common case, one run in the base face: no walk character by character
    parts = []
    for run in runs(text):
        # In a right-to-left stretch, no-break spaces make it one word to reportlab, which harfbuzz then
        # shapes right to left in one piece: its words come out in reading order, never split across lines.
        escaped = escape(run.text.replace(" ", NBSP) if run.rtl else run.text)
        if run.face is BASE:
            parts.append(escaped)
        else:
            name = run.face.bold_name if bold else run.face.name
            parts.append(f'<font face="{name}">{escaped}</font>')
    return "".join(parts)


def is_bold(font_name: str) -> bool:
    """Whether `font_name` is the bold weight of a shipped face."""
    return any(font_name == face.bold_name and face.bold for face in FACES)


# -- shaping ---------------------------------------------------------------------------------------------
# reportlab shapes a whole word with the font of its first fragment, so a word that switches font midway
# ("Müller-प्रिया", "(فاطمة)") would come out in the wrong glyphs. Its Paragraph looks the shaper up as a
# module global; this wrapper shapes each same-font stretch of a word on its own, and only in the faces whose
# scripts need it (Latin stays unshaped: no ligatures that would break copying "fi" out of a PDF).

_ShapeWord = Callable[..., Any]
# harfbuzz's defaults (joining forms, conjuncts, mark positioning) plus kerning and standard ligatures.
# reportlab also asks for discretionary ligatures, which turn the Hebrew yod and vav of יונתן into the
# Yiddish ligature ױ: a different name.
_FEATURES = {"kern": True, "liga": True}


def _font_of(piece: tuple[Any, str]) -> str | None:
    style = piece[0]
    return None if hasattr(style, "cbDefn") else str(style.fontName)  # cbDefn: an image or anchor, no text


def _group_width(group: Sequence[tuple[Any, str]]) -> float:
    widths = (pdfmetrics.stringWidth(p[1], p[0].fontName, p[0].fontSize) for p in group if _font_of(p))
    return float(sum(widths))


def _shape_by_font(original: _ShapeWord) -> _ShapeWord:
    def shape(word: Any, *_: Any, **__: Any) -> Any:
        if isinstance(word, ShapedFragWord):  # shaped already (a paragraph is laid out more than once)
            return word
        groups: list[list[tuple[Any, str]]] = []
        group_font: str | None = None
        for piece in word[1:]:
            font = _font_of(piece)
            if not groups or (font is not None and group_font is not None and font != group_font):
                groups.append([])
                group_font = None
            group_font = group_font or font
            groups[-1].append(piece)
        if len(groups) == 1:
            return original(word, features=_FEATURES) if group_font in _SHAPED_FONTS else word
        results: list[Any] = []
        changed = False
        for group in groups:
            sub = [_group_width(group), *group]
            fonts = {_font_of(piece) for piece in group} - {None}
            if fonts and fonts <= _SHAPED_FONTS:
                shaped = original(sub, features=_FEATURES)
                changed = changed or shaped is not sub
                sub = shaped
            results.append(sub)
        if not changed:
            return word
        merged = makeShapedFragWord(word)([sum(result[0] for result in results)])
        for result in results:
            merged.extend(result[1:])
        return merged

    shape.__wrapped__ = original  # type: ignore[attr-defined]
    return shape


def _install_shaping() -> None:
    current = rl_paragraph.shapeFragWord
    if not hasattr(current, "__wrapped__"):
        rl_paragraph.shapeFragWord = _shape_by_font(current)
