"""One superbill, the common monthly one, from domain values to PDF bytes (issue 13).

    python bench/bench_documents.py [--runs N] [--sessions N]

Builds an invented superbill of `--sessions` weekly sessions (default 5: a month), with two diagnoses, a card
payment per session and the practice's full letterhead, and times `templates.superbill.render` over N runs
(default 50) after one untimed warm-up (which also loads the fonts, once per process). It also times the same
superbill with an AES-256 password (`templates.protect.protect` on the rendered bytes), and a statement and a
Good Faith Estimate of the same client, for comparison. Budget: one superbill under 50 ms. A benchmark reports
numbers; it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta

import reportlab
from stats import cpu_model, load_average, memory, percentile

from therapy_desk.domain.codes import PlaceOfService
from therapy_desk.domain.documents import (
    Aging,
    ClientInfo,
    DiagnosisCode,
    EntryKind,
    EstimateItem,
    GoodFaithEstimate,
    Insurance,
    PaymentLine,
    Provider,
    ServiceLine,
    Statement,
    StatementEntry,
    Superbill,
)
from therapy_desk.templates import estimate, statement, superbill
from therapy_desk.templates.protect import protect

BUDGET_MS = 50.0
PROVIDER = Provider(
    name="Benchmark Clinician", credentials="LCSW", street="410 Alder Street, Suite 3", city="Portland",
    state="OR", zip="97205", phone="(503) 555-0142", email="clinic@example.org", npi="1234567893",
    tax_id="12-3456789", license_number="L4321", license_state="OR",
)  # fmt: skip
CLIENT = ClientInfo(
    name="Invented Client", dob=date(1988, 7, 14), street="22 Birch Lane", city="Beaverton", state="OR",
    zip="97005", account_number="C-00042", insurance=Insurance("Invented Health Plan", "XJH123456789", "GRP-7781"),
)  # fmt: skip


def _superbill(sessions: int) -> Superbill:
    first = date(2026, 3, 2)
    lines = tuple(
        ServiceLine(
            first + timedelta(weeks=week),
            PlaceOfService.OFFICE,
            "90837",
            160_00,
            description="Psychotherapy, 60 minutes",
            pointers=("A", "B"),
            paid_cents=160_00,
        )
        for week in range(sessions)
    )
    payments = tuple(PaymentLine(line.date_of_service, "Card", 160_00, "Visa ending 4242") for line in lines)
    diagnoses = (DiagnosisCode("F41.1"), DiagnosisCode("F33.1"))
    return Superbill(PROVIDER, CLIENT, diagnoses, lines, date(2026, 3, 31), payments)


def _statement(sessions: int) -> Statement:
    entries = []
    for week in range(sessions):
        day = date(2026, 3, 2) + timedelta(weeks=week)
        entries += [
            StatementEntry(day, EntryKind.CHARGE, "90837 Psychotherapy, 60 minutes", 160_00),
            StatementEntry(day, EntryKind.PAYMENT, "Copay, card", 25_00),
        ]
    balance = sessions * 135_00
    return Statement(
        PROVIDER, CLIENT, date(2026, 3, 31), date(2026, 3, 1), date(2026, 3, 31), tuple(entries), Aging(balance)
    )


def _estimate() -> GoodFaithEstimate:
    items = (
        EstimateItem("90791", "Diagnostic evaluation", 1, 200_00),
        EstimateItem("90837", "Psychotherapy", 24, 160_00),
    )
    return GoodFaithEstimate(PROVIDER, CLIENT, items, date(2026, 3, 1), date(2026, 3, 2), date(2026, 8, 31))


def _figures(samples: list[float]) -> str:
    return f"{statistics.median(samples):8.1f} {percentile(samples, 0.95):8.1f} {min(samples):8.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--sessions", type=int, default=5, help="weekly sessions on the superbill (default 5)")
    args = parser.parse_args()

    sb, st, gfe = _superbill(args.sessions), _statement(args.sessions), _estimate()
    steps: dict[str, Callable[[], object]] = {
        "(1) superbill": lambda: superbill.render(sb),
        "(2) superbill + password": lambda: protect(superbill.render(sb), "benchmark password"),
        "(3) statement": lambda: statement.render(st),
        "(4) good faith estimate": lambda: estimate.render(gfe),
    }
    load_before = load_average()
    for step in steps.values():  # warm-up: fonts registered, glyph tables read
        step()
    samples: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(args.runs):
        for name, step in steps.items():  # steps take turns, so load changes hit each alike
            start = time.perf_counter()
            step()
            samples[name].append((time.perf_counter() - start) * 1000)
    load_after = load_average()
    size = len(superbill.render(sb))

    print("Therapy Desk documents benchmark (issue 13)")
    print(f"command:   {shlex.join(sys.orig_argv)}")
    print(f"machine:   {cpu_model()}, {os.cpu_count()} logical CPUs, {memory()} RAM")
    print(f"platform:  {platform.platform()}")
    print(f"python:    {platform.python_version()} ({platform.python_implementation()}), reportlab {reportlab.Version}")
    print(f"document:  superbill of {args.sessions} weekly sessions, {size:,} bytes")
    print(f"runs:      {args.runs} per step after 1 warm-up; steps take turns")
    print(f"load:      1-minute load average {load_before} before, {load_after} after")
    print()
    print(f"{'step (ms)':<28} {'median':>8} {'p95':>8} {'min':>8}")
    for name, values in samples.items():
        verdict = ""
        if name == "(1) superbill":
            verdict = "   ok" if percentile(values, 0.95) < BUDGET_MS else "   OVER BUDGET"
            verdict += f" (budget {BUDGET_MS:.0f} ms)"
        print(f"{name:<28} {_figures(values)}{verdict}")


if __name__ == "__main__":
    main()
