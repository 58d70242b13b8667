"""Build the benchmark vault: a demo practice of N clients (default 10,000, about 25 notes each),
and an UNENCRYPTED copy of the same synthetic data for bench_data_model.py's ratio comparison.

    python bench/make_large_vault.py DIR [--clients N] [--years Y] [--seed S] [--today YYYY-MM-DD]
                                         [--passphrase-stdin]

Writes DIR/vault (a real vault: Argon2id calibrated on this machine, SQLCipher), DIR/plain.db (plain
SQLite, made with sqlcipher_export; synthetic data only, never a real vault) and DIR/bench-vault.json
(the parameters and the build time, which bench_data_model.py prints). DIR must be new or empty.
The passphrase is a fixed benchmark passphrase unless --passphrase-stdin gives one.

It reports the build time of `build_demo` alone (vault creation and its key derivation excluded), the
counts it made, and the sizes of both files. A benchmark reports numbers; it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
from datetime import date
from pathlib import Path

from therapy_desk.demo.builder import build_demo, export_plain_benchmark_copy
from therapy_desk.errors import UserError
from therapy_desk.storage.vault import Vault

BUILD_BUDGET_S = 120.0
# Not a secret: it protects a vault of invented people made for benchmarks.
BENCH_PASSPHRASE = "therapy desk benchmark vault passphrase"
VAULT_DIR = "vault"
PLAIN_DB = "plain.db"
INFO_FILE = "bench-vault.json"


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("dir", type=Path, metavar="DIR", help="new or empty folder for the benchmark vault")
    parser.add_argument("--clients", type=int, default=10_000, metavar="N", help="clients (default: 10000)")
    parser.add_argument("--years", type=int, default=3, metavar="Y", help="years of history (default: 3)")
    parser.add_argument("--seed", type=int, default=1, metavar="S", help="demo seed (default: 1)")
    parser.add_argument("--today", type=date.fromisoformat, default=None, metavar="YYYY-MM-DD", help="the demo's today")
    parser.add_argument("--passphrase-stdin", action="store_true", help="read the vault passphrase from standard input")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    folder = args.dir.expanduser().absolute()
    if folder.exists() and any(folder.iterdir()):
        print(f"make_large_vault: {folder} is not empty; choose a new folder", file=sys.stderr)
        return 2
    passphrase = sys.stdin.readline().rstrip("\n") if args.passphrase_stdin else BENCH_PASSPHRASE
    folder.mkdir(parents=True, exist_ok=True)
    # Everything the app writes on its own (state, config) stays in the benchmark's folder.
    os.environ["THERAPY_DESK_HOME"] = str(folder / "home")
    today = args.today or date.today()
    print(f"command: {shlex.join(sys.orig_argv)}")
    try:
        vault, _code = Vault.create(folder / VAULT_DIR, passphrase)
    except UserError as err:
        print(f"make_large_vault: {err}", file=sys.stderr)
        return 2
    last_shown = [0.0]
    started = time.perf_counter()

    def progress(done: int, total: int) -> None:
        if time.perf_counter() - last_shown[0] >= 10 or done == total:
            last_shown[0] = time.perf_counter()
            print(f"  {done:>6} / {total} clients  {time.perf_counter() - started:7.1f} s", flush=True)

    try:
        summary = build_demo(
            vault, clients=args.clients, years=args.years, seed=args.seed, today=today, progress=progress
        )
        build_s = time.perf_counter() - started
        export_started = time.perf_counter()
        export_plain_benchmark_copy(vault, folder / PLAIN_DB)
        export_s = time.perf_counter() - export_started
    except UserError as err:
        print(f"make_large_vault: {err}", file=sys.stderr)
        return 2
    finally:
        vault.close()
    info = {
        "command": shlex.join(sys.orig_argv),
        "clients": args.clients,
        "years": args.years,
        "seed": args.seed,
        "today": today.isoformat(),
        "build_seconds": round(build_s, 2),
        "cpu_count": os.cpu_count(),
        "load_average_after": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "summary": {k: v for k, v in summary.__dict__.items() if isinstance(v, int)},
    }
    (folder / INFO_FILE).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    vault_mb = sum(p.stat().st_size for p in (folder / VAULT_DIR).iterdir() if p.is_file()) / 1e6
    plain_mb = (folder / PLAIN_DB).stat().st_size / 1e6
    verdict = "ok" if build_s < BUILD_BUDGET_S else "OVER BUDGET"
    print(
        f"built {summary.clients} clients, {summary.notes} notes ({summary.draft_notes} drafts), "
        f"{summary.appointments} appointments, {summary.plans} plan versions, {summary.measures} measures, "
        f"{summary.charges} charges, {summary.payments} payments, {summary.units} couples/families/groups"
    )
    print(f"build_demo: {build_s:.1f} s  budget {BUILD_BUDGET_S:g} s: {verdict}")
    print(f"plain copy: {export_s:.1f} s")
    print(f"vault: {folder / VAULT_DIR} ({vault_mb:.0f} MB)   plain copy: {folder / PLAIN_DB} ({plain_mb:.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
