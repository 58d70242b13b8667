"""What is on disk stays secret: nothing in clear, private permissions, the settings DESIGN.md requires."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import CHEAP_KDF, PASSPHRASE
from therapy_desk.domain.practice import PracticeProfile
from therapy_desk.errors import VaultLocked, WrongPassphrase
from therapy_desk.storage import db
from therapy_desk.storage.keyslots import KEYSLOTS_FILE, Keyslots, key_hex
from therapy_desk.storage.vault import SNAPSHOT_DIR, Vault

MARKER = "ZEBRA-MARKER-Ω-7731"
NEW_PASSPHRASE = "purple otter sings at dawn"
ROWS = 300


def encodings(text: str) -> list[bytes]:
    return [text.encode("utf-8"), text.encode("utf-16-le"), text.encode("utf-16-be")]


# The full marker, and its ASCII part (which also catches JSON's \u03a9 escaping of the Ω).
MARKER_NEEDLES = [*encodings(MARKER), *encodings("ZEBRA-MARKER")]


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def files_holding(folder: Path, needles: list[bytes]) -> list[str]:
    """Every `file: needle` pair where a file under `folder` contains a needle."""
    found = []
    for path in files_under(folder):
        content = path.read_bytes()
        found += [f"{path.relative_to(folder)}: {needle!r}" for needle in needles if needle in content]
    return found


def write_marker_everywhere(vault: Vault) -> None:
    """The marker in the practice profile, in settings and in audit details, over many rows."""
    for i in range(20):
        vault.practice.save_profile(PracticeProfile(name=f"Dr {MARKER} {i}", npi="1234567893", state="NY"))
    for i in range(ROWS):
        vault.practice.set_setting(f"marker-{i}", f"{MARKER} {i} " + MARKER * 4)
        vault.audit.record("marker written", entity="setting", entity_id=f"marker-{i}", detail={"text": MARKER})


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """umask 0: any file the code forgets to make private shows up as world-readable."""
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def assert_private(folder: Path) -> None:
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    for path in folder.rglob("*"):
        expected = 0o700 if path.is_dir() else 0o600
        assert stat.S_IMODE(path.stat().st_mode) == expected, f"{path} is {oct(path.stat().st_mode)}"


# -- nothing in clear ----------------------------------------------------------------------------


def test_marker_written_into_the_vault_appears_in_no_file_open_closed_or_snapshot(
    vault: Vault, tmp_path: Path, app_home: Path
) -> None:
    folder = vault.folder
    assert tmp_path in folder.parents
    assert tmp_path in app_home.parents
    write_marker_everywhere(vault)
    # The marker really is in the vault, and much of it still sits in the write-ahead log.
    assert MARKER in vault.practice.profile().name
    setting = vault.practice.setting("marker-7")
    assert setting is not None
    assert setting.startswith(f"{MARKER} 7 ")
    assert vault.audit.recent(1)[0].detail == {"text": MARKER}
    assert (folder / "vault.db-wal").stat().st_size > 100_000
    assert (folder / "vault.db-shm").is_file()

    assert files_holding(tmp_path, MARKER_NEEDLES) == []

    vault._snapshot_before_migration(vault.schema_version)
    (snapshot,) = (folder / SNAPSHOT_DIR).glob("before-schema-*.db")
    assert files_holding(tmp_path, MARKER_NEEDLES) == []

    vault.close()
    assert files_holding(tmp_path, MARKER_NEEDLES) == []
    assert {p.name for p in files_under(folder)} >= {"vault.db", KEYSLOTS_FILE, "vault.lock", snapshot.name}

    # The snapshot holds the marker, encrypted under the vault's key: the search above meant something.
    copy_dir = tmp_path / "snapshot-check"
    copy_dir.mkdir()
    copy = copy_dir / "copy.db"
    shutil.copyfile(snapshot, copy)
    data_key = Keyslots.load(folder).unwrap("passphrase", PASSPHRASE)
    conn = db.connect(copy, key_hex(data_key))
    try:
        value = conn.execute("SELECT value FROM settings WHERE key = ?", ("marker-7",)).fetchone()[0]
    finally:
        conn.close()
    assert value.startswith(f"{MARKER} 7 ")


def test_passphrases_recovery_code_and_data_key_appear_in_no_file(created: tuple[Path, str], tmp_path: Path) -> None:
    folder, code = created
    data_key = bytes(Keyslots.load(folder).unwrap("passphrase", PASSPHRASE))
    with pytest.raises(WrongPassphrase):  # a failed unlock writes the failure counter: check it too
        Vault.open(folder, NEW_PASSPHRASE)
    vault = Vault.open(folder, PASSPHRASE)
    vault.practice.set_setting("something", "to put in the write-ahead log")
    vault.change_passphrase(PASSPHRASE, NEW_PASSPHRASE, kdf=CHEAP_KDF)
    vault._snapshot_before_migration(vault.schema_version)
    secrets = [
        *encodings(PASSPHRASE),
        *encodings(NEW_PASSPHRASE),
        *encodings(code),
        *encodings(code.replace("-", "")),
        data_key,
        *encodings(data_key.hex()),
        *encodings(data_key.hex().upper()),
    ]

    assert files_holding(tmp_path, secrets) == []  # while open
    vault.close()
    assert files_holding(tmp_path, secrets) == []


def test_vault_db_is_encrypted_so_plain_sqlite_cannot_read_it(created: tuple[Path, str]) -> None:
    folder, _code = created
    path = folder / "vault.db"

    assert path.read_bytes()[:16] != b"SQLite format 3\x00"
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        with pytest.raises(sqlite3.DatabaseError):
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    finally:
        conn.close()


def test_snapshot_is_encrypted_so_plain_sqlite_cannot_read_it(vault: Vault) -> None:
    vault._snapshot_before_migration(vault.schema_version)
    (snapshot,) = (vault.folder / SNAPSHOT_DIR).glob("before-schema-*.db")

    assert snapshot.read_bytes()[:16] != b"SQLite format 3\x00"
    conn = sqlite3.connect(f"file:{snapshot}?mode=ro", uri=True)
    try:
        with pytest.raises(sqlite3.DatabaseError):
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    finally:
        conn.close()


# -- permissions ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("permissive_umask")
def test_vault_folder_is_0700_and_every_file_0600_through_its_life(vault_dir: Path) -> None:
    vault, _code = Vault.create(vault_dir, PASSPHRASE, kdf=CHEAP_KDF)
    try:
        assert_private(vault_dir)
        vault.practice.set_setting("a key", "a value")
        assert (vault_dir / "vault.db-wal").is_file()
        assert (vault_dir / "vault.db-shm").is_file()
        assert_private(vault_dir)

        vault.change_passphrase(PASSPHRASE, NEW_PASSPHRASE, kdf=CHEAP_KDF)
        assert_private(vault_dir)
        vault.new_recovery_code(kdf=CHEAP_KDF)
        assert_private(vault_dir)

        vault._snapshot_before_migration(vault.schema_version)
        assert (vault_dir / SNAPSHOT_DIR).is_dir()
        assert list((vault_dir / SNAPSHOT_DIR).glob("before-schema-*.db"))
        assert_private(vault_dir)
    finally:
        vault.close()
    assert_private(vault_dir)

    with Vault.open(vault_dir, NEW_PASSPHRASE) as reopened:
        reopened.practice.set_setting("another key", "another value")
        assert_private(vault_dir)
    assert_private(vault_dir)


# -- connection settings -------------------------------------------------------------------------


def pragma(vault: Vault, name: str) -> object:
    return vault.db.conn.execute(f"PRAGMA {name}").fetchone()[0]


def test_connection_uses_the_settings_design_requires(vault: Vault) -> None:
    assert pragma(vault, "journal_mode") == "wal"
    assert pragma(vault, "synchronous") == 2  # FULL
    assert pragma(vault, "foreign_keys") == 1
    assert pragma(vault, "temp_store") == 2  # MEMORY
    assert pragma(vault, "secure_delete") == 1


def test_cipher_settings_are_sqlcipher_defaults_never_lowered(vault: Vault) -> None:
    assert int(str(pragma(vault, "cipher_page_size"))) >= 4096
    assert pragma(vault, "cipher_hmac_algorithm") == "HMAC_SHA512"
    assert str(pragma(vault, "cipher_use_hmac")) == "1"
    assert str(pragma(vault, "cipher_plaintext_header_size")) == "0"
    # Every cipher setting of this connection equals SQLCipher's compiled-in default.
    settings = [_bare(row[0]) for row in vault.db.conn.execute("PRAGMA cipher_settings")]
    defaults = [_bare(row[0]) for row in vault.db.conn.execute("PRAGMA cipher_default_settings")]
    assert settings
    assert settings == defaults


def _bare(setting: str) -> str:
    """`PRAGMA cipher_default_page_size = 4096;` and `PRAGMA cipher_page_size = 4096;` alike as `page_size = 4096`."""
    return setting.removeprefix("PRAGMA ").replace("cipher_default_", "").replace("cipher_", "").rstrip(";")


# -- locked means locked -------------------------------------------------------------------------


def test_stores_refuse_to_work_after_the_vault_is_locked(vault: Vault) -> None:
    vault.practice.save_profile(PracticeProfile(name="Maya Okafor", npi="1234567893"))
    vault.close()

    assert not vault.is_open
    with pytest.raises(VaultLocked):
        vault.practice.profile()
    with pytest.raises(VaultLocked):
        vault.practice.setting("anything")
    with pytest.raises(VaultLocked):
        vault.audit.recent()
    with pytest.raises(VaultLocked):
        vault.new_recovery_code(kdf=CHEAP_KDF)


def test_locking_drops_the_key_and_a_locked_vault_cannot_change_its_passphrase(vault: Vault) -> None:
    folder = vault.folder
    keyslots_before = (folder / KEYSLOTS_FILE).read_bytes()
    vault.close()

    assert not any(vault._data_key)
    with pytest.raises(VaultLocked):
        vault.change_passphrase(PASSPHRASE, NEW_PASSPHRASE, kdf=CHEAP_KDF)
    assert (folder / KEYSLOTS_FILE).read_bytes() == keyslots_before
    Vault.open(folder, PASSPHRASE).close()
