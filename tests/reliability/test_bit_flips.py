"""One flipped bit anywhere in a vault is noticed: in every page of vault.db (each page class), in every
frame of an uncheckpointed write-ahead file, and in keyslots.json.

"Noticed" means `vault check` lists a problem, or the vault refuses to open with a damage sentence.
Never a clean verdict, never a traceback.
"""

from __future__ import annotations

import random
import shutil
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import CHEAP_KDF, PASSPHRASE
from tests.reliability.pages import PAGE, classify
from therapy_desk.demo.builder import build_demo
from therapy_desk.errors import StorageFull, VaultDamaged
from therapy_desk.storage.keyslots import KEYSLOTS_FILE, Keyslots
from therapy_desk.storage.vault import Vault

WAL_HEADER = 32
WAL_FRAME = 24 + PAGE
KEYSLOT_FLIPS = 120


def _noticed(folder: Path) -> bool:
    try:
        with Vault.open_for_check(folder, PASSPHRASE) as vault:
            return not vault.check().clean
    except (VaultDamaged, StorageFull):  # StorageFull: SQLite's "disk I/O error" on a header it cannot use
        return True


def _flip(path: Path, offset: int, bit: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 1 << bit
    path.write_bytes(bytes(data))


@pytest.fixture(scope="module")
def practice(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small invented practice with every page class: b-trees of tables and indexes (the search index
    among them), overflow pages (a long setting) and freelist pages (a long setting shortened)."""
    from therapy_desk.storage import keyslots

    keyslots_floor = keyslots.KDF_FLOOR
    keyslots.KDF_FLOOR = CHEAP_KDF  # module-scoped: the function-scoped floor fixture has not run yet
    try:
        folder = tmp_path_factory.mktemp("bit-flips") / "vault"
        vault, _ = Vault.create(folder, PASSPHRASE, kdf=CHEAP_KDF)
        with vault:
            build_demo(vault, clients=12, years=1, seed=5)
            vault.practice.set_setting("long", "x" * 20_000)
            vault.practice.set_setting("freed", "y" * 30_000)
            vault.practice.set_setting("freed", "short now")
        return folder
    finally:
        keyslots.KDF_FLOOR = keyslots_floor


def test_a_flipped_bit_in_any_page_of_the_database_is_noticed(practice: Path, tmp_path: Path) -> None:
    assert not _noticed(practice)  # the untouched vault is clean: each verdict below is the flip's
    key = bytes(Keyslots.load(practice).unwrap("passphrase", PASSPHRASE))
    kinds = classify(practice / "vault.db", key)
    rng = random.Random(8)
    missed: list[tuple[int, str]] = []
    flipped: Counter[str] = Counter()

    for number, kind in sorted(kinds.items()):
        copy = tmp_path / f"page-{number}"
        shutil.copytree(practice, copy)
        offset = (number - 1) * PAGE + rng.randrange(PAGE)
        _flip(copy / "vault.db", offset, rng.randrange(8))
        flipped[kind] += 1
        if not _noticed(copy):
            missed.append((number, kind))
        shutil.rmtree(copy)

    print(f"\nvault.db: {len(kinds)} pages, one bit flipped in each: {dict(flipped)}; missed {len(missed)}")
    assert set(flipped) >= {
        "file header and schema",
        "table interior",
        "table leaf",
        "index interior",
        "index leaf",
        "overflow",
        "freelist trunk",
        "freelist leaf",
    }, flipped
    assert missed == []


def test_a_flipped_bit_in_any_frame_of_the_write_ahead_file_is_noticed(practice: Path, tmp_path: Path) -> None:
    """Frames SQLite finds broken end the write-ahead file there; the anchor names the commits lost with it."""
    live = tmp_path / "live"
    shutil.copytree(practice, live)
    vault = Vault.open(live, PASSPHRASE)
    try:
        for n in range(12):
            vault.practice.set_setting(f"work-{n}", "z" * (n * 700))
        assert (live / "vault.db-wal").stat().st_size > WAL_HEADER
        snapshot = tmp_path / "snapshot"  # the folder as a crash would leave it: no checkpoint yet
        shutil.copytree(live, snapshot, ignore=shutil.ignore_patterns("vault.db-shm"))
    finally:
        vault.close()

    control = tmp_path / "control"
    shutil.copytree(snapshot, control)
    assert not _noticed(control)  # the crash copy itself is clean: each verdict below is the flip's
    frames = ((snapshot / "vault.db-wal").stat().st_size - WAL_HEADER) // WAL_FRAME
    rng = random.Random(9)
    targets = [("header", rng.randrange(WAL_HEADER))]
    targets += [(f"frame {i}", WAL_HEADER + i * WAL_FRAME + rng.randrange(WAL_FRAME)) for i in range(frames)]
    missed = []
    for label, offset in targets:
        copy = tmp_path / "flipped"
        shutil.copytree(snapshot, copy)
        _flip(copy / "vault.db-wal", offset, rng.randrange(8))
        if not _noticed(copy):
            missed.append(label)
        shutil.rmtree(copy)

    print(f"\nvault.db-wal: header and {frames} frames, one bit flipped in each; missed {len(missed)}")
    assert frames >= 10
    assert missed == []


def test_a_flipped_bit_anywhere_in_the_key_file_is_noticed(practice: Path, tmp_path: Path) -> None:
    size = (practice / KEYSLOTS_FILE).stat().st_size
    rng = random.Random(10)
    missed = []
    for trial in range(KEYSLOT_FLIPS):
        copy = tmp_path / f"keys-{trial}"
        shutil.copytree(practice, copy)
        offset, bit = rng.randrange(size), rng.randrange(8)
        _flip(copy / KEYSLOTS_FILE, offset, bit)
        try:
            Keyslots.load(copy)
        except VaultDamaged:
            pass
        else:
            missed.append((offset, bit))
        shutil.rmtree(copy)

    print(f"\nkeyslots.json: {KEYSLOT_FLIPS} single-bit flips; missed {len(missed)}")
    assert missed == []
