"""How long unlocking a vault takes, step by step, with the KDF calibrated on this machine.

    python bench/bench_unlock.py [--runs N] [--vault DIR]

Measures, over N runs after one warm-up (the steps take turns within each run):
  (a) KDF + unwrap: Keyslots.load + unwrap("passphrase", ...), i.e. Argon2id at the calibrated cost
  (b) raw-key open: db.connect(path, key_hex) plus the first query on app data (budget: 5 ms)
  (c) Vault.open: the whole unlock (KDF, open, migration check, anchor check, audit write)
  (d) Vault.close: audit write, close, key dropped, lock released
  (e) the audit-anchor check Vault.open runs: read and verify audit-anchor.bin, compare the log's head
      (budget: adds under 5 ms to opening)
  (f) one anchor write, as after every commit that moves the audit head (in place, fdatasync)
and prints median, p95 and min in milliseconds, with the Argon2id parameters and the machine.

A benchmark reports numbers; it asserts nothing. Every file it writes stays in a temp folder
(or in --vault DIR, which it creates, and reuses on later runs).
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from stats import percentile

from therapy_desk.errors import UserError
from therapy_desk.storage import db
from therapy_desk.storage.keyslots import Keyslots
from therapy_desk.storage.vault import Vault

RAW_OPEN_BUDGET_MS = 5.0
# Not a secret: it protects a throwaway vault that holds nothing but its own audit log.
BENCH_PASSPHRASE = "therapy desk benchmark vault passphrase"


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=20, metavar="N", help="timed runs per step (default: 20)")
    parser.add_argument(
        "--vault",
        metavar="DIR",
        type=Path,
        help="benchmark vault folder: created if new or empty, reused if made by an earlier run "
        "(default: a fresh temp folder, removed afterwards)",
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs needs at least 1")
    return args


def _ms(started_ns: int) -> float:
    return (time.perf_counter_ns() - started_ns) / 1e6


def _machine() -> str:
    uname = platform.uname()
    processor = platform.processor() or uname.machine
    return f"{processor} · {uname.system} {uname.release} ({uname.machine}) · {os.cpu_count()} logical CPUs"


def _load_average() -> str:
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except (AttributeError, OSError):  # not on Windows
        return "n/a"


def _run(home: Path, folder: Path, runs: int) -> int:
    # Everything the app writes on its own (state, config) goes under the bench's folder.
    os.environ["THERAPY_DESK_HOME"] = str(home)
    created_note = "reused from an earlier run"
    if not (folder / "keyslots.json").exists():
        started = time.perf_counter_ns()
        try:
            vault, _code = Vault.create(folder, BENCH_PASSPHRASE)
        except UserError as err:
            print(f"bench_unlock: {err}", file=sys.stderr)
            return 2
        vault.close()
        created_note = f"created for this run in {_ms(started) / 1000:.2f} s (calibration + 2 key derivations)"

    try:
        slot = Keyslots.load(folder).slot("passphrase")
        data_key = Keyslots.load(folder).unwrap("passphrase", BENCH_PASSPHRASE)
    except UserError as err:
        print(f"bench_unlock: {folder} is not a vault this benchmark made ({err})", file=sys.stderr)
        return 2
    kdf = slot.kdf if slot else None
    if kdf is None:
        print(f"bench_unlock: {folder} has no passphrase slot to time", file=sys.stderr)
        return 2

    db_path = folder / db.DB_FILE

    def kdf_and_unwrap() -> float:
        started = time.perf_counter_ns()
        Keyslots.load(folder).unwrap("passphrase", BENCH_PASSPHRASE)
        return _ms(started)

    def raw_key_open() -> float:
        started = time.perf_counter_ns()
        conn = db.connect(db_path, data_key)
        conn.execute("SELECT count(*) FROM audit_log").fetchone()
        elapsed = _ms(started)
        conn.close()
        return elapsed

    closes: list[float] = []
    anchor_checks: list[float] = []
    anchor_writes: list[float] = []

    def full_open() -> float:
        started = time.perf_counter_ns()
        vault = Vault.open(folder, BENCH_PASSPHRASE)
        elapsed = _ms(started)
        started = time.perf_counter_ns()
        problems = vault.anchor_problems()
        anchor_checks.append(_ms(started))
        assert not problems, problems  # a benchmark vault with lost history would time the wrong path
        head = vault.audit.head()
        started = time.perf_counter_ns()
        vault._anchor.write(*head, force=True)
        anchor_writes.append(_ms(started))
        started = time.perf_counter_ns()
        vault.close()
        closes.append(_ms(started))
        return elapsed

    steps: list[tuple[str, Callable[[], float]]] = [
        ("(a) KDF + unwrap (Keyslots.load + unwrap)", kdf_and_unwrap),
        ("(b) raw-key open + first query", raw_key_open),
        ("(c) Vault.open (KDF, open, migrations, audit)", full_open),
    ]
    # Steps take turns within each run, so a change in machine load hits every step alike.
    results: dict[str, list[float]] = {label: [] for label, _ in steps}
    load_before = _load_average()
    for run in range(runs + 1):
        for label, step in steps:
            elapsed = step()
            if run > 0:  # run 0 is the warm-up
                results[label].append(elapsed)
    results["(d) Vault.close"] = closes[1:]
    results["(e) audit-anchor check on open"] = anchor_checks[1:]
    results["(f) one audit-anchor write"] = anchor_writes[1:]
    load_after = _load_average()

    with Vault.open(folder, BENCH_PASSPHRASE) as vault:
        cipher_version = str(vault.db.conn.execute("PRAGMA cipher_version").fetchone()[0])

    print("Therapy Desk unlock benchmark")
    print(f"command:   {shlex.join(sys.orig_argv)}")
    print(f"machine:   {_machine()}")
    print(f"platform:  {platform.platform()}")
    print(f"python:    {platform.python_version()} ({platform.python_implementation()})")
    print(f"sqlcipher: {cipher_version}")
    print(f"vault:     {folder} ({created_note})")
    print(
        f"argon2id:  time_cost={kdf.time_cost} memory_kib={kdf.memory_kib} "
        f"parallelism={kdf.parallelism} (calibrated on this machine)"
    )
    print(f"runs:      {runs} per step, after 1 warm-up; steps interleaved within each run")
    print(f"load:      1-minute load average {load_before} before, {load_after} after")
    print()
    width = max(len(label) for label in results)
    print(f"{'step':<{width}}  {'median':>8}  {'p95':>8}  {'min':>8}  (ms)")
    for label, samples in results.items():
        line = (
            f"{label:<{width}}  {statistics.median(samples):>8.2f}  "
            f"{percentile(samples, 0.95):>8.2f}  {min(samples):>8.2f}"
        )
        if label.startswith(("(b)", "(e)")):
            over = percentile(samples, 0.95) > RAW_OPEN_BUDGET_MS
            line += f"  budget {RAW_OPEN_BUDGET_MS:g} ms (p95): {'OVER BUDGET' if over else 'ok'}"
        print(line)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="therapy-desk-bench-") as tmp:
        folder = args.vault.expanduser().absolute() if args.vault else Path(tmp) / "vault"
        return _run(Path(tmp) / "home", folder, args.runs)


if __name__ == "__main__":
    sys.exit(main())
