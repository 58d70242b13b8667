# pytest-qt's QtBot methods carry no annotations:
# mypy: disable-error-code="no-untyped-call"
"""A date field takes a whole date typed as a clinician types it, and Tab leaves it like any field."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFormLayout, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from therapy_desk.ui.widgets.date_field import DateField, parse_typed_date

BEFORE = QDate(2025, 12, 2)


class SmallForm(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.before = QLineEdit(self)
        self.field = DateField(self)
        self.field.setDate(BEFORE)
        self.after = QLineEdit(self)
        form = QFormLayout(self)
        form.addRow("Before:", self.before)
        form.addRow("Date:", self.field)
        form.addRow("After:", self.after)


@pytest.fixture
def form(qtbot: QtBot) -> SmallForm:
    widget = SmallForm()
    qtbot.addWidget(widget)
    widget.show()
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow)
    return widget


def tab_into(form: SmallForm) -> DateField:
    form.before.setFocus(Qt.FocusReason.TabFocusReason)
    QTest.keyClick(form.before, Qt.Key.Key_Tab)
    assert form.field.hasFocus()
    return form.field


@pytest.mark.parametrize("typed", ["3/4/2026", "03/04/2026", "03042026", "3-4-2026", "2026-03-04"])
def test_a_whole_typed_date_lands_as_typed(form: SmallForm, typed: str) -> None:
    field = tab_into(form)

    QTest.keyClicks(field, typed)

    assert field.date() == QDate(2026, 3, 4)
    assert field.text() == "03/04/2026"


def test_a_short_date_is_read_when_the_field_is_left(form: SmallForm) -> None:
    field = tab_into(form)
    QTest.keyClicks(field, "3/4/26")
    assert field.text() == "3/4/26"  # what was typed, until it is done

    QTest.keyClick(field, Qt.Key.Key_Tab)

    assert form.after.hasFocus()
    assert field.date() == QDate(2026, 3, 4)


def test_a_save_before_leaving_the_field_gets_the_typed_date(form: SmallForm) -> None:
    field = tab_into(form)
    QTest.keyClicks(field, "11/5/26")

    assert field.date() == QDate(2026, 11, 5)  # as a Ctrl+S would read it


def test_a_date_that_does_not_exist_keeps_the_date_shown_before(form: SmallForm) -> None:
    field = tab_into(form)
    QTest.keyClicks(field, "2/30/2026")

    assert field.date() == BEFORE
    assert field.text() == "12/02/2025"


def test_escape_while_typing_goes_back_to_the_date(form: SmallForm) -> None:
    field = tab_into(form)
    QTest.keyClicks(field, "3/4")
    QTest.keyClick(field, Qt.Key.Key_Escape)

    assert field.text() == "12/02/2025"
    assert field.date() == BEFORE


def test_tab_leaves_the_field_in_one_press_and_shift_tab_comes_back(form: SmallForm) -> None:
    field = tab_into(form)

    QTest.keyClick(field, Qt.Key.Key_Tab)
    assert form.after.hasFocus()

    QTest.keyClick(form.after, Qt.Key.Key_Backtab)
    assert field.hasFocus()
    QTest.keyClick(field, Qt.Key.Key_Backtab)
    assert form.before.hasFocus()


def test_arrow_keys_still_step_the_part_under_the_cursor(form: SmallForm) -> None:
    field = tab_into(form)

    QTest.keyClick(field, Qt.Key.Key_Down)  # the month, the first part
    assert field.date() == QDate(2025, 11, 2)
    for _press in range(3):
        QTest.keyClick(field, Qt.Key.Key_Right)  # into the day
    QTest.keyClick(field, Qt.Key.Key_Up)
    assert field.date() == QDate(2025, 11, 3)
    QTest.keyClicks(field, "7")  # typing into one part replaces that part
    assert field.date() == QDate(2025, 11, 7)
    assert field.hasFocus()


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("3/4/2026", date(2026, 3, 4)),
        ("03/04/2026", date(2026, 3, 4)),
        ("03042026", date(2026, 3, 4)),
        ("3-4-26", date(2026, 3, 4)),
        ("3.4.2026", date(2026, 3, 4)),
        ("2026-3-4", date(2026, 3, 4)),
    ],
)
def test_typed_dates_are_read_in_every_form_people_use(typed: str, expected: date) -> None:
    assert parse_typed_date(typed) == expected


@pytest.mark.parametrize("typed", ["", "3/4", "13/1/2026", "2/30/2026", "march 4"])
def test_text_that_is_no_date_is_refused(typed: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        parse_typed_date(typed)
