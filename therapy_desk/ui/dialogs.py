"""The one error dialog (a sentence the user can act on) and the one crash dialog (a bug).

Both open window-modal with `.open()`, never `exec()`, so nothing blocks a test or a worker callback.
The crash details hold the exception's type and the code locations of the traceback only: never the
exception's message or any value, since either may carry PHI.
"""

from __future__ import annotations

import logging
import platform
import sys
import traceback

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from therapy_desk import __version__
from therapy_desk.errors import UserError
from therapy_desk.ui import clipboard

log = logging.getLogger(__name__)

ERROR_TITLE = "Therapy Desk"
CRASH_TITLE = "Therapy Desk hit a bug"
CRASH_TEXT = (
    "Something went wrong inside Therapy Desk. This is a bug, not something you did. "
    "Your vault is safe: unsaved work in the window you were using may need to be typed again.\n\n"
    "If you report it, copy the details below. They name only the place in the program where it "
    "happened, never anything from your charts."
)


def crash_details(exc: BaseException) -> str:
    """PHI-free report: versions, the exception types (with causes) and where they were raised.

    Never the exception's message nor any value: either may quote the chart.
    """
    lines = [
        f"Therapy Desk {__version__}",
        f"Python {platform.python_version()}, PySide6 {pyside_version}, {platform.system()} {platform.release()}",
        "",
    ]
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain and len(chain) < 5:
        chain.append(current)
        current = current.__cause__ or current.__context__
    for index, err in enumerate(reversed(chain)):
        if index:
            lines += ["", "During handling of the above, another error happened:", ""]
        lines.append("Traceback (most recent call last):")
        for frame in traceback.extract_tb(err.__traceback__):
            # No source lines: file, line and function find the code in this version, and nothing else leaks.
            lines.append(f'  File "{_short_path(frame.filename)}", line {frame.lineno}, in {frame.name}')
        kind = type(err)
        lines.append(f"{kind.__module__}.{kind.__qualname__}")
    return "\n".join(lines)


def _short_path(filename: str) -> str:
    """The path from the package or library root: no user name or home folder in the report."""
    parts = filename.replace("\\", "/").split("/")
    for anchor in ("therapy_desk", "site-packages", "PySide6"):
        if anchor in parts:
            return "/".join(parts[parts.index(anchor) :])
    return parts[-1]


def log_crash(exc: BaseException) -> None:
    """Log a bug without PHI: the same text as the crash dialog's details."""
    log.error("unexpected error\n%s", crash_details(exc))


def show_error(parent: QWidget | None, sentence: str) -> QMessageBox:
    """Show a sentence the user can act on (a `UserError`'s text). Returns the open box."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(ERROR_TITLE)
    box.setText(sentence)
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.setAccessibleName("Error message")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setWindowModality(Qt.WindowModality.WindowModal if parent else Qt.WindowModality.ApplicationModal)
    box.open()
    return box


class CrashDialog(QDialog):
    """A bug happened: say so calmly and offer the PHI-free details to copy."""

    def __init__(self, exc: BaseException, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(CRASH_TITLE)
        self.setAccessibleName("Crash report")
        self.details = crash_details(exc)

        text = QLabel(CRASH_TEXT)
        text.setWordWrap(True)
        self.details_view = QPlainTextEdit(self.details)
        self.details_view.setReadOnly(True)
        self.details_view.setAccessibleName("Crash details")
        self.details_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.details_view.setMinimumSize(560, 180)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("&Copy details")
        self.copy_button.setAccessibleName("Copy details")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy_details)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(self.details_view, 1)
        layout.addWidget(buttons)

    def copy_details(self) -> None:
        clipboard.copy_text(self.details)  # the app's own copy: cleared by the next lock
        self.copy_button.setText("Copied")


def show_crash(parent: QWidget | None, exc: BaseException) -> CrashDialog:
    """Log the bug (no PHI) and show the crash dialog. Returns the open dialog."""
    log_crash(exc)
    dialog = CrashDialog(exc, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.setWindowModality(Qt.WindowModality.WindowModal if parent else Qt.WindowModality.ApplicationModal)
    dialog.open()
    return dialog


def install_excepthook() -> None:
    """Route exceptions escaping Qt slots to the crash dialog instead of stderr only."""

    def hook(kind: type[BaseException], exc: BaseException, tb: object) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)  # type: ignore[arg-type]
            return
        if isinstance(exc, UserError):
            show_error(QApplication.activeWindow(), str(exc))
        else:
            show_crash(QApplication.activeWindow(), exc)

    sys.excepthook = hook
