# pytest-qt's QtBot methods carry no annotations:
# mypy: disable-error-code="no-untyped-call"
"""The Backups page with real backups in temporary folders: targets (remembered folders, a drive found
by its identity wherever it is mounted), this vault's backups with their state, and back up, verify,
test restore and restore into a new folder, each on a worker. Only the OS edge is faked: the folder
picker, the passphrase prompt, and the list of mounted drives."""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtWidgets import QFileDialog, QInputDialog
from pytestqt.qtbot import QtBot

from tests.conftest import PASSPHRASE
from tests.ui.test_chart import make_client
from therapy_desk.storage.backup import create_backup, last_verified_backup
from therapy_desk.storage.backup_targets import BackupTarget, Volume, load_targets, remember_target
from therapy_desk.storage.vault import Vault
from therapy_desk.ui.backup_actions import LAST_TEST_SETTING, NEVER
from therapy_desk.ui.backup_restore import RestoreDialog
from therapy_desk.ui.backups import ADD_FOLDER, BackupsView
from therapy_desk.ui.main_window import MainWindow
from therapy_desk.ui.models.backup_files_model import CHECKED_CLEAN, DAMAGED, NOT_CHECKED, VERIFIED
from therapy_desk.ui.ops import Ops

WAIT = 30_000


@pytest.fixture
def usb(tmp_path: Path) -> Path:
    folder = tmp_path / "usb"
    folder.mkdir()
    return folder


@pytest.fixture
def passphrase_typed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The passphrase prompt answers PASSPHRASE; the list records each prompt's title."""
    asked: list[str] = []

    def answer(_parent: object, title: str, *_args: object) -> tuple[str, bool]:
        asked.append(title)
        return PASSPHRASE, True

    monkeypatch.setattr(QInputDialog, "getText", answer)
    return asked


def open_page(qtbot: QtBot, vault: Vault, ops: Ops, drives: list[Volume] | None = None) -> BackupsView:
    page = BackupsView(vault, ops, drives=lambda: list(drives or []))
    qtbot.addWidget(page)
    page.resize(1100, 600)
    with qtbot.waitExposed(page):
        page.show()
    return page


def states(page: BackupsView) -> list[str]:
    return [row.state for row in page.model.rows()]


def wait_done(qtbot: QtBot, page: BackupsView) -> None:
    qtbot.waitUntil(lambda: page.op is None, timeout=WAIT)


def restore_into_new_folder(qtbot: QtBot, page: BackupsView, dialog: RestoreDialog, target: Path) -> None:
    """Restore with the passphrase into `target` from the open dialog, and wait for the page to say how it went."""
    dialog.folder_edit.setText(str(target))
    dialog.passphrase_edit.setText(PASSPHRASE)
    dialog.restore_button.click()
    qtbot.waitUntil(lambda: page.op is not None or "restored" in page.message.text(), timeout=WAIT)
    wait_done(qtbot, page)


def two_backups(vault: Vault, folder: Path) -> list[Path]:
    older = create_backup(vault, folder, now=datetime.now(UTC) - timedelta(days=2)).path
    newer = create_backup(vault, folder).path  # the last verified one
    return [newer, older]


def test_a_folder_added_is_remembered_and_lists_this_vaults_backups_with_their_state(
    qtbot: QtBot, vault: Vault, ops: Ops, usb: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    newer, older = two_backups(vault, usb)
    stranger = f"TherapyDesk-{uuid.uuid4()}-20260101T000000Z.tdbackup"
    shutil.copy(older, usb / stranger)  # another vault's backup in the same folder
    page = open_page(qtbot, vault, ops)
    assert [page.targets.item(row).text() for row in range(page.targets.count())] == [ADD_FOLDER]

    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *_args: str(usb))
    page.add_button.click()

    assert load_targets(vault.practice) == [BackupTarget(str(usb))]
    assert page.targets.item(0).text() == f"{usb} — connected"
    assert [row.file.path for row in page.model.rows()] == [newer, older]
    assert states(page) == [VERIFIED, NOT_CHECKED]
    assert "2 backups of this vault" in page.where.text()
    assert "remembered" in page.message.text()

    usb.rename(usb.with_name("unplugged"))
    page.refresh()
    assert page.targets.item(0).text() == f"{usb} — not connected"
    assert page.model.rowCount() == 0
    assert "not connected" in page.where.text()

    page.forget_button.click()
    assert load_targets(vault.practice) == []
    assert [page.targets.item(row).text() for row in range(page.targets.count())] == [ADD_FOLDER]
    assert "no longer listed" in page.message.text()
    page.forget_button.click()  # nothing remembered is selected now
    assert "Choose a remembered target" in page.error.text()


