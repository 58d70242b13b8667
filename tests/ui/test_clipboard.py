"""Locking clears the clipboard when it holds text the app put there, and only then.

The offscreen platform, like macOS and Wayland, never says the app owns the clipboard, so these tests
see exactly the case `ownsClipboard()` cannot handle.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QClipboard, QGuiApplication, QWindow
from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot

from tests.ui.test_lock import FIRST, LAST, PAGES
from therapy_desk.domain.clients import Client
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import dialogs
from therapy_desk.ui.chart import ChartWindow
from therapy_desk.ui.clipboard import app_clipboard, copy_text
from therapy_desk.ui.main_window import MainWindow

ANOTHER_APPS_TEXT = "https://example.org/a-page-the-user-copied-in-a-browser"


@pytest.fixture
def clipboard() -> Iterator[QClipboard]:
    board = QGuiApplication.clipboard()
    board.clear()
    yield board
    board.clear()


@pytest.fixture
def client_id(vault: Vault) -> int:
    client = vault.clients.create(Client(FIRST, LAST, date(1988, 3, 14)))
    assert client.id is not None
    return client.id


@pytest.fixture
def main(qtbot: QtBot, vault: Vault, client_id: int, clipboard: QClipboard) -> MainWindow:
    window = MainWindow(vault, PAGES, chart_factory=ChartWindow)
    qtbot.addWidget(window)
    with qtbot.waitExposed(window):
        window.show()
    return window


@pytest.fixture
def another_app(qtbot: QtBot) -> Iterator[QWindow]:
    """A window that is none of the app's: while it has focus, no app window is active."""
    window = QWindow()
    yield window
    window.destroy()


def focus_another_app(qtbot: QtBot, window: QWindow) -> None:
    window.show()
    window.requestActivate()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is None)


def test_a_name_copied_from_a_chart_field_is_cleared_by_the_lock(
    qtbot: QtBot, main: MainWindow, client_id: int, clipboard: QClipboard
) -> None:
    main.open_chart(client_id)
    (chart,) = main.chart_windows()
    assert isinstance(chart, ChartWindow)
    qtbot.waitUntil(chart.isActiveWindow)
    qtbot.mouseClick(chart.overview.edit_button, Qt.MouseButton.LeftButton)
    (field,) = [edit for edit in chart.findChildren(QLineEdit) if edit.text() == LAST]
    field.setFocus()
    qtbot.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(field, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert clipboard.text() == LAST
    assert not clipboard.ownsClipboard()  # what a plain ownership check would have relied on

    main.lock()

    assert clipboard.text() == ""


def test_crash_details_copied_from_the_crash_dialog_are_cleared_by_the_lock(
    qtbot: QtBot, main: MainWindow, clipboard: QClipboard
) -> None:
    dialog = dialogs.show_crash(main, RuntimeError("a bug"))
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    assert clipboard.text() == dialog.details

    main.lock()

    assert clipboard.text() == ""


def test_text_the_app_copies_itself_is_cleared_even_without_focus(
    qtbot: QtBot, main: MainWindow, clipboard: QClipboard, another_app: QWindow
) -> None:
    focus_another_app(qtbot, another_app)
    copy_text(f"{FIRST} {LAST}")

    main.lock()

    assert clipboard.text() == ""


def test_another_apps_text_survives_the_lock(
    qtbot: QtBot, main: MainWindow, clipboard: QClipboard, another_app: QWindow
) -> None:
    focus_another_app(qtbot, another_app)
    clipboard.setText(ANOTHER_APPS_TEXT)

    main.lock()

    assert clipboard.text() == ANOTHER_APPS_TEXT


def test_another_apps_text_copied_over_the_apps_survives_the_lock(
    qtbot: QtBot, main: MainWindow, clipboard: QClipboard, another_app: QWindow
) -> None:
    copy_text(f"{FIRST} {LAST}")
    focus_another_app(qtbot, another_app)
    clipboard.setText(ANOTHER_APPS_TEXT)

    main.lock()

    assert clipboard.text() == ANOTHER_APPS_TEXT


def test_quitting_clears_the_apps_text_too(qtbot: QtBot, main: MainWindow, clipboard: QClipboard) -> None:
    clipboard.setText(f"{FIRST} {LAST}")  # while the main window is active, as a Ctrl+C in it would be

    assert main.close()

    assert clipboard.text() == ""


def test_the_record_keeps_no_copied_text(main: MainWindow, clipboard: QClipboard) -> None:
    copy_text(f"{FIRST} {LAST}")

    record = app_clipboard()
    assert all(FIRST not in repr(value) and LAST not in repr(value) for value in vars(record).values())
