"""The export commands (cli.py registers them with `add_export_commands`): `export fhir` writes one client's
record, or with no --client the whole practice's, as a FHIR R4 Bundle in JSON. The file named with -o is
written whole as a new file or not at all (an existing file is refused and left untouched); what is printed
names the file and counts, never a client. `export archive` writes the exit archive (a folder, or with --zip
an AES-256 zip whose password is asked twice) and `export verify` checks an archive folder's manifest."""

from __future__ import annotations

import argparse
import dataclasses
import json
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from therapy_desk.cli_backup import _progress
from therapy_desk.cli_chart import add_recipient_options, disclosure_from
from therapy_desk.cli_claims import _output
from therapy_desk.cli_folders import vault_dir
from therapy_desk.cli_parser import EXIT_OK, EXIT_PROBLEMS, CommandParser
from therapy_desk.cli_records import _told
from therapy_desk.domain.text import plural
from therapy_desk.errors import UserError
from therapy_desk.records.archive import write_archive
from therapy_desk.records.archive_files import verify_archive
from therapy_desk.records.chart_export import CHART_WRITER
from therapy_desk.records.fhir_gather import client_fhir, practice_fhir
from therapy_desk.storage.files import write_new_file
from therapy_desk.storage.vault import Vault

if TYPE_CHECKING:
    from therapy_desk.cli import Secrets

AddCommand = Callable[..., CommandParser]
MIN_ZIP_PASSWORD = 8


def _cmd_fhir(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    path = _output(args.output, "record.json")
    if args.client is None and (args.recipient or args.release is not None or args.basis or args.purpose):
        raise UserError("A FHIR export for someone else is of one client: give --client.")
    with _told(Vault.open(vault_dir(args.vault), secrets.ask("Passphrase: "))) as vault:
        today, now = date.today(), datetime.now(UTC)
        disclosure = None
        if args.client is None:
            bundle = practice_fhir(vault, today=today, now=now)
        else:
            bundle = client_fhir(vault, args.client, today=today, now=now)
            disclosure = disclosure_from(args, vault, today)
        data = (json.dumps(bundle, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
        with vault.transaction():  # the disclosure is logged with the file, or neither is
            if disclosure is not None:
                what = "The record as a FHIR R4 bundle (demographics, diagnoses, plans, measures, signed notes)"
                vault.disclosures.record(dataclasses.replace(disclosure, what=what), today=today)
            written = write_new_file(path.parent, path.name, data, numbered=False)
    logged = "; logged as a disclosure" if disclosure else ""
    kinds = Counter(entry["resource"]["resourceType"] for entry in bundle["entry"])
    out.write(
        f"Wrote {written}: a FHIR R4 bundle of {plural(len(bundle['entry']), 'resource')} "
        f"({plural(kinds['Patient'], 'client')}, {plural(kinds['DocumentReference'], 'signed note')}){logged}.\n"
    )
    return EXIT_OK


def _cmd_archive(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    if args.include_psychotherapy_notes and args.client is not None:
        raise UserError(
            "Psychotherapy notes are never in one client's archive; --include-psychotherapy-notes is for the "
            "whole practice's (no --client)."
        )
    target = _output(args.output, "archive.zip" if args.zip else "archive")
    passphrase = secrets.ask("Passphrase: ")
    password = secrets.ask("Password for the zip: ", confirm=True) if args.zip else None
    if password is not None and len(password) < MIN_ZIP_PASSWORD:
        raise UserError(f"The zip's password needs at least {MIN_ZIP_PASSWORD} characters; nothing was written.")
    with _progress("archive") as progress, _told(Vault.open(vault_dir(args.vault), passphrase)) as vault:
        # The chart PDF writer is wired in with the chart export (issue 16): until then, no chart PDFs.
        summary = write_archive(
            vault, target, client_id=args.client, chart_pdf=CHART_WRITER,
            include_psychotherapy_notes=args.include_psychotherapy_notes, password=password, progress=progress,
        )  # fmt: skip
    what = "an AES-256 encrypted zip" if summary.encrypted else "a folder"
    out.write(
        f"Wrote {summary.path}: {what} holding {plural(summary.clients, 'client')}, "
        f"{plural(summary.tables, 'table')} ({plural(summary.rows, 'row')}), {plural(summary.files, 'file')}"
        f"{', psychotherapy notes included' if summary.psychotherapy_notes else ''}.\n"
    )
    if not summary.encrypted:
        out.write(f"Check it at any time with: therapy-desk export verify {summary.path}\n")
    return EXIT_OK


def _cmd_verify(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    folder = Path(args.folder)
    if not folder.is_dir():
        raise UserError(f"{folder} is not a folder. Name an archive's folder (an encrypted zip: unpack it first).")
    problems = verify_archive(folder)
    for problem in problems:
        out.write(f"{problem}\n")
    if problems:
        out.write(f"{plural(len(problems), 'problem')} found: the archive is not as it was written.\n")
        return EXIT_PROBLEMS
    out.write(f"{folder}: every file matches MANIFEST.sha256.\n")
    return EXIT_OK


def add_export_commands(groups: argparse._SubParsersAction[CommandParser], add_command: AddCommand) -> None:
    """`export fhir` under `groups` (cli.py's `_add_command` adds --vault and the passphrase option)."""
    export = groups.add_parser("export", help="take records out of the vault in open formats")
    actions = export.add_subparsers(dest="action", metavar="ACTION", required=True)
    fhir = add_command(
        actions, "fhir", _cmd_fhir,
        "write a client's record (or, with no --client, every client's) as a FHIR R4 bundle in JSON; "
        "signed notes only, never psychotherapy notes",
    )  # fmt: skip
    fhir.add_argument("--client", type=int, metavar="ID", help="the client's id (default: the whole practice)")
    fhir.add_argument("-o", "--output", required=True, metavar="FILE", help="the .json file to write (a new file)")
    add_recipient_options(fhir)
    archive = add_command(
        actions, "archive", _cmd_archive,
        "write the exit archive of a client (or, with no --client, the whole practice): every table as CSV and "
        "JSON, a README, the vault-format document and a SHA-256 manifest, as a new folder or an encrypted zip",
    )  # fmt: skip
    archive.add_argument("--client", type=int, metavar="ID", help="the client's id (default: the whole practice)")
    archive.add_argument("-o", "--output", required=True, metavar="DIR", help="the folder (or .zip) to write: new")
    archive.add_argument(
        "--zip", action="store_true", help="write an AES-256 encrypted zip instead; its password is asked twice"
    )
    archive.add_argument(
        "--include-psychotherapy-notes", action="store_true",
        help="the whole practice's archive only: include psychotherapy notes (left out by default)",
    )  # fmt: skip
    verify = actions.add_parser(
        "verify", help="check an archive folder against its MANIFEST.sha256",
        description="check an archive folder against its MANIFEST.sha256",
    )  # fmt: skip
    verify.add_argument("folder", metavar="DIR", help="the archive's folder")
    verify.set_defaults(
        func=_cmd_verify,
        from_stdin=False,
        secret_flag="--passphrase-stdin",  # noqa: S106
        help_prog=verify.prog,
    )
