"""Helpers for the backup tests: a table-by-table fingerprint of a database, and ways to damage a backup file."""

from __future__ import annotations

import hashlib
import json
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

from tests.conftest import PASSPHRASE
from therapy_desk.storage import db
from therapy_desk.storage.backup_read import count_rows
from therapy_desk.storage.keyslots import Keyslots
from therapy_desk.storage.wipe import wipe


def table_hashes(conn: db.Connection) -> dict[str, str]:
    """SHA-256 of every row of every table (rows in a fixed order: some tables have no rowid), per table."""
    hashes = {}
    for table in count_rows(conn):
        digest = hashlib.sha256()
        for row in sorted(repr(tuple(r)) for r in conn.execute(f'SELECT * FROM "{table}"')):  # noqa: S608
            digest.update(row.encode())
        hashes[table] = digest.hexdigest()
    return hashes


def extract(backup: Path, into: Path) -> None:
    into.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(backup) as archive:
        for name in archive.namelist():
            (into / name).write_bytes(archive.read(name))


def open_extracted(folder: Path, passphrase: str = PASSPHRASE) -> db.Connection:
    """The database of an extracted backup, opened with the key its own key file gives for `passphrase`."""
    key = Keyslots.load(folder).unwrap("passphrase", passphrase)
    try:
        return db.connect(folder / "vault.db", key)
    finally:
        wipe(key)


def member_data_offset(backup: Path, name: str) -> tuple[int, int]:
    """Where `name`'s bytes start in the file, and how many there are."""
    with zipfile.ZipFile(backup) as archive:
        info = archive.getinfo(name)
    with backup.open("rb") as handle:
        handle.seek(info.header_offset)
        header = handle.read(30)
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    return info.header_offset + 30 + name_len + extra_len, info.file_size


def flip_byte(backup: Path, name: str, *, at: float = 0.5) -> None:
    """Flip one bit in the middle (by default) of member `name`'s bytes, in place."""
    start, size = member_data_offset(backup, name)
    offset = start + int(size * at)
    data = bytearray(backup.read_bytes())
    data[offset] ^= 0x10
    backup.write_bytes(bytes(data))


def rezip(backup: Path, target: Path, change: Callable[[dict[str, bytes]], None]) -> None:
    """A copy of `backup` with its members changed by `change` (CRCs made to match: only hashes can tell)."""
    with zipfile.ZipFile(backup) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    change(members)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def edit_manifest(members: dict[str, bytes], **fields: object) -> None:
    body = json.loads(members["manifest.json"])
    body.update(fields)
    members["manifest.json"] = json.dumps(body).encode()
