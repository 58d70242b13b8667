"""The self-test's last step (`therapy_desk.self_test`): the main window built on the test vault, offscreen, and
shown on the caseload, the way a clinician first sees it after unlocking. Nothing is drawn on a screen."""

from __future__ import annotations

import os
import time

from PySide6.QtCore import qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from therapy_desk.errors import UserError
from therapy_desk.storage.vault import Vault

WAIT_SECONDS = 15.0


def show_caseload(vault: Vault) -> int:
    """How many clients the caseload shows once it has loaded; the window is closed again (the vault stays
    open: the self-test closes it)."""
    if QApplication.instance() is None:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # no window on the user's screen, and none needed in CI
    from therapy_desk.ui.app import default_chart_factory, default_pages, make_application
    from therapy_desk.ui.caseload import CaseloadView
    from therapy_desk.ui.main_window import MainWindow

    app = make_application(["therapy-desk"])
    # The offscreen platform warns about what it cannot do (window size hints): not the self-test's verdict.
    previous = qInstallMessageHandler(lambda _kind, _context, _message: None)
    window = MainWindow(vault, default_pages(), chart_factory=default_chart_factory())
    try:
        window.show()
        window.show_page(window.page_titles.index("Caseload"))
        page = window.current_page()
        if not isinstance(page, CaseloadView):
            raise UserError("The Caseload page did not open.")
        deadline = time.monotonic() + WAIT_SECONDS
        while (page.model.rowCount() == 0 or window.ops.busy) and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.01)
        return page.model.rowCount()
    finally:
        window.hide()
        window.ops.wait_idle()
        window.deleteLater()
        app.processEvents()
        qInstallMessageHandler(previous)
