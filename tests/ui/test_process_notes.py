"""Psychotherapy notes: a private window reached from the chart, never shown inside it."""

from __future__ import annotations

import os
from datetime import timedelta

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.ui.test_chart import TODAY, make_client, open_chart, shown_texts
from therapy_desk.domain.notes import ProcessNote
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import theme
from therapy_desk.ui.chart import ChartWindow
from therapy_desk.ui.process_notes import BANNER, ProcessNotesWindow

PRIVATE_WORDS = "Transference came up again around the father"
SHOTS = os.environ.get("MEASURE_SHOTS")


def chart_with_notes(qtbot: QtBot, vault: Vault) -> tuple[ChartWindow, int]:
    client = make_client(vault)
    assert client.id is not None
    vault.notes.save_process_note(ProcessNote(client.id, "Older hunch: grief work first", TODAY - timedelta(days=9)))
    vault.notes.save_process_note(ProcessNote(client.id, f"{PRIVATE_WORDS}.\nSecond line.", TODAY - timedelta(days=2)))
    return open_chart(qtbot, vault, client.id), client.id


def open_window(qtbot: QtBot, chart: ChartWindow) -> ProcessNotesWindow:
    QTest.keyClick(chart, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    window = chart.process_notes
    assert window is not None
    qtbot.waitExposed(window)
    return window


def test_the_window_opens_by_key_with_its_banner_and_the_notes_newest_first(qtbot: QtBot, vault: Vault) -> None:
    chart, _client_id = chart_with_notes(qtbot, vault)
    window = open_window(qtbot, chart)

    assert window.isWindow()
    assert window is not chart
    assert window.banner_label.text() == BANNER
    assert theme.role_of(window.banner_label) is theme.PRIVATE
    assert "Psychotherapy notes" in window.windowTitle()
    lines = [window.list.item(i).text() for i in range(window.list.count())]
    assert len(lines) == 2
    assert PRIVATE_WORDS in lines[0]
    assert window.text.toPlainText().startswith(PRIVATE_WORDS)
    assert "psychotherapy notes read" in {e.event for e in vault.audit.recent(5)}
    if SHOTS:
        window.grab().save(os.path.join(SHOTS, "process-notes.png"))


def test_the_charts_own_tabs_never_show_their_text(qtbot: QtBot, vault: Vault) -> None:
    chart, _client_id = chart_with_notes(qtbot, vault)
    open_window(qtbot, chart)
    names = [chart.tabs.tabText(i) for i in range(chart.tabs.count())]
    assert not any("psychotherapy" in n.casefold() for n in names)
    for index in range(chart.tabs.count()):
        chart.show_tab(index)
        tab = chart.tabs.widget(index)
        assert tab is not None
        texts = shown_texts(tab)
        assert not any(PRIVATE_WORDS in t or "grief work" in t for t in texts), names[index]


def test_a_new_note_is_saved_by_ctrl_s_and_an_edit_on_close(qtbot: QtBot, vault: Vault) -> None:
    chart, client_id = chart_with_notes(qtbot, vault)
    window = open_window(qtbot, chart)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.new_note()
    window.text.setPlainText("New thought about the sibling rivalry")
    QTest.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    texts = [n.text for n in vault.notes.process_notes(client_id)]
    assert "New thought about the sibling rivalry" in texts
    assert window.status.text() == "Saved."

    window.text.appendPlainText("Added before closing.")
    window.close()
    assert any(t.endswith("Added before closing.") for t in (n.text for n in vault.notes.process_notes(client_id)))
    assert len(vault.notes.process_notes(client_id)) == 3  # edited, not copied


def test_a_lock_saves_the_open_edit_and_empties_the_window(qtbot: QtBot, vault: Vault) -> None:
    chart, client_id = chart_with_notes(qtbot, vault)
    window = open_window(qtbot, chart)
    window.text.setPlainText("Written just before the lock")
    chart.clear_for_lock()
    assert window.text.toPlainText() == ""
    assert window.list.count() == 0
    assert window.isHidden()
    assert "Written just before the lock" in [n.text for n in vault.notes.process_notes(client_id)]


def test_a_long_first_line_ends_in_an_ellipsis_in_the_list_not_in_a_sideways_scroll(qtbot: QtBot, vault: Vault) -> None:
    chart, client_id = chart_with_notes(qtbot, vault)
    long_line = "Countertransference: " + "a long reflection on the session " * 4
    vault.notes.save_process_note(ProcessNote(client_id, long_line, TODAY))
    window = open_window(qtbot, chart)
    QApplication.processEvents()
    assert not window.list.horizontalScrollBar().isVisible()  # Qt draws the line shortened, ending in …
