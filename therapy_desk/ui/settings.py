"""Settings: the practice profile, auto-lock, keychain quick unlock, passphrase, recovery code, vault check."""

from __future__ import annotations

import contextlib
from zoneinfo import available_timezones

import shiboken6
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from therapy_desk.domain.text import noun
from therapy_desk.errors import UserError, ValidationError
from therapy_desk.storage import keychain
from therapy_desk.storage.billing import CHARGE_MISSED_FEES, CHARGE_NEEDS_SIGNED_NOTE
from therapy_desk.storage.practice_zone import practice_zone_name, set_practice_zone
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import idle, registry
from therapy_desk.ui.ops import Ops
from therapy_desk.ui.retention import RetentionSettings
from therapy_desk.ui.vault_check import VaultCheckBox
from therapy_desk.ui.widgets.focus import scrolling, set_tab_order
from therapy_desk.ui.widgets.passphrase import NewPassphraseWidget, muted_label
from therapy_desk.ui.widgets.profile_form import ProfileForm
from therapy_desk.ui.widgets.recovery_code import RecoveryCodePanel
from therapy_desk.ui.widgets.status_label import error_label

AUTO_LOCK_SAVE_DELAY_MS = 400  # wait for the user to finish typing "15" before saving 1, then 15
QUICK_UNLOCK_TEXT = "Unlock with this computer's &keychain (quick unlock)"
PASSPHRASE_CHANGED = "Passphrase changed. Your recovery code is unchanged."  # noqa: S105 - a message


def auto_lock_minutes(vault: Vault) -> int:
    """The vault's auto-lock setting in minutes (1–60, default 10)."""
    return idle.minutes_from_setting(vault.practice.setting(idle.SETTING_KEY, str(idle.DEFAULT_MINUTES)))


