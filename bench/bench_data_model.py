"""Query times on the large demo vault, encrypted and plain, with the ratio between them.

    python bench/make_large_vault.py DIR            # once: builds DIR/vault and DIR/plain.db
    python bench/bench_data_model.py DIR [--runs N] [--passphrase-stdin]

Times, over N runs (default 30) after one warm-up, on the SQLCipher vault and on the unencrypted copy
of the same synthetic data (same store code, same SQLite build, same connection settings; only the
encryption differs), one step at a time with the two databases taking turns:
  (1) the caseload page: vault.caseload.page(limit=200): first 200 clients by name with next
      appointment, last attended session, unsigned notes, principal diagnosis, payer, balance (20 ms)
  (2) full-text search, top 50 with snippets: vault.search.search(word, limit=50), several words (20 ms)
  (2b) search as you type: the first 2 or 3 letters of those words, the last word matching as a prefix (20 ms)
  (3) one client's chart summary: vault.caseload.chart_summary(client_id), ten clients in turn (10 ms)
and prints median, p95 and min in ms, the ratio encrypted/plain (medians; 2x is the ceiling), the
caseload page as the first query after opening (nothing cached yet; no target), and (4) the build time
that make_large_vault.py measured (2 min). A benchmark reports; it asserts nothing.
Reads write audit events (searches and chart reads are audited) to both databases, as in the app.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as clock
from pathlib import Path
from typing import Any

from stats import cpu_model, load_average, memory, percentile

from therapy_desk.domain.clients import ClientStatus
from therapy_desk.errors import UserError
from therapy_desk.storage import db
from therapy_desk.storage.audit import AuditStore
from therapy_desk.storage.billing import BillingStore
from therapy_desk.storage.caseload import CaseloadStore
from therapy_desk.storage.clients import ClientStore
from therapy_desk.storage.measures import MeasureStore
from therapy_desk.storage.notes import NoteStore
from therapy_desk.storage.plans import PlanStore
from therapy_desk.storage.schedule import ScheduleStore
from therapy_desk.storage.search import SearchStore
from therapy_desk.storage.vault import Vault

BENCH_PASSPHRASE = "therapy desk benchmark vault passphrase"  # as in make_large_vault.py
WORDS = ("anxiety", "sleep", "homework", "panic", "boundaries", "worry")
PREFIXES = ("an", "anx", "sl", "sle", "ho", "hom", "pa", "pan", "bo", "bou", "wo", "wor")
CHART_CLIENTS = 10
FIRST_PAGE_OPENS = 5
BUDGETS_MS = {"caseload": 20.0, "search": 20.0, "typing": 20.0, "chart": 10.0}
BUILD_BUDGET_S = 120.0
RATIO_CEILING = 2.0


@dataclass(frozen=True)
class Stores:
    caseload: CaseloadStore
    search: SearchStore


def _stores(database: db.Database) -> Stores:
    """The stores on one database, wired as `Vault` wires them."""
    audit = AuditStore(database)
    clients = ClientStore(database, audit)
    caseload = CaseloadStore(
        database,
        audit,
        clients=clients,
        schedule=ScheduleStore(database, audit),
        notes=NoteStore(database, audit),
        plans=PlanStore(database, audit),
        billing=BillingStore(database, audit),
        measures=MeasureStore(database, audit),
    )
    return Stores(caseload, SearchStore(database, audit))


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("dir", type=Path, metavar="DIR", help="folder made by make_large_vault.py")
    parser.add_argument("--runs", type=int, default=30, metavar="N", help="timed runs per step (default: 30)")
    parser.add_argument("--passphrase-stdin", action="store_true", help="read the passphrase from standard input")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs needs at least 1")
    return args


def _timed(step: Callable[[Stores, int], Any], stores: Stores, run: int) -> float:
    started = time.perf_counter_ns()
    step(stores, run)
    return (time.perf_counter_ns() - started) / 1e6


def _line(label: str, enc: list[float], plain: list[float], budget: float | None) -> str:
    ratio = statistics.median(enc) / statistics.median(plain)
    text = (
        f"{label:<34} {statistics.median(enc):8.2f} {percentile(enc, 0.95):8.2f} {min(enc):8.2f}   "
        f"{statistics.median(plain):8.2f} {percentile(plain, 0.95):8.2f} {min(plain):8.2f}   {ratio:5.2f}x"
    )
    if budget is not None:
        over = statistics.median(enc) > budget
        text += f"  target {budget:g} ms: {'OVER BUDGET' if over else 'ok'}"
    text += "" if ratio <= RATIO_CEILING else f"  (ratio above {RATIO_CEILING:g}x)"
    return text


def _run(folder: Path, runs: int, passphrase: str) -> int:
    info = json.loads((folder / "bench-vault.json").read_text(encoding="utf-8"))
    os.environ["THERAPY_DESK_HOME"] = str(folder / "home")
    vault = Vault.open(folder / "vault", passphrase)
    plain_path = folder / "plain.db"
    plain = db.Database(db.connect_plain(plain_path), plain_path)
    try:
        encrypted_stores = Stores(vault.caseload, vault.search)
        plain_stores = _stores(plain)
        demo_today = date.fromisoformat(vault.practice.setting("demo.today") or info["today"])
        now = datetime.combine(demo_today, clock(12, 0))
        active = vault.caseload.ids(statuses=[ClientStatus.ACTIVE])
        chart_ids = active[:: max(1, len(active) // CHART_CLIENTS)][:CHART_CLIENTS]
        steps: list[tuple[str, str, Callable[[Stores, int], Any]]] = [
            ("caseload", "(1) caseload page, 200 rows", lambda s, _: s.caseload.page(limit=200, now=now)),
            *(
                ("search", f'(2) search "{word}", top 50', lambda s, _, w=word: s.search.search(w, limit=50))
                for word in WORDS
            ),
            *(
                ("typing", f'(2b) typing "{typed}", top 50', lambda s, _, t=typed: s.search.search(t, limit=50))
                for typed in PREFIXES
            ),
            (
                "chart",
                f"(3) chart summary ({len(chart_ids)} clients)",
                lambda s, run: s.caseload.chart_summary(chart_ids[run % len(chart_ids)], now=now),
            ),
        ]
        samples: dict[str, tuple[list[float], list[float]]] = {label: ([], []) for _, label, _ in steps}
        load_before = load_average()
        # One step at a time (its steady state, as when the view repeats a query); within it the encrypted
        # and the plain database take turns, swapping who goes first, so load changes hit both alike.
        for _, label, step in steps:
            for run in range(runs + 1):
                order = [(0, encrypted_stores), (1, plain_stores)]
                for side, stores in order if run % 2 else reversed(order):
                    elapsed = _timed(step, stores, run)
                    if run > 0:  # run 0 is the warm-up
                        samples[label][side].append(elapsed)
        # The first page after opening: nothing of the vault in SQLite's page cache yet.
        first_page: tuple[list[float], list[float]] = ([], [])
        for _ in range(FIRST_PAGE_OPENS):
            vault.close()
            vault = Vault.open(folder / "vault", passphrase)
            plain.close()
            plain = db.Database(db.connect_plain(plain_path), plain_path)
            first_page[0].append(_timed(steps[0][2], Stores(vault.caseload, vault.search), 0))
            first_page[1].append(_timed(steps[0][2], _stores(plain), 0))
        load_after = load_average()
        cipher = vault.db.conn.execute("PRAGMA cipher_version").fetchone()[0]
        sqlite = vault.db.conn.execute("SELECT sqlite_version()").fetchone()[0]
    finally:
        vault.close()
        plain.close()

    summary = info["summary"]
    print("Therapy Desk data-model benchmark")
    print(f"command:   {shlex.join(sys.orig_argv)}")
    print(f"vault:     {info['command']}")
    print(
        f"           {summary['clients']} clients, {summary['notes']} notes, {summary['appointments']} appointments, "
        f"{summary['charges']} charges, {summary['payments']} payments (seed {info['seed']}, today {info['today']})"
    )
    print(f"machine:   {cpu_model()}, {os.cpu_count()} logical CPUs, {memory()} RAM")
    print(f"platform:  {platform.platform()}")
    print(f"python:    {platform.python_version()} ({platform.python_implementation()})")
    print(f"sqlcipher: {cipher} (SQLite {sqlite}); plain copy: same library, no key")
    print(f"runs:      {runs} per step after 1 warm-up, step by step; encrypted and plain take turns")
    print(f"load:      1-minute load average {load_before} before, {load_after} after")
    print()
    print(f"{'':34} {'encrypted (ms)':^26}   {'plain sqlite (ms)':^26}   ratio")
    print(f"{'step':<34} {'median':>8} {'p95':>8} {'min':>8}   {'median':>8} {'p95':>8} {'min':>8}   (median)")
    kinds = {label: kind for kind, label, _ in steps}
    for label, (enc, plain_samples) in samples.items():
        print(_line(label, enc, plain_samples, BUDGETS_MS[kinds[label]]))
    print(_line(f"(1) caseload page, cold ({FIRST_PAGE_OPENS} opens)", *first_page, None))
    search_enc = [t for label, (e, _) in samples.items() if kinds[label] == "search" for t in e]
    search_plain = [t for label, (_, p) in samples.items() if kinds[label] == "search" for t in p]
    print(_line(f"(2) search, all {len(WORDS)} words", search_enc, search_plain, BUDGETS_MS["search"]))
    typing_enc = [t for label, (e, _) in samples.items() if kinds[label] == "typing" for t in e]
    typing_plain = [t for label, (_, p) in samples.items() if kinds[label] == "typing" for t in p]
    print(_line(f"(2b) typing, all {len(PREFIXES)} prefixes", typing_enc, typing_plain, BUDGETS_MS["typing"]))
    build = float(info["build_seconds"])
    verdict = "ok" if build < BUILD_BUDGET_S else "OVER BUDGET"
    print(f"(4) build_demo, {summary['clients']} clients: {build:.1f} s  target {BUILD_BUDGET_S:g} s: {verdict}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    folder = args.dir.expanduser().absolute()
    if not (folder / "bench-vault.json").is_file():
        print(
            f"bench_data_model: {folder} has no benchmark vault; run bench/make_large_vault.py first", file=sys.stderr
        )
        return 2
    passphrase = sys.stdin.readline().rstrip("\n") if args.passphrase_stdin else BENCH_PASSPHRASE
    try:
        return _run(folder, args.runs, passphrase)
    except UserError as err:
        print(f"bench_data_model: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
