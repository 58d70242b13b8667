"""The ledger (issue 13) on the large vault: one client's ledger with 500 sessions, and practice-wide aging.

    cp -a DIR/vault /tmp/copy                       # a COPY: this writes into the vault it is given
    python bench/bench_billing.py /tmp/copy [--runs N]

Opening the copy with this code upgrades its schema (migration 14). The client with the most charges is
brought to 500 charges (invented sessions, each with a card payment for part of the fee and, every fifth,
a courtesy write-off), then, over N runs (default 20) after one untimed warm-up, it times:
  (1) `vault.billing.ledger(client_id)` for that client (budget 30 ms);
  (2) `vault.billing.aging(today)` over the whole practice (budget 200 ms).
A benchmark reports numbers; it asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from stats import percentile

BENCH_PASSPHRASE = "therapy desk benchmark vault passphrase"  # as in make_large_vault.py
SESSIONS = 500
BUDGETS = {"ledger": 30.0, "aging": 200.0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("vault", type=Path, metavar="VAULT", help="a COPY of a vault made by make_large_vault.py")
    parser.add_argument("--runs", type=int, default=20, metavar="N", help="timed runs per step (default: 20)")
    args = parser.parse_args(argv)

    from therapy_desk.domain.billing import Payment, PaymentMethod
    from therapy_desk.domain.ledger import WriteOffReason
    from therapy_desk.storage.billing import CHARGE_NEEDS_SIGNED_NOTE
    from therapy_desk.storage.vault import Vault

    started = time.perf_counter()
    with Vault.open(args.vault, BENCH_PASSPHRASE) as vault:
        print(f"opened (and upgraded) in {time.perf_counter() - started:.1f} s", flush=True)
        vault.practice.set_setting(CHARGE_NEEDS_SIGNED_NOTE, "0")
        client_id, count = vault.db.execute(
            "SELECT client_id, count(*) FROM charges GROUP BY client_id ORDER BY 2 DESC LIMIT 1"
        ).fetchone()
        today = date.today()
        with vault.db.transaction():
            for n in range(count, SESSIONS):
                day = date(2005, 1, 3) + timedelta(days=n * 2)  # before the practice's own history
                charge = vault.billing.add_charge(
                    client_id, day, "90834", fee_cents=15_000, billable_to_insurance=False, today=today
                )
                vault.billing.record_payment(
                    Payment(client_id, day, 10_000, PaymentMethod.CARD), [(charge.id, 10_000)], today=today
                )
                if n % 5 == 0:
                    vault.billing.write_off(charge.id, 1_000, WriteOffReason.COURTESY, on=day, today=today)
        charges = vault.db.execute("SELECT count(*) FROM charges").fetchone()[0]
        clients = vault.db.execute("SELECT count(*) FROM clients").fetchone()[0]
        print(f"client {client_id}: {SESSIONS} charges; practice: {clients:,} clients, {charges:,} charges", flush=True)
        times: dict[str, list[float]] = {"ledger": [], "aging": []}
        rows = len(vault.billing.ledger(client_id))
        owing = len(vault.billing.aging(today).rows)
        for _ in range(args.runs):
            t0 = time.perf_counter()
            vault.billing.ledger(client_id)
            t1 = time.perf_counter()
            vault.billing.aging(today)
            t2 = time.perf_counter()
            times["ledger"].append((t1 - t0) * 1000)
            times["aging"].append((t2 - t1) * 1000)
    print(f"ledger rows {rows:,}; aging rows (clients owing or in credit) {owing:,}")
    for step, values in times.items():
        median, p95 = statistics.median(values), percentile(values, 0.95)
        verdict = "ok" if p95 <= BUDGETS[step] else "OVER"
        print(f"{step:<7} median {median:7.1f} ms  p95 {p95:7.1f} ms  max {max(values):7.1f} ms  "
              f"(budget {BUDGETS[step]:.0f} ms: {verdict})")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
