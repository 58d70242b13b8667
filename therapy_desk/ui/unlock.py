"""The unlock screen: passphrase, quick unlock through the OS keychain, and the recovery-code flow.

The key derivation (about half a second) runs on a worker through `Ops`; the window stays responsive
and its buttons are disabled meanwhile. Errors the user can fix appear inline, under the field.
A vault already open elsewhere is said before the passphrase is asked for (the vault lock tells), with
a way to switch to the app that has it open (`switch_requested`; the app does the asking).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, Qt, Signal, Slot
from PySide6.QtGui import QFont
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
from therapy_desk.errors import UserError, ValidationError, VaultInUse, WrongRecoveryCode
from therapy_desk.storage.keyslots import KEYSLOTS_FILE, Keyslots
from therapy_desk.storage.lock import is_in_use
from therapy_desk.storage.restore import RestoreResult
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import registry, theme
from therapy_desk.ui.backup_restore import RestoreRequest, restore_and_open
from therapy_desk.ui.ops import Op, Ops
from therapy_desk.ui.widgets.status_label import StatusLabel, announce
from therapy_desk.ui.windows import add_quit_action, window_title

WINDOW_TITLE = window_title("Unlock")
DEMO_WINDOW_TITLE = window_title("Unlock", "DEMO")
IN_USE_TEXT = (
    "This vault is open in another Therapy Desk window or a therapy-desk command, and only one at a time "
    "can use it. Close it there, then choose Check again."
)
SWITCH_TEXT = (
    "This vault is already open in another Therapy Desk window. Switch to that window, or close it there "
    "and choose Check again."
)
NO_ANSWER_TEXT = (
    "The other Therapy Desk did not answer: the vault may be open in a therapy-desk command, or in Therapy "
    "Desk on another user's account. Close it there, then choose Check again."
)


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


def _message_label(name: str, *, alert: bool = False) -> QLabel:
    label = StatusLabel(name, alert=alert)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.hide()
    return label


def _password_field(name: str) -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setAccessibleName(name)
    field.setMinimumWidth(320)
    return field


@registry.view
class UnlockWindow(QWidget):
    """Asks for the passphrase (or the recovery code) and emits `unlocked` with the open vault."""

    unlocked = Signal(object)
    leave_demo = Signal()  # the demo's screen offers the way to the user's own vault

    switch_requested = Signal()  # "bring the app that has this vault open to the front"
    restored = Signal(object)  # a RestoreResult, after `unlocked` with the vault it put back

    def __init__(
        self, folder: Path, *, is_demo: bool = False, can_switch: bool = True, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.folder = folder
        self.ops = Ops(self)
        self._can_switch = can_switch
        self._busy = False  # unlocking: this window itself holds the vault lock meanwhile
        self.in_use = False
        self.setWindowTitle(DEMO_WINDOW_TITLE if is_demo else WINDOW_TITLE)
        self.stack = QStackedWidget()
        self.stack.addWidget(self._build_unlock_page(is_demo))
        self.stack.addWidget(self._build_recovery_page())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(36, 28, 36, 28)
        layout.addWidget(self.stack)
        self.quit_action = add_quit_action(self, self.close)
        self.resize(560, 380)
        self.passphrase.setFocus()
        self.check_in_use()

    # -- building ------------------------------------------------------------------------------

    def _build_unlock_page(self, is_demo: bool) -> QWidget:
        page = QWidget()
        title = _heading("Therapy Desk")
        subtitle = QLabel(_demo_hint() if is_demo else "Your vault is locked.")
        subtitle.setWordWrap(True)
        where = StatusLabel("Vault folder", f"Vault: {self.folder}")
        where.setWordWrap(True)
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        theme.set_role(where, theme.MUTED)

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
        self.forgot_button.setAccessibleName("Forgot passphrase?")
        self.forgot_button.setFlat(True)
        self.forgot_button.clicked.connect(self.show_recovery)

        self.leave_demo_button = QPushButton("Use my &own vault")
        self.leave_demo_button.setAccessibleName("Use my own vault")
        self.leave_demo_button.setToolTip("Leave the demo practice and create or unlock your own vault")
        self.leave_demo_button.clicked.connect(self.leave_demo)
        self.leave_demo_button.setVisible(is_demo)

        self.in_use_message = _message_label("Vault in use", alert=True)
        self.switch_button = QPushButton("&Switch to that window")
        self.switch_button.setAccessibleDescription("Bring forward the window that has this vault open")
        self.switch_button.clicked.connect(self._switch_clicked)
        self.check_again_button = QPushButton("Check a&gain")
        self.check_again_button.setAccessibleName("Check again whether the vault is free")
        self.check_again_button.clicked.connect(self.check_in_use)
        in_use_buttons = QHBoxLayout()
        in_use_buttons.addWidget(self.switch_button)
        in_use_buttons.addWidget(self.check_again_button)
        in_use_buttons.addStretch(1)
        self.in_use_box = QWidget()
        in_use_layout = QVBoxLayout(self.in_use_box)
        in_use_layout.setContentsMargins(0, 0, 0, 0)
        in_use_layout.addWidget(self.in_use_message)
        in_use_layout.addLayout(in_use_buttons)
        self.in_use_box.hide()

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
        layout.addWidget(self.in_use_box)
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
        self.recovery_code.setAccessibleDescription(self.recovery_code.placeholderText())
        self.new_passphrase = _password_field("New passphrase")
        self.confirm_passphrase = _password_field("New passphrase, type it again")
        for field in (self.recovery_code, self.new_passphrase, self.confirm_passphrase):
            field.returnPressed.connect(self.recover)
        rule = StatusLabel("Passphrase rule", PASSPHRASE_RULE)
        rule.setWordWrap(True)
        theme.set_role(rule, theme.MUTED)
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
        self.recover_button.setAccessibleName("Reset and unlock with the new passphrase")
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
        theme.set_role(label, theme.ERROR if error else None)
        label.setText(text)
        label.setVisible(bool(text))
        if text:
            announce(label, alert=error)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._update_enabled()

    def _update_enabled(self) -> None:
        free = not self._busy and not self.in_use
        for widget in (
            self.passphrase,
            self.unlock_button,
            self.quick_button,
            self.forgot_button,
            self.recovery_code,
            self.new_passphrase,
            self.confirm_passphrase,
            self.recover_button,
        ):
            widget.setEnabled(free)
        self.back_button.setEnabled(not self._busy)
        self.leave_demo_button.setEnabled(not self._busy)

    # -- a vault open elsewhere ----------------------------------------------------------------

    @Slot()
    def check_in_use(self) -> bool:
        """Whether another app or command has the vault open; while it does, say so and ask for nothing."""
        if self._busy:
            return self.in_use
        was_in_use, self.in_use = self.in_use, is_in_use(self.folder)
        if self.in_use:
            self.stack.setCurrentIndex(0)
            self._say(self.message, "")
            self.in_use_message.setText(SWITCH_TEXT if self._can_switch else IN_USE_TEXT)
            self.in_use_message.show()
            self.switch_button.setVisible(self._can_switch)
            self.in_use_box.show()
            (self.switch_button if self._can_switch else self.check_again_button).setFocus()
        elif was_in_use or self.in_use_box.isVisible():
            self.in_use_box.hide()
            self.passphrase.setFocus()
        self._update_enabled()
        return self.in_use

    def switch_failed(self) -> None:
        """The app that has the vault open did not answer: say what else may hold it."""
        self._can_switch = False
        self.switch_button.hide()
        self.in_use_message.setText(NO_ANSWER_TEXT)
        self.check_again_button.setFocus()

    @Slot()
    def _switch_clicked(self) -> None:
        self.switch_requested.emit()

    def changeEvent(self, event: QEvent) -> None:  # Qt's name
        """Coming back to this window (perhaps after closing the other one), look again."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow() and self.in_use:
            self.check_in_use()

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
        if isinstance(err, VaultInUse):
            self._busy = False  # the attempt let go of the lock: what holds it now is someone else
            if self.check_in_use():
                return  # said the same way as when the window opened
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

    # -- restoring a backup over this vault ----------------------------------------------------

    def restore_and_open(self, request: RestoreRequest) -> Op:
        """Restore the backup over this window's vault (kept aside as the pre-restore copy), then open it,
        with progress and Cancel. If it fails, the sentence is shown and the vault waits as it was."""
        self._say(self.message, f"Restoring {request.path.name}…", error=False)
        self._set_busy(True)
        folder = self.folder

        def done(outcome: tuple[RestoreResult, Vault]) -> None:
            result, vault = outcome
            self._opened(vault)
            self.restored.emit(result)

        return (
            self.ops.run_plain(
                lambda progress: restore_and_open(request, folder, progress),
                label="Verifying the backup and putting it back…",
                cancellable=True,
                parent=self,
            )
            .success(done)
            .failure(self._restore_failed)
            .finished(self._restore_ended)
            .start()
        )

    def _restore_failed(self, err: UserError) -> None:
        self._say(self.message, str(err))

    def _restore_ended(self) -> None:
        self._set_busy(False)
        if self.message.text().startswith("Restoring "):  # cancelled: nothing was restored
            self._say(self.message, "Restore cancelled; nothing was restored. The vault is as it was.")
        self.passphrase.setFocus()

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
