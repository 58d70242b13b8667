# pytest-qt's QtBot methods carry no annotations:
# mypy: disable-error-code="no-untyped-call"
"""Automatic backups: on close and when a remembered drive is plugged in, only when the vault changed since its
last verified backup, never when the practice turned them off, never on a lock; Cancel still closes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog, QWidget
from pytestqt.qtbot import QtBot

from tests.conftest import PASSPHRASE
from therapy_desk.domain.backup_names import SUFFIX
from therapy_desk.domain.clients import Client
from therapy_desk.errors import StorageFull
from therapy_desk.storage import backup as backup_module
from therapy_desk.storage.backup import create_backup, last_verified_backup, verify_backup
from therapy_desk.storage.backup_targets import BackupTarget, Volume, remember_target
from therapy_desk.storage.practice_zone import practice_zone_name
from therapy_desk.storage.vault import Vault
from therapy_desk.ui.backup_actions import NEVER
from therapy_desk.ui.backup_auto import set_auto_enabled
from therapy_desk.ui.backups import BackupsView
from therapy_desk.ui.dialogs import CrashDialog
from therapy_desk.ui.main_window import MainWindow
from therapy_desk.ui.ops import Ops
from therapy_desk.ui.today import TodayView

STICK_ID = "uuid:1234-ABCD"


@pytest.fixture
def usb(tmp_path: Path) -> Path:
    folder = tmp_path / "usb"
    folder.mkdir()
    return folder


def _window(qtbot: QtBot, vault: Vault, drives: list[Volume] | None = None) -> MainWindow:
    window = MainWindow(vault, [("Today", TodayView)], drives=None if drives is None else (lambda: list(drives)))
    qtbot.addWidget(window)
    with qtbot.waitExposed(window):
        window.show()
    return window


def _backups(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"*{SUFFIX}"))


def _close(qtbot: QtBot, window: MainWindow) -> None:
    """Close the window (as its X or Vault › Quit does) and wait for the vault to be locked to quit."""
    with qtbot.waitSignal(window.locked, timeout=60_000) as locked:
        window.close()
    assert locked.args == [True]
    assert window.is_locked
    assert not _crash_reports()  # the lock did not have to give up waiting for the backup


def _crash_reports() -> list[QWidget]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, CrashDialog) and w.isVisible()]


def test_closing_a_changed_vault_backs_up_to_the_remembered_folder_first(qtbot: QtBot, vault: Vault, usb: Path) -> None:
    remember_target(vault.practice, BackupTarget(str(usb)))
    window = _window(qtbot, vault)

    _close(qtbot, window)

    (written,) = _backups(usb)
    assert verify_backup(written, "passphrase", PASSPHRASE).clean
    assert sorted(p.name for p in usb.iterdir()) == [written.name]  # nothing half-written beside it


def test_closing_an_unchanged_vault_writes_no_backup(qtbot: QtBot, vault: Vault, usb: Path, tmp_path: Path) -> None:
    create_backup(vault, tmp_path)  # verified elsewhere; nothing changed since
    remember_target(vault.practice, BackupTarget(str(usb)))
    window = _window(qtbot, vault)  # Today reads the chart on the way: reading is not a change

    _close(qtbot, window)

    assert list(usb.iterdir()) == []


def test_a_change_after_the_last_backup_is_backed_up_on_close(
    qtbot: QtBot, vault: Vault, usb: Path, tmp_path: Path
) -> None:
    create_backup(vault, tmp_path)
    remember_target(vault.practice, BackupTarget(str(usb)))
    window = _window(qtbot, vault)
    vault.clients.create(Client("Ana", "Lopez", date(1990, 1, 2)))

    _close(qtbot, window)

    assert len(_backups(usb)) == 1


def test_automatic_backups_turned_off_back_up_neither_on_close_nor_on_a_drive(
    qtbot: QtBot, vault: Vault, usb: Path, tmp_path: Path
) -> None:
    stick = tmp_path / "media" / "STICK"
    stick.mkdir(parents=True)
    remember_target(vault.practice, BackupTarget(str(usb)))
    remember_target(vault.practice, BackupTarget(str(stick), "STICK", STICK_ID))
    set_auto_enabled(vault, False)
    drives: list[Volume] = []
    window = _window(qtbot, vault, drives)
    window.auto_backup.timer.setInterval(20)

    drives.append(Volume(str(stick), "STICK", STICK_ID, "exfat", 8 * 10**9))
    qtbot.wait(300)
    _close(qtbot, window)

    assert list(usb.iterdir()) == []
    assert list(stick.iterdir()) == []


def test_locking_does_not_back_up_nor_does_a_drive_plugged_in_while_locked(
    qtbot: QtBot, vault: Vault, usb: Path, tmp_path: Path
) -> None:
    stick = tmp_path / "media" / "STICK"
    stick.mkdir(parents=True)
    remember_target(vault.practice, BackupTarget(str(usb)))
    remember_target(vault.practice, BackupTarget(str(stick), "STICK", STICK_ID))
    drives: list[Volume] = []
    window = _window(qtbot, vault, drives)
    window.auto_backup.timer.setInterval(20)

    with qtbot.waitSignal(window.locked, timeout=10_000) as locked:
        window.lock_action.trigger()
    drives.append(Volume(str(stick), "STICK", STICK_ID, "exfat", 8 * 10**9))
    qtbot.wait(200)
    window.auto_backup.poll()

    assert locked.args == [False]
    assert list(usb.iterdir()) == []
    assert list(stick.iterdir()) == []


def test_cancel_while_backing_up_on_close_closes_without_a_backup(qtbot: QtBot, vault: Vault, usb: Path) -> None:
    remember_target(vault.practice, BackupTarget(str(usb)))
    window = _window(qtbot, vault)

    with qtbot.waitSignal(window.locked, timeout=60_000) as locked:
        window.close()
        assert not window.is_locked  # waiting for the backup
        op = window.auto_backup.op
        assert op is not None
        assert op.cancellable
        op.cancel()  # what the progress dialog's Cancel does

    assert locked.args == [True]
    assert not _crash_reports()
    assert list(usb.iterdir()) == []  # no file under a final name, no temporary one either
    assert last_verified_backup(Vault.open(vault.folder, PASSPHRASE)) is None


def test_a_failed_backup_on_close_says_why_and_then_closes(
    qtbot: QtBot, vault: Vault, usb: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(*_args: object, **_kwargs: object) -> None:
        raise StorageFull(f"The drive holding {usb} is full.")

    monkeypatch.setattr(backup_module, "check_target", full)  # the drive's answer
    remember_target(vault.practice, BackupTarget(str(usb)))
    window = _window(qtbot, vault)

    window.close()
    qtbot.waitUntil(lambda: any(box.isVisible() for box in window.findChildren(QMessageBox)), timeout=30_000)
    (box,) = [box for box in window.findChildren(QMessageBox) if box.isVisible()]
    assert f"The drive holding {usb} is full." in box.text()
    assert "closes without this backup" in box.text()
    assert not window.is_locked
    with qtbot.waitSignal(window.locked, timeout=10_000) as locked:
        box.button(QMessageBox.StandardButton.Ok).click()

    assert locked.args == [True]
    assert not _crash_reports()
    assert list(usb.iterdir()) == []


def test_a_remembered_drive_plugged_in_is_backed_up_to_in_the_background(
    qtbot: QtBot, vault: Vault, tmp_path: Path
) -> None:
    stick = tmp_path / "media" / "STICK"
    (stick / "Backups").mkdir(parents=True)
    remember_target(vault.practice, BackupTarget(str(stick / "Backups"), "STICK", STICK_ID, "Backups"))
    practice_zone_name(vault.practice)  # stored on first use (a change), as any use of the app has by now
    drives: list[Volume] = []
    window = _window(qtbot, vault, drives)
    window.auto_backup.timer.setInterval(20)
    window.ops.progress_delay_ms = 0  # any progress dialog would show at once
    said: list[str] = []
    window.statusBar().messageChanged.connect(said.append)
    dialogs_shown: list[str] = []
    look = QTimer(window)  # a progress dialog shown at any moment is caught
    look.timeout.connect(
        lambda: dialogs_shown.extend(d.labelText() for d in window.findChildren(QProgressDialog) if d.isVisible())
    )
    look.start(5)
    qtbot.wait(100)
    assert list((stick / "Backups").iterdir()) == []  # not plugged in yet

    mounted = tmp_path / "run" / "media" / "STICK"  # mounted somewhere else this time
    (mounted / "Backups").mkdir(parents=True)
    drives.append(Volume(str(mounted), "STICK", STICK_ID, "exfat", 8 * 10**9))
    qtbot.waitUntil(lambda: window.backup_label.text() != NEVER, timeout=60_000)

    (written,) = _backups(mounted / "Backups")
    assert verify_backup(written, "passphrase", PASSPHRASE).clean
    assert "Backing up to STICK (drive) › Backups…" in said
    assert any(text.startswith("Backed up to STICK (drive) › Backups and verified") for text in said)
    assert not [w for w in window.findChildren(QMessageBox) if w.isVisible()]  # no dialog in the way
    assert dialogs_shown == []  # nor a progress dialog: the status bar says it

    qtbot.wait(200)  # still plugged in, nothing changed: no second backup
    assert len(_backups(mounted / "Backups")) == 1
    _close(qtbot, window)  # and none on close either: nothing changed since
    assert len(_backups(mounted / "Backups")) == 1


def test_back_up_now_waits_for_an_automatic_backup(qtbot: QtBot, vault: Vault, tmp_path: Path, ops: Ops) -> None:
    stick = tmp_path / "media" / "STICK"
    stick.mkdir(parents=True)
    remember_target(vault.practice, BackupTarget(str(stick), "STICK", STICK_ID))
    drives = [Volume(str(stick), "STICK", STICK_ID, "exfat", 8 * 10**9)]
    window = _window(qtbot, vault, drives)
    qtbot.waitUntil(lambda: window.auto_backup.running, timeout=10_000)  # plugged in already: backed up at once
    page = BackupsView(vault, window.ops)
    qtbot.addWidget(page)
    page.refresh()

    window.backup_action.trigger()
    assert window.statusBar().currentMessage() == "An automatic backup is running; wait for it to finish."
    assert page.back_up() is None
    assert page.error.text() == "Wait for the backup work that is running to finish."
    qtbot.waitUntil(lambda: not window.auto_backup.running, timeout=60_000)
    assert len(_backups(stick)) == 1


def test_the_backups_page_turns_automatic_backups_off_and_on(qtbot: QtBot, vault: Vault, ops: Ops) -> None:
    page = BackupsView(vault, ops)
    qtbot.addWidget(page)
    assert page.auto_check.isChecked()

    page.auto_check.click()
    assert vault.practice.setting("backup.auto") == "off"
    assert not BackupsView(vault, ops).auto_check.isChecked()
    page.auto_check.click()
    assert vault.practice.setting("backup.auto") == "on"


def test_closing_during_a_drives_backup_finishes_with_one_that_shows_progress(
    qtbot: QtBot, vault: Vault, tmp_path: Path
) -> None:
    stick = tmp_path / "media" / "STICK"
    stick.mkdir(parents=True)
    remember_target(vault.practice, BackupTarget(str(stick), "STICK", STICK_ID))
    practice_zone_name(vault.practice)
    window = _window(qtbot, vault, [Volume(str(stick), "STICK", STICK_ID, "exfat", 8 * 10**9)])
    qtbot.waitUntil(lambda: window.auto_backup.running, timeout=10_000)

    _close(qtbot, window)  # the background one is cancelled; the close backs up with its dialog and Cancel

    (written,) = _backups(stick)
    assert verify_backup(written, "passphrase", PASSPHRASE).clean
    assert sorted(p.name for p in stick.iterdir()) == [written.name]
