"""Every fault on the command line ends in one sentence (exit 2), never a traceback, and never echoes a secret.

Bad bytes on standard input, --vault paths that cannot be a vault folder, words argparse does not know
(a passphrase typed as an argument), and a reader that goes away (`| head -1`).
"""

from __future__ import annotations

import argparse
import io
import os
import shlex
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from tests.children import child_env, cli_command
from tests.claims.practice import claims_practice
from tests.conftest import PASSPHRASE
from tests.records.test_csv_import import client_row, write_csv
from therapy_desk import cli
from therapy_desk.demo.builder import build_demo
from therapy_desk.storage.backup import create_backup
from therapy_desk.storage.vault import Vault

pytestmark = pytest.mark.reliability  # each fault of the command line ends in one sentence

SECRET = "hunter2-secret"


def _run(capsys: pytest.CaptureFixture[str], argv: list[str], stdin: bytes = b"") -> tuple[int, str, str]:
    """In-process, with standard input as the bytes a pipe would carry."""
    capsys.readouterr()
    out = io.StringIO()
    code = cli.main(argv, stdin=io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"), stdout=out)
    captured = capsys.readouterr()
    return code, out.getvalue() + captured.out, captured.err


def _sentence(code: int, out: str, err: str) -> str:
    assert code == cli.EXIT_USER_ERROR, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("therapy-desk: ")
    return lines[0]


def _tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


# -- standard input ------------------------------------------------------------------------------------------

NOT_UTF8 = b"\xff\xfe S\xf8ren\n"  # Latin-1, as a file saved in the wrong encoding would be


@pytest.mark.parametrize(
    ("argv", "stdin", "named"),
    [
        pytest.param(["vault", "check"], NOT_UTF8, "passphrase", id="check"),
        pytest.param(["vault", "passwd"], PASSPHRASE.encode() + b"\n" + NOT_UTF8, "new passphrase", id="passwd"),
        pytest.param(["clients", "list"], NOT_UTF8, "passphrase", id="clients list"),
        pytest.param(["search", "--query-stdin"], PASSPHRASE.encode() + b"\n" + NOT_UTF8, "search query", id="query"),
        pytest.param(["search", "x"], NOT_UTF8, "passphrase", id="search"),
    ],
)
def test_bytes_that_are_not_utf8_on_stdin_are_one_sentence(
    capsys: pytest.CaptureFixture[str], created: tuple[Path, str], argv: list[str], stdin: bytes, named: str
) -> None:
    folder = created[0]

    run = _run(capsys, [*argv, "--vault", str(folder), "--passphrase-stdin"], stdin)

    line = _sentence(*run)
    assert f"The {named} on standard input is not UTF-8 text" in line
    Vault.open(folder, PASSPHRASE).close()  # unchanged


def test_a_recovery_code_that_is_not_utf8_is_one_sentence(
    capsys: pytest.CaptureFixture[str], created: tuple[Path, str]
) -> None:
    run = _run(capsys, ["vault", "recover", "--vault", str(created[0]), "--recovery-stdin"], NOT_UTF8)

    assert "recovery code on standard input is not UTF-8" in _sentence(*run)


@pytest.mark.parametrize("command", [["vault", "create"], ["demo", "--clients", "12"]])
def test_a_new_vault_with_a_passphrase_that_is_not_utf8_is_not_made(
    capsys: pytest.CaptureFixture[str], cheap_calibration: None, tmp_path: Path, command: list[str]
) -> None:
    parent = tmp_path / "here"
    parent.mkdir()

    run = _run(capsys, [*command, "--vault", str(parent / "new"), "--passphrase-stdin"], NOT_UTF8)

    assert "not UTF-8" in _sentence(*run)
    assert _tree(parent) == []


def test_a_line_without_end_is_refused_before_it_fills_the_memory(
    capsys: pytest.CaptureFixture[str], created: tuple[Path, str]
) -> None:
    endless = b"x" * (cli.MAX_LINE_BYTES * 3)  # as `< /dev/zero` would be, but finite

    run = _run(capsys, ["vault", "check", "--vault", str(created[0]), "--passphrase-stdin"], endless)

    assert "longer than 64 KiB" in _sentence(*run)


@pytest.mark.slow
@pytest.mark.parametrize("locale", ["C.UTF-8", "C"])  # under C, Python reads stdin with surrogateescape
def test_printf_ff_fe_into_check_is_one_sentence_in_a_real_process(created: tuple[Path, str], locale: str) -> None:
    env = {**child_env(), "LC_ALL": locale}
    env.pop("PYTHONUTF8", None)
    run = subprocess.run(
        cli_command("vault", "check", "--vault", str(created[0]), "--passphrase-stdin"),
        input=b"\xff\xfe\n",
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
    )

    err = run.stderr.decode("utf-8", "replace")
    assert run.returncode == cli.EXIT_USER_ERROR, err
    assert "Traceback" not in err
    assert err.strip().splitlines() == [
        "therapy-desk: The passphrase on standard input is not UTF-8 text. Save it as UTF-8 and try again; "
        "nothing was changed."
    ]


# -- --vault paths ---------------------------------------------------------------------------------------------


def _special_path(kind: str, where: Path) -> Path:
    """A --vault value of the given kind, made under `where`."""
    if kind == "under a file":
        (where / "notes.txt").write_text("a file")
        return where / "notes.txt" / "vault"
    if kind == "deep under a file":
        (where / "notes.txt").write_text("a file")
        return where / "notes.txt" / "a" / "b" / "vault"
    if kind == "a fifo":
        os.mkfifo(where / "pipe")
        return where / "pipe"
    if kind == "a device":
        return Path(os.devnull)
    if kind == "a dangling link":
        os.symlink(where / "gone", where / "link")
        return where / "link"
    if kind == "a link loop":
        os.symlink(where / "loop-b", where / "loop-a")
        os.symlink(where / "loop-a", where / "loop-b")
        return where / "loop-a" / "vault"
    if kind == "a path too long":
        return where / ("a" * 300)
    if kind == "a name too long to build beside":
        return where / ("b" * 230)
    raise AssertionError(kind)


KINDS = [
    "under a file",
    "deep under a file",
    "a fifo",
    "a device",
    "a dangling link",
    "a link loop",
    "a path too long",
    "a name too long to build beside",
]


@pytest.mark.skipif(sys.platform == "win32", reason="FIFOs, devices and symlinks as POSIX has them")
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "command", [["vault", "create"], ["demo", "--clients", "12"], ["vault", "check"]], ids=["create", "demo", "check"]
)
def test_a_vault_path_that_cannot_be_a_folder_is_one_sentence_and_makes_nothing(
    capsys: pytest.CaptureFixture[str], cheap_calibration: None, tmp_path: Path, kind: str, command: list[str]
) -> None:
    where = tmp_path / "here"
    where.mkdir()
    folder = _special_path(kind, where)
    before = _tree(where)

    run = _run(capsys, [*command, "--vault", str(folder), "--passphrase-stdin"], f"{PASSPHRASE}\n".encode())

    line = _sentence(*run)
    assert PASSPHRASE not in line
    assert _tree(where) == before
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="permissions do not bind root")
def test_a_folder_that_may_not_be_written_is_one_sentence(
    capsys: pytest.CaptureFixture[str], cheap_calibration: None, tmp_path: Path
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        run = _run(capsys, ["vault", "create", "--vault", str(locked / "v"), "--passphrase-stdin"], b"x" * 20 + b"\n")
        assert "permission" in _sentence(*run)
        assert _tree(locked) == []
    finally:
        locked.chmod(0o700)


def test_a_folder_that_may_not_be_looked_in_is_one_sentence(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, cheap_calibration: None, tmp_path: Path
) -> None:
    # As a user without the x bit on the parent sees it (root, who runs CI here, is never refused).
    hidden = tmp_path / "hidden" / "vault"
    real_lstat = os.lstat

    def refusing_lstat(path: object, *args: object, **kwargs: object) -> os.stat_result:
        if Path(str(path)).parent == hidden.parent:
            raise PermissionError(13, "Permission denied", str(path))
        return real_lstat(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "lstat", refusing_lstat)
    for command in (["vault", "create"], ["vault", "check"]):
        run = _run(capsys, [*command, "--vault", str(hidden), "--passphrase-stdin"], f"{PASSPHRASE}\n".encode())
        assert "lack permission" in _sentence(*run)
    assert _tree(tmp_path) == []


def test_a_folder_that_may_not_be_written_in_is_refused_before_the_passphrase(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, cheap_calibration: None, tmp_path: Path
) -> None:
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: Path(path) != tmp_path and real_access(path, mode))

    run = _run(capsys, ["vault", "create", "--vault", str(tmp_path / "v"), "--passphrase-stdin"])  # no stdin at all

    assert "you lack permission to write in" in _sentence(*run)
    assert _tree(tmp_path) == []


