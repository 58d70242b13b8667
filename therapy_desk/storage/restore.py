"""Restoring a backup file into a vault folder, and test restores (docs/BACKUP-FORMAT.md, "Restoring").

`restore_backup` verifies the backup from its drive first (`verify_backup`): nothing is written before it
is known whole. Its members are then read again into a private staging folder beside the target (and must
be the very bytes verified: the whole file's SHA-256 is compared), their row counts checked with the key
the secret unwraps, fsynced, and the folder is renamed into place. A vault already at the target is the same
vault or the restore is refused; it is renamed aside whole, as the pre-restore copy
`<folder name>.pre-restore-<UTC time>` beside it, before the staging folder takes its name, and renamed back
if installing or opening the restored vault fails. There is never a half-restored vault under the target's
name: it is the old folder, the restored one, or (for the instant between two renames) nothing.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import tempfile
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from therapy_desk.domain.backup import DATABASE, KEYSLOTS, LAST_VERIFIED_KEY, LastBackup, Manifest
from therapy_desk.domain.passphrase import check_new_passphrase
from therapy_desk.errors import StorageFull, UnusableLocation, UserError, VaultDamaged, VaultExists
from therapy_desk.storage import db, keyslots
from therapy_desk.storage.backup import verify_backup
from therapy_desk.storage.backup_read import Progress, audit_head, count_rows, read_backup
from therapy_desk.storage.files import (
    fsync_dir,
    make_private_dir,
    os_errors_as_user_errors,
    tighten_permissions,
    user_error_for_os_error,
)
from therapy_desk.storage.keyslots import KdfParams, Keyslots, normalize_recovery_code
from therapy_desk.storage.lock import LOCK_FILE, VaultLock
from therapy_desk.storage.vault import Vault
from therapy_desk.storage.vault_folder import database_salt
from therapy_desk.storage.wipe import wipe

SecretKind = Literal["passphrase", "recovery"]
PRE_RESTORE = "pre-restore"
_STAMP = "%Y%m%dT%H%M%SZ"


class BackupDamaged(VaultDamaged):
    """A backup that failed verification: nothing was restored. `problems` names each finding."""

    def __init__(self, message: str, problems: list[str]) -> None:
        super().__init__(message)
        self.problems = problems


@dataclass(frozen=True)
class RestoreResult:
    """A backup restored into `folder`, opened and checked (then locked again)."""

    folder: Path
    manifest: Manifest  # the backup's: its time (`created_at`), vault id and row counts
    pre_restore: Path | None  # where the vault that was at `folder` went; None if the folder was new or empty
    check_problems: list[str] = field(default_factory=list)  # what `Vault.check` found in the restored vault
    seconds: float = 0.0
    verified: LastBackup | None = None  # the backup file as this restore verified it from its drive

    @property
    def rows(self) -> int:
        return sum(self.manifest.row_counts.values())

    @property
    def clean(self) -> bool:
        return not self.check_problems


@dataclass(frozen=True)
class TestRestoreReport:
    """What a test restore found: a backup that restores, opens, checks clean and holds its recorded rows."""

    __test__ = False  # not a pytest test class, whatever its name

    path: Path
    tested_at: datetime
    manifest: Manifest | None
    problems: list[str]
    seconds: float

    @property
    def passed(self) -> bool:
        return not self.problems


def restore_backup(
    backup_path: Path,
    target_folder: Path,
    secret_kind: SecretKind,
    secret: str,
    *,
    new_passphrase: str | None = None,
    progress: Progress | None = None,
    kdf: KdfParams | None = None,
) -> RestoreResult:
    """Restore the backup at `backup_path` into `target_folder`, open it with `secret` and check it.

    `secret` is the backup's own passphrase or recovery code. With a recovery code, `new_passphrase` is
    required and becomes the restored vault's passphrase (as `Vault.recover`; `kdf` is for tests). The target
    is a missing or empty folder (a new vault there) or a folder holding the same vault, which is kept aside
    as the pre-restore copy; another vault's backup goes only into a new or empty folder. Raises a UserError
    with a sentence for every refusal (`BackupDamaged` with the problems of a damaged backup); nothing is
    changed then. `progress(done, total)` may raise to cancel until the files are installed.
    """
    started = time.perf_counter()
    path = Path(backup_path).expanduser().absolute()
    target = Path(target_folder).expanduser().absolute()
    if secret_kind == "recovery":  # noqa: S105 - the kind of secret, not one
        if new_passphrase is None:
            raise UserError("Restoring with a recovery code needs a new passphrase for the restored vault.")
        check_new_passphrase(new_passphrase)
        secret = normalize_recovery_code(secret)
    holds_vault = _refuse_unusable_target(target)  # before the long verification: the cheap refusals
    size = path.stat().st_size if path.is_file() else 0
    ticks = _Ticks(progress, max(size, 1) * 5)
    report = verify_backup(path, secret_kind, secret, progress=ticks.phase(0, 3))
    manifest = report.manifest
    if report.problems or manifest is None:
        problems = report.problems or ["Its manifest cannot be read."]
        raise BackupDamaged(
            f"The backup {path.name} did not verify, so nothing was restored: {_lower(problems[0])} "
            "Use an earlier backup that verifies.",
            problems,
        )
    parent = target.parent
    lock: VaultLock | None = None
    staging = parent / f".{target.name}.restoring-{secrets.token_hex(4)}"
    pre: Path | None = None
    installed, had_empty_folder = False, not holds_vault and target.is_dir()
    try:
        with _os_errors_named(target):
            parent.mkdir(parents=True, exist_ok=True)
            if holds_vault:
                lock = VaultLock(target)
                lock.acquire(target / db.DB_FILE)  # VaultInUse, with its sentence, while it is open elsewhere
                _refuse_other_vault(target, manifest, path)
                _remove_leftovers(parent, target.name)  # under the lock: no other restore of it is running
            elif target.exists() and any(target.iterdir()):  # filled while the backup was verified
                raise VaultExists(f"{target} now holds files. Choose an empty or new folder; nothing was restored.")
            make_private_dir(staging)
            _stage(path, staging, report.sha256, manifest, secret_kind, secret, ticks.phase(3, 4))
            if holds_vault:
                pre = _free_name(parent / f"{target.name}.{PRE_RESTORE}-{datetime.now(UTC):{_STAMP}}")
                os.rename(target, pre)
            elif target.is_dir():
                target.rmdir()  # the empty folder chosen: a folder cannot be renamed onto it everywhere
            try:
                os.rename(staging, target)
            except BaseException:
                _give_back(target, pre, had_empty_folder=had_empty_folder)
                raise
            installed = True
            with contextlib.suppress(OSError):  # in place; a failing folder fsync must not undo it
                fsync_dir(parent)
        if lock is not None:
            lock.release()  # the lock of the folder now aside: the restored one gets its own
            lock = None
        problems = _open_and_check(target, secret_kind, secret, new_passphrase, kdf)
    except BaseException:
        if lock is not None:
            lock.release()
        shutil.rmtree(staging, ignore_errors=True)
        if installed:
            _take_back(target, pre, had_empty_folder=had_empty_folder)
        raise
    with contextlib.suppress(Exception):  # restored: a cancel pressed at 100% comes too late to matter
        ticks.finish()
    verified = LastBackup(
        datetime.now(UTC), str(path.parent), path.name, size, report.sha256, manifest.audit_seq, manifest.audit_hash
    )
    return RestoreResult(target, manifest, pre, problems, time.perf_counter() - started, verified)


def restore_and_open(
    backup_path: Path,
    target_folder: Path,
    secret_kind: SecretKind,
    secret: str,
    *,
    new_passphrase: str | None = None,
    progress: Progress | None = None,
) -> tuple[RestoreResult, Vault]:
    """`restore_backup`, then the restored vault opened with its passphrase (the backup's, or the new one the
    recovery code set) and, when it checked clean, the backup it came from recorded as its last verified one
    (`record_restored_backup`). The caller closes the vault."""
    result = restore_backup(
        backup_path, target_folder, secret_kind, secret, new_passphrase=new_passphrase, progress=progress
    )
    passphrase = new_passphrase if secret_kind == "recovery" and new_passphrase else secret  # noqa: S105 - a kind
    vault = Vault.open(result.folder, passphrase)
    try:
        record_restored_backup(vault, result)
    except BaseException:
        vault.close()
        raise
    return result, vault


def record_restored_backup(vault: Vault, result: RestoreResult) -> None:
    """In the vault just restored (and opened), record the backup it came from as its last verified backup:
    it was verified from its drive moments ago and holds exactly this vault, so the status line is not
    "never" and, for the automatic backups, nothing has changed since it. Only for a restore that checked
    clean. `restore_backup` itself leaves the restored database as the backup holds it."""
    if result.clean and result.verified is not None and vault.vault_id == result.manifest.vault_id:
        vault.practice.set_setting(LAST_VERIFIED_KEY, result.verified.to_json())


def test_restore(
    backup_path: Path,
    secret_kind: SecretKind,
    secret: str,
    *,
    progress: Progress | None = None,  # noqa: PT028 - not a pytest test
) -> TestRestoreReport:
    """Restore the backup into a temporary folder, open and check it, then delete the folder.

    A damaged backup, or one that restores but does not check clean, is a report with `problems`; a wrong
    secret, a missing file or a backup from a newer app raise a UserError (the test could not run).
    """
    started = time.perf_counter()
    tested_at = datetime.now(UTC).replace(microsecond=0)
    path = Path(backup_path).expanduser().absolute()
    throwaway = None
    if secret_kind == "recovery":  # noqa: S105 - the kind of secret, not one
        throwaway = secrets.token_urlsafe(24)  # the temporary vault needs a passphrase; nobody ever types it
    with tempfile.TemporaryDirectory(prefix="therapy-desk-test-restore-") as temp:
        try:
            result = restore_backup(
                path,
                Path(temp) / "vault",
                secret_kind,
                secret,
                new_passphrase=throwaway,
                progress=progress,
                kdf=keyslots.KDF_FLOOR,  # the vault is deleted in a moment: no need to calibrate
            )
        except BackupDamaged as damaged:
            return TestRestoreReport(path, tested_at, None, damaged.problems, time.perf_counter() - started)
    return TestRestoreReport(
        path, tested_at, result.manifest, list(result.check_problems), time.perf_counter() - started
    )


test_restore.__test__ = False  # type: ignore[attr-defined]  # a test module importing it must not collect it


# -- the steps ----------------------------------------------------------------------------------------------


def _refuse_unusable_target(target: Path) -> bool:
    """Whether `target` holds a vault; a sentence if it can take no restore (a file, a folder of other things)."""
    with os_errors_as_user_errors(target):
        if target.is_symlink():
            raise UnusableLocation(
                f"{target} is a link. Restore into the folder it leads to (name that folder itself); nothing was "
                "changed."
            )
        if target.exists() and not target.is_dir():
            raise UnusableLocation(f"{target} is not a folder. Restore into a vault's folder or a new, empty one.")
        if not target.exists() or not any(target.iterdir()):
            return False
        if not (target / KEYSLOTS).exists() and not (target / DATABASE).exists():
            raise VaultExists(
                f"{target} holds files but no vault. Restore into the vault's own folder or a new, empty one; "
                "nothing was changed."
            )
    return True


def _refuse_other_vault(target: Path, manifest: Manifest, path: Path) -> None:
    """The vault at `target` must be the backup's: same vault id, or (key file unreadable) same database salt."""
    try:
        same = Keyslots.load(target).vault_id == manifest.vault_id
    except UserError:  # a damaged key file: the database's salt still tells which vault it is
        salt = database_salt(target / db.DB_FILE)
        staged_salt = None
        with contextlib.suppress(UserError):
            staged_salt = _backup_salt(path)
        if salt is None or staged_salt is None:
            raise VaultDamaged(
                f"Which vault is in {target} cannot be told (its key file and database are unreadable), so the "
                "backup was not restored over it. Restore into a new, empty folder; nothing was changed."
            ) from None
        same = salt.hex() == staged_salt
    if not same:
        raise VaultExists(
            f"This backup is of another vault (id {manifest.vault_id}) than the one in {target}. Restore another "
            "vault's backup only into a new folder; nothing was changed."
        )


