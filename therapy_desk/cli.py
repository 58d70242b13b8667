"""The `therapy-desk` command: the same storage API as the app, for scripts, tests and headless work.

Secrets come from a terminal prompt, or from standard input with --passphrase-stdin /
--recovery-stdin (one per line). Never from argv or the environment. A problem the user can
fix prints one line and exits 2.
"""

from __future__ import annotations

import argparse
import dataclasses
import enum
import getpass
import json
import shutil
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TextIO

from therapy_desk import __version__, paths
from therapy_desk.domain.billing import format_cents
from therapy_desk.domain.clients import ClientStatus
from therapy_desk.errors import UserError
from therapy_desk.storage.search import HIGHLIGHT_END, HIGHLIGHT_START
from therapy_desk.storage.vault import Vault

EXIT_OK, EXIT_PROBLEMS, EXIT_USER_ERROR = 0, 1, 2


class Secrets:
    """Reads secrets from standard input (one per line) or from the terminal, never from elsewhere."""

    def __init__(self, from_stdin: bool, stdin: TextIO, flag: str) -> None:
        self._from_stdin = from_stdin
        self._stdin = stdin
        self._flag = flag

    def ask(self, prompt: str, *, confirm: bool = False) -> str:
        if self._from_stdin:
            line = self._stdin.readline()
            if not line:
                raise UserError(f"Expected one more line on standard input ({prompt.rstrip(': ').lower()}).")
            return line.rstrip("\r\n")
        if not self._stdin.isatty():
            raise UserError(f"There is no terminal to ask on; give secrets on standard input with {self._flag}.")
        try:
            value = getpass.getpass(prompt)
            if confirm and getpass.getpass("Type it again: ") != value:
                raise UserError("The two entries did not match; nothing was changed.")
        except EOFError:  # Ctrl-D (Ctrl-Z on Windows) at the prompt
            raise UserError("Nothing was typed at the prompt; nothing was changed.") from None
        return value


def _vault_dir(args: argparse.Namespace) -> Path:
    if args.vault is None:
        return paths.default_vault_dir()
    if not args.vault.strip():
        # An unset shell variable (`--vault "$DIR"`) must not quietly mean the real, default vault.
        raise UserError("--vault was given an empty folder name. Name the vault folder, or leave --vault out.")
    return Path(args.vault)


