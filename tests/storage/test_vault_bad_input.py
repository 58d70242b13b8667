"""Bad input gets a clear answer and changes nothing.

Real vaults in temp folders; only the OS edge is faked (a full disk, a read-only folder).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CHEAP_KDF, PASSPHRASE
from therapy_desk.domain.practice import PracticeProfile
from therapy_desk.errors import (
    StorageFull,
    StorageReadOnly,
    UnusableLocation,
    UserError,
    VaultDamaged,
    VaultExists,
    VaultNotFound,
    VaultTooNew,
    WeakPassphrase,
    WrongPassphrase,
    WrongRecoveryCode,
)
from therapy_desk.storage import unlock_failures
from therapy_desk.storage.keyslots import KEYSLOTS_FILE, Keyslots
from therapy_desk.storage.lock import LOCK_FILE, VaultLock
from therapy_desk.storage.migrations import CURRENT_VERSION
from therapy_desk.storage.vault import Vault

NEW_PASSPHRASE = "purple otter sings at dawn"
PROFILE = PracticeProfile(name="Maya Okafor", credentials="LCSW", npi="1234567893", state="NY")


def file_hashes(folder: Path) -> dict[str, str]:
    """sha256 of every file under `folder`, by relative path."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def assert_lock_is_free(folder: Path) -> None:
    lock = VaultLock(folder)
    lock.acquire()
    lock.release()


def os_error(code: int) -> OSError:
    return OSError(code, os.strerror(code))


def audit_events(vault: Vault, name: str) -> list[dict[str, Any]]:
    return [e.detail for e in vault.audit.recent(1000) if e.event == name]


# -- wrong passphrase ----------------------------------------------------------------------------


def test_wrong_passphrase_1000_times_gives_one_message_and_leaves_every_file_byte_identical(
    created: tuple[Path, str],
) -> None:
    folder, _code = created
    before = file_hashes(folder)
    assert {"vault.db", KEYSLOTS_FILE, LOCK_FILE} <= set(before)
    messages: set[str] = set()

    for attempt in range(1000):
        with pytest.raises(WrongPassphrase) as caught:
            Vault.open(folder, f"not the passphrase #{attempt}")
        messages.add(str(caught.value))

    assert len(messages) == 1
    (message,) = messages
    assert "passphrase" in message
    assert message.endswith(".")
    assert file_hashes(folder) == before
    assert_lock_is_free(folder)
    with Vault.open(folder, PASSPHRASE) as vault:
        unlock = vault.audit.recent(1)[0]
    assert unlock.event == "unlock"
    assert unlock.detail["failed_attempts_since_last_unlock"] == 1000


def test_failed_unlocks_are_counted_outside_the_vault_folder_and_reset_by_the_next_unlock(
    created: tuple[Path, str], app_home: Path
) -> None:
    folder, _code = created
    vault_id = Keyslots.load(folder).vault_id
    counter = unlock_failures._file(vault_id)

    for _ in range(3):
        with pytest.raises(WrongPassphrase):
            Vault.open(folder, "not the passphrase at all")
    with pytest.raises(WrongRecoveryCode):
        Vault.recover(folder, "0000-0000-0000-0000-0000-0000-0000", NEW_PASSPHRASE, kdf=CHEAP_KDF)

    assert counter.is_file()
    assert app_home in counter.parents
    assert folder not in counter.parents
    assert oct(counter.stat().st_mode & 0o777) == oct(0o600)
    assert unlock_failures.count(vault_id) == 4
    with Vault.open(folder, PASSPHRASE) as vault:
        assert audit_events(vault, "unlock")[0]["failed_attempts_since_last_unlock"] == 4
    assert not counter.exists()
    with Vault.open(folder, PASSPHRASE) as vault:
        assert audit_events(vault, "unlock")[0]["failed_attempts_since_last_unlock"] == 0


# -- weak passphrases ----------------------------------------------------------------------------

SHORT_PASSPHRASES = ["", "a", "elevenchars", "short pass!"]


@pytest.mark.parametrize("weak", SHORT_PASSPHRASES)
def test_create_refuses_a_short_passphrase_with_the_rule_and_writes_nothing(vault_dir: Path, weak: str) -> None:
    assert len(weak) < 12
    parent_before = sorted(os.listdir(vault_dir.parent))

    with pytest.raises(WeakPassphrase, match="12 characters") as caught:
        Vault.create(vault_dir, weak, kdf=CHEAP_KDF)

    assert caught.value.field == "passphrase"
    assert not vault_dir.exists()
    assert sorted(os.listdir(vault_dir.parent)) == parent_before


