"""Progress on a terminal: one line per phase, rewritten in place as it advances, kept when it ends.

    progress = PhaseLines(sys.stderr)
    vault.check(progress)     # progress(phase, done, total)
    progress.close()

A phase starts with (0, 0), reports (done, total) as it goes (total 0: not countable, so the time
spent is shown instead) and ends when done == total > 0. At most ten redraws a second.
"""

from __future__ import annotations

import time
from typing import TextIO

_REDRAW_S = 0.1


class PhaseLines:
    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._phase: str | None = None
        self._finished: str | None = None
        self._started = 0.0
        self._drawn = 0.0
        self._width = 0

    def __call__(self, phase: str, done: int, total: int) -> None:
        if phase == self._finished:
            return
        now = time.monotonic()
        if phase != self._phase:
            self.close()
            self._phase, self._started, self._drawn = phase, now, 0.0
        finished = total > 0 and done >= total
        if not finished and now - self._drawn < _REDRAW_S:
            return
        self._drawn = now
        if finished:
            self._draw(f"{phase}: done ({total:,} checked, {now - self._started:.1f} s)" if total > 1 else
                       f"{phase}: done ({now - self._started:.1f} s)")  # fmt: skip
            self._stream.write("\n")
            self._phase, self._finished, self._width = None, phase, 0
        elif total:
            self._draw(f"{phase}: {done:,} of {total:,}")
        else:
            self._draw(f"{phase}: checking… {now - self._started:.0f} s")
        self._stream.flush()

    def close(self) -> None:
        """End a line left open (a phase that stopped without finishing)."""
        if self._phase is not None and self._width:
            self._stream.write("\n")
            self._stream.flush()
        self._phase, self._width = None, 0

    def _draw(self, text: str) -> None:
        line = f"  {text}"
        self._stream.write("\r" + line.ljust(self._width))
        self._width = len(line)