def test_the_folder_an_interrupted_build_left_is_not_taken_for_a_vault(
    capsys: pytest.CaptureFixture[str], created: tuple[Path, str], tmp_path: Path
) -> None:
    leftover = tmp_path / ".vault.demo-build-0123abcd"
    created[0].rename(leftover)  # a complete-looking vault, under a name only an unfinished build uses

    run = _run(capsys, ["vault", "check", "--vault", str(leftover), "--passphrase-stdin"], f"{PASSPHRASE}\n".encode())

    assert "interrupted build" in _sentence(*run)


# -- argparse never repeats what was typed ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["vault", "check", "--passphrase", SECRET],  # was taken for an abbreviation of --passphrase-stdin
        ["vault", "check", f"--passphrase={SECRET}"],
        ["vault", "check", "--passphrase-std", SECRET],
        ["vault", "check", SECRET],
        ["vault", SECRET],
        [SECRET],
        [f"--{SECRET}"],
        ["clients", "list", "--status", SECRET],
        ["search", "--limit", SECRET, "anything"],
        ["search", f"--json={SECRET}", "anything"],
        ["search", "--query-stdin", SECRET, "anything"],
        ["demo", "--vault", "x", "--clients", SECRET],
        ["vault", "check", f"-h{SECRET}"],
    ],
)
def test_a_command_line_not_understood_never_repeats_what_was_typed(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    run = _run(capsys, argv, f"{PASSPHRASE}\n".encode())

    line = _sentence(*run)
    assert SECRET not in run[1] + run[2]
    assert SECRET[1:] not in run[1] + run[2]  # nor the tail of it, after a short option's letter
    assert "--help" in line


def test_an_option_is_never_taken_for_the_start_of_a_longer_one(
    capsys: pytest.CaptureFixture[str], created: tuple[Path, str]
) -> None:
    run = _run(capsys, ["vault", "check", "--vault", str(created[0]), "--passphrase-std"], f"{PASSPHRASE}\n".encode())

    line = _sentence(*run)
    assert "Word 5" in line
    assert "clean" not in run[1]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["vault", "check", "--passphrase", SECRET], "Words 3 and 4 of the command line are not words"),
        (["clients", "list", "--status", SECRET], "--status must be one of inquiry, waitlist, active"),
        (["search", "--limit", SECRET, "x"], "--limit needs a whole number"),
        (["vault"], "needs the action (create, check, passwd or recover)"),
        (["demo"], "`therapy-desk demo` needs --vault"),
        (["vault", "check", "--vault"], "--vault needs a value after it"),
        (
            [SECRET],
            "The command must be one of vault, clients, search, notes, schedule, demo, backup, ledger, aging, "
            "superbill, statement, estimate, claims, cms1500, x12, export, chart-export or import",
        ),
    ],
)
def test_the_sentence_says_which_option_or_position_was_wrong(
    capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    assert expected in _sentence(*_run(capsys, argv))


def test_a_secret_typed_as_an_option_gets_the_way_to_give_it(capsys: pytest.CaptureFixture[str]) -> None:
    line = _sentence(*_run(capsys, ["vault", "recover", "--recovery-code", SECRET]))

    assert "--recovery-stdin" in line


# -- search --query-stdin ----------------------------------------------------------------------------------------


def _with_clients(folder: Path) -> None:
    from datetime import date

    from therapy_desk.domain.clients import Client

    with Vault.open(folder, PASSPHRASE) as vault:
        vault.clients.create(Client("Søren", "Østergaard", date(1979, 7, 1)))
        vault.clients.create(Client("Zoë", "Adeyemi", date(1990, 3, 4)))


def test_search_reads_the_query_after_the_passphrase_on_stdin(
    capsys: pytest.CaptureFixture[str], created: tuple[Path, str]
) -> None:
    _with_clients(created[0])

    code, out, err = _run(
        capsys,
        ["search", "--query-stdin", "--vault", str(created[0]), "--passphrase-stdin"],
        f"{PASSPHRASE}\nadeyemi\n".encode(),
    )

    assert code == cli.EXIT_OK, err
    assert "Adeyemi" in out
    assert "Østergaard" not in out
    assert out.splitlines()[-1] == "1 match"


@pytest.mark.parametrize("argv", [["search"], ["search", "adeyemi", "--query-stdin"]], ids=["neither", "both"])
def test_search_takes_exactly_one_of_query_and_query_stdin(
    capsys: pytest.CaptureFixture[str], created: tuple[Path, str], argv: list[str]
) -> None:
    run = _run(capsys, [*argv, "--vault", str(created[0]), "--passphrase-stdin"], f"{PASSPHRASE}\nadeyemi\n".encode())

    line = _sentence(*run)
    assert "--query-stdin" in line
    assert "QUERY" in line


def test_search_without_the_query_line_says_what_is_missing(
    capsys: pytest.CaptureFixture[str], created: tuple[Path, str]
) -> None:
    run = _run(
        capsys,
        ["search", "--query-stdin", "--vault", str(created[0]), "--passphrase-stdin"],
        f"{PASSPHRASE}\n".encode(),
    )

    assert "Expected one more line on standard input (search query)" in _sentence(*run)


def test_search_help_tells_the_order_of_the_lines_and_why(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, ["search", "--help"])

    text = " ".join(out.split())
    assert code == cli.EXIT_OK
    assert "--query-stdin" in text
    assert "after the passphrase line when --passphrase-stdin is also given" in text
    assert "`ps`" in text


# -- a reader that goes away -------------------------------------------------------------------------------------


# Every command that writes to standard output, by its name, with the lines it reads on standard input:
# `{recovery}` is the vault's recovery code, `{new}` a folder that does not exist yet, `{folder}` one that
# holds a backup of the vault, `{backup}` that backup's file, `{empty}` an empty folder.
_WRITERS: dict[str, tuple[list[str], str]] = {
    "vault create": (["vault", "create", "--vault", "{new}", "--passphrase-stdin"], "{passphrase}\n"),
    "vault check": (["vault", "check", "--vault", "{vault}", "--passphrase-stdin"], "{passphrase}\n"),
    "vault passwd": (["vault", "passwd", "--vault", "{vault}", "--passphrase-stdin"], "{passphrase}\n{other}\n"),
    "vault recover": (["vault", "recover", "--vault", "{vault}", "--recovery-stdin"], "{recovery}\n{other}\n"),
    "clients list": (["clients", "list", "--vault", "{vault}", "--passphrase-stdin"], "{passphrase}\n"),
    "clients list --json": (
        ["clients", "list", "--json", "--vault", "{vault}", "--passphrase-stdin"],
        "{passphrase}\n",
    ),
    "search": (["search", "--query-stdin", "--vault", "{vault}", "--passphrase-stdin"], "{passphrase}\nadeyemi\n"),
    "search --json": (
        ["search", "--json", "--query-stdin", "--vault", "{vault}", "--passphrase-stdin"],
        "{passphrase}\nadeyemi\n",
    ),
    "notes list": (["notes", "list", "--client", "1", "--vault", "{vault}", "--passphrase-stdin"], "{passphrase}\n"),
    "notes list --json": (
        ["notes", "list", "--client", "1", "--json", "--vault", "{vault}", "--passphrase-stdin"],
        "{passphrase}\n",
    ),
    "schedule": (
        ["schedule", "--from", "2025-01-01", "--to", "2025-12-31", "--vault", "{vault}", "--passphrase-stdin"],
        "{passphrase}\n",
    ),
    "schedule --json": (
        [
            "schedule",
            "--json",
            "--from",
            "2025-01-01",
            "--to",
            "2025-12-31",
            "--vault",
            "{vault}",
            "--passphrase-stdin",
        ],
        "{passphrase}\n",
    ),
    "schedule export-ics": (
        [
            "schedule",
            "export-ics",
            "--from",
            "2025-01-01",
            "--to",
            "2025-12-31",
            "-o",
            "{new}.ics",
            "--vault",
            "{vault}",
            "--passphrase-stdin",
        ],
        "{passphrase}\n",
    ),
    "demo": (["demo", "--clients", "12", "--years", "1", "--vault", "{new}", "--passphrase-stdin"], "{passphrase}\n"),
    "backup create": (
        ["backup", "create", "--to", "{empty}", "--vault", "{vault}", "--passphrase-stdin"],
        "{passphrase}\n",
    ),
    "backup verify": (["backup", "verify", "{backup}", "--passphrase-stdin"], "{passphrase}\n"),
    "backup verify --recovery-stdin": (["backup", "verify", "{backup}", "--recovery-stdin"], "{recovery}\n"),
    "backup restore": (["backup", "restore", "{backup}", "--vault", "{new}", "--passphrase-stdin"], "{passphrase}\n"),
    "backup restore --recovery-stdin": (
        ["backup", "restore", "{backup}", "--vault", "{new}", "--recovery-stdin"],
        "{recovery}\n{other}\n",
    ),
    "backup test": (["backup", "test", "{backup}", "--passphrase-stdin"], "{passphrase}\n"),
    "backup test --recovery-stdin": (["backup", "test", "{backup}", "--recovery-stdin"], "{recovery}\n"),
    "backup list": (["backup", "list", "{folder}"], ""),
    "backup list --json": (["backup", "list", "{folder}", "--json"], ""),
    "ledger": (["ledger", "--client", "1", "--vault", "{vault}", "--passphrase-stdin"], "{passphrase}\n"),
    "aging": (["aging", "--json", "--vault", "{vault}", "--passphrase-stdin"], "{passphrase}\n"),
    "superbill": (
        [
            "superbill",
            "--client",
            "{insured}",
            "--from",
            "2025-03-01",
            "--to",
            "2025-03-31",
            "-o",
            "{new}.pdf",
            "--vault",
            "{vault}",
            "--passphrase-stdin",
        ],
        "{passphrase}\n",
    ),
    "statement": (
        [
            "statement",
            "--client",
            "{insured}",
            "--as-of",
            "2025-03-31",
            "-o",
            "{new}.pdf",
            "--vault",
            "{vault}",
            "--passphrase-stdin",
        ],
        "{passphrase}\n",
    ),
    "estimate": (
        [
            "estimate",
            "--client",
            "{self_pay}",
            "--from",
            "2025-04-01",
            "--to",
            "2025-06-30",
            "-o",
            "{new}.pdf",
            "--vault",
            "{vault}",
            "--passphrase-stdin",
        ],
        "{passphrase}\n",
    ),
    "claims list": (["claims", "list", "--vault", "{vault}", "--passphrase-stdin"], "{passphrase}\n"),
    "claims create": (
        [
            "claims",
            "create",
            "--client",
            "{insured}",
            "--from",
            "2025-03-01",
            "--to",
            "2025-03-31",
            "--vault",
            "{vault}",
            "--passphrase-stdin",
        ],
        "{passphrase}\n",
    ),
    "cms1500": (
        ["cms1500", "--claim", "{claim}", "-o", "{new}.pdf", "--vault", "{vault}", "--passphrase-stdin"],
        "{passphrase}\n",
    ),
    "chart-export": (
        ["chart-export", "--client", "{insured}", "-o", "{new}.pdf", "--vault", "{vault}", "--passphrase-stdin"],
        "{passphrase}\n",
    ),
    "export fhir": (
        ["export", "fhir", "--client", "{insured}", "-o", "{new}.json", "--vault", "{vault}", "--passphrase-stdin"],
        "{passphrase}\n",
    ),
    "import csv": (
        ["import", "csv", "{csv}", "--mapping", "{mapping}", "--dry-run", "--vault", "{vault}", "--passphrase-stdin"],
        "{passphrase}\n",
    ),
    "export archive": (
        ["export", "archive", "--client", "{insured}", "-o", "{new}", "--vault", "{vault}", "--passphrase-stdin"],
        "{passphrase}\n",
    ),
    "export verify": (["export", "verify", "{empty}"], ""),
    "x12 837p": (
        ["x12", "837p", "--payer", "{payer}", "-o", "{new}.x12", "--vault", "{vault}", "--passphrase-stdin"],
        "{passphrase}\n",
    ),
    "--help": (["--help"], ""),
    "--version": (["--version"], ""),
    "--self-test": (["--self-test"], ""),
    "vault --help": (["vault", "--help"], ""),
    "search --help": (["search", "--help"], ""),
}


def test_every_command_that_writes_is_in_the_closed_pipe_test() -> None:
    """A new command that writes output joins `_WRITERS`, so a reader going away is tried on it too."""
    commands = {" ".join(sub.prog.split()[1:]) for sub in _commands(cli._parser())}

    assert commands
    assert commands <= set(_WRITERS)


def _commands(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """The parsers of the commands that run something (`vault check`, `search`, `schedule` and its
    `schedule export-ics`), not of groups that only hold commands (`vault`)."""
    found: list[argparse.ArgumentParser] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                children = _commands(sub)
                found += [sub, *children] if sub.get_default("func") is not None and children else children or [sub]
    return found


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGPIPE and EPIPE as POSIX has them")
@pytest.mark.parametrize("name", list(_WRITERS))
def test_output_into_a_closed_pipe_ends_quietly(created: tuple[Path, str], tmp_path: Path, name: str) -> None:
    # What `| head -1` does once head has its line and exits: the pipe has no reader left. Closing our end
    # before the command writes makes that certain rather than a race.
    _with_clients(created[0])
    argv, lines = _WRITERS[name]
    backups = tmp_path / "backups"
    backups.mkdir()
    (tmp_path / "empty").mkdir()
    with Vault.open(created[0], PASSPHRASE) as vault:
        # Complete enough for a superbill, statement and estimate, and for a claim (created here).
        practice = claims_practice(vault)
        [claim] = vault.claims.create(date(2025, 3, 1), date(2025, 3, 31)).claims
        backup = create_backup(vault, backups).path
    values = {
        "insured": str(practice.insured),
        "self_pay": str(practice.self_pay),
        "vault": str(created[0]),
        "new": str(tmp_path / "new-vault"),
        "folder": str(backups),
        "empty": str(tmp_path / "empty"),
        "backup": str(backup),
        "passphrase": PASSPHRASE,
        "other": "a different long passphrase for this test",
        "recovery": created[1],
        "claim": str(claim.id),
        "payer": str(claim.payer_id),
        "csv": str(write_csv(tmp_path / "caseload.csv", [client_row(n) for n in range(900, 1000)])),
        "mapping": str(tmp_path / "map.json"),
    }
    (tmp_path / "map.json").write_text('{"preset": "simplepractice"}', "utf-8")
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        run = subprocess.run(
            cli_command(*(word.format(**values) for word in argv)),
            input=lines.format(**values).encode(),
            stdout=write_end,
            stderr=subprocess.PIPE,
            env=child_env(),
            timeout=300,
            check=False,
        )
    finally:
        os.close(write_end)

    err = run.stderr.decode("utf-8", "replace")
    assert run.returncode in (0, cli.EXIT_BROKEN_PIPE), err
    assert "Traceback" not in err
    assert "Exception ignored" not in err
    assert err == ""


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX shell pipeline")
def into_head_1(argv: list[str]) -> subprocess.CompletedProcess[str]:
    """`printf PASSPHRASE | ARGV | head -1` in a POSIX shell, as a user pipes a listing."""
    return subprocess.run(
        ["sh", "-c", f'printf "%s\\n" "$PASSPHRASE" | {shlex.join(argv)} | head -1'],
        env={**child_env(), "PASSPHRASE": PASSPHRASE},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_clients_list_into_head_1_prints_one_line_and_no_traceback(created: tuple[Path, str]) -> None:
    _with_clients(created[0])

    run = into_head_1(cli_command("clients", "list", "--vault", str(created[0]), "--passphrase-stdin"))

    assert run.returncode == 0
    assert len(run.stdout.splitlines()) == 1
    assert "Adeyemi" in run.stdout
    assert "Traceback" not in run.stderr


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX shell pipeline")
def test_schedule_into_head_1_prints_one_line_and_no_traceback(created: tuple[Path, str]) -> None:
    with Vault.open(created[0], PASSPHRASE) as vault:
        build_demo(vault, clients=12, years=1, today=date(2025, 6, 4))

    run = into_head_1(
        cli_command(
            "schedule", "--from", "2024-06-05", "--to", "2025-06-04", "--vault", str(created[0]), "--passphrase-stdin"
        )
    )

    assert run.returncode == 0
    assert len(run.stdout.splitlines()) == 1
    assert run.stdout.startswith("2024-")  # the first day with appointments, not the count line
    assert run.stderr == ""
