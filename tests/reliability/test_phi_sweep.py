"""After a scripted session in the desktop app and a round of command-line use, no client's name, date of
birth or note text is anywhere in clear: not in the app's own files, settings, logs, temp files, Qt's
caches, the child's output, nor anything written under /tmp, /var/tmp or /dev/shm meanwhile.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.children import child_env, cli_command
from tests.conftest import CHEAP_KDF, PASSPHRASE
from therapy_desk.demo.builder import build_demo
from therapy_desk.domain.clients import ClientStatus
from therapy_desk.storage.vault import Vault

SHARED_TEMP = [Path("/tmp"), Path("/var/tmp"), Path("/dev/shm")]
MAX_READ = 64 * 1024 * 1024

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="sweeps Linux's shared temp folders")


@dataclass
class Sweep:
    files: list[Path] = field(default_factory=list)
    bytes: int = 0


def _phi(folder: Path) -> tuple[str, list[bytes]]:
    """A name to search the caseload for, and every needle: names, dates of birth, note sentences."""
    texts: set[str] = set()
    with Vault.open_for_check(folder, PASSPHRASE) as vault:
        rows = vault.caseload.rows(vault.caseload.ids())
        for row in rows:
            client = vault.clients.get(row.client_id)
            texts.add(f"{client.legal_first} {client.legal_last}")
            texts.add(f"{client.legal_last}, {client.legal_first}")
            texts.add(client.dob.isoformat())
            texts.add(client.dob.strftime("%m/%d/%Y"))
            for note in vault.notes.for_client(row.client_id, limit=3):
                for section in note.sections:
                    if len(section.text) >= 40:
                        texts.add(section.text[:40])
        active = [vault.clients.get(r.client_id) for r in rows if r.status is ClientStatus.ACTIVE]
        last_names = [c.legal_last for c in active]
        name = next(n for n in last_names if last_names.count(n) == 1)  # the caseload shows active clients
    needles = sorted({t.encode(enc) for t in texts for enc in ("utf-8", "utf-16-le") if len(t) >= 8})
    return name, needles


def _hits(path: Path, needles: list[bytes]) -> list[str]:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_READ)
    except OSError:
        return []
    return [needle[:12].decode("utf-8", "replace") for needle in needles if needle in data]


def _sweep(roots: list[Path], needles: list[bytes], since: float, tally: Sweep) -> list[str]:
    """Hits of any needle in files under `roots` (in the shared temp folders, only files changed `since`,
    and not in pytest's own temp trees, where tests keep their invented practices on purpose)."""
    found = []
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            here = Path(dirpath)
            if root in SHARED_TEMP:
                dirnames[:] = [d for d in dirnames if not d.startswith("pytest-of-")]
            for name in filenames:
                path = here / name
                try:
                    info = path.lstat()
                except OSError:
                    continue
                if not path.is_file() or path.is_symlink() or (root in SHARED_TEMP and info.st_mtime < since):
                    continue
                tally.files.append(path)
                tally.bytes += info.st_size
                found += [f"{path}: {hit}" for hit in _hits(path, needles)]
    return found


@pytest.mark.slow
def test_no_phi_is_left_in_clear_after_using_the_app_and_the_command_line(tmp_path: Path) -> None:
    started = time.time() - 1
    sweep_root = tmp_path / "sweep"
    home, temp = sweep_root / "home", sweep_root / "tmp"
    for folder in (home, temp, sweep_root / "xdg-runtime"):
        folder.mkdir(parents=True)
    (sweep_root / "xdg-runtime").chmod(0o700)
    app_home = sweep_root / "therapy-desk-home"
    vault_folder = app_home / "data" / "vault"
    vault, _ = Vault.create(vault_folder, PASSPHRASE, kdf=CHEAP_KDF)
    with vault:
        build_demo(vault, clients=20, years=1, seed=11)
    name, needles = _phi(vault_folder)
    assert len(needles) > 100

    env = child_env()
    env.update(
        HOME=str(home),
        TMPDIR=str(temp),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_STATE_HOME=str(home / ".local" / "state"),
        XDG_RUNTIME_DIR=str(sweep_root / "xdg-runtime"),
        THERAPY_DESK_HOME=str(app_home),
        QT_QPA_PLATFORM="offscreen",
    )
    outputs = []
    gui = subprocess.run(
        [sys.executable, "-m", "tests.reliability.gui_session", str(vault_folder), name],
        capture_output=True,
        timeout=300,
        env=env,
        check=False,
        cwd=str(Path(__file__).resolve().parents[2]),
    )
    outputs.append(gui.stdout + gui.stderr)
    assert gui.returncode == 0, gui.stderr.decode("utf-8", "replace")
    assert b"gui session: done" in gui.stdout
    for argv, stdin in (
        (["clients", "list", "--json"], PASSPHRASE + "\n"),
        (["search", "--query-stdin"], PASSPHRASE + "\n" + name + "\n"),
        (["vault", "check"], PASSPHRASE + "\n"),
    ):
        cli = subprocess.run(
            cli_command(*argv, "--vault", str(vault_folder), "--passphrase-stdin"),
            input=stdin.encode(),
            capture_output=True,
            timeout=120,
            env=env,
            check=False,
        )
        assert cli.returncode == 0, cli.stderr
        if argv[0] == "vault":
            outputs.append(cli.stdout + cli.stderr)  # list and search print names on purpose: that is their job
        else:
            outputs.append(cli.stderr)

    tally = Sweep()
    found = _sweep([sweep_root, *SHARED_TEMP], needles, started, tally)
    found += [f"child output: {hit}" for out in outputs for hit in (n[:12].decode() for n in needles if n in out)]

    print(f"\nPHI sweep: {len(needles)} needles, {len(tally.files)} files ({tally.bytes:,} bytes), {len(found)} hits")
    assert found == []
    # The sweep really read what the session wrote: the vault, the app's settings and its folders' files.
    assert {vault_folder / "vault.db", vault_folder / "keyslots.json", vault_folder / "audit-anchor.bin"} <= set(
        tally.files
    )
    assert any(app_home / "config" in path.parents for path in tally.files)
