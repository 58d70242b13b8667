"""`files.write_new_file`: a new file under a name not taken, never over another, no temporary file left."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from therapy_desk.errors import StorageFull, UnusableLocation
from therapy_desk.storage.files import numbered_name, write_new_file


def test_a_taken_name_gets_the_next_number_and_the_old_file_is_untouched(tmp_path: Path) -> None:
    (tmp_path / "Statement.pdf").write_bytes(b"old")
    (tmp_path / "Statement (2).pdf").write_bytes(b"old 2")

    written = write_new_file(tmp_path, "Statement.pdf", b"new")

    assert written == tmp_path / "Statement (3).pdf"
    assert written.read_bytes() == b"new"
    assert (tmp_path / "Statement.pdf").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Statement (2).pdf", "Statement (3).pdf", "Statement.pdf"]


def test_an_exact_name_already_taken_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.pdf").write_bytes(b"mine")
    with pytest.raises(UnusableLocation, match="already exists"):
        write_new_file(tmp_path, "a.pdf", b"new", numbered=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pdf"]


def test_a_disk_without_hard_links_gets_a_checked_rename(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_links(*_args: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    (tmp_path / "a.pdf").write_bytes(b"mine")

    written = write_new_file(tmp_path, "a.pdf", b"new")

    assert (written.name, written.read_bytes()) == ("a (2).pdf", b"new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a (2).pdf", "a.pdf"]


def test_an_interrupted_write_leaves_no_temporary_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(_fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_new_file(tmp_path, "a.pdf", b"new")
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_is_a_sentence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(_fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(StorageFull, match="full"):
        write_new_file(tmp_path, "a.pdf", b"new")
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


def test_a_name_with_a_folder_or_a_missing_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UnusableLocation, match="not a file name"):
        write_new_file(tmp_path, "../a.pdf", b"x")
    with pytest.raises(UnusableLocation, match="not a folder"):
        write_new_file(tmp_path / "gone", "a.pdf", b"x")


def test_numbered_names() -> None:
    assert [numbered_name("Superbill 2026-03 C000042.pdf", n) for n in (1, 2)] == [
        "Superbill 2026-03 C000042.pdf",
        "Superbill 2026-03 C000042 (2).pdf",
    ]
    assert numbered_name("notes", 3) == "notes (3)"
