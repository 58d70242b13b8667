"""Issuing documents end to end on the large vault (issue 13): gathered from the stores, rendered, written
as a new file (fsynced) and recorded in the documents issued.

    cp -a DIR/vault /tmp/copy                       # a COPY: this writes into the vault it is given
    python bench/bench_issue.py /tmp/copy [--runs N] [--clients N]

The period is the last whole calendar month before today. Untimed, it picks the clients with activity in
that month whose superbill has every required field (self-pay clients have no member ID), then times:
  (1) one monthly superbill: `documents.issue_superbill` for one client, over N runs (default 20) after one
      untimed warm-up, each into a fresh folder (budget 50 ms);
  (2) a monthly batch: `documents.issue_batch` of superbills for `--clients` of them (default 500) into one
      folder, once per batch run (`--batches`, default 1) (budget 15 s).
Documents go to a temp folder removed at the end. A benchmark reports numbers; it asserts nothing.
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
from datetime import date, timedelta
from pathlib import Path

from stats import cpu_model, load_average, percentile

BENCH_PASSPHRASE = "therapy desk benchmark vault passphrase"  # as in make_large_vault.py
BUDGETS = {"superbill": 50.0, "batch": 15_000.0}


def _last_month(today: date) -> tuple[date, date]:
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("vault", type=Path, metavar="VAULT", help="a COPY of a vault made by make_large_vault.py")
    parser.add_argument("--runs", type=int, default=20, metavar="N", help="timed single superbills (default: 20)")
    parser.add_argument("--clients", type=int, default=500, metavar="N", help="clients in the batch (default: 500)")
    parser.add_argument("--batches", type=int, default=1, metavar="N", help="timed batches (default: 1)")
    args = parser.parse_args(argv)

    from therapy_desk.documents import clients_with_activity, issue_batch, issue_superbill, superbill_for
    from therapy_desk.domain.documents import missing_for_superbill
    from therapy_desk.storage.documents import DocumentKind
    from therapy_desk.storage.vault import Vault

    print(f"command: {shlex.join([sys.executable, *sys.argv])}")
    print(f"machine: {cpu_model()}; {platform.platform()}; {os.cpu_count()} logical CPUs; load {load_average()}")
    print(f"python {platform.python_version()}")
    today = date.today()
    start, end = _last_month(today)
    times: dict[str, list[float]] = {"superbill": [], "batch": []}
    with Vault.open(args.vault, BENCH_PASSPHRASE) as vault, tempfile.TemporaryDirectory() as scratch:
        active = clients_with_activity(vault, start, end)
        complete = []
        for client_id in active:
            doc = superbill_for(vault, client_id, date_from=start, date_to=end, today=today)
            if not missing_for_superbill(doc):
                complete.append(client_id)
            if len(complete) >= args.clients + args.runs + 1:
                break
        print(f"period {start} to {end}: {len(active):,} clients with activity; {len(complete):,} complete taken")
        singles, batch = complete[: args.runs + 1], complete[args.runs + 1 :][: args.clients]
        root = Path(scratch)
        for n, client_id in enumerate(singles):
            folder = root / f"single-{n}"
            folder.mkdir()
            t0 = time.perf_counter()
            issue_superbill(vault, client_id, folder, date_from=start, date_to=end, today=today)
            if n:  # the first is the warm-up (fonts loaded once per process)
                times["superbill"].append((time.perf_counter() - t0) * 1000)
        lines = [len(superbill_for(vault, c, date_from=start, date_to=end, today=today).lines) for c in batch]
        for n in range(args.batches):
            folder = root / f"batch-{n}"
            folder.mkdir()
            t0 = time.perf_counter()
            result = issue_batch(vault, DocumentKind.SUPERBILL, folder, date_from=start, date_to=end, today=today,
                                 clients=batch)  # fmt: skip
            times["batch"].append((time.perf_counter() - t0) * 1000)
            written = sum(p.stat().st_size for p in folder.iterdir())
            per_client = statistics.mean(lines)
            print(f"batch {n + 1}: {len(result.issued)} superbills written, {len(result.skipped)} skipped, "
                  f"{written / 1e6:.1f} MB; {sum(lines)} service lines ({per_client:.1f} a client)")  # fmt: skip
    print(f"load after: {load_average()}")
    for step, values in times.items():
        if not values:
            continue
        median, p95 = statistics.median(values), percentile(values, 0.95)
        verdict = "ok" if p95 <= BUDGETS[step] else "OVER BUDGET"
        print(f"{step:<9} median {median:9.1f} ms  p95 {p95:9.1f} ms  min {min(values):9.1f} ms  "
              f"(budget {BUDGETS[step]:,.0f} ms: {verdict}; {len(values)} runs)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
