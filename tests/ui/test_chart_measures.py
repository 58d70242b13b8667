"""The chart's Measures tab: giving a form by keyboard, partial forms, history, follow-up, entered in error."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from tests.ui.test_chart import TODAY, Answers, answers, make_client, open_chart, set_clinician
from therapy_desk.domain.measures import Difficulty, Instrument
from therapy_desk.storage.vault import Vault
from therapy_desk.ui.app import default_chart_factory
from therapy_desk.ui.chart import ChartWindow
from therapy_desk.ui.chart_measures import COL_FLAG, COL_FOLLOW_UP, COL_FORM, open_measure_result
from therapy_desk.ui.main_window import MainWindow
from therapy_desk.ui.measure_dialog import MeasureDialog
from therapy_desk.ui.measure_followup import EnteredInErrorDialog, FollowUpDialog
from therapy_desk.ui.ops import Ops
from therapy_desk.ui.today import TodayView
from therapy_desk.ui.windows import FRAME_ALLOWANCE

__all__ = ["answers"]  # the fixture, shared with test_chart

SHOTS = os.environ.get("MEASURE_SHOTS")  # a folder: save what the tests show, to look at


def shot(widget: object, name: str) -> None:
    if SHOTS:
        widget.grab().save(os.path.join(SHOTS, f"{name}.png"))  # type: ignore[attr-defined]


def flagged_chart(qtbot: QtBot, vault: Vault) -> tuple[ChartWindow, int]:
    set_clinician(vault)
    client = make_client(vault)
    assert client.id is not None
    vault.measures.record(client.id, "PHQ-9", [2, 2, 2, 2, 1, 1, 1, 1, 0], TODAY - timedelta(days=60))
    flagged = vault.measures.record(client.id, "PHQ-9", [1, 1, 2, 1, 1, 0, 1, 0, 1], TODAY - timedelta(days=2))
    vault.measures.record(client.id, "GAD-7", [1, None, 2, None, 1, 1, 0], TODAY - timedelta(days=2))
    assert flagged.id is not None
    return open_chart(qtbot, vault, client.id), flagged.id


def keys(qtbot: QtBot, widget: object, text: str) -> None:
    for char in text:
        QTest.keyClick(widget, char)  # type: ignore[call-overload]


def test_the_tab_lists_results_with_incomplete_and_flag_and_a_history(qtbot: QtBot, vault: Vault) -> None:
    chart, _flagged = flagged_chart(qtbot, vault)
    chart.show_tab(chart.tabs.indexOf(chart.measures))
    tab = chart.measures
    shown = [[tab.model.index(r, c).data() for c in range(7)] for r in range(tab.model.rowCount())]
    assert len(shown) == 3
    assert "Incomplete (5 of 7)" in [row[COL_FORM] for row in shown]
    assert [row[COL_FLAG] for row in shown if row[COL_FLAG]] == ["Item 9: 1"]
    assert "Needs follow-up" in [row[COL_FOLLOW_UP] for row in shown]
    assert tab.history_labels[Instrument.PHQ9].text().startswith("PHQ-9 (of 27): 12 on")
    assert tab.charts[Instrument.PHQ9].accessibleDescription() == tab.history_labels[Instrument.PHQ9].text()
    assert tab.charts[Instrument.PCL5].isHidden()
    assert chart.tabs.tabText(chart.tabs.indexOf(tab)) == "Measures"
    shot(chart, "measures-tab")


def test_a_phq9_is_given_by_typing_digits_and_its_flag_reaches_the_chart(qtbot: QtBot, vault: Vault) -> None:
    set_clinician(vault)
    client = make_client(vault)
    assert client.id is not None
    chart = open_chart(qtbot, vault, client.id)
    chart.show_tab(chart.tabs.indexOf(chart.measures))
    dialog = chart.measures.give(Instrument.PHQ9)
    assert isinstance(dialog, MeasureDialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)  # Ctrl+S needs it
    assert dialog.answer_field.hasFocus()  # typing starts at once
    keys(qtbot, dialog.answer_field, "12")
    assert dialog.answer_field.accessibleName() == "Answer to item 3 of 9"
    assert "Trouble falling or staying asleep" in dialog.answer_field.accessibleDescription()
    assert dialog.answer_field.text() == ""
    assert dialog.total_label.text() == "Total 3 of 27: minimal. Incomplete: 2 of 9 items answered."
    QTest.keyClick(dialog.answer_field, Qt.Key.Key_Backspace)  # back to item 2: retype it
    keys(qtbot, dialog.answer_field, "3")
    keys(qtbot, dialog.answer_field, "9")  # above the maximum: refused with a sentence, nothing moves
    assert "0 to 3" in dialog.hint.text()
    keys(qtbot, dialog.answer_field, "1111112")
    assert dialog.answers == [1, 3, 1, 1, 1, 1, 1, 1, 2]
    assert dialog.flag_label.isVisible()
    assert dialog.total_label.text() == "Total 12 of 27: moderate."
    dialog.difficulty.setCurrentIndex(dialog.difficulty.findData(str(Difficulty.VERY)))
    shot(dialog, "measure-dialog")
    QTest.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: chart.measures.dialog is None)

    (result,) = vault.measures.for_client(client.id)
    assert (result.total, result.complete, result.difficulty, result.open_flag) == (12, True, Difficulty.VERY, True)
    assert chart.measures.selected_id() == result.id
    assert chart.flag_banner.isVisible()  # the chart's safety alert came up


def test_a_partial_form_asks_before_it_is_recorded_as_incomplete(qtbot: QtBot, vault: Vault, answers: Answers) -> None:
    client = make_client(vault)
    assert client.id is not None
    chart = open_chart(qtbot, vault, client.id)
    dialog = chart.measures.give(Instrument.PHQ9)
    assert dialog is not None
    dialog.table.setCurrentCell(8, 2)  # a click on item 9 (the table takes digits too)
    keys(qtbot, dialog.table, "2")  # only item 9
    answers.answer = answers.answer.No
    assert not dialog.save()
    assert vault.measures.for_client(client.id) == []
    assert "Record as incomplete?" in answers.asked[0]
    answers.answer = answers.answer.Yes
    assert dialog.save()
    (result,) = vault.measures.for_client(client.id)
    assert (result.complete, result.total, result.open_flag) == (False, 2, True)


def test_following_up_the_flag_records_what_was_done_and_clears_it(qtbot: QtBot, vault: Vault) -> None:
    chart, flagged = flagged_chart(qtbot, vault)
    assert [m.id for m in vault.measures.unreviewed_flags()] == [flagged]
    assert open_measure_result(chart, flagged, follow_up=True)
    dialog = chart.measures.dialog
    assert isinstance(dialog, FollowUpDialog)
    assert dialog.by.text() == "Dana Reyes, LCSW"  # the practice profile
    dialog.ok_button.click()  # nothing said about what was done: refused with a sentence
    assert "what was done" in dialog.error.text()
    assert vault.measures.unreviewed_flags() != []
    shot(dialog, "follow-up-dialog")
    dialog.action.setPlainText("Safety check in session; no plan or intent; safety plan reviewed.")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: chart.measures.dialog is None)

    assert vault.measures.unreviewed_flags() == []  # so Today's list no longer shows it
    done = vault.measures.get(flagged)
    assert (done.followed_up_by, done.follow_up_action) == (
        "Dana Reyes, LCSW",
        "Safety check in session; no plan or intent; safety plan reviewed.",
    )
    assert not chart.flag_banner.isVisible()
    assert "Done" in chart.measures.model.index(chart.measures.model.row_of(flagged), COL_FOLLOW_UP).data()
    assert not chart.measures.follow_up_button.isEnabled()


def test_entered_in_error_asks_a_reason_strikes_the_row_and_drops_the_flag(qtbot: QtBot, vault: Vault) -> None:
    chart, flagged = flagged_chart(qtbot, vault)
    assert open_measure_result(chart, flagged)
    dialog = chart.measures.mark_in_error()
    assert isinstance(dialog, EnteredInErrorDialog)
    dialog.ok_button.click()
    assert "why" in dialog.error.text()
    shot(dialog, "entered-in-error-dialog")
    dialog.reason.setText("Scored from another client's form")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: chart.measures.dialog is None)

    tab = chart.measures
    row = tab.model.row_of(flagged)
    assert tab.model.index(row, COL_FORM).data() == "Entered in error"
    assert tab.model.index(row, 0).data(Qt.ItemDataRole.FontRole).strikeOut()
    assert "entered in error" in tab.model.index(row, 0).data(Qt.ItemDataRole.AccessibleTextRole)
    assert "Scored from another client's form" in tab.details.text()
    assert vault.measures.unreviewed_flags() == []
    assert not chart.flag_banner.isVisible()
    assert tab.history_labels[Instrument.PHQ9].text().count(" on ") == 1  # out of the history
    assert not tab.error_button.isEnabled()


def test_open_measure_result_refuses_another_clients_result(qtbot: QtBot, vault: Vault) -> None:
    chart, _flagged = flagged_chart(qtbot, vault)
    other = make_client(vault, legal_first="Ines", preferred_name="")
    assert other.id is not None
    elsewhere = vault.measures.record(other.id, "GAD-7", [0] * 7, TODAY)
    assert elsewhere.id is not None
    assert not open_measure_result(chart, elsewhere.id)


@pytest.mark.parametrize("instrument", [Instrument.GAD7, Instrument.PCL5])
def test_other_instruments_take_their_own_range_and_ask_no_difficulty(
    qtbot: QtBot, vault: Vault, instrument: Instrument
) -> None:
    client = make_client(vault)
    assert client.id is not None
    chart = open_chart(qtbot, vault, client.id)
    dialog = chart.measures.give(instrument)
    assert dialog is not None
    keys(qtbot, dialog.answer_field, "4")
    assert dialog.answers[0] == (4 if instrument is Instrument.PCL5 else None)
    assert dialog.difficulty.isHidden()
    dialog.reject()


def test_a_phq9_with_item9_at_1_shows_on_today_until_its_follow_up_is_recorded(
    qtbot: QtBot, vault: Vault, ops: Ops
) -> None:
    set_clinician(vault)
    client = make_client(vault)
    assert client.id is not None
    host = QWidget()
    qtbot.addWidget(host)
    today = TodayView(vault, ops, host)
    chart = open_chart(qtbot, vault, client.id)
    dialog = chart.measures.give(Instrument.PHQ9)
    assert dialog is not None
    dialog.type_answers("000000001")
    assert dialog.save()
    today.refresh()
    assert [line[0] for line in today.flags.lines_shown()] == ["Sol Quintanilla"]

    (result,) = vault.measures.for_client(client.id)
    assert result.id is not None
    assert open_measure_result(chart, result.id, follow_up=True)
    follow_up = chart.measures.dialog
    assert isinstance(follow_up, FollowUpDialog)
    follow_up.action.setPlainText("Called the client: no plan or intent; safety plan reviewed.")
    follow_up.ok_button.click()
    today.refresh()
    assert today.flags.lines_shown() == []


def test_todays_flag_opens_the_result_in_the_chart_and_asks_for_its_follow_up(qtbot: QtBot, vault: Vault) -> None:
    set_clinician(vault)
    client = make_client(vault)
    assert client.id is not None
    flagged = vault.measures.record(client.id, "PHQ-9", [0, 0, 0, 0, 0, 0, 0, 0, 2], TODAY)
    assert flagged.id is not None
    window = MainWindow(vault, [("Today", TodayView)], chart_factory=default_chart_factory())
    qtbot.addWidget(window)
    window.show()

    window.open_measure(client.id, flagged.id)  # what Today's flag line asks for

    (chart,) = window.chart_windows()
    assert isinstance(chart, ChartWindow)
    assert chart.tabs.currentWidget() is chart.measures
    assert chart.measures.selected_id() == flagged.id
    assert isinstance(chart.measures.dialog, FollowUpDialog)
    chart.measures.dialog.reject()
    chart.clear_for_lock()


def test_the_measure_dialog_fits_the_screen_with_its_title_bar(qtbot: QtBot, vault: Vault) -> None:
    client = make_client(vault)
    assert client.id is not None
    chart = open_chart(qtbot, vault, client.id)
    dialog = chart.measures.give(Instrument.PHQ9)
    assert isinstance(dialog, MeasureDialog)
    free = dialog.screen().availableGeometry()
    assert dialog.height() + FRAME_ALLOWANCE.height() <= free.height()  # Save and Cancel are not off the screen
    assert dialog.width() + FRAME_ALLOWANCE.width() <= free.width()
    dialog.reject()
