"""`Ops`: work off the GUI thread with its own connection, progress only when slow, one error path."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QProgressDialog, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from tests.conftest import CHEAP_KDF, PASSPHRASE
from therapy_desk.domain.clients import Client
from therapy_desk.errors import UserError, VaultInUse, VaultLocked
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import dialogs
from therapy_desk.ui.dialogs import CrashDialog
from therapy_desk.ui.ops import PROGRESS_DELAY_MS, Ops

NAME = "Oluwaseun Marchetti-Adebayo"


@pytest.fixture
def window(qtbot: QtBot) -> QWidget:
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.show()
    return widget


@pytest.fixture
def errors(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The sentences the one error dialog would have shown."""
    shown: list[str] = []
    monkeypatch.setattr(dialogs, "show_error", lambda _parent, sentence: shown.append(sentence))
    return shown


def _visible_progress() -> list[QProgressDialog]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QProgressDialog) and w.isVisible()]


def _watch_progress(ops: Ops) -> list[str]:
    """Labels of every progress dialog seen on screen while `ops` works."""
    seen: list[str] = []
    timer = QTimer(ops)
    timer.timeout.connect(lambda: seen.extend(d.labelText() for d in _visible_progress()))
    timer.start(10)
    ops.idle.connect(timer.stop)
    return seen


def test_results_arrive_on_the_gui_thread_from_a_worker_with_its_own_connection(window: QWidget, vault: Vault) -> None:
    ops = Ops(window, vault)
    seen: dict[str, Any] = {}

    def work(handle: Vault) -> int:
        seen["worker_thread"] = threading.get_ident()
        seen["handle"] = handle
        seen["own_connection"] = handle.db.conn is not vault.db.conn
        client = handle.clients.create(Client("Oluwaseun", "Marchetti-Adebayo", date(1990, 4, 2)))
        assert client.id is not None
        return client.id

    def done(client_id: int) -> None:
        seen["callback_thread"] = threading.get_ident()
        seen["name"] = vault.clients.get(client_id).legal_name  # the GUI's own connection sees the write

    ops.run(work, label="Adding a client").success(done).start()
    assert ops.wait_idle(5000)

    assert seen["callback_thread"] == threading.main_thread().ident
    assert seen["worker_thread"] != threading.main_thread().ident
    assert seen["own_connection"]
    assert not seen["handle"].is_open  # the worker's handle was closed after the work
    assert vault.is_open
    assert "Marchetti-Adebayo" in seen["name"]


def test_quick_work_shows_no_progress_dialog(window: QWidget, vault: Vault) -> None:
    ops = Ops(window, vault)  # the real delay
    seen = _watch_progress(ops)
    results: list[int] = []

    def quick(handle: Vault) -> int:
        time.sleep(PROGRESS_DELAY_MS / 2000)  # half the delay
        return 7

    ops.run(quick, label="Quick work").success(results.append).start()
    assert ops.wait_idle(5000)

    assert results == [7]
    assert seen == []


def test_slow_work_shows_a_progress_dialog_until_it_ends(qtbot: QtBot, window: QWidget) -> None:
    ops = Ops(window, progress_delay_ms=100)
    release = threading.Event()
    ops.run_plain(lambda: release.wait(5), label="Building the demo practice…").start()

    qtbot.waitUntil(lambda: bool(_visible_progress()), timeout=2000)
    (dialog,) = _visible_progress()
    assert dialog.labelText() == "Building the demo practice…"
    assert not [b for b in dialog.findChildren(QPushButton) if b.isVisible()]  # not cancellable: no Cancel

    release.set()
    assert ops.wait_idle(5000)
    assert _visible_progress() == []


def test_progress_is_shown_and_cancel_rolls_the_work_back(qtbot: QtBot, window: QWidget, vault: Vault) -> None:
    ops = Ops(window, vault, progress_delay_ms=50)
    outcome: list[str] = []
    before = vault.clients.count()

    def work(handle: Vault, progress: Callable[[int, int], None]) -> None:
        with handle.transaction():
            handle.clients.create(Client("Oluwaseun", "Marchetti-Adebayo", date(1990, 4, 2)))
            for step in range(1000):
                progress(step, 1000)
                time.sleep(0.01)

    (
        ops.run(work, label="Importing", cancellable=True)
        .success(lambda _r: outcome.append("success"))
        .failure(lambda err: outcome.append(f"failure {err}"))
        .finished(lambda: outcome.append("finished"))
        .start()
    )
    qtbot.waitUntil(lambda: bool(_visible_progress()) and _visible_progress()[0].value() > 0, timeout=3000)
    dialog = _visible_progress()[0]
    assert dialog.maximum() == 1000
    cancel = next(b for b in dialog.findChildren(QPushButton) if b.isVisible())
    assert cancel.text().replace("&", "") == "Cancel"
    qtbot.mouseClick(cancel, _left())

    assert ops.wait_idle(5000)
    assert outcome == ["finished"]  # quietly stopped: neither success nor an error
    assert vault.clients.count() == before  # the worker's transaction rolled back


def test_work_can_check_for_cancel_itself(qtbot: QtBot, window: QWidget) -> None:
    ops = Ops(window, progress_delay_ms=0)
    steps: list[int] = []

    def work(is_cancelled: Callable[[], bool]) -> int:
        while not is_cancelled() and len(steps) < 500:
            steps.append(1)
            time.sleep(0.005)
        return len(steps)

    results: list[int] = []
    op = ops.run_plain(work, label="Counting", cancellable=True).success(results.append).start()
    qtbot.waitUntil(lambda: len(steps) > 3, timeout=2000)
    op.cancel()
    assert ops.wait_idle(5000)
    assert results
    assert results[0] < 500


