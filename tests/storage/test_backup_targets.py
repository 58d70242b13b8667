"""Remembered backup targets: a folder, or a folder on a drive recognised by its identity wherever it is
mounted; stored in the vault's settings and read back as hostile input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from therapy_desk.errors import UserError
from therapy_desk.storage.backup_targets import (
    MAX_CHARS,
    MAX_TARGETS,
    TARGETS_SETTING,
    BackupTarget,
    Volume,
    forget_target,
    load_targets,
    parse_targets,
    remember_target,
    target_for,
    volume_id,
)
from therapy_desk.storage.vault import Vault


def test_a_folder_is_remembered_listed_and_forgotten(vault: Vault, tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    remember_target(vault.practice, BackupTarget(str(first)))
    remember_target(vault.practice, BackupTarget(str(second)))
    remember_target(vault.practice, BackupTarget(str(first)))  # again: moves to the top, not twice
    assert [t.folder for t in load_targets(vault.practice)] == [str(first), str(second)]
    forget_target(vault.practice, BackupTarget(str(first)))
    assert [t.folder for t in load_targets(vault.practice)] == [str(second)]


def test_the_same_stick_is_found_mounted_at_another_path(vault: Vault, tmp_path: Path) -> None:
    monday, tuesday = tmp_path / "media" / "STICK", tmp_path / "media" / "STICK1"
    (monday / "Backups").mkdir(parents=True)
    stick = Volume(str(monday), "STICK", "uuid:1234-ABCD", "vfat")
    target = target_for(monday / "Backups", [Volume("/", "", "/dev/sda1"), stick])
    assert (target.label, target.volume_id, target.inside) == ("STICK", "uuid:1234-ABCD", "Backups")
    remember_target(vault.practice, target)

    monday.rename(tuesday)  # unplugged, plugged in again: mounted under another name
    remembered = load_targets(vault.practice)[0]
    assert remembered.located([]) is None  # not plugged in: not connected
    assert remembered.located([Volume(str(tuesday), "STICK", "uuid:1234-ABCD")]) == tuesday / "Backups"
    # Another stick with the same name but another id is not this one.
    assert remembered.located([Volume(str(tuesday), "STICK", "uuid:9999-0000")]) is None
    # Where the system gives no id, the name decides.
    assert remembered.located([Volume(str(tuesday), "STICK", "")]) == tuesday / "Backups"


def test_a_plain_folder_is_connected_only_while_it_exists(tmp_path: Path) -> None:
    target = target_for(tmp_path / "backups", [])
    assert not target.on_drive
    assert target.located([]) is None
    (tmp_path / "backups").mkdir()
    assert target.located([]) == tmp_path / "backups"


def test_at_most_twenty_targets_and_no_overlong_words(vault: Vault, tmp_path: Path) -> None:
    for number in range(MAX_TARGETS):
        remember_target(vault.practice, BackupTarget(str(tmp_path / str(number))))
    with pytest.raises(UserError, match="at most 20"):
        remember_target(vault.practice, BackupTarget(str(tmp_path / "one more")))
    remember_target(vault.practice, BackupTarget(str(tmp_path / "3")))  # one already there is fine
    with pytest.raises(UserError, match="longer than"):
        remember_target(vault.practice, BackupTarget(str(tmp_path / ("x" * MAX_CHARS))))
    assert len(load_targets(vault.practice)) == MAX_TARGETS


def test_a_hostile_setting_is_read_as_far_as_it_makes_sense(vault: Vault) -> None:
    good = {"folder": "/media/backups", "label": "", "volume_id": "", "inside": ""}
    hostile = [
        good,
        {"folder": 7},
        {"folder": "relative/path"},
        {"folder": "/x", "label": "L" * (MAX_CHARS + 1)},
        {"folder": "/x", "label": "STICK", "inside": "../../etc"},
        {"folder": "/x\0y"},
        "not an object",
        *({"folder": f"/f{n}"} for n in range(100)),
    ]
    vault.practice.set_setting(TARGETS_SETTING, json.dumps(hostile))
    targets = load_targets(vault.practice)
    assert targets[0] == BackupTarget("/media/backups")
    assert len(targets) == MAX_TARGETS
    assert all(t.folder.startswith("/") and ".." not in t.inside for t in targets)
    for text in ("{", "[[[[" * 10_000, '{"folder": "/x"}', "x" * 1_000_000, None):
        assert parse_targets(text) == []


def test_a_device_is_named_by_its_file_system_id_where_linux_lists_one(tmp_path: Path) -> None:
    by_uuid = tmp_path / "by-uuid"
    by_uuid.mkdir()
    device = tmp_path / "sdb1"
    device.touch()
    (by_uuid / "1234-ABCD").symlink_to(device)
    assert volume_id(str(device), by_uuid=by_uuid) == "uuid:1234-ABCD"  # lasting, unlike the device
    assert volume_id(str(tmp_path / "sdz9"), by_uuid=by_uuid) == str(tmp_path / "sdz9")  # not listed: the device itself
    assert volume_id("\\\\?\\Volume{0b1c}\\") == "\\\\?\\Volume{0b1c}\\"  # Windows: already lasting
