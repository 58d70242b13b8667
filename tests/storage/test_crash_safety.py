"""Pulling the plug: whatever the app said was saved is there after a crash, and nothing half-saved is.

A child process commits transactions in a loop and acknowledges each one on stdout only after
the commit returned; the parent kills it (SIGKILL, no cleanup) at a random moment, reopens the
vault and checks it. The seed is fixed and printed, so a failure can be replayed.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.children import CHEAP_KDF_IMPORT, child_env
from tests.conftest import CHEAP_KDF, PASSPHRASE
from therapy_desk.storage.vault import Vault

pytestmark = pytest.mark.slow

SEED = 20_240_611
KILLS = 50
KILLS_PER_VAULT = 10
LOOKAHEAD = 2  # children kept started and waiting, so start-up time overlaps the kills
PARTS = 3  # audit rows per transaction
STARTUP_TIMEOUT = 30.0

# argv: vault folder, run number. Passphrase on stdin. Prints n only after transaction n committed.
COMMIT_LOOP = (
    CHEAP_KDF_IMPORT
    + f"""
import sys
from pathlib import Path
from therapy_desk.storage.vault import Vault

vault = Vault.open(Path(sys.argv[1]), sys.stdin.readline().rstrip("\\n"))
run = int(sys.argv[2])
n = 0
while True:
    with vault.transaction():
        for part in range({PARTS}):
            vault.audit.record("kill-test", detail={{"run": run, "n": n, "part": part}})
    print(n, flush=True)
    n += 1
"""
)

# argv: vault folder, rows. Commits one row, then writes `rows` rows in one transaction with a tiny
# page cache (so uncommitted pages spill into the WAL file), says so, and waits to be killed.
KILLED_MID_TRANSACTION = (
    CHEAP_KDF_IMPORT
    + """
import sys, time
from pathlib import Path
from therapy_desk.storage.vault import Vault

vault = Vault.open(Path(sys.argv[1]), sys.stdin.readline().rstrip("\\n"))
vault.audit.record("committed before the big transaction")
print("committed", flush=True)
vault.db.conn.execute("PRAGMA cache_size = 10")
with vault.transaction():
    for j in range(int(sys.argv[2])):
        vault.audit.record("half-written", detail={"j": j, "pad": "x" * 200})
    print("written", flush=True)
    time.sleep(120)
