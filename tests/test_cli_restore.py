"""`therapy-desk backup restore` and `backup test`: a restore with the passphrase or the recovery code (then the
new passphrase), the pre-restore copy named, a damaged backup listed and nothing restored, refusals in one
sentence."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.backup_files import flip_byte
from tests.conftest import CHEAP_KDF, PASSPHRASE
from therapy_desk import cli
from therapy_desk.demo.builder import build_demo
from therapy_desk.storage.backup import changed_since_backup, create_backup, last_verified_backup
from therapy_desk.storage.vault import Vault

NEW_PASSPHRASE = "a new passphrase typed after the code"


@pytest.fixture
def backup(created: tuple[Path, str], tmp_path: Path) -> Path:
    target = tmp_path / "usb"
    target.mkdir()
    with Vault.open(created[0], PASSPHRASE) as vault:
        build_demo(vault, clients=12, years=1)
        return create_backup(vault, target).path


def _run(capsys: pytest.CaptureFixture[str], argv: list[str], stdin: str) -> tuple[int, str, str]:
    capsys.readouterr()
    out = io.StringIO()
    code = cli.main(argv, stdin=io.TextIOWrapper(io.BytesIO(stdin.encode()), encoding="utf-8"), stdout=out)
    captured = capsys.readouterr()
    return code, out.getvalue() + captured.out, captured.err


def test_restore_into_a_new_folder_with_the_passphrase(
    capsys: pytest.CaptureFixture[str], backup: Path, tmp_path: Path
) -> None:
    fresh = tmp_path / "restored"

    code, out, err = _run(
        capsys, ["backup", "restore", str(backup), "--vault", str(fresh), "--passphrase-stdin"], PASSPHRASE + "\n"
    )

    assert (code, err) == (cli.EXIT_OK, "")
    assert f"into {fresh}" in out
    assert "opens with the passphrase that backup was made with" in out
    assert "kept" not in out  # nothing was there to keep
    with Vault.open(fresh, PASSPHRASE) as vault:
        assert vault.clients.count() == 12
        last = last_verified_backup(vault)  # the backup it came from, verified by the restore
        assert last is not None
        assert (last.folder, last.file_name) == (str(backup.parent), backup.name)
        assert not changed_since_backup(vault)


def test_restore_with_the_recovery_code_reads_the_new_passphrase_next(
    capsys: pytest.CaptureFixture[str], backup: Path, created: tuple[Path, str], tmp_path: Path, cheap_calibration: None
) -> None:
    fresh = tmp_path / "restored"

    code, out, err = _run(
        capsys,
        ["backup", "restore", str(backup), "--vault", str(fresh), "--recovery-stdin"],
        f"{created[1]}\n{NEW_PASSPHRASE}\n",
    )

    assert (code, err) == (cli.EXIT_OK, "")
    assert "opens with the new passphrase" in out
    with Vault.open(fresh, NEW_PASSPHRASE) as vault:
        assert last_verified_backup(vault) is not None


def test_restore_over_the_vault_names_the_pre_restore_copy(
    capsys: pytest.CaptureFixture[str], backup: Path, created: tuple[Path, str]
) -> None:
    folder = created[0]

    code, out, err = _run(
        capsys, ["backup", "restore", str(backup), "--vault", str(folder), "--passphrase-stdin"], PASSPHRASE + "\n"
    )

    assert (code, err) == (cli.EXIT_OK, "")
    kept = [p for p in folder.parent.iterdir() if p.name.startswith("vault.pre-restore-")]
    assert len(kept) == 1
    assert f"is kept, unchanged, in {kept[0]}" in out
    Vault.open(kept[0], PASSPHRASE).close()
    Vault.open(folder, PASSPHRASE).close()


def test_a_damaged_backup_is_listed_and_nothing_is_restored(
    capsys: pytest.CaptureFixture[str], backup: Path, tmp_path: Path
) -> None:
    flip_byte(backup, "vault.db")

    code, out, _err = _run(
        capsys,
        ["backup", "restore", str(backup), "--vault", str(tmp_path / "restored"), "--passphrase-stdin"],
        PASSPHRASE + "\n",
    )

    assert code == cli.EXIT_PROBLEMS
    assert "problem found" in out
    assert "vault.db in the backup" in out
    assert "Nothing was restored" in out
    assert not (tmp_path / "restored").exists()


def test_another_vaults_backup_over_a_vault_is_one_sentence(
    capsys: pytest.CaptureFixture[str], backup: Path, tmp_path: Path
) -> None:
    Vault.create(tmp_path / "other", PASSPHRASE, kdf=CHEAP_KDF)[0].close()

    code, _out, err = _run(
        capsys,
        ["backup", "restore", str(backup), "--vault", str(tmp_path / "other"), "--passphrase-stdin"],
        PASSPHRASE + "\n",
    )

    assert code == cli.EXIT_USER_ERROR
    assert err.count("\n") == 1
    assert "Restore another vault's backup only into a new folder" in err


def test_restore_needs_the_vault_folder(capsys: pytest.CaptureFixture[str], backup: Path) -> None:
    code, _out, err = _run(capsys, ["backup", "restore", str(backup), "--passphrase-stdin"], PASSPHRASE + "\n")

    assert code == cli.EXIT_USER_ERROR
    assert "--vault" in err


def test_backup_test_passes_a_good_backup_and_fails_a_damaged_one(
    capsys: pytest.CaptureFixture[str], backup: Path, created: tuple[Path, str]
) -> None:
    code, out, err = _run(capsys, ["backup", "test", str(backup), "--passphrase-stdin"], PASSPHRASE + "\n")
    assert (code, err) == (cli.EXIT_OK, "")
    assert "test restore passed" in out
    code, out, err = _run(capsys, ["backup", "test", str(backup), "--recovery-stdin"], created[1] + "\n")
    assert (code, err) == (cli.EXIT_OK, "")

    flip_byte(backup, "vault.db")
    code, out, _err = _run(capsys, ["backup", "test", str(backup), "--passphrase-stdin"], PASSPHRASE + "\n")

    assert code == cli.EXIT_PROBLEMS
    assert "vault.db in the backup" in out


def test_backup_test_with_a_wrong_passphrase_is_one_sentence(capsys: pytest.CaptureFixture[str], backup: Path) -> None:
    code, _out, err = _run(capsys, ["backup", "test", str(backup), "--passphrase-stdin"], "not the passphrase\n")

    assert code == cli.EXIT_USER_ERROR
    assert "That passphrase does not open this backup" in err
