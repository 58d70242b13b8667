"""The whole-practice exit archive (issue 16): every table as CSV and JSON, README, vault-format document and
SHA-256 manifest, written as a folder, once without chart PDFs and once as the app writes it, with each
client's real chart copy (gathered here, laid out on every core: records.chart_export.CHART_WRITER).

    python bench/bench_archive.py [--vault DIR] [--clients N] [--years Y] [--zip] [--keep]

With --vault, opens a benchmark vault made by bench/make_large_vault.py (its fixed passphrase; the archive's
audit event is written into it, so point it at a copy you can spare); otherwise builds a demo practice of
--clients invented clients over --years years (default 1,000 clients, 3 years) in a temp folder. Prints the
time of each archive, its rows, files and size, and the figure scaled to 10,000 clients (linearly by clients:
an estimate when the vault is smaller, said so). The budget: 10,000 clients under 10 minutes. A benchmark
reports numbers; it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import shutil
import sys
import tempfile
import time
from pathlib import Path

from make_large_vault import BENCH_PASSPHRASE
from stats import cpu_model, load_average, memory

from therapy_desk.demo.builder import build_demo
from therapy_desk.records.archive import ArchiveSummary, write_archive
from therapy_desk.records.chart_export import CHART_WRITER
from therapy_desk.storage.vault import Vault

BUDGET_S = 600.0
BUDGET_CLIENTS = 10_000


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vault", type=Path, help="a benchmark vault from make_large_vault.py (a copy to spare)")
    parser.add_argument("--clients", type=int, default=1_000)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--zip", action="store_true", help="also time the AES-256 zip (no PDFs)")
    parser.add_argument("--keep", action="store_true", help="leave the archives in the temp folder")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="td-bench-archive-"))
    os.environ["THERAPY_DESK_HOME"] = str(home / "home")
    started = time.perf_counter()
    if args.vault:
        vault = Vault.open(args.vault, BENCH_PASSPHRASE)
        source = f"benchmark vault {args.vault}"
    else:
        vault, _ = Vault.create(home / "vault", BENCH_PASSPHRASE)
        build_demo(vault, clients=args.clients, years=args.years, seed=16)
        source = f"demo of {args.clients:,} clients, {args.years} years, built here"
    ready_s = time.perf_counter() - started
    clients = vault.db.execute("SELECT count(*) FROM clients").fetchone()[0]
    runs: list[tuple[str, ArchiveSummary, float, int]] = []
    load_before = load_average()
    variants: list[tuple[str, object, str | None]] = [
        ("folder, no PDFs", None, None),
        ("folder, chart copies", CHART_WRITER, None),
    ]
    if args.zip:
        variants.append(("AES-256 zip, no PDFs", None, "bench zip password"))
    for number, (name, chart, password) in enumerate(variants):
        target = home / (f"archive-{number}.zip" if password else f"archive-{number}")
        t0 = time.perf_counter()
        summary = write_archive(
            vault, target, client_id=None, chart_pdf=chart,  # type: ignore[arg-type]
            include_psychotherapy_notes=False, password=password,
        )  # fmt: skip
        runs.append((name, summary, time.perf_counter() - t0, _size(target)))
        if not args.keep:
            shutil.rmtree(target, ignore_errors=True) if target.is_dir() else target.unlink(missing_ok=True)
    load_after = load_average()
    vault.close()
    print("Therapy Desk exit archive benchmark (issue 16)")
    print(f"command:   {shlex.join(sys.orig_argv)}")
    print(f"machine:   {cpu_model()}, {os.cpu_count()} logical CPUs, {memory()} RAM")
    print(f"platform:  {platform.platform()}")
    print(f"python:    {platform.python_version()} ({platform.python_implementation()})")
    print(f"vault:     {source}; {clients:,} clients (ready in {ready_s:.0f} s)")
    print(f"load:      1-minute load average {load_before} before, {load_after} after")
    print()
    scale = BUDGET_CLIENTS / clients if clients else 0.0
    note = "" if clients >= BUDGET_CLIENTS else " (estimate: scaled linearly by clients)"
    print(f"{'archive':<26} {'seconds':>8} {'rows':>11} {'files':>7} {'MB':>8} {'10k clients (s)':>16}")
    for name, summary, seconds, size in runs:
        projected = seconds * scale
        verdict = "ok" if projected <= BUDGET_S else "OVER BUDGET"
        print(
            f"{name:<26} {seconds:>8.1f} {summary.rows:>11,} {summary.files:>7,} {size / 1e6:>8.1f} "
            f"{projected:>16.0f}  {verdict} (budget {BUDGET_S:.0f}){note}"
        )
    if args.keep:
        print(f"\narchives kept in {home}")
    else:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