def _backup_salt(path: Path) -> str | None:
    """The database salt the backup's own key file records."""
    with zipfile.ZipFile(path) as archive, tempfile.TemporaryDirectory(prefix="therapy-desk-salt-") as temp:
        (Path(temp) / KEYSLOTS).write_bytes(archive.read(KEYSLOTS))
        return Keyslots.load(Path(temp)).database_salt


def _stage(
    path: Path,
    staging: Path,
    verified_sha: str,
    manifest: Manifest,
    kind: SecretKind,
    secret: str,
    progress: Progress,
) -> None:
    """The backup's members read into `staging`, checked to be the verified bytes and rows, and fsynced."""
    size = max(path.stat().st_size, 1)
    done = [0]

    def tick(amount: int) -> None:
        done[0] += amount
        progress(min(done[0], size), size)

    found = read_backup(path, staging, from_drive=True, progress=tick)
    if found.problems or found.sha256 != verified_sha or not {DATABASE, KEYSLOTS} <= found.extracted:
        raise VaultDamaged(
            f"The backup {path.name} changed on the drive after it verified (or its drive is failing), so nothing "
            "was restored. Check the drive and try again."
        )
    key = Keyslots.load(staging).unwrap(kind, secret)
    try:
        conn = db.connect(staging / DATABASE, key)
        try:
            counts, head = count_rows(conn), audit_head(conn)
        finally:
            conn.close()
    finally:
        wipe(key)
    if counts != manifest.row_counts or head != (manifest.audit_seq, manifest.audit_hash):
        raise VaultDamaged(
            f"The database read from {path.name} does not hold the rows it verified with; nothing was restored."
        )
    (staging / LOCK_FILE).touch(mode=0o600)
    tighten_permissions(staging)
    for member in staging.iterdir():
        fd = os.open(member, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    fsync_dir(staging)


@contextlib.contextmanager
def _os_errors_named(target: Path) -> Iterator[None]:
    """OS errors while restoring, as sentences: the known ones as usual, any other (EIO) too."""
    try:
        yield
    except OSError as err:
        known = user_error_for_os_error(err, target.parent)
        if known is not None:
            raise known from err
        raise StorageFull(
            f"Therapy Desk could not restore into {target} ({err.strerror or 'input/output error'}); what was "
            "there before is back in place. Check the disk and try again."
        ) from err


def _remove_leftovers(parent: Path, name: str) -> None:
    """Staging folders an interrupted restore into this folder left (only their own exact names, real folders)."""
    own = re.compile(rf"\.{re.escape(name)}\.restoring-[0-9a-f]{{8}}", re.DOTALL)
    with contextlib.suppress(OSError):
        for entry in os.scandir(parent):
            if own.fullmatch(entry.name) and entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)


