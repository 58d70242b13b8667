"""The claim commands (cli.py registers them with `add_claim_commands`): `claims list`, `claims create`,
`cms1500` and `x12 837p`. A claim whose scrub finds an error is never printed or exported: each error is
listed on standard error and the exit is 2. Money is printed as $1,234.56; JSON carries whole cents. Lists
name claims by number and client id, never by the client's name."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from therapy_desk.claims.files import write_837p, write_cms1500
from therapy_desk.claims.workflow import ScrubFailed, create_and_scrub, describe
from therapy_desk.cli_documents import _day
from therapy_desk.cli_folders import vault_dir
from therapy_desk.cli_parser import EXIT_OK, EXIT_USER_ERROR, CommandParser
from therapy_desk.cli_records import _told
from therapy_desk.domain.billing import format_cents
from therapy_desk.domain.claims import CLAIM_NUMBER_PREFIX, ClaimState
from therapy_desk.domain.text import plural
from therapy_desk.errors import UserError
from therapy_desk.storage.vault import Vault

if TYPE_CHECKING:
    from therapy_desk.cli import Secrets

AddCommand = Callable[..., CommandParser]
MAX_LISTED = 10_000


def _claim_id(text: str) -> int:
    """A claim as its id (12) or its number (TD000012)."""
    digits = text.strip().upper().removeprefix(CLAIM_NUMBER_PREFIX)
    if not digits.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a claim: give its number, like TD000012, or its id")
    return int(digits)


def _open(args: argparse.Namespace, secrets: Secrets) -> Vault:
    return Vault.open(vault_dir(args.vault), secrets.ask("Passphrase: "))


def _refused(err: ScrubFailed) -> int:
    print(f"therapy-desk: {err}", file=sys.stderr)
    return EXIT_USER_ERROR


def _cmd_list(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    state = ClaimState(args.state) if args.state else None
    with _told(_open(args, secrets)) as vault:
        claims = vault.claims.claims(state=state, limit=MAX_LISTED)
    if args.json:
        rows = [
            {
                "claim": c.number, "id": c.id, "client_id": c.client_id, "payer": c.payer_name, "state": c.state.value,
                "frequency": c.frequency.value, "first_date": c.first_date.isoformat(),
                "last_date": c.last_date.isoformat(), "lines": c.lines, "total_cents": c.total_cents,
            }
            for c in claims
        ]  # fmt: skip
        json.dump(rows, out, ensure_ascii=False, indent=2)
        out.write("\n")
        return EXIT_OK
    for c in claims:
        out.write(
            f"{c.number}  {c.state.value:<9} client {c.client_id:<6} {c.payer_name[:30]:<30} "
            f"{c.first_date.isoformat()}..{c.last_date.isoformat()} {plural(c.lines, 'line'):>9} "
            f"{format_cents(c.total_cents):>11}\n"
        )
    out.write(f"{plural(len(claims), 'claim')}\n")
    return EXIT_OK


def _cmd_create(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    start, end = _day(args.date_from, "--from"), _day(args.date_to, "--to")
    assert start is not None and end is not None  # noqa: PT018 - both required by the parser
    with _told(_open(args, secrets)) as vault:
        created, results = create_and_scrub(vault, start, end, client_id=args.client, today=date.today())
    if not created.claims:
        out.write("Nothing to bill: no unbilled insurance charges in that period.\n")
    for claim in created.claims:
        result = results[claim.id]
        state = "ready" if not result.errors else "draft: cannot be sent until fixed"
        out.write(f"{claim.number}  {plural(len(result.form.lines), 'line')}, "
                  f"{format_cents(result.form.total_cents)}, {result.form.payer.name}: {state}\n")  # fmt: skip
        for finding in result.findings:
            if not finding.blocks:
                out.write(f"  warning: {finding}\n")
    if created.not_covered:
        out.write(f"{plural(len(created.not_covered), 'charge')} left unbilled: no insurance in force on its date.\n")
    failed = {claim_id: r.errors for claim_id, r in results.items() if r.errors}
    if failed:
        for claim_id, errors in failed.items():
            print(describe(claim_id, errors), file=sys.stderr)
        return EXIT_USER_ERROR
    return EXIT_OK


def _output(value: str, example: str) -> Path:
    path = Path(value)
    if not path.name or path.name in (".", ".."):
        raise UserError(f"-o names the file to write, like -o {example}.")
    if path.exists() or path.is_symlink():
        raise UserError(f"{path} already exists; it was not touched. Give another name with -o.")
    return path


def _cmd_cms1500(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    path = _output(args.output, "claim.pdf")
    with _told(_open(args, secrets)) as vault:
        try:
            written = write_cms1500(vault, [args.claim], path, today=date.today(), red=args.red_form)
        except ScrubFailed as err:
            return _refused(err)
    out.write(f"Wrote {written}.\n")
    return EXIT_OK


def _cmd_837p(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    path = _output(args.output, "claims.x12")
    start, end = _day(args.date_from, "--from") or date.min, _day(args.date_to, "--to") or date.max
    with _told(_open(args, secrets)) as vault:
        vault.billing.payer(args.payer)  # refuses an unknown payer in words
        ids = [
            c.id
            for state in (ClaimState.READY, ClaimState.DRAFT)
            for c in vault.claims.claims(state=state, payer_id=args.payer, limit=MAX_LISTED)
            if c.first_date >= start and c.last_date <= end
        ]
        if not ids:
            raise UserError("This payer has no draft or ready claims in that period; create them with claims create.")
        try:
            written = write_837p(vault, args.payer, sorted(ids), path, now=datetime.now().astimezone())
        except ScrubFailed as err:
            return _refused(err)
    out.write(f"Wrote {written}: {plural(len(ids), 'claim')}, now marked submitted.\n")
    return EXIT_OK


def add_claim_commands(groups: argparse._SubParsersAction[CommandParser], add_command: AddCommand) -> None:
    """`claims list|create`, `cms1500` and `x12 837p` under `groups`."""
    claims = groups.add_parser("claims", help="insurance claims: list them, create them from unbilled charges")
    actions = claims.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = add_command(actions, "list", _cmd_list, "list claims newest first: number, state, payer, dates, total")
    listing.add_argument("--state", choices=[s.value for s in ClaimState], help="only claims in this state")
    listing.add_argument("--json", action="store_true", help="print JSON (amounts in cents) instead of lines")
    create = add_command(
        actions, "create", _cmd_create,
        "create claims from a client's unbilled insurance charges of a period, scrub them, and list any errors",
    )  # fmt: skip
    create.add_argument("--client", type=int, required=True, metavar="ID", help="the client's id")
    create.add_argument("--from", dest="date_from", required=True, metavar="DATE", help="first date of service")
    create.add_argument("--to", dest="date_to", required=True, metavar="DATE", help="last date of service")
    cms = add_command(groups, "cms1500", _cmd_cms1500, "write a claim's CMS-1500 (02/12) form as a PDF")
    cms.add_argument("--claim", type=_claim_id, required=True, metavar="ID", help="the claim: TD000012, or its id 12")
    cms.add_argument("-o", "--output", required=True, metavar="FILE", help="the PDF to write (a new file)")
    cms.add_argument("--red-form", action="store_true", help="data only, to print on the pre-printed red form")
    x12 = groups.add_parser("x12", help="X12 files for a clearinghouse")
    x12_actions = x12.add_subparsers(dest="action", metavar="ACTION", required=True)
    export = add_command(
        x12_actions, "837p", _cmd_837p,
        "write one payer's draft and ready claims as an 837P file (005010X222A1) and mark them submitted",
    )  # fmt: skip
    export.add_argument("--payer", type=int, required=True, metavar="ID", help="the payer's id")
    export.add_argument("--from", dest="date_from", metavar="DATE", help="claims from this date of service")
    export.add_argument("--to", dest="date_to", metavar="DATE", help="claims up to this date of service")
    export.add_argument("-o", "--output", required=True, metavar="FILE", help="the .x12 file to write (a new file)")
