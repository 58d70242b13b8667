"""Pulling the plug in the middle of a transaction: nothing half-saved is there after the crash.

(500 kills at random moments, with acknowledged commits counted, are in tests/reliability.)
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.children import CHEAP_KDF_IMPORT, child_env
from tests.conftest import PASSPHRASE
from therapy_desk.storage.vault import Vault

pytestmark = pytest.mark.slow

STARTUP_TIMEOUT = 30.0

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
