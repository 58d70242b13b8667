"""`therapy-desk backup create|verify|list|restore|test`: backups from the command line (cli.py registers them).

`backup verify` exits 0 for a clean backup, 1 for a damaged one (each problem on its own line), 2 when it
could not run (no such file, a wrong passphrase, a backup from a newer Therapy Desk). `backup restore` and
`backup test` do the same: 1 for a damaged backup (nothing restored) or a restored vault whose check found
problems, 2 for every refusal.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from therapy_desk.cli_folders import vault_dir
from therapy_desk.cli_parser import EXIT_OK, EXIT_PROBLEMS, CommandParser
from therapy_desk.cli_records import _told
from therapy_desk.domain.text import plural
from therapy_desk.errors import UserError
from therapy_desk.storage.backup import back_up_and_rotate, verify_backup
from therapy_desk.storage.backup_read import Progress
from therapy_desk.storage.backup_target import list_backups
from therapy_desk.storage.files import os_errors_as_user_errors
from therapy_desk.storage.restore import BackupDamaged, restore_and_open, test_restore
from therapy_desk.storage.vault import Vault

if TYPE_CHECKING:
    from therapy_desk.cli import Secrets

AddCommand = Callable[..., CommandParser]
_DO_NOT_RELY = "Do not rely on this backup: make a new one, or use an earlier backup that verifies."


def _size(size: int) -> str:
    return f"{size / 1024**3:.2f} GiB" if size >= 1024**3 else f"{size / 1024**2:.1f} MiB"


@contextlib.contextmanager
def _progress(phase: str) -> Iterator[Progress | None]:
    """A progress line on stderr for a person watching (None, nothing shown, for a script); closed after."""
    if not sys.stderr.isatty():
        yield None
        return
    from therapy_desk.progress_line import PhaseLines

    lines = PhaseLines(sys.stderr)
    try:
        yield lambda done, total: lines(phase, done, total)
    finally:
        lines.close()


def _cmd_backup_create(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    if not args.to.strip():
        raise UserError("--to was given an empty folder name. Name the folder to write the backup to.")
    folder = vault_dir(args.vault)
    passphrase = secrets.ask("Passphrase: ")
    with _progress("backup") as progress, _told(Vault.open(folder, passphrase)) as vault:
        result, pruned = back_up_and_rotate(vault, Path(args.to), progress=progress)
    m = result.manifest
    out.write(
        f"Backed up to {result.path} ({_size(result.size)}), verified from the drive: every member's SHA-256, "
        f"database integrity and page authentication, {sum(m.row_counts.values()):,} rows in "
        f"{len(m.row_counts)} tables and the audit log's {m.audit_seq:,} events as recorded.\n"
    )
    if pruned.deleted:
        out.write(f"Rotation removed {plural(len(pruned.deleted), 'older backup')} of this vault there.\n")
    return EXIT_OK


def _cmd_backup_verify(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    path = Path(args.file).expanduser()
    kind = args.secret_kind
    secret = secrets.ask("Recovery code: " if kind == "recovery" else "Passphrase: ")
    with _progress("verify") as progress, os_errors_as_user_errors(path.absolute().parent):
        report = verify_backup(path, kind, secret, progress=progress)
    if report.clean and report.manifest is not None:
        m = report.manifest
        out.write(
            f"{report.path}: clean (vault {m.vault_id}, taken {m.created_at:%Y-%m-%d %H:%M:%S} UTC, schema "
            f"{m.schema_version}; every member's SHA-256 matches, database integrity ok, all pages authenticated, "
            f"{sum(m.row_counts.values()):,} rows and {m.audit_seq:,} audit events as recorded).\n"
        )
        return EXIT_OK
    return _damaged(report.path, report.problems, out, _DO_NOT_RELY)


def _cmd_backup_restore(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    path = Path(args.file).expanduser()
    folder = vault_dir(args.vault, creating=True)
    kind = args.secret_kind
    secret = secrets.ask("Recovery code: " if kind == "recovery" else "Passphrase: ")
    new = secrets.ask("New passphrase: ", confirm=True) if kind == "recovery" else None
    try:
        with _progress("restore") as progress, os_errors_as_user_errors(path.absolute().parent):
            result, restored = restore_and_open(path, folder, kind, secret, new_passphrase=new, progress=progress)
        restored.close()  # it recorded the backup it came from: the status line starts from it, not "never"
    except BackupDamaged as damaged:
        return _damaged(
            path.absolute(), damaged.problems, out, "Nothing was restored: use an earlier backup that verifies."
        )
    m = result.manifest
    out.write(
        f"Restored the backup taken {m.created_at:%Y-%m-%d %H:%M:%S} UTC ({sum(m.row_counts.values()):,} rows in "
        f"{len(m.row_counts)} tables, {m.audit_seq:,} audit events) into {result.folder}.\n"
    )
    if new is not None:
        out.write("It opens with the new passphrase you just set; the recovery code you used still works.\n")
    else:
        out.write("It opens with the passphrase that backup was made with.\n")
    if result.pre_restore is not None:
        out.write(
            f"The vault that was there is kept, unchanged, in {result.pre_restore}; delete that folder once you are "
            "sure you do not need it.\n"
        )
    if result.check_problems:
        return _damaged(
            result.folder,
            result.check_problems,
            out,
            "The restored vault's check found these; restore an earlier backup if you can.",
        )
    return EXIT_OK


def _cmd_backup_test(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    path = Path(args.file).expanduser()
    kind = args.secret_kind
    secret = secrets.ask("Recovery code: " if kind == "recovery" else "Passphrase: ")
    with _progress("test restore") as progress, os_errors_as_user_errors(path.absolute().parent):
        report = test_restore(path, kind, secret, progress=progress)
    if report.passed and report.manifest is not None:
        m = report.manifest
        out.write(
            f"{report.path}: test restore passed (taken {m.created_at:%Y-%m-%d %H:%M:%S} UTC; restored into a "
            f"temporary folder, opened, checked clean with {sum(m.row_counts.values()):,} rows as recorded, "
            "and deleted).\n"
        )
        return EXIT_OK
    return _damaged(report.path, report.problems, out, _DO_NOT_RELY)


def _damaged(path: Path, problems: list[str], out: TextIO, advice: str) -> int:
    out.write(f"{path}: {plural(len(problems), 'problem')} found:\n")
    for problem in problems:
        out.write(f"  - {problem}\n")
    out.write(f"{advice}\n")
    return EXIT_PROBLEMS


def _cmd_backup_list(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    folder = Path(args.dir).expanduser().absolute()
    if not folder.is_dir():
        raise UserError(f"There is no folder at {folder}. Connect the drive or name the folder holding the backups.")
    with os_errors_as_user_errors(folder):
        found = list_backups(folder)
    if args.json:
        rows: list[dict[str, Any]] = [
            {
                "file": f.path.name,
                "vault_id": f.name.vault_id,
                "taken_at": f.name.taken_at.isoformat().replace("+00:00", "Z"),
                "size": f.size,
            }
            for f in found
        ]
        json.dump(rows, out, indent=2)
        out.write("\n")
        return EXIT_OK
    if not found:
        out.write(f"No Therapy Desk backups in {folder}.\n")
        return EXIT_OK
    for f in found:
        out.write(
            f"{f.name.taken_at:%Y-%m-%d %H:%M:%S} UTC  {_size(f.size):>10}  vault {f.name.vault_id}  {f.path.name}\n"
        )
    return EXIT_OK


class _RecoveryStdin(argparse.Action):
    """`--recovery-stdin`: read the recovery code, not the passphrase, from standard input."""

    def __call__(
        self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any, option: str | None = None
    ) -> None:
        namespace.from_stdin, namespace.secret_kind, namespace.secret_flag = True, "recovery", "--recovery-stdin"


def _with_backup_secret(parser: CommandParser, func: Callable[[argparse.Namespace, Secrets, TextIO], int]) -> None:
    """FILE, and the backup's own passphrase (or recovery code) from standard input or a prompt."""
    parser.add_argument("file", metavar="FILE", help="the .tdbackup file")
    secret = parser.add_mutually_exclusive_group()
    secret.add_argument(
        "--passphrase-stdin", dest="from_stdin", action="store_true",
        help="read the backup's passphrase from standard input instead of prompting",
    )  # fmt: skip
    secret.add_argument(
        "--recovery-stdin", nargs=0, action=_RecoveryStdin,
        help="read the backup's recovery code from standard input instead of a passphrase",
    )  # fmt: skip
    parser.set_defaults(
        func=func,
        secret_flag="--passphrase-stdin",  # noqa: S106 - the option's name, not a secret
        secret_kind="passphrase",  # noqa: S106
        help_prog=parser.prog,
    )
    if not any(action.dest == "vault" for action in parser._actions):
        parser.set_defaults(vault=None)


