"""`Vault`: an open, unlocked vault, and the ways to create, unlock, check and lock one.

A vault is a folder holding `vault.db` (SQLCipher, raw 256-bit key), `keyslots.json` (that key,
wrapped) and `vault.lock`. Stores hang off the open vault (`vault.audit`, `vault.practice`, …).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import secrets
import shutil
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from keyring.backend import KeyringBackend

from therapy_desk.domain.assessment import forget_remembered
from therapy_desk.domain.passphrase import check_new_passphrase
from therapy_desk.errors import (
    KeychainUnavailable,
    UserError,
    VaultDamaged,
    VaultExists,
    VaultLocked,
    WrongPassphrase,
    WrongRecoveryCode,
)
from therapy_desk.storage import anchor, db, keychain, migrations, unlock_failures
from therapy_desk.storage.anchor import AuditAnchor
from therapy_desk.storage.audit import AuditStore
from therapy_desk.storage.billing import BillingStore
from therapy_desk.storage.caseload import CaseloadStore
from therapy_desk.storage.claims import ClaimStore
from therapy_desk.storage.clients import ClientStore
from therapy_desk.storage.disclosures import DisclosureStore
from therapy_desk.storage.documents import DocumentStore
from therapy_desk.storage.files import (
    fsync_dir,
    make_private_dir,
    os_errors_as_user_errors,
    tighten_permissions,
)
from therapy_desk.storage.integrity import CheckReport, Progress, check_vault
from therapy_desk.storage.keyslots import (
    KdfParams,
    Keyslots,
    Slot,
    SlotKind,
    calibrate,
    generate_recovery_code,
    new_data_key,
    normalize_recovery_code,
    strengthened,
)
from therapy_desk.storage.lock import LOCK_FILE, VaultLock
from therapy_desk.storage.measures import MeasureStore
from therapy_desk.storage.notes import NoteStore
from therapy_desk.storage.plans import PlanStore
from therapy_desk.storage.practice import PracticeStore
from therapy_desk.storage.retention import RetentionStore
from therapy_desk.storage.schedule import ScheduleStore
from therapy_desk.storage.search import SearchStore
from therapy_desk.storage.sessions import SessionFlows
from therapy_desk.storage.snippets import SnippetStore
from therapy_desk.storage.vault_folder import database_salt, refuse_empty_database, refuse_mismatched_pair, vault_folder
from therapy_desk.storage.wipe import wipe

log = logging.getLogger(__name__)

SNAPSHOT_DIR = "snapshots"
SNAPSHOTS_KEPT = 3
_SNAPSHOT_NAME = re.compile(r"before-schema-(\d+)-(\d{8}T\d{6}Z)-[0-9a-f]+\.db")


@dataclass(frozen=True)
class _Secret:
    """The secret a slot was opened with, kept only through `_open` to strengthen that slot if it is weak."""

    kind: SlotKind
    text: str


class _SharedKeyslots:
    """The vault's current key slots, shared by a vault and its worker handles."""

    __slots__ = ("current",)

    def __init__(self, keyslots: Keyslots) -> None:
        self.current = keyslots


