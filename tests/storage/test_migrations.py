"""Upgrading a vault made by an older Therapy Desk: it opens, keeps everything, and a copy is kept first.

The old vaults are real files in tests/fixtures/ (see its README); each test works on a copy.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from datetime import UTC, datetime, tzinfo
from pathlib import Path

import pytest
import sqlcipher3.dbapi2 as sqlcipher

from tests.conftest import PASSPHRASE
from therapy_desk.errors import VaultTooNew
from therapy_desk.storage import db, migrations
from therapy_desk.storage import vault as vault_module
from therapy_desk.storage.keyslots import Keyslots, key_hex
from therapy_desk.storage.migrations import CURRENT_VERSION, Migration
from therapy_desk.storage.vault import SNAPSHOT_DIR, Vault

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FIXTURE_VERSIONS = sorted(int(p.name.removeprefix("vault-v")) for p in FIXTURES.glob("vault-v*") if p.is_dir())
assert 1 in FIXTURE_VERSIONS, "tests/fixtures/vault-v1 is missing; see tests/fixtures/README.md"
FIXTURE_PROFILE_NAME = "Fixture Counseling LLC"  # saved in fixtures from schema 2 on


def _passphrase(version: int) -> str:
    return f"fixture passphrase v{version}"


def _fixture_events(version: int) -> list[str]:
    profile = ["practice profile updated"] if version >= 2 else []
    return ["vault created", "unlock", "fixture event", "fixture event", "fixture event", *profile, "lock"]


def _copy_fixture(version: int, tmp_path: Path) -> Path:
    target = tmp_path / f"vault-v{version}"
    shutil.copytree(FIXTURES / f"vault-v{version}", target)
    return target


def _data_key_hex(folder: Path, passphrase: str) -> str:
    return key_hex(Keyslots.load(folder).unwrap("passphrase", passphrase))


def _read_only(path: Path, key: str) -> sqlcipher.Connection:
    """A plain SQLCipher connection with the raw key: no settings changed, nothing written."""
    conn = sqlcipher.connect(str(path))
    conn.execute(f'PRAGMA key = "{db.raw_key_literal(key)}"')
    return conn


def _tables(conn: sqlcipher.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _snapshots(folder: Path) -> list[Path]:
    return sorted((folder / SNAPSHOT_DIR).glob("*.db")) if (folder / SNAPSHOT_DIR).exists() else []


# -- the fixtures themselves -------------------------------------------------------------------


@pytest.mark.parametrize("version", FIXTURE_VERSIONS)
def test_fixture_is_at_the_schema_version_its_name_says(version: int, tmp_path: Path) -> None:
    folder = _copy_fixture(version, tmp_path)
    conn = _read_only(folder / db.DB_FILE, _data_key_hex(folder, _passphrase(version)))
    try:
        assert db.user_version(conn) == version
    finally:
        conn.close()


# -- upgrading ---------------------------------------------------------------------------------


@pytest.mark.parametrize("version", FIXTURE_VERSIONS)
def test_an_old_vault_opens_upgraded_with_its_history_intact(version: int, tmp_path: Path) -> None:
    folder = _copy_fixture(version, tmp_path)

    with Vault.open(folder, _passphrase(version)) as vault:
        assert vault.schema_version == CURRENT_VERSION
        profile = vault.practice.profile()  # the table schema 2 added is there and readable
        events = [e.event for e in reversed(vault.audit.recent(limit=100))]
        report = vault.audit.verify()

    old = _fixture_events(version)
    assert events[: len(old)] == old
    # An old vault starts keeping its audit anchor on its first open by this version.
    assert events[len(old) : len(old) + 2] == ["audit anchor started", "unlock"]
    assert report.ok, report.problem
    assert profile.name == (FIXTURE_PROFILE_NAME if version >= 2 else "")


@pytest.mark.parametrize("version", FIXTURE_VERSIONS)
def test_an_upgrade_first_keeps_an_encrypted_copy_of_the_old_vault(version: int, tmp_path: Path) -> None:
    folder = _copy_fixture(version, tmp_path)
    key = _data_key_hex(folder, _passphrase(version))

    Vault.open(folder, _passphrase(version)).close()

    snapshots = _snapshots(folder)
    assert len(snapshots) == 1
    snapshot = snapshots[0]
    assert snapshot.name.startswith(f"before-schema-{version}-")
    if os.name == "posix":
        assert snapshot.stat().st_mode & 0o777 == 0o600
    # Encrypted: no SQLite header, and plain sqlite3 cannot read it.
    assert not snapshot.read_bytes().startswith(b"SQLite format 3\x00")
    plain = sqlite3.connect(snapshot)
    try:
        with pytest.raises(sqlite3.DatabaseError):
            plain.execute("SELECT count(*) FROM sqlite_master").fetchone()
    finally:
        plain.close()
    # The same data key opens it, and it is the vault as it was before the upgrade.
    conn = _read_only(snapshot, key)
    try:
        assert db.user_version(conn) == version
        events = [r[0] for r in conn.execute("SELECT event FROM audit_log ORDER BY seq")]
        assert events == _fixture_events(version)
        assert conn.execute("PRAGMA cipher_integrity_check").fetchall() == []
    finally:
        conn.close()


def test_a_second_open_does_not_snapshot_again(tmp_path: Path) -> None:
    folder = _copy_fixture(FIXTURE_VERSIONS[0], tmp_path)
    Vault.open(folder, _passphrase(FIXTURE_VERSIONS[0])).close()
    first = _snapshots(folder)

    Vault.open(folder, _passphrase(FIXTURE_VERSIONS[0])).close()

    assert _snapshots(folder) == first
    assert len(first) == 1


def test_a_current_vault_is_never_snapshotted(created: tuple[Path, str]) -> None:
    folder, _ = created
    Vault.open(folder, PASSPHRASE).close()

    assert _snapshots(folder) == []


def test_a_vault_from_a_newer_app_is_refused_and_left_unchanged(created: tuple[Path, str]) -> None:
    folder, _ = created
    conn = db.connect(folder / db.DB_FILE, _data_key_hex(folder, PASSPHRASE))
    db.set_user_version(conn, CURRENT_VERSION + 1)
    conn.close()
    before = _files(folder)

    with pytest.raises(VaultTooNew, match="newer"):
        Vault.open(folder, PASSPHRASE)

    assert _files(folder) == before
    assert not (folder / SNAPSHOT_DIR).exists()
    # The refusal let go of the vault: trying again is refused for the same reason, not "in use".
    with pytest.raises(VaultTooNew):
        Vault.open(folder, PASSPHRASE)


# -- a step that fails ---------------------------------------------------------------------------

BAD_SQL = "THIS IS NOT SQL"


def test_a_failing_step_is_rolled_back_whole_and_earlier_steps_stay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    version = FIXTURE_VERSIONS[0]
    folder = _copy_fixture(version, tmp_path)
    bogus = Migration(CURRENT_VERSION + 1, "bogus", ("CREATE TABLE bogus_good_part (x INTEGER)", BAD_SQL))
    monkeypatch.setattr(migrations, "MIGRATIONS", (*migrations.MIGRATIONS, bogus))
    path = folder / db.DB_FILE
    key = _data_key_hex(folder, _passphrase(version))

    conn = db.connect(path, key)
    try:
        with pytest.raises(db.DatabaseError, match="syntax error"):
            migrations.migrate(conn, path, target=bogus.version)
        assert not conn.in_transaction
    finally:
        conn.close()

    conn = _read_only(path, key)
    try:
        assert db.user_version(conn) == CURRENT_VERSION  # every good step before it was kept
        assert "bogus_good_part" not in _tables(conn)  # the good statement of the failed step was not
    finally:
        conn.close()


def test_a_failing_upgrade_on_open_leaves_the_vault_at_its_old_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    version = 1
    folder = _copy_fixture(version, tmp_path)
    real = migrations.MIGRATIONS
    broken = tuple(Migration(m.version, m.name, (*m.statements, BAD_SQL)) if m.version == 2 else m for m in real)
    monkeypatch.setattr(migrations, "MIGRATIONS", broken)

    with pytest.raises(db.DatabaseError, match="syntax error"):
        Vault.open(folder, _passphrase(version))

    conn = _read_only(folder / db.DB_FILE, _data_key_hex(folder, _passphrase(version)))
    try:
        assert db.user_version(conn) == 1
        assert "practice_profile" not in _tables(conn)  # step 2's first statements were rolled back
        assert [r[0] for r in conn.execute("SELECT event FROM audit_log ORDER BY seq")] == _fixture_events(1)
    finally:
        conn.close()
    assert len(_snapshots(folder)) == 1  # the copy was taken before the step ran

    # The failure let go of the vault; with working migrations it upgrades normally.
    monkeypatch.setattr(migrations, "MIGRATIONS", real)
    with Vault.open(folder, _passphrase(version)) as vault:
        assert vault.schema_version == CURRENT_VERSION
        assert vault.audit.verify().ok


# -- old snapshots -----------------------------------------------------------------------------


def test_only_the_three_most_recent_snapshots_are_kept_even_past_schema_9(
    vault: Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Snapshots taken a minute apart, before upgrades from these versions in this order; the last
    # is a vault restored from an old backup and upgraded again.
    versions = [8, 9, 10, 3]
    times = iter(datetime(2030, 1, 1, 9, minute, tzinfo=UTC) for minute in range(len(versions)))

    class Clock(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> Clock:
            return next(times)  # type: ignore[return-value]

    monkeypatch.setattr(vault_module, "datetime", Clock)
    for version in versions:
        vault._snapshot_before_migration(version)

    kept = [p.name.split("-")[2] for p in _snapshots(vault.folder)]
    assert sorted(kept, key=int) == ["3", "9", "10"]