def add_backup_commands(groups: argparse._SubParsersAction[CommandParser], add_command: AddCommand) -> None:
    """`backup create`, `verify`, `list`, `restore` and `test` under `groups` (cli.py's `_add_command` builds the
    commands that open a vault)."""
    backup = groups.add_parser("backup", help="write, verify and list backup files (.tdbackup)")
    actions = backup.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = add_command(
        actions, "create", _cmd_backup_create,
        "write a backup of the vault into a folder (a USB drive) and verify it from the drive",
    )  # fmt: skip
    create.add_argument("--to", required=True, metavar="DIR", help="the folder to write the backup file to")

    help_text = (
        "check a backup file: its hashes, its key (with that backup's passphrase or recovery code), its database"
    )
    _with_backup_secret(actions.add_parser("verify", help=help_text, description=help_text), _cmd_backup_verify)

    help_text = (
        "restore a backup into the vault folder DIR (kept aside whole as DIR.pre-restore-<UTC time>) or a new, "
        "empty folder, after verifying it; with --recovery-stdin, a new passphrase is read next"
    )
    restore = actions.add_parser("restore", help=help_text, description=help_text)
    restore.add_argument("--vault", required=True, metavar="DIR", help="the vault's folder, or a new or empty one")
    _with_backup_secret(restore, _cmd_backup_restore)

    help_text = "test restore: restore a backup into a temporary folder, open and check it, then delete the folder"
    _with_backup_secret(actions.add_parser("test", help=help_text, description=help_text), _cmd_backup_test)

    help_text = "list the backups in a folder, newest first (no passphrase needed: only their names are read)"
    listing = actions.add_parser("list", help=help_text, description=help_text)
    listing.add_argument("dir", metavar="DIR", help="the folder holding the backups")
    listing.add_argument("--json", action="store_true", help="print JSON instead of lines")
    listing.set_defaults(func=_cmd_backup_list, from_stdin=False, help_prog=listing.prog, vault=None)
    listing.set_defaults(secret_flag="--passphrase-stdin")  # noqa: S106 - the option's name, not a secret