"""
)


def _spawn(script: Path, *args: str) -> subprocess.Popen[str]:
    """Start a child; it imports everything, then waits for the passphrase before touching the vault."""
    return subprocess.Popen(
        [sys.executable, str(script), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(),
    )


def _unlock(proc: subprocess.Popen[str]) -> None:
    assert proc.stdin is not None
    proc.stdin.write(PASSPHRASE + "\n")
    proc.stdin.close()


def _start(script: Path, *args: str) -> subprocess.Popen[str]:
    proc = _spawn(script, *args)
    _unlock(proc)
    return proc


class _LineReader:
    """Drains a child's stdout on a thread (so the pipe never fills and stalls it) and keeps whole lines."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self.first = threading.Event()
        self._proc = proc
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            if line.endswith("\n"):  # a line cut short by the kill was never acknowledged
                self.lines.append(line.rstrip("\n"))
                self.first.set()

    def wait_for(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.lines:
            if time.monotonic() > deadline or self._proc.poll() is not None:
                raise AssertionError(f"child never said {text!r}; stderr:\n{_stderr(self._proc)}")
            time.sleep(0.01)

    def join(self) -> None:
        self._thread.join(timeout=STARTUP_TIMEOUT)
        if self._proc.stdout is not None:
            self._proc.stdout.close()


def _stderr(proc: subprocess.Popen[str]) -> str:
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    return proc.stderr.read() if proc.stderr else ""


def _kill(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=STARTUP_TIMEOUT)
    assert proc.returncode == -signal.SIGKILL, f"child ended on its own ({proc.returncode}):\n{_stderr(proc)}"
    if proc.stderr is not None:
        proc.stderr.close()


def _kill_test_rows(vault: Vault) -> list[dict[str, int]]:
    rows = vault.db.execute("SELECT detail FROM audit_log WHERE event = 'kill-test' ORDER BY seq").fetchall()
    return [json.loads(r[0]) for r in rows]


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_every_acknowledged_save_survives_a_kill_at_a_random_moment(tmp_path: Path) -> None:
    script = tmp_path / "commit_loop.py"
    script.write_text(COMMIT_LOOP, encoding="utf-8")
    # A few vaults, each killed KILLS_PER_VAULT times in a row: crash after crash on the same files,
    # while the full check after each kill stays quick.
    folders = []
    for i in range(KILLS // KILLS_PER_VAULT):
        vault, _ = Vault.create(tmp_path / f"vault-{i}", PASSPHRASE, kdf=CHEAP_KDF)
        vault.close()
        folders.append(vault.folder)
    rng = random.Random(SEED)
    print(f"kill test seed: {SEED}")

    # The next children are started (Python and imports loaded) while the current one runs; each
    # opens the vault only when given the passphrase, after the parent has checked the last kill.
    def spawn(run: int) -> subprocess.Popen[str]:
        return _spawn(script, str(folders[run // KILLS_PER_VAULT]), str(run))

    children = [spawn(run) for run in range(min(LOOKAHEAD, KILLS))]
    try:
        for run in range(KILLS):
            context = f"seed {SEED}, run {run}"
            folder = folders[run // KILLS_PER_VAULT]
            proc = children[run]
            _unlock(proc)
            reader = _LineReader(proc)
            if run + LOOKAHEAD < KILLS:
                children.append(spawn(run + LOOKAHEAD))
            if not reader.first.wait(STARTUP_TIMEOUT):
                raise AssertionError(f"{context}: child never acknowledged a commit; stderr:\n{_stderr(proc)}")
            time.sleep(rng.uniform(0.05, 0.4))
            _kill(proc)
            reader.join()
            acked = [int(line) for line in reader.lines]
            assert acked == list(range(len(acked))), context

            with Vault.open_for_check(folder, PASSPHRASE) as checked:
                report = checked.check()
                rows = [r for r in _kill_test_rows(checked) if r["run"] == run]
            assert report.problems == [], context

            parts: dict[int, set[int]] = {}
            for row in rows:
                parts.setdefault(row["n"], set()).add(row["part"])
            # All or nothing: every transaction that is there is there whole.
            assert all(p == set(range(PARTS)) for p in parts.values()), context
            # Every acknowledged transaction is there, in order, with at most one more that committed
            # just before the kill but was not acknowledged yet.
            assert set(acked) <= set(parts), context
            assert sorted(parts) == list(range(len(parts))), context
            assert len(parts) in (len(acked), len(acked) + 1), context
    finally:
        for child in children:  # only on failure is one still running
            if child.poll() is None:
                child.kill()
                child.wait()

    # Still working vaults after all that: they open for real, append, and verify.
    for folder in folders:
        with Vault.open(folder, PASSPHRASE) as vault:
            vault.audit.record("after the kills")
            assert vault.audit.verify().ok


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_a_transaction_killed_halfway_through_leaves_no_trace(created: tuple[Path, str], tmp_path: Path) -> None:
    folder, _ = created
    script = tmp_path / "killed_mid_transaction.py"
    script.write_text(KILLED_MID_TRANSACTION, encoding="utf-8")
    wal = folder / "vault.db-wal"

    proc = _start(script, str(folder), "1500")
    try:
        reader = _LineReader(proc)
        reader.wait_for("committed", STARTUP_TIMEOUT)
        wal_before = wal.stat().st_size
        reader.wait_for("written", STARTUP_TIMEOUT)
        # The half-written transaction really reached the disk (uncommitted frames in the WAL).
        assert wal.stat().st_size > wal_before + 100 * 4096
        _kill(proc)
        reader.join()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    with Vault.open_for_check(folder, PASSPHRASE) as checked:
        report = checked.check()
        events = [r[0] for r in checked.db.execute("SELECT event FROM audit_log ORDER BY seq").fetchall()]
    assert report.problems == []
    assert "committed before the big transaction" in events
    assert "half-written" not in events
    assert events[-1] == "committed before the big transaction"

    with Vault.open(folder, PASSPHRASE) as vault:
        seq = vault.audit.record("after the crash")
        assert seq == len(events) + 2  # + the unlock just recorded
        assert vault.audit.verify().ok
