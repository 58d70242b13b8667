"""Pruning a real folder of backups: only this vault's backup files go, and a failure says which and why."""

from __future__ import annotations

import errno
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from therapy_desk.domain.backup_names import backup_name
from therapy_desk.domain.rotation import RotationPolicy
from therapy_desk.errors import UserError
from therapy_desk.storage import backup_rotation
from therapy_desk.storage.backup_rotation import (
    ROTATION_SETTING,
    PruneFailed,
    load_policy,
    prune,
    save_policy,
)
from therapy_desk.storage.vault import Vault

VAULT = "3f2a91c0-5b7d-4e21-9a3c-0d8e6f1b2a47"
OTHER_VAULT = "9b1e0c55-2d4f-4a8e-8c6b-71f0a2d3e4b5"
NOW = datetime(2026, 12, 2, 12, tzinfo=UTC)
# Keep the newest 2 and one a day for 3 days: of ten daily backups, the newest three stay.
SMALL = RotationPolicy(keep_newest=2, keep_daily=3, keep_weekly=0, keep_monthly=0)


def name_of(vault_id: str, days_ago: int) -> str:
    return backup_name(vault_id, NOW - timedelta(days=days_ago, hours=1)).file_name


def put(folder: Path, name: str, content: bytes = b"backup") -> Path:
    path = folder / name
    path.write_bytes(content)
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Ten daily backups of this vault (0 to 9 days old) among things rotation must leave alone."""
    target = tmp_path / "drive"
    target.mkdir()
    for days_ago in range(10):
        put(target, name_of(VAULT, days_ago))
    for days_ago in range(20, 40):
        put(target, name_of(OTHER_VAULT, days_ago))
    put(target, name_of(VAULT, 30) + ".partial")
    put(target, name_of(VAULT, 31).replace(VAULT, VAULT.upper()))
    put(target, f"TherapyDesk-{VAULT}-20261302T120000Z.tdbackup")
    put(target, "notes.txt")
    outside = tmp_path / "elsewhere.tdbackup"
    outside.write_bytes(b"not ours")
    (target / name_of(VAULT, 32)).symlink_to(outside)
    (target / name_of(VAULT, 33)).mkdir()
    return target


def listing(folder: Path) -> set[str]:
    return set(os.listdir(folder))


def test_only_this_vaults_old_backup_files_are_deleted(folder: Path) -> None:
    before = listing(folder)
    result = prune(folder, VAULT, SMALL, protect_file_names=(), now=NOW)
    old = {name_of(VAULT, days_ago) for days_ago in range(3, 10)}
    assert set(result.deleted) == old
    assert result.kept == tuple(name_of(VAULT, days_ago) for days_ago in (2, 1, 0))
    assert listing(folder) == before - old
    assert (folder / name_of(VAULT, 32)).is_symlink()
    assert (folder.parent / "elsewhere.tdbackup").read_bytes() == b"not ours"
    assert (folder / name_of(VAULT, 33)).is_dir()


def test_the_protected_backup_is_kept_however_old(folder: Path) -> None:
    verified = name_of(VAULT, 7)
    result = prune(folder, VAULT, SMALL, protect_file_names={verified}, now=NOW)
    assert verified not in result.deleted
    assert verified in result.kept
    assert (folder / verified).exists()
    assert len(result.deleted) == 6


def test_a_dry_run_names_what_would_go_and_deletes_nothing(folder: Path) -> None:
    before = listing(folder)
    planned = prune(folder, VAULT, SMALL, protect_file_names=(), now=NOW, dry_run=True)
    assert listing(folder) == before
    assert prune(folder, VAULT, SMALL, protect_file_names=(), now=NOW) == planned
    assert prune(folder, VAULT, SMALL, protect_file_names=(), now=NOW).deleted == ()


def test_the_folder_is_flushed_after_deleting(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    flushed: list[Path] = []
    monkeypatch.setattr(backup_rotation, "fsync_dir", flushed.append)
    prune(folder, VAULT, SMALL, protect_file_names=(), now=NOW)
    assert flushed == [folder]


def test_a_backup_that_cannot_be_deleted_is_named_and_the_rest_are_kept(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Tests run as root in CI, where a read-only folder does not stop unlink: fail at the OS edge instead.
    stuck = name_of(VAULT, 6)
    real_unlink = os.unlink

    def unlink(path: os.PathLike[str] | str) -> None:
        if Path(path).name == stuck:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        real_unlink(path)

    monkeypatch.setattr(os, "unlink", unlink)
    with pytest.raises(PruneFailed) as caught:
        prune(folder, VAULT, SMALL, protect_file_names=(), now=NOW)
    sentence = str(caught.value)
    assert f"could not delete the old backup {stuck} in {folder}: permission was refused" in sentence
    assert "(4 in all)" in sentence
    assert "the 3 deleted before it stay deleted" in sentence
    assert isinstance(caught.value, UserError)
    # Oldest first: 9, 8 and 7 days old went; 6 failed, so it and 5, 4 and 3 days old are all still there.
    assert caught.value.deleted == tuple(name_of(VAULT, days_ago) for days_ago in (9, 8, 7))
    assert all((folder / name_of(VAULT, days_ago)).exists() for days_ago in range(7))
    assert not any((folder / name_of(VAULT, days_ago)).exists() for days_ago in (7, 8, 9))

    monkeypatch.setattr(os, "unlink", real_unlink)
    finished = prune(folder, VAULT, SMALL, protect_file_names=(), now=NOW)
    assert finished.deleted == tuple(name_of(VAULT, days_ago) for days_ago in (6, 5, 4, 3))


def test_a_folder_that_is_gone_is_a_sentence(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"could not list the backups in .*: the folder is not there"):
        prune(tmp_path / "unplugged", VAULT, SMALL, protect_file_names=(), now=NOW)


def test_an_empty_folder_has_nothing_to_prune(tmp_path: Path) -> None:
    assert prune(tmp_path, VAULT, RotationPolicy(), protect_file_names=(), now=NOW) == backup_rotation.PruneResult(
        (), ()
    )


def test_the_policy_is_a_vault_setting_with_the_defaults_until_saved(vault: Vault) -> None:
    assert load_policy(vault.practice) == RotationPolicy()
    edited = RotationPolicy(keep_newest=5, keep_daily=7, keep_weekly=0, keep_monthly=60)
    save_policy(vault.practice, edited)
    assert load_policy(vault.practice) == edited
    assert json.loads(vault.practice.setting(ROTATION_SETTING) or "") == edited.to_json_dict()


@pytest.mark.parametrize(
    "stored",
    ["not json", "[3, 14]", '{"keep_newest": 0}', '{"keep_daily": "lots"}', '{"keep_monthly": 1e400}', "null"],
)
def test_an_unreadable_policy_falls_back_to_the_defaults(vault: Vault, stored: str) -> None:
    vault.practice.set_setting(ROTATION_SETTING, stored)
    assert load_policy(vault.practice) == RotationPolicy()


def test_a_stored_policy_missing_a_number_takes_its_default(vault: Vault) -> None:
    vault.practice.set_setting(ROTATION_SETTING, '{"keep_monthly": 84, "future_rule": 2}')
    assert load_policy(vault.practice) == RotationPolicy(keep_monthly=84)
