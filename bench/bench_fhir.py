"""FHIR R4 export of one client (issue 16): gather from the vault, build the bundle, write it as JSON text.

    python bench/bench_fhir.py [--runs N] [--clients N] [--years N] [--sessions N] [--vault DIR]

Builds a demo practice of `--clients` invented clients over `--years` years (default 40 clients, 2 years) in
a temp folder with the real calibrated KDF, or opens the demo vault in DIR (built there if DIR is new), picks
the client whose attended sessions are nearest `--sessions` (default 50), then times over N runs (default 20),
after one untimed warm-up:

- gather: the client's record read through the stores (records.fhir_gather.client_record);
- build: the Bundle dict built from it (exports.fhir.client_bundle);
- json: json.dumps of the bundle, as `export fhir` writes it;
- export: the three together, the budget (one client under 200 ms).

Nothing is written to disk. A benchmark reports numbers; it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from stats import cpu_model, load_average, memory, percentile

from therapy_desk.demo.builder import build_demo
from therapy_desk.domain.scheduling import AppointmentStatus
from therapy_desk.exports.fhir import client_bundle
from therapy_desk.records.fhir_gather import client_record, practice_zone
from therapy_desk.storage.vault import Vault

PASSPHRASE = "therapy desk fhir benchmark passphrase"
BUDGET_MS = 200.0


def _vault(folder: Path, clients: int, years: int) -> Vault:
    if (folder / "vault.db").exists():
        return Vault.open(folder, PASSPHRASE)
    vault, _ = Vault.create(folder, PASSPHRASE)
    build_demo(vault, clients=clients, years=years, seed=16)
    return vault


def _attended(vault: Vault, client_id: int) -> int:
    return len(vault.schedule.for_client(client_id, limit=500, statuses=[AppointmentStatus.ATTENDED]))


def _figures(values: list[float]) -> str:
    return f"{statistics.median(values):>8.1f} {percentile(values, 0.95):>8.1f} {min(values):>8.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--clients", type=int, default=40)
    parser.add_argument("--years", type=int, default=2)
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--vault", type=Path, help="a demo vault to reuse (built there when new)")
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="td-bench-fhir-")
    os.environ["THERAPY_DESK_HOME"] = home
    folder = args.vault or Path(home) / "vault"
    started = time.perf_counter()
    vault = _vault(folder, args.clients, args.years)
    built_s = time.perf_counter() - started
    sessions = {client_id: _attended(vault, client_id) for client_id in vault.caseload.ids()}
    client_id = min(sessions, key=lambda c: (abs(sessions[c] - args.sessions), c))
    profile, zone, today = vault.practice.profile(), practice_zone(vault), date.today()
    now = datetime.now(UTC)

    def export() -> tuple[float, float, float, int, int]:
        t0 = time.perf_counter()
        record = client_record(vault, client_id)
        t1 = time.perf_counter()
        bundle = client_bundle(record, profile, vault_id=vault.vault_id, zone=zone, today=today, now=now)
        t2 = time.perf_counter()
        text = json.dumps(bundle, ensure_ascii=False, indent=2)
        t3 = time.perf_counter()
        return (t1 - t0) * 1000, (t2 - t1) * 1000, (t3 - t2) * 1000, len(bundle["entry"]), len(text)

    _, _, _, resources, size = export()  # warm-up
    load_before = load_average()
    timings: dict[str, list[float]] = {"gather": [], "build": [], "json": [], "export": []}
    for _ in range(args.runs):
        gather_ms, build_ms, json_ms, _, _ = export()
        timings["gather"].append(gather_ms)
        timings["build"].append(build_ms)
        timings["json"].append(json_ms)
        timings["export"].append(gather_ms + build_ms + json_ms)
    load_after = load_average()
    vault.close()
    print("Therapy Desk FHIR export benchmark (issue 16)")
    print(f"command:   {shlex.join(sys.orig_argv)}")
    print(f"machine:   {cpu_model()}, {os.cpu_count()} logical CPUs, {memory()} RAM")
    print(f"platform:  {platform.platform()}")
    print(f"python:    {platform.python_version()} ({platform.python_implementation()})")
    print(f"vault:     demo of {args.clients} clients, {args.years} years (ready in {built_s:.0f} s)")
    print(f"client:    {sessions[client_id]} attended sessions; {resources} resources, {size:,} bytes of JSON")
    print(f"runs:      {args.runs} after 1 warm-up")
    print(f"load:      1-minute load average {load_before} before, {load_after} after")
    print()
    print(f"{'step (ms)':<28} {'median':>8} {'p95':>8} {'min':>8}")
    for name, values in timings.items():
        verdict = ""
        if name == "export":
            verdict = f"  {'ok' if statistics.median(values) <= BUDGET_MS else 'OVER BUDGET'} (budget {BUDGET_MS:.0f})"
        print(f"{name:<28} {_figures(values)}{verdict}")


if __name__ == "__main__":
    main()
