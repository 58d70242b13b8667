"""Backups: one `.tdbackup` file written safely to a folder, verified from the drive, and recorded.

`create_backup` takes a consistent snapshot of the open vault with SQLite's backup API (inside one read
transaction, so writers carry on and the copy is one moment), writes it with the key file, an audit anchor
for the snapshot's head and a manifest into a ZIP under a temporary name, flushes, fsyncs, renames it into
place (never over an existing file), fsyncs the folder, then reads it back from the drive and checks it
whole. Only a backup that verified is reported and recorded (`last_verified_backup`). The format is in
docs/BACKUP-FORMAT.md.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import os
import shutil
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from therapy_desk import __version__
from therapy_desk.domain.backup import (
    ANCHOR,
    DATABASE,
    KEYSLOTS,
    LAST_VERIFIED_KEY,
    MANIFEST,
    LastBackup,
    Manifest,
    ManifestInvalid,
    MemberInfo,
    is_change,
    parse_last_backup,
)
from therapy_desk.domain.backup_names import PREFIX, SUFFIX, backup_name
from therapy_desk.domain.scheduling import zone
from therapy_desk.errors import (
    StorageFull,
    UnusableLocation,
    UserError,
    VaultDamaged,
    WrongPassphrase,
    WrongRecoveryCode,
)
from therapy_desk.storage import db
from therapy_desk.storage.anchor import ANCHOR_FILE, AuditAnchor, anchor_key
from therapy_desk.storage.audit import GENESIS_HASH
from therapy_desk.storage.backup_read import (
    CHUNK,
    BackgroundSha256,
    Progress,
    audit_head,
    check_database,
    count_rows,
    read_backup,
)
from therapy_desk.storage.backup_rotation import PruneResult, load_policy, prune
from therapy_desk.storage.backup_target import check_target
from therapy_desk.storage.files import fsync_dir, link_into_place, user_error_for_os_error
from therapy_desk.storage.keyslots import Keyslots, normalize_recovery_code
from therapy_desk.storage.practice_zone import practice_zone_name
from therapy_desk.storage.vault_folder import database_salt, refuse_mismatched_pair
from therapy_desk.storage.wipe import wipe

if TYPE_CHECKING:
    from therapy_desk.storage.vault import Vault

STEP_PAGES = 1024  # pages per backup step: progress and cancel between steps
ZIP_OVERHEAD = 64 * 1024  # headers, the key file, the anchor and the manifest, generously
_ZIP_TIME_FLOOR = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class BackupResult:
    """A backup written and verified from its drive."""

    path: Path
    size: int
    sha256: str
    manifest: Manifest
    seconds: float


@dataclass(frozen=True)
class VerifyReport:
    """What `verify_backup` found: no problems means the backup is whole and opens with its key."""

    path: Path
    manifest: Manifest | None
    size: int
    sha256: str
    problems: list[str]

    @property
    def clean(self) -> bool:
        return not self.problems


class _Ticks:
    """Progress in bytes of work over the whole backup, for `progress(done, total)`."""

    def __init__(self, progress: Progress | None, total: int) -> None:
        self._progress, self.total, self.done = progress, max(total, 1), 0

    def add(self, amount: int) -> None:
        self.done = min(self.done + amount, self.total - 1)
        self.tick()

    def tick(self) -> None:
        if self._progress is not None:
            self._progress(self.done, self.total)

    def finish(self) -> None:
        self.done = self.total
        self.tick()


# -- creating -------------------------------------------------------------------------------------------


def create_backup(
    vault: Vault, target_dir: Path, *, now: datetime | None = None, progress: Progress | None = None
) -> BackupResult:
    """Back `vault` up into `target_dir`, verify the file from the drive, record it; or a UserError and no file.

    `progress(done, total)` may raise to cancel: the temporary files go, and no file is left under the final name.
    """
    started = time.perf_counter()
    target_dir = Path(target_dir).expanduser().absolute()
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    final = target_dir / backup_name(vault.vault_id, moment).file_name
    conn = vault.db.conn
    pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
    db_bytes = pages * int(conn.execute("PRAGMA page_size").fetchone()[0])
    estimate = db_bytes + ZIP_OVERHEAD
    # While it is written: the snapshot and the file; while it is checked: the file and the copy opened.
    check_target(target_dir, file_size=estimate, space_needed=2 * estimate)
    if final.exists():
        raise UnusableLocation(
            f"A backup named {final.name} is already in {target_dir}; it was not touched. Wait a second and try again."
        )
    _remove_leftovers(target_dir, vault.vault_id)
    ticks = _Ticks(progress, 5 * db_bytes)
    partial = target_dir / f".{final.name}.partial"
    snapshot = target_dir / f".{final.name}.snapshot"
    work: Path | None = None
    placed = False
    try:
        with _os_errors_named(target_dir):
            work = Path(tempfile.mkdtemp(prefix=f".{final.name}.work-", dir=target_dir))
            manifest_base = _snapshot(vault, snapshot, ticks)
            members = {DATABASE: snapshot, KEYSLOTS: _key_file(vault, work)}
            if (vault.folder / ANCHOR_FILE).exists():
                members[ANCHOR] = _anchor_for(vault, work, manifest_base.audit_seq, manifest_base.audit_hash)
            manifest = _write_zip(partial, members, manifest_base, ticks)
            snapshot.unlink()
            _place(partial, final)
            placed = True
            fsync_dir(target_dir)
            verify_dir = work / "verify"
            verify_dir.mkdir(mode=0o700)
            found = read_backup(final, verify_dir, from_drive=True, progress=ticks.add)
            problems = list(found.problems)
            if found.manifest != manifest and not problems:
                problems.append("the manifest read back is not the one written")
            if not problems:
                problems += check_database(verify_dir, vault._data_key, manifest, tick=ticks.tick)
        if problems:
            raise VaultDamaged(
                f"The backup written to {target_dir} did not read back intact from the drive, so it was deleted: "
                f"{problems[0][:1].lower()}{problems[0][1:]} The drive may be failing; try another. Your vault was "
                "not changed."
            )
    except BaseException:
        with contextlib.suppress(OSError):
            if placed:
                final.unlink(missing_ok=True)
                fsync_dir(target_dir)
        raise
    finally:
        for leftover in (partial, snapshot):
            with contextlib.suppress(OSError):
                leftover.unlink(missing_ok=True)
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
    head = (manifest.audit_seq, manifest.audit_hash)  # what the next automatic backup compares with
    record = LastBackup(datetime.now(UTC), str(target_dir), final.name, found.size, found.sha256, *head)
    vault.practice.set_setting(LAST_VERIFIED_KEY, record.to_json())
    ticks.finish()
    return BackupResult(final, found.size, found.sha256, manifest, time.perf_counter() - started)


def back_up_and_rotate(
    vault: Vault, target_dir: Path, *, now: datetime | None = None, progress: Progress | None = None
) -> tuple[BackupResult, PruneResult]:
    """`create_backup`, then, once it is verified, the folder's older backups of this vault thinned by the
    practice's rotation policy (days counted in its time zone); the new backup is never deleted."""
    result = create_backup(vault, target_dir, now=now, progress=progress)
    pruned = prune(
        result.path.parent,
        vault.vault_id,
        load_policy(vault.practice),
        protect_file_names={result.path.name},
        now=now or datetime.now(UTC),
        zone=zone(practice_zone_name(vault.practice)),
    )
    return result, pruned


