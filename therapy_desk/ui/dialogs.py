"""The one error dialog (a sentence the user can act on) and the one crash dialog (a bug).

Both open window-modal with `.open()`, never `exec()`, so nothing blocks a test or a worker callback.
The crash details come from `therapy_desk.crash` (shared with the command line): the exception's type and
the code locations of the traceback only, never the exception's message or any value, since either may
carry PHI.
"""

from __future__ import annotations

import logging
import sys

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
from therapy_desk.crash import crash_details
from therapy_desk.errors import UserError
from therapy_desk.ui import clipboard, registry
from therapy_desk.ui.windows import window_title

log = logging.getLogger(__name__)

ERROR_TITLE = window_title()
CRASH_TITLE = window_title("A bug")
CRASH_TEXT = (
    "Something went wrong inside Therapy Desk. This is a bug, not something you did. "
    "Your vault is safe: unsaved work in the window you were using may need to be typed again.\n\n"
    "If you report it, copy the details below. They name only the place in the program where it "
    "happened, never anything from your charts."
)


def log_crash(exc: BaseException) -> None:
    """Log a bug without PHI: the same text as the crash dialog's details."""
    log.error("unexpected error\n%s", crash_details(exc))


def close_without_saving(parent: QWidget, title: str, why: str, question: str) -> bool:
    """Asked when a window cannot save what it holds (`why`, the store's sentence): True to close anyway
    and lose it; Cancel, the default, keeps the window open."""
    answer = QMessageBox.question(
        parent,
        title,
        f"{why}\n\n{question}",
        QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Discard


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


@registry.view
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


def about_box(parent: QWidget) -> QMessageBox:
    """Help › About: the version, and what the app does with the chart (nothing leaves this computer)."""
    box = QMessageBox(parent)
    box.setWindowTitle(window_title("About"))
    box.setIcon(QMessageBox.Icon.Information)
    box.setText(f"<b>Therapy Desk {__version__}</b>")
    box.setInformativeText(
        "Offline charting for solo private-practice therapists. Your chart lives in an encrypted vault "
        "on this computer; nothing is sent anywhere."
    )
    # A message box sizes itself to its title line and wraps the rest into a narrow column otherwise.
    box.setStyleSheet("QLabel#qt_msgbox_informativelabel { min-width: 28em; }")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
