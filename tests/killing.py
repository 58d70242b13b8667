"""Pulling the plug on a `therapy-desk` command: start it as a real process, SIGKILL it at a chosen moment.

Shared by the tests that check what a kill leaves behind (a half-built demo must never look like a vault);
the reliability suite runs the same helper many more times.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tests.children import child_env

POLL = 0.005


@dataclass(frozen=True)
class Killed:
    """How a run ended: `killed` is False when the command finished before the kill came. `seconds` runs from
    the moment aimed at (see `run_and_kill`) to the end, so an unkilled run measures the span to aim into."""

    killed: bool
    returncode: int
    stderr: str
    seconds: float


def run_and_kill(
    argv: Sequence[str],
    *,
    stdin: str,
    after: float,
    once: Callable[[], bool] | None = None,
    timeout: float = 120.0,
) -> Killed:
    """Run `python -m therapy_desk ARGV`, feed it `stdin`, and SIGKILL it after `after` seconds unless it is done.

    With `once`, the seconds count from the moment `once()` first holds (polled every few milliseconds),
    so a kill can aim at a phase of the work rather than at the interpreter's start-up; without it, from the
    start.
    """
    proc = subprocess.Popen(
        [sys.executable, "-m", "therapy_desk", *argv],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=child_env(),
    )
    try:
        assert proc.stdin is not None
        proc.stdin.write(stdin.encode("utf-8"))
        proc.stdin.close()
        deadline = time.monotonic() + timeout
        if once is not None:
            while not once() and proc.poll() is None:
                if time.monotonic() > deadline:
                    raise AssertionError("the moment to aim the kill at never came")
                time.sleep(POLL)
        aimed = time.monotonic()
        try:
            proc.wait(timeout=after)
            killed = False
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            killed = True
        seconds = time.monotonic() - aimed
        proc.wait(timeout=max(deadline - time.monotonic(), 1.0))
        stderr = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()
    return Killed(killed=killed, returncode=proc.returncode, stderr=stderr, seconds=seconds)