@registry.view
class ChangePassphraseDialog(QDialog):
    """Current passphrase, then the new one twice. The view runs the change and reports back here."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("changePassphraseDialog")
        self.setWindowTitle("Change passphrase")
        self.current = QLineEdit()
        self.current.setEchoMode(QLineEdit.EchoMode.Password)
        self.current.setAccessibleName("Current passphrase")
        self.new = NewPassphraseWidget()
        self.message = error_label()
        self.message.setObjectName("changePassphraseMessage")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.change_button = self.buttons.addButton("&Change passphrase", QDialogButtonBox.ButtonRole.AcceptRole)
        self.change_button.setAccessibleName("Change passphrase")
        self.buttons.rejected.connect(self.reject)
        self.current.textChanged.connect(self._update)
        self.new.changed.connect(self._update)

        self.new.form.insertRow(0, "C&urrent passphrase:", self.current)
        layout = QVBoxLayout(self)
        layout.addWidget(
            muted_label("Nothing is re-encrypted: the change is instant. Your recovery code stays the same.")
        )
        layout.addWidget(self.new)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(520)
        set_tab_order(self.current, self.new.first, self.new.second, self.new.show_text, self.buttons)
        self._busy = False
        self._update()

    def _update(self) -> None:
        self.message.setVisible(False)
        self.change_button.setEnabled(bool(self.current.text()) and self.new.is_acceptable())

    def set_busy(self, busy: bool) -> None:
        """While the change runs the dialog stays put: closing it would not stop the change."""
        self._busy = busy
        self.buttons.setEnabled(not busy)
        self.current.setEnabled(not busy)
        self.new.setEnabled(not busy)
        self.change_button.setEnabled(not busy and bool(self.current.text()) and self.new.is_acceptable())

    def reject(self) -> None:
        if not self._busy:
            super().reject()

    def show_problem(self, sentence: str) -> None:
        self.message.setText(sentence)
        self.message.setVisible(True)
        self.current.selectAll()
        self.current.setFocus()

    def wipe(self) -> None:
        self.current.clear()
        self.new.clear()


@registry.view
class RecoveryCodeDialog(QDialog):
    """Shows a new recovery code once; Done is enabled after "I have stored my recovery code"."""

    def __init__(self, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recoveryCodeDialog")
        self.setWindowTitle("New recovery code")
        self.panel = RecoveryCodePanel(ops, heading="Your new recovery code")
        self.buttons = QDialogButtonBox()
        self.done_button = self.buttons.addButton("&Done", QDialogButtonBox.ButtonRole.AcceptRole)
        self.done_button.setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.panel.confirmed_changed.connect(self.done_button.setEnabled)
        layout = QVBoxLayout(self)
        layout.addWidget(self.panel)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(640)

    def done(self, result: int) -> None:  # every way out (Done, Esc, close) forgets the code
        if result != QDialog.DialogCode.Accepted and not self.panel.confirmed:
            answer = QMessageBox.question(
                self, "New recovery code", "This code will not be shown again. Close without storing it?"
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.panel.clear()
        super().done(result)


@registry.view
class SettingsView(QWidget):
    """The Settings page. `auto_lock_changed(minutes)` tells the shell to retime the idle lock."""

    auto_lock_changed = Signal(int)

    def __init__(self, vault: Vault, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault = vault
        self.ops = ops
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Settings sections")
        self.tabs.addTab(self._build_practice(), "&Practice")
        self.tabs.addTab(self._build_security(), "Sec&urity")
        self.retention = RetentionSettings(vault)
        self.tabs.addTab(_scrolling(self.retention), "Records kept")
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        self._zone = ""
        self.passphrase_dialog: ChangePassphraseDialog | None = None
        self.recovery_dialog: RecoveryCodeDialog | None = None
        self.load()

    # -- building --------------------------------------------------------------------------------

    def _build_practice(self) -> QWidget:
        self.profile_form = ProfileForm()
        self.profile_form.edited.connect(self._profile_edited)
        self.save_button = QPushButton("Save pro&file")
        self.save_button.setAccessibleName("Save profile")
        self.save_button.clicked.connect(self.save_profile)
        self.save_button.setEnabled(False)
        self.profile_status = muted_label()
        self.profile_status.setObjectName("profileStatus")
        row = QHBoxLayout()
        row.addWidget(self.profile_status, 1)
        row.addWidget(self.save_button)
        column = QWidget()
        column.setMaximumWidth(720)
        inner = QVBoxLayout(column)
        inner.addWidget(muted_label("These details go on superbills and claims, as on your NPI record."))
        inner.addWidget(self.profile_form)
        inner.addLayout(row)
        inner.addSpacing(12)
        inner.addLayout(self._build_zone())
        inner.addWidget(self._build_billing())
        inner.addStretch(1)
        return _scrolling(column)

    def _build_zone(self) -> QVBoxLayout:
        """The practice's time zone: saved when chosen, apart from the profile."""
        self.zone_combo = QComboBox()
        self.zone_combo.setEditable(True)
        self.zone_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.zone_combo.addItems(sorted(available_timezones()))
        self.zone_combo.setAccessibleName("Time zone")
        completer = self.zone_combo.completer()
        if completer is not None:
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.zone_combo.activated.connect(lambda _index: self.save_zone())
        line_edit = self.zone_combo.lineEdit()
        if line_edit is not None:
            line_edit.editingFinished.connect(self.save_zone)
        label = QLabel("Time &zone:")
        label.setBuddy(self.zone_combo)
        self.zone_status = error_label()
        row = QHBoxLayout()
        row.addWidget(label)
        row.addWidget(self.zone_combo, 1)
        column = QVBoxLayout()
        column.addLayout(row)
        column.addWidget(
            muted_label(
                "Appointments are kept in this zone's local time and keep their times if it changes; it decides "
                "which times daylight saving skips or repeats, and the times in calendar exports."
            )
        )
        column.addWidget(self.zone_status)
        return column

    def _build_billing(self) -> QGroupBox:
        """How the record drives billing: two switches, saved when flipped."""
        box = QGroupBox("Billing")
        self.billing_switches: dict[str, QCheckBox] = {}
        column = QVBoxLayout(box)
        for key, text in (
            (CHARGE_NEEDS_SIGNED_NOTE, "Charge only sessions with a signed note (signing ch&arges the session)"),
            (CHARGE_MISSED_FEES, "Charge the &missed-appointment fee for a no-show or late cancellation"),
        ):
            switch = QCheckBox(text)
            switch.setAccessibleName(text.replace("&", ""))
            switch.toggled.connect(lambda on, key=key: self.vault.practice.set_setting(key, "1" if on else "0"))
            self.billing_switches[key] = switch
            column.addWidget(switch)
        column.addWidget(muted_label("Medicaid clients are never charged a missed-appointment fee."))
        return box

    def save_zone(self) -> None:
        name = self.zone_combo.currentText().strip()
        if name == self._zone:
            return
        try:
            self._zone = set_practice_zone(self.vault.practice, name)
        except ValidationError as err:
            self.zone_status.setText(str(err))
            self.zone_status.show()
            return
        self.zone_status.clear()
        self.zone_status.hide()

    def _build_security(self) -> QWidget:
        self.auto_lock = QSpinBox()
        self.auto_lock.setRange(idle.MIN_MINUTES, idle.MAX_MINUTES)
        self.auto_lock.valueChanged.connect(self._auto_lock_suffix)
        self.auto_lock.setAccessibleName("Lock after (minutes without activity)")
        self._auto_lock_timer = QTimer(self)
        self._auto_lock_timer.setSingleShot(True)
        self._auto_lock_timer.setInterval(AUTO_LOCK_SAVE_DELAY_MS)
        self._auto_lock_timer.timeout.connect(self.save_auto_lock)
        self.auto_lock.valueChanged.connect(lambda _v: self._auto_lock_timer.start())
        self._auto_lock_suffix(self.auto_lock.value())
        lock_box = QGroupBox("Automatic lock")
        lock_row = QHBoxLayout(lock_box)
        lock_label = QLabel("&Lock after")
        lock_label.setBuddy(self.auto_lock)
        lock_row.addWidget(lock_label)
        lock_row.addWidget(self.auto_lock)
        lock_row.addWidget(QLabel("without activity. Open notes are saved first."))
        lock_row.addStretch(1)

        self.quick_unlock = QCheckBox(QUICK_UNLOCK_TEXT)
        self.quick_unlock.toggled.connect(self._quick_unlock_toggled)
        self.quick_unlock_reason = muted_label()
        self.quick_unlock_reason.setObjectName("quickUnlockReason")
        self.quick_unlock_error = error_label()
        self.quick_unlock_error.setObjectName("quickUnlockError")
        keychain_box = QGroupBox("Quick unlock")
        keychain_layout = QVBoxLayout(keychain_box)
        keychain_layout.addWidget(self.quick_unlock)
        keychain_layout.addWidget(
            muted_label(
                "The vault key is kept in this computer's keychain, so anyone who can sign in to your "
                "computer account can open the vault. Off by default."
            )
        )
        keychain_layout.addWidget(self.quick_unlock_reason)
        keychain_layout.addWidget(self.quick_unlock_error)

        self.change_passphrase_button = QPushButton("Change p&assphrase…")
        self.change_passphrase_button.setAccessibleName("Change passphrase")
        self.change_passphrase_button.clicked.connect(self.open_change_passphrase)
        self.passphrase_status = muted_label()
        self.passphrase_status.setObjectName("passphraseStatus")
        passphrase_box = QGroupBox("Passphrase")
        passphrase_layout = QVBoxLayout(passphrase_box)
        passphrase_layout.addWidget(muted_label("The passphrase you type to unlock Therapy Desk."))
        passphrase_layout.addWidget(_left(self.change_passphrase_button))
        passphrase_layout.addWidget(self.passphrase_status)

        self.new_code_button = QPushButton("Issue a &new recovery code…")
        self.new_code_button.setAccessibleName("Issue a new recovery code")
        self.new_code_button.clicked.connect(self.confirm_new_recovery_code)
        recovery_box = QGroupBox("Recovery code")
        recovery_layout = QVBoxLayout(recovery_box)
        recovery_layout.addWidget(
            muted_label(
                "Your recovery code sets a new passphrase if you forget yours. Issue a new one if your "
                "Recovery Kit may have been seen or lost: the old code stops opening this vault."
            )
        )
        recovery_layout.addWidget(_left(self.new_code_button))

        self.vault_check = VaultCheckBox(self.ops)

        column = QWidget()
        column.setMaximumWidth(720)
        inner = QVBoxLayout(column)
        for box in (lock_box, keychain_box, passphrase_box, recovery_box, self.vault_check):
            inner.addWidget(box)
        inner.addStretch(1)
        return _scrolling(column)

    # -- loading and locking -----------------------------------------------------------------------

    def load(self) -> None:
        """Show the vault's current settings."""
        self.profile_form.set_profile(self.vault.practice.profile())
        self._zone = practice_zone_name(self.vault.practice)
        self.zone_combo.setCurrentText(self._zone)
        for key, switch in self.billing_switches.items():
            switch.blockSignals(True)
            switch.setChecked(self.vault.billing.setting_on(key))
            switch.blockSignals(False)
        self.save_button.setEnabled(False)
        self.profile_status.clear()
        self.auto_lock.blockSignals(True)
        self.auto_lock.setValue(auto_lock_minutes(self.vault))
        self.auto_lock.blockSignals(False)
        self._show_quick_unlock()
        self.retention.load()

    def clear_for_lock(self) -> None:
        """Save what can be saved (a pending auto-lock change, a valid edited profile), then empty every field.

        The fields are emptied and typed passphrases wiped even when saving fails (the lock reports that).
        """
        try:
            if self._auto_lock_timer.isActive():
                self.save_auto_lock()
            if self.profile_form.is_dirty():
                # An invalid draft cannot be stored: it is dropped rather than left on screen.
                with contextlib.suppress(ValidationError):
                    self.vault.practice.save_profile(self.profile_form.profile())
        finally:
            self._empty()

    def _empty(self) -> None:
        self._auto_lock_timer.stop()
        for dialog in (self.passphrase_dialog, self.recovery_dialog):
            if dialog is not None:
                if isinstance(dialog, RecoveryCodeDialog):
                    dialog.panel.clear()
                else:
                    dialog.wipe()
                QDialog.done(dialog, QDialog.DialogCode.Rejected)
        self.profile_form.clear()
        self.profile_status.clear()
        self.zone_status.clear()
        self.passphrase_status.clear()
        self.quick_unlock_error.clear()
        self.vault_check.clear()

    def has_unsaved_changes(self) -> bool:
        return self.profile_form.is_dirty()

    # -- profile ---------------------------------------------------------------------------------

    def _profile_edited(self) -> None:
        self.save_button.setEnabled(self.profile_form.is_dirty())
        self.profile_status.clear()

    def save_profile(self) -> bool:
        profile = self.profile_form.validated()
        if profile is None:
            return False
        try:
            saved = self.vault.practice.save_profile(profile)
        except ValidationError as err:
            self.profile_form.show_error(err)
            return False
        self.profile_form.set_profile(saved)
        self.save_button.setEnabled(False)
        self.profile_status.setText("Saved.")
        return True

    # -- auto-lock -------------------------------------------------------------------------------

    def _auto_lock_suffix(self, minutes: int) -> None:
        self.auto_lock.setSuffix(f" {noun(minutes, 'minute')}")

    def save_auto_lock(self) -> None:
        self._auto_lock_timer.stop()
        if not self.vault.is_open:  # locked meanwhile (clear_for_lock saves a pending change first)
            return
        minutes = self.auto_lock.value()
        self.vault.practice.set_setting(idle.SETTING_KEY, str(minutes))
        self.auto_lock_changed.emit(minutes)

    # -- quick unlock ----------------------------------------------------------------------------

    def _show_quick_unlock(self) -> None:
        reason = keychain.unsafe_reason()
        enabled = self.vault.keychain_enabled
        self.quick_unlock.blockSignals(True)
        self.quick_unlock.setChecked(enabled)
        self.quick_unlock.blockSignals(False)
        # Turning it off stays possible even when the keychain went away.
        self.quick_unlock.setEnabled(reason is None or enabled)
        self.quick_unlock_reason.setText(f"Not available: {reason}" if reason else "")
        self.quick_unlock_reason.setVisible(bool(reason))
        self.quick_unlock_error.setVisible(False)

    def _quick_unlock_toggled(self, on: bool) -> None:
        self.quick_unlock.setEnabled(False)
        self.quick_unlock_error.setVisible(False)

        def change(vault: Vault) -> None:
            if on:
                vault.enable_keychain()
            else:
                vault.disable_keychain()

        label = "Turning quick unlock on…" if on else "Turning quick unlock off…"
        (
            self.ops.run(change, label=label, parent=self)
            .failure(lambda err: self._quick_unlock_failed(err) if shiboken6.isValid(self) else None)
            .finished(lambda: self._show_quick_unlock_keep_error() if shiboken6.isValid(self) else None)
            .start()
        )

    def _quick_unlock_failed(self, err: UserError) -> None:
        self.quick_unlock_error.setText(str(err))

    def _show_quick_unlock_keep_error(self) -> None:
        error = self.quick_unlock_error.text()
        self._show_quick_unlock()
        self.quick_unlock_error.setText(error)
        self.quick_unlock_error.setVisible(bool(error))

    # -- passphrase ------------------------------------------------------------------------------

    def open_change_passphrase(self) -> ChangePassphraseDialog:
        dialog = ChangePassphraseDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.change_button.clicked.connect(lambda: self._change_passphrase(dialog))
        dialog.destroyed.connect(lambda: setattr(self, "passphrase_dialog", None))
        self.passphrase_dialog = dialog
        self.passphrase_status.clear()
        dialog.open()
        dialog.current.setFocus()
        return dialog

    def _change_passphrase(self, dialog: ChangePassphraseDialog) -> None:
        current, new = dialog.current.text(), dialog.new.passphrase()
        if not current or new is None:
            return
        dialog.set_busy(True)

        def done(_result: object) -> None:
            if shiboken6.isValid(self):
                self.passphrase_status.setText(PASSPHRASE_CHANGED)
            if shiboken6.isValid(dialog):
                dialog.set_busy(False)
                dialog.wipe()
                dialog.accept()

        def failed(err: UserError) -> None:
            if shiboken6.isValid(dialog):
                dialog.set_busy(False)
                dialog.show_problem(str(err))

        (
            self.ops.run(lambda vault: vault.change_passphrase(current, new), label="Changing your passphrase…")
            .success(done)
            .failure(failed)
            .start()
        )

    # -- recovery code ---------------------------------------------------------------------------

    def confirm_new_recovery_code(self) -> QMessageBox:
        box = QMessageBox(self)
        box.setObjectName("confirmNewRecoveryCode")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("New recovery code")
        box.setText("Issue a new recovery code?")
        box.setInformativeText(
            "Your current recovery code and its Recovery Kit stop opening this vault. The new code is shown "
            "once, with a new Recovery Kit to save."
        )
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel)
        box.button(QMessageBox.StandardButton.Yes).setText("&Issue new code")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(
            lambda result: self.issue_new_recovery_code() if result == QMessageBox.StandardButton.Yes else None
        )
        box.open()
        return box

    def issue_new_recovery_code(self) -> None:
        self.new_code_button.setEnabled(False)
        (
            self.ops.run(lambda vault: vault.new_recovery_code(), label="Issuing a new recovery code…")
            .success(lambda code: self._show_new_code(code) if shiboken6.isValid(self) else None)
            .finished(lambda: self.new_code_button.setEnabled(True) if shiboken6.isValid(self) else None)
            .start()
        )

    def _show_new_code(self, code: str) -> None:
        dialog = RecoveryCodeDialog(self.ops, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda: setattr(self, "recovery_dialog", None))
        dialog.panel.set_code(code, str(self.vault.folder), self.vault.practice.profile().name)
        self.recovery_dialog = dialog
        dialog.open()


def _scrolling(content: QWidget) -> QScrollArea:
    holder = QWidget()
    row = QHBoxLayout(holder)
    row.addWidget(content, 1)
    row.addStretch(0)
    return scrolling(holder)


def _left(button: QPushButton) -> QWidget:
    holder = QWidget()
    row = QHBoxLayout(holder)
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(button)
    row.addStretch(1)
    return holder
