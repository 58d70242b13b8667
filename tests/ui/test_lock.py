"""Locking: the idle timer, Lock now (Ctrl+L) and closing the window save drafts, then leave no PHI anywhere.

The views here are test-local stand-ins for the real ones: they read a client from the vault, show it in
labels, fields and an item model, keep a typed draft, and honour the `clear_for_lock` contract.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QCloseEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QListView,
    QMessageBox,
    QPlainTextEdit,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)
from pytestqt.qtbot import QtBot

from tests.conftest import PASSPHRASE
from therapy_desk.domain.clients import Client
from therapy_desk.storage.vault import Vault
from therapy_desk.ui.app import AppController
from therapy_desk.ui.main_window import MainWindow
from therapy_desk.ui.ops import Ops
from therapy_desk.ui.unlock import UnlockWindow

FIRST, LAST = "Oluwaseun", "Marchetti-Adebayo"
DRAFT_KEY = "test.draft"

# -- test-local views ------------------------------------------------------------------------------


class ClientPage(QWidget):
    """Shows every client's name in a label and a list, and keeps a typed draft."""

    open_client = Signal(int)

    def __init__(self, vault: Vault, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._vault = vault
        self.ids = vault.caseload.ids()
        clients = vault.clients.by_ids(self.ids)
        self.heading = QLabel(", ".join(c.legal_name for c in clients.values()))
        self.model = QStandardItemModel(self)
        for client in clients.values():
            self.model.appendRow(QStandardItem(client.display_name))
        self.list = QListView()
        self.list.setModel(self.model)
        self.draft = QLineEdit()
        self.draft.setAccessibleName("Draft")
        layout = QVBoxLayout(self)
        for widget in (self.heading, self.list, self.draft):
            layout.addWidget(widget)

    def clear_for_lock(self) -> None:
        if self.draft.text():
            self._vault.practice.set_setting(DRAFT_KEY, self.draft.text())  # save the draft first
        self.draft.clear()
        self.heading.clear()
        self.model.clear()


class PlainPage(QLabel):
    def __init__(self, vault: Vault, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__("Settings", parent)

    def clear_for_lock(self) -> None:
        pass


class ChartStandIn(QWidget):
    """A client's chart window that would ask before closing with unsaved edits."""

    def __init__(self, vault: Vault, ops: Ops, client_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Chart — {vault.clients.get(client_id).display_name}")
        self.name = QLineEdit(vault.clients.get(client_id).legal_name)
        layout = QVBoxLayout(self)
        layout.addWidget(self.name)
        self.cleared = False

    def clear_for_lock(self) -> None:
        self.cleared = True
        self.setWindowTitle("Chart")
        self.name.clear()

    def closeEvent(self, event: QCloseEvent) -> None:
        event.ignore()  # "unsaved changes": a lock must not depend on this answer


PAGES: list[tuple[str, Callable[[Vault, Ops], QWidget]]] = [("Today", ClientPage), ("Settings", PlainPage)]


# -- what a user could still see -------------------------------------------------------------------


def _model_texts(model: QAbstractItemModel, parent: QModelIndex | None = None) -> Iterator[str]:
    parent = parent or QModelIndex()
    try:
        columns = model.columnCount(parent)
    except TypeError:  # list models keep columnCount private: one column
        columns = 1
    for row in range(model.rowCount(parent)):
        for column in range(columns):
            index = model.index(row, column, parent)
            for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.EditRole):
                value = model.data(index, role)
                if value is not None:
                    yield str(value)
            if _has_children(model, index):
                yield from _model_texts(model, index)


def _has_children(model: QAbstractItemModel, index: QModelIndex) -> bool:
    try:
        return bool(model.hasChildren(index))
    except TypeError:  # flat list and table models keep hasChildren private
        return False


def widget_texts(widget: QWidget) -> Iterator[str]:
    yield widget.windowTitle()
    yield widget.toolTip()
    if isinstance(widget, QLabel):
        yield widget.text()
    if isinstance(widget, QLineEdit):
        yield widget.text()
    if isinstance(widget, QTextEdit | QPlainTextEdit):
        yield widget.toPlainText()
    if isinstance(widget, QAbstractButton):
        yield widget.text()
    if isinstance(widget, QComboBox):
        yield from (widget.itemText(i) for i in range(widget.count()))
    if isinstance(widget, QAbstractItemView) and widget.model() is not None:
        yield from _model_texts(widget.model())


def widgets_showing(*needles: str) -> list[str]:
    """Every live widget, visible or hidden, whose text contains one of `needles`."""
    return [
        f"{type(w).__name__} {w.objectName()!r}"
        for w in QApplication.allWidgets()
        if any(needle in text for text in widget_texts(w) for needle in needles)
    ]


# -- fixtures --------------------------------------------------------------------------------------


@pytest.fixture
def client_id(vault: Vault) -> int:
    client = vault.clients.create(Client(FIRST, LAST, date(1988, 3, 14)))
    assert client.id is not None
    return client.id


@pytest.fixture
def main(qtbot: QtBot, vault: Vault, client_id: int) -> MainWindow:
    window = MainWindow(vault, PAGES, chart_factory=ChartStandIn)
    qtbot.addWidget(window)
    with qtbot.waitExposed(window):
        window.show()
    return window


@pytest.fixture
def controllers(qtbot: QtBot) -> Iterator[list[AppController]]:
    """Controllers a test made; whatever window each still shows is closed after the test."""
    made: list[AppController] = []
    yield made
    for controller in made:
        window = controller.window
        if window is not None and shiboken6.isValid(window):
            window.close()
            window.deleteLater()
    qtbot.wait(1)


def _reopen(folder: Path) -> Vault:
    return Vault.open(folder, PASSPHRASE)


# -- tests -----------------------------------------------------------------------------------------


def test_idle_timeout_saves_the_draft_then_leaves_no_phi_in_any_widget(
    qtbot: QtBot, main: MainWindow, vault: Vault, client_id: int
) -> None:
    main.open_chart(client_id)
    page = main.current_page()
    assert isinstance(page, ClientPage)
    qtbot.keyClicks(page.draft, "Client reports better sleep")
    assert widgets_showing(LAST, FIRST)  # the test can see PHI before the lock

    main.idle_lock.set_interval_ms(200)
    started = time.monotonic()
    with qtbot.waitSignal(main.locked, timeout=3000) as locked:
        pass
    assert time.monotonic() - started >= 0.15
    assert locked.args == [False]

    assert widgets_showing(LAST, FIRST) == []
    qtbot.wait(20)  # deleted views are gone once the event loop turns
    assert widgets_showing(LAST, FIRST, "better sleep") == []
    assert not vault.is_open
    assert not main.isVisible()
    assert main.chart_windows() == []
    with _reopen(vault.folder) as again:
        assert again.practice.setting(DRAFT_KEY) == "Client reports better sleep"


def test_input_keeps_the_idle_lock_away(qtbot: QtBot, main: MainWindow) -> None:
    main.idle_lock.set_interval_ms(400)
    page = main.current_page()
    assert isinstance(page, ClientPage)
    for _ in range(6):
        qtbot.keyClick(page.draft, Qt.Key.Key_A)
        qtbot.wait(100)
    assert not main.is_locked  # 600 ms of typing outlasted the 400 ms timeout
    with qtbot.waitSignal(main.locked, timeout=2000):
        pass


def test_ctrl_l_locks_and_shows_the_unlock_screen(
    qtbot: QtBot, created: tuple[Path, str], vault_dir: Path, controllers: list[AppController]
) -> None:
    with Vault.open(vault_dir, PASSPHRASE) as setup:
        setup.clients.create(Client(FIRST, LAST, date(1988, 3, 14)))
    controller = AppController(
        folder=vault_dir, pages=lambda: PAGES, chart_factory=lambda: ChartStandIn, quit_app=lambda: None
    )
    controllers.append(controller)
    unlock = controller.start()
    assert isinstance(unlock, UnlockWindow)
    qtbot.keyClicks(unlock.passphrase, PASSPHRASE)
    with qtbot.waitSignal(unlock.unlocked, timeout=5000):
        qtbot.keyClick(unlock.passphrase, Qt.Key.Key_Return)
    main = controller.window
    assert isinstance(main, MainWindow)
    with qtbot.waitActive(main):
        main.activateWindow()
    assert widgets_showing(LAST)

    with qtbot.waitSignal(main.locked, timeout=3000):
        qtbot.keyClick(main, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)

    assert not main.vault.is_open
    again = controller.window
    assert isinstance(again, UnlockWindow)
    assert again.isVisible()
    assert again.passphrase.text() == ""
    qtbot.wait(20)
    assert widgets_showing(LAST) == []


def test_closing_the_window_locks_and_quits(
    qtbot: QtBot, vault: Vault, client_id: int, controllers: list[AppController]
) -> None:
    quits: list[bool] = []
    controller = AppController(
        pages=lambda: PAGES, chart_factory=lambda: ChartStandIn, quit_app=lambda: quits.append(True)
    )
    controllers.append(controller)
    main = controller.open_main(vault)
    main.open_chart(client_id)
    page = main.current_page()
    assert isinstance(page, ClientPage)
    qtbot.keyClicks(page.draft, "draft before quitting")

    assert main.close()

    assert quits == [True]
    assert not vault.is_open
    qtbot.wait(20)
    assert widgets_showing(LAST, FIRST) == []
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, UnlockWindow)]
    with _reopen(vault.folder) as again:
        assert again.practice.setting(DRAFT_KEY) == "draft before quitting"


