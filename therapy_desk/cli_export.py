"""The export commands (cli.py registers them with `add_export_commands`): `export fhir` writes one client's
record, or with no --client the whole practice's, as a FHIR R4 Bundle in JSON. The file named with -o is
written whole as a new file or not at all (an existing file is refused and left untouched); what is printed
names the file and counts, never a client."""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, TextIO

from therapy_desk.cli_claims import _output
from therapy_desk.cli_folders import vault_dir
from therapy_desk.cli_parser import EXIT_OK, CommandParser
from therapy_desk.cli_records import _told
from therapy_desk.domain.text import plural
from therapy_desk.records.fhir_gather import client_fhir, practice_fhir
from therapy_desk.storage.files import write_new_file
from therapy_desk.storage.vault import Vault

if TYPE_CHECKING:
    from therapy_desk.cli import Secrets

AddCommand = Callable[..., CommandParser]


def _cmd_fhir(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    path = _output(args.output, "record.json")
    with _told(Vault.open(vault_dir(args.vault), secrets.ask("Passphrase: "))) as vault:
        today, now = date.today(), datetime.now(UTC)
        if args.client is None:
            bundle = practice_fhir(vault, today=today, now=now)
        else:
            bundle = client_fhir(vault, args.client, today=today, now=now)
        data = (json.dumps(bundle, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
        written = write_new_file(path.parent, path.name, data, numbered=False)
    kinds = Counter(entry["resource"]["resourceType"] for entry in bundle["entry"])
    out.write(
        f"Wrote {written}: a FHIR R4 bundle of {plural(len(bundle['entry']), 'resource')} "
        f"({plural(kinds['Patient'], 'client')}, {plural(kinds['DocumentReference'], 'signed note')}).\n"
    )
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
