"""Restore: a demo vault's backup restored table for table, with the passphrase or the recovery code; over the
same vault with a pre-restore copy that still opens; another vault's backup only into a new folder; a damaged
backup refused before anything is written; a failing install giving the old vault back; test restores."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.backup_files import flip_byte, table_hashes
from tests.conftest import CHEAP_KDF, PASSPHRASE
from therapy_desk.demo.builder import build_demo
from therapy_desk.errors import StorageFull, UnusableLocation, VaultExists, VaultInUse, WrongPassphrase
from therapy_desk.storage import restore as restore_module
from therapy_desk.storage.backup import create_backup
from therapy_desk.storage.backup_read import count_rows
from therapy_desk.storage.restore import BackupDamaged, restore_backup
from therapy_desk.storage.vault import Vault

NEW_PASSPHRASE = "a brand new passphrase after restore"


@pytest.fixture
def demo_backup(created: tuple[Path, str], tmp_path: Path) -> tuple[Path, dict[str, str], dict[str, int]]:
    """A closed demo vault's backup file, and the vault's table hashes and row counts when it was taken."""
    target = tmp_path / "usb"
    target.mkdir()
    with Vault.open(created[0], PASSPHRASE) as vault:
        build_demo(vault, clients=12, years=1)
        hashes, counts = table_hashes(vault.db.conn), count_rows(vault.db.conn)
        return create_backup(vault, target).path, hashes, counts


def _tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def _leftovers(parent: Path) -> list[str]:
    """Staging folders and pre-restore copies beside the vaults."""
    return sorted(p.name for p in parent.iterdir() if ".restoring-" in p.name or ".pre-restore-" in p.name)


def _hashes_without_unlocks(folder: Path, passphrase: str = PASSPHRASE) -> tuple[dict[str, str], dict[str, int]]:
    """Table hashes and row counts of the vault at `folder` (opened for checking: nothing is written)."""
    with Vault.open_for_check(folder, passphrase) as vault:
        return table_hashes(vault.db.conn), count_rows(vault.db.conn)


def test_a_backup_restores_into_a_new_folder_table_for_table_and_opens_with_its_passphrase(
    demo_backup: tuple[Path, dict[str, str], dict[str, int]], tmp_path: Path
) -> None:
    backup, hashes, counts = demo_backup
    fresh = tmp_path / "restored"

    result = restore_backup(backup, fresh, "passphrase", PASSPHRASE)

    assert result.clean, result.check_problems
    assert result.pre_restore is None
    assert result.manifest.row_counts == counts
    assert result.rows == sum(counts.values())
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no staging left
    restored_hashes, restored_counts = _hashes_without_unlocks(fresh)
    # Opening and checking after the restore logged its unlock and lock: the audit log grew, nothing else moved.
    audit = {"audit_log", "audit_head"}
    assert {t: h for t, h in restored_hashes.items() if t not in audit} == {
        t: h for t, h in hashes.items() if t not in audit
    }
    assert restored_counts["audit_log"] > counts["audit_log"]
    assert {t: n for t, n in restored_counts.items() if t != "audit_log"} == {
        t: n for t, n in counts.items() if t != "audit_log"
    }
    Vault.open(fresh, PASSPHRASE).close()


def test_an_empty_folder_takes_a_restore(
    demo_backup: tuple[Path, dict[str, str], dict[str, int]], tmp_path: Path
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()

    restore_backup(demo_backup[0], empty, "passphrase", PASSPHRASE)

    with Vault.open(empty, PASSPHRASE) as vault:
        assert count_rows(vault.db.conn)["clients"] == 12


def test_the_recovery_code_restores_and_sets_the_new_passphrase(
    demo_backup: tuple[Path, dict[str, str], dict[str, int]], created: tuple[Path, str], tmp_path: Path
) -> None:
    fresh = tmp_path / "restored"

    result = restore_backup(demo_backup[0], fresh, "recovery", created[1], new_passphrase=NEW_PASSPHRASE, kdf=CHEAP_KDF)

    assert result.clean
    Vault.open(fresh, NEW_PASSPHRASE).close()
    with pytest.raises(WrongPassphrase):
        Vault.open(fresh, PASSPHRASE)


def test_a_recovery_code_restore_without_a_new_passphrase_is_refused_before_anything(
    demo_backup: tuple[Path, dict[str, str], dict[str, int]], created: tuple[Path, str], tmp_path: Path
) -> None:
    with pytest.raises(Exception, match="new passphrase"):
        restore_backup(demo_backup[0], tmp_path / "restored", "recovery", created[1])

    assert not (tmp_path / "restored").exists()


def test_restoring_over_the_same_vault_keeps_a_pre_restore_copy_that_still_opens(
    demo_backup: tuple[Path, dict[str, str], dict[str, int]], created: tuple[Path, str]
) -> None:
    folder = created[0]
    with Vault.open(folder, PASSPHRASE) as vault:  # a change made after the backup: the restore undoes it
        vault.practice.set_setting("restore.test", "after the backup")
    after_backup = _hashes_without_unlocks(folder)[0]

    result = restore_backup(demo_backup[0], folder, "passphrase", PASSPHRASE)

    assert result.pre_restore is not None
    assert result.pre_restore.parent == folder.parent
    assert result.pre_restore.name.startswith(f"{folder.name}.pre-restore-")
    with Vault.open(folder, PASSPHRASE) as vault:
        assert vault.practice.setting("restore.test") is None
    assert _hashes_without_unlocks(result.pre_restore)[0] == after_backup  # the vault as it was, whole
    with Vault.open(result.pre_restore, PASSPHRASE) as old:
        assert old.practice.setting("restore.test") == "after the backup"


def test_a_vault_in_use_is_not_restored_over(
    demo_backup: tuple[Path, dict[str, str], dict[str, int]], created: tuple[Path, str]
) -> None:
    folder = created[0]
    before = _tree(folder)
    with Vault.open(folder, PASSPHRASE), pytest.raises(VaultInUse, match="in use"):
        restore_backup(demo_backup[0], folder, "passphrase", PASSPHRASE)

    assert _tree(folder) == before
    assert _leftovers(folder.parent) == []


def test_another_vaults_backup_is_refused_over_a_vault_and_allowed_into_an_empty_folder(
    demo_backup: tuple[Path, dict[str, str], dict[str, int]], tmp_path: Path
) -> None:
    other, _code = Vault.create(tmp_path / "other", PASSPHRASE, kdf=CHEAP_KDF)
    other.close()
    before = _hashes_without_unlocks(tmp_path / "other")

    with pytest.raises(VaultExists, match="only into a new folder"):
        restore_backup(demo_backup[0], tmp_path / "other", "passphrase", PASSPHRASE)

    assert _hashes_without_unlocks(tmp_path / "other") == before
    assert _leftovers(tmp_path) == []
    result = restore_backup(demo_backup[0], tmp_path / "new", "passphrase", PASSPHRASE)
    assert result.clean


def test_a_folder_of_other_files_is_refused(
    demo_backup: tuple[Path, dict[str, str], dict[str, int]], tmp_path: Path
) -> None:
    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "letter.txt").write_text("mine")

    with pytest.raises(VaultExists, match="holds files but no vault"):
        restore_backup(demo_backup[0], papers, "passphrase", PASSPHRASE)

    assert _tree(papers) == ["letter.txt"]


def test_a_damaged_backup_is_refused_with_its_problem_and_nothing_is_written(
    demo_backup: tuple[Path, dict[str, str], dict[str, int]], created: tuple[Path, str], tmp_path: Path
) -> None:
    backup = demo_backup[0]
    flip_byte(backup, "vault.db")
    before = _tree(tmp_path)

    with pytest.raises(BackupDamaged) as refused:
        restore_backup(backup, tmp_path / "restored", "passphrase", PASSPHRASE)
    with pytest.raises(BackupDamaged):
        restore_backup(backup, created[0], "passphrase", PASSPHRASE)

    assert "did not verify, so nothing was restored" in str(refused.value)
    assert any("vault.db" in p for p in refused.value.problems)
    assert _tree(tmp_path) == before


def test_a_wrong_passphrase_restores_nothing(
    demo_backup: tuple[Path, dict[str, str], dict[str, int]], tmp_path: Path
) -> None:
    with pytest.raises(WrongPassphrase, match="does not open this backup"):
        restore_backup(demo_backup[0], tmp_path / "restored", "passphrase", "not the passphrase at all")

    assert not (tmp_path / "restored").exists()


def test_a_failure_while_installing_puts_the_previous_vault_back(
    demo_backup: tuple[Path, dict[str, str], dict[str, int]], created: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = created[0]
    before = _hashes_without_unlocks(folder)
    real_rename = os.rename

    def failing_rename(src: os.PathLike[str] | str, dst: os.PathLike[str] | str) -> None:
        if ".restoring-" in Path(src).name:  # the staged backup taking the vault's name
            raise OSError(5, "Input/output error")
        real_rename(src, dst)

    monkeypatch.setattr("therapy_desk.storage.restore.os.rename", failing_rename)

    with pytest.raises(StorageFull, match=r"could not restore into .*what was there before is back in place"):
        restore_backup(demo_backup[0], folder, "passphrase", PASSPHRASE)

    monkeypatch.setattr("therapy_desk.storage.restore.os.rename", real_rename)
    assert _hashes_without_unlocks(folder) == before
    Vault.open(folder, PASSPHRASE).close()
    assert _leftovers(folder.parent) == []


def test_a_failure_opening_the_restored_vault_puts_the_previous_vault_back(
    demo_backup: tuple[Path, dict[str, str], dict[str, int]], created: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = created[0]
    before = _hashes_without_unlocks(folder)

    def broken_open(*_args: object) -> Vault:
        raise OSError(5, "Input/output error")

    with monkeypatch.context() as patched:
        patched.setattr(Vault, "open", broken_open)
        with pytest.raises(OSError, match="Input/output"):
            restore_backup(demo_backup[0], folder, "passphrase", PASSPHRASE)

    assert _hashes_without_unlocks(folder) == before
    assert _leftovers(folder.parent) == []


def test_a_test_restore_of_a_good_backup_passes_and_leaves_no_folder(
    demo_backup: tuple[Path, dict[str, str], dict[str, int]],
    created: tuple[Path, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setattr("tempfile.tempdir", None)

    by_passphrase = restore_module.test_restore(demo_backup[0], "passphrase", PASSPHRASE)
    by_code = restore_module.test_restore(demo_backup[0], "recovery", created[1])

    assert by_passphrase.passed, by_passphrase.problems
    assert by_code.passed, by_code.problems
    assert by_passphrase.manifest is not None
    assert by_passphrase.manifest.row_counts == demo_backup[2]
    assert list(temp.iterdir()) == []


def test_a_test_restore_of_a_damaged_backup_fails_with_the_problem(
    demo_backup: tuple[Path, dict[str, str], dict[str, int]],
) -> None:
    flip_byte(demo_backup[0], "vault.db")

    report = restore_module.test_restore(demo_backup[0], "passphrase", PASSPHRASE)

    assert not report.passed
    assert any("vault.db in the backup" in p for p in report.problems), report.problems


class _Cancelled(Exception):
    pass


def test_cancel_while_staging_leaves_the_vault_as_it_was_and_no_staging_folder(
    demo_backup: tuple[Path, dict[str, str], dict[str, int]], created: tuple[Path, str]
) -> None:
    folder = created[0]
    before = _hashes_without_unlocks(folder)
    seen: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        seen.append((done, total))
        if done * 5 > total * 3:  # past verification: the members are being staged
            raise _Cancelled

    with pytest.raises(_Cancelled):
        restore_backup(demo_backup[0], folder, "passphrase", PASSPHRASE, progress=progress)

    assert seen
    assert _hashes_without_unlocks(folder) == before
    assert _leftovers(folder.parent) == []


def test_an_interrupted_restores_staging_folder_is_removed_by_the_next(
    demo_backup: tuple[Path, dict[str, str], dict[str, int]], created: tuple[Path, str]
) -> None:
    folder = created[0]
    left = folder.parent / f".{folder.name}.restoring-0123abcd"
    left.mkdir()
    (left / "vault.db").write_bytes(b"half")

    result = restore_backup(demo_backup[0], folder, "passphrase", PASSPHRASE)

    assert _leftovers(folder.parent) == [result.pre_restore.name if result.pre_restore else ""]


def test_a_link_to_a_vault_is_refused_with_the_folder_to_name(
    demo_backup: tuple[Path, dict[str, str], dict[str, int]], created: tuple[Path, str], tmp_path: Path
) -> None:
    link = tmp_path / "link"
    link.symlink_to(created[0])

    with pytest.raises(UnusableLocation, match="is a link"):
        restore_backup(demo_backup[0], link, "passphrase", PASSPHRASE)

    assert link.is_symlink()
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("was", ["missing", "empty"])
def test_a_failure_opening_a_restore_into_a_new_folder_leaves_it_as_it_was(
    demo_backup: tuple[Path, dict[str, str], dict[str, int]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    was: str,
) -> None:
    fresh = tmp_path / "restored"
    if was == "empty":
        fresh.mkdir()

    def broken_open(*_args: object) -> Vault:
        raise OSError(5, "Input/output error")

    with monkeypatch.context() as patched:
        patched.setattr(Vault, "open", broken_open)
        with pytest.raises(OSError, match="Input/output"):
            restore_backup(demo_backup[0], fresh, "passphrase", PASSPHRASE)

    assert fresh.exists() == (was == "empty")
    assert was == "missing" or list(fresh.iterdir()) == []
    assert _leftovers(tmp_path) == []
