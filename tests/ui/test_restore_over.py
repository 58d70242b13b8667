# pytest-qt's QtBot methods carry no annotations:
# mypy: disable-error-code="no-untyped-call"
"""Restoring a backup from the GUI. Over the open vault: the Backups page asks, the main window locks,
the unlock window verifies and installs the backup (the vault as it was kept beside it as the pre-restore
copy) and the restored vault opens again; a backup that does not verify changes nothing. A backup of
another vault goes only into a new folder. On a new computer, the welcome window restores the vault and
opens it. Real vaults and backups in temporary folders; only the file picker and the question box (the
OS edge) are answered by the test."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot

from tests.conftest import CHEAP_KDF, PASSPHRASE
from tests.ui.test_backups_page import open_page, restore_into_new_folder
from tests.ui.test_chart import make_client
from therapy_desk.storage.backup import changed_since_backup, create_backup
from therapy_desk.storage.backup_targets import BackupTarget, remember_target
from therapy_desk.storage.restore import PRE_RESTORE
from therapy_desk.storage.vault import Vault
from therapy_desk.ui.app import AppController
from therapy_desk.ui.backup_actions import NEVER
from therapy_desk.ui.backup_restore import RestoreDialog, RestoreRequest
from therapy_desk.ui.first_run import WelcomeWindow
from therapy_desk.ui.main_window import MainWindow
from therapy_desk.ui.ops import Ops
from therapy_desk.ui.unlock import UnlockWindow

WAIT = 30_000
NEW_PASSPHRASE = "a new passphrase after the restore"


def _backup_then_more(vault: Vault, usb: Path) -> Path:
    """A backup holding one client; the vault then gains a second."""
    make_client(vault, legal_last="Before")
    path = create_backup(vault, usb).path
    make_client(vault, legal_last="After")
    assert vault.clients.count() == 2
    return path


def _pre_restore_copies(folder: Path) -> list[Path]:
    return sorted(folder.parent.glob(f"{folder.name}.{PRE_RESTORE}-*"))


def _reopened(qtbot: QtBot, controller: AppController, old: MainWindow) -> MainWindow:
    qtbot.waitUntil(lambda: isinstance(controller.window, MainWindow) and controller.window is not old, timeout=WAIT)
    window = controller.window
    assert isinstance(window, MainWindow)
    return window


def test_a_backup_put_back_over_the_open_vault_reopens_it_and_keeps_the_vault_as_it_was(
    qtbot: QtBot, created: tuple[Path, str], tmp_path: Path, controller: AppController
) -> None:
    folder = created[0]
    main = controller.open_main(Vault.open(folder, PASSPHRASE))
    path = _backup_then_more(main.vault, tmp_path)

    main.restore_over(RestoreRequest(path, None, "passphrase", PASSPHRASE))

    reopened = _reopened(qtbot, controller, main)
    assert reopened.vault.folder == folder
    assert reopened.vault.clients.count() == 1  # as the backup holds it
    assert reopened.backup_label.text().startswith("Last verified backup: ")  # the one it came from
    assert reopened.backup_label.text() != NEVER
    assert not changed_since_backup(reopened.vault)  # no automatic backup of what was just put back
    told = [box for box in reopened.findChildren(QMessageBox) if box.isVisible()]
    assert len(told) == 1
    assert "is restored and open" in told[0].text()
    copies = _pre_restore_copies(folder)
    assert len(copies) == 1
    assert str(copies[0]) in told[0].text()
    kept = Vault.open(copies[0], PASSPHRASE)  # the vault as it was, whole
    try:
        assert kept.clients.count() == 2
    finally:
        kept.close()


def test_a_damaged_backup_changes_nothing_and_the_vault_waits_to_be_unlocked(
    qtbot: QtBot, created: tuple[Path, str], tmp_path: Path, controller: AppController
) -> None:
    folder = created[0]
    main = controller.open_main(Vault.open(folder, PASSPHRASE))
    path = _backup_then_more(main.vault, tmp_path)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))

    main.restore_over(RestoreRequest(path, None, "passphrase", PASSPHRASE))

    assert isinstance(controller.window, UnlockWindow)
    unlock = controller.window
    qtbot.waitUntil(
        lambda: unlock.passphrase.isEnabled() and "nothing was restored" in unlock.message.text(), timeout=WAIT
    )
    assert unlock.message.isVisible()
    assert _pre_restore_copies(folder) == []
    vault = Vault.open(folder, PASSPHRASE)
    try:
        assert vault.clients.count() == 2  # untouched
    finally:
        vault.close()


def test_a_backup_put_back_with_the_recovery_code_opens_and_keeps_the_new_passphrase(
    qtbot: QtBot, created: tuple[Path, str], tmp_path: Path, controller: AppController
) -> None:
    folder, code = created
    main = controller.open_main(Vault.open(folder, PASSPHRASE))
    path = _backup_then_more(main.vault, tmp_path)

    main.restore_over(RestoreRequest(path, None, "recovery", code, NEW_PASSPHRASE))

    reopened = _reopened(qtbot, controller, main)
    assert reopened.vault.clients.count() == 1
    reopened.lock()
    again = Vault.open(folder, NEW_PASSPHRASE)  # the new passphrase is the vault's from now on
    try:
        assert again.clients.count() == 1
    finally:
        again.close()


# -- the dialog on the Backups page ----------------------------------------------------------------


def test_the_page_asks_and_hands_a_restore_over_this_vault_to_the_window(
    qtbot: QtBot, vault: Vault, ops: Ops, tmp_path: Path
) -> None:
    path = _backup_then_more(vault, tmp_path)
    remember_target(vault.practice, BackupTarget(str(tmp_path)))
    page = open_page(qtbot, vault, ops)
    dialog = page.restore()
    assert isinstance(dialog, RestoreDialog)
    assert dialog.where_combo.count() == 2  # a new folder, or this vault
    dialog.where_combo.setCurrentIndex(1)
    assert not dialog.folder_edit.isVisibleTo(dialog)
    assert "pre-restore copy" in dialog.intro.text()
    dialog.passphrase_edit.setText(PASSPHRASE)

    with qtbot.waitSignal(page.restore_over_requested) as asked:
        dialog.restore_button.click()

    request = asked.args[0]
    assert isinstance(request, RestoreRequest)
    assert (request.path, request.folder, request.kind, request.secret) == (path, None, "passphrase", PASSPHRASE)
    assert vault.is_open
    assert vault.clients.count() == 2


def test_the_recovery_code_needs_a_new_passphrase_typed_twice(
    qtbot: QtBot, vault: Vault, ops: Ops, tmp_path: Path
) -> None:
    _backup_then_more(vault, tmp_path)
    remember_target(vault.practice, BackupTarget(str(tmp_path)))
    page = open_page(qtbot, vault, ops)
    dialog = page.restore()
    assert dialog is not None
    dialog.unlock_combo.setCurrentIndex(1)
    assert dialog.code_edit.isVisibleTo(dialog)
    assert not dialog.passphrase_edit.isVisibleTo(dialog)
    dialog.folder_edit.setText(str(tmp_path / "restored"))
    for code, new, confirm, said in (
        ("", NEW_PASSPHRASE, NEW_PASSPHRASE, "recovery code"),
        ("ABCD", "short", "short", "too short"),
        ("ABCD", NEW_PASSPHRASE, NEW_PASSPHRASE + "x", "not the same"),
    ):
        dialog.code_edit.setText(code)
        dialog.new_passphrase_edit.setText(new)
        dialog.confirm_edit.setText(confirm)
        dialog.restore_button.click()
        assert dialog.isVisible()
        assert said in dialog.error.text()
    dialog.reject()
    assert page.op is None


def test_a_backup_file_of_another_vault_goes_only_into_a_new_folder_after_a_question(
    qtbot: QtBot, vault: Vault, ops: Ops, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other_folder = tmp_path / "other practice"
    other, _code = Vault.create(other_folder, PASSPHRASE, kdf=CHEAP_KDF)
    try:
        make_client(other, legal_last="Elsewhere")
        (tmp_path / "usb").mkdir()
        foreign = create_backup(other, tmp_path / "usb").path
    finally:
        other.close()
    page = open_page(qtbot, vault, ops)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *_args: (str(foreign), ""))
    asked: list[str] = []

    def answer(_parent: object, title: str, text: str, *_args: object) -> QMessageBox.StandardButton:
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", answer)
    dialog = page.restore_file()
    assert dialog is not None
    assert len(asked) == 1
    assert "another vault" in asked[0]
    assert dialog.where_combo.count() == 1
    assert not dialog.replaces_open_vault

    target = tmp_path / "restored"
    restore_into_new_folder(qtbot, page, dialog, target)
    assert "checked clean" in page.message.text()
    restored = Vault.open(target, PASSPHRASE)
    try:
        assert restored.vault_id != vault.vault_id
        assert restored.clients.count() == 1
    finally:
        restored.close()
    assert vault.clients.count() == 0


def test_a_file_that_is_not_a_backup_is_refused_with_a_sentence(
    qtbot: QtBot, vault: Vault, ops: Ops, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stray = tmp_path / "notes.tdbackup"
    stray.write_bytes(b"not a backup")
    page = open_page(qtbot, vault, ops)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *_args: (str(stray), ""))
    assert page.restore_file() is None
    assert page.error.isVisibleTo(page)
    assert "is not a Therapy Desk backup" in page.error.text()


# -- on a new computer: the welcome window -----------------------------------------------------------


def _welcome_restore(
    qtbot: QtBot, vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[WelcomeWindow, RestoreDialog, Path]:
    """A backup of `vault` on a stick, and a new computer's welcome window asking where to restore it."""
    (tmp_path / "usb").mkdir()
    path = create_backup(vault, tmp_path / "usb").path
    new_home = tmp_path / "new computer" / "vault"
    window = WelcomeWindow(vault_dir=new_home)
    qtbot.addWidget(window)
    window.show()
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *_args: (str(path), ""))
    dialog = window.restore_backup()
    assert dialog is not None
    return window, dialog, new_home


