"""The chart's Sessions and notes tab: rows for appointments and notes; Enter starts or opens the note."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from tests.ui.test_chart import make_client, open_chart
from tests.ui.test_note_editor import book
from therapy_desk.storage.vault import Vault
from therapy_desk.ui.chart import TAB_SESSIONS
from therapy_desk.ui.chart_sessions import COL_NOTE
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
