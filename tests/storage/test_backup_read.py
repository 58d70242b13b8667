"""Reading a backup hashes the whole file in the pass that reads its members: the hash it reports is the
file's own, whatever order the members come in, and for a file that is no backup at all."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.backup_files import rezip
from tests.conftest import PASSPHRASE
from therapy_desk.demo.builder import build_demo
from therapy_desk.storage.backup import create_backup, verify_backup
from therapy_desk.storage.backup_read import hash_file, read_backup
from therapy_desk.storage.vault import Vault


@pytest.fixture
def backup(vault: Vault, tmp_path: Path) -> Path:
    build_demo(vault, clients=12, years=1)
    target = tmp_path / "usb"
    target.mkdir()
    return create_backup(vault, target).path


def _sha(path: Path) -> tuple[int, str]:
    data = path.read_bytes()
    return len(data), hashlib.sha256(data).hexdigest()


def test_the_hash_of_a_backup_is_its_files_sha256(backup: Path, tmp_path: Path) -> None:
    report = verify_backup(backup, "passphrase", PASSPHRASE)

    assert report.problems == []
    assert (report.size, report.sha256) == _sha(backup) == hash_file(backup, from_drive=True)


def test_members_in_another_order_still_give_the_files_hash_and_read_clean(backup: Path, tmp_path: Path) -> None:
    reordered = tmp_path / "reordered.tdbackup"
    rezip(backup, reordered, lambda members: members.update({"vault.db": members.pop("vault.db")}))  # last

    report = verify_backup(reordered, "passphrase", PASSPHRASE)

    assert report.problems == []
    assert (report.size, report.sha256) == _sha(reordered)


def test_a_file_that_is_no_backup_is_hashed_whole_and_named(tmp_path: Path) -> None:
    stranger = tmp_path / "holiday.tdbackup"
    stranger.write_bytes(b"not a zip at all " * 100_000)
    work = tmp_path / "work"
    work.mkdir()

    found = read_backup(stranger, work)

    assert (found.size, found.sha256) == _sha(stranger)
    assert found.problems == [
        "The file is cut short or is not a Therapy Desk backup: its ZIP table of contents cannot be read "
        "(1,700,000 bytes)."
    ]
