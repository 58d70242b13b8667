"""The vault lock: one process at a time holds a vault.

An OS advisory lock on `vault.lock`, taken without waiting. The OS drops it when the process
dies, so a crash never leaves a vault stuck. The file's content never changes.
"""

from __future__ import annotations

import errno
import os
import sys
from pathlib import Path

from therapy_desk.errors import VaultInUse
from therapy_desk.storage.files import FILE_MODE, os_errors_as_user_errors

LOCK_FILE = "vault.lock"

if sys.platform == "win32":  # pragma: no cover - exercised on Windows builds only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            if err.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                return False
            raise
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


class VaultLock:
    """Held while a vault is open; `release` (or process death) frees it."""

    def __init__(self, folder: Path) -> None:
        self._path = folder / LOCK_FILE
        self._fd: int | None = None

    def acquire(self) -> None:
        with os_errors_as_user_errors(self._path.parent):
            fd = os.open(self._path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        if not _try_lock(fd):
            os.close(fd)
            raise VaultInUse(
                f"The vault at {self._path.parent} is in use by another Therapy Desk window or command. "
                "Close it there first, then try again."
            )
        self._fd = fd

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            _unlock(self._fd)
        finally:
            os.close(self._fd)
            self._fd = None
