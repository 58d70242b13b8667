"""100 kills of `therapy-desk demo` at random moments: the folder named is either absent or a complete demo
that checks clean; never a half-built vault that opens. The next build clears what a killed one left."""

from __future__ import annotations

import multiprocessing
import os
import random
import shutil
import signal
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import PASSPHRASE
from tests.reliability import workers
from therapy_desk.demo.staging import is_unfinished_build
from therapy_desk.storage.vault import Vault

KILLS = 100
SEED = 20_261_203

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL and the fork server are POSIX")


def _run(context: multiprocessing.context.ForkServerContext, folder: Path, kill_after: float | None) -> float:
    """Run the demo command; SIGKILL it after `kill_after` seconds unless it ended. Returns how long it ran."""
    child = context.Process(target=workers.demo_command, args=(folder,), daemon=True)
    started = time.monotonic()
    child.start()
    child.join(kill_after)
    if child.is_alive():
        assert child.pid is not None
        os.kill(child.pid, signal.SIGKILL)
        child.join(30)
    else:
        assert child.exitcode == 0, f"the demo command failed on its own ({child.exitcode})"
    return time.monotonic() - started


def _complete(folder: Path) -> bool:
    with Vault.open_for_check(folder, PASSPHRASE) as vault:
        assert vault.check().clean
        return len(vault.caseload.ids(statuses=[])) == workers.DEMO_CLIENTS


def test_a_killed_demo_build_leaves_no_vault_or_a_complete_one(tmp_path: Path) -> None:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["tests.reliability.workers"])
    folder = tmp_path / "demo"
    whole = _run(context, folder, None)  # one build to its end: how long a build takes here
    assert _complete(folder)
    shutil.rmtree(folder)
    rng = random.Random(SEED)
    absent = complete = 0

    for run in range(KILLS):
        _run(context, folder, rng.uniform(0, whole * 1.2))
        if folder.exists():
            assert _complete(folder), f"run {run}: a vault was left at {folder} that is not the whole demo"
            complete += 1
            shutil.rmtree(folder)
        else:
            absent += 1
        assert all(is_unfinished_build(p) for p in tmp_path.iterdir() if p.name.startswith(".") and p.is_dir()), run

    _run(context, folder, None)  # a build after all those kills clears what they left
    assert _complete(folder)
    left = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".") and p.is_dir())
    print(f"\ndemo kills: {KILLS} (a build took {whole:.2f} s): {absent} left nothing, {complete} a complete demo")
    assert left == []
    assert absent > 0
    assert complete > 0
