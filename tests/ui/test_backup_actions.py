# pytest-qt's QtBot methods carry no annotations:
# mypy: disable-error-code="no-untyped-call"
"""Back up now (Ctrl+B) from the main window, the status bar's "Last verified backup" line, and Today's
warning when there is no recent verified backup."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox
from pytestqt.qtbot import QtBot

from tests.conftest import PASSPHRASE
from therapy_desk.domain.backup import LastBackup
from therapy_desk.storage.backup import create_backup, verify_backup
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import theme
from therapy_desk.ui.backup_actions import LAST_TEST_SETTING, NEVER, backup_line, restore_test_due
from therapy_desk.ui.main_window import MainWindow
from therapy_desk.ui.ops import Ops
from therapy_desk.ui.today import TodayView

NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)


def _last(days_ago: float) -> LastBackup:
    return LastBackup(NOW - timedelta(days=days_ago), "/media/usb", "TherapyDesk-x.tdbackup", 1000, "ab" * 32)


def test_the_line_says_never_or_when_and_warns_after_the_practices_days() -> None:
    assert backup_line(None, NOW, 7) == (NEVER, True)
    recent, stale = backup_line(_last(3), NOW, 7)
    assert recent.startswith("Last verified backup: Nov 29, 2026")
    assert not stale
    old, stale = backup_line(_last(8), NOW, 7)
    assert old.endswith("— more than 7 days ago")
    assert stale


def test_ctrl_b_backs_up_to_the_chosen_folder_verifies_it_and_moves_the_line(
    qtbot: QtBot, vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    usb = tmp_path / "usb"
    usb.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *_args: str(usb))  # the OS's folder picker
    window = MainWindow(vault, [("Today", TodayView)])
    qtbot.addWidget(window)
    with qtbot.waitExposed(window):
        window.show()
    today = window.current_page()
    assert isinstance(today, TodayView)
    assert window.backup_label.text() == NEVER
    assert theme.role_of(window.backup_label) == theme.WARNING
    assert today.backup_warning.isVisibleTo(today)

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    QTest.keyClick(window, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.backup_label.text() != NEVER, timeout=30_000)

    (written,) = usb.iterdir()
    assert verify_backup(written, "passphrase", PASSPHRASE).clean
    assert window.backup_label.text().startswith("Last verified backup: ")
    assert theme.role_of(window.backup_label) is None
    assert "Test a backup" in today.backup_warning.text()  # Today followed at once: only the monthly test left
    assert theme.role_of(today.backup_warning) == theme.MUTED


def test_a_backup_is_tested_by_restoring_it_aside_and_the_result_is_kept(
    qtbot: QtBot, vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = create_backup(vault, tmp_path)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *_args: (str(result.path), ""))
    monkeypatch.setattr(QInputDialog, "getText", lambda *_args: (PASSPHRASE, True))
    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _parent, _title, text: said.append(text))
    window = MainWindow(vault, [("Today", TodayView)])
    qtbot.addWidget(window)

    window.test_backup_action.trigger()
    qtbot.waitUntil(lambda: bool(said), timeout=30_000)

    assert "opened and checked clean" in said[0]
    assert "temporary copy is deleted" in said[0]
    recorded = json.loads(vault.practice.setting(LAST_TEST_SETTING) or "{}")
    assert recorded["file"] == result.path.name
    assert recorded["passed"] is True


def test_today_offers_a_test_restore_once_a_month(qtbot: QtBot, vault: Vault, ops: Ops, tmp_path: Path) -> None:
    create_backup(vault, tmp_path)  # a verified backup: no warning about backing up
    today = TodayView(vault, ops)
    qtbot.addWidget(today)
    today.refresh()
    assert today.backup_warning.isVisibleTo(today)
    assert "Test a backup" in today.backup_warning.text()
    assert restore_test_due(vault, NOW)

    vault.practice.set_setting(
        LAST_TEST_SETTING, json.dumps({"time": datetime.now(UTC).isoformat(), "file": "x", "passed": True})
    )
    today.refresh()
    assert not restore_test_due(vault, datetime.now(UTC)), vault.practice.setting(LAST_TEST_SETTING)
    assert not today.backup_warning.isVisibleTo(today), today.backup_warning.text()
    vault.practice.set_setting(LAST_TEST_SETTING, "not json")
    assert restore_test_due(vault, datetime.now(UTC))  # an unreadable record asks for a test again
