"""What happens to a bug: a crash report that holds no PHI, kept in the app's state folder.

The report names the versions, the exception types (with their causes) and the code locations of the
traceback, never the exception's message or any value: either may quote the chart. The command line and
the app's start-up share it; the app's crash dialog shows the same text. No Qt here: the PySide6 version is
read from the module when the app already loaded it, else from the installed package's metadata.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
import platform
import re
import secrets
import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from therapy_desk import __version__, paths

EXIT_SOFTWARE = 70  # sysexits.h EX_SOFTWARE: 1 means "problems found" and 2 "a user error"
REPORTS_DIR = "crash-reports"
REPORTS_KEPT = 20
DIR_MODE, FILE_MODE = 0o700, 0o600
_REPORT_NAME = re.compile(r"crash-\d{8}T\d{6}Z-[0-9a-f]{8}\.txt")
_CHAIN_LIMIT = 5
_FRAMES_HEAD, _FRAMES_TAIL = 15, 35  # a RecursionError has a thousand frames; its two ends say enough


def crash_details(exc: BaseException) -> str:
    """PHI-free report: versions, the exception types (with causes) and where they were raised."""
    lines = [f"Therapy Desk {__version__}", _platform_line(), ""]
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain and len(chain) < _CHAIN_LIMIT:
        chain.append(current)
        current = current.__cause__ or current.__context__
    for index, err in enumerate(reversed(chain)):
        if index:
            lines += ["", "During handling of the above, another error happened:", ""]
        lines.append("Traceback (most recent call last):")
        lines += _frame_lines(err)
        kind = type(err)
        lines.append(f"{kind.__module__}.{kind.__qualname__}")
    return "\n".join(lines)


def _platform_line() -> str:
    parts = [f"Python {platform.python_version()}"]
    if (qt := _pyside_version()) is not None:
        parts.append(f"PySide6 {qt}")
    parts.append(f"{platform.system()} {platform.release()}")
    return ", ".join(parts)


def _pyside_version() -> str | None:
    loaded = sys.modules.get("PySide6")  # already imported by the app: exact, and no Qt import here
    version = getattr(loaded, "__version__", None)
    if isinstance(version, str):
        return version
    try:
        return importlib.metadata.version("PySide6")
    except importlib.metadata.PackageNotFoundError:
        return None


def _frame_lines(err: BaseException) -> list[str]:
    # No source lines and no locals: file, line and function find the code in this version, and nothing else leaks.
    frames = [
        f'  File "{_short_path(frame.filename)}", line {frame.lineno}, in {frame.name}'
        for frame in traceback.extract_tb(err.__traceback__)
    ]
    if len(frames) > _FRAMES_HEAD + _FRAMES_TAIL:
        left_out = len(frames) - _FRAMES_HEAD - _FRAMES_TAIL
        frames = [*frames[:_FRAMES_HEAD], f"  ... {left_out} frames left out ...", *frames[-_FRAMES_TAIL:]]
    return frames


def _short_path(filename: str) -> str:
    """The path from the package or library root: no user name or home folder in the report."""
    parts = filename.replace("\\", "/").split("/")
    for anchor in ("therapy_desk", "site-packages", "PySide6"):
        if anchor in parts:
            return "/".join(parts[parts.index(anchor) :])
    return parts[-1]


def reports_dir() -> Path:
    """Where crash reports are kept: the app's state folder, never beside a vault."""
    return paths.state_dir() / REPORTS_DIR


def write_crash_report(exc: BaseException, *, where: str) -> Path:
    """Save `crash_details(exc)` as a new 0600 file in a 0700 folder; keep the newest REPORTS_KEPT.

    `where` says which part of the program failed ("command line", "app start-up"): program words only.
    The file name holds the UTC time and a random suffix, nothing else.
    """
    folder = reports_dir()
    folder.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    os.chmod(folder, DIR_MODE)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = folder / f"crash-{stamp}-{secrets.token_hex(4)}.txt"
    body = f"Therapy Desk crash report ({where}, {stamp})\n\n{crash_details(exc)}\n"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(body)
    _prune(folder)
    return path


def _prune(folder: Path) -> None:
    # Only files this module named; the time in the name sorts them oldest first.
    reports = sorted(p for p in folder.iterdir() if _REPORT_NAME.fullmatch(p.name))
    for old in reports[:-REPORTS_KEPT]:
        with contextlib.suppress(OSError):
            old.unlink()


def report_crash(exc: BaseException, *, where: str, stopped: str = "this command", stream: TextIO | None = None) -> int:
    """The last resort for a bug: save the report, say so in one line on stderr, and return EXIT_SOFTWARE.

    `stopped` names what ended ("this command", "Therapy Desk"). Never raises: a report that cannot be
    saved is mentioned, not turned into a second crash.
    """
    try:
        path: Path | None = write_crash_report(exc, where=where)
    except Exception:
        path = None
    tail = (
        f" Nothing from your charts is in the report: {path}" if path is not None else " Its report could not be saved."
    )
    with contextlib.suppress(Exception):
        sentence = f"therapy-desk: an internal error stopped {stopped} (a bug, not something you did).{tail}"
        print(sentence, file=stream or sys.stderr, flush=True)
    return EXIT_SOFTWARE
