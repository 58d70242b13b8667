"""`Ops`: the one helper for work off the GUI thread (after Anki's CollectionOp).

    ops.run(lambda vault: vault.caseload.page(), label="Loading caseload").success(show).start()

- `run(fn)`: `fn` gets a worker handle on the vault, opened on the worker thread with
  `vault.for_worker()` (its own connection) and closed after. Vault work is queued one op at a time,
  so two writes from the GUI never overlap; pass `writes=False` for a read that may run alongside.
- `run_plain(fn)`: work without the open vault (the KDF, creating or unlocking a vault, building the demo).
  A `Vault` that `fn` returns (alone or inside a tuple) is handed to the GUI thread: its connection is
  closed on the worker and reopened on the GUI thread before `success` runs.
- `fn` may declare a `progress` parameter, a callable `progress(done, total)`, and an `is_cancelled`
  parameter, a callable returning whether the user pressed Cancel. With `cancellable=True`, `progress`
  also raises `OpCancelled` after Cancel, so work inside a store transaction rolls back.
- A progress dialog appears only if the work lasts longer than `progress_delay_ms` (600 ms).
- Callbacks run on the GUI thread. A `UserError` goes to `failure` if one is set, else to the one error
  dialog (its sentence); anything else is a bug: logged without PHI and shown in the crash dialog.
- `abandon_all()` is for a lock that cannot wait any longer: work still running is left to end on its
  own, and nothing it returns or raises reaches the (locked) window.
"""

from __future__ import annotations

import inspect
import threading
import time
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, Qt, QThreadPool, QTimer, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from therapy_desk.errors import UserError
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import dialogs

PROGRESS_DELAY_MS = 600
_PROGRESS_INTERVAL_S = 0.05  # at most 20 progress updates a second cross to the GUI thread
_EXTRAS = ("progress", "is_cancelled")


class OpCancelled(Exception):
    """The user pressed Cancel; raised inside the work by `progress()` so a transaction rolls back."""


def _extras_for(fn: Callable[..., Any]) -> tuple[str, ...]:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return ()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return _EXTRAS
    return tuple(name for name in _EXTRAS if name in params)


def _vaults_in(result: object) -> list[Vault]:
    if isinstance(result, Vault):
        return [result]
    if isinstance(result, tuple):
        return [item for item in result if isinstance(item, Vault)]
    return []


