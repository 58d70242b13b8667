"""The import commands (cli.py registers them with `add_import_commands`): `import csv` reads a caseload
exported as CSV by another system, mapped to Therapy Desk's fields by a JSON mapping file, checks every row
and imports them all in one transaction, or, when any row is rejected or with --dry-run, nothing. What is
printed is counts, row numbers and reasons, never a value from the file (the payers to be added excepted:
an insurer's name is not a client's)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from therapy_desk.cli_folders import vault_dir
from therapy_desk.cli_parser import EXIT_OK, EXIT_PROBLEMS, CommandParser
from therapy_desk.cli_records import _told
from therapy_desk.domain.csv_import import PRESETS
from therapy_desk.domain.text import plural
from therapy_desk.records.csv_import import ENCODINGS, UTF8, DryRun, dry_run, read_mapping, read_table
from therapy_desk.storage.vault import Vault

if TYPE_CHECKING:
    from therapy_desk.cli import Secrets

AddCommand = Callable[..., CommandParser]


def _write_report(report: DryRun, out: TextIO) -> None:
    out.write(f"{report.summary()}\n")
    for rejected in report.rejected:
        for sentence in rejected.sentences:
            out.write(f"{sentence}\n")
    if report.new_payers and not report.rejected:
        out.write(f"Payers to be added (complete them under Billing before claims): {', '.join(report.new_payers)}.\n")


def _cmd_csv(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    mapping = read_mapping(Path(args.mapping))
    table = read_table(Path(args.file), args.encoding)
    blank = mapping.unmatched(table.headings)
    with _told(Vault.open(vault_dir(args.vault), secrets.ask("Passphrase: "))) as vault:
        report = dry_run(vault, table, mapping, today=date.today())
        out.write(f"Checked {table.name}: {plural(report.rows, 'row')}.\n")
        if blank:
            out.write(f"Not in the file, left blank: {', '.join(f.label for f in blank)}.\n")
        _write_report(report, out)
        if not report.clean:
            return EXIT_PROBLEMS
        if args.dry_run:
            out.write("Nothing was imported (--dry-run).\n")
            return EXIT_OK
        counts = vault.clients.import_clients(report.accepted)
    out.write(
        f"Imported {plural(counts.clients, 'client')} from {table.name} in one step: "
        f"{plural(counts.diagnoses, 'diagnosis', 'diagnoses')}, {plural(counts.coverages, 'insurance coverage')}, "
        f"{plural(counts.payers_added, 'payer')} added.\n"
    )
    return EXIT_OK


def add_import_commands(groups: argparse._SubParsersAction[CommandParser], add_command: AddCommand) -> None:
    """`import csv` under `groups` (cli.py's `_add_command` adds --vault and the passphrase option)."""
    group = groups.add_parser("import", help="bring records from another system into the vault")
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)
    presets = ", ".join(p.key for p in PRESETS)
    command = add_command(
        actions, "csv", _cmd_csv,
        "import a caseload exported as CSV (UTF-8) by another system: every row is checked first, and all are "
        "imported in one step or, when any row is rejected, none",
    )  # fmt: skip
    command.add_argument("file", metavar="FILE", help="the .csv file (headings in its first row)")
    command.add_argument(
        "--mapping",
        required=True,
        metavar="MAP.json",
        help=f'which column holds each field: {{"preset": "...", "columns": {{"legal_first": "First Name"}}}} '
        f"(presets: {presets}; columns override the preset)",
    )
    command.add_argument("--dry-run", action="store_true", help="check every row and import nothing")
    command.add_argument(
        "--encoding",
        choices=list(ENCODINGS),
        default=UTF8,
        help="how the file's text is encoded (default utf-8, with or without a byte-order mark; windows-1252 for "
        "a file Excel on Windows saved as plain CSV)",
    )
