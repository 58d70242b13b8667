"""Faults of the disk and of the file end in one sentence a user can act on: never a traceback, never
the wrong diagnosis ("damaged" for a full disk, "out of memory" for a damaged page)."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import CHEAP_KDF, PASSPHRASE
from therapy_desk.demo.builder import build_demo
from therapy_desk.errors import StorageFull, VaultDamaged
from therapy_desk.storage.files import DIR_MODE, FILE_MODE
from therapy_desk.storage.vault import Vault

PAGE = 4096


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 4 MiB file system (tmpfs), so "disk full" comes from the kernel, not from a fake."""
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root (CI runs as root)")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", str(mount_point)], check=True)
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def _fill(disk: Path) -> None:
    with (disk / "filler").open("wb", buffering=0) as filler:
        try:
            while True:
                filler.write(b"\0" * 65536)
        except OSError:
            pass
        try:
            while True:
                filler.write(b"\0" * 512)
        except OSError:
            pass


def test_opening_a_vault_on_a_full_disk_says_the_disk_is_full(small_disk: Path) -> None:
    vault, _ = Vault.create(small_disk / "vault", PASSPHRASE, kdf=CHEAP_KDF)
    vault.close()
    _fill(small_disk)

    with pytest.raises(StorageFull) as caught:
        Vault.open(small_disk / "vault", PASSPHRASE)

    assert "full" in str(caught.value)
    assert "damaged" not in str(caught.value)
    (small_disk / "filler").unlink()
    with Vault.open_for_check(small_disk / "vault", PASSPHRASE) as vault:  # nothing was harmed
        assert vault.check().clean


def test_a_demo_that_does_not_fit_says_the_disk_is_full_not_damaged(small_disk: Path) -> None:
    vault, _ = Vault.create(small_disk / "demo", PASSPHRASE, kdf=CHEAP_KDF)

    with pytest.raises(StorageFull) as caught, vault:
        build_demo(vault, clients=400, years=3, seed=1)

    assert "full" in str(caught.value)
    assert not vault.is_open


# -- a damaged page met in ordinary use ---------------------------------------------------------------


def _damaged_copies(source: Path, tmp_path: Path, tries: int) -> Iterator[Path]:
    """Copies of the vault at `source`, each with one byte flipped in a random page (seeded)."""
    rng = random.Random(20_261_202)
    pages = (source / "vault.db").stat().st_size // PAGE
    for trial in range(tries):
        copy = tmp_path / f"damaged-{trial}"
        shutil.copytree(source, copy)
        data = bytearray((copy / "vault.db").read_bytes())
        data[rng.randrange(1, pages) * PAGE + rng.randrange(64, 3000)] ^= 0xFF
        (copy / "vault.db").write_bytes(bytes(data))
        yield copy


@pytest.mark.slow
def test_a_damaged_page_met_by_a_search_is_reported_as_damage_not_masked_by_the_lock(tmp_path: Path) -> None:
    source = tmp_path / "source"
    vault, _ = Vault.create(source, PASSPHRASE, kdf=CHEAP_KDF)
    with vault:
        build_demo(vault, clients=40, years=1, seed=3)

    sentences = []
    for copy in _damaged_copies(source, tmp_path, tries=60):
        try:
            with Vault.open(copy, PASSPHRASE) as opened:
                opened.search.search("anxiety")
                opened.search.search("sleep work")
        except VaultDamaged as err:  # anything else (MemoryError, a raw DatabaseError) fails the test
            sentences.append(str(err))
        shutil.rmtree(copy)

    assert sentences  # the seed above puts several flips in pages a search reads
    assert all("vault check" in s for s in sentences)


def test_opening_tightens_loose_permissions_and_never_follows_a_link_out(
    created: tuple[Path, str], tmp_path: Path
) -> None:
    folder, _ = created
    outside = tmp_path / "outside.txt"
    outside.write_text("not the vault's")
    outside.chmod(0o644)
    (folder / "a link").symlink_to(outside)
    folder.chmod(0o755)
    for name in ("vault.db", "keyslots.json", "vault.lock"):
        (folder / name).chmod(0o644)

    with Vault.open(folder, PASSPHRASE) as vault:
        assert vault.warnings == []

    assert folder.stat().st_mode & 0o777 == DIR_MODE
    for name in ("vault.db", "keyslots.json", "vault.lock", "audit-anchor.bin"):
        assert (folder / name).stat().st_mode & 0o777 == FILE_MODE, name
    assert outside.stat().st_mode & 0o777 == 0o644


def test_permissions_that_cannot_be_tightened_are_said_not_hidden(
    created: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, _ = created

    def refuse(path: object, mode: int, **_: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "chmod", refuse)  # the OS edge: a folder owned by someone else
    with Vault.open(folder, PASSPHRASE) as vault:
        warnings = list(vault.warnings)

    assert len(warnings) == 1
    assert "could not make the files" in warnings[0]
    assert str(folder) in warnings[0]
