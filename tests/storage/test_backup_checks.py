"""The remembered outcome of each Verify (`backup.checks`): kept past a lock, tied to the file's size,
bounded, and read as hostile input."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from therapy_desk.domain.backup_names import backup_name
from therapy_desk.storage.backup_checks import (
    CHECKS_SETTING,
    MAX_CHECKS,
    check_states,
    load_checks,
    remember_check,
)
from therapy_desk.storage.backup_target import BackupFile
from therapy_desk.storage.vault import Vault


def _file(vault: Vault, folder: Path, minutes: int, size: int = 1000) -> BackupFile:
    name = backup_name(vault.vault_id, datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes))
    return BackupFile(folder / name.file_name, name, size)


def test_a_check_is_remembered_and_a_file_of_another_size_is_not_checked(vault: Vault, tmp_path: Path) -> None:
    clean, damaged, other = (_file(vault, tmp_path, minutes) for minutes in (1, 2, 3))
    remember_check(vault.practice, clean.path, clean.size, clean=True)
    remember_check(vault.practice, damaged.path, damaged.size, clean=False)

    assert check_states(vault.practice, [clean, damaged, other]) == {clean.path: True, damaged.path: False}
    replaced = BackupFile(clean.path, clean.name, clean.size + 1)  # the same name, another file now
    assert check_states(vault.practice, [replaced]) == {}


def test_a_later_check_of_the_same_file_replaces_the_earlier(vault: Vault, tmp_path: Path) -> None:
    file = _file(vault, tmp_path, 1)
    remember_check(vault.practice, file.path, file.size, clean=True)
    remember_check(vault.practice, file.path, file.size, clean=False)
    assert check_states(vault.practice, [file]) == {file.path: False}
    assert len(load_checks(vault.practice)) == 1


def test_only_the_newest_checks_are_kept(vault: Vault, tmp_path: Path) -> None:
    files = [_file(vault, tmp_path, minutes) for minutes in range(MAX_CHECKS + 5)]
    text = json.dumps(
        [
            {"file_name": f.path.name, "size": f.size, "checked_at": "2026-01-01T00:00:00+00:00", "clean": True}
            for f in files
        ]
    )
    vault.practice.set_setting(CHECKS_SETTING, text)
    newest = _file(vault, tmp_path, 10_000)
    remember_check(vault.practice, newest.path, newest.size, clean=True)
    kept = load_checks(vault.practice)
    assert len(kept) == MAX_CHECKS
    assert newest.path.name in kept
    assert files[-1].path.name not in kept  # the oldest at the end of the list went


def test_a_hostile_setting_is_read_as_nothing_checked(vault: Vault, tmp_path: Path) -> None:
    file = _file(vault, tmp_path, 1)
    for text in (
        "not json",
        json.dumps({"file_name": file.path.name}),
        json.dumps([{"file_name": "../../etc/passwd", "size": 1, "checked_at": "x", "clean": True}]),
        json.dumps([{"file_name": file.path.name, "size": True, "checked_at": "x", "clean": True}]),
        json.dumps([{"file_name": file.path.name, "size": file.size, "checked_at": "x", "clean": "yes"}]),
        "[" * 100_000,
    ):
        vault.practice.set_setting(CHECKS_SETTING, text)
        assert check_states(vault.practice, [file]) == {}