def test_back_up_now_writes_a_verified_backup_to_the_target_and_moves_the_status_line(
    qtbot: QtBot, vault: Vault, usb: Path
) -> None:
    remember_target(vault.practice, BackupTarget(str(usb)))
    window = MainWindow(vault, [("Backups", BackupsView)])
    qtbot.addWidget(window)
    with qtbot.waitExposed(window):
        window.show()
    page = window.current_page()
    assert isinstance(page, BackupsView)
    assert window.backup_label.text() == NEVER
    assert page.model.rowCount() == 0

    assert page.back_up() is not None
    wait_done(qtbot, page)

    assert states(page) == [VERIFIED]
    assert page.model.rows()[0].file.path.parent == usb
    assert "verified from the drive" in page.message.text()
    assert window.backup_label.text().startswith("Last verified backup: ")
    assert window.backup_label.text() != NEVER


def test_a_drive_backed_up_to_is_remembered_and_recognised_mounted_elsewhere(
    qtbot: QtBot, vault: Vault, ops: Ops, tmp_path: Path
) -> None:
    mount = tmp_path / "media" / "STICK"
    mount.mkdir(parents=True)
    drives = [Volume(str(mount), "STICK", "uuid:1234-ABCD", "exfat", 8 * 10**9, False)]
    page = open_page(qtbot, vault, ops, drives)
    assert page.targets.item(0).text() == "STICK (drive found now) — exfat, 8.00 GB free"
    page.targets.setCurrentRow(0)

    page.back_up()
    wait_done(qtbot, page)

    (remembered,) = load_targets(vault.practice)
    assert (remembered.label, remembered.volume_id) == ("STICK", "uuid:1234-ABCD")
    moved = tmp_path / "media" / "STICK1"
    mount.rename(moved)  # plugged in again, mounted under another name
    drives[:] = [Volume(str(moved), "STICK", "uuid:1234-ABCD", "exfat", 8 * 10**9, False)]
    page.refresh()
    assert page.targets.item(0).text() == "STICK (drive) — connected"
    assert page.targets.count() == 2  # the drive is not listed twice; then Add a folder…
    assert [row.file.path.parent for row in page.model.rows()] == [moved]


