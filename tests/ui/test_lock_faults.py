"""Locking never depends on a view behaving: whatever a view, a dialog, a worker or the vault does,
the vault ends closed, its key and lock dropped, nothing on screen names a client, the unlock screen
is up, and the failure is reported (a bug in the crash dialog, without PHI).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import shiboken6
import sqlcipher3.dbapi2 as sqlcipher
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox
from pytestqt.qtbot import QtBot

from tests.conftest import PASSPHRASE
from tests.ui.test_lock import FIRST, LAST, ChartStandIn, ClientPage, PlainPage, widgets_showing
from therapy_desk.domain.clients import Client
from therapy_desk.errors import StorageFull, VaultLocked
from therapy_desk.storage.vault import Vault
from therapy_desk.ui.app import AppController
from therapy_desk.ui.caseload import CaseloadView
from therapy_desk.ui.dialogs import CrashDialog
from therapy_desk.ui.locking import WorkOutlivedLock
from therapy_desk.ui.main_window import ChartFactory, MainWindow, PageFactory
from therapy_desk.ui.ops import Ops
from therapy_desk.ui.settings import SettingsView
from therapy_desk.ui.unlock import UnlockWindow

pytestmark = pytest.mark.reliability  # a view, dialog, worker or the vault failing while the app locks

# -- what goes wrong -------------------------------------------------------------------------------


class Nasty(BaseException):
    """Not an Exception, not KeyboardInterrupt or SystemExit: what a careless `except Exception` lets through."""


def _bug() -> BaseException:
    return RuntimeError(f"could not save the draft for {FIRST} {LAST}")  # the message quotes the chart


def _user_error() -> BaseException:
    return StorageFull("The disk holding the vault is full. Free some space and try again.")


def _nasty() -> BaseException:
    return Nasty(f"{FIRST} {LAST}")


FAILURES: dict[str, Callable[[], BaseException]] = {"bug": _bug, "user error": _user_error, "base exception": _nasty}


def failing_page(make_error: Callable[[], BaseException]) -> PageFactory:
    class FailingPage(ClientPage):
        def clear_for_lock(self) -> None:
            raise make_error()  # before emptying anything: the names are still in its widgets

    return FailingPage


def failing_chart(make_error: Callable[[], BaseException]) -> ChartFactory:
    class FailingChart(ChartStandIn):
        def clear_for_lock(self) -> None:
            raise make_error()

    return FailingChart


class ChartThatWillNotHide(ChartStandIn):
    def hide(self) -> None:
        raise RuntimeError("hide refused")

    def clear_for_lock(self) -> None:
        raise RuntimeError("clear refused")  # so the names stay in it unless it really goes


class PageThatWillNotGo(ClientPage):
    def deleteLater(self) -> None:
        raise RuntimeError("deleteLater refused")

    def clear_for_lock(self) -> None:
        raise RuntimeError("clear refused")


class StubbornBox(QMessageBox):
    def reject(self) -> None:
        raise RuntimeError("reject refused")

    def done(self, result: int) -> None:
        raise RuntimeError("done refused")


# -- the app under test ----------------------------------------------------------------------------


@dataclass
class Running:
    controller: AppController
    main: MainWindow
    vault: Vault


@pytest.fixture
def start(qtbot: QtBot, vault: Vault, client_id: int) -> Iterator[Callable[..., Running]]:
    """Start the app on the open vault with the given views and the client's chart open."""
    made: list[AppController] = []

    def run(pages: list[tuple[str, PageFactory]] | None = None, chart: ChartFactory = ChartStandIn) -> Running:
        controller = AppController(
            pages=lambda: pages or [("Today", ClientPage), ("Settings", PlainPage)],
            chart_factory=lambda: chart,
            quit_app=lambda: None,
        )
        made.append(controller)
        main = controller.open_main(vault)
        main.open_chart(client_id)
        assert widgets_showing(LAST)  # the test can see PHI before the lock
        return Running(controller, main, vault)

    yield run
    for widget in QApplication.topLevelWidgets():  # crash dialogs and message boxes the lock left up
        if isinstance(widget, QDialog) and shiboken6.isValid(widget):
            QDialog.done(widget, 0)
            widget.deleteLater()
    for controller in made:
        window = controller.window
        if window is not None and shiboken6.isValid(window):
            window.close()
            window.deleteLater()
    qtbot.wait(1)


@pytest.fixture
def client_id(vault: Vault) -> int:
    client = vault.clients.create(Client(FIRST, LAST, date(1988, 3, 14)))
    assert client.id is not None
    return client.id


def crash_reports() -> list[CrashDialog]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, CrashDialog) and w.isVisible()]


def error_boxes() -> list[QMessageBox]:
    return [
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, QMessageBox) and w.isVisible() and w.accessibleName() == "Error message"
    ]


def assert_locked_safely(qtbot: QtBot, app: Running) -> None:
    """Closed, key and lock dropped, nothing names the client, the unlock screen is up."""
    assert not app.vault.is_open
    assert app.main.is_locked
    assert not app.main.isVisible()
    with Vault.open(app.vault.folder, PASSPHRASE) as again:  # the vault lock was released
        assert again.is_open
    assert isinstance(app.controller.window, UnlockWindow)
    assert app.controller.window.isVisible()
    qtbot.wait(20)  # deleted views are gone once the event loop turns
    assert widgets_showing(FIRST, LAST) == []


