"""Global search as the app runs it, keystroke by keystroke, on the large demo vault.

    python bench/make_large_vault.py DIR            # once: builds DIR/vault
    python bench/bench_search.py DIR [--runs N] [--passphrase-stdin]

The search window (ui/search.py) searches once the query has two letters or digits, after a pause in
typing, off the GUI thread: each search opens a worker handle on the vault (`vault.for_worker()`, its own
connection, closed after), runs `search_results` (vault.search.search with limit 50, then the clients'
names) and hands the results back. For each word below typed one letter at a time ("an", "anx", "anxi"…,
a word of two being typed as "panic at", "panic att"…), this times, over N runs (default 20) after one
untimed warm-up, taking turns within each run:
  (a) worker: what the window waits for after a keystroke: a new worker handle, search_results, close,
      on a thread of its own (as Ops runs it, without Qt's queueing);
  (b) GUI thread: search_results on the vault's open connection (its cache warm), for comparison.
and prints each keystroke's median, p95 and min in ms, then the median and p95 over every keystroke,
against the issue's budget (30 ms after each keystroke). The vault is opened for checking, so an older
vault is not upgraded; each search appends its audit event, as in the app. A benchmark reports; it
asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from stats import cpu_model, load_average, memory, percentile

from therapy_desk.errors import UserError
from therapy_desk.storage.vault import Vault
from therapy_desk.ui.search import search_results, searchable

BENCH_PASSPHRASE = "therapy desk benchmark vault passphrase"  # as in make_large_vault.py
TYPED = ("anxiety", "homework", "sleep", "boundaries", "panic attack")
BUDGET_MS = 30.0  # issue 11: global search results under 30 ms after each keystroke


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("dir", type=Path, metavar="DIR", help="a folder made by make_large_vault.py")
    parser.add_argument("--runs", type=int, default=20, metavar="N", help="timed runs per keystroke (default: 20)")
    parser.add_argument("--passphrase-stdin", action="store_true", help="read the passphrase from standard input")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs needs at least 1")
    return args


def keystrokes(word: str) -> list[str]:
    """The queries the window searches while `word` is typed: from its second letter on."""
    return [word[:end] for end in range(1, len(word) + 1) if searchable(word[:end]) and not word[:end].endswith(" ")]


def _timed(step: Callable[[], object]) -> float:
    started = time.perf_counter_ns()
    step()
    return (time.perf_counter_ns() - started) / 1e6


def _on_worker(vault: Vault, query: str) -> float:
    """(a): a worker handle, the search and its names, closed again, on a thread of its own."""
    elapsed: list[float] = []
    failed: list[BaseException] = []

    def work() -> None:
        try:

            def search() -> None:
                with vault.for_worker() as handle:
                    search_results(handle, query)

            elapsed.append(_timed(search))
        except BaseException as exc:  # reported on the main thread
            failed.append(exc)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    if failed:
        raise failed[0]
    return elapsed[0]


def _figures(samples: list[float]) -> str:
    """Median, p95 and min in ms, in columns."""
    return f"{statistics.median(samples):8.2f} {percentile(samples, 0.95):8.2f} {min(samples):8.2f}"


def _verdict(samples: list[float]) -> str:
    return "ok" if percentile(samples, 0.95) <= BUDGET_MS else "OVER BUDGET"


def _run(folder: Path, runs: int, passphrase: str) -> int:
    os.environ["THERAPY_DESK_HOME"] = str(folder / "home")
    load_before = load_average()
    queries = [query for word in TYPED for query in keystrokes(word)]
    worker: dict[str, list[float]] = {q: [] for q in queries}
    direct: dict[str, list[float]] = {q: [] for q in queries}
    with Vault.open_for_check(folder / "vault", passphrase) as vault:
        cipher = vault.db.conn.execute("PRAGMA cipher_version").fetchone()[0]
        sqlite = vault.db.conn.execute("SELECT sqlite_version()").fetchone()[0]
        notes = int(vault.db.execute("SELECT count(*) FROM notes").fetchone()[0])
        schema = vault.schema_version
        for run in range(runs + 1):  # run 0 is the warm-up
            for query in queries:
                steps = [
                    (worker, lambda q=query: _on_worker(vault, q)),
                    (direct, lambda q=query: _timed(lambda: search_results(vault, q))),
                ]
                for samples, step in steps if run % 2 else reversed(steps):
                    elapsed = step()
                    if run > 0:
                        samples[query].append(elapsed)
    load_after = load_average()

    print("Therapy Desk global search benchmark (keystroke by keystroke)")
    print(f"command:   {shlex.join(sys.orig_argv)}")
    print(f"vault:     schema {schema}, {notes:,} notes")
    print(f"machine:   {cpu_model()}, {os.cpu_count()} logical CPUs, {memory()} RAM")
    print(f"platform:  {platform.platform()}")
    print(f"python:    {platform.python_version()} ({platform.python_implementation()})")
    print(f"sqlcipher: {cipher} (SQLite {sqlite})")
    print(f"runs:      {runs} per keystroke after 1 warm-up; (a) and (b) take turns")
    print(f"load:      1-minute load average {load_before} before, {load_after} after")
    print()
    print(f"{'':22} {'(a) worker, as the window':^26}   {'(b) GUI thread':^26}")
    print(f"{'typed (ms)':<22} {'median':>8} {'p95':>8} {'min':>8}   {'median':>8} {'p95':>8} {'min':>8}")
    for query in queries:
        over = "" if _verdict(worker[query]) == "ok" else "   (a) over budget"
        print(f"{query!r:<22} {_figures(worker[query])}   {_figures(direct[query])}{over}")
    print()
    for label, samples in (("(a) worker", worker), ("(b) GUI thread", direct)):
        every = [x for keystroke in samples.values() for x in keystroke]
        print(f"{label + ', every key':<25} {_figures(every)}   budget {BUDGET_MS:.0f} ms at p95: {_verdict(every)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    folder = args.dir.expanduser().absolute()
    if not (folder / "vault").is_dir():
        print(f"bench_search: {folder} has no vault; make it with bench/make_large_vault.py", file=sys.stderr)
        return 2
    passphrase = sys.stdin.readline().rstrip("\n") if args.passphrase_stdin else BENCH_PASSPHRASE
    try:
        return _run(folder, args.runs, passphrase)
    except UserError as err:
        print(f"bench_search: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
