"""The vault lock: one process at a time holds a vault.

An OS advisory lock on `vault.lock`, taken without waiting. The OS drops it when the process
dies, so a crash never leaves a vault stuck. The file's content never changes.

A lock on a path can be sidestepped by deleting the file: a second process then creates a new one
and locks that. So the lock follows the files, not their names: after locking, and before every
write transaction, the lock file's name must still lead to the very file that is locked. On Linux
the database file itself is also locked (flock, which SQLite's own byte-range locks ignore), so a
second process is refused even when the lock file was replaced.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from pathlib import Path

from therapy_desk.errors import VaultDamaged, VaultInUse, VaultLocked
from therapy_desk.storage.files import FILE_MODE, user_error_for_os_error

LOCK_FILE = "vault.lock"

# flock and SQLite's fcntl locks are independent on Linux only; elsewhere they may meet on one file.
_LOCK_DATABASE_FILE = sys.platform.startswith("linux")

if sys.platform == "win32":  # pragma: no cover - exercised on Windows builds only
    import msvcrt

    def try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def unlock(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            if err.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                return False
            raise
        return True

    def unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


class VaultLock:
    """Held while a vault is open; `release` (or process death) frees it."""

    def __init__(self, folder: Path) -> None:
        self._path = folder / LOCK_FILE
        self._fd: int | None = None
        self._db_fd: int | None = None
        self._identity: tuple[int, int] | None = None

    def acquire(self, database: Path | None = None) -> None:
        """Lock the vault, and (on Linux) its `database` file too; VaultInUse if another process holds either."""
        try:
            fd = os.open(self._path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), FILE_MODE)
        except OSError as err:
            if err.errno == errno.ELOOP:  # O_NOFOLLOW met a link where the lock file should be
                raise VaultDamaged(
                    f"{self._path} is a link, not the vault's lock file. Remove it (Therapy Desk makes a new one), "
                    "then try again."
                ) from None
            raise user_error_for_os_error(err, self._path.parent) or err from err
        try:
            if not try_lock(fd):
                raise self._in_use()
            self._fd, self._identity = fd, _identity(os.fstat(fd))
            self.verify()
            if database is not None and _LOCK_DATABASE_FILE:
                self._lock_database(database)
        except BaseException:
            self._fd = None
            self._close_database()
            os.close(fd)
            raise

    def _lock_database(self, database: Path) -> None:
        # Closing this descriptor would also drop SQLite's own locks on the file in this process (POSIX
        # fcntl semantics), so it stays open until `release`, after the vault's connections are closed.
        try:
            db_fd = os.open(database, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        except FileNotFoundError:
            return  # opening the vault reports the missing database in its own words
        except OSError as err:
            known = user_error_for_os_error(err, database)
            if known is None:
                raise
            raise known from err
        self._db_fd = db_fd
        if not try_lock(db_fd):
            raise self._in_use()

    def _close_database(self) -> None:
        if self._db_fd is not None:
            fd, self._db_fd = self._db_fd, None
            os.close(fd)  # closing drops the flock with it

    def _in_use(self) -> VaultInUse:
        return VaultInUse(
            f"The vault at {self._path.parent} is in use by another Therapy Desk window or command. "
            "Close it there first, then try again."
        )

    @property
    def held(self) -> bool:
        return self._fd is not None

    @property
    def intact(self) -> bool:
        """Held, and `vault.lock` is still the file held."""
        try:
            self.verify()
        except (VaultInUse, VaultLocked):
            return False
        return True

    def verify(self) -> None:
        """VaultInUse unless `vault.lock` is still the file this lock holds (not removed or replaced)."""
        if self._fd is None or self._identity is None:
            raise VaultLocked("The vault is locked. Unlock it to continue.")
        try:
            current = _identity(os.stat(self._path, follow_symlinks=False))
        except OSError:
            current = None
        if current != self._identity:
            raise VaultInUse(
                f"The lock file of the vault at {self._path.parent} was removed or replaced while Therapy Desk "
                "had the vault open, so another program may be using the vault. Nothing more was saved: "
                "close Therapy Desk everywhere, then open the vault again."
            )

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            self._close_database()
            unlock(self._fd)
        finally:
            os.close(self._fd)
            self._fd = None


def is_in_use(folder: Path) -> bool:
    """Whether another holder has the vault in `folder` open, asked without unlocking or keeping anything.

    The lock is taken and released at once. A vault with no lock file was never opened, so nobody holds
    it; a lock file that cannot be opened (a link, no permission) is not called in use: opening the vault
    says what is wrong with it in its own words. A `VaultLock` held in this process counts as a holder.
    """
    try:
        fd = os.open(folder / LOCK_FILE, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return False
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        if not try_lock(fd):
            return True
        unlock(fd)
        return False
    except OSError:
        return False
    finally:
        os.close(fd)


def _identity(info: os.stat_result) -> tuple[int, int]:
    return info.st_dev, info.st_ino


def same_file(fd: int, path: Path) -> bool:
    """True if `path` (not followed if a link) is the regular file open as `fd`."""
    try:
        on_disk = os.stat(path, follow_symlinks=False)
    except OSError:
        return False
    return stat.S_ISREG(on_disk.st_mode) and _identity(os.fstat(fd)) == _identity(on_disk)