def _free_name(wanted: Path) -> Path:
    if not wanted.exists():
        return wanted
    return wanted.with_name(f"{wanted.name}-{secrets.token_hex(2)}")


def _give_back(target: Path, pre: Path | None, *, had_empty_folder: bool) -> None:
    """Put back what was at `target` before the restore: the pre-restore copy, or the empty folder."""
    with contextlib.suppress(OSError):
        if pre is not None:
            os.rename(pre, target)
        elif had_empty_folder and not target.exists():
            target.mkdir(mode=0o700)
        fsync_dir(target.parent)


def _take_back(target: Path, pre: Path | None, *, had_empty_folder: bool) -> None:
    """Undo an installed restore: the restored folder renamed out of the way first (so the old vault's name is
    free even if deleting it fails part way), the old vault given back, then the restored folder deleted."""
    failed = target.parent / f".{target.name}.restoring-{secrets.token_hex(4)}"
    try:
        os.rename(target, failed)
    except OSError:
        return  # the restored vault stays; the pre-restore copy beside it is whole
    _give_back(target, pre, had_empty_folder=had_empty_folder)
    shutil.rmtree(failed, ignore_errors=True)


def _open_and_check(
    target: Path, kind: SecretKind, secret: str, new_passphrase: str | None, kdf: KdfParams | None
) -> list[str]:
    """Open the restored vault as the user will (a recovery code sets the new passphrase), check it, lock it."""
    if kind == "recovery":
        assert new_passphrase is not None
        vault = Vault.recover(target, secret, new_passphrase, kdf=kdf)
    else:
        vault = Vault.open(target, secret)
    with vault:
        return list(vault.check().problems)


def _lower(sentence: str) -> str:
    return sentence[:1].lower() + sentence[1:]


class _Ticks:
    """One `progress(done, total)` over the whole restore; `phase(a, b)` maps a step's own fraction into it."""

    def __init__(self, progress: Progress | None, total: int) -> None:
        self._progress, self._total = progress, total

    def phase(self, start: int, end: int) -> Progress:
        unit = self._total // 5

        def report(done: int, total: int) -> None:
            if self._progress is not None:
                at = start * unit + (end - start) * unit * done // max(total, 1)
                self._progress(min(at, self._total - 1), self._total)

        return report

    def finish(self) -> None:
        if self._progress is not None:
            self._progress(self._total, self._total)