def test_a_chart_window_is_cleared_and_closed_without_asking(qtbot: QtBot, main: MainWindow, client_id: int) -> None:
    main.open_chart(client_id)
    (chart,) = main.chart_windows()
    assert isinstance(chart, ChartStandIn)
    assert chart.isVisible()

    main.lock()

    assert chart.cleared
    assert not chart.isVisible()
    assert main.chart_windows() == []


def test_a_message_left_open_is_closed_by_the_lock(qtbot: QtBot, main: MainWindow) -> None:
    box = QMessageBox(QMessageBox.Icon.Information, "Therapy Desk", f"{FIRST} {LAST} has a balance.", parent=main)
    box.open()
    assert box.isVisible()

    main.lock()
    qtbot.wait(20)

    assert widgets_showing(LAST) == []


def test_locking_waits_for_work_in_flight_to_finish(qtbot: QtBot, main: MainWindow, vault: Vault) -> None:
    def slow_write(handle: Vault) -> None:
        time.sleep(0.3)
        handle.practice.set_setting("test.background", "written")

    main.ops.run(slow_write, label="Saving").start()
    main.lock()

    assert not vault.is_open
    with _reopen(vault.folder) as again:
        assert again.practice.setting("test.background") == "written"


def test_the_status_bar_says_locked_and_lock_now_is_spent(main: MainWindow) -> None:
    assert main.lock_label.text() == "Unlocked"
    main.lock()
    assert main.lock_label.text() == "Locked"
    assert not main.lock_action.isEnabled()
    main.lock()  # a second lock is harmless
    assert main.is_locked