def test_a_new_computer_restores_the_vault_from_the_welcome_window_and_opens_it(
    qtbot: QtBot, vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_client(vault, legal_last="Carried")
    window, dialog, new_home = _welcome_restore(qtbot, vault, tmp_path, monkeypatch)
    assert dialog.folder_edit.text() == str(new_home)  # where this app keeps its vault, proposed
    assert dialog.where_combo.count() == 1
    dialog.passphrase_edit.setText(PASSPHRASE)

    with qtbot.waitSignal(window.vault_ready, timeout=WAIT) as ready:
        dialog.restore_button.click()

    restored = ready.args[0]
    try:
        assert restored.folder == new_home
        assert restored.vault_id == vault.vault_id
        assert restored.clients.count() == 1
    finally:
        restored.close()


def test_the_welcome_window_says_why_a_wrong_passphrase_restored_nothing(
    qtbot: QtBot, vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window, dialog, new_home = _welcome_restore(qtbot, vault, tmp_path, monkeypatch)
    dialog.passphrase_edit.setText("not the passphrase at all")
    dialog.restore_button.click()

    qtbot.waitUntil(lambda: window.welcome_error.isVisibleTo(window), timeout=WAIT)
    assert "passphrase" in window.welcome_error.text().lower()
    assert window.restore_button.isEnabled()
    assert not (new_home / "vault.db").exists()
