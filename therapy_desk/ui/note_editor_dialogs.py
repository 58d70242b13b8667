"""The note editor's dialogs: the pre-sign check before a signature, and a signed addendum."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from therapy_desk.domain.notes import LATE_ENTRY_HOURS
from therapy_desk.domain.presign import Finding, Level, Rule
from therapy_desk.errors import ValidationError
from therapy_desk.ui import registry, theme, windows
from therapy_desk.ui.widgets.status_label import StatusLabel, error_label


@registry.view
class PresignDialog(QDialog):
    """What the pre-sign check found: errors block signing; warnings are listed with "Sign anyway".

    With nothing found it still asks once, since a signed note can only be added to, never changed.
    """

    def __init__(self, findings: Sequence[Finding], signer: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("presignDialog")
        self.setWindowTitle(windows.window_title("Sign note"))
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.findings = list(findings)
        # A late entry is the one error answered here: the reason is asked for and sealed with the note.
        self.late = any(f.rule is Rule.LATE_WITHOUT_REASON for f in findings)
        errors = [f.sentence for f in findings if f.level is Level.ERROR and f.rule is not Rule.LATE_WITHOUT_REASON]
        warnings = [f.sentence for f in findings if f.level is Level.WARNING]
        layout = QVBoxLayout(self)
        if errors:
            intro = "This note cannot be signed yet. Fix these first:"
        elif warnings:
            intro = "Look at these before signing:"
        elif self.late:
            intro = "One thing before signing:"
        else:
            intro = "The pre-sign check found nothing to fix."
        heading = self.heading = QLabel(intro, self)
        heading.setWordWrap(True)
        layout.addWidget(heading)
        self.error_list = StatusLabel("Errors", "\n".join(f"• {s}" for s in errors), self, alert=True)
        self.warning_list = StatusLabel("Warnings", "\n".join(f"• {s}" for s in warnings), self)
        theme.set_role(self.error_list, theme.ERROR)
        theme.set_role(self.warning_list, theme.WARNING)
        for label in (self.error_list, self.warning_list):
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setVisible(bool(label.text()))
            layout.addWidget(label)
        self.signer_line = QLabel(
            f"Signing as {signer}. A signed note cannot be changed; corrections are signed addenda.", self
        )
        self.signer_line.setWordWrap(True)
        self.signer_line.setVisible(not errors)
        layout.addWidget(self.signer_line)
        self.late_reason = QLineEdit(self)
        self.late_reason.setAccessibleName("Reason for the late entry")
        self.late_reason.setMaxLength(500)
        late_label = QLabel(
            f"The session was more than {LATE_ENTRY_HOURS} hours ago: this note is a late entry. "
            "&Reason it is written late:",
            self,
        )
        late_label.setWordWrap(True)
        late_label.setBuddy(self.late_reason)
        for widget in (late_label, self.late_reason):
            widget.setVisible(self.late and not errors)
            layout.addWidget(widget)
        buttons = QDialogButtonBox(self)
        self.sign_button: QPushButton | None = None
        if errors:
            close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
            close.setAccessibleName("Close")
        else:
            text = "&Sign anyway" if warnings else "&Sign"
            self.sign_button = buttons.addButton(text, QDialogButtonBox.ButtonRole.AcceptRole)
            self.sign_button.setAccessibleName(text.replace("&", ""))
            self.sign_button.setDefault(True)
            if self.late:
                button = self.sign_button
                button.setEnabled(False)
                self.late_reason.textChanged.connect(lambda text: button.setEnabled(bool(text.strip())))
            cancel = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
            cancel.setAccessibleName("Cancel")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(max(self.sizeHint().width(), 480), self.sizeHint().height())

    @property
    def blocked(self) -> bool:
        return self.sign_button is None

    def late_entry_reason(self) -> str:
        """The reason typed for a late entry ('' when the note is not one)."""
        return self.late_reason.text().strip() if self.late else ""


@registry.view
class AddendumDialog(QDialog):
    """Write an addendum to a signed note; `submit(text)` signs and stores it, a sentence stays here."""

    def __init__(self, submit: Callable[[str], object], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("addendumDialog")
        self.setWindowTitle(windows.window_title("Add addendum"))
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self._submit = submit
        intro = QLabel(
            "An addendum is signed with your name and the time, and added to the signed note; the note "
            "itself does not change.",
            self,
        )
        intro.setWordWrap(True)
        self.text = QPlainTextEdit(self)
        self.text.setAccessibleName("Addendum")
        self.text.setTabChangesFocus(True)
        label = QLabel("&Addendum", self)
        label.setBuddy(self.text)
        self.error = error_label(self)
        buttons = QDialogButtonBox(self)
        self.ok_button = buttons.addButton("Sign a&ddendum", QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setAccessibleName("Sign addendum")
        cancel = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAccessibleName("Cancel")
        buttons.accepted.connect(self._ok)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(label)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(520, 320)
        self.text.setFocus()

    def _ok(self) -> None:
        try:
            self._submit(self.text.toPlainText())
        except ValidationError as err:
            self.error.setText(str(err))
            self.error.show()
            return
        self.accept()

    def reject(self) -> None:
        self.text.clear()  # a dialog closed by a lock leaves no words behind
        super().reject()
