"""The billing commands that read the ledger: `ledger --client ID` and `aging` (cli.py registers them with
`add_billing_commands`). Money is printed as $1,234.56; JSON carries whole cents."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any, TextIO

from therapy_desk.cli_folders import vault_dir
from therapy_desk.cli_parser import EXIT_OK, CommandParser
from therapy_desk.cli_records import _told
from therapy_desk.domain.billing import format_cents
from therapy_desk.domain.ledger import AGING_BUCKETS
from therapy_desk.domain.text import plural
from therapy_desk.errors import UserError
from therapy_desk.storage.vault import Vault

if TYPE_CHECKING:
    from therapy_desk.cli import Secrets

AddCommand = Callable[..., CommandParser]


def _cmd_ledger(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    passphrase = secrets.ask("Passphrase: ")
    with _told(Vault.open(vault_dir(args.vault), passphrase)) as vault:
        rows = vault.billing.ledger(args.client)
        balance = vault.billing.balance(args.client)
    if args.json:
        payload: dict[str, Any] = {
            "client_id": args.client,
            "balance_cents": balance.net_cents,
            "due_cents": balance.due_cents,
            "credit_cents": balance.credit_cents,
            "rows": [
                {
                    "date": r.on.isoformat(),
                    "kind": r.kind.value,
                    "id": r.id,
                    "code": r.code,
                    "description": r.description,
                    "amount_cents": r.amount_cents,
                    "change_cents": r.change_cents,
                    "voided": r.voided,
                    "reversed": r.reversed,
                    "reverses_id": r.reverses_id,
                    "charge_id": r.charge_id,
                    "running_balance_cents": r.running_balance_cents,
                    "credit_cents": r.credit_cents,
                }
                for r in rows
            ],
        }
        json.dump(payload, out, ensure_ascii=False, indent=2)
        out.write("\n")
        return EXIT_OK
    for r in rows:
        mark = " (void)" if r.voided else " (reversed)" if r.reversed else ""
        out.write(
            f"{r.on.isoformat()}  {r.kind.value:<10} {r.code:<13.13} {r.description + mark:<44.44} "
            f"{format_cents(r.change_cents):>12} {format_cents(r.running_balance_cents):>12}\n"
        )
    out.write(
        f"{plural(len(rows), 'row')}; balance {format_cents(balance.net_cents)} "
        f"(due {format_cents(balance.due_cents)}, credit {format_cents(balance.credit_cents)})\n"
    )
    return EXIT_OK


def _cmd_aging(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    try:
        as_of = date.fromisoformat(args.as_of) if args.as_of else date.today()
    except ValueError:
        raise UserError("--as-of is a date written YYYY-MM-DD.") from None
    passphrase = secrets.ask("Passphrase: ")
    with _told(Vault.open(vault_dir(args.vault), passphrase)) as vault:
        aging = vault.billing.aging(as_of)
    if args.json:
        payload = {
            "as_of": as_of.isoformat(),
            "buckets": list(AGING_BUCKETS),
            "totals_cents": aging.totals,
            "client_cents": aging.client_totals,
            "insurance_cents": aging.insurance_totals,
            "credit_cents": aging.credit_cents,
            "net_cents": aging.net_cents,
            "clients": [
                {
                    "client_id": r.client_id,
                    "buckets_cents": r.buckets,
                    "client_cents": r.client_cents,
                    "insurance_cents": r.insurance_cents,
                    "credit_cents": r.credit_cents,
                    "net_cents": r.net_cents,
                }
                for r in aging.rows
            ],
        }
        json.dump(payload, out, indent=2)
        out.write("\n")
        return EXIT_OK
    header = "".join(f"{name:>14}" for name in AGING_BUCKETS)
    out.write(f"{'client':>8}{header}{'credit':>14}{'net':>14}\n")
    for r in aging.rows:
        cells = "".join(f"{format_cents(c):>14}" for c in r.buckets)
        out.write(f"{r.client_id:>8}{cells}{format_cents(r.credit_cents):>14}{format_cents(r.net_cents):>14}\n")
    for label, values in (("total", aging.totals), ("client", aging.client_totals),
                          ("insurer", aging.insurance_totals)):  # fmt: skip
        cells = "".join(f"{format_cents(c):>14}" for c in values)
        tail = f"{format_cents(aging.credit_cents):>14}{format_cents(aging.net_cents):>14}" if label == "total" else ""
        out.write(f"{label:>8}{cells}{tail}\n")
    return EXIT_OK


def add_billing_commands(groups: argparse._SubParsersAction[CommandParser], add_command: AddCommand) -> None:
    """`ledger` and `aging` under `groups` (cli.py's `_add_command` builds commands that open a vault)."""
    ledger = add_command(
        groups, "ledger", _cmd_ledger,
        "a client's ledger: charges, payments, adjustments, write-offs, refunds and reversals with the running balance",
    )  # fmt: skip
    ledger.add_argument("--client", type=int, required=True, metavar="ID", help="the client's id")
    ledger.add_argument("--json", action="store_true", help="print JSON (amounts in cents) instead of lines")
    aging = add_command(
        groups, "aging", _cmd_aging,
        "what every client owes by age of the date of service (0-30, 31-60, 61-90, 90+ days), client and insurer",
    )  # fmt: skip
    aging.add_argument("--as-of", metavar="DATE", help="the day the ages are counted to (default: today)")
    aging.add_argument("--json", action="store_true", help="print JSON (amounts in cents) instead of a table")
