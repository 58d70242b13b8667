from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date, time
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from tests.conftest import PASSPHRASE, at_day_end
from tests.storage.sealed_practice import raw_connection, triggers_lifted
from therapy_desk.domain.clients import Client
from therapy_desk.domain.notes import Note, NoteFormat, sections
from therapy_desk.domain.scheduling import ZONE_SETTING
from therapy_desk.domain.validation import check_zip
from therapy_desk.errors import ValidationError, WrongPassphrase, WrongRecoveryCode
from therapy_desk.storage import keychain
from therapy_desk.storage.billing import CHARGE_MISSED_FEES, CHARGE_NEEDS_SIGNED_NOTE
from therapy_desk.storage.integrity import PHASES
from therapy_desk.storage.practice_zone import practice_zone_name
from therapy_desk.storage.vault import Vault
from therapy_desk.ui.app import default_pages
from therapy_desk.ui.main_window import MainWindow
from therapy_desk.ui.ops import Ops
from therapy_desk.ui.settings import PASSPHRASE_CHANGED, ChangePassphraseDialog, SettingsView
from therapy_desk.ui.vault_check import STEPS, overall

NEW_PASSPHRASE = "lantern maple river seven"


class MemoryKeyring(KeyringBackend):
    """A keychain that really keeps secrets (in memory), standing in for the OS one."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.secrets.pop((service, username), None)


@pytest.fixture
def use_keyring() -> Iterator[object]:
    """Swap the process's keyring backend for one test, then put the original back."""
    original = keyring.get_keyring()
    chosen: list[KeyringBackend] = []

    def use(backend: KeyringBackend) -> KeyringBackend:
        keyring.set_keyring(backend)
        chosen.append(backend)
        return backend

    yield use
    keyring.set_keyring(original)


@pytest.fixture
def view(qtbot: QtBot, vault: Vault, ops: Ops) -> SettingsView:
    settings = SettingsView(vault, ops)
    qtbot.addWidget(settings)
    settings.show()
    return settings


def _wait(qtbot: QtBot, ops: Ops) -> None:
    qtbot.waitUntil(lambda: not ops.busy, timeout=10_000)


def test_auto_lock_minutes_are_saved_and_announced(qtbot: QtBot, view: SettingsView, vault: Vault) -> None:
    assert view.auto_lock.value() == 10
    view.tabs.setCurrentIndex(1)
    view.auto_lock.setFocus()
    view.auto_lock.selectAll()

    with qtbot.waitSignal(view.auto_lock_changed) as changed:
        qtbot.keyClicks(view.auto_lock, "25")

    assert changed.args == [25]
    assert vault.practice.setting("auto_lock_minutes") == "25"


def test_auto_lock_cannot_go_past_an_hour(qtbot: QtBot, view: SettingsView) -> None:
    view.auto_lock.setValue(90)
    assert view.auto_lock.value() == 60
    view.auto_lock.setValue(0)
    assert view.auto_lock.value() == 1


def test_auto_lock_reads_one_minute_and_two_minutes(qtbot: QtBot, view: SettingsView, vault: Vault) -> None:
    view.tabs.setCurrentIndex(1)
    view.auto_lock.setFocus()
    view.auto_lock.selectAll()
    qtbot.keyClicks(view.auto_lock, "1")
    assert view.auto_lock.text() == "1 minute"

    qtbot.keyClicks(view.auto_lock, "5")  # typing on past the singular still lands on the number
    assert view.auto_lock.text() == "15 minutes"
    assert view.auto_lock.value() == 15

    view.auto_lock.setValue(2)
    assert view.auto_lock.text() == "2 minutes"


def test_quick_unlock_is_unavailable_with_the_reason_on_a_failing_keyring(
    qtbot: QtBot, vault: Vault, ops: Ops, use_keyring: object
) -> None:
    use_keyring(fail.Keyring())  # type: ignore[operator]
    view = SettingsView(vault, ops)
    qtbot.addWidget(view)
    view.show()
    view.tabs.setCurrentIndex(1)

    assert not view.quick_unlock.isEnabled()
    assert not view.quick_unlock.isChecked()
    assert view.quick_unlock_reason.isVisible()
    assert view.quick_unlock_reason.text() == f"Not available: {keychain.unsafe_reason()}"
    assert "no OS keychain" in view.quick_unlock_reason.text()


