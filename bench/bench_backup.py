"""Backup plus verify of the large demo vault against a plain file copy of the vault's files, in the same run.

    python bench/make_large_vault.py DIR            # once: builds DIR/vault
    python bench/bench_backup.py DIR [--runs N] [--work TMP] [--passphrase-stdin]

Never opens DIR/vault itself: it is copied (`cp -a`) to a work folder first, and the copy is backed up.
Each run, in turns: (a) a plain copy of the vault's files (vault.db, keyslots.json, audit-anchor.bin) to a
target folder, fsynced, as a user copying the folder to a USB stick would; (b) `create_backup` to a target
folder on the same disk: the snapshot with SQLite's backup API, the ZIP, fsync, rename, then the whole check
from the drive (the file's pages dropped from the cache first, hashes, the database opened, integrity_check
and cipher_integrity_check, row counts, audit head). Median, p95 and min in seconds, and the ratio (b)/(a)
against issue 12's budget (at most 3x). With --steps, also the seconds of each step of (b): the snapshot,
the ZIP, the read back (hashes and the copy the check opens) and the check, with `integrity_check`'s own
thread (the other checks run alongside it). A benchmark reports; it asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from stats import cpu_model, load_average, memory, percentile

from therapy_desk.storage import backup, backup_read
from therapy_desk.storage.backup import create_backup
from therapy_desk.storage.vault import Vault

BENCH_PASSPHRASE = "therapy desk benchmark vault passphrase"  # as in make_large_vault.py
BUDGET_RATIO = 3.0
FILES = ("vault.db", "keyslots.json", "audit-anchor.bin")


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("dir", type=Path, metavar="DIR", help="folder made by make_large_vault.py")
    parser.add_argument("--runs", type=int, default=3, metavar="N", help="timed runs (default: 3)")
    parser.add_argument("--work", type=Path, default=None, metavar="TMP", help="work folder (default: a temp folder)")
    parser.add_argument("--passphrase-stdin", action="store_true", help="read the passphrase from standard input")
    parser.add_argument("--steps", action="store_true", help="also time each step of the backup")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs needs at least 1")
    return args


def _plain_copy(vault: Path, target: Path) -> float:
    started = time.perf_counter()
    target.mkdir()
    for name in FILES:
        source = vault / name
        if source.exists():
            with source.open("rb") as reading, (target / name).open("wb") as out:
                shutil.copyfileobj(reading, out, 1024 * 1024)
                out.flush()
                os.fsync(out.fileno())
    fd = os.open(target, os.O_RDONLY)
    os.fsync(fd)
    os.close(fd)
    return time.perf_counter() - started


STEPS = (
    (backup, "_snapshot", "(b) snapshot (SQLite backup API)"),
    (backup, "_write_zip", "(b) ZIP: copy, hashes, fsync"),
    (backup, "read_backup", "(b) read back from the drive, hashed"),
    (backup, "check_database", "(b) check of the copy read back"),
    (backup_read._Structure, "run", "(b)   integrity_check (its own thread)"),
)


@contextmanager
def _timed_steps(into: dict[str, list[float]]) -> Iterator[Callable[[], None]]:
    """Wraps each step in STEPS with a timer while the block runs; the callable ends a backup's timings."""
    this_run: dict[str, float] = {}
    originals = [(owner, name, getattr(owner, name)) for owner, name, _ in STEPS]
    for (owner, name, label), (_, _, original) in zip(STEPS, originals, strict=True):

        def timed(*args: Any, _original: Any = original, _label: str = label, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                this_run[_label] = this_run.get(_label, 0.0) + time.perf_counter() - started

        setattr(owner, name, timed)

    def end_run() -> None:
        for label, took in this_run.items():
            into.setdefault(label, []).append(took)
        this_run.clear()

    try:
        yield end_run
    finally:
        for owner, name, original in originals:
            setattr(owner, name, original)


def _line(label: str, seconds: list[float]) -> str:
    return f"{label:<40} {statistics.median(seconds):8.2f} {percentile(seconds, 0.95):8.2f} {min(seconds):8.2f}"


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    passphrase = sys.stdin.readline().rstrip("\n") if args.passphrase_stdin else BENCH_PASSPHRASE
    work = Path(tempfile.mkdtemp(prefix="bench-backup-", dir=args.work))
    os.environ["THERAPY_DESK_HOME"] = str(work / "home")
    load_before = load_average()
    try:
        vault_copy = work / "vault"
        subprocess.run(["cp", "-a", str(args.dir / "vault"), str(vault_copy)], check=True)  # noqa: S607
        plain: list[float] = []
        backups: list[float] = []
        size = 0
        steps: dict[str, list[float]] = {}
        with contextlib.ExitStack() as timing:
            end_run = timing.enter_context(_timed_steps(steps)) if args.steps else (lambda: None)
            vault = timing.enter_context(Vault.open(vault_copy, passphrase))
            for run in range(args.runs + 1):  # the first is an untimed warm-up
                target = work / f"backup-{run}"
                target.mkdir()
                started = time.perf_counter()
                result = create_backup(vault, target)
                took = time.perf_counter() - started
                end_run()
                size = result.size
                result.path.unlink()
                copied = _plain_copy(vault_copy, work / f"plain-{run}")
                shutil.rmtree(work / f"plain-{run}")
                if run:
                    backups.append(took)
                    plain.append(copied)
                else:
                    steps.clear()
                time.sleep(1.0)  # backups are named to the second
    finally:
        shutil.rmtree(work, ignore_errors=True)
    ratio = statistics.median(backups) / statistics.median(plain)
    print(f"command: {shlex.join(['python', *sys.argv])}")
    print(
        f"machine: {cpu_model()}, {platform.system()} {platform.release()}, {os.cpu_count()} logical CPUs, {memory()}"
    )
    print(f"python {platform.python_version()}; load average before {load_before}, after {load_average()}")
    print(f"backup file: {size / 1024**2:,.0f} MiB; {args.runs} runs after a warm-up; seconds:")
    print(f"{'step':<40} {'median':>8} {'p95':>8} {'min':>8}")
    print(_line("(a) plain copy of the vault's files", plain))
    print(_line("(b) create_backup (write + verify)", backups))
    for label, seconds in steps.items():
        print(_line(label, seconds))
    print(f"ratio (b)/(a): {ratio:.2f}x   budget {BUDGET_RATIO:g}x: {'OVER BUDGET' if ratio > BUDGET_RATIO else 'ok'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
