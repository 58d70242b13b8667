"""Chart export of one client with a long record (issue 16): gather from the vault, render the PDF.

    python bench/bench_chart_export.py [--runs N] [--notes N] [--vault DIR]

Creates a vault in a temp folder with the real calibrated KDF (or opens DIR, built there if new) holding one
invented client with a signed treatment plan, two diagnoses, monthly PHQ-9s and `--notes` signed weekly SOAP
notes (default 310, each with about 2,400 characters of text and every fifth with an addendum): a chart copy
of about 200 pages. Built through the stores, as the app writes them. Then times over N runs (default 3),
after one untimed warm-up:

- gather: what the copy holds read through the stores (records.chart_export.chart_document);
- render: the PDF laid out and written to bytes (templates.chart_export.render);
- export: the two together, the budget (a 200-page chart under 5 s).

Nothing is written to disk but the vault. A benchmark reports numbers; it asserts nothing.
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
from datetime import time as clock
from pathlib import Path

from stats import cpu_model, load_average, memory, percentile

from therapy_desk.documents.issue import page_count
from therapy_desk.domain.clients import Client
from therapy_desk.domain.notes import Note, NoteFormat, NoteKind, sections
from therapy_desk.domain.plans import Goal, Intervention, Modality, Objective, Problem, TreatmentPlan
from therapy_desk.records.chart_export import chart_document
from therapy_desk.storage.vault import Vault
from therapy_desk.templates import chart_export as chart_template

PASSPHRASE = "therapy desk chart export benchmark passphrase"
BUDGET_S = 5.0
SIGNER = "Maya Okafor, LCSW"
_SENTENCE = "The client described the week's stressors and practised the skills agreed on last session. "


def _text(week: int, sentences: int) -> str:
    return f"Week {week}. " + "\n".join(_SENTENCE * 3 for _ in range(sentences // 3))


def _build(vault: Vault, notes: int) -> int:
    first = date.today() - timedelta(weeks=notes + 1)
    client = vault.clients.create(Client("Avery", "Lindqvist", date(1984, 5, 17), intake_date=first))
    assert client.id is not None
    cid = client.id
    vault.clients.add_diagnosis(cid, "F41.1", onset=first)
    vault.clients.add_diagnosis(cid, "F32.1", onset=first)
    goal = Goal(
        "Reduce worry to a manageable level",
        objectives=(Objective("GAD-7 below 10", first + timedelta(days=90)),),
        interventions=(Intervention(Modality.CBT, "Worry exposure and cognitive restructuring"),),
    )
    plan = vault.plans.create_draft(cid, TreatmentPlan(first, (Problem("Generalized worry", (goal,)),),
                                                       frequency="weekly 53-minute psychotherapy",
                                                       participation="Written with the client."))  # fmt: skip
    assert plan.id is not None
    vault.plans.sign(plan.id, SIGNER)
    for week in range(notes):
        day = first + timedelta(weeks=week)
        texts = {name: _text(week, 6) for name in ("Subjective", "Objective", "Assessment", "Plan")}
        draft = vault.notes.save_draft(
            Note(cid, NoteKind.PROGRESS, NoteFormat.SOAP, day, clock(9, 0), clock(9, 53),
                 sections(NoteFormat.SOAP, texts))
        )  # fmt: skip
        assert draft.id is not None
        vault.notes.sign(draft.id, SIGNER, now=datetime.combine(day, clock(17, 0)))
        if week % 5 == 0:
            vault.notes.add_addendum(draft.id, "Addendum: the client called to confirm the next session.", SIGNER)
        if week % 4 == 0:
            vault.measures.record(cid, "PHQ-9", [1, 1, 1, 1, 0, 1, 1, 0, 0], day, today=date.today())
    return cid


def _vault(folder: Path, notes: int) -> tuple[Vault, int]:
    if (folder / "vault.db").exists():
        vault = Vault.open(folder, PASSPHRASE)
        return vault, vault.caseload.ids()[0]
    vault, _ = Vault.create(folder, PASSPHRASE)
    return vault, _build(vault, notes)


def _figures(values: list[float]) -> str:
    return f"{statistics.median(values):>8.2f} {percentile(values, 0.95):>8.2f} {min(values):>8.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--notes", type=int, default=310)
    parser.add_argument("--vault", type=Path, help="a benchmark vault to reuse (built there when new)")
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="td-bench-chart-")
    os.environ["THERAPY_DESK_HOME"] = home
    folder = args.vault or Path(home) / "vault"
    started = time.perf_counter()
    vault, client_id = _vault(folder, args.notes)
    built_s = time.perf_counter() - started

    def export() -> tuple[float, float, int, int]:
        t0 = time.perf_counter()
        doc = chart_document(vault, client_id)
        t1 = time.perf_counter()
        pdf = chart_template.render(doc)
        t2 = time.perf_counter()
        return t1 - t0, t2 - t1, page_count(pdf), len(pdf)

    _, _, pages, size = export()  # warm-up
    load_before = load_average()
    timings: dict[str, list[float]] = {"gather": [], "render": [], "export": []}
    for _ in range(args.runs):
        gather_s, render_s, _, _ = export()
        timings["gather"].append(gather_s)
        timings["render"].append(render_s)
        timings["export"].append(gather_s + render_s)
    load_after = load_average()
    notes = len(vault.notes.for_export(client_id).notes)
    vault.close()
    print("Therapy Desk chart export benchmark (issue 16)")
    print(f"command:   {shlex.join(sys.orig_argv)}")
    print(f"machine:   {cpu_model()}, {os.cpu_count()} logical CPUs, {memory()} RAM")
    print(f"platform:  {platform.platform()}")
    print(f"python:    {platform.python_version()} ({platform.python_implementation()})")
    print(f"vault:     one client, {notes} signed notes (ready in {built_s:.0f} s)")
    print(f"chart:     {pages} pages, {size:,} bytes of PDF")
    print(f"runs:      {args.runs} after 1 warm-up")
    print(f"load:      1-minute load average {load_before} before, {load_after} after")
    print()
    print(f"{'step (s)':<28} {'median':>8} {'p95':>8} {'min':>8}")
    for name, values in timings.items():
        verdict = ""
        if name == "export":
            verdict = f"  {'ok' if statistics.median(values) <= BUDGET_S else 'OVER BUDGET'} (budget {BUDGET_S:.0f} s)"
        print(f"{name:<28} {_figures(values)}{verdict}")


if __name__ == "__main__":
    main()
