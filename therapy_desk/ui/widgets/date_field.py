"""`DateField`: a date edit that takes a whole typed date and is one Tab stop.

QDateEdit edits one section at a time: typing "3/4/2026" over a selected date lands as 12/04/2026 (the
month keeps its old first digit, "/" jumps sections), and Tab walks month, day, year before it leaves.
A clinician types dates whole and tabs from field to field. So here the date is selected when the
keyboard brings the focus, and what is typed over it (3/4/2026, 03/04/2026, 03042026, 3-4-26,
2026-03-04) is read as one date when it is complete, on Enter, or when the field is left; Tab and
Shift+Tab leave the field; Up and Down still step the part under the cursor, Left and Right move
between parts, and Alt+Down opens the calendar.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QFocusEvent, QKeyEvent, QValidator
from PySide6.QtWidgets import QApplication, QDateEdit, QWidget

DISPLAY_FORMAT = "MM/dd/yyyy"

_US_DATE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DIGITS_DATE = re.compile(r"(\d{2})(\d{2})(\d{4})")
# Typed as far as a date goes: nothing more can follow, so it is read at once.
_COMPLETE = re.compile(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{4}|\d{8}|\d{4}-\d{1,2}-\d{2}")
_TYPED_CHARACTERS = frozenset("0123456789/-.")
_PLAIN = Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier


def this_century(year: int) -> int:
    return 2000 + year


def parse_typed_date(text: str, two_digit_year: Callable[[int], int] = this_century) -> date:
    """A date as people type it: 3/4/2026, 03/04/2026, 03042026, 3-4-26, 3.4.26, 2026-03-04.

    `two_digit_year` picks the century of a two-digit year. ValueError when the text is not a date.
    """
    raw = text.strip()
    if match := _US_DATE.fullmatch(raw):
        month, day, year = (int(g) for g in match.groups())
        if len(match.group(3)) == 2:
            year = two_digit_year(year)
    elif match := _ISO_DATE.fullmatch(raw):
        year, month, day = (int(g) for g in match.groups())
    elif match := _DIGITS_DATE.fullmatch(raw):
        month, day, year = (int(g) for g in match.groups())
    else:
        raise ValueError(f"not a date: {raw!r}")
    return date(year, month, day)


class DateField(QDateEdit):
    """A date typed whole or stepped part by part, shown as MM/dd/yyyy, with a calendar on Alt+Down."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self._typed: str | None = None  # typed over the selected date, not yet read (set first: Qt calls validate)
        super().__init__(parent)
        self.setDisplayFormat(DISPLAY_FORMAT)
        self.setCalendarPopup(True)
        self.setToolTip("Type the date, like 03/04/2026; Up and Down change the part under the cursor")

    def date(self) -> QDate:
        """The date shown, after reading what is being typed (a save may come before the field is left)."""
        self._read_typed()
        return super().date()

    def focusNextPrevChild(self, next: bool) -> bool:
        """Tab and Shift+Tab go to the next or previous field, as they do from any other field."""
        return QWidget.focusNextPrevChild(self, next)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        if event.reason() != Qt.FocusReason.MouseFocusReason:  # a click puts the cursor in a part
            self.selectAll()  # so that typing replaces the date

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self._read_typed()
        super().focusOutEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        text = event.text()
        plain = not event.modifiers() & ~_PLAIN
        typing = plain and len(text) == 1 and text in _TYPED_CHARACTERS
        if typing and (self._typed is not None or self._all_selected()):
            self._show_typed((self._typed or "") + text)
            if _COMPLETE.fullmatch(self._typed or ""):
                self._read_typed()
            return
        if self._typed is not None:
            if event.key() == Qt.Key.Key_Backspace:
                self._show_typed(self._typed[:-1])
                return
            if event.key() == Qt.Key.Key_Escape:  # back to the date as it was; the dialog stays open
                self._typed = None
                self._show_date()
                return
            self._read_typed()
        elif typing and not text.isdigit():
            # A separator moves to the next part, as in QDateEdit, but never out of the field.
            if self.currentSectionIndex() < self.sectionCount() - 1:
                QDateEdit.focusNextPrevChild(self, True)
            return
        super().keyPressEvent(event)

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        if self._typed is not None:
            return (QValidator.State.Intermediate, text, pos)  # half a date, read as a whole when it is done
        return super().validate(text, pos)

    def _all_selected(self) -> bool:
        edit = self.lineEdit()
        return bool(edit.text()) and edit.selectedText() == edit.text()

    def _show_typed(self, typed: str) -> None:
        self._typed = typed
        edit = self.lineEdit()
        # Unheard by QDateEdit, which would read the half-typed text part by part (and remember its day).
        blocked = edit.blockSignals(True)
        edit.setText(typed)
        edit.blockSignals(blocked)

    def _read_typed(self) -> None:
        """Take the typed text as the date if it is one in range; else keep the date (with a beep)."""
        typed, self._typed = self._typed, None
        if typed is None:
            return
        try:
            day = parse_typed_date(typed)
            wanted = QDate(day.year, day.month, day.day)
        except ValueError:
            wanted = QDate()
        if wanted.isValid() and self.minimumDate() <= wanted <= self.maximumDate():
            self.setDate(wanted)
        elif typed:
            QApplication.beep()
        self._show_date()

    def _show_date(self) -> None:
        self.lineEdit().setText(self.textFromDateTime(self.dateTime()))
