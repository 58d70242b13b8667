# pytest-qt's QtBot methods carry no annotations:
# mypy: disable-error-code="no-untyped-call"
"""A clinician's day through the real main window, page to page, as issue 11 tells it: book a weekly
series on the Schedule, mark today's session attended on Today (its note opens), write a SOAP note with
an exam and a risk assessment, sign it (the verification code is shown and the session charged), add an
addendum, give a PHQ-9 with item 9 at 1 in the chart, follow it up, and see Today's flag clear."""

from __future__ import annotations

from datetime import date, datetime, time

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from tests.ui.test_chart import Answers, answers, make_client, set_clinician
from tests.ui.test_note_editor import write_soap
from tests.ui.test_schedule import pick_client
from therapy_desk.domain.assessment import RiskLevel, SuicidalIdeation
from therapy_desk.domain.measures import Instrument
from therapy_desk.domain.notes import verification_code
from therapy_desk.domain.scheduling import AppointmentStatus
from therapy_desk.storage.vault import Vault
from therapy_desk.ui.app import default_chart_factory, default_pages
from therapy_desk.ui.chart import ChartWindow
from therapy_desk.ui.chart_measures import open_measure_result
from therapy_desk.ui.main_window import MainWindow
from therapy_desk.ui.measure_followup import FollowUpDialog
from therapy_desk.ui.note_editor import open_editors
from therapy_desk.ui.schedule import ScheduleView
from therapy_desk.ui.today import TodayView

__all__ = ["answers"]  # the fixture, shared with test_chart


def _page(window: MainWindow, title: str) -> object:
    window.show_page(window.page_titles.index(title))
    return window.current_page()


def test_a_day_from_booking_to_a_signed_note_and_a_followed_up_flag(
    qtbot: QtBot, vault: Vault, answers: Answers
) -> None:
    answers.answer = QMessageBox.StandardButton.No  # no Good Faith Estimate now for this self-pay client
    set_clinician(vault)
    client = make_client(vault)
    assert client.id is not None
    vault.clients.add_diagnosis(client.id, "F33.1", onset=date(2025, 1, 6))
    window = MainWindow(vault, default_pages(), chart_factory=default_chart_factory())
    qtbot.addWidget(window)
    with qtbot.waitExposed(window):
        window.show()

    # Schedule: a weekly series from today, at midnight so that today's session has begun.
    schedule = _page(window, "Schedule")
    assert isinstance(schedule, ScheduleView)
    book = schedule.book(start=datetime.combine(date.today(), time(0, 0)))
    pick_client(book, "quint")
    book.repeats.setCurrentIndex(book.repeats.findText("Weekly"))
    book.ok_button.click()
    assert book.saved is not None
    assert len(vault.schedule.occurrences(book.saved.series_id or 0)) > 4

    # Today: A marks the session attended and opens its note.
    today = _page(window, "Today")
    assert isinstance(today, TodayView)
    today.refresh()
    today.appointments.list.setFocus()
    QTest.keyClick(today.appointments.list, Qt.Key.Key_A)
    assert vault.schedule.get(book.saved.id or 0).status is AppointmentStatus.ATTENDED
    (editor,) = open_editors()
    assert editor.note.appointment_id == book.saved.id

    # The note: SOAP, an exam, a risk assessment with passive ideation, its factors and a reviewed plan.
    write_soap(editor)
    editor.exam.setChecked(True)
    editor.exam.singles["mood"].set_value(editor.exam.singles["mood"].itemData(2))
    editor.risk.setChecked(True)
    editor.risk.level.set_value(RiskLevel.MODERATE)
    editor.risk.ideation.set_value(SuicidalIdeation.PASSIVE)
    editor.risk.risk_factors.setPlainText("Recent job loss")
    editor.risk.safety_plan.setChecked(True)
    dialog = editor.start_signing()
    assert dialog is not None
    assert not dialog.blocked, dialog.error_list.text()
    assert dialog.sign_button is not None
    dialog.sign_button.click()
    note = editor.note
    assert note.is_signed
    assert note.risk is not None
    assert note.risk.suicidal_ideation is SuicidalIdeation.PASSIVE
    assert verification_code(note.content_hash or "") in editor.signature.text()
    assert [c.service_code for c in vault.billing.charges_for_appointment(book.saved.id or 0)] == ["90837"]
    addendum = editor.add_addendum()
    assert addendum is not None
    QTest.keyClicks(addendum.text, "Client called: slept better after the session.")
    addendum.ok_button.click()
    assert len(vault.notes.get(note.id or 0).addenda) == 1

    # The chart's Measures: a PHQ-9 with item 9 at 1 shows on Today until it is followed up.
    window.open_chart(client.id)
    (chart,) = window.chart_windows()
    assert isinstance(chart, ChartWindow)
    given = chart.measures.give(Instrument.PHQ9)
    assert given is not None
    given.type_answers("211112101")
    assert given.save()
    today.refresh()
    assert [line[0] for line in today.flags.lines_shown()] == ["Sol Quintanilla"]
    flagged = vault.measures.unreviewed_flags()[0]
    assert flagged.id is not None
    assert open_measure_result(chart, flagged.id, follow_up=True)
    follow_up = chart.measures.dialog
    assert isinstance(follow_up, FollowUpDialog)
    follow_up.action.setPlainText("Asked about item 9 in session: no plan or intent; safety plan reviewed.")
    follow_up.ok_button.click()
    qtbot.waitUntil(lambda: chart.measures.dialog is None)
    today.refresh()
    assert today.flags.lines_shown() == []
    window.lock()
    QApplication.processEvents()