def test_quick_unlock_turns_on_and_then_opens_the_vault(
    qtbot: QtBot, vault: Vault, ops: Ops, use_keyring: object
) -> None:
    backend = use_keyring(MemoryKeyring())  # type: ignore[operator]
    view = SettingsView(vault, ops)
    qtbot.addWidget(view)
    view.show()
    view.tabs.setCurrentIndex(1)
    assert view.quick_unlock.isEnabled()

    view.quick_unlock.click()
    _wait(qtbot, ops)

    assert view.quick_unlock.isChecked()
    assert vault.keychain_enabled  # the GUI's own handle sees the change made on the worker
    vault.close()
    Vault.open_with_keychain(vault.folder, backend).close()


def test_change_passphrase(qtbot: QtBot, view: SettingsView, ops: Ops, vault: Vault, cheap_calibration: None) -> None:
    view.tabs.setCurrentIndex(1)
    qtbot.mouseClick(view.change_passphrase_button, Qt.MouseButton.LeftButton)
    dialog = view.findChild(ChangePassphraseDialog, "changePassphraseDialog")
    assert dialog is not None
    assert dialog.isVisible()
    assert not dialog.change_button.isEnabled()

    qtbot.keyClicks(dialog.current, PASSPHRASE)
    qtbot.keyClicks(dialog.new.first, NEW_PASSPHRASE)
    qtbot.keyClicks(dialog.new.second, NEW_PASSPHRASE)
    qtbot.mouseClick(dialog.change_button, Qt.MouseButton.LeftButton)
    _wait(qtbot, ops)

    assert not any(d.isVisible() for d in view.findChildren(ChangePassphraseDialog))
    assert view.passphrase_status.text() == PASSPHRASE_CHANGED
    vault.close()
    Vault.open(vault.folder, NEW_PASSPHRASE).close()
    with pytest.raises(WrongPassphrase):
        Vault.open(vault.folder, PASSPHRASE)


def test_a_wrong_current_passphrase_is_told_in_the_dialog(
    qtbot: QtBot, view: SettingsView, ops: Ops, vault: Vault, cheap_calibration: None
) -> None:
    dialog = view.open_change_passphrase()
    qtbot.keyClicks(dialog.current, "not my passphrase at all")
    qtbot.keyClicks(dialog.new.first, NEW_PASSPHRASE)
    qtbot.keyClicks(dialog.new.second, NEW_PASSPHRASE)
    qtbot.mouseClick(dialog.change_button, Qt.MouseButton.LeftButton)
    _wait(qtbot, ops)

    assert dialog.isVisible()
    assert dialog.message.isVisible()
    assert dialog.message.text() == "That passphrase does not unlock this vault. Check Caps Lock and try again."
    vault.close()
    Vault.open(vault.folder, PASSPHRASE).close()  # unchanged