def test_verify_marks_a_backup_clean_and_a_damaged_one_with_its_problems(
    qtbot: QtBot, vault: Vault, ops: Ops, usb: Path, passphrase_typed: list[str]
) -> None:
    newer, older = two_backups(vault, usb)
    remember_target(vault.practice, BackupTarget(str(usb)))
    page = open_page(qtbot, vault, ops)
    page.table.setCurrentIndex(page.model.index(1, 0))  # the older one

    page.verify()
    wait_done(qtbot, page)
    assert passphrase_typed == ["Verify a backup"]
    assert states(page) == [VERIFIED, CHECKED_CLEAN]
    assert page.message.text().startswith(f"{older.name} checked clean")

    data = bytearray(newer.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(64)  # a damaged stretch of the drive
    newer.write_bytes(bytes(data))
    page.table.setCurrentIndex(page.model.index(0, 0))
    page.verify()
    wait_done(qtbot, page)
    assert states(page) == [DAMAGED, CHECKED_CLEAN]
    assert "damaged" in page.message.text()
    assert page.error.isVisibleTo(page)
    assert page.error.text().startswith("• ")
    page.clear_for_lock()
    again = open_page(qtbot, vault, ops)  # as after a lock: the page is built anew, the checks remembered
    assert states(again) == [DAMAGED, CHECKED_CLEAN]


def test_a_wrong_passphrase_and_no_backup_chosen_are_sentences_on_the_page(
    qtbot: QtBot, vault: Vault, ops: Ops, usb: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = open_page(qtbot, vault, ops)
    page.verify()
    assert page.error.isVisibleTo(page)
    assert "Choose a backup" in page.error.text()
    page.back_up()  # Add a folder… is selected: no place to write to
    assert "connected target" in page.error.text()

    create_backup(vault, usb)
    remember_target(vault.practice, BackupTarget(str(usb)))
    page.refresh()
    monkeypatch.setattr(QInputDialog, "getText", lambda *_args: ("not the passphrase", True))
    page.verify()
    wait_done(qtbot, page)
    assert page.error.isVisibleTo(page)
    assert "passphrase" in page.error.text().lower()
    assert states(page) == [VERIFIED]  # nothing was learnt about the file


def test_test_restore_of_the_selected_backup_passes_and_is_recorded(
    qtbot: QtBot, vault: Vault, ops: Ops, usb: Path, passphrase_typed: list[str]
) -> None:
    newer, _older = two_backups(vault, usb)
    remember_target(vault.practice, BackupTarget(str(usb)))
    page = open_page(qtbot, vault, ops)

    page.test_button.click()
    wait_done(qtbot, page)

    assert passphrase_typed == ["Test restore"]
    assert "opened and checked clean" in page.message.text()
    recorded = json.loads(vault.practice.setting(LAST_TEST_SETTING) or "{}")
    assert (recorded["file"], recorded["passed"]) == (newer.name, True)


@pytest.fixture
def restore_dialog(qtbot: QtBot, vault: Vault, ops: Ops, usb: Path) -> Iterator[tuple[BackupsView, RestoreDialog]]:
    make_client(vault)
    create_backup(vault, usb)
    remember_target(vault.practice, BackupTarget(str(usb)))
    page = open_page(qtbot, vault, ops)
    dialog = page.restore()
    assert dialog is not None
    yield page, dialog
    if shiboken6.isValid(dialog) and dialog.isVisible():
        dialog.reject()


def test_restore_refuses_the_open_vault_and_a_folder_with_files(
    restore_dialog: tuple[BackupsView, RestoreDialog], vault: Vault, usb: Path
) -> None:
    page, dialog = restore_dialog
    assert "Vault › Open another vault" in dialog.intro.text()
    dialog.passphrase_edit.setText(PASSPHRASE)
    for typed, said in ((str(vault.folder), "open now"), (str(usb), "already holds files"), ("", "Choose a folder")):
        dialog.folder_edit.setText(typed)
        dialog.restore_button.click()
        assert dialog.isVisible()
        assert said in dialog.error.text()
    assert page.op is None


def test_restore_into_a_new_folder_gives_a_vault_that_opens_with_the_backups_passphrase(
    qtbot: QtBot, restore_dialog: tuple[BackupsView, RestoreDialog], vault: Vault, tmp_path: Path
) -> None:
    page, dialog = restore_dialog
    clients = vault.clients.count()
    assert clients == 1
    target = tmp_path / "restored"
    restore_into_new_folder(qtbot, page, dialog, target)

    assert "checked clean" in page.message.text()
    assert "Vault › Open another vault" in page.message.text()
    restored = Vault.open(target, PASSPHRASE)
    try:
        assert restored.vault_id == vault.vault_id
        assert restored.clients.count() == clients
        assert last_verified_backup(restored) is not None  # the backup it came from
    finally:
        restored.close()
    assert (vault.folder / "vault.db").exists()  # the open vault was not touched


def test_cancel_during_a_backup_leaves_no_file_and_no_error(qtbot: QtBot, vault: Vault, ops: Ops, usb: Path) -> None:
    remember_target(vault.practice, BackupTarget(str(usb)))
    page = open_page(qtbot, vault, ops)
    op = page.back_up()
    assert op is not None
    assert op.cancellable
    op.cancel()  # what the progress dialog's Cancel does
    wait_done(qtbot, page)

    assert list(usb.iterdir()) == []
    assert page.model.rowCount() == 0
    assert not page.error.isVisibleTo(page)
    assert page.back_up() is not None  # the page is free for the next backup
    wait_done(qtbot, page)
    assert states(page) == [VERIFIED]