def test_create_onto_a_file_says_it_is_a_file_and_leaves_it(tmp_path: Path) -> None:
    afile = tmp_path / "afile.txt"
    afile.write_text("keep me")

    with pytest.raises(VaultExists, match="is a file, not a folder"):
        Vault.create(afile, PASSPHRASE, kdf=CHEAP_KDF)

    assert afile.read_text() == "keep me"


def test_create_accepts_a_passphrase_of_exactly_12_characters(vault_dir: Path) -> None:
    vault, _code = Vault.create(vault_dir, "twelve chars", kdf=CHEAP_KDF)
    vault.close()

    Vault.open(vault_dir, "twelve chars").close()


def test_create_refuses_a_passphrase_with_surrounding_spaces(vault_dir: Path) -> None:
    with pytest.raises(WeakPassphrase, match="space"):
        Vault.create(vault_dir, " " + PASSPHRASE, kdf=CHEAP_KDF)
    assert not vault_dir.exists()


@pytest.mark.parametrize("weak", SHORT_PASSPHRASES)
def test_change_passphrase_refuses_a_short_one_and_the_old_one_keeps_working(
    created: tuple[Path, str], weak: str
) -> None:
    folder, _code = created
    with Vault.open(folder, PASSPHRASE) as vault:
        keyslots_before = (folder / KEYSLOTS_FILE).read_bytes()
        with pytest.raises(WeakPassphrase, match="12 characters"):
            vault.change_passphrase(PASSPHRASE, weak, kdf=CHEAP_KDF)
        assert (folder / KEYSLOTS_FILE).read_bytes() == keyslots_before

    Vault.open(folder, PASSPHRASE).close()


@pytest.mark.parametrize("weak", SHORT_PASSPHRASES)
def test_recover_refuses_a_short_new_passphrase_and_changes_nothing(created: tuple[Path, str], weak: str) -> None:
    folder, code = created
    before = file_hashes(folder)

    with pytest.raises(WeakPassphrase, match="12 characters"):
        Vault.recover(folder, code, weak, kdf=CHEAP_KDF)

    assert file_hashes(folder) == before
    Vault.open(folder, PASSPHRASE).close()


# -- recovery codes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        ("0000-0000-0000-0000-0000-0000-0000", "does not unlock this vault"),
        ("ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ", "does not unlock this vault"),
        ("0000-0000-0000", "7 groups of 4"),
        ("not a recovery code at all", "7 groups of 4"),
    ],
)
def test_wrong_recovery_code_is_refused_and_leaves_the_files_unchanged(
    created: tuple[Path, str], wrong: str, says: str
) -> None:
    folder, code = created
    assert wrong != code
    before = file_hashes(folder)

    with pytest.raises(WrongRecoveryCode, match=says):
        Vault.recover(folder, wrong, NEW_PASSPHRASE, kdf=CHEAP_KDF)

    assert file_hashes(folder) == before
    assert_lock_is_free(folder)
    Vault.open(folder, PASSPHRASE).close()


def test_recovery_code_sets_a_new_passphrase_and_stays_valid(created: tuple[Path, str]) -> None:
    folder, code = created

    with Vault.recover(folder, code, NEW_PASSPHRASE, kdf=CHEAP_KDF) as vault:
        assert vault.is_open
        assert "passphrase reset with recovery code" in [e.event for e in vault.audit.recent(5)]

    with pytest.raises(WrongPassphrase):
        Vault.open(folder, PASSPHRASE)
    Vault.open(folder, NEW_PASSPHRASE).close()
    # The same code, typed sloppily, still works afterwards.
    typed = code.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    Vault.recover(folder, typed, PASSPHRASE, kdf=CHEAP_KDF).close()
    Vault.open(folder, PASSPHRASE).close()


def test_new_recovery_code_invalidates_the_old_one(created: tuple[Path, str]) -> None:
    folder, old_code = created
    with Vault.open(folder, PASSPHRASE) as vault:
        new_code = vault.new_recovery_code(kdf=CHEAP_KDF)
    assert new_code != old_code

    with pytest.raises(WrongRecoveryCode):
        Vault.recover(folder, old_code, NEW_PASSPHRASE, kdf=CHEAP_KDF)
    Vault.recover(folder, new_code, NEW_PASSPHRASE, kdf=CHEAP_KDF).close()
    Vault.open(folder, NEW_PASSPHRASE).close()