def last_verified_backup(vault: Vault) -> LastBackup | None:
    """The last backup `create_backup` wrote and verified for this vault, or None (never, or unreadable)."""
    text = vault.practice.setting(LAST_VERIFIED_KEY)
    if text is None:
        return None
    try:
        return parse_last_backup(text)
    except ManifestInvalid:
        return None


def changed_since_backup(vault: Vault) -> bool:
    """Whether the vault changed since its last verified backup: True when there is none, when its record
    has no audit head (written by an older version), when the log no longer holds that head (another
    vault's record, a restore), or when an event after it is a change (`domain.backup.is_change`: not a
    read, an unlock or lock, nor the backups' own settings)."""
    last = last_verified_backup(vault)
    if last is None or last.audit_seq is None or last.audit_hash is None:
        return True
    held = vault.audit.hash_at(last.audit_seq) if last.audit_seq > 0 else GENESIS_HASH
    if held != last.audit_hash:
        return True
    cursor = vault.db.execute("SELECT event, entity_id FROM audit_log WHERE seq > ? ORDER BY seq", (last.audit_seq,))
    while batch := cursor.fetchmany(500):
        if any(is_change(event, entity_id) for event, entity_id in batch):
            return True
    return False


@contextlib.contextmanager
def _os_errors_named(folder: Path) -> Iterator[None]:
    """OS errors while writing a backup, as sentences: the known ones as usual, any other (EIO, EFBIG) too."""
    try:
        yield
    except OSError as err:
        known = user_error_for_os_error(err, folder)
        if known is not None:
            raise known from err
        if err.errno == errno.EFBIG:
            raise UnusableLocation(
                f"The drive holding {folder} cannot take a file this large. Choose a drive formatted exFAT or NTFS; "
                "your vault and earlier backups were not changed."
            ) from err
        raise StorageFull(
            f"Therapy Desk could not write the backup to {folder}, or read it back: the drive may have been removed "
            f"or be failing ({err.strerror or 'input/output error'}). Your vault and earlier backups were not "
            "changed; check the drive and try again."
        ) from err


