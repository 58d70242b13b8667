"""How long `vault check` takes on the large demo vault, phase by phase.

    python bench/make_large_vault.py DIR            # once: builds DIR/vault
    python bench/bench_check.py DIR [--runs N] [--passphrase-stdin]

Opens DIR/vault for checking (nothing is migrated or written) and runs `Vault.check` N times (default 3)
after one untimed warm-up (which fills the OS file cache, as a vault in daily use has it). Prints, for
each phase (storage/integrity.py), median, p95 and min in seconds, and the whole check against its
budget (30 s on the 10,000-client vault). The database-structure phase runs on a second connection in
a thread of its own, alongside the others: the phases do not add up to the total, which is wall time.
A benchmark reports; it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import statistics
import sys
from pathlib import Path

from stats import cpu_model, load_average, memory, percentile

from therapy_desk.errors import UserError
from therapy_desk.storage.integrity import PHASES, CheckReport
from therapy_desk.storage.vault import Vault

BENCH_PASSPHRASE = "therapy desk benchmark vault passphrase"  # as in make_large_vault.py
BUDGET_S = 30.0


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("dir", type=Path, metavar="DIR", help="folder made by make_large_vault.py")
    parser.add_argument("--runs", type=int, default=3, metavar="N", help="timed checks (default: 3)")
    parser.add_argument("--passphrase-stdin", action="store_true", help="read the passphrase from standard input")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs needs at least 1")
    return args


def _line(label: str, seconds: list[float], budget: float | None = None) -> str:
    median = statistics.median(seconds)
    text = f"{label:<34} {median:8.2f} {percentile(seconds, 0.95):8.2f} {min(seconds):8.2f}"
    if budget is not None:
        text += f"   budget {budget:g} s: {'OVER BUDGET' if median > budget else 'ok'}"
    return text


def _run(folder: Path, runs: int, passphrase: str) -> int:
    info_file = folder / "bench-vault.json"
    info = json.loads(info_file.read_text(encoding="utf-8")) if info_file.is_file() else {}
    os.environ["THERAPY_DESK_HOME"] = str(folder / "home")
    reports: list[CheckReport] = []
    load_before = load_average()
    with Vault.open_for_check(folder / "vault", passphrase) as vault:
        schema = vault.schema_version
        cipher = vault.db.conn.execute("PRAGMA cipher_version").fetchone()[0]
        sqlite = vault.db.conn.execute("SELECT sqlite_version()").fetchone()[0]
        for run in range(runs + 1):
            report = vault.check()
            if run > 0:  # run 0 is the warm-up
                reports.append(report)
    load_after = load_average()
    last = reports[-1]

    print("Therapy Desk vault check benchmark")
    print(f"command:   {shlex.join(sys.orig_argv)}")
    if info:
        print(f"vault:     {info['command']} (schema {schema})")
    size_mb = (folder / "vault" / "vault.db").stat().st_size / 1e6
    print(
        f"           {last.notes:,} signed notes, {last.addenda:,} addenda, {last.plans:,} plan versions, "
        f"{last.audit_rows:,} audit events, {last.pages:,} pages ({size_mb:,.0f} MB)"
    )
    print(f"machine:   {cpu_model()}, {os.cpu_count()} logical CPUs, {memory()} RAM")
    print(f"platform:  {platform.platform()}")
    print(f"python:    {platform.python_version()} ({platform.python_implementation()})")
    print(f"sqlcipher: {cipher} (SQLite {sqlite})")
    print(f"runs:      {runs} after 1 warm-up")
    print(f"load:      1-minute load average {load_before} before, {load_after} after")
    print(f"verdict:   {'clean' if last.clean else f'{len(last.problems)} problems'}")
    print()
    print(f"{'phase (s)':<34} {'median':>8} {'p95':>8} {'min':>8}")
    for phase in PHASES:
        print(_line(phase, [r.seconds[phase] for r in reports if phase in r.seconds]))
    print(_line("whole check (wall time)", [r.seconds["total"] for r in reports], BUDGET_S))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    folder = args.dir.expanduser().absolute()
    if not (folder / "vault").is_dir():
        print(f"bench_check: {folder} has no benchmark vault; run bench/make_large_vault.py first", file=sys.stderr)
        return 2
    passphrase = sys.stdin.readline().rstrip("\n") if args.passphrase_stdin else BENCH_PASSPHRASE
    try:
        return _run(folder, args.runs, passphrase)
    except UserError as err:
        print(f"bench_check: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
