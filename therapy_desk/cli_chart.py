"""`therapy-desk chart-export`: one client's chart copy as a PDF (cli.py registers it with
`add_chart_commands`). Without a recipient it is the clinician's own copy; with --to-recipient (and --basis,
--purpose) or --release it went to someone else and is logged as a disclosure with the file, in one
transaction. The file named with -o is written whole as a new file or not at all; what is printed names the
file and the pages, never a client."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, TextIO

from therapy_desk.cli_claims import _output
from therapy_desk.cli_folders import vault_dir
from therapy_desk.cli_parser import EXIT_OK, CommandParser
from therapy_desk.cli_records import _date_option, _told
from therapy_desk.documents.issue import page_count
from therapy_desk.domain.chart_export import ALL_SECTIONS, ChartExportOptions, parse_sections
from therapy_desk.domain.disclosures import Disclosure, DisclosureBasis
from therapy_desk.errors import UserError
from therapy_desk.records.chart_export import write_chart_export
from therapy_desk.storage.vault import Vault

if TYPE_CHECKING:
    from therapy_desk.cli import Secrets

AddCommand = Callable[..., CommandParser]
_BASES = ", ".join(b.value for b in DisclosureBasis)


def _options(args: argparse.Namespace) -> ChartExportOptions:
    since = _date_option(args.date_from, "--from") if args.date_from else None
    until = _date_option(args.date_to, "--to") if args.date_to else None
    sections = parse_sections(args.sections) if args.sections is not None else ALL_SECTIONS
    if args.psychotherapy_notes and args.release is None:
        raise UserError("--psychotherapy-notes needs --release: the client's authorization that names them.")
    release = args.release if args.psychotherapy_notes else None
    return ChartExportOptions(since, until, sections, psychotherapy_release_id=release).validated()


def disclosure_from(args: argparse.Namespace, vault: Vault, today: date) -> Disclosure | None:
    """The disclosure the recipient options describe (its `what` is the export's to fill in); None for the
    clinician's own copy. Mistakes are sentences naming the options."""
    if args.recipient is None and args.release is None:
        if args.basis or args.purpose:
            raise UserError("--basis and --purpose go with --to-recipient: whom the copy is for.")
        return None
    if args.recipient is not None and args.release is not None:
        raise UserError("Give either --to-recipient or --release, not both.")
    if args.release is not None:
        release = next((r for r in vault.clients.releases(args.client) if r.id == args.release), None)
        if release is None:
            raise UserError(f"The client has no release of information with id {args.release}.")
        if not release.is_active(today):
            raise UserError(f"Release {args.release} is not in force today (revoked or expired).")
        purpose = args.purpose or release.purpose
        return Disclosure(args.client, today, release.recipient, DisclosureBasis.AUTHORIZATION, purpose, "-",
                          release_id=release.id)  # fmt: skip
    if not args.basis or not args.purpose:
        raise UserError("--to-recipient needs --basis and --purpose: why the copy may leave, and what for.")
    try:
        basis = DisclosureBasis(args.basis)
    except ValueError:
        raise UserError(f"--basis must be one of {_BASES}.") from None
    return Disclosure(args.client, today, args.recipient, basis, args.purpose, "-")


def _cmd_chart_export(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    path = _output(args.output, "chart.pdf")
    options = _options(args)
    with _told(Vault.open(vault_dir(args.vault), secrets.ask("Passphrase: "))) as vault:
        today = date.today()
        vault.clients.require(args.client)
        disclosure = disclosure_from(args, vault, today)
        folder = path.parent if str(path.parent) else path.cwd()
        written = write_chart_export(vault, args.client, options, folder, disclosure=disclosure, today=today,
                                     name=path.name)  # fmt: skip
    pages = page_count(written.read_bytes())
    logged = "; logged as a disclosure" if disclosure else "; your own copy, not a disclosure"
    out.write(f"Wrote {written}: a chart copy of {pages} {'page' if pages == 1 else 'pages'}{logged}.\n")
    return EXIT_OK


def add_chart_commands(groups: argparse._SubParsersAction[CommandParser], add_command: AddCommand) -> None:
    """`chart-export` under `groups` (cli.py's `_add_command` adds --vault and the passphrase option)."""
    command = add_command(
        groups, "chart-export", _cmd_chart_export,
        "write one client's chart copy as a PDF (signed notes, plans, measures...; never drafts); a copy for "
        "someone else is logged as a disclosure",
    )  # fmt: skip
    command.add_argument("--client", type=int, required=True, metavar="ID", help="the client's id")
    command.add_argument("--from", dest="date_from", metavar="DATE", help="first day of the period (YYYY-MM-DD)")
    command.add_argument("--to", dest="date_to", metavar="DATE", help="last day of the period (YYYY-MM-DD)")
    command.add_argument(
        "--sections", metavar="A,B", help=f"sections to include (default all): {', '.join(sorted(ALL_SECTIONS))}"
    )
    command.add_argument("-o", "--output", required=True, metavar="FILE", help="the .pdf file to write (a new file)")
    add_recipient_options(command)
    command.add_argument(
        "--psychotherapy-notes", action="store_true",
        help="include psychotherapy notes (only with --release naming an authorization that covers them)",
    )  # fmt: skip


def add_recipient_options(command: CommandParser) -> None:
    """--to-recipient, --basis, --purpose and --release: whom an export is for (`disclosure_from` reads them)."""
    command.add_argument("--to-recipient", dest="recipient", metavar="TEXT", help="whom the copy is for")
    command.add_argument("--basis", metavar="BASIS", help=f"why it may leave: {_BASES}")
    command.add_argument("--purpose", metavar="TEXT", help="what the recipient needs it for")
    command.add_argument("--release", type=int, metavar="ID", help="the release of information it goes under")
