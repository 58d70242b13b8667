"""The unlock screen: passphrase, quick unlock through the OS keychain, and the recovery-code flow.

The key derivation (about half a second) runs on a worker through `Ops`; the window stays responsive
and its buttons are disabled meanwhile. Errors the user can fix appear inline, under the field.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from therapy_desk.domain.passphrase import PASSPHRASE_RULE, check_new_passphrase
from therapy_desk.errors import UserError, ValidationError, WrongRecoveryCode
from therapy_desk.storage.keyslots import KEYSLOTS_FILE, Keyslots
from therapy_desk.storage.vault import Vault
from therapy_desk.ui.ops import Ops

# A small semantic accent that reads on light and dark palettes alike.
_ERROR_STYLE = "QLabel { color: #d64541; }"
WINDOW_TITLE = "Therapy Desk — Unlock"


def has_quick_unlock(folder: Path) -> bool:
    """Whether the vault's key slots include the OS keychain (read-only; no secret involved)."""
    try:
        return Keyslots.load(folder).slot("keychain") is not None
    except (UserError, OSError):
        return False


def holds_vault(folder: Path) -> bool:
    """Whether `folder` looks like a vault (it has a key-slot file)."""
    return (folder / KEYSLOTS_FILE).is_file()


def _demo_hint() -> str:
    try:
        from therapy_desk.ui.first_run import DEMO_PASSPHRASE
    except ImportError:
        return "The demo practice is locked."
    return f"The demo practice is locked. Its passphrase is “{DEMO_PASSPHRASE}”."


def _heading(text: str, scale: float = 1.6) -> QLabel:
    label = QLabel(text)
    font = QFont(label.font())
    font.setPointSizeF(font.pointSizeF() * scale)
    font.setBold(True)
    label.setFont(font)
    return label


def _message_label(name: str) -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setAccessibleName(name)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.hide()
    return label


def _password_field(name: str) -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setAccessibleName(name)
    field.setMinimumWidth(320)
    return field