class Op(QObject):
    """One piece of background work. Configure with the fluent methods, then `start()`."""

    _succeeded = Signal(object)
    _failed = Signal(object)
    _progressed = Signal(int, int)

    def __init__(
        self,
        ops: Ops,
        fn: Callable[..., Any],
        *,
        label: str,
        cancellable: bool,
        vault: Vault | None,
        writes: bool,
        parent: QWidget | None,
    ) -> None:
        super().__init__()
        self._ops = ops
        self._fn = fn
        self.label = label
        self.cancellable = cancellable
        self._vault = vault
        self._writes = writes
        self._parent = parent
        self._on_success: Callable[[Any], None] | None = None
        self._on_failure: Callable[[UserError], None] | None = None
        self._on_finished: Callable[[], None] | None = None
        self._cancel = threading.Event()
        self._last_progress = 0.0
        self._dialog: QProgressDialog | None = None
        self._delay = QTimer(self)
        self._delay.setSingleShot(True)
        self._delay.timeout.connect(self._show_progress)
        self._started = False
        self._abandoned = False
        self._quiet = False
        self._succeeded.connect(self._deliver_success, Qt.ConnectionType.QueuedConnection)
        self._failed.connect(self._deliver_failure, Qt.ConnectionType.QueuedConnection)
        self._progressed.connect(self._show_step, Qt.ConnectionType.QueuedConnection)

    # -- fluent configuration ------------------------------------------------------------------

    def success(self, callback: Callable[[Any], None]) -> Op:
        """Called on the GUI thread with what `fn` returned."""
        self._on_success = callback
        return self

    def failure(self, callback: Callable[[UserError], None]) -> Op:
        """Called on the GUI thread with a `UserError` instead of the error dialog (bugs still crash-dialog)."""
        self._on_failure = callback
        return self

    def finished(self, callback: Callable[[], None]) -> Op:
        """Called last on the GUI thread however the op ended (success, failure, cancel, bug)."""
        self._on_finished = callback
        return self

    def quiet(self) -> Op:
        """No progress dialog however long it lasts (work in the background that the window reports itself)."""
        self._quiet = True
        return self

    def start(self) -> Op:
        if self._started:
            raise RuntimeError("an op starts once")
        self._started = True
        self._ops._begin(self)
        if not self._quiet:
            self._delay.start(self._ops.progress_delay_ms)
        pool = self._ops._write_pool if self._writes else self._ops._pool
        pool.start(self._work)
        return self

    def cancel(self) -> None:
        """Ask cancellable work to stop at its next `progress()` or `is_cancelled()` check."""
        if self.cancellable:
            self._cancel.set()

    def abandon(self) -> None:
        """Stop caring about this work: no callback, dialog or progress from it reaches the GUI again."""
        self._abandoned = True
        self._stop_progress()

    # -- worker thread -------------------------------------------------------------------------

    def _work(self) -> None:
        if self._abandoned:  # still queued when its window locked: the vault it would open is closed
            self._failed.emit(OpCancelled())
            return
        try:
            extras: dict[str, Any] = {}
            wanted = _extras_for(self._fn)
            if "progress" in wanted:
                extras["progress"] = self._report
            if "is_cancelled" in wanted:
                extras["is_cancelled"] = self._cancel.is_set
            if self._vault is not None:
                with self._vault.for_worker() as handle:
                    result = self._fn(handle, **extras)
            else:
                result = self._fn(**extras)
            for opened in _vaults_in(result):
                opened.release_thread()
        except BaseException as exc:
            self._failed.emit(exc)
            return
        self._succeeded.emit(result)

    def _report(self, done: int, total: int) -> None:
        if self._cancel.is_set():
            raise OpCancelled
        now = time.monotonic()
        if done >= total or now - self._last_progress >= _PROGRESS_INTERVAL_S:
            self._last_progress = now
            self._progressed.emit(int(done), int(total))

    # -- GUI thread ----------------------------------------------------------------------------

    def _dialog_parent(self) -> QWidget | None:
        for widget in (self._parent, self._ops.parent_widget):
            if widget is not None and shiboken6.isValid(widget):
                return widget
        return None

    @Slot()
    def _show_progress(self) -> None:
        dialog = QProgressDialog(self._dialog_parent())
        dialog.setWindowTitle("Therapy Desk")
        dialog.setLabelText(self.label)
        dialog.setAccessibleName(self.label)
        dialog.setRange(0, 0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setMinimumDuration(0)
        dialog.setMinimumWidth(360)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        if self.cancellable:
            dialog.setCancelButtonText("&Cancel")
            dialog.canceled.connect(self._user_cancelled)
        else:
            dialog.setCancelButton(None)  # Qt accepts none: no dead Cancel button
        self._dialog = dialog
        dialog.show()

    @Slot()
    def _user_cancelled(self) -> None:
        self.cancel()
        if self._dialog is not None:
            self._dialog.setLabelText(f"{self.label} — cancelling…")

    @Slot(int, int)
    def _show_step(self, done: int, total: int) -> None:
        if self._dialog is not None and total > 0:
            self._dialog.setRange(0, total)
            self._dialog.setValue(min(done, total))

    def _stop_progress(self) -> None:
        self._delay.stop()
        if self._dialog is not None:
            self._dialog.hide()
            self._dialog.deleteLater()
            self._dialog = None

    @Slot(object)
    def _deliver_success(self, result: object) -> None:
        self._stop_progress()
        if self._abandoned:
            for opened in _vaults_in(result):
                opened.close()  # handed over to nobody: lock it again
            self._end()
            return
        try:
            for opened in _vaults_in(result):
                opened.adopt_thread()
            if self._on_success is not None:
                self._on_success(result)
        except BaseException as exc:
            self._report_error(exc)
        self._end()

    @Slot(object)
    def _deliver_failure(self, exc: BaseException) -> None:
        self._stop_progress()
        if not isinstance(exc, OpCancelled) and not self._abandoned:
            self._report_error(exc)
        self._end()

    def _report_error(self, exc: BaseException) -> None:
        try:
            if isinstance(exc, UserError) and self._on_failure is not None:
                self._on_failure(exc)
            elif isinstance(exc, UserError):
                dialogs.show_error(self._dialog_parent(), str(exc))
            else:
                dialogs.show_crash(self._dialog_parent(), exc)
        except BaseException as err:
            dialogs.show_crash(self._dialog_parent(), err)

    def _end(self) -> None:
        try:
            if self._on_finished is not None and not self._abandoned:
                self._on_finished()
        except BaseException as exc:
            dialogs.show_crash(self._dialog_parent(), exc)
        finally:
            self._ops._forget(self)


class Ops(QObject):
    """Runs work off the GUI thread for one window. `vault` is the open vault `run()` works on."""

    idle = Signal()  # no op left running or queued

    def __init__(
        self,
        parent: QWidget | None = None,
        vault: Vault | None = None,
        *,
        progress_delay_ms: int = PROGRESS_DELAY_MS,
    ) -> None:
        super().__init__(parent)
        self.parent_widget = parent
        self.vault = vault
        self.progress_delay_ms = progress_delay_ms
        self._write_pool = QThreadPool(self)
        self._write_pool.setMaxThreadCount(1)  # vault work in order, never two writes at once
        self._pool = QThreadPool(self)
        self._active: list[Op] = []
        self._abandoned: list[Op] = []  # kept alive until their worker returns

    def run(
        self,
        fn: Callable[..., Any],
        *,
        label: str = "Working…",
        cancellable: bool = False,
        writes: bool = True,
        parent: QWidget | None = None,
    ) -> Op:
        """Work on the vault: `fn(worker_vault, [progress=…], [is_cancelled=…])`. Call `.start()`."""
        if self.vault is None:
            raise RuntimeError("Ops.run needs the open vault: Ops(parent, vault) or use run_plain")
        return Op(self, fn, label=label, cancellable=cancellable, vault=self.vault, writes=writes, parent=parent)

    def run_plain(
        self,
        fn: Callable[..., Any],
        *,
        label: str = "Working…",
        cancellable: bool = False,
        parent: QWidget | None = None,
    ) -> Op:
        """Work without the open vault: `fn([progress=…], [is_cancelled=…])`. Call `.start()`."""
        return Op(self, fn, label=label, cancellable=cancellable, vault=None, writes=False, parent=parent)

    @property
    def busy(self) -> bool:
        return bool(self._active)

    def cancel_all(self) -> None:
        """Ask every cancellable op to stop (used before locking)."""
        for op in list(self._active):
            op.cancel()

    def abandon_all(self) -> list[str]:
        """Give up on the work still running or queued (a lock that cannot wait longer); returns its labels.

        The work goes on until it returns (Python cannot stop a thread), but nothing it returns or raises
        reaches the GUI, a vault it opens is closed again, work not yet started never starts, and this
        object no longer waits for it: its thread pools move to the application, which outlives them.
        """
        labels = [op.label for op in self._active]
        for op in self._active:
            op.abandon()
        self._abandoned += self._active
        self._active = []
        for pool in (self._write_pool, self._pool):
            # A pool's destructor waits for its threads: deleting this window must not wait for the work.
            pool.setParent(QCoreApplication.instance())
        if shiboken6.isValid(self):
            self.idle.emit()
        return labels

    def wait_idle(self, timeout_ms: int = 10_000) -> bool:
        """Run the event loop until every op has finished and called back; False on timeout."""
        if not self._active:
            return True
        loop = QEventLoop()
        timer = QTimer()
        timer.setSingleShot(True)
        timer.timeout.connect(loop.quit)
        self.idle.connect(loop.quit)
        timer.start(timeout_ms)
        try:
            loop.exec()
        finally:
            timer.stop()
            self.idle.disconnect(loop.quit)
        return not self._active

    def _begin(self, op: Op) -> None:
        self._active.append(op)

    def _forget(self, op: Op) -> None:
        if op in self._active:
            self._active.remove(op)
        if op in self._abandoned:
            self._abandoned.remove(op)
        op.deleteLater()
        if not self._active and shiboken6.isValid(self):
            self.idle.emit()
