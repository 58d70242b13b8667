"""Every window and view of the app on one small screen: does each fit, and is each control in sight?

    QT_QPA_PLATFORM=offscreen:configfile=SCREEN.json python -m tests.ui.small_screen VAULT_DIR CLIENT_ID

Run by test_small_screen.py in a child process, because the offscreen screen's size is fixed when the
QApplication starts. Prints one JSON list of what does not fit (empty when everything does).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QPoint, QRect
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QStatusBar,
    QTabWidget,
    QWidget,
)

import tests.cheap_kdf_child  # noqa: F401  (the test vault is made with the cheap KDF)
from tests.conftest import PASSPHRASE
from therapy_desk.storage.vault import Vault
from therapy_desk.ui.app import AppController, make_application
from therapy_desk.ui.chart import TAB_BILLING, ChartWindow
from therapy_desk.ui.first_run import WelcomeWindow
from therapy_desk.ui.unlock import UnlockWindow
from therapy_desk.ui.windows import FRAME_ALLOWANCE

CONTROLS = (QAbstractButton, QLineEdit, QComboBox, QAbstractItemView, QStatusBar)
problems: list[str] = []


def settle() -> None:
    for _ in range(10):
        QCoreApplication.processEvents()


def _in_scroll_area(widget: QWidget, window: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        if isinstance(parent, QAbstractScrollArea) and not isinstance(widget, QAbstractItemView):
            return True
        parent = parent.parentWidget()
    return False


def check(window: QWidget, what: str) -> None:
    """The window and its frame fit the screen's free area; every control outside a scroll area is in sight."""
    settle()
    available = window.screen().availableGeometry()
    outer = QRect(window.pos(), window.size() + FRAME_ALLOWANCE)
    if not available.contains(outer):
        problems.append(f"{what}: the window ({outer.getRect()}) does not fit the screen ({available.getRect()})")
    inside = window.rect()
    for control in window.findChildren(QWidget):
        if not isinstance(control, CONTROLS) or not control.isVisible() or _in_scroll_area(control, window):
            continue
        if isinstance(control.parentWidget(), QAbstractSpinBox):
            continue  # a date field's own text box: the field is what counts
        where = QRect(control.mapTo(window, QPoint(0, 0)), control.size())
        name = control.accessibleName() or getattr(control, "text", lambda: "")() or type(control).__name__
        if not inside.contains(where):
            problems.append(f"{what}: {name} at {where.getRect()} is cut off by the window {inside.getRect()}")
        elif isinstance(control, QAbstractButton | QLineEdit | QComboBox) and (
            control.height() < control.minimumSizeHint().height()
        ):
            problems.append(f"{what}: {name} is squeezed to {control.height()} px")


def check_tabs(window: QWidget, what: str) -> None:
    for tabs in window.findChildren(QTabWidget):
        if not tabs.isVisible():
            continue
        for index in range(tabs.count()):
            tabs.setCurrentIndex(index)
            check(window, f"{what}, {tabs.tabText(index)}")


def main(argv: list[str]) -> int:
    folder, client_id = Path(argv[1]), int(argv[2])
    app: QApplication = make_application([argv[0]])

    welcome = WelcomeWindow(vault_dir=folder.parent / "new-vault")
    welcome.show()
    for page in range(welcome.stack.count()):
        welcome.stack.setCurrentIndex(page)
        check(welcome, f"welcome page {page + 1}")
    welcome.close()
    unlock = UnlockWindow(folder)
    unlock.show()
    check(unlock, "unlock")
    unlock.show_recovery()
    check(unlock, "unlock, recovery")
    unlock.close()

    controller = AppController(quit_app=app.quit, single_instance=False)
    main_window = controller.open_main(Vault.open(folder, PASSPHRASE))
    for row, title in enumerate(main_window.page_titles):
        main_window.show_page(row)
        check(main_window, title)
        check_tabs(main_window, title)
    main_window.show_page(main_window.page_titles.index("Caseload"))
    caseload = main_window.current_page()
    add = caseload.add_client()  # type: ignore[union-attr]
    check(add, "Add client")
    add.reject()
    csv_import = caseload.import_csv()  # type: ignore[union-attr]
    check(csv_import, "Import clients from CSV")
    csv_import.reject()

    main_window.open_chart(client_id)
    (chart,) = main_window.chart_windows()
    assert isinstance(chart, ChartWindow)
    check_tabs(chart, "chart")
    chart.show_tab(0)
    chart.overview.start_edit()
    check(chart, "chart, editing demographics")
    chart.overview.cancel_edit()
    chart.show_tab(2)
    chart.plan.new_plan()
    check(chart, "chart, plan editor")
    chart.show_tab(TAB_BILLING)
    billing = chart.billing
    for name, make in (("Add coverage", billing.add_coverage), ("Record a payment", billing.record_payment)):
        dialog = make()
        assert dialog is not None
        check(dialog, name)
        dialog.reject()
    main_window.lock()
    settle()
    print(json.dumps(problems))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
