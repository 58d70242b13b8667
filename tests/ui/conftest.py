"""Fixtures the GUI tests share."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
import shiboken6
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from therapy_desk.storage.vault import Vault
from therapy_desk.ui.app import AppController
from therapy_desk.ui.main_window import MainWindow
from therapy_desk.ui.ops import Ops


@pytest.fixture
def ops(vault: Vault) -> Iterator[Ops]:
    """The app's runner of long work on `vault`, idle again after the test."""
    helper = Ops(None, vault)
    yield helper
    helper.wait_idle()


@pytest.fixture
def controller(qtbot: QtBot) -> Iterator[AppController]:
    """The app's window controller with the test pages (`test_main_window._pages`), one app per vault off,
    quitting nothing; the vault it shows is locked and its window closed after the test."""
    from tests.ui.test_main_window import _pages

    app = AppController(pages=_pages, chart_factory=lambda: None, quit_app=lambda: None, single_instance=False)
    yield app
    window = app.window
    if isinstance(window, MainWindow) and not window.is_locked:
        window.lock()
    if app.window is not None and shiboken6.isValid(app.window):
        app.window.close()


@pytest.fixture(autouse=True)
def collect_on_the_gui_thread(qapp: QApplication) -> Iterator[None]:
    """What a test dropped is destroyed here, on the GUI thread, after its widgets are closed.

    Left to Python's cyclic collector, a dropped AppController could be destroyed later from whichever
    thread happened to allocate (the ICD code set loader, an Ops job), together with the single-instance
    server's socket notifier that the GUI thread's event loop was still polling: a segfault in a later test.
    """
    yield
    gc.collect()
    gc.freeze()  # what survives is not scanned again: the next test's collection stays a few milliseconds