class UnlockWindow(QWidget):
    """Asks for the passphrase (or the recovery code) and emits `unlocked` with the open vault."""

    unlocked = Signal(object)
    leave_demo = Signal()  # the demo's screen offers the way to the user's own vault

    def __init__(self, folder: Path, *, is_demo: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.folder = folder
        self.ops = Ops(self)
        self.setWindowTitle(f"{WINDOW_TITLE} — DEMO" if is_demo else WINDOW_TITLE)
        self.stack = QStackedWidget()
        self.stack.addWidget(self._build_unlock_page(is_demo))
        self.stack.addWidget(self._build_recovery_page())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(36, 28, 36, 28)
        layout.addWidget(self.stack)
        self.resize(560, 360)
        self.passphrase.setFocus()

    # -- building ------------------------------------------------------------------------------

    def _build_unlock_page(self, is_demo: bool) -> QWidget:
        page = QWidget()
        title = _heading("Therapy Desk")
        subtitle = QLabel(_demo_hint() if is_demo else "Your vault is locked.")
        subtitle.setWordWrap(True)
        where = QLabel(f"Vault: {self.folder}")
        where.setAccessibleName("Vault folder")
        where.setWordWrap(True)
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        where.setForegroundRole(QPalette.ColorRole.PlaceholderText)  # calm secondary text in any palette

        self.passphrase = _password_field("Passphrase")
        self.passphrase.returnPressed.connect(self.unlock)
        label = QLabel("&Passphrase")
        label.setBuddy(self.passphrase)
        self.message = _message_label("Unlock message")

        self.unlock_button = QPushButton("&Unlock")
        self.unlock_button.setAccessibleName("Unlock")
        self.unlock_button.setDefault(True)
        self.unlock_button.setAutoDefault(True)
        self.unlock_button.clicked.connect(self.unlock)
        self.quick_button = QPushButton("&Quick unlock")
        self.quick_button.setAccessibleName("Quick unlock")
        self.quick_button.setToolTip("Unlock with the key this computer's keychain keeps for this vault")
        self.quick_button.clicked.connect(self.quick_unlock)
        self.quick_button.setVisible(has_quick_unlock(self.folder))
        self.forgot_button = QPushButton("&Forgot passphrase?")
        self.forgot_button.setAccessibleName("Forgot passphrase")
        self.forgot_button.setFlat(True)
        self.forgot_button.clicked.connect(self.show_recovery)

        self.leave_demo_button = QPushButton("Use my &own vault")
        self.leave_demo_button.setAccessibleName("Use my own vault")
        self.leave_demo_button.setToolTip("Leave the demo practice and create or unlock your own vault")
        self.leave_demo_button.clicked.connect(self.leave_demo)
        self.leave_demo_button.setVisible(is_demo)

        buttons = QHBoxLayout()
        buttons.addWidget(self.forgot_button)
        buttons.addWidget(self.leave_demo_button)
        buttons.addStretch(1)
        buttons.addWidget(self.quick_button)
        buttons.addWidget(self.unlock_button)

        layout = QVBoxLayout(page)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addWidget(where)
        layout.addSpacing(18)
        layout.addWidget(label)
        layout.addWidget(self.passphrase)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addLayout(buttons)
        return page

    def _build_recovery_page(self) -> QWidget:
        page = QWidget()
        title = _heading("Reset your passphrase", 1.4)
        intro = QLabel(
            "Type the recovery code from your Recovery Kit, then choose a new passphrase. "
            "Your recovery code keeps working afterwards."
        )
        intro.setWordWrap(True)

        self.recovery_code = QLineEdit()
        self.recovery_code.setAccessibleName("Recovery code")
        self.recovery_code.setPlaceholderText("As printed on your Recovery Kit")
        self.new_passphrase = _password_field("New passphrase")
        self.confirm_passphrase = _password_field("New passphrase again")
        for field in (self.recovery_code, self.new_passphrase, self.confirm_passphrase):
            field.returnPressed.connect(self.recover)
        rule = QLabel(PASSPHRASE_RULE)
        rule.setWordWrap(True)
        rule.setAccessibleName("Passphrase rule")
        rule.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.recovery_message = _message_label("Recovery message")

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Recovery &code", self.recovery_code)
        form.addRow("&New passphrase", self.new_passphrase)
        form.addRow("Type it &again", self.confirm_passphrase)
        form.addRow("", rule)

        self.back_button = QPushButton("&Back")
        self.back_button.setAccessibleName("Back to unlock")
        self.back_button.clicked.connect(self.show_unlock)
        self.recover_button = QPushButton("&Reset and unlock")
        self.recover_button.setAccessibleName("Reset passphrase and unlock")
        self.recover_button.setAutoDefault(True)
        self.recover_button.setDefault(True)
        self.recover_button.clicked.connect(self.recover)
        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.recover_button)

        layout = QVBoxLayout(page)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addSpacing(12)
        layout.addLayout(form)
        layout.addWidget(self.recovery_message)
        layout.addStretch(1)
        layout.addLayout(buttons)
        return page

    # -- messages ------------------------------------------------------------------------------

    @staticmethod
    def _say(label: QLabel, text: str, *, error: bool = True) -> None:
        label.setStyleSheet(_ERROR_STYLE if error else "")
        label.setText(text)
        label.setVisible(bool(text))

    def _set_busy(self, busy: bool) -> None:
        for widget in (
            self.passphrase,
            self.unlock_button,
            self.quick_button,
            self.forgot_button,
            self.leave_demo_button,
            self.recovery_code,
            self.new_passphrase,
            self.confirm_passphrase,
            self.back_button,
            self.recover_button,
        ):
            widget.setEnabled(not busy)

    # -- unlocking -----------------------------------------------------------------------------

    @Slot()
    def unlock(self) -> None:
        """Unlock with the typed passphrase, off the GUI thread."""
        if not self.unlock_button.isEnabled():
            return
        passphrase = self.passphrase.text()
        if not passphrase:
            self._say(self.message, "Type your passphrase, then press Enter.")
            self.passphrase.setFocus()
            return
        folder = self.folder
        self._say(self.message, "Unlocking…", error=False)
        self._set_busy(True)
        (
            self.ops.run_plain(lambda: Vault.open(folder, passphrase), label="Unlocking the vault…")
            .success(self._opened)
            .failure(self._unlock_failed)
            .finished(self._idle)
            .start()
        )

    @Slot()
    def quick_unlock(self) -> None:
        """Unlock with the key kept in the OS keychain."""
        folder = self.folder
        self._say(self.message, "Unlocking…", error=False)
        self._set_busy(True)
        (
            self.ops.run_plain(lambda: Vault.open_with_keychain(folder), label="Unlocking the vault…")
            .success(self._opened)
            .failure(self._unlock_failed)
            .finished(self._idle)
            .start()
        )

    def _unlock_failed(self, err: UserError) -> None:
        self._say(self.message, str(err))
        self.passphrase.setEnabled(True)
        self.passphrase.setFocus()
        self.passphrase.selectAll()

    def _idle(self) -> None:
        self._set_busy(False)
        if self.stack.currentIndex() == 0 and self.message.text() == "Unlocking…":
            self._say(self.message, "")

    def _opened(self, vault: Vault) -> None:
        for field in (self.passphrase, self.recovery_code, self.new_passphrase, self.confirm_passphrase):
            field.clear()
        self._say(self.message, "")
        self._say(self.recovery_message, "")
        self.unlocked.emit(vault)

    # -- recovery ------------------------------------------------------------------------------

    @Slot()
    def show_recovery(self) -> None:
        self.passphrase.clear()
        self._say(self.message, "")
        self.stack.setCurrentIndex(1)
        self.recovery_code.setFocus()

    @Slot()
    def show_unlock(self) -> None:
        for field in (self.recovery_code, self.new_passphrase, self.confirm_passphrase):
            field.clear()
        self._say(self.recovery_message, "")
        self.stack.setCurrentIndex(0)
        self.passphrase.setFocus()

    @Slot()
    def recover(self) -> None:
        """Unlock with the recovery code and set the new passphrase, off the GUI thread."""
        if not self.recover_button.isEnabled():
            return
        code = self.recovery_code.text().strip()
        new = self.new_passphrase.text()
        if not code:
            self._recovery_failed(WrongRecoveryCode("Type the recovery code from your Recovery Kit."))
            return
        try:
            check_new_passphrase(new)
        except ValidationError as err:
            self._recovery_failed(err)
            return
        if new != self.confirm_passphrase.text():
            self._say(self.recovery_message, "The two new passphrases are not the same. Type them again.")
            self.confirm_passphrase.clear()
            self.confirm_passphrase.setFocus()
            return
        folder = self.folder
        self._say(self.recovery_message, "Checking the recovery code…", error=False)
        self._set_busy(True)
        (
            self.ops.run_plain(lambda: Vault.recover(folder, code, new), label="Resetting the passphrase…")
            .success(self._opened)
            .failure(self._recovery_failed)
            .finished(self._set_busy_off)
            .start()
        )

    def _set_busy_off(self) -> None:
        self._set_busy(False)

    def _recovery_failed(self, err: UserError) -> None:
        self._say(self.recovery_message, str(err))
        is_passphrase = isinstance(err, ValidationError) and err.field == "passphrase"
        field = self.new_passphrase if is_passphrase else self.recovery_code
        field.setEnabled(True)
        field.setFocus()
        field.selectAll()
