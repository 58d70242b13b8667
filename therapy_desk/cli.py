"""The `therapy-desk` command: the same storage API as the app, for scripts, tests and headless work.

Secrets come from a terminal prompt, or from standard input with --passphrase-stdin /
--recovery-stdin (one per line). Never from argv or the environment. A problem the user can
fix prints one line and exits 2; a bug prints one line, leaves a crash report without PHI,
and exits 70. Nothing the user typed on the command line is repeated in an error: it may be a
secret typed in the wrong place.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import getpass
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from therapy_desk import __version__, crash
from therapy_desk.cli_backup import add_backup_commands
from therapy_desk.cli_billing import add_billing_commands
from therapy_desk.cli_chart import add_chart_commands
from therapy_desk.cli_claims import add_claim_commands
from therapy_desk.cli_documents import add_document_commands
from therapy_desk.cli_export import add_export_commands
from therapy_desk.cli_folders import vault_dir
from therapy_desk.cli_import import add_import_commands
from therapy_desk.cli_parser import EXIT_OK, EXIT_PROBLEMS, EXIT_USER_ERROR, CommandParser
from therapy_desk.cli_records import (
    _cmd_clients_list,
    _cmd_notes_list,
    _cmd_schedule,
    _cmd_schedule_ics,
    _cmd_search,
    _date_range_options,
    _told,
)
from therapy_desk.demo.builder import MAX_CLIENTS, MAX_YEARS, MIN_CLIENTS
from therapy_desk.domain.clients import ClientStatus
from therapy_desk.domain.ics import Identifier
from therapy_desk.domain.text import plural
from therapy_desk.errors import UserError, VaultDamaged
from therapy_desk.storage.files import user_error_for_os_error
from therapy_desk.storage.search import MIN_PREFIX_CHARS
from therapy_desk.storage.vault import Vault

EXIT_CANCELLED = 130
EXIT_BROKEN_PIPE = 141  # what a shell reports for a program stopped by SIGPIPE (`| head`)
MAX_LINE_BYTES = 64 * 1024  # a passphrase or a query; `< /dev/zero` must not fill the memory


class Secrets:
    """Reads secrets from standard input (one per line) or from the terminal, never from elsewhere.

    Standard input is read as UTF-8 whatever the locale says, so a passphrase means the same bytes
    on every machine, and a line that is not UTF-8 is refused with a sentence.
    """

    def __init__(self, from_stdin: bool, stdin: TextIO, flag: str) -> None:
        self._from_stdin = from_stdin
        self._stdin = stdin
        self._flag = flag

    def ask(self, prompt: str, *, confirm: bool = False) -> str:
        what = prompt.rstrip(": ").lower()
        if self._from_stdin:
            return self.line(what)
        if not self._stdin.isatty():
            raise UserError(f"There is no terminal to ask on; give secrets on standard input with {self._flag}.")
        try:
            value = getpass.getpass(prompt)
            if confirm and getpass.getpass("Type it again: ") != value:
                raise UserError("The two entries did not match; nothing was changed.")
        except EOFError:  # Ctrl-D (Ctrl-Z on Windows) at the prompt
            raise UserError("Nothing was typed at the prompt; nothing was changed.") from None
        except UnicodeDecodeError:
            raise UserError(f"The {what} typed is not UTF-8 text; nothing was changed.") from None
        return value

    @property
    def at_terminal(self) -> bool:
        return self._stdin.isatty()

    def line(self, what: str) -> str:
        """The next line of standard input (without its line end); `what` names it in errors."""
        raw = getattr(self._stdin, "buffer", None)
        try:
            if raw is not None:  # bytes, so the locale's decoding (or its surrogateescape) never applies
                data = raw.readline(MAX_LINE_BYTES + 1)
                too_long = len(data) > MAX_LINE_BYTES and not data.endswith(b"\n")
                line = data.decode("utf-8")
            else:
                line = self._stdin.readline(MAX_LINE_BYTES + 1)
                too_long = len(line) > MAX_LINE_BYTES and not line.endswith("\n")
                line.encode("utf-8")  # a stream decoded with surrogateescape hands on bytes that are not text
        except UnicodeError:
            raise UserError(
                f"The {what} on standard input is not UTF-8 text. Save it as UTF-8 and try again; nothing was changed."
            ) from None
        if too_long:
            raise UserError(f"The {what} on standard input is longer than {MAX_LINE_BYTES // 1024} KiB.")
        if not line:
            raise UserError(f"Expected one more line on standard input ({what}).")
        return line.rstrip("\r\n")


def _cmd_vault_create(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    folder = vault_dir(args.vault, creating=True)
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

    folder = vault_dir(args.vault)
    passphrase = secrets.ask("Passphrase: ")
    # Progress only for a person watching: a script reading stderr gets nothing but errors.
    progress = PhaseLines(sys.stderr) if sys.stderr.isatty() else None
    try:
        with Vault.open_for_check(folder, passphrase) as vault:
            report = vault.check(progress)
    except VaultDamaged as damage:
        # Damage that stops the vault opening at all is what this command looks for: a problem found.
        return _problems_found(folder.absolute(), [damage.finding], out)
    finally:
        if progress is not None:
            progress.close()
    if report.clean:
        out.write(
            f"{vault.folder}: clean (database integrity ok, all {report.pages:,} pages authenticated, "
            f"{report.triggers} triggers as defined, audit log of {report.audit_rows:,} events intact; "
            f"{report.notes:,} signed notes, {report.addenda:,} addenda and {report.plans:,} treatment plans "
            f"match their seals{_disposed(report.disposed)}).\n"
        )
        return EXIT_OK
    return _problems_found(vault.folder, report.problems, out)


def _disposed(count: int) -> str:
    """The sealed records the disposal log accounts for, said when there are any."""
    return f"; {count:,} records disposed of after retention" if count else ""


def _problems_found(folder: Path, problems: Sequence[str], out: TextIO) -> int:
    out.write(f"{folder}: {plural(len(problems), 'problem')} found:\n")
    for problem in problems:
        out.write(f"  - {problem}\n")
    out.write("Restore from your most recent verified backup, or keep this vault unchanged for recovery.\n")
    return EXIT_PROBLEMS


def _cmd_vault_passwd(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    folder = vault_dir(args.vault)
    current = secrets.ask("Current passphrase: ")
    with _told(Vault.open(folder, current)) as vault:
        new = secrets.ask("New passphrase: ", confirm=True)
        vault.change_passphrase(current, new)
    out.write("Passphrase changed. Your recovery code is unchanged.\n")
    return EXIT_OK


def _cmd_vault_recover(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    folder = vault_dir(args.vault)
    code = secrets.ask("Recovery code: ")
    new = secrets.ask("New passphrase: ", confirm=True)
    _told(Vault.recover(folder, code, new)).close()
    out.write(
        "Passphrase reset. Your recovery code still works; issue a new one from Settings if it may have been seen.\n"
    )
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    from therapy_desk.demo.staging import create_demo_vault  # the generator is only needed here

    # The generator's own bounds, checked before anything is asked or made.
    if not MIN_CLIENTS <= args.clients <= MAX_CLIENTS:
        raise UserError(f"--clients must be from {MIN_CLIENTS} to {MAX_CLIENTS:,}.")
    if not 1 <= args.years <= MAX_YEARS:
        raise UserError(f"--years must be from 1 to {MAX_YEARS}.")
    folder = vault_dir(args.vault, creating=True)
    passphrase = secrets.ask("New passphrase for the demo vault: ", confirm=True)
    # Built beside the folder and moved in when complete: an interrupted build leaves no vault at all.
    made = create_demo_vault(folder, passphrase, clients=args.clients, years=args.years, seed=args.seed)
    out.write(
        f"Built a demo practice in {made.folder}: {made.summary.clients} invented clients, "
        f"{made.summary.notes} notes.\n"
        f"Its recovery code: {made.recovery_code}\n"
    )
    return EXIT_OK


Command = Callable[[argparse.Namespace, Secrets, TextIO], int]


def _add_command(
    actions: argparse._SubParsersAction[CommandParser],
    name: str,
    func: Command,
    help_text: str,
    stdin_flag: str = "--passphrase-stdin",
    *,
    vault_required: bool = False,
) -> CommandParser:
    sub = actions.add_parser(name, help=help_text, description=help_text)
    sub.add_argument(
        "--vault",
        metavar="DIR",
        required=vault_required,
        help="vault folder (required)" if vault_required else "vault folder (default: the app's data folder)",
    )
    sub.add_argument(
        stdin_flag,
        dest="from_stdin",
        action="store_true",
        help="read secrets from standard input, one per line, instead of prompting",
    )
    sub.set_defaults(func=func, secret_flag=stdin_flag, help_prog=sub.prog)
    return sub


def _parser() -> CommandParser:
    parser = CommandParser(
        prog="therapy-desk",
        description="Therapy Desk: offline charting in an encrypted vault on your own disk. With no command, "
        "opens the desktop app (on the vault in DIR with --vault).",
    )
    parser.add_argument("--version", action="version", version=f"therapy-desk {__version__}")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check this copy works: a vault, a client, a signed note, a superbill, a backup restored and the "
        "app opened, all in a temporary folder with no window; exit 0 when every step passed",
    )
    # Its own name: a command's --vault (after the command) would otherwise quietly overwrite it.
    parser.add_argument(
        "--vault",
        dest="app_vault",
        metavar="DIR",
        help="open the app on the vault in DIR (a vault on a USB stick, a second practice); "
        "with no vault there yet, the app offers to create one",
    )
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
    search.add_argument(
        "query",
        nargs="?",
        help=f"words to find (the last one, from {MIN_PREFIX_CHARS} letters, also matches the start of a word: "
        "zeppel finds zeppelin); visible in `ps` and the shell history, so prefer --query-stdin for a client's name",
    )
    search.add_argument(
        "--query-stdin",
        action="store_true",
        help="read the words to find as one line from standard input instead of QUERY "
        "(after the passphrase line when --passphrase-stdin is also given)",
    )
    search.add_argument("--json", action="store_true", help="print JSON instead of lines")
    search.add_argument("--limit", type=int, default=50, help="most results to show (default 50)")

    notes = groups.add_parser("notes", help="list a client's notes")
    note_actions = notes.add_subparsers(dest="action", metavar="ACTION", required=True)
    note_listing = _add_command(
        note_actions, "list", _cmd_notes_list,
        "list a client's notes newest first: date, kind, status, signature and addenda, never the text",
    )  # fmt: skip
    note_listing.add_argument("--client", type=int, required=True, metavar="ID", help="the client's id")
    note_listing.add_argument("--unsigned", action="store_true", help="only drafts, not yet signed")
    note_listing.add_argument("--json", action="store_true", help="print JSON instead of lines")

    schedule = _add_command(groups, "schedule", _cmd_schedule, "list the appointments from one date to another")
    _date_range_options(schedule)
    schedule.add_argument("--json", action="store_true", help="print JSON instead of lines")
    schedule_actions = schedule.add_subparsers(dest="action", metavar="ACTION")
    export = _add_command(
        schedule_actions, "export-ics", _cmd_schedule_ics,
        "write the appointments from one date to another as an .ics calendar file (cancelled ones left out)",
    )  # fmt: skip
    _date_range_options(export)
    export.add_argument("-o", "--output", required=True, metavar="FILE", help="the .ics file to write")
    export.add_argument(
        "--identify", choices=[i.value.replace(" ", "-") for i in Identifier], default="initials",
        help="how each event names the client (default: initials; never a diagnosis)",
    )  # fmt: skip

    demo = _add_command(
        groups, "demo", _cmd_demo, "create a new vault holding an invented demo practice", vault_required=True
    )
    demo.add_argument(
        "--clients", type=int, default=120, help=f"invented clients, {MIN_CLIENTS} to {MAX_CLIENTS:,} (default 120)"
    )
    demo.add_argument("--years", type=int, default=3, help=f"years of history, 1 to {MAX_YEARS} (default 3)")
    demo.add_argument("--seed", type=int, default=1, help="the same seed builds the same practice (default 1)")
    add_backup_commands(groups, _add_command)
    add_billing_commands(groups, _add_command)
    add_document_commands(groups, _add_command)
    add_claim_commands(groups, _add_command)
    add_export_commands(groups, _add_command)
    add_chart_commands(groups, _add_command)
    add_import_commands(groups, _add_command)
    return parser


def main(argv: Sequence[str] | None = None, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """Run one command and return its exit code.

    0 done; 1 `vault check` found problems; 2 something the user can fix (one sentence on stderr);
    70 a bug (one sentence, and a crash report without PHI in the state folder); 130 cancelled;
    141 the reader of the output went away (`| head`), which is not an error.
    """
    out = stdout or sys.stdout
    try:
        code = _run(sys.argv[1:] if argv is None else list(argv), stdin or sys.stdin, out)
        out.flush()  # inside the handlers: a reader gone away (`| head`) shows here
        return code
    except UserError as err:
        return _say(str(err), EXIT_USER_ERROR)
    except KeyboardInterrupt:
        return _say("cancelled; nothing was changed.", EXIT_CANCELLED)
    except BrokenPipeError:
        _quiet_stdout()
        return EXIT_BROKEN_PIPE
    except OSError as err:
        known = _os_error_sentence(err)
        if known is None:
            return crash.report_crash(err, where="command line")
        return _say(known, EXIT_USER_ERROR)
    except Exception as exc:  # the last resort: whatever it is, it is a bug
        return crash.report_crash(exc, where="command line")


def _run(argv: list[str], stdin: TextIO, out: TextIO) -> int:
    parser = _parser()
    try:
        args = parser.parse_command_line(argv)
    except SystemExit as done:  # --help, --version, or a command line that was not understood
        return done.code if isinstance(done.code, int) else EXIT_USER_ERROR
    if args.self_test:
        if args.group is not None or args.app_vault is not None:
            raise UserError("--self-test runs on its own, in a temporary folder: give it without a command or --vault.")
        from therapy_desk.self_test import run as self_test  # lazy: only the self-test loads its steps

        return self_test(out)
    if getattr(args, "func", None) is None:
        if args.group is None:  # no command: the desktop app
            return _run_app(args.app_vault)
        parser.print_help(out)
        return EXIT_OK
    if args.app_vault is not None:  # `therapy-desk --vault DIR COMMAND`: the command's vault
        if args.vault is not None:
            raise UserError("--vault was given twice, before and after the command. Give it once.")
        args.vault = args.app_vault
    secrets = Secrets(args.from_stdin, stdin, args.secret_flag)
    return int(args.func(args, secrets, out))


def _run_app(vault: str | None) -> int:
    """The desktop app, on the vault in `vault` (checked first, as every command checks its --vault)."""
    folder = None if vault is None else vault_dir(vault, creating=True).absolute()
    from therapy_desk.ui.app import run_app  # lazy: the command line never loads Qt

    return run_app([sys.argv[0]], folder=folder)


def _say(sentence: str, code: int) -> int:
    print(f"therapy-desk: {sentence}", file=sys.stderr)
    return code


def _os_error_sentence(err: OSError) -> str | None:
    """A sentence for an OS error the user can act on that reached here unnamed; None for a bug."""
    where = Path(err.filename) if isinstance(err.filename, str) else None
    if where is not None and (known := user_error_for_os_error(err, where)) is not None:
        return str(known)
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        return "The disk is full. Free some space and try again."
    if err.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return "Therapy Desk lacks permission to write where it needs to (or the disk is read-only)."
    if err.errno == errno.ENAMETOOLONG:
        return "A file or folder name is too long for this system; choose a shorter one."
    return None


def _quiet_stdout() -> None:
    """Point stdout at the null device, so flushing it at exit does not fail a second time (Python's advice)."""
    with contextlib.suppress(OSError, ValueError):  # not a real file (a test's buffer): nothing to flush later
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
