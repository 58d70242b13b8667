"""Shared fixtures: every test gets its own app home and real vaults in temp folders."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path

import pytest

# Tests never need a display; set before anything imports Qt.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from therapy_desk.storage import keyslots
from therapy_desk.storage.keyslots import KdfParams
from therapy_desk.storage.vault import Vault

# Argon2id at a cost cheap enough to run thousands of times; the real floor is tested on its own.
CHEAP_KDF = KdfParams(time_cost=1, memory_kib=8, parallelism=1)
PASSPHRASE = "correct horse battery staple"


def at_day_end(day: date) -> datetime:
    """A moment late on `day`: signing a note of that day then is on time, not a late entry."""
    return datetime.combine(day, time(23, 0))


TESTS_DIR = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests under tests/ui are GUI tests: `pytest -m "not gui"` runs the core alone."""
    for item in items:
        if (TESTS_DIR / "ui") in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.gui)


REAL_KDF_FLOOR = keyslots.KDF_FLOOR
REAL_KDF_UPGRADE_BELOW = keyslots.KDF_UPGRADE_BELOW


@pytest.fixture(autouse=True)
def cheap_kdf_floor(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let test vaults use CHEAP_KDF, below the real floor, and never spend time strengthening them."""
    monkeypatch.setattr(keyslots, "KDF_FLOOR", CHEAP_KDF)
    monkeypatch.setattr(keyslots, "KDF_UPGRADE_BELOW", 0.0)


@pytest.fixture
def real_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    """The real floor and strengthening rule, from here on (vaults made by fixtures listed before it are cheap)."""
    monkeypatch.setattr(keyslots, "KDF_FLOOR", REAL_KDF_FLOOR)
    monkeypatch.setattr(keyslots, "KDF_UPGRADE_BELOW", REAL_KDF_UPGRADE_BELOW)


@pytest.fixture(autouse=True)
def app_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """All the app's own files (state, config, default vault) go under a temp folder."""
    home = tmp_path / "home"
    monkeypatch.setenv("THERAPY_DESK_HOME", str(home))
    return home


@pytest.fixture
def cheap_calibration(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the machine calibration pick the cheap test cost (for commands that calibrate)."""
    monkeypatch.setattr(keyslots, "calibrate", lambda *a, **k: CHEAP_KDF)
    monkeypatch.setattr("therapy_desk.storage.vault.calibrate", lambda *a, **k: CHEAP_KDF)


@pytest.fixture
def vault_dir(tmp_path: Path) -> Path:
    return tmp_path / "vault"


@pytest.fixture
def created(vault_dir: Path) -> tuple[Path, str]:
    """A closed vault on disk and its recovery code."""
    vault, code = Vault.create(vault_dir, PASSPHRASE, kdf=CHEAP_KDF)
    vault.close()
    return vault_dir, code


@pytest.fixture
def vault(created: tuple[Path, str]) -> Iterator[Vault]:
    """An open vault, locked again after the test."""
    opened = Vault.open(created[0], PASSPHRASE)
    yield opened
    opened.close()
