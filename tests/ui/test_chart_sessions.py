"""The chart's Sessions and notes tab: rows for appointments and notes; Enter starts or opens the note."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from tests.ui.test_chart import make_client, open_chart
from tests.ui.test_note_editor import book
from therapy_desk.domain.scheduling import AppointmentSeries, Recurrence
from therapy_desk.storage.vault import Vault
from therapy_desk.ui.chart import TAB_SESSIONS
from therapy_desk.ui.chart_sessions import COL_NOTE, UPCOMING
from therapy_desk.ui.note_editor import open_editors


def test_enter_starts_the_sessions_note_and_the_row_then_shows_a_draft(qtbot: QtBot, vault: Vault) -> None:
    client = make_client(vault)
    assert client.id is not None
    appointment = book(vault, client.id)
    chart = open_chart(qtbot, vault, client.id)
    chart.show_tab(TAB_SESSIONS)
    tab = chart.sessions
    assert tab.model.rowCount() == 1
    assert tab.model.index(0, COL_NOTE).data() == "No note"
    tab.table.setFocus()
    QTest.keyClick(tab.table, Qt.Key.Key_Return)
    editors = [e for e in open_editors() if e.note.appointment_id == appointment.id]
    assert len(editors) == 1
    assert tab.model.index(0, COL_NOTE).data() == "Draft"
    editors[0].sections.editors["Subjective"].setPlainText("Typed just before the lock")
    chart.clear_for_lock()  # the lock path: the open note saves its draft first
    assert vault.notes.for_appointment(appointment.id or 0)[0].text("Subjective") == "Typed just before the lock"


def test_a_weekly_client_sees_the_next_few_sessions_and_starts_on_the_latest_one(qtbot: QtBot, vault: Vault) -> None:
    client = make_client(vault)
    assert client.id is not None
    first = datetime.combine(date.today() - timedelta(weeks=8), time(10, 0))
    vault.schedule.create_series(
        AppointmentSeries(first, Recurrence.WEEKLY, 53, "90837", client_id=client.id), now=first - timedelta(days=1)
    )
    chart = open_chart(qtbot, vault, client.id)
    chart.show_tab(TAB_SESSIONS)
    days = [
        row.day or date.min for row in (chart.sessions.model.row(n) for n in range(chart.sessions.model.rowCount()))
    ]

    assert days == sorted(days, reverse=True)  # newest first
    assert len([day for day in days if day > date.today()]) == UPCOMING  # not half a year
    current = chart.sessions.model.row(chart.sessions.table.currentIndex().row())
    assert current.day is not None
    assert date.today() - timedelta(days=6) <= current.day <= date.today()  # this week's, not one in the future
