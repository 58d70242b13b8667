"""A scripted session in the desktop app, the way a clinician uses it: unlock, Today, the caseload, a
search by name, a chart and each of its tabs, a copy to the clipboard, Settings, lock, unlock, quit.

    python -m tests.reliability.gui_session VAULT_DIR NAME_TO_FIND

Run by test_phi_sweep.py in a child process whose HOME, TMPDIR and XDG folders point into a sweep
folder, so every file the app or Qt writes on its own lands where the test then looks for PHI.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, QThreadPool
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

import tests.cheap_kdf_child  # noqa: F401  (the test vault is made with the cheap KDF)
from tests.conftest import PASSPHRASE
from therapy_desk.ui import dialogs
from therapy_desk.ui.app import AppController, make_application
from therapy_desk.ui.caseload import CaseloadView
from therapy_desk.ui.chart import ChartWindow
from therapy_desk.ui.main_window import MainWindow
from therapy_desk.ui.unlock import UnlockWindow


def wait_until(condition: Callable[[], object], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"gui session: gave up waiting for {what}")
        QCoreApplication.processEvents()
        time.sleep(0.01)


def press(widget: QWidget, keys: str) -> None:
    QTest.keySequence(widget, QKeySequence(keys))
    QCoreApplication.processEvents()


def page_key(window: MainWindow, title: str) -> str:
    """The Ctrl+digit that shows the page called `title`."""
    return f"Ctrl+{window.page_titles.index(title) + 1}"


def unlock(controller: AppController) -> MainWindow:
    wait_until(lambda: isinstance(controller.window, UnlockWindow), "the unlock window")
    window = controller.window
    assert isinstance(window, UnlockWindow)
    QTest.keyClicks(window.passphrase, PASSPHRASE)
    QTest.keyClick(window.passphrase, Qt.Key.Key_Return)
    wait_until(lambda: isinstance(controller.window, MainWindow), "the main window")
    main = controller.window
    assert isinstance(main, MainWindow)
    return main


def main(argv: list[str]) -> int:
    folder, name = Path(argv[1]), argv[2]
    app: QApplication = make_application([argv[0]])
    dialogs.install_excepthook()
    controller = AppController(folder=folder)
    controller.start()

    window = unlock(controller)
    press(window, "Ctrl+1")  # Today
    press(window, page_key(window, "Caseload"))
    caseload = window.stack.currentWidget()
    assert isinstance(caseload, CaseloadView)
    QTest.keyClicks(caseload.filter_edit, name)
    wait_until(lambda: caseload.model.rowCount() == 1, "the caseload to find the one client by name")
    QTest.keyClick(caseload.filter_edit, Qt.Key.Key_Down)
    QTest.keyClick(caseload.table, Qt.Key.Key_Return)
    wait_until(lambda: window.chart_windows(), "the chart window")
    chart = window.chart_windows()[0]
    assert isinstance(chart, ChartWindow)
    for number in range(1, chart.tabs.count() + 1):
        press(chart, f"Ctrl+{number}")
        QTest.qWait(50)
    press(chart, "Ctrl+1")
    focus = QApplication.focusWidget() or chart
    press(focus, "Ctrl+A")
    press(focus, "Ctrl+C")  # whatever the first field holds goes to the clipboard; the lock must clear it
    press(window, page_key(window, "Settings"))
    QTest.qWait(100)
    press(window, "Ctrl+L")
    wait_until(lambda: isinstance(controller.window, UnlockWindow), "the lock")

    window = unlock(controller)  # once more, then quit from the menu's shortcut
    press(window, page_key(window, "Caseload"))
    QTest.qWait(100)
    press(window, "Ctrl+Q")
    wait_until(lambda: controller.window is None, "the app to quit")
    app.processEvents()
    QThreadPool.globalInstance().waitForDone(30_000)  # as run_app does: no loader outlives the app
    print("gui session: done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
