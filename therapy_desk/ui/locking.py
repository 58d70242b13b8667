"""The steps of a lock that must each run whatever the others do (`MainWindow.lock`): views cleared,
windows and dialogs discarded, and what went wrong reported once the vault is locked."""

from __future__ import annotations

import logging
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from therapy_desk.errors import UserError
from therapy_desk.ui import dialogs

log = logging.getLogger(__name__)


class WorkOutlivedLock(RuntimeError):
    """Background work went on past a lock (it ignored Cancel): the lock went ahead without it."""


class Steps:
    """Runs each step of a lock whatever the ones before it raised, keeping what they raised."""

    def __init__(self) -> None:
        self.problems: list[BaseException] = []

    def run(self, step: Callable[..., object], *args: object) -> None:
        try:
            step(*args)
        except BaseException as exc:  # even KeyboardInterrupt: the vault gets closed first
            self.problems.append(exc)

    def reraise_interrupt(self) -> None:
        """Ctrl+C or an exit asked for during the lock goes on once the vault is locked."""
        for problem in self.problems:
            if isinstance(problem, KeyboardInterrupt | SystemExit):
                raise problem


def clear(view: QWidget) -> None:
    clear = getattr(view, "clear_for_lock", None)
    if clear is not None and shiboken6.isValid(view):
        clear()


def discard(widget: QWidget) -> None:
    """Hide `widget` and delete it when the event loop turns, even if its own methods raise."""
    if not shiboken6.isValid(widget):
        return
    try:
        widget.hide()  # not close(): an "unsaved changes?" question must not stop the lock
        widget.deleteLater()
    finally:
        # Qt's own methods, which a view cannot override: the chart goes whatever the view's did.
        QWidget.hide(widget)
        QObject.deleteLater(widget)


def open_dialogs() -> list[QDialog]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QDialog) and w.isVisible()]


def dismiss(dialog: QDialog) -> None:
    try:
        if shiboken6.isValid(dialog):
            dialog.reject()  # lets a dialog wipe what it holds
    finally:
        discard(dialog)


# Reports shown after a lock belong to no window (the main window is about to be deleted): without a
# reference a parentless dialog would be collected, and the report silently lost, as soon as it opened.
_reports: set[QWidget] = set()


def report(problems: list[BaseException]) -> None:
    """Show what went wrong during a lock: a sentence for a `UserError`, the crash dialog for a bug."""
    for problem in problems:
        if isinstance(problem, KeyboardInterrupt | SystemExit):
            continue
        try:
            shown: QWidget
            if isinstance(problem, UserError):
                shown = dialogs.show_error(None, f"The vault is locked, but a draft may not have been saved: {problem}")
            else:
                shown = dialogs.show_crash(None, problem)
        except Exception:  # the report failed too: the log still has the bug, without PHI
            log.error("could not show a problem met while locking")
            continue
        _reports.add(shown)
        shown.destroyed.connect(lambda _obj=None, widget=shown: _reports.discard(widget))