def test_a_user_error_shows_its_sentence_in_the_error_dialog(window: QWidget, errors: list[str]) -> None:
    ops = Ops(window)
    sentence = "The vault at /x is in use by another Therapy Desk window or command. Close it there first."

    def work() -> None:
        raise VaultInUse(sentence)

    ops.run_plain(work, label="Opening").success(lambda _r: errors.append("success?")).start()
    assert ops.wait_idle(5000)
    assert errors == [sentence]


def test_a_failure_callback_takes_the_user_error_instead_of_the_dialog(window: QWidget, errors: list[str]) -> None:
    ops = Ops(window)
    inline: list[str] = []

    def work() -> None:
        raise UserError("That passphrase does not unlock this vault.")

    ops.run_plain(work).failure(lambda err: inline.append(str(err))).start()
    assert ops.wait_idle(5000)
    assert inline == ["That passphrase does not unlock this vault."]
    assert errors == []


def test_a_bug_goes_to_the_crash_dialog_and_the_log_without_phi(
    qtbot: QtBot, window: QWidget, errors: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    ops = Ops(window)
    inline: list[str] = []

    def work() -> None:
        raise ValueError(f"unexpected value for {NAME}, born 1990-04-02")

    with caplog.at_level(logging.ERROR):
        ops.run_plain(work).failure(lambda err: inline.append(str(err))).start()
        assert ops.wait_idle(5000)

    crash = next(w for w in QApplication.topLevelWidgets() if isinstance(w, CrashDialog) and w.isVisible())
    qtbot.addWidget(crash)
    assert "ValueError" in crash.details_view.toPlainText()
    assert "in work" in crash.details_view.toPlainText()  # where it happened
    assert NAME not in crash.details_view.toPlainText()
    assert "1990" not in crash.details_view.toPlainText()
    assert "ValueError" in caplog.text
    assert NAME not in caplog.text
    assert inline == []  # a bug never reaches the view as if it were a sentence
    assert errors == []

    qtbot.mouseClick(crash.copy_button, _left())
    assert QGuiApplication.clipboard().text() == crash.details
    assert str(Path.home()) not in crash.details


def test_work_on_the_vault_runs_one_op_at_a_time_in_order(window: QWidget, vault: Vault) -> None:
    ops = Ops(window, vault)
    spans: list[tuple[str, float, float]] = []

    def write(name: str) -> Callable[[Vault], None]:
        def work(handle: Vault) -> None:
            start = time.monotonic()
            handle.practice.set_setting("test.last_writer", name)
            time.sleep(0.15)
            spans.append((name, start, time.monotonic()))

        return work

    ops.run(write("first")).start()
    ops.run(write("second")).start()
    assert ops.busy
    assert ops.wait_idle(5000)

    (first, _a_start, a_end), (second, b_start, _b_end) = spans
    assert (first, second) == ("first", "second")
    assert b_start >= a_end  # never two writes at once
    assert vault.practice.setting("test.last_writer") == "second"


def test_a_vault_unlocked_on_a_worker_is_used_on_the_gui_thread(window: QWidget, created: tuple[Path, str]) -> None:
    folder, _code = created
    ops = Ops(window)
    opened: list[Vault] = []

    ops.run_plain(lambda: Vault.open(folder, PASSPHRASE), label="Unlocking").success(opened.append).start()
    assert ops.wait_idle(5000)

    (vault,) = opened
    try:
        assert vault.clients.count() == 0  # usable here, on the GUI thread
    finally:
        vault.close()


def test_a_vault_created_on_a_worker_arrives_with_its_recovery_code(window: QWidget, tmp_path: Path) -> None:
    ops = Ops(window)
    results: list[tuple[Vault, str]] = []

    ops.run_plain(lambda: Vault.create(tmp_path / "new", PASSPHRASE, kdf=CHEAP_KDF)).success(results.append).start()
    assert ops.wait_idle(5000)

    ((vault, code),) = results
    try:
        vault.practice.set_setting("created.here", "yes")
        assert vault.practice.setting("created.here") == "yes"
        assert code
    finally:
        vault.close()


def test_work_after_the_vault_locked_says_so(window: QWidget, vault: Vault, errors: list[str]) -> None:
    ops = Ops(window, vault)
    vault.close()
    ops.run(lambda handle: handle.clients.count()).start()
    assert ops.wait_idle(5000)
    assert errors == ["The vault is locked. Unlock it to continue."]


def test_wait_idle_gives_up_after_its_timeout_and_idle_fires_when_done(qtbot: QtBot, window: QWidget) -> None:
    ops = Ops(window)
    release = threading.Event()
    ops.run_plain(lambda: release.wait(5)).start()
    assert not ops.wait_idle(50)
    with qtbot.waitSignal(ops.idle, timeout=3000):
        release.set()
    assert not ops.busy


def _left() -> Any:
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def test_a_vault_handed_over_but_never_taken_still_locks_when_closed(created: tuple[Path, str]) -> None:
    folder, _code = created
    handed: list[Vault] = []

    def unlock_on_a_worker() -> None:
        vault = Vault.open(folder, PASSPHRASE)
        vault.release_thread()
        handed.append(vault)

    worker = threading.Thread(target=unlock_on_a_worker)
    worker.start()
    worker.join()

    (vault,) = handed
    vault.close()  # never adopted: the key is dropped and the vault lock released all the same
    Vault.open(folder, PASSPHRASE).close()
    with pytest.raises(VaultLocked):
        vault.adopt_thread()
