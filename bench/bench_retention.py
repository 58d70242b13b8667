"""Retention (issue 16): the list of records past retention on a large vault, and one disposal.

    python bench/bench_retention.py [--runs N] [--clients N] [--years N] [--sessions N] [--vault DIR]

Builds a demo practice of `--clients` invented clients (default 10,000) over `--years` years (default 4)
in a temp folder with the real calibrated KDF, or works on a COPY of the demo vault in DIR (as
bench/make_large_vault.py writes it: DIR/vault; the copy is deleted afterwards, DIR is never changed).
Then times:

- list: `vault.retention.past_retention` for a day far enough ahead that every record is past
  retention, N runs (default 10) after one warm-up; budget 1 s;
- dispose: the disposal of the client whose attended sessions are nearest `--sessions` (default 100),
  discharged first, once (a disposal cannot be repeated); budget 2 s.

A benchmark reports numbers; it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from stats import cpu_model, load_average, memory, percentile

from therapy_desk.demo.builder import build_demo
from therapy_desk.domain.clients import ClientStatus
from therapy_desk.storage.vault import Vault

PASSPHRASE = "therapy desk retention benchmark passphrase"
BENCH_VAULT_PASSPHRASE = "therapy desk benchmark vault passphrase"  # bench/make_large_vault.py's
LIST_BUDGET_MS = 1000.0
DISPOSE_BUDGET_MS = 2000.0


def _vault(home: Path, source: Path | None, clients: int, years: int) -> Vault:
    if source is not None:
        folder = home / "vault"
        shutil.copytree(source / "vault" if (source / "vault").is_dir() else source, folder)
        return Vault.open(folder, BENCH_VAULT_PASSPHRASE)
    vault, _ = Vault.create(home / "vault", PASSPHRASE)
    build_demo(vault, clients=clients, years=years, seed=16)
    return vault


def _attended(vault: Vault) -> dict[int, int]:
    sql = "SELECT client_id, count(*) FROM appointments WHERE status = 'attended' AND client_id IS NOT NULL GROUP BY 1"
    return {int(c): int(n) for c, n in vault.db.execute(sql)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--years", type=int, default=4)
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--vault", type=Path, help="a make_large_vault.py folder to work on a copy of")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="td-bench-retention-"))
    os.environ["THERAPY_DESK_HOME"] = str(home / "home")
    try:
        started = time.perf_counter()
        vault = _vault(home, args.vault, args.clients, args.years)
        built_s = time.perf_counter() - started
        clients = vault.clients.count()
        later = date(date.today().year + 60, 1, 1)
        rows = vault.retention.past_retention(later)  # warm-up
        load_before = load_average()
        list_ms = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            rows = vault.retention.past_retention(later)
            list_ms.append((time.perf_counter() - t0) * 1000)
        sessions = _attended(vault)
        client_id = min(sessions, key=lambda c: (abs(sessions[c] - args.sessions), c))
        vault.clients.set_status(client_id, ClientStatus.DISCHARGED, on=date.today())
        t0 = time.perf_counter()
        disposal = vault.retention.dispose(client_id, reason="Benchmark: retention period ended", today=later)
        dispose_ms = (time.perf_counter() - t0) * 1000
        load_after = load_average()
        vault.close()
    finally:
        shutil.rmtree(home, ignore_errors=True)
    print("Therapy Desk retention benchmark (issue 16)")
    print(f"command:   {shlex.join(sys.orig_argv)}")
    print(f"machine:   {cpu_model()}, {os.cpu_count()} logical CPUs, {memory()} RAM")
    print(f"platform:  {platform.platform()}")
    print(f"python:    {platform.python_version()} ({platform.python_implementation()})")
    print(f"vault:     {clients:,} clients (ready in {built_s:.0f} s); {len(rows):,} past retention on {later}")
    print(f"disposed:  a client with {sessions[client_id]} attended sessions, {disposal.deleted_rows:,} rows deleted")
    print(f"load:      1-minute load average {load_before} before, {load_after} after")
    print()
    print(f"{'step (ms)':<28} {'median':>8} {'p95':>8} {'min':>8}")
    verdict = "ok" if statistics.median(list_ms) <= LIST_BUDGET_MS else "OVER BUDGET"
    print(
        f"{'list (' + str(args.runs) + ' runs)':<28} {statistics.median(list_ms):>8.1f} "
        f"{percentile(list_ms, 0.95):>8.1f} {min(list_ms):>8.1f}  {verdict} (budget {LIST_BUDGET_MS:.0f})"
    )
    verdict = "ok" if dispose_ms <= DISPOSE_BUDGET_MS else "OVER BUDGET"
    print(f"{'dispose (once)':<28} {dispose_ms:>8.1f} {'':>8} {'':>8}  {verdict} (budget {DISPOSE_BUDGET_MS:.0f})")


if __name__ == "__main__":
    main()
