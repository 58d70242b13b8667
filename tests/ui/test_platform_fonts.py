"""The windows take the platform's fonts, so Qt's font fallback can find a glyph for a name in any script.

A widget forced to one family (a QFont built from a name, a style sheet's font-family, a bundled font
set on the application) shows a name its family lacks as empty boxes, however many fonts the system has.
Sizes and weights derived from a widget's own font are fine.
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QApplication

from therapy_desk.ui.app import make_application

UI = Path(__file__).parents[2] / "therapy_desk" / "ui"
FORCED = re.compile(
    r"""QFont\(\s*["']"""  # QFont("Family", ...)
    r"|\.setFamil(?:y|ies)\("
    r"|setDefaultFamily"  # offering a font (addApplicationFont) is fine: it only joins the fallback
    r"|font-family",
)


def _forced(source: str) -> list[str]:
    return [line.strip() for line in source.splitlines() if FORCED.search(line)]


def test_the_check_sees_a_forced_family() -> None:
    assert _forced('label.setFont(QFont("Noto Sans", 12))')
    assert _forced('self.setStyleSheet("QLabel { font-family: Arial; }")')
    assert _forced("font.setFamily(name)")
    assert not _forced("font = label.font()\nfont.setBold(True)\nlabel.setFont(font)")


def test_no_window_forces_a_font_family() -> None:
    offenders = {
        str(path.relative_to(UI)): lines
        for path in sorted(UI.rglob("*.py"))
        if (lines := _forced(path.read_text("utf-8")))
    }

    assert offenders == {}


def test_the_bundled_fonts_are_offered_to_qt_for_fallback_without_becoming_the_font() -> None:
    app = make_application(["therapy-desk"])
    families = set(QFontDatabase.families())

    assert {"Noto Sans KR", "Noto Sans SC", "Noto Sans Arabic", "Noto Sans Devanagari"} <= families
    assert not QApplication.font().family().startswith("Noto Sans KR")
    assert app is QApplication.instance()
