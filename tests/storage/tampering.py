"""What an attacker or a failing disk does to a vault's files, for the tests that check it is noticed."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlcipher3.dbapi2 as sqlcipher

from tests.conftest import PASSPHRASE
from therapy_desk.storage import db
from therapy_desk.storage.keyslots import Keyslots

Connection = Any


def canonical(obj: object) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def rewrite_keyslots(path: Path, edit: Callable[[dict[str, Any]], object]) -> None:
    """Edit the parsed keyslots.json and save it with a freshly computed checksum, as a forger would."""
    body = json.loads(path.read_bytes())
    body.pop("checksum")
    edit(body)
    body["checksum"] = hashlib.sha256(canonical(body)).hexdigest()
    path.write_bytes(json.dumps(body, indent=2, sort_keys=True).encode("ascii") + b"\n")


def file_hashes(folder: Path) -> dict[str, str]:
    """sha256 of every file under `folder`, by relative path."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def raw_connection(folder: Path, passphrase: str = PASSPHRASE) -> Connection:
    """The vault's database opened with its raw key and nothing else, as a sqlcipher shell would: none of
    the app's settings (recursive triggers off), no lock, no anchor."""
    key = Keyslots.load(folder).unwrap("passphrase", passphrase)
    conn = sqlcipher.connect(str(folder / db.DB_FILE), isolation_level=None)
    conn.execute(f'PRAGMA key = "{db.raw_key_literal(key.hex())}"')
    assert conn.execute("PRAGMA recursive_triggers").fetchone()[0] == 0
    return conn