def _issue_new_code(qtbot: QtBot, view: SettingsView, ops: Ops) -> str:
    view.tabs.setCurrentIndex(1)
    qtbot.mouseClick(view.new_code_button, Qt.MouseButton.LeftButton)
    box = view.findChild(QMessageBox, "confirmNewRecoveryCode")
    assert box is not None
    assert box.isVisible()
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.recovery_dialog is not None and view.recovery_dialog.isVisible(), timeout=10_000)
    dialog = view.recovery_dialog
    assert dialog is not None
    code = dialog.panel.code_label.text()
    assert not dialog.done_button.isEnabled()
    dialog.panel.stored.click()
    qtbot.mouseClick(dialog.done_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    return code


def test_a_new_recovery_code_replaces_the_old_one(
    qtbot: QtBot,
    view: SettingsView,
    ops: Ops,
    vault: Vault,
    created: tuple[Path, str],
    cheap_calibration: None,
) -> None:
    old_code = created[1]

    new_code = _issue_new_code(qtbot, view, ops)

    assert new_code
    assert new_code != old_code
    vault.close()
    with pytest.raises(WrongRecoveryCode):
        Vault.recover(vault.folder, old_code, NEW_PASSPHRASE)
    Vault.recover(vault.folder, new_code, NEW_PASSPHRASE).close()


def test_a_new_recovery_code_after_a_passphrase_change_keeps_the_new_passphrase(
    qtbot: QtBot, view: SettingsView, ops: Ops, vault: Vault, cheap_calibration: None
) -> None:
    dialog = view.open_change_passphrase()
    qtbot.keyClicks(dialog.current, PASSPHRASE)
    qtbot.keyClicks(dialog.new.first, NEW_PASSPHRASE)
    qtbot.keyClicks(dialog.new.second, NEW_PASSPHRASE)
    qtbot.mouseClick(dialog.change_button, Qt.MouseButton.LeftButton)
    _wait(qtbot, ops)

    _issue_new_code(qtbot, view, ops)

    vault.close()
    Vault.open(vault.folder, NEW_PASSPHRASE).close()


def test_profile_saves_and_shows_the_stores_sentence_next_to_the_field(
    qtbot: QtBot, view: SettingsView, vault: Vault
) -> None:
    form = view.profile_form
    assert not view.save_button.isEnabled()
    qtbot.keyClicks(form.editors["name"], "Rosalind Marchetti")
    qtbot.keyClicks(form.editors["zip"], "9720")
    assert view.save_button.isEnabled()

    qtbot.mouseClick(view.save_button, Qt.MouseButton.LeftButton)
    with pytest.raises(ValidationError) as caught:
        check_zip("9720")
    assert form.errors["zip"].isVisible()
    assert form.errors["zip"].text() == str(caught.value)
    assert vault.practice.profile().name == ""

    qtbot.keyClicks(form.editors["zip"], "1")
    qtbot.mouseClick(view.save_button, Qt.MouseButton.LeftButton)

    assert view.profile_status.text() == "Saved."
    assert not view.save_button.isEnabled()
    assert (vault.practice.profile().name, vault.practice.profile().zip) == ("Rosalind Marchetti", "97201")


def test_clear_for_lock_saves_the_edited_profile_then_empties_every_field(
    qtbot: QtBot, view: SettingsView, vault: Vault
) -> None:
    qtbot.keyClicks(view.profile_form.editors["name"], "Kofi Halvorsen-Reyes")
    qtbot.keyClicks(view.profile_form.editors["phone"], "503 555 0112")

    view.clear_for_lock()

    assert vault.practice.profile().name == "Kofi Halvorsen-Reyes"
    assert all(editor.text() == "" for editor in view.profile_form.editors.values())


# -- vault check ------------------------------------------------------------------------------


def _signed_note(vault: Vault) -> tuple[int, int]:
    client = vault.clients.create(Client(legal_first="Ines", legal_last="Halloran", dob=date(1979, 8, 1)))
    assert client.id is not None
    texts = {"Data": "Talked through the week.", "Assessment": "Steady.", "Plan": "Continue."}
    note = vault.notes.save_draft(
        Note(client.id, format=NoteFormat.DAP, date_of_service=date(2025, 5, 5), start_time=time(9),
             end_time=time(9, 50), sections=sections(NoteFormat.DAP, texts))
    )  # fmt: skip
    assert note.id is not None
    vault.notes.sign(note.id, "Dana Reyes, LCSW", now=at_day_end(date(2025, 5, 5)))
    return client.id, note.id


def _check(qtbot: QtBot, view: SettingsView) -> None:
    view.tabs.setCurrentIndex(1)
    qtbot.mouseClick(view.vault_check.check_button, Qt.MouseButton.LeftButton)
    _wait(qtbot, view.ops)


def test_check_vault_says_in_words_that_an_intact_vault_is_intact(
    qtbot: QtBot, view: SettingsView, vault: Vault
) -> None:
    _signed_note(vault)

    _check(qtbot, view)

    status = view.vault_check.status.text()
    assert "the vault is intact" in status
    assert "1 signed note, 0 addenda and 0 treatment plans match their seals" in status
    assert not view.vault_check.problems.isVisible()
    assert view.vault_check.check_button.isEnabled()


def test_check_vault_names_a_note_changed_behind_the_apps_back_and_says_what_to_do(
    qtbot: QtBot, view: SettingsView, vault: Vault
) -> None:
    client_id, note_id = _signed_note(vault)
    conn = raw_connection(vault.folder)
    try:
        with triggers_lifted(conn):
            conn.execute("UPDATE notes SET end_time = '10:40' WHERE id = ?", (note_id,))
    finally:
        conn.close()

    _check(qtbot, view)

    box = view.vault_check
    assert box.alarm.isVisible()
    assert "1 problem found" in box.alarm.text()
    assert "most recent verified backup" in box.alarm.text()
    assert box.problems.isVisible()
    assert box.problems.toPlainText() == (
        f"• Note {note_id} (client {client_id}, 2025-05-05) was changed after it was signed: "
        "its content does not match its seal"
    )
    assert "Halloran" not in box.problems.toPlainText()


def test_a_cancelled_check_says_so_and_leaves_nothing_running(qtbot: QtBot, view: SettingsView) -> None:
    view.tabs.setCurrentIndex(1)
    qtbot.mouseClick(view.vault_check.check_button, Qt.MouseButton.LeftButton)
    view.ops.cancel_all()  # what the progress dialog's Cancel does
    _wait(qtbot, view.ops)

    assert view.vault_check.status.text() == "Check cancelled; nothing was changed."
    assert not [t for t in threading.enumerate() if t.name.startswith("vault check")]
    assert view.vault_check.check_button.isEnabled()


def test_the_progress_bar_only_moves_forward_through_the_phases() -> None:
    steps = [overall(phase, done, total) for phase in PHASES for done, total in ((0, 0), (1, 4), (4, 4))]

    assert steps == sorted(steps)
    assert steps[0] == 0
    assert steps[-1] == STEPS


def test_lock_clears_the_check_result(qtbot: QtBot, view: SettingsView, vault: Vault) -> None:
    _, note_id = _signed_note(vault)
    conn = raw_connection(vault.folder)
    try:
        with triggers_lifted(conn):
            conn.execute("UPDATE notes SET start_time = '08:40' WHERE id = ?", (note_id,))
    finally:
        conn.close()
    _check(qtbot, view)
    assert view.vault_check.problems.toPlainText()

    view.clear_for_lock()

    assert view.vault_check.problems.toPlainText() == ""
    assert view.vault_check.alarm.text() == ""


def test_alt_c_in_the_main_window_runs_the_vault_check(qtbot: QtBot, vault: Vault) -> None:
    window = MainWindow(vault, default_pages())
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitActive(window):
        window.activateWindow()
    window.show_page([title for title, _factory in default_pages()].index("Settings"))
    settings = window.stack.currentWidget()
    assert isinstance(settings, SettingsView)
    settings.tabs.setCurrentIndex(1)

    qtbot.keyClick(window, Qt.Key.Key_C, Qt.KeyboardModifier.AltModifier)

    qtbot.waitUntil(lambda: "the vault is intact" in settings.vault_check.status.text(), timeout=10_000)
    window.lock()


def test_the_practice_time_zone_is_chosen_by_typing_and_a_wrong_one_is_said(qtbot: QtBot, view: SettingsView,
                                                                            vault: Vault) -> None:  # fmt: skip
    assert view.zone_combo.currentText() == practice_zone_name(vault.practice)  # stored when first read
    view.zone_combo.setFocus()
    edit = view.zone_combo.lineEdit()
    assert edit is not None
    edit.selectAll()
    QTest.keyClicks(edit, "America/Denver")
    QTest.keyClick(edit, Qt.Key.Key_Return)
    assert vault.practice.setting(ZONE_SETTING) == "America/Denver"

    edit.selectAll()
    QTest.keyClicks(edit, "Mars/Olympus")
    QTest.keyClick(edit, Qt.Key.Key_Tab)
    assert vault.practice.setting(ZONE_SETTING) == "America/Denver"
    assert view.zone_status.isVisibleTo(view)
    assert "Mars/Olympus" in view.zone_status.text() or "time zone" in view.zone_status.text()


def test_the_billing_switches_show_and_change_the_vaults_settings(view: SettingsView, vault: Vault) -> None:
    needs_note = view.billing_switches[CHARGE_NEEDS_SIGNED_NOTE]
    missed = view.billing_switches[CHARGE_MISSED_FEES]
    assert needs_note.isChecked()  # both on by default
    assert missed.isChecked()
    needs_note.click()
    assert vault.billing.setting_on(CHARGE_NEEDS_SIGNED_NOTE) is False
    assert vault.billing.setting_on(CHARGE_MISSED_FEES) is True
    view.load()
    assert not needs_note.isChecked()