class Vault:
    """An open, unlocked vault. Close it (or use `with`) to lock: the key is dropped."""

    def __init__(
        self,
        folder: Path,
        conn: db.Connection,
        keyslots: Keyslots,
        data_key: bytearray,
        lock: VaultLock,
        *,
        maintenance: bool = False,
        owns_lock: bool = True,
        audit_anchor: AuditAnchor | None = None,
    ) -> None:
        self.folder = folder
        self._maintenance = maintenance
        self._owns_lock = owns_lock
        self._released = False  # unlocked, but its connection was closed to hand it to another thread
        # The one buffer holding the data key; worker handles share it, and the owner wipes it on lock.
        self._data_key = data_key
        self._lock = lock
        self._anchor = audit_anchor or AuditAnchor(
            folder, keyslots.vault_id, anchor.anchor_key(data_key, keyslots.vault_id)
        )
        self.db = db.Database(
            conn,
            folder / db.DB_FILE,
            before_write=lock.verify,
            after_commit=None if maintenance else self._anchor_head,
        )
        self._slots = _SharedKeyslots(keyslots)
        self._workers: weakref.WeakSet[Vault] = weakref.WeakSet()  # handles for_worker() gave out
        # Sentences for the user about this open: history found missing, permissions that could not be tightened.
        self.warnings: list[str] = []
        self.audit = AuditStore(self.db)
        self.practice = PracticeStore(self.db, self.audit)
        self.clients = ClientStore(self.db, self.audit)
        self.plans = PlanStore(self.db, self.audit)
        self.schedule = ScheduleStore(self.db, self.audit)
        self.notes = NoteStore(self.db, self.audit)
        self.search = SearchStore(self.db, self.audit)
        self.snippets = SnippetStore(self.db, self.audit)
        self.measures = MeasureStore(self.db, self.audit)
        self.billing = BillingStore(self.db, self.audit)
        self.documents = DocumentStore(self.db, self.audit)
        self.claims = ClaimStore(self.db, self.audit)
        self.disclosures = DisclosureStore(self.db, self.audit)
        self.retention = RetentionStore(self.db, self.audit, self.practice)
        self.sessions = SessionFlows(self.db, self.notes, self.schedule, self.billing)
        self.caseload = CaseloadStore(
            self.db,
            self.audit,
            clients=self.clients,
            schedule=self.schedule,
            notes=self.notes,
            plans=self.plans,
            billing=self.billing,
            measures=self.measures,
        )

    # -- opening -------------------------------------------------------------------------------

    @classmethod
    def create(cls, folder: Path, passphrase: str, *, kdf: KdfParams | None = None) -> tuple[Vault, str]:
        """Make a new vault and open it. Returns the vault and its recovery code (show it once).

        `kdf` is for tests only; otherwise Argon2id is calibrated on this machine.
        The vault is built in a sibling folder and renamed into place, so a failure leaves nothing.
        """
        check_new_passphrase(passphrase)
        folder = folder.expanduser().absolute()
        with os_errors_as_user_errors(folder):
            if folder.is_file():
                raise VaultExists(f"{folder} is a file, not a folder. Choose an empty or new folder for the vault.")
            if folder.is_dir() and any(folder.iterdir()):
                raise VaultExists(f"{folder} already holds files. Choose an empty or new folder for the vault.")
        params = kdf or calibrate()
        data_key, code = new_data_key(), generate_recovery_code()
        keyslots = Keyslots.new(data_key)
        keyslots = keyslots.with_slot(keyslots.wrap("passphrase", passphrase, data_key, params))
        keyslots = keyslots.with_slot(keyslots.wrap("recovery", code, data_key, params))

        staging = folder.parent / f".{folder.name}.creating-{secrets.token_hex(4)}"
        with os_errors_as_user_errors(folder):
            folder.parent.mkdir(parents=True, exist_ok=True)
            renamed, had_empty_folder = False, folder.is_dir()
            try:
                make_private_dir(staging)
                cls._build(staging, keyslots, data_key)
                if folder.is_dir():
                    folder.rmdir()
                staging.rename(folder)
                renamed = True
                fsync_dir(folder.parent)
            except BaseException:
                # After the rename the new folder is ours alone; its recovery code was never shown.
                shutil.rmtree(folder if renamed else staging, ignore_errors=True)
                if had_empty_folder and not folder.exists():
                    with contextlib.suppress(OSError):
                        folder.mkdir(mode=0o700)  # give back the empty folder the user chose
                wipe(data_key)
                raise
        vault = cls._open(folder, lambda _slots: data_key, method="new vault")
        return vault, code

    @staticmethod
    def _build(staging: Path, keyslots: Keyslots, data_key: bytearray) -> None:
        """Fill an empty private folder with a new vault: database, key file (bound to it), anchor, lock file."""
        path = staging / db.DB_FILE
        conn = db.connect(path, data_key, create=True)
        try:
            migrations.migrate(conn, path)
            audit = AuditStore(db.Database(conn, path))
            audit.record("vault created")
            audit.record(anchor.STARTED_EVENT)
            head = audit.head()
        finally:
            conn.close()
        salt = database_salt(path)
        if salt is None:
            raise VaultDamaged(f"The new vault database {path} could not be read back.")
        keyslots.with_database_salt(salt).save(staging)
        new_anchor = AuditAnchor(staging, keyslots.vault_id, anchor.anchor_key(data_key, keyslots.vault_id))
        try:
            new_anchor.write(*head)
        finally:
            new_anchor.close()
        (staging / LOCK_FILE).touch(mode=0o600)
        tighten_permissions(staging)

    @classmethod
    def open(cls, folder: Path, passphrase: str) -> Vault:
        """Unlock with the passphrase."""
        return cls._open_with(folder, _Secret("passphrase", passphrase))

    @classmethod
    def recover(cls, folder: Path, code: str, new_passphrase: str, *, kdf: KdfParams | None = None) -> Vault:
        """Unlock with the recovery code and set a new passphrase. The code stays valid."""
        check_new_passphrase(new_passphrase)
        vault = cls._open_with(folder, _Secret("recovery", normalize_recovery_code(code)))
        try:
            vault._rewrap("passphrase", new_passphrase, kdf or calibrate(), event="passphrase reset with recovery code")
        except BaseException:
            vault.close()
            raise
        return vault

    @classmethod
    def open_with_keychain(cls, folder: Path, backend: KeyringBackend | None = None) -> Vault:
        """Quick unlock with the key the OS keychain holds (only if the user turned it on)."""

        def from_keychain(slots: Keyslots) -> bytearray:
            if slots.slot("keychain") is None:
                raise KeychainUnavailable("Quick unlock is not turned on for this vault.")
            key = keychain.load_key(slots.vault_id, backend)
            if not slots.is_data_key(key):
                wipe(key)
                raise KeychainUnavailable(
                    "The keychain holds a key that does not open this vault. Unlock with your passphrase."
                )
            return key

        return cls._open(folder, from_keychain, method="keychain")

    @classmethod
    def open_for_check(cls, folder: Path, passphrase: str) -> Vault:
        """Unlock without migrating or writing anything, to inspect a vault that may be damaged."""
        return cls._open_with(folder, _Secret("passphrase", passphrase), maintenance=True)

    @classmethod
    def _open_with(cls, folder: Path, secret: _Secret, *, maintenance: bool = False) -> Vault:
        assert secret.kind in ("passphrase", "recovery")
        return cls._open(
            folder,
            lambda slots: slots.unwrap(secret.kind, secret.text),  # type: ignore[arg-type]
            method="passphrase" if secret.kind == "passphrase" else "recovery code",
            secret=secret,
            maintenance=maintenance,
        )

    @classmethod
    def _open(
        cls,
        folder: Path,
        unlock: Callable[[Keyslots], bytearray],
        *,
        method: str,
        secret: _Secret | None = None,
        maintenance: bool = False,
    ) -> Vault:
        folder = vault_folder(folder)
        keyslots = Keyslots.load(folder)
        refuse_mismatched_pair(folder, keyslots)
        lock = VaultLock(folder)
        lock.acquire(folder / db.DB_FILE)
        conn, vault, data_key = None, None, None
        try:
            started = time.perf_counter()
            try:
                data_key = unlock(keyslots)
            except (WrongPassphrase, WrongRecoveryCode):
                unlock_failures.record_failure(keyslots.vault_id)
                raise
            kdf_seconds = time.perf_counter() - started
            refuse_empty_database(folder / db.DB_FILE)
            conn = db.connect(folder / db.DB_FILE, data_key)
            vault = cls(folder, conn, keyslots, data_key, lock, maintenance=maintenance)
            if not maintenance:
                vault._tighten_permissions()
                migrations.migrate(conn, vault.db_path, before_first_step=vault._snapshot_before_migration)
                vault._settle_anchor()
                failed = unlock_failures.take(keyslots.vault_id)
                vault.audit.record("unlock", detail={"method": method, "failed_attempts_since_last_unlock": failed})
                vault._keep_database_salt()
                if secret is not None:
                    vault._strengthen(secret, kdf_seconds)
        except BaseException:
            if vault is not None:
                vault._abandon()
            else:
                if conn is not None:
                    conn.close()
                if data_key is not None:
                    wipe(data_key)
                lock.release()
            raise
        return vault

    # -- state ---------------------------------------------------------------------------------

    @property
    def db_path(self) -> Path:
        return self.folder / db.DB_FILE

    @property
    def vault_id(self) -> str:
        return self._keyslots.vault_id

    @property
    def is_open(self) -> bool:
        return self.db.is_open

    @property
    def schema_version(self) -> int:
        return db.user_version(self.db.conn)

    @property
    def keychain_enabled(self) -> bool:
        return self._keyslots.slot("keychain") is not None

    def transaction(self) -> contextlib.AbstractContextManager[db.Connection]:
        """One write transaction across stores; nested calls join it."""
        return self.db.transaction()

    def for_worker(self) -> Vault:
        """A second handle on this open vault with its own connection, for one worker thread.

        Call it on the worker thread (SQLite connections stay on the thread that made them). Closing
        it closes only its connection: the vault stays unlocked and this process keeps the vault lock.
        """
        self._require_open()
        conn = db.connect(self.db_path, self._data_key)
        handle = Vault(
            self.folder, conn, self._keyslots, self._data_key, self._lock, owns_lock=False, audit_anchor=self._anchor
        )
        # One set of key slots: a passphrase, recovery code or keychain change made on the worker is what
        # this handle builds on next (a stale copy here would write the old passphrase slot back).
        handle._slots = self._slots
        self._workers.add(handle)
        return handle

    def release_thread(self) -> None:
        """Close this thread's connection but stay unlocked (key and vault lock kept), to hand the vault over.

        The thread that receives it calls `adopt_thread()`. This lets the app unlock on a worker (the KDF
        is slow) and use the vault on the GUI thread; SQLite connections stay on the thread that made them.
        """
        self._require_open()
        self.db.close()
        self._released = True

    def adopt_thread(self) -> None:
        """Reopen the connection on the calling thread after `release_thread()`."""
        if not self._released:
            raise VaultLocked("The vault is locked. Unlock it to continue.")
        self.db.reopen(db.connect(self.db_path, self._data_key))
        self._released = False

    # -- keys ----------------------------------------------------------------------------------

    @property
    def _keyslots(self) -> Keyslots:
        return self._slots.current

    @_keyslots.setter
    def _keyslots(self, updated: Keyslots) -> None:
        self._slots.current = updated

    def _require_open(self) -> None:
        if not self.db.is_open:
            raise VaultLocked("The vault is locked. Unlock it to continue.")

    def _rewrap(self, kind: SlotKind, secret: str, kdf: KdfParams | None, *, event: str) -> None:
        assert kind in ("passphrase", "recovery")
        slot = self._keyslots.wrap(kind, secret, self._data_key, kdf or calibrate())
        updated = self._keyslots.with_slot(slot)
        with self.transaction():
            self.audit.record(event)
            updated.save(self.folder)  # inside the transaction: if the file fails, the log says nothing
        self._keyslots = updated

    def _strengthen(self, secret: _Secret, seconds: float) -> None:
        """Rewrap the slot just opened at today's cost if it derived much faster than the target here."""
        slot = self._keyslots.slot(secret.kind)
        better = strengthened(slot.kdf, seconds) if slot is not None and slot.kdf is not None else None
        if better is None:
            return
        try:
            self._rewrap(secret.kind, secret.text, better, event=f"{secret.kind} protection strengthened")
        except (UserError, OSError):  # the vault is open and the old slot still works: try again next time
            log.warning("could not strengthen the %s slot", secret.kind)

    def _keep_database_salt(self) -> None:
        """Bind the key file to this database (vaults made before the binding get it on their first open)."""
        if self._keyslots.database_salt:
            return
        salt = database_salt(self.db_path)
        if salt is None:
            return
        updated = self._keyslots.with_database_salt(salt)
        try:
            updated.save(self.folder)
        except (UserError, OSError):
            log.warning("could not record the database salt in the key file")
            return
        self._keyslots = updated

    def change_passphrase(self, current: str, new: str, *, kdf: KdfParams | None = None) -> None:
        """Rewrap the data key under a new passphrase: instant, nothing is re-encrypted."""
        check_new_passphrase(new)
        self._keyslots.unwrap("passphrase", current)
        self._rewrap("passphrase", new, kdf, event="passphrase changed")

    def new_recovery_code(self, *, kdf: KdfParams | None = None) -> str:
        """Issue a new recovery code; the old one stops working. Show the result once."""
        self._require_open()
        code = generate_recovery_code()
        self._rewrap("recovery", code, kdf, event="new recovery code issued")
        return code

    def enable_keychain(self, backend: KeyringBackend | None = None) -> None:
        """Turn quick unlock on; refuses, with the reason, unless the keychain is safe and works."""
        self._require_open()
        keychain.store_key(self.vault_id, self._data_key, backend)
        slot = Slot(
            kind="keychain", created=datetime.now(UTC).isoformat(timespec="seconds"), keychain_service=keychain.SERVICE
        )
        updated = self._keyslots.with_slot(slot)
        try:
            with self.transaction():
                self.audit.record("keychain quick unlock turned on")
                updated.save(self.folder)
        except BaseException:
            keychain.delete_key(self.vault_id, backend)  # no slot points at it: take it back out
            raise
        self._keyslots = updated

    def disable_keychain(self, backend: KeyringBackend | None = None) -> None:
        """Turn quick unlock off: the key leaves the keychain first, or nothing changes."""
        keychain.delete_key(self.vault_id, backend, strict=True)
        updated = self._keyslots.without("keychain")
        with self.transaction():
            self.audit.record("keychain quick unlock turned off")
            updated.save(self.folder)
        self._keyslots = updated

    # -- maintenance ---------------------------------------------------------------------------

    def _snapshot_before_migration(self, from_version: int) -> None:
        snapshots = self.folder / SNAPSHOT_DIR
        with os_errors_as_user_errors(self.folder):
            make_private_dir(snapshots)
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            target = snapshots / f"before-schema-{from_version}-{stamp}-{secrets.token_hex(2)}.db"
            db.export_encrypted_copy(self.db.conn, target)
            os.chmod(target, 0o600)
            # Oldest first by the time in the name, then the version; a plain name sort puts 10 before 9.
            made = [(m[2], int(m[1]), p) for p in snapshots.iterdir() if (m := _SNAPSHOT_NAME.fullmatch(p.name))]
            for *_, old in sorted(made)[:-SNAPSHOTS_KEPT]:
                old.unlink()

    def check(self, progress: Progress | None = None) -> CheckReport:
        """Database structure, page authentication, triggers, the audit chain and every seal
        (storage/integrity.py); `progress(phase, done, total)` may raise to cancel."""
        return check_vault(self, progress)

    # -- the audit anchor ----------------------------------------------------------------------

    def _anchor_head(self) -> None:
        """After a commit: anchor the audit head it may have moved. A failure is logged, never raised:
        the commit stands, and the next commit (or the lock) anchors again."""
        try:
            self._anchor.write(*self.audit.head())
        except (OSError, UserError, db.DatabaseError):
            log.warning("could not write the audit anchor")

    def anchor_problems(self) -> list[str]:
        """Sentences naming history lost since the anchor was written (empty when the log is whole)."""
        return anchor.compare(self._anchor, self.audit)[1]

    def recorded_losses(self) -> list[str]:
        """Sentences for history that earlier opens found missing (each is recorded in the log)."""
        return anchor.recorded_losses(self.audit)

    def _settle_anchor(self) -> None:
        self.warnings.extend(anchor.settle(self._anchor, self.audit))

    def _tighten_permissions(self) -> None:
        """Folder 0700 and files 0600 on every open, not only at creation; say so if that fails."""
        try:
            tighten_permissions(self.folder)
        except OSError:
            self.warnings.append(
                f"Therapy Desk could not make the files in {self.folder} private to your user account. Check the "
                "folder's permissions (only you should be able to read it), or move the vault to a folder you own."
            )

    # -- locking -------------------------------------------------------------------------------

    def close(self) -> None:
        """Lock: log it, close the connection, drop the key and release the vault lock."""
        if self._released:  # handed over but never adopted: nothing to log through, still lock
            self._released = False
            self._drop_key_and_lock()
            return
        if not self.db.is_open:
            return
        try:
            # A vault opened for checking may be damaged, and one that met a damaged page may fail in
            # new ways on the next write (SQLite can report it as out of memory): write nothing then.
            # Nor when the lock file was replaced: the write that found it out has said so already.
            if self._owns_lock and not self._maintenance and not self.db.saw_damage and self._lock.intact:
                self.audit.record("lock")
        finally:
            try:
                self.db.close()
            finally:
                self._drop_key_and_lock()

    def _abandon(self) -> None:
        """Close without logging, for an open that failed part-way."""
        try:
            self.db.close()
        finally:
            self._drop_key_and_lock()

    def _drop_key_and_lock(self) -> None:
        if not self._owns_lock:
            return  # a worker handle: the vault (and its key) stay with the owner
        for worker in list(self._workers):  # work that outlived the lock (it ignored cancel) stops here
            worker.db.revoke()
        self._anchor.close()
        wipe(self._data_key)
        forget_remembered()  # chart values the domain keeps for speed do not outlive the lock
        self._lock.release()

    def __enter__(self) -> Vault:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc is None:
            self.close()
            return
        try:
            self.close()
        except Exception:  # the error already on its way out is the one to report; the key is dropped anyway
            log.info("closing after an error failed too")
