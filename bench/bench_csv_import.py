"""CSV import of a caseload (issue 16): 10,000 rows read, dry-run and imported in one transaction.

    python bench/bench_csv_import.py [--runs N] [--rows N]

Writes a SimplePractice-style CSV of `--rows` invented clients (default 10,000: names, DOB in both accepted
formats, sex, phone, email, address, status, one to three ICD-10-CM codes, one of six payers and a member ID
for two in three) to a temp folder, then for each of N runs (default 3) creates a new vault with the real
calibrated KDF (untimed) and times:

- read: the file read and parsed (records.csv_import.read_table);
- dry run: every row checked against the rules and the vault (records.csv_import.dry_run);
- import: every client, diagnosis, payer and coverage stored in one transaction (vault.clients.import_clients);
- total: the three together, the budget (10,000 rows under 10 s).

A benchmark reports numbers; it asserts nothing.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import shlex
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from stats import cpu_model, load_average, memory, percentile

from therapy_desk.domain.csv_import import PRESET_BY_KEY
from therapy_desk.records.csv_import import dry_run, read_table
from therapy_desk.storage.vault import Vault

PASSPHRASE = "therapy desk csv import benchmark passphrase"
BUDGET_S = 10.0
_FIRST = ["Ana", "Ben", "Chloé", "Dmitri", "Emeka", "Fatima", "Grace", "Hiro", "Inés", "Jamal", "Kofi", "Lena",
          "Mateo", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tanvir", "Uma", "Víctor", "Wen"]  # fmt: skip
_LAST = ["Reyes", "Nguyen", "Okafor", "Smith", "Kowalski", "García", "Haddad", "Ito", "Johansson", "Khan",
         "Larsen", "Müller", "Novak", "O'Brien", "Patel", "Rossi", "Silva", "Tanaka", "Ward", "Zhou"]  # fmt: skip
_CODES = ["F41.1", "F32.0", "F32.1", "F43.23", "F43.10", "F90.0", "F40.10", "F42.2", "Z63.0", "F33.1"]
_PAYERS = ["Acme Health", "Blue Ridge Mutual", "Cascade Care", "Delta Benefits", "Evergreen EAP", "Medicaid of NY"]
_STATUS = ["Active"] * 6 + ["Inactive", "Discharged", "Waitlist"]
HEADINGS = ["First Name", "Last Name", "Date of Birth", "Sex", "Mobile Phone", "Email", "Address", "City", "State",
            "Zip", "Status", "Diagnosis Codes", "Insurance Payer", "Member ID"]  # fmt: skip


def write_caseload(path: Path, rows: int, seed: int = 16) -> None:
    rng = random.Random(seed)
    seen: set[tuple[str, str, date]] = set()
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(HEADINGS)
        n = 0
        while n < rows:
            first, last = rng.choice(_FIRST), rng.choice(_LAST)
            dob = date(1940, 1, 1) + timedelta(days=rng.randrange(365 * 65))
            if (first, last, dob) in seen:
                continue
            seen.add((first, last, dob))
            n += 1
            insured = rng.random() < 2 / 3
            writer.writerow(
                [
                    first,
                    last,
                    dob.isoformat() if n % 2 else f"{dob.month:02d}/{dob.day:02d}/{dob.year}",
                    rng.choice(["F", "M", "female", "male", "X", ""]),
                    f"(555) {rng.randrange(200, 999)}-{rng.randrange(10000):04d}",
                    f"client{n}@example.com",
                    f"{rng.randrange(1, 999)} Main St",
                    "Albany",
                    "NY",
                    f"{rng.randrange(10000, 14999)}",
                    rng.choice(_STATUS),
                    "; ".join(rng.sample(_CODES, rng.randrange(1, 4))),
                    rng.choice(_PAYERS) if insured else "",
                    f"W{n:09d}" if insured else "",
                ]
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="td-bench-csv-"))
    os.environ["THERAPY_DESK_HOME"] = str(home)
    path = home / "caseload.csv"
    write_caseload(path, args.rows)
    mapping = PRESET_BY_KEY["simplepractice"].mapping
    load_before = load_average()
    timings: dict[str, list[float]] = {"read": [], "dry run": [], "import": [], "total": []}
    counts = None
    for run in range(args.runs):
        vault, _ = Vault.create(home / f"vault-{run}", PASSPHRASE)
        try:
            t0 = time.perf_counter()
            table = read_table(path)
            t1 = time.perf_counter()
            report = dry_run(vault, table, mapping)
            t2 = time.perf_counter()
            if not report.clean:
                raise SystemExit(f"the benchmark's own file was rejected: {report.summary()}")
            counts = vault.clients.import_clients(report.accepted)
            t3 = time.perf_counter()
        finally:
            vault.close()
        timings["read"].append(t1 - t0)
        timings["dry run"].append(t2 - t1)
        timings["import"].append(t3 - t2)
        timings["total"].append(t3 - t0)
    load_after = load_average()
    print("Therapy Desk CSV import benchmark (issue 16)")
    print(f"command:   {shlex.join(sys.orig_argv)}")
    print(f"machine:   {cpu_model()}, {os.cpu_count()} logical CPUs, {memory()} RAM")
    print(f"platform:  {platform.platform()}")
    print(f"python:    {platform.python_version()} ({platform.python_implementation()})")
    print(f"file:      {args.rows:,} rows, {path.stat().st_size:,} bytes (SimplePractice preset)")
    if counts is not None:
        print(
            f"imported:  {counts.clients:,} clients, {counts.diagnoses:,} diagnoses, {counts.coverages:,} coverages, "
            f"{counts.payers_added} payers added, per run, each into a new vault"
        )
    print(f"runs:      {args.runs} (the first also loads the ICD-10-CM code set)")
    print(f"load:      1-minute load average {load_before} before, {load_after} after")
    print()
    print(f"{'step (s)':<28} {'median':>8} {'p95':>8} {'max':>8}")
    for name, values in timings.items():
        verdict = ""
        if name == "total":
            verdict = f"  {'ok' if max(values) <= BUDGET_S else 'OVER BUDGET'} (budget {BUDGET_S:.0f})"
        figures = f"{statistics.median(values):>8.2f} {percentile(values, 0.95):>8.2f} {max(values):>8.2f}"
        print(f"{name:<28} {figures}{verdict}")


if __name__ == "__main__":
    main()