def assert_reported_as_bug(kind: type[BaseException], caplog: pytest.LogCaptureFixture) -> None:
    """A crash dialog names the failure's type; neither it nor the log names the client."""
    reports = crash_reports()
    assert reports, "the failure was swallowed"
    assert any(report.details.endswith(kind.__qualname__) for report in reports)
    for report in reports:
        assert FIRST not in report.details
        assert LAST not in report.details
    assert FIRST not in caplog.text
    assert LAST not in caplog.text


# -- a view's clear_for_lock raises ----------------------------------------------------------------


@pytest.mark.parametrize("failure", FAILURES)
def test_a_page_that_fails_to_clear_does_not_stop_the_lock(
    qtbot: QtBot, start: Callable[..., Running], caplog: pytest.LogCaptureFixture, failure: str
) -> None:
    caplog.set_level(logging.DEBUG)
    app = start(pages=[("Today", failing_page(FAILURES[failure])), ("Settings", PlainPage)])

    app.main.lock()

    assert_locked_safely(qtbot, app)
    _assert_reported(FAILURES[failure](), caplog)


@pytest.mark.parametrize("failure", FAILURES)
def test_a_chart_that_fails_to_clear_does_not_stop_the_lock(
    qtbot: QtBot, start: Callable[..., Running], caplog: pytest.LogCaptureFixture, failure: str
) -> None:
    caplog.set_level(logging.DEBUG)
    app = start(chart=failing_chart(FAILURES[failure]))

    app.main.lock()

    assert app.main.chart_windows() == []
    assert_locked_safely(qtbot, app)
    _assert_reported(FAILURES[failure](), caplog)


def _assert_reported(error: BaseException, caplog: pytest.LogCaptureFixture) -> None:
    if isinstance(error, StorageFull):  # a sentence the user can act on, not a bug
        (box,) = error_boxes()
        assert str(error) in box.text()
        assert FIRST not in box.text()
    else:
        assert_reported_as_bug(type(error), caplog)


def test_keyboard_interrupt_in_a_view_still_locks_then_goes_on(qtbot: QtBot, start: Callable[..., Running]) -> None:
    def interrupt() -> BaseException:
        return KeyboardInterrupt()

    app = start(pages=[("Today", failing_page(interrupt)), ("Settings", PlainPage)])

    with pytest.raises(KeyboardInterrupt):
        app.main.lock()

    assert_locked_safely(qtbot, app)
    assert crash_reports() == []  # Ctrl+C in a terminal is not a bug


# -- hiding, deleting and dismissing raise ---------------------------------------------------------


def test_a_chart_whose_hide_raises_is_still_hidden_and_deleted(
    qtbot: QtBot, start: Callable[..., Running], caplog: pytest.LogCaptureFixture
) -> None:
    app = start(chart=ChartThatWillNotHide)
    (chart,) = app.main.chart_windows()
    assert chart.isVisible()

    app.main.lock()

    assert not chart.isVisible()
    assert_locked_safely(qtbot, app)
    assert not shiboken6.isValid(chart)
    assert_reported_as_bug(RuntimeError, caplog)


def test_a_page_whose_delete_later_raises_is_still_deleted(
    qtbot: QtBot, start: Callable[..., Running], caplog: pytest.LogCaptureFixture
) -> None:
    app = start(pages=[("Today", PageThatWillNotGo), ("Settings", PlainPage)])
    page = app.main.current_page()
    assert isinstance(page, PageThatWillNotGo)

    app.main.lock()

    assert_locked_safely(qtbot, app)
    assert not shiboken6.isValid(page)
    assert_reported_as_bug(RuntimeError, caplog)


def test_a_message_whose_reject_raises_is_still_closed(
    qtbot: QtBot, start: Callable[..., Running], caplog: pytest.LogCaptureFixture
) -> None:
    app = start()
    box = StubbornBox(QMessageBox.Icon.Information, "Therapy Desk", f"{FIRST} {LAST} has a balance.", parent=app.main)
    box.open()
    assert box.isVisible()

    app.main.lock()

    assert_locked_safely(qtbot, app)
    assert not shiboken6.isValid(box)
    assert_reported_as_bug(RuntimeError, caplog)


# -- the vault's own close raises ------------------------------------------------------------------


def test_a_failing_lock_entry_in_the_audit_log_still_closes_the_vault(
    qtbot: QtBot, start: Callable[..., Running], caplog: pytest.LogCaptureFixture
) -> None:
    app = start()
    # A real fault in the real database, on this connection only: writing the "lock" event fails.
    app.vault.db.execute(
        "CREATE TEMP TRIGGER refuse_lock BEFORE INSERT ON main.audit_log WHEN NEW.event = 'lock' "
        "BEGIN SELECT RAISE(ABORT, 'no room for the lock entry'); END"
    )

    app.main.lock()

    assert_locked_safely(qtbot, app)
    assert_reported_as_bug(sqlcipher.IntegrityError, caplog)