# -- changing the passphrase ---------------------------------------------------------------------


def test_change_passphrase_rewraps_the_same_key_and_keeps_the_data(created: tuple[Path, str]) -> None:
    folder, code = created
    keyslots_before = Keyslots.load(folder)
    data_key = keyslots_before.unwrap("passphrase", PASSPHRASE)
    with Vault.open(folder, PASSPHRASE) as vault:
        vault.practice.save_profile(PROFILE)
        vault.change_passphrase(PASSPHRASE, NEW_PASSPHRASE, kdf=CHEAP_KDF)
        assert audit_events(vault, "passphrase changed") == [{}]

    keyslots_after = Keyslots.load(folder)
    assert keyslots_after.key_check == keyslots_before.key_check
    assert keyslots_after.vault_id == keyslots_before.vault_id
    assert keyslots_after.slot("recovery") == keyslots_before.slot("recovery")
    assert keyslots_after.unwrap("passphrase", NEW_PASSPHRASE) == data_key
    with pytest.raises(WrongPassphrase):
        Vault.open(folder, PASSPHRASE)
    with Vault.open(folder, NEW_PASSPHRASE) as vault:
        assert vault.practice.profile().npi == "1234567893"
        assert vault.practice.profile().name == "Maya Okafor"
    Vault.recover(folder, code, PASSPHRASE, kdf=CHEAP_KDF).close()


def test_change_passphrase_with_the_wrong_current_one_is_refused(created: tuple[Path, str]) -> None:
    folder, _code = created
    with Vault.open(folder, PASSPHRASE) as vault:
        keyslots_before = (folder / KEYSLOTS_FILE).read_bytes()
        with pytest.raises(WrongPassphrase):
            vault.change_passphrase("not the current one", NEW_PASSPHRASE, kdf=CHEAP_KDF)
        assert (folder / KEYSLOTS_FILE).read_bytes() == keyslots_before
        assert audit_events(vault, "passphrase changed") == []

    with pytest.raises(WrongPassphrase):
        Vault.open(folder, NEW_PASSPHRASE)
    Vault.open(folder, PASSPHRASE).close()


FailureInstaller = Callable[[pytest.MonkeyPatch, int], None]


def _fail_mkstemp(monkeypatch: pytest.MonkeyPatch, code: int) -> None:
    def mkstemp(*args: Any, **kwargs: Any) -> tuple[int, str]:
        raise os_error(code)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)


def _fail_replace(monkeypatch: pytest.MonkeyPatch, code: int) -> None:
    def replace(*args: Any, **kwargs: Any) -> None:
        raise os_error(code)

    monkeypatch.setattr(os, "replace", replace)


def _fail_fsync_call(number: int) -> FailureInstaller:
    """Fail the `number`th os.fsync (1-based) from now on."""

    def install(monkeypatch: pytest.MonkeyPatch, code: int) -> None:
        real = os.fsync
        calls = 0

        def fsync(fd: int) -> None:
            nonlocal calls
            calls += 1
            if calls == number:
                raise os_error(code)
            real(fd)

        monkeypatch.setattr(os, "fsync", fsync)

    return install


def _fail_rename(monkeypatch: pytest.MonkeyPatch, code: int) -> None:
    def rename(*args: Any, **kwargs: Any) -> None:
        raise os_error(code)

    monkeypatch.setattr(os, "rename", rename)


@pytest.mark.parametrize(
    "fail",
    [_fail_mkstemp, _fail_fsync_call(1), _fail_replace],
    ids=["temp file", "fsync of the new file", "rename over the old file"],
)
def test_change_passphrase_on_a_full_disk_says_so_and_the_old_passphrase_still_opens(
    created: tuple[Path, str], monkeypatch: pytest.MonkeyPatch, fail: FailureInstaller
) -> None:
    folder, _code = created
    with Vault.open(folder, PASSPHRASE) as vault:
        keyslots_before = (folder / KEYSLOTS_FILE).read_bytes()
        with monkeypatch.context() as patch:
            fail(patch, errno.ENOSPC)
            with pytest.raises(StorageFull) as caught:
                vault.change_passphrase(PASSPHRASE, NEW_PASSPHRASE, kdf=CHEAP_KDF)
        assert "full" in str(caught.value)
        assert str(folder) in str(caught.value)
        assert (folder / KEYSLOTS_FILE).read_bytes() == keyslots_before
        assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".")) == []
        assert audit_events(vault, "passphrase changed") == []

    with pytest.raises(WrongPassphrase):
        Vault.open(folder, NEW_PASSPHRASE)
    Vault.open(folder, PASSPHRASE).close()


