"""Thinning a folder of backups by the rotation policy, and the policy as a vault setting.

Only this vault's backups are ever deleted: regular files whose names are exactly the ones the backup
writer gives this vault (`domain/backup_names.py`). Links (even named like a backup; a link is never
followed), folders, other vaults' backups, files still being written (`….partial`) and anything else in
the folder are neither counted nor touched. Which backups go is `domain/rotation.py`'s decision.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path

from therapy_desk.domain.backup_names import parse_backup_name
from therapy_desk.domain.rotation import RotationPolicy, to_delete
from therapy_desk.errors import UserError, ValidationError
from therapy_desk.storage.files import fsync_dir
from therapy_desk.storage.practice import PracticeStore

ROTATION_SETTING = "backup.rotation"


@dataclass(frozen=True)
class PruneResult:
    """The file names rotation deleted (or, in a dry run, would delete) and kept, oldest first."""

    deleted: tuple[str, ...]
    kept: tuple[str, ...]


class PruneFailed(UserError):
    """An old backup could not be deleted. The ones deleted before it stay deleted (`deleted`); it and
    every one after it are still there."""

    def __init__(self, message: str, *, deleted: tuple[str, ...], failed: str) -> None:
        super().__init__(message)
        self.deleted = deleted
        self.failed = failed


def load_policy(practice: PracticeStore) -> RotationPolicy:
    """The vault's rotation policy; the defaults when none is stored or the stored one cannot be read."""
    stored = practice.setting(ROTATION_SETTING)
    if not stored:
        return RotationPolicy()
    try:
        return RotationPolicy.from_json_dict(json.loads(stored))
    except (ValueError, ValidationError, TypeError, RecursionError):
        # A damaged setting must not stop backups; the defaults keep more than most edits would.
        return RotationPolicy()


def save_policy(practice: PracticeStore, policy: RotationPolicy) -> None:
    """Store the rotation policy in the vault's settings (a change is audited like every setting)."""
    practice.set_setting(ROTATION_SETTING, json.dumps(policy.to_json_dict(), sort_keys=True))


def backups_in(folder: Path, vault_id: str) -> dict[datetime, str]:
    """This vault's backups in `folder`, by the time their names give: regular files only."""
    vault = str(uuid.UUID(vault_id))
    found: dict[datetime, str] = {}
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                name = parse_backup_name(entry.name)
                if name is None or name.vault_id != vault:
                    continue
                with contextlib.suppress(OSError):  # gone since listed: not there
                    if entry.is_file(follow_symlinks=False):
                        found[name.taken_at] = entry.name
    except OSError as err:
        raise UserError(f"Therapy Desk could not list the backups in {folder}: {_why(err)}.") from err
    return found


def prune(
    folder: Path,
    vault_id: str,
    policy: RotationPolicy,
    *,
    protect_file_names: Collection[str],
    now: datetime,
    dry_run: bool = False,
    zone: tzinfo = UTC,
) -> PruneResult:
    """Delete this vault's backups in `folder` that `policy` does not keep at `now`.

    `protect_file_names` are never deleted (pass the newest verified backup's name). Days, weeks and
    months are counted in `zone` (pass the practice's time zone). With `dry_run` nothing is deleted and
    the result says what would be. A file that cannot be deleted raises `PruneFailed` naming it and why;
    those deleted before it stay deleted and the rest are kept.
    """
    backups = backups_in(folder, vault_id)
    protected = {time for time, name in backups.items() if name in protect_file_names}
    doomed = to_delete(sorted(backups), now, policy, protect=protected, zone=zone)
    kept = tuple(backups[time] for time in sorted(backups) if time not in doomed)
    going = tuple(backups[time] for time in sorted(doomed))
    if dry_run:
        return PruneResult(deleted=going, kept=kept)
    deleted: list[str] = []
    try:
        for name in going:
            try:
                with contextlib.suppress(FileNotFoundError):  # removed by someone else: gone either way
                    os.unlink(folder / name)
            except OSError as err:
                left = len(going) - len(deleted)
                raise PruneFailed(
                    f"Therapy Desk could not delete the old backup {name} in {folder}: {_why(err)}. "
                    f"It was kept, with the other old backups not yet deleted ({left} in all); "
                    f"the {len(deleted)} deleted before it stay deleted.",
                    deleted=tuple(deleted),
                    failed=name,
                ) from err
            deleted.append(name)
    finally:
        if deleted:
            # The deletions happened; a folder fsync that fails only means a crash could bring files back.
            with contextlib.suppress(OSError):
                fsync_dir(folder)
    return PruneResult(deleted=tuple(deleted), kept=kept)


def _why(err: OSError) -> str:
    """Why an OS error happened, in words a user can act on."""
    if err.errno == errno.EROFS:
        return "the drive is read-only"
    if err.errno in (errno.EACCES, errno.EPERM):
        return "permission was refused (the file or its folder is read-only, or belongs to another user)"
    if err.errno == errno.ENOENT:
        return "the folder is not there (was the drive removed?)"
    if err.errno == errno.ENOTDIR:
        return "it is not a folder"
    if err.errno == errno.EIO:
        return "the drive reported a read or write error (was it removed?)"
    if err.errno == errno.EISDIR:
        return "it is a folder, not a backup file"
    return (err.strerror or type(err).__name__).rstrip(".").lower()
