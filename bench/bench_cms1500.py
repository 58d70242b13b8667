"""One CMS-1500 (02/12) claim form, from a `ClaimForm` to PDF bytes (issue 14).

    python bench/bench_cms1500.py [--runs N]

Times `templates.cms1500.render_cms1500` (plain paper: every box ruled and captioned) for an invented claim of
2 service lines (one form) and of 12 lines (two forms, each totalled), and the red-form variant of the 2-line
claim for comparison, over N runs each (default 50) after one untimed warm-up (which loads the fonts, once
per process). Budget: one CMS-1500 under 50 ms. A benchmark reports numbers; it asserts nothing.
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

from therapy_desk.domain.claims import (
    Address,
    ClaimForm,
    ClaimLine,
    ClaimState,
    Diagnosis,
    InsuranceType,
    Payer,
    Person,
    Provider,
)
from therapy_desk.templates.cms1500 import render_cms1500, render_cms1500_red

BUDGET_MS = 50.0
PRINTED = date(2026, 4, 1)
CLINICIAN = Provider(
    "Clinician", "Benchmark", credentials="LCSW", npi="1234567893", taxonomy="1041C0700X",
    address=Address("410 Alder Street Suite 3", "Portland", "OR", "97205-1234"), phone="(503) 555-0142",
)  # fmt: skip
CLIENT = Person(
    "Client", "Invented", "Q", dob=date(1988, 7, 14), sex="F",
    address=Address("22 Birch Lane", "Beaverton", "OR", "97005"), phone="(503) 555-0199",
)  # fmt: skip


def _form(lines: int) -> ClaimForm:
    first = date(2026, 1, 5)
    return ClaimForm(
        claim_id=1,
        claim_number="TD000001",
        state=ClaimState.READY,
        payer=Payer("Invented Health Plan", "IHP01", Address("PO Box 100", "Salem", "OR", "97301")),
        insurance_type=InsuranceType.GROUP,
        member_id="XJH123456789",
        patient=CLIENT,
        insured=CLIENT,
        relationship="self",
        account_number="C-00042",
        group_number="GRP-7781",
        plan_name="Gold PPO",
        release_signed_on=date(2026, 1, 5),
        assignment_signed_on=date(2026, 1, 5),
        diagnoses=(Diagnosis("F41.1"), Diagnosis("F33.1")),
        lines=tuple(
            ClaimLine(
                charge_id=week + 1,
                date_of_service=first + timedelta(weeks=week),
                pos="11",
                code="90837",
                modifiers=("95",) if week % 2 else (),
                pointers=(1, 2),
                fee_cents=160_00,
                units=1,
            )
            for week in range(lines)
        ),
        rendering=CLINICIAN,
        provider_signed_on=PRINTED,
        billing=CLINICIAN,
        tax_id="12-3456789",
    )


def _figures(samples: list[float]) -> str:
    return f"{statistics.median(samples):8.1f} {percentile(samples, 0.95):8.1f} {min(samples):8.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()

    short, long = _form(2), _form(12)
    steps: dict[str, Callable[[], bytes]] = {
        "(1) 2 lines, plain paper": lambda: render_cms1500(short, printed_on=PRINTED),
        "(2) 12 lines, plain paper": lambda: render_cms1500(long, printed_on=PRINTED),
        "(3) 2 lines, red form": lambda: render_cms1500_red(short, printed_on=PRINTED),
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
    sizes = {name: len(step()) for name, step in steps.items()}

    print("Therapy Desk CMS-1500 benchmark (issue 14)")
    print(f"command:   {shlex.join(sys.orig_argv)}")
    print(f"machine:   {cpu_model()}, {os.cpu_count()} logical CPUs, {memory()} RAM")
    print(f"platform:  {platform.platform()}")
    print(f"python:    {platform.python_version()} ({platform.python_implementation()}), reportlab {reportlab.Version}")
    print("claims:    " + ", ".join(f"{name[4:]} {size:,} bytes" for name, size in sizes.items()))
    print(f"runs:      {args.runs} per step after 1 warm-up; steps take turns")
    print(f"load:      1-minute load average {load_before} before, {load_after} after")
    print()
    print(f"{'step (ms)':<28} {'median':>8} {'p95':>8} {'min':>8}")
    for name, values in samples.items():
        verdict = "   ok" if percentile(values, 0.95) < BUDGET_MS else "   OVER BUDGET"
        print(f"{name:<28} {_figures(values)}{verdict} (budget {BUDGET_MS:.0f} ms)")


if __name__ == "__main__":
    main()
