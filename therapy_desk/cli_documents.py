"""The commands that issue documents: `superbill`, `statement` and `estimate` (cli.py registers them with
`add_document_commands`). Each writes exactly the FILE given with -o, as a new file (an existing one is
refused), records it in the client's documents issued, and with --password protects it with a password
asked after the passphrase (the next line of standard input with --passphrase-stdin). A document missing a
required field is not written: each missing field is printed with where to fill it in, and the exit is 2."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from therapy_desk.cli_folders import vault_dir
from therapy_desk.cli_parser import EXIT_OK, EXIT_USER_ERROR, CommandParser
from therapy_desk.cli_records import _told
from therapy_desk.documents import issue_estimate, issue_statement, issue_superbill
from therapy_desk.domain.documents import DocumentIncomplete, estimate_period_end
from therapy_desk.domain.text import plural
from therapy_desk.errors import UserError
from therapy_desk.storage.documents import IssuedDocument
from therapy_desk.storage.vault import Vault

if TYPE_CHECKING:
    from therapy_desk.cli import Secrets

AddCommand = Callable[..., CommandParser]


def _day(text: str | None, flag: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UserError(f"{flag} is a date written YYYY-MM-DD.") from None


def _target(output: str) -> tuple[Path, str]:
    """The folder and file name -o names; the folder must exist."""
    path = Path(output)
    if not path.name or path.name in (".", ".."):
        raise UserError("-o names the PDF file to write, like -o superbill.pdf.")
    folder = path.parent
    if not folder.is_dir():
        raise UserError(f"There is no folder {folder} to write {path.name} into.")
    if path.exists() or path.is_symlink():
        raise UserError(f"{path} already exists; it was not touched. Give another name with -o.")
    return folder, path.name


def _secrets(args: argparse.Namespace, secrets: Secrets) -> tuple[str, str | None]:
    passphrase = secrets.ask("Passphrase: ")
    password = secrets.ask("Document password: ", confirm=True) if args.password else None
    return passphrase, password


_Issue = Callable[[Vault, Path, str, str | None], IssuedDocument]  # (vault, folder, file name, password)


def _issued(issued: IssuedDocument, folder: Path, out: TextIO) -> int:
    out.write(f"Wrote {folder / issued.file_name} ({plural(issued.pages, 'page')}; SHA-256 {issued.sha256}).\n")
    return EXIT_OK


def _refused(err: DocumentIncomplete) -> int:
    what = str(err).split(" until ", 1)[0]
    print(f"therapy-desk: {what}; fill these in first:", file=sys.stderr)
    for missing in err.missing:
        print(f"  {missing}", file=sys.stderr)
    return EXIT_USER_ERROR


def _issue(args: argparse.Namespace, secrets: Secrets, out: TextIO, issue: _Issue) -> int:
    """Open the vault, issue the document into `-o`'s folder under its name, and say what was written (or, for a
    document missing a required field, what to fill in: exit 2)."""
    folder, name = _target(args.output)
    passphrase, password = _secrets(args, secrets)
    with _told(Vault.open(vault_dir(args.vault), passphrase)) as vault:
        try:
            issued = issue(vault, folder, name, password)
        except DocumentIncomplete as err:
            return _refused(err)
    return _issued(issued, folder, out)


def _cmd_superbill(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    start, end = _day(args.date_from, "--from"), _day(args.date_to, "--to")
    if args.session is None and (start is None or end is None):
        raise UserError("Give the session with --session ID, or the period with --from DATE --to DATE.")
    if args.session is not None and (start is not None or end is not None):
        raise UserError("Give either --session or --from and --to, not both.")

    def superbill(vault: Vault, folder: Path, name: str, password: str | None) -> IssuedDocument:
        first, last = start, end
        if args.session is not None:
            first = last = vault.schedule.get(args.session).date_of_service
        assert first is not None and last is not None  # noqa: PT018 - checked above
        return issue_superbill(vault, args.client, folder, date_from=first, date_to=last,
                               appointment_id=args.session, password=password, recipient=args.recipient,
                               today=date.today(), name=name)  # fmt: skip

    return _issue(args, secrets, out, superbill)


def _cmd_statement(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    as_of = _day(args.as_of, "--as-of") or date.today()
    start = _day(args.date_from, "--from") or as_of.replace(day=1)

    def statement(vault: Vault, folder: Path, name: str, password: str | None) -> IssuedDocument:
        return issue_statement(vault, args.client, folder, as_of=as_of, period_from=start, period_to=as_of,
                               password=password, recipient=args.recipient, name=name)  # fmt: skip

    return _issue(args, secrets, out, statement)


def _cmd_estimate(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    today = date.today()
    start = _day(args.date_from, "--from") or today
    end = _day(args.date_to, "--to") or estimate_period_end(start)

    def estimate(vault: Vault, folder: Path, name: str, password: str | None) -> IssuedDocument:
        return issue_estimate(vault, args.client, folder, issued_on=today, period_from=start, period_to=end,
                              password=password, recipient=args.recipient, name=name)  # fmt: skip

    return _issue(args, secrets, out, estimate)


def _common(command: CommandParser) -> None:
    command.add_argument("--client", type=int, required=True, metavar="ID", help="the client's id")
    command.add_argument("-o", "--output", required=True, metavar="FILE", help="the PDF to write (a new file)")
    command.add_argument(
        "--password", action="store_true",
        help="protect the PDF with a password (AES-256), asked after the passphrase",
    )  # fmt: skip
    command.add_argument("--recipient", default="", metavar="TEXT", help="to whom it goes, for the documents issued")


def add_document_commands(groups: argparse._SubParsersAction[CommandParser], add_command: AddCommand) -> None:
    """`superbill`, `statement` and `estimate` under `groups` (cli.py's `_add_command` opens the vault)."""
    superbill = add_command(
        groups, "superbill", _cmd_superbill,
        "write a client's superbill (one session, or every session of a period) as a PDF",
    )  # fmt: skip
    _common(superbill)
    superbill.add_argument("--session", type=int, metavar="ID", help="the session (appointment) id")
    superbill.add_argument("--from", dest="date_from", metavar="DATE", help="the period's first day (YYYY-MM-DD)")
    superbill.add_argument("--to", dest="date_to", metavar="DATE", help="the period's last day (YYYY-MM-DD)")
    statement = add_command(
        groups, "statement", _cmd_statement,
        "write a client's statement (balance, activity, aging, how to pay) as a PDF",
    )  # fmt: skip
    _common(statement)
    statement.add_argument("--as-of", metavar="DATE", help="the statement's date and period end (default: today)")
    statement.add_argument("--from", dest="date_from", metavar="DATE", help="the period's first day (default: "
                           "the first of the month)")  # fmt: skip
    estimate = add_command(
        groups, "estimate", _cmd_estimate,
        "write a Good Faith Estimate for a self-pay client as a PDF, and keep it with the client's estimates",
    )  # fmt: skip
    _common(estimate)
    estimate.add_argument("--from", dest="date_from", metavar="DATE", help="the period's first day (default: today)")
    estimate.add_argument("--to", dest="date_to", metavar="DATE", help="the period's last day (default: 12 months)")
