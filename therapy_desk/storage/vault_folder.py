"""What a folder must hold before it is opened as a vault, checked before any key derivation.

Everything here reads the vault's files as hostile: nothing is followed into a FIFO or a device, and a
key file that belongs to another database is named as such rather than taken for a wrong passphrase.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from therapy_desk.errors import VaultDamaged, VaultNotFound
from therapy_desk.storage import db
from therapy_desk.storage.files import os_errors_as_user_errors
from therapy_desk.storage.keyslots import KEYSLOTS_FILE, SALT_BYTES, Keyslots

_SMALLEST_DB_FILE = 512  # SQLite's smallest page; every real vault.db holds at least one


def vault_folder(folder: Path) -> Path:
    """`folder` made absolute, after checking it plausibly holds a vault."""
    folder = folder.expanduser().absolute()
    with os_errors_as_user_errors(folder):
        return _holding_a_vault(folder)


def _holding_a_vault(folder: Path) -> Path:
    if not folder.exists():
        raise VaultNotFound(
            f"There is no vault at {folder}. Create one with `therapy-desk vault create`, "
            "or point --vault at the folder that holds vault.db."
        )
    if not folder.is_dir():
        raise VaultNotFound(f"{folder} is a file, not a vault folder. Point --vault at the folder that holds vault.db.")
    if not (folder / KEYSLOTS_FILE).exists() and not (folder / db.DB_FILE).exists():
        raise VaultNotFound(f"{folder} does not hold a Therapy Desk vault (it has no vault.db or keyslots.json).")
    return folder


def refuse_empty_database(path: Path) -> None:
    """SQLite takes a (nearly) empty file for a new database: it would quietly start an empty vault."""
    if path.is_file() and path.stat().st_size < _SMALLEST_DB_FILE:
        raise VaultDamaged(
            f"The vault database {path} is empty or cut short, so it is not a usable vault. "
            "Restore it from a backup; nothing was changed."
        )


def database_salt(path: Path) -> bytes | None:
    """The first 16 bytes of vault.db (SQLCipher's salt, stored in clear), or None if it is no regular file
    or cannot be read."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        salt = os.read(fd, SALT_BYTES)
    except OSError:
        return None
    finally:
        os.close(fd)
    return salt if len(salt) == SALT_BYTES else None


def refuse_mismatched_pair(folder: Path, keyslots: Keyslots) -> None:
    """A key file from another vault (or a database swapped in from one) is named before any key derivation."""
    salt = database_salt(folder / db.DB_FILE) if keyslots.database_salt else None
    if salt is not None and salt.hex() != keyslots.database_salt:
        raise VaultDamaged(
            f"The database {folder / db.DB_FILE} does not belong with the key file {KEYSLOTS_FILE} beside it: one "
            "of the two was replaced by a file from another vault, or the start of the database is damaged. Put "
            "back the pair that belong together, or restore both from a backup; nothing was changed."
        )