def _remove_leftovers(folder: Path, vault_id: str) -> None:
    """Temporary files an interrupted backup of this vault left (the vault's lock says no other is running)."""
    start = f".{PREFIX}{vault_id}-"
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            if not entry.name.startswith(start) or SUFFIX + "." not in entry.name:
                continue
            with contextlib.suppress(OSError):
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path)
                else:
                    os.unlink(entry.path)


def _snapshot(vault: Vault, target: Path, ticks: _Ticks) -> Manifest:
    """The vault's database copied into `target` in one read transaction; the manifest's facts of that moment."""
    conn = vault.db.conn
    salt = database_salt(vault.db_path)
    try:
        conn.execute("BEGIN DEFERRED")
    except db.DatabaseError as err:
        raise db.translate(err, vault.db_path) from err
    try:
        counts = count_rows(conn)  # the first read fixes the moment the whole backup shows
        seq, head_hash = audit_head(conn)
        version = db.user_version(conn)
        copy = _target_connection(target, vault._data_key, salt)
        try:
            done = [0]

            def step(_status: int, remaining: int, total: int) -> None:
                page_bytes = (total - remaining) * (ticks.total // 5) // max(total, 1)
                ticks.add(page_bytes - done[0])
                done[0] = page_bytes

            conn.backup(copy, pages=STEP_PAGES, progress=step)
        finally:
            copy.close()
    except db.DatabaseError as err:
        raise StorageFull(
            f"Therapy Desk could not write the backup's copy of the database to {target.parent} ({err}). The drive "
            "may be full, removed or failing; your vault was not changed."
        ) from err
    finally:
        with contextlib.suppress(db.DatabaseError):
            conn.execute("ROLLBACK")
    return Manifest(
        app_version=__version__,
        schema_version=version,
        created_at=datetime.now(UTC).replace(microsecond=0),
        vault_id=vault.vault_id,
        row_counts=counts,
        audit_seq=seq,
        audit_hash=head_hash,
        members={},
    )


def _target_connection(path: Path, key: bytearray, salt: bytes | None) -> db.Connection:
    """The snapshot's connection: no journal and no syncs. The file is temporary: it is copied into the ZIP,
    which is fsynced, then deleted, and a backup that stops half-way deletes it. A WAL would write every page
    twice (into the log, then into the file) and sync both: 7.7 s against 4.5 s for the large vault."""
    try:
        conn = db.connect(path, key, create=True, salt=salt)
    except db.DatabaseError as err:
        raise StorageFull(f"Therapy Desk could not start the backup's database copy in {path.parent} ({err}).") from err
    try:
        conn.execute("PRAGMA journal_mode = OFF").fetchone()
        conn.execute("PRAGMA synchronous = OFF")
    except db.DatabaseError as err:
        conn.close()
        raise StorageFull(f"Therapy Desk could not start the backup's database copy in {path.parent} ({err}).") from err
    return conn


def _key_file(vault: Vault, work: Path) -> Path:
    path = work / KEYSLOTS
    path.write_bytes(vault._keyslots.to_bytes())
    return path


def _anchor_for(vault: Vault, work: Path, seq: int, head_hash: str) -> Path:
    """An anchor file recording the snapshot's audit head (the vault's own may already be past it)."""
    anchor = AuditAnchor(work, vault.vault_id, anchor_key(vault._data_key, vault.vault_id))
    try:
        anchor.write(seq, head_hash, force=True)
    finally:
        anchor.close()
    return work / ANCHOR_FILE


def _write_zip(partial: Path, members: dict[str, Path], base: Manifest, ticks: _Ticks) -> Manifest:
    """The ZIP under its temporary name, members STORED, the manifest last; flushed and fsynced."""
    stamp = base.created_at.timetuple()[:6]
    infos: dict[str, MemberInfo] = {}
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(partial, flags, 0o600)
    with os.fdopen(fd, "wb") as handle:
        with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
            for name, source in members.items():
                size = source.stat().st_size
                with (
                    BackgroundSha256("backup write: member hash") as digest,
                    source.open("rb") as reading,
                    archive.open(_info(name, stamp), "w", force_zip64=True) as out,
                ):
                    while chunk := reading.read(CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
                        ticks.add(len(chunk))
                infos[name] = MemberInfo(size, digest.hexdigest())
            manifest = dataclasses.replace(base, members=infos)
            archive.writestr(_info(MANIFEST, stamp), manifest.to_json())
        handle.flush()
        os.fsync(handle.fileno())
    return manifest


def _info(name: str, stamp: tuple[int, ...]) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=max(tuple(stamp), _ZIP_TIME_FLOOR))  # type: ignore[arg-type]
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o600 << 16
    return info


def _place(partial: Path, final: Path) -> None:
    """Give the finished file its final name, never over a file already there (`files.link_into_place`; on
    FAT and exFAT a check, then a rename, while the vault lock keeps other backups of it away)."""
    try:
        link_into_place(partial, final)
    except FileExistsError:
        raise UnusableLocation(
            f"A backup named {final.name} is already in {final.parent}; it was not touched. Try again."
        ) from None
    partial.unlink(missing_ok=True)


# -- verifying any backup file ----------------------------------------------------------------------------


def verify_backup(
    path: Path, secret_kind: Literal["passphrase", "recovery"], secret: str, *, progress: Progress | None = None
) -> VerifyReport:
    """Check a backup file whole: its members, their hashes, the key unwrapped from its own key file with
    `secret`, the database's integrity and page authentication, row counts and audit head against the manifest.

    Raises UserError when it cannot run (no such file, a wrong passphrase, a backup from a newer app).
    """
    path = Path(path).expanduser().absolute()
    if not path.is_file():
        raise UserError(f"There is no backup file at {path}.")
    if secret_kind == "recovery":  # noqa: S105 - the kind of secret, not one
        secret = normalize_recovery_code(secret)
    total = max(path.stat().st_size, 1) * 3
    done = [0]

    def tick(amount: int = 0) -> None:
        done[0] = min(done[0] + amount, total - 1)
        if progress is not None:
            progress(done[0], total)

    with tempfile.TemporaryDirectory(prefix="therapy-desk-verify-") as temp:
        work = Path(temp)
        with _os_errors_named(work):
            found = read_backup(path, work, from_drive=True, progress=tick)
        problems = list(found.problems)
        manifest = found.manifest
        if manifest is not None and {DATABASE, KEYSLOTS} <= found.extracted:
            problems += _open_and_check(work, manifest, found.extracted, secret_kind, secret, tick)
    if progress is not None:
        progress(total, total)
    return VerifyReport(path, manifest, found.size, found.sha256, problems)


def _open_and_check(
    work: Path,
    manifest: Manifest,
    extracted: set[str],
    kind: Literal["passphrase", "recovery"],
    secret: str,
    tick: Callable[[], None],
) -> list[str]:
    try:
        keyslots = Keyslots.load(work)
        refuse_mismatched_pair(work, keyslots)
    except VaultDamaged as damage:
        return [damage.finding.replace(str(work), "the backup")]
    if keyslots.vault_id != manifest.vault_id:
        return ["The backup's key file belongs to another vault than its manifest names."]
    try:
        key = keyslots.unwrap(kind, secret)
    except WrongPassphrase:  # the check cannot run: a sentence, exit 2 on the command line
        raise WrongPassphrase(
            "That passphrase does not open this backup. A backup opens with the passphrase the vault had when it "
            "was made, or with the vault's recovery code."
        ) from None
    except WrongRecoveryCode:
        raise WrongRecoveryCode(
            "That recovery code does not open this backup. Check it against your Recovery Kit (a code issued after "
            "the backup was made does not open it)."
        ) from None
    try:
        return check_database(work, key, manifest, with_anchor=ANCHOR in extracted, tick=tick)
    finally:
        wipe(key)
