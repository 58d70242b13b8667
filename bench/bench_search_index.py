"""Two benchmark vaults of the same practice, side by side: their size, and search on each, taking turns.

    python bench/make_large_vault.py A --today 2026-03-02      # with one version (say, schema 9)
    python bench/make_large_vault.py B --today 2026-03-02      # with another (schema 10)
    python bench/bench_search_index.py A B [--runs N] [--passphrase-stdin]

Made for changes to the search index: schema 10 made it an FTS5 external-content index, which keeps no
copy of the text it indexes. Prints, for each vault, its schema, vault.db's size and the size per
10,000 notes, the index's own bytes (its b-tree of words and positions) and the bytes of the text it
kept a copy of (none from schema 10). Then times vault.search.search(query, limit=50) on both, the two
taking turns within each run, over N runs (default 30) after one warm-up: whole words (prefix=False)
and the first two or three letters of them as typed (the last word a prefix). Both vaults are opened
for checking, so neither is upgraded; each search appends its audit event, as in the app. A benchmark
reports; it asserts nothing.
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
from pathlib import Path

from stats import cpu_model, load_average, memory, percentile

from therapy_desk.errors import UserError
from therapy_desk.storage.vault import Vault

BENCH_PASSPHRASE = "therapy desk benchmark vault passphrase"  # as in make_large_vault.py
WORDS = ("anxiety", "sleep", "homework", "panic", "boundaries", "worry")  # as in bench_data_model.py
PREFIXES = ("an", "anx", "sl", "sle", "ho", "hom", "pa", "pan", "bo", "bou", "wo", "wor")
MB = 1_000_000


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("a", type=Path, metavar="A", help="a folder made by make_large_vault.py")
    parser.add_argument("b", type=Path, metavar="B", help="another, of the same practice")
    parser.add_argument("--runs", type=int, default=30, metavar="N", help="timed runs per query (default: 30)")
    parser.add_argument("--passphrase-stdin", action="store_true", help="read the passphrase from standard input")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs needs at least 1")
    return args


def _one(vault: Vault, sql: str) -> int:
    return int(vault.db.execute(sql).fetchone()[0] or 0)


def _size_line(name: str, vault: Vault) -> str:
    notes = _one(vault, "SELECT count(*) FROM notes")
    size = vault.db_path.stat().st_size
    free = _one(vault, "PRAGMA freelist_count") * _one(vault, "PRAGMA page_size")
    index = _one(vault, "SELECT sum(length(block)) FROM search_index_data")
    has_copy = _one(vault, "SELECT count(*) FROM sqlite_master WHERE name = 'search_index_content'")
    copy = (
        _one(vault, "SELECT sum(length(c0) + length(c1) + length(c2) + length(c3)) FROM search_index_content")
        if has_copy
        else 0
    )
    return (
        f"{name}: schema {vault.schema_version}, {notes:,} notes, vault.db {size / MB:,.0f} MB "
        f"({size / MB / notes * 10_000:.1f} MB per 10,000 notes; {free / MB:,.0f} MB of it free pages); "
        f"search index {index / MB:,.0f} MB, its copy of the text {copy / MB:,.0f} MB"
    )


def _timed(search: Callable[[], object]) -> float:
    started = time.perf_counter_ns()
    search()
    return (time.perf_counter_ns() - started) / 1e6


def _run(a: Path, b: Path, runs: int, passphrase: str) -> int:
    os.environ["THERAPY_DESK_HOME"] = str(a / "home")
    load_before = load_average()
    with Vault.open_for_check(a / "vault", passphrase) as va, Vault.open_for_check(b / "vault", passphrase) as vb:
        sizes = [_size_line("A", va), _size_line("B", vb)]
        cipher = va.db.conn.execute("PRAGMA cipher_version").fetchone()[0]
        sqlite = va.db.conn.execute("SELECT sqlite_version()").fetchone()[0]
        queries = [(word, False) for word in WORDS] + [(typed, True) for typed in PREFIXES]
        samples: dict[tuple[str, bool], tuple[list[float], list[float]]] = {q: ([], []) for q in queries}
        for query, prefix in queries:
            steps = [
                (side, lambda v=vault, q=query, p=prefix: v.search.search(q, limit=50, prefix=p))
                for side, vault in ((0, va), (1, vb))
            ]
            for run in range(runs + 1):
                for side, step in steps if run % 2 else reversed(steps):
                    elapsed = _timed(step)
                    if run > 0:  # run 0 is the warm-up
                        samples[(query, prefix)][side].append(elapsed)
    load_after = load_average()

    print("Therapy Desk search index benchmark")
    print(f"command:   {shlex.join(sys.orig_argv)}")
    print(f"machine:   {cpu_model()}, {os.cpu_count()} logical CPUs, {memory()} RAM")
    print(f"platform:  {platform.platform()}")
    print(f"python:    {platform.python_version()} ({platform.python_implementation()})")
    print(f"sqlcipher: {cipher} (SQLite {sqlite})")
    print(f"runs:      {runs} per query after 1 warm-up; A and B take turns")
    print(f"load:      1-minute load average {load_before} before, {load_after} after")
    for line in sizes:
        print(line)
    print()
    print(f"{'':24} {'A (ms)':^26}   {'B (ms)':^26}   B/A")
    print(f"{'search, top 50':<24} {'median':>8} {'p95':>8} {'min':>8}   {'median':>8} {'p95':>8} {'min':>8}")
    for (query, prefix), (in_a, in_b) in samples.items():
        label = f'{"typed" if prefix else "word"} "{query}"'
        print(
            f"{label:<24} {statistics.median(in_a):8.2f} {percentile(in_a, 0.95):8.2f} {min(in_a):8.2f}   "
            f"{statistics.median(in_b):8.2f} {percentile(in_b, 0.95):8.2f} {min(in_b):8.2f}   "
            f"{statistics.median(in_b) / statistics.median(in_a):5.2f}x"
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    a, b = (folder.expanduser().absolute() for folder in (args.a, args.b))
    for folder in (a, b):
        if not (folder / "vault").is_dir():
            print(f"bench_search_index: {folder} has no vault; make it with bench/make_large_vault.py", file=sys.stderr)
            return 2
    passphrase = sys.stdin.readline().rstrip("\n") if args.passphrase_stdin else BENCH_PASSPHRASE
    try:
        return _run(a, b, args.runs, passphrase)
    except UserError as err:
        print(f"bench_search_index: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
