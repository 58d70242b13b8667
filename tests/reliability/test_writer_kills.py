"""500 kills of a writer at random moments: no acknowledged commit is lost, the vault checks clean, and
when the write-ahead file is deleted afterwards, `vault check` never calls a vault that lost commits clean.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import shutil
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import CHEAP_KDF, PASSPHRASE
from tests.reliability import workers
from therapy_desk.errors import VaultDamaged
from therapy_desk.storage.vault import Vault

KILLS = 500
KILLS_PER_VAULT = 25
SEED = 20_261_202
START_TIMEOUT = 30.0

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL and the fork server are POSIX")


@dataclass
class Tally:
    kills: int = 0
    acknowledged: int = 0
    lost: int = 0
    wal_copies: int = 0
    wal_copies_that_lost_commits: int = 0
    named_by_check: int = 0
    false_clean: int = 0


def _rows(vault: Vault, run: int) -> dict[int, set[int]]:
    """Transaction n -> the parts of it in the log, for one run."""
    found: dict[int, set[int]] = {}
    for (detail,) in vault.db.execute("SELECT detail FROM audit_log WHERE event = ? ORDER BY seq", (workers.EVENT,)):
        row = json.loads(detail)
        if row["run"] == run:
            found.setdefault(row["n"], set()).add(row["part"])
    return found


def _kill_once(context: multiprocessing.context.ForkServerContext, folder: Path, run: int, delay: float) -> list[int]:
    """Start a writer, kill it after `delay` seconds of committing; the commits it acknowledged."""
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=workers.commit_loop, args=(folder, run, send), daemon=True)
    child.start()
    send.close()
    try:
        if not receive.poll(START_TIMEOUT) or receive.recv() != -1:
            raise AssertionError(f"run {run}: the writer never opened the vault")
        time.sleep(delay)
        assert child.pid is not None
        os.kill(child.pid, signal.SIGKILL)
        child.join(START_TIMEOUT)
        assert child.exitcode == -signal.SIGKILL, f"run {run}: the writer ended on its own ({child.exitcode})"
        acked = []
        while receive.poll():
            try:
                acked.append(receive.recv())
            except EOFError:
                break
        return acked
    finally:
        receive.close()
        if child.is_alive():
            child.kill()


def _check_without_wal(crash_copy: Path) -> tuple[int, bool]:
    """(the audit head, whether check named a problem) for a crash copy whose -wal and -shm are deleted."""
    (crash_copy / "vault.db-wal").unlink(missing_ok=True)
    (crash_copy / "vault.db-shm").unlink(missing_ok=True)
    try:
        with Vault.open_for_check(crash_copy, PASSPHRASE) as vault:
            return vault.audit.head()[0], not vault.check().clean
    except VaultDamaged:
        return -1, True
    finally:
        shutil.rmtree(crash_copy, ignore_errors=True)


def test_no_acknowledged_commit_is_lost_and_a_deleted_wal_is_never_called_clean(tmp_path: Path) -> None:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["tests.reliability.workers"])
    rng = random.Random(SEED)
    tally = Tally()
    folders = []
    for i in range(KILLS // KILLS_PER_VAULT):
        vault, _ = Vault.create(tmp_path / f"vault-{i}", PASSPHRASE, kdf=CHEAP_KDF)
        vault.close()
        folders.append(vault.folder)

    for run in range(KILLS):
        where = f"seed {SEED}, run {run}"
        folder = folders[run // KILLS_PER_VAULT]
        # Mostly mid-stream, sometimes at once: right after the open, in the first commits.
        delay = rng.choice((0.0, rng.uniform(0, 0.005), rng.uniform(0.005, 0.15)))
        acked = _kill_once(context, folder, run, delay)
        assert acked == list(range(len(acked))), where
        tally.kills += 1
        tally.acknowledged += len(acked)

        # The folder as the kill left it, before anything opens it (closing checkpoints the WAL away).
        crash_copy = tmp_path / "crash-copy"
        shutil.copytree(folder, crash_copy)

        with Vault.open_for_check(folder, PASSPHRASE) as checked:
            report = checked.check()
            parts = _rows(checked, run)
            head = checked.audit.head()[0]
        assert report.problems == [], where

        head_without_wal, named = _check_without_wal(crash_copy)
        lost = head_without_wal < head
        tally.wal_copies += 1
        tally.wal_copies_that_lost_commits += lost
        tally.named_by_check += lost and named
        tally.false_clean += lost and not named
        assert all(p == set(range(workers.PARTS)) for p in parts.values()), where  # all or nothing
        missing = set(acked) - set(parts)
        tally.lost += len(missing)
        assert not missing, where
        assert sorted(parts) == list(range(len(parts))), where
        assert len(parts) in (len(acked), len(acked) + 1), where  # at most one committed, not yet acknowledged

    print(f"\nwriter kills: {tally}")
    assert tally.false_clean == 0
    assert tally.wal_copies_that_lost_commits > KILLS // 4  # the deleted-WAL case really was exercised
    for folder in folders:  # still working vaults after all that
        with Vault.open(folder, PASSPHRASE) as vault:
            vault.audit.record("after the kills")
            assert vault.check().clean