def test_change_passphrase_on_a_read_only_folder_says_so(
    created: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, _code = created
    with Vault.open(folder, PASSPHRASE) as vault:
        keyslots_before = (folder / KEYSLOTS_FILE).read_bytes()
        with monkeypatch.context() as patch:
            _fail_mkstemp(patch, errno.EROFS)
            with pytest.raises(StorageReadOnly, match="read-only"):
                vault.change_passphrase(PASSPHRASE, NEW_PASSPHRASE, kdf=CHEAP_KDF)
        assert (folder / KEYSLOTS_FILE).read_bytes() == keyslots_before

    Vault.open(folder, PASSPHRASE).close()


# -- damaged keyslots.json -----------------------------------------------------------------------


def _flip_wrapped_key_character(path: Path) -> None:
    text = path.read_text("ascii")
    start = text.index('"wrapped_key": "') + len('"wrapped_key": "') + 5
    replacement = "B" if text[start] != "B" else "C"
    path.write_text(text[:start] + replacement + text[start + 1 :], "ascii")


def _change_middle_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle] = ord("A") if data[middle] != ord("A") else ord("B")
    path.write_bytes(bytes(data))


def _truncate_to_half(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _drop_passphrase_slot_keeping_checksum(path: Path) -> None:
    body = json.loads(path.read_bytes())
    body.pop("checksum")
    body["slots"] = [s for s in body["slots"] if s["kind"] != "passphrase"]
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")
    body["checksum"] = hashlib.sha256(canonical).hexdigest()
    path.write_text(json.dumps(body, indent=2, sort_keys=True), "ascii")


KEYSLOTS_DAMAGE: dict[str, Callable[[Path], object]] = {
    "missing": lambda p: p.unlink(),
    "empty": lambda p: p.write_bytes(b""),
    "truncated to half": _truncate_to_half,
    "one character of wrapped_key changed": _flip_wrapped_key_character,
    "a byte in the middle changed": _change_middle_byte,
    "not json": lambda p: p.write_bytes(b"\x00\xffnot json at all"),
    "json but not keyslots": lambda p: p.write_text('{"hello": "world"}', "ascii"),
    "no passphrase slot": _drop_passphrase_slot_keeping_checksum,
}


@pytest.mark.parametrize("damage", list(KEYSLOTS_DAMAGE), ids=list(KEYSLOTS_DAMAGE))
def test_damaged_keyslots_file_is_reported_by_name_and_nothing_else_changes(
    created: tuple[Path, str], damage: str
) -> None:
    folder, code = created
    KEYSLOTS_DAMAGE[damage](folder / KEYSLOTS_FILE)
    before = file_hashes(folder)

    with pytest.raises(VaultDamaged) as caught:
        Vault.open(folder, PASSPHRASE)
    with pytest.raises(VaultDamaged):
        Vault.recover(folder, code, NEW_PASSPHRASE, kdf=CHEAP_KDF)

    assert str(folder / KEYSLOTS_FILE) in str(caught.value)
    assert "backup" in str(caught.value)
    assert file_hashes(folder) == before
    assert_lock_is_free(folder)


def test_keyslots_file_from_another_vault_does_not_open_this_one(tmp_path: Path, created: tuple[Path, str]) -> None:
    folder, _code = created
    other, _other_code = Vault.create(tmp_path / "other", PASSPHRASE, kdf=CHEAP_KDF)
    other.close()
    (folder / KEYSLOTS_FILE).write_bytes((tmp_path / "other" / KEYSLOTS_FILE).read_bytes())
    before = file_hashes(folder)

    with pytest.raises(VaultDamaged, match=r"vault\.db"):
        Vault.open(folder, PASSPHRASE)

    assert file_hashes(folder) == before
    assert_lock_is_free(folder)


# -- not a vault ---------------------------------------------------------------------------------


def test_missing_vault_folder_is_not_found_and_not_created(tmp_path: Path) -> None:
    folder = tmp_path / "nowhere"

    with pytest.raises(VaultNotFound) as caught:
        Vault.open(folder, PASSPHRASE)

    assert str(folder) in str(caught.value)
    assert not folder.exists()


def test_plain_file_given_as_the_vault_is_not_found(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("a shopping list\n", "utf-8")

    with pytest.raises(VaultNotFound, match="is a file") as caught:
        Vault.open(path, PASSPHRASE)

    assert str(path) in str(caught.value)
    assert path.read_text("utf-8") == "a shopping list\n"


def test_folder_of_unrelated_files_is_not_a_vault_and_is_left_alone(tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "holiday.jpg").write_bytes(b"\xff\xd8\xff not really a jpeg")
    (folder / "readme.txt").write_text("hello\n", "utf-8")
    before = file_hashes(folder)

    with pytest.raises(VaultNotFound, match="does not hold a Therapy Desk vault") as caught:
        Vault.open(folder, PASSPHRASE)

    assert str(folder) in str(caught.value)
    assert file_hashes(folder) == before  # no vault.lock appeared


def _plain_sqlite_database(path: Path) -> None:
    path.unlink()
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()


VAULT_DB_DAMAGE: dict[str, Callable[[Path], object]] = {
    "text file": lambda p: p.write_text("Session notes, definitely not a database.\n", "utf-8"),
    "empty file": lambda p: p.write_bytes(b""),
    "one byte": lambda p: p.write_bytes(b"x"),
    "zeros": lambda p: p.write_bytes(bytes(8192)),
    "truncated to half": lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),
    "plain sqlite database": _plain_sqlite_database,
}


@pytest.mark.parametrize("damage", list(VAULT_DB_DAMAGE), ids=list(VAULT_DB_DAMAGE))
def test_vault_db_that_is_not_the_vault_database_is_damaged_and_left_alone(
    created: tuple[Path, str], damage: str
) -> None:
    folder, _code = created
    VAULT_DB_DAMAGE[damage](folder / "vault.db")
    before = file_hashes(folder)

    with pytest.raises(VaultDamaged) as caught:
        Vault.open(folder, PASSPHRASE)

    assert str(folder / "vault.db") in str(caught.value)
    assert file_hashes(folder) == before
    assert_lock_is_free(folder)


def test_missing_vault_db_next_to_keyslots_is_damaged(created: tuple[Path, str]) -> None:
    folder, _code = created
    (folder / "vault.db").unlink()
    before = file_hashes(folder)

    with pytest.raises(VaultDamaged, match="missing") as caught:
        Vault.open(folder, PASSPHRASE)

    assert str(folder / "vault.db") in str(caught.value)
    assert file_hashes(folder) == before


# -- creating ------------------------------------------------------------------------------------


def test_create_into_a_folder_that_holds_files_is_refused(vault_dir: Path) -> None:
    vault_dir.mkdir()
    (vault_dir / "taxes-2023.pdf").write_bytes(b"%PDF-1.7 something precious")
    before = file_hashes(vault_dir)

    with pytest.raises(VaultExists) as caught:
        Vault.create(vault_dir, PASSPHRASE, kdf=CHEAP_KDF)

    assert str(vault_dir) in str(caught.value)
    assert file_hashes(vault_dir) == before


def test_create_over_an_existing_vault_is_refused(created: tuple[Path, str]) -> None:
    folder, _code = created
    before = file_hashes(folder)

    with pytest.raises(VaultExists):
        Vault.create(folder, NEW_PASSPHRASE, kdf=CHEAP_KDF)

    assert file_hashes(folder) == before
    Vault.open(folder, PASSPHRASE).close()


def test_create_where_a_file_stands_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "vault"
    path.write_text("not a folder\n", "utf-8")

    with pytest.raises(VaultExists):
        Vault.create(path, PASSPHRASE, kdf=CHEAP_KDF)

    assert path.read_text("utf-8") == "not a folder\n"


def test_create_into_an_existing_empty_folder_works(vault_dir: Path) -> None:
    vault_dir.mkdir()

    vault, _code = Vault.create(vault_dir, PASSPHRASE, kdf=CHEAP_KDF)
    vault.close()

    Vault.open(vault_dir, PASSPHRASE).close()


def _leftovers(vault_dir: Path) -> list[str]:
    return [p.name for p in vault_dir.parent.iterdir() if p.name.startswith(f".{vault_dir.name}.creating-")]


@pytest.mark.parametrize(
    "fail",
    [
        _fail_mkstemp,
        _fail_fsync_call(1),
        _fail_replace,
        _fail_rename,
        _fail_fsync_call(3),
    ],
    ids=[
        "temp file for keyslots",
        "fsync of keyslots",
        "rename of keyslots",
        "rename of the staging folder",
        "fsync of the parent folder",
    ],
)
def test_create_on_a_full_disk_says_so_and_leaves_no_vault_and_no_staging_folder(
    vault_dir: Path, monkeypatch: pytest.MonkeyPatch, fail: FailureInstaller
) -> None:
    vault_dir.parent.mkdir(parents=True, exist_ok=True)
    parent_before = sorted(os.listdir(vault_dir.parent))

    with monkeypatch.context() as patch:
        fail(patch, errno.ENOSPC)
        with pytest.raises(StorageFull) as caught:
            Vault.create(vault_dir, PASSPHRASE, kdf=CHEAP_KDF)

    message = str(caught.value)
    assert "full" in message
    assert message.endswith(".")
    assert not vault_dir.exists()
    assert _leftovers(vault_dir) == []
    assert sorted(os.listdir(vault_dir.parent)) == parent_before
    # Once there is space again, creating works.
    vault, _code = Vault.create(vault_dir, PASSPHRASE, kdf=CHEAP_KDF)
    vault.close()


def test_create_in_a_read_only_place_says_so_and_leaves_nothing(
    vault_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault_dir.parent.mkdir(parents=True, exist_ok=True)
    parent_before = sorted(os.listdir(vault_dir.parent))

    def mkdir(*args: Any, **kwargs: Any) -> None:
        raise os_error(errno.EROFS)

    with monkeypatch.context() as patch:
        patch.setattr(os, "mkdir", mkdir)
        with pytest.raises(StorageReadOnly, match="read-only") as caught:
            Vault.create(vault_dir, PASSPHRASE, kdf=CHEAP_KDF)

    assert str(caught.value).endswith(".")
    assert not vault_dir.exists()
    assert sorted(os.listdir(vault_dir.parent)) == parent_before


# -- read-only and too new -----------------------------------------------------------------------


def test_read_only_vault_folder_gives_a_sentence_not_a_traceback(
    created: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, _code = created
    before = file_hashes(folder)
    real_open = os.open

    def open_(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if Path(os.fsdecode(path)).name == LOCK_FILE:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), os.fsdecode(path))
        return real_open(path, flags, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(os, "open", open_)
        with pytest.raises(StorageReadOnly) as caught:
            Vault.open(folder, PASSPHRASE)

    message = str(caught.value)
    assert "read-only" in message
    assert str(folder) in message
    assert message.endswith(".")
    assert isinstance(caught.value, UserError)
    assert file_hashes(folder) == before
    Vault.open(folder, PASSPHRASE).close()


def test_vault_newer_than_the_app_is_refused_clearly_and_left_unchanged(vault: Vault) -> None:
    folder = vault.folder
    vault.db.conn.execute(f"PRAGMA user_version = {CURRENT_VERSION + 5}")
    vault.close()
    before = file_hashes(folder)

    for _ in range(2):  # the lock is released after the refusal: the second try says the same
        with pytest.raises(VaultTooNew) as caught:
            Vault.open(folder, PASSPHRASE)

    message = str(caught.value)
    assert "newer Therapy Desk" in message
    assert str(CURRENT_VERSION + 5) in message
    assert "not changed" in message
    assert file_hashes(folder) == before
    assert not (folder / "snapshots").exists()
    assert_lock_is_free(folder)


@pytest.mark.parametrize("where", ["file/sub", "file/a/b", "x" * 300])
def test_create_where_no_folder_can_be_is_one_sentence_and_leaves_nothing(tmp_path: Path, where: str) -> None:
    """The app's own calls reach storage without the command line's checks: storage says it too."""
    (tmp_path / "file").write_text("a file, not a folder")
    before = sorted(p.name for p in tmp_path.iterdir())

    with pytest.raises(UnusableLocation) as caught:
        Vault.create(tmp_path / where, PASSPHRASE, kdf=CHEAP_KDF)

    assert "cannot be used as a folder" in str(caught.value) or "too long" in str(caught.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == before
