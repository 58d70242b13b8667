"""A small laptop: on a 1280×720 screen every window fits and every control is in sight (or scrolls)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from tests.children import child_env
from tests.conftest import PASSPHRASE
from therapy_desk.domain.clients import Client
from therapy_desk.storage.vault import Vault

pytestmark = pytest.mark.slow


def _screen(tmp_path: Path, width: int, height: int) -> str:
    config = tmp_path / "screen.json"
    screen = {"name": "small", "x": 0, "y": 0, "width": width, "height": height, "logicalDpi": 96, "dpr": 1}
    config.write_text(json.dumps({"screens": [screen]}), "utf-8")
    return f"offscreen:configfile={config}"


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (1366, 768)])
def test_every_view_fits_a_small_screen(tmp_path: Path, created: tuple[Path, str], width: int, height: int) -> None:
    folder, _ = created
    with Vault.open(folder, PASSPHRASE) as vault:
        client = vault.clients.create(Client("Amara", "Okafor", date(1985, 6, 2), pronouns="she/her"))
    env = child_env()
    env["QT_QPA_PLATFORM"] = _screen(tmp_path, width, height)
    child = subprocess.run(
        [sys.executable, "-m", "tests.ui.small_screen", str(folder), str(client.id)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
        cwd=str(Path(__file__).resolve().parents[2]),
    )
    assert child.returncode == 0, child.stderr
    assert json.loads(child.stdout.strip().splitlines()[-1]) == []