# -- background work that will not stop ------------------------------------------------------------


class Stubborn:
    """Work that ignores Cancel until the test lets it go, then tries to write."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.done = threading.Event()
        self.outcome: str | None = None

    def __call__(self, handle: Vault) -> str:
        try:
            self.release.wait(20)
            try:
                handle.practice.set_setting("test.late", "written after the lock")
            except VaultLocked:
                self.outcome = "refused"
                raise
            self.outcome = "written"
            return f"{FIRST} {LAST}"
        finally:
            self.done.set()


@pytest.fixture
def stubborn() -> Iterator[Stubborn]:
    work = Stubborn()
    yield work
    work.release.set()
    assert work.done.wait(25)


def test_work_that_ignores_cancel_does_not_hold_the_lock_open(
    qtbot: QtBot, start: Callable[..., Running], stubborn: Stubborn, caplog: pytest.LogCaptureFixture
) -> None:
    app = start()
    delivered: list[Any] = []
    app.main.ops.run(stubborn, label="Saving", cancellable=True).success(delivered.append).start()
    app.main.lock_wait_limit_ms = 300

    started = time.monotonic()
    app.main.lock()

    assert time.monotonic() - started < 5
    assert_locked_safely(qtbot, app)
    assert_reported_as_bug(WorkOutlivedLock, caplog)

    stubborn.release.set()
    assert stubborn.done.wait(10)
    qtbot.wait(50)
    assert delivered == []  # its result never reaches the locked window
    assert widgets_showing(FIRST, LAST) == []


def test_a_vault_unlocked_by_work_abandoned_meanwhile_is_locked_again(qtbot: QtBot, created: tuple[Path, str]) -> None:
    folder = created[0]
    started, release, done = threading.Event(), threading.Event(), threading.Event()

    def unlock_slowly() -> Vault:
        try:
            started.set()
            release.wait(20)
            return Vault.open(folder, PASSPHRASE)
        finally:
            done.set()

    ops = Ops(None)
    delivered: list[Any] = []
    ops.run_plain(unlock_slowly, label="Unlocking").success(delivered.append).start()
    assert started.wait(10)
    assert ops.abandon_all() == ["Unlocking"]
    assert not ops.busy

    release.set()
    assert done.wait(10)
    qtbot.wait(100)  # the result crosses to the GUI thread
    assert delivered == []
    with Vault.open(folder, PASSPHRASE) as again:  # nobody holds the vault the abandoned work opened
        assert again.is_open


def test_work_abandoned_by_the_lock_can_no_longer_write(
    qtbot: QtBot, start: Callable[..., Running], stubborn: Stubborn
) -> None:
    app = start()
    app.main.ops.run(stubborn, label="Saving").start()
    app.main.lock_wait_limit_ms = 300
    app.main.lock()

    stubborn.release.set()
    assert stubborn.done.wait(10)
    assert stubborn.outcome == "refused"
    with Vault.open(app.vault.folder, PASSPHRASE) as again:
        assert again.practice.setting("test.late") is None


# -- the real views empty themselves even when saving first fails ----------------------------------


def refuse_writes_to(vault: Vault, table: str) -> None:
    """A real fault in the real database, on this connection only: every insert into `table` fails."""
    assert table in {"clients", "settings"}
    vault.db.execute(
        f"CREATE TEMP TRIGGER refuse_{table} BEFORE INSERT ON main.{table} "
        "BEGIN SELECT RAISE(ABORT, 'the disk went away'); END"
    )


def test_settings_wipes_a_typed_passphrase_even_when_saving_fails(qtbot: QtBot, vault: Vault, ops: Ops) -> None:
    view = SettingsView(vault, ops)
    qtbot.addWidget(view)
    view.show()
    view.auto_lock.setValue(25)  # a pending change the lock saves first
    dialog = view.open_change_passphrase()
    qtbot.keyClicks(dialog.current, PASSPHRASE)
    refuse_writes_to(vault, "settings")

    with pytest.raises(Exception, match="disk went away"):
        view.clear_for_lock()

    assert dialog.current.text() == ""
    assert not dialog.isVisible()


def test_caseload_empties_its_list_even_when_saving_the_new_client_fails(
    qtbot: QtBot, vault: Vault, ops: Ops, client_id: int
) -> None:
    view = CaseloadView(vault, ops)
    qtbot.addWidget(view)
    view.show()
    view.refresh()
    qtbot.waitUntil(lambda: view.model.rowCount() == 1)
    dialog = view.add_client()
    qtbot.keyClicks(dialog.form.field_widget("legal_first"), "Marisol")
    qtbot.keyClicks(dialog.form.field_widget("legal_last"), "Quintero")
    qtbot.keyClicks(dialog.form.field_widget("dob"), "07/04/1988")
    refuse_writes_to(vault, "clients")

    with pytest.raises(Exception, match="disk went away"):
        view.clear_for_lock()

    assert view.model.rowCount() == 0
    assert not dialog.isVisible()
    assert widgets_showing(FIRST, LAST, "Quintero") == []
