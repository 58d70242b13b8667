"""Scrub plus 837P for a payer's batch of claims, from domain values to checked file text (issue 14).

    python bench/bench_x12.py [--runs N] [--claims N] [--lines N]

Builds `--claims` invented claims (default 500) of `--lines` weekly sessions each (default 4), by hand (no
vault), all to one payer: a third of them for a child of the subscriber (the 2000C loop), a fifth billed
under a group NPI (2310B), two diagnoses each. Each run times the whole export: `claim_scrub.scrub` of every
form against the ICD-10-CM code set, `claims.x12.write_837p` of the batch and `claims.x12.check_837p` of the
text, after one untimed warm-up (which also loads the code set, once per process). The three steps are also
reported alone. Budget: scrub plus 837P for 500 claims under 5 s. A benchmark reports numbers; it asserts
nothing.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import statistics
import sys
import time
from datetime import date, datetime, timedelta

from stats import cpu_model, load_average, memory, percentile

from therapy_desk.claims.x12 import Envelope, check_837p, write_837p
from therapy_desk.domain.claim_scrub import blocking, scrub
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
from therapy_desk.domain.icd10cm import code_set

BUDGET_MS = 5000.0
PRACTICE = Address("410 Alder Street Suite 3", "Portland", "OR", "97205-1234")
CLINICIAN = Provider(
    "Clinician", "Benchmark", credentials="LCSW", npi="1234567893", taxonomy="1041C0700X", address=PRACTICE,
    phone="(503) 555-0142",
)  # fmt: skip
GROUP = Provider(
    "Benchmark Counseling Group", npi="1987654328", organization=True, taxonomy="251S00000X", address=PRACTICE,
    phone="(503) 555-0100",
)  # fmt: skip
PAYER = Payer("Invented Health Plan", "IHP01", Address("PO Box 100", "Salem", "OR", "97301"))
ENVELOPE = Envelope(
    control_number=1, created=datetime(2026, 4, 1, 9, 0), submitter_name="Benchmark Counseling",
    submitter_id="BENCH01", submitter_contact="Benchmark Clinician", submitter_phone="(503) 555-0142",
    receiver_name="Invented Clearinghouse", receiver_id="ICH01",
)  # fmt: skip


def _form(number: int, lines: int) -> ClaimForm:
    home = Address(f"{number} Birch Lane", "Beaverton", "OR", "97005")
    client = Person(f"Client{number}", "Invented", dob=date(1980 + number % 30, 1 + number % 12, 1), sex="F",
                    address=home)  # fmt: skip
    child = number % 3 == 0
    insured = Person(f"Parent{number}", "Invented", dob=date(1965, 5, 5), sex="M", address=home) if child else client
    first = date(2026, 3, 2) + timedelta(days=number % 5)
    rows = tuple(
        ClaimLine(
            charge_id=number * 10 + week,
            date_of_service=first + timedelta(weeks=week),
            pos="11",
            code="90837",
            modifiers=(),
            pointers=(1, 2),
            fee_cents=160_00,
            units=1,
            description="Psychotherapy, 60 min",
        )
        for week in range(lines)
    )
    return ClaimForm(
        claim_id=number, claim_number=f"TD{number:06d}", state=ClaimState.READY, payer=PAYER,
        insurance_type=InsuranceType.GROUP, member_id=f"IHP{number:09d}", patient=client, insured=insured,
        relationship="child" if child else "self", account_number=f"C-{number:05d}", group_number="GRP-7781",
        release_signed_on=date(2026, 1, 5), assignment_signed_on=date(2026, 1, 5),
        diagnoses=(Diagnosis("F41.1", onset=date(2025, 12, 1)), Diagnosis("F33.1", onset=date(2025, 12, 1))),
        lines=rows, rendering=CLINICIAN, provider_signed_on=date(2026, 3, 31),
        billing=GROUP if number % 5 == 0 else CLINICIAN, tax_id="12-3456789",
    )  # fmt: skip


def _export(forms: list[ClaimForm]) -> tuple[float, float, float, str]:
    codes = code_set()
    start = time.perf_counter()
    refused = [form.claim_number for form in forms if blocking(scrub(form, codes))]
    scrubbed = time.perf_counter()
    text = write_837p(forms, ENVELOPE)
    written = time.perf_counter()
    findings = check_837p(text, forms)
    checked = time.perf_counter()
    if refused or findings:  # the batch is built clean: a finding means the benchmark measures the wrong thing
        raise SystemExit(f"unexpected findings: {refused[:3]} {findings[:3]}")
    return (scrubbed - start) * 1000, (written - scrubbed) * 1000, (checked - written) * 1000, text


def _figures(samples: list[float]) -> str:
    return f"{statistics.median(samples):8.1f} {percentile(samples, 0.95):8.1f} {min(samples):8.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--claims", type=int, default=500)
    parser.add_argument("--lines", type=int, default=4, help="service lines per claim (default 4)")
    args = parser.parse_args()

    forms = [_form(number, args.lines) for number in range(1, args.claims + 1)]
    load_before = load_average()
    *_, text = _export(forms)  # warm-up: the ICD-10-CM code set loaded
    samples: dict[str, list[float]] = {"scrub": [], "write_837p": [], "check_837p": [], "total": []}
    for _ in range(args.runs):
        scrub_ms, write_ms, check_ms, _text = _export(forms)
        samples["scrub"].append(scrub_ms)
        samples["write_837p"].append(write_ms)
        samples["check_837p"].append(check_ms)
        samples["total"].append(scrub_ms + write_ms + check_ms)
    load_after = load_average()

    print("Therapy Desk 837P benchmark (issue 14)")
    print(f"command:   {shlex.join(sys.orig_argv)}")
    print(f"machine:   {cpu_model()}, {os.cpu_count()} logical CPUs, {memory()} RAM")
    print(f"platform:  {platform.platform()}")
    print(f"python:    {platform.python_version()} ({platform.python_implementation()})")
    print(f"batch:     {args.claims} claims of {args.lines} lines, one payer; file of {len(text):,} bytes, "
          f"{text.count('~'):,} segments")  # fmt: skip
    print(f"runs:      {args.runs} after 1 warm-up")
    print(f"load:      1-minute load average {load_before} before, {load_after} after")
    print()
    print(f"{'step (ms)':<28} {'median':>8} {'p95':>8} {'min':>8}")
    for name, values in samples.items():
        verdict = ""
        if name == "total":
            verdict = "   ok" if percentile(values, 0.95) < BUDGET_MS else "   OVER BUDGET"
            verdict += f" (budget {BUDGET_MS:.0f} ms for scrub plus 837P)"
        print(f"{name:<28} {_figures(values)}{verdict}")


if __name__ == "__main__":
    main()
