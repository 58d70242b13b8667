"""Showing a recovery code once: large and selectable, with "Save Recovery Kit PDF…" and a required
"I have stored my recovery code" confirmation. Used by the first run and by Settings (new code)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QCheckBox, QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from therapy_desk.errors import UserError
from therapy_desk.templates.recovery_kit import recovery_kit_pdf
from therapy_desk.ui.files import ask_save_path, write_user_file
from therapy_desk.ui.ops import Ops
from therapy_desk.ui.widgets.focus import set_tab_order
from therapy_desk.ui.widgets.passphrase import muted_label
from therapy_desk.ui.widgets.status_label import StatusLabel, error_label

KIT_FILE_NAME = "Therapy Desk Recovery Kit.pdf"
STORED_TEXT = "I have stored my recovery &code"  # Alt+S is Save Recovery Kit PDF…


def spelled(code: str) -> str:
    """The code one character at a time, group by group, so a screen reader spells it ("K 7 Q F, 2 M 9 D")
    rather than guessing a word at each group."""
    return ", ".join(" ".join(group) for group in code.split("-"))


def save_recovery_kit(path: Path, code: str, vault_folder: str, practice_name: str, created: date) -> Path:
    """Render the kit and write it atomically where the user chose (runs on a worker)."""
    return write_user_file(path, recovery_kit_pdf(code, vault_folder, created, practice_name))


class RecoveryCodePanel(QWidget):
    """The code, the kit and the confirmation. `confirmed_changed(bool)` follows the checkbox."""

    confirmed_changed = Signal(bool)

    def __init__(self, ops: Ops, parent: QWidget | None = None, *, heading: str = "Your recovery code") -> None:
        super().__init__(parent)
        self._ops = ops
        self._code = ""
        self._folder = ""
        self._practice = ""

        title = QLabel(heading)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.45)
        font.setWeight(QFont.Weight.DemiBold)
        title.setFont(font)
        intro = QLabel(
            "If you ever forget your passphrase, this code lets you choose a new one. It is shown only now. "
            "Save the Recovery Kit and print it, or write the code down, and keep it somewhere safe away "
            "from this computer. Without the passphrase or this code, nobody can open your vault."
        )
        intro.setWordWrap(True)

        self.code_label = StatusLabel("Recovery code")
        self.code_label.setObjectName("recoveryCode")
        code_font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        code_font.setPointSizeF(max(code_font.pointSizeF(), 10.0) * 1.9)
        code_font.setWeight(QFont.Weight.Bold)
        self.code_label.setFont(code_font)
        self.code_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.code_label.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.code_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code_label.setFrameShape(QFrame.Shape.StyledPanel)
        self.code_label.setMargin(18)

        self.save_button = QPushButton("&Save Recovery Kit PDF…")
        self.save_button.setAccessibleName("Save Recovery Kit PDF")
        self.save_button.clicked.connect(self.save_kit)
        self.saved_label = muted_label()
        self.saved_label.setObjectName("kitSaved")
        self.saved_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.save_error = error_label()
        save_row = QHBoxLayout()
        save_row.addWidget(self.save_button)
        save_row.addStretch(1)

        self.stored = QCheckBox(STORED_TEXT)
        self.stored.setAccessibleName("I have stored my recovery code")
        self.stored.toggled.connect(self.confirmed_changed)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addSpacing(6)
        layout.addWidget(self.code_label)
        layout.addWidget(muted_label("Capital letters, spaces and dashes do not matter when you type it."))
        layout.addSpacing(6)
        layout.addLayout(save_row)
        layout.addWidget(self.saved_label)
        layout.addWidget(self.save_error)
        layout.addSpacing(10)
        layout.addWidget(self.stored)
        self.saved_label.setVisible(False)
        set_tab_order(self.code_label, self.save_button, self.stored)  # top to bottom, as shown

    @property
    def confirmed(self) -> bool:
        return bool(self._code) and self.stored.isChecked()

    def set_code(self, code: str, vault_folder: str, practice_name: str = "") -> None:
        self._code, self._folder, self._practice = code, vault_folder, practice_name
        self.code_label.setText(code)
        self.code_label.setAccessibleDescription(f"{code}, spelled out: {spelled(code)}")
        self.stored.setChecked(False)
        self.saved_label.setVisible(False)
        self.save_error.setVisible(False)

    def clear(self) -> None:
        """Forget the code (it is shown once; nothing of it stays in a widget)."""
        self._code = ""
        self.code_label.clear()
        self.saved_label.clear()
        self.saved_label.setVisible(False)
        self.save_error.setVisible(False)
        self.stored.setChecked(False)

    def save_kit(self) -> None:
        if not self._code:
            return
        # Never offered inside the vault's folder: the kit is to be kept apart from the vault.
        avoid = [Path(self._folder)] if self._folder else []
        path = ask_save_path(self, "Save Recovery Kit", KIT_FILE_NAME, avoid=avoid)
        if path is None:
            return
        self.save_button.setEnabled(False)
        self.save_error.setVisible(False)
        code, folder, practice = self._code, self._folder, self._practice
        (
            self._ops.run_plain(
                lambda: save_recovery_kit(path, code, folder, practice, date.today()),
                label="Saving the Recovery Kit…",
                parent=self,
            )
            .success(lambda saved: self._saved(saved) if shiboken6.isValid(self) else None)
            .failure(lambda err: self._save_failed(err) if shiboken6.isValid(self) else None)
            .finished(lambda: self.save_button.setEnabled(True) if shiboken6.isValid(self) else None)
            .start()
        )

    def _saved(self, path: Path) -> None:
        self.saved_label.setText(
            f"Saved to {path}. Print it and keep the paper somewhere safe; then delete the file, "
            "or keep it on a USB stick stored apart from this computer."
        )
        self.saved_label.setVisible(True)

    def _save_failed(self, err: UserError) -> None:
        self.save_error.setText(str(err))
        self.save_error.setVisible(True)
