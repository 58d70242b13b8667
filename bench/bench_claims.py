"""Claims from a vault: scrub plus 837P for a batch of claims, and one CMS-1500 PDF (issue 14).

    python bench/bench_claims.py [--runs N] [--clients N] [--vault DIR]

Builds a demo practice of `--clients` invented clients and one year of sessions (default 700: about 500
insured clients) in a temp folder with the real calibrated KDF, or opens the demo vault in DIR (built there
if DIR is new), creates the claims for every unbilled insurance charge of the last full month (untimed),
then times over N runs (default 5), after one untimed warm-up:

- scrub: each claim's form gathered from the vault (claims.gather) and scrubbed (the checks before ready);
- 837P: every payer's file written (exports.x12_837p.write_837p) and checked by the app's own rules (check_837p);
- scrub + 837P: the two together, the budget (500 claims under 5 s);
- one CMS-1500: one claim's plain-paper form rendered (templates.cms1500), budget 50 ms.

Files are written in memory only and no claim changes state, so every run does the same work. A benchmark
reports numbers; it asserts nothing.
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
from datetime import date, datetime, timedelta
from pathlib import Path

from stats import cpu_model, load_average, memory, percentile

from therapy_desk.claims.files import envelope_for
from therapy_desk.claims.workflow import scrub_claim
from therapy_desk.demo.builder import build_demo
from therapy_desk.domain.claims import ClaimForm
from therapy_desk.exports.x12_837p import check_837p, write_837p
from therapy_desk.storage.vault import Vault
from therapy_desk.templates.cms1500 import render_cms1500

PASSPHRASE = "therapy desk claims benchmark passphrase"
BUDGET_BATCH_MS = 5000.0
BUDGET_FORM_MS = 50.0


def _vault(folder: Path, clients: int) -> Vault:
    if (folder / "vault.db").exists():
        return Vault.open(folder, PASSPHRASE)
    vault, _ = Vault.create(folder, PASSPHRASE)
    build_demo(vault, clients=clients, years=1, seed=14)
    return vault


def _last_month(today: date) -> tuple[date, date]:
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


def _scrub(vault: Vault, claim_ids: list[int], today: date) -> list[ClaimForm]:
    return [scrub_claim(vault, claim_id, today=today).form for claim_id in claim_ids]


def _files(vault: Vault, forms: list[ClaimForm], now: datetime) -> int:
    by_payer: dict[str, list[ClaimForm]] = {}
    for form in forms:
        by_payer.setdefault(form.payer.electronic_id, []).append(form)
    size = 0
    for number, payer_forms in enumerate(by_payer.values(), start=1):
        text = write_837p(payer_forms, envelope_for(vault, payer_forms[0], number, now))
        problems = check_837p(text, payer_forms)
        assert not problems, problems  # a benchmark of a file that would be refused measures nothing
        size += len(text)
    return size


def _figures(values: list[float]) -> str:
    return f"{statistics.median(values):>8.1f} {percentile(values, 0.95):>8.1f} {min(values):>8.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--clients", type=int, default=700)
    parser.add_argument("--vault", type=Path, help="a demo vault to reuse (built there when new)")
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="td-bench-claims-")
    os.environ["THERAPY_DESK_HOME"] = home
    folder = args.vault or Path(home) / "vault"
    started = time.perf_counter()
    vault = _vault(folder, args.clients)
    built_s = time.perf_counter() - started
    today = date.today()
    start, end = _last_month(today)
    vault.claims.create(start, end)
    claim_ids = [c.id for c in vault.claims.claims(limit=100_000) if start <= c.first_date and c.last_date <= end]
    lines = sum(len(vault.claims.charge_ids(i)) for i in claim_ids)
    now = datetime.now().astimezone()
    forms = _scrub(vault, claim_ids, today)
    size = _files(vault, forms, now)  # warm-up
    render_cms1500(forms[0], printed_on=today)
    load_before = load_average()
    timings: dict[str, list[float]] = {"scrub": [], "837P": [], "scrub + 837P": [], "one CMS-1500": []}
    for _ in range(args.runs):
        t0 = time.perf_counter()
        forms = _scrub(vault, claim_ids, today)
        t1 = time.perf_counter()
        _files(vault, forms, now)
        t2 = time.perf_counter()
        render_cms1500(forms[len(forms) // 2], printed_on=today)
        t3 = time.perf_counter()
        timings["scrub"].append((t1 - t0) * 1000)
        timings["837P"].append((t2 - t1) * 1000)
        timings["scrub + 837P"].append((t2 - t0) * 1000)
        timings["one CMS-1500"].append((t3 - t2) * 1000)
    load_after = load_average()
    vault.close()
    print("Therapy Desk claims benchmark (issue 14)")
    print(f"command:   {shlex.join(sys.orig_argv)}")
    print(f"machine:   {cpu_model()}, {os.cpu_count()} logical CPUs, {memory()} RAM")
    print(f"platform:  {platform.platform()}")
    print(f"python:    {platform.python_version()} ({platform.python_implementation()})")
    print(f"vault:     demo of {args.clients} clients, one year (ready in {built_s:.0f} s)")
    print(f"claims:    {len(claim_ids)} claims, {lines} lines, {start} to {end}; 837P text {size:,} bytes")
    print(f"runs:      {args.runs} after 1 warm-up")
    print(f"load:      1-minute load average {load_before} before, {load_after} after")
    print()
    print(f"{'step (ms)':<28} {'median':>8} {'p95':>8} {'min':>8}")
    budgets = {"scrub + 837P": BUDGET_BATCH_MS * len(claim_ids) / 500, "one CMS-1500": BUDGET_FORM_MS}
    for name, values in timings.items():
        budget = budgets.get(name)
        verdict = ""
        if budget is not None:
            verdict = f"  {'ok' if statistics.median(values) <= budget else 'OVER BUDGET'} (budget {budget:.0f})"
        print(f"{name:<28} {_figures(values)}{verdict}")


if __name__ == "__main__":
    main()