def _cmd_vault_create(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    folder = _vault_dir(args)
    passphrase = secrets.ask("New passphrase: ", confirm=True)
    vault, code = Vault.create(folder, passphrase)
    vault.close()
    out.write(
        f"Created a vault at {vault.folder}\n\n"
        "Your recovery code (shown only this once):\n\n"
        f"    {code}\n\n"
        "Write it down and keep it somewhere safe, away from this computer. With it you can set a new\n"
        "passphrase if you forget yours; without both, nobody can open this vault.\n"
    )
    return EXIT_OK


def _cmd_vault_check(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    from therapy_desk.progress_line import PhaseLines

    folder = _vault_dir(args)
    passphrase = secrets.ask("Passphrase: ")
    # Progress only for a person watching: a script reading stderr gets nothing but errors.
    progress = PhaseLines(sys.stderr) if sys.stderr.isatty() else None
    try:
        with Vault.open_for_check(folder, passphrase) as vault:
            report = vault.check(progress)
    finally:
        if progress is not None:
            progress.close()
    if report.clean:
        out.write(
            f"{vault.folder}: clean (database integrity ok, all {report.pages:,} pages authenticated, "
            f"{report.triggers} triggers as defined, audit log of {report.audit_rows:,} events intact; "
            f"{report.notes:,} signed notes, {report.addenda:,} addenda and {report.plans:,} treatment plans "
            "match their seals).\n"
        )
        return EXIT_OK
    out.write(f"{vault.folder}: {len(report.problems)} problem(s) found:\n")
    for problem in report.problems:
        out.write(f"  - {problem}\n")
    out.write("Restore from your most recent verified backup, or keep this vault unchanged for recovery.\n")
    return EXIT_PROBLEMS


def _cmd_vault_passwd(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    folder = _vault_dir(args)
    current = secrets.ask("Current passphrase: ")
    with Vault.open(folder, current) as vault:
        new = secrets.ask("New passphrase: ", confirm=True)
        vault.change_passphrase(current, new)
    out.write("Passphrase changed. Your recovery code is unchanged.\n")
    return EXIT_OK


def _cmd_vault_recover(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    folder = _vault_dir(args)
    code = secrets.ask("Recovery code: ")
    new = secrets.ask("New passphrase: ", confirm=True)
    Vault.recover(folder, code, new).close()
    out.write(
        "Passphrase reset. Your recovery code still works; issue a new one from Settings if it may have been seen.\n"
    )
    return EXIT_OK


def _jsonable(value: object) -> object:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _write_json(records: Sequence[object], out: TextIO) -> int:
    """Dataclass records as a JSON list (dates ISO, enums by value)."""
    rows = [{k: _jsonable(v) for k, v in dataclasses.asdict(r).items()} for r in records]  # type: ignore[call-overload]
    json.dump(rows, out, ensure_ascii=False, indent=2)
    out.write("\n")
    return EXIT_OK


def _cmd_clients_list(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    passphrase = secrets.ask("Passphrase: ")
    statuses = [ClientStatus(s) for s in args.status]
    with Vault.open(_vault_dir(args), passphrase) as vault:
        rows = vault.caseload.rows(vault.caseload.ids(statuses=statuses))
    if args.json:
        return _write_json(rows, out)
    for row in rows:
        upcoming = f"{row.next_appointment:%Y-%m-%d %H:%M}" if row.next_appointment else "—"
        out.write(
            f"{row.client_id:>6}  {row.name:<32.32} {row.status.value:<10} next {upcoming:<16} "
            f"{row.principal_code or '':<8} {row.payer or 'self-pay':<20.20} {format_cents(row.balance_cents):>11}\n"
        )
    out.write(f"{len(rows)} client(s)\n")
    return EXIT_OK


def _cmd_search(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    passphrase = secrets.ask("Passphrase: ")
    with Vault.open(_vault_dir(args), passphrase) as vault:
        hits = vault.search.search(args.query, limit=args.limit)
    if args.json:
        return _write_json(hits, out)
    for hit in hits:
        where = f"note {hit.note_id} ({hit.date})" if hit.note_id else "client"
        out.write(f"client {hit.client_id:>6}  {where:<24} {_plain_snippet(hit.snippet)}\n")
    out.write(f"{len(hits)} match(es)\n")
    return EXIT_OK


def _plain_snippet(snippet: str) -> str:
    return snippet.replace(HIGHLIGHT_START, "[").replace(HIGHLIGHT_END, "]").replace("\n", " ")


def _cmd_demo(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    from therapy_desk.storage.demo import build_demo  # the invented-practice generator is only needed here

    if args.clients < 1 or args.years < 1:
        raise UserError("--clients and --years must be at least 1.")
    passphrase = secrets.ask("New passphrase for the demo vault: ", confirm=True)
    vault, code = Vault.create(_vault_dir(args), passphrase)
    try:
        with vault:
            summary = build_demo(vault, clients=args.clients, years=args.years, seed=args.seed)
    except BaseException:
        shutil.rmtree(vault.folder, ignore_errors=True)  # a half-built demo is no use to anyone
        raise
    out.write(
        f"Built a demo practice in {vault.folder}: {summary.clients} invented clients, {summary.notes} notes.\n"
        f"Its recovery code: {code}\n"
    )
    return EXIT_OK


Command = Callable[[argparse.Namespace, Secrets, TextIO], int]


def _add_command(
    actions: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    func: Command,
    help_text: str,
    stdin_flag: str = "--passphrase-stdin",
    *,
    vault_required: bool = False,
) -> argparse.ArgumentParser:
    sub = actions.add_parser(name, help=help_text, description=help_text)
    sub.add_argument(
        "--vault", metavar="DIR", required=vault_required, help="vault folder (default: the app's data folder)"
    )
    sub.add_argument(
        stdin_flag,
        dest="from_stdin",
        action="store_true",
        help="read secrets from standard input, one per line, instead of prompting",
    )
    sub.set_defaults(func=func, secret_flag=stdin_flag)
    return sub


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="therapy-desk",
        description="Therapy Desk: offline charting in an encrypted vault on your own disk.",
    )
    parser.add_argument("--version", action="version", version=f"therapy-desk {__version__}")
    groups = parser.add_subparsers(dest="group", metavar="COMMAND")

    vault = groups.add_parser("vault", help="create, check and manage the encrypted vault")
    actions = vault.add_subparsers(dest="action", metavar="ACTION", required=True)
    _add_command(actions, "create", _cmd_vault_create, "create a new vault and print its recovery code once")
    _add_command(actions, "check", _cmd_vault_check, "verify the database, its encryption and the audit log")
    _add_command(actions, "passwd", _cmd_vault_passwd, "change the passphrase (current, then new)")
    _add_command(
        actions, "recover", _cmd_vault_recover, "set a new passphrase using the recovery code", "--recovery-stdin"
    )

    clients = groups.add_parser("clients", help="list the caseload")
    client_actions = clients.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = _add_command(
        client_actions, "list", _cmd_clients_list, "list clients by name with their caseload columns"
    )
    listing.add_argument("--json", action="store_true", help="print JSON instead of a table")
    listing.add_argument(
        "--status", action="append", default=[], choices=[s.value for s in ClientStatus], help="only this status"
    )

    search = _add_command(groups, "search", _cmd_search, "full-text search of client names and progress notes")
    search.add_argument("query", help="words to find (the last one also matches as a prefix)")
    search.add_argument("--json", action="store_true", help="print JSON instead of lines")
    search.add_argument("--limit", type=int, default=50, help="most results to show (default 50)")

    demo = _add_command(
        groups, "demo", _cmd_demo, "create a new vault holding an invented demo practice", vault_required=True
    )
    demo.add_argument("--clients", type=int, default=120, help="number of invented clients (default 120)")
    demo.add_argument("--years", type=int, default=3, help="years of history (default 3)")
    demo.add_argument("--seed", type=int, default=1, help="the same seed builds the same practice (default 1)")
    return parser


def main(argv: Sequence[str] | None = None, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    stdin = stdin or sys.stdin
    out = stdout or sys.stdout
    parser = _parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        if not (sys.argv[1:] if argv is None else list(argv)):
            from therapy_desk.ui.app import run_app  # lazy: the command line never loads Qt

            return run_app([sys.argv[0]])
        parser.print_help(out)
        return EXIT_OK
    secrets = Secrets(args.from_stdin, stdin, args.secret_flag)
    try:
        return int(args.func(args, secrets, out))
    except UserError as err:
        print(f"therapy-desk: {err}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("therapy-desk: cancelled; nothing was changed.", file=sys.stderr)
        return 130
