"""The `therapy-desk` command as a user runs it: in-process for the paths, real processes for the install.

Exit codes: 0 done, 2 for anything the user can act on (one line on stderr, never a traceback).
Secrets go in on standard input and never come back out on stdout or stderr.
"""

from __future__ import annotations

import fcntl
import io
import json
import os
import pty
import re
import select
import shutil
import subprocess
import sys
import termios
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from tests.children import child_env, cli_command
from tests.conftest import PASSPHRASE
from therapy_desk import cli, paths
from therapy_desk.demo.builder import MAX_CLIENTS, MAX_YEARS, MIN_CLIENTS
from therapy_desk.domain.clients import Client
from therapy_desk.domain.passphrase import MIN_PASSPHRASE_LENGTH
from therapy_desk.storage.vault import Vault

RECOVERY_CODE = re.compile(r"\b[0-9A-Z]{4}(?:-[0-9A-Z]{4}){6}\b")
NEW_PASSPHRASE = "violet harbour lantern quietly"


@dataclass
class Run:
    code: int
    out: str
    err: str


def _secrets_absent(secrets: list[str], *texts: str) -> None:
    for secret in secrets:
        for text in texts:
            assert secret not in text


def therapy_desk(capsys: pytest.CaptureFixture[str], *argv: str, stdin: str = "") -> Run:
    """Run the command in-process; every stdin line is a secret and must not be echoed."""
    capsys.readouterr()
    out = io.StringIO()
    code = cli.main(list(argv), stdin=io.StringIO(stdin), stdout=out)
    captured = capsys.readouterr()
    run = Run(code, out.getvalue() + captured.out, captured.err)
    _secrets_absent([line for line in stdin.splitlines() if line], run.out, run.err)
    return run


def _one_line_error(run: Run) -> str:
    assert run.code == cli.EXIT_USER_ERROR
    assert "Traceback" not in run.err
    lines = run.err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("therapy-desk: ")
    return lines[0]


@pytest.fixture
def cli_vault(capsys: pytest.CaptureFixture[str], cheap_calibration: None, tmp_path: Path) -> tuple[Path, str]:
    """A vault made with `vault create` (cheap KDF), and the recovery code it printed."""
    folder = tmp_path / "cli-vault"
    run = therapy_desk(capsys, "vault", "create", "--vault", str(folder), "--passphrase-stdin", stdin=PASSPHRASE + "\n")
    assert run.code == cli.EXIT_OK
    codes = RECOVERY_CODE.findall(run.out)
    assert len(codes) == 1
    return folder, codes[0]


# -- in-process --------------------------------------------------------------------------------------


def test_create_prints_the_recovery_code_once_and_makes_the_vault(
    capsys: pytest.CaptureFixture[str], cheap_calibration: None, tmp_path: Path
) -> None:
    folder = tmp_path / "new-vault"

    run = therapy_desk(capsys, "vault", "create", "--vault", str(folder), "--passphrase-stdin", stdin=PASSPHRASE + "\n")

    assert run.code == cli.EXIT_OK
    assert run.err == ""
    codes = RECOVERY_CODE.findall(run.out)
    assert len(codes) == 1
    assert run.out.count(codes[0]) == 1
    assert str(folder) in run.out
    assert (folder / "vault.db").is_file()
    assert (folder / "keyslots.json").is_file()
    Vault.open(folder, PASSPHRASE).close()


def test_check_of_a_fresh_vault_is_clean(capsys: pytest.CaptureFixture[str], cli_vault: tuple[Path, str]) -> None:
    folder, _ = cli_vault

    run = therapy_desk(capsys, "vault", "check", "--vault", str(folder), "--passphrase-stdin", stdin=PASSPHRASE + "\n")

    assert run.code == cli.EXIT_OK
    assert "clean" in run.out
    assert run.err == ""


def test_passwd_replaces_the_passphrase(capsys: pytest.CaptureFixture[str], cli_vault: tuple[Path, str]) -> None:
    folder, _ = cli_vault

    run = therapy_desk(
        capsys,
        "vault",
        "passwd",
        "--vault",
        str(folder),
        "--passphrase-stdin",
        stdin=f"{PASSPHRASE}\n{NEW_PASSPHRASE}\n",
    )

    assert run.code == cli.EXIT_OK
    assert "Passphrase changed" in run.out
    old = therapy_desk(capsys, "vault", "check", "--vault", str(folder), "--passphrase-stdin", stdin=PASSPHRASE + "\n")
    assert "does not unlock" in _one_line_error(old)
    new = therapy_desk(
        capsys, "vault", "check", "--vault", str(folder), "--passphrase-stdin", stdin=NEW_PASSPHRASE + "\n"
    )
    assert new.code == cli.EXIT_OK


def test_recover_sets_a_new_passphrase_with_the_printed_code(
    capsys: pytest.CaptureFixture[str], cli_vault: tuple[Path, str]
) -> None:
    folder, code = cli_vault

    run = therapy_desk(
        capsys, "vault", "recover", "--vault", str(folder), "--recovery-stdin", stdin=f"{code}\n{NEW_PASSPHRASE}\n"
    )

    assert run.code == cli.EXIT_OK
    assert "Passphrase reset" in run.out
    Vault.open(folder, NEW_PASSPHRASE).close()
    old = therapy_desk(capsys, "vault", "check", "--vault", str(folder), "--passphrase-stdin", stdin=PASSPHRASE + "\n")
    assert old.code == cli.EXIT_USER_ERROR


def test_recover_forgives_lowercase_and_spaces_in_the_typed_code(
    capsys: pytest.CaptureFixture[str], cli_vault: tuple[Path, str]
) -> None:
    folder, code = cli_vault
    typed = code.lower().replace("-", " ")

    run = therapy_desk(
        capsys, "vault", "recover", "--vault", str(folder), "--recovery-stdin", stdin=f"{typed}\n{NEW_PASSPHRASE}\n"
    )

    assert run.code == cli.EXIT_OK
    Vault.open(folder, NEW_PASSPHRASE).close()


def test_a_wrong_passphrase_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], cli_vault: tuple[Path, str]
) -> None:
    folder, _ = cli_vault

    run = therapy_desk(
        capsys, "vault", "check", "--vault", str(folder), "--passphrase-stdin", stdin="not the passphrase at all\n"
    )

    assert "does not unlock this vault" in _one_line_error(run)
    assert run.out == ""


def test_a_wrong_recovery_code_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], cli_vault: tuple[Path, str]
) -> None:
    folder, code = cli_vault
    wrong = "0000-0000-0000-0000-0000-0000-0000"
    assert wrong != code

    run = therapy_desk(
        capsys, "vault", "recover", "--vault", str(folder), "--recovery-stdin", stdin=f"{wrong}\n{NEW_PASSPHRASE}\n"
    )

    assert "recovery code does not unlock" in _one_line_error(run)
    Vault.open(folder, PASSPHRASE).close()


def test_a_short_new_passphrase_is_refused_with_the_rule(
    capsys: pytest.CaptureFixture[str], cheap_calibration: None, tmp_path: Path
) -> None:
    folder = tmp_path / "new-vault"

    run = therapy_desk(capsys, "vault", "create", "--vault", str(folder), "--passphrase-stdin", stdin="abc123\n")

    line = _one_line_error(run)
    assert f"at least {MIN_PASSPHRASE_LENGTH} characters" in line
    assert not folder.exists()


def test_passwd_to_a_short_passphrase_keeps_the_old_one(
    capsys: pytest.CaptureFixture[str], cli_vault: tuple[Path, str]
) -> None:
    folder, _ = cli_vault

    run = therapy_desk(
        capsys, "vault", "passwd", "--vault", str(folder), "--passphrase-stdin", stdin=f"{PASSPHRASE}\nabc123\n"
    )

    assert f"at least {MIN_PASSPHRASE_LENGTH} characters" in _one_line_error(run)
    Vault.open(folder, PASSPHRASE).close()


@pytest.mark.parametrize(
    ("action", "flag", "stdin", "missing"),
    [
        pytest.param("create", "--passphrase-stdin", "", "new passphrase", id="create, nothing"),
        pytest.param("passwd", "--passphrase-stdin", PASSPHRASE + "\n", "new passphrase", id="passwd, one line"),
        pytest.param("recover", "--recovery-stdin", "", "recovery code", id="recover, nothing"),
    ],
)
def test_missing_lines_on_stdin_are_named(
    capsys: pytest.CaptureFixture[str],
    cli_vault: tuple[Path, str],
    tmp_path: Path,
    action: str,
    flag: str,
    stdin: str,
    missing: str,
) -> None:
    folder = tmp_path / "fresh" if action == "create" else cli_vault[0]

    run = therapy_desk(capsys, "vault", action, "--vault", str(folder), flag, stdin=stdin)

    line = _one_line_error(run)
    assert "standard input" in line
    assert missing in line
    Vault.open(cli_vault[0], PASSPHRASE).close()


def test_without_vault_option_the_default_vault_is_used(
    capsys: pytest.CaptureFixture[str], cheap_calibration: None, app_home: Path
) -> None:
    created = therapy_desk(capsys, "vault", "create", "--passphrase-stdin", stdin=PASSPHRASE + "\n")
    checked = therapy_desk(capsys, "vault", "check", "--passphrase-stdin", stdin=PASSPHRASE + "\n")

    assert created.code == checked.code == cli.EXIT_OK
    default = paths.default_vault_dir()
    assert app_home in default.parents
    assert (default / "vault.db").is_file()
    assert str(default) in created.out


def test_an_empty_vault_option_is_refused_rather_than_meaning_the_default(
    capsys: pytest.CaptureFixture[str], cheap_calibration: None
) -> None:
    run = therapy_desk(capsys, "vault", "create", "--vault", "", "--passphrase-stdin", stdin=PASSPHRASE + "\n")

    assert "--vault" in _one_line_error(run)
    assert not paths.default_vault_dir().exists()


@pytest.mark.parametrize(
    ("action", "flag"),
    [("create", "--passphrase-stdin"), ("check", "--passphrase-stdin"), ("recover", "--recovery-stdin")],
)
def test_without_a_terminal_it_asks_for_the_stdin_flag(
    capsys: pytest.CaptureFixture[str], cli_vault: tuple[Path, str], action: str, flag: str
) -> None:
    run = therapy_desk(capsys, "vault", action, "--vault", str(cli_vault[0]), stdin=PASSPHRASE + "\n")

    line = _one_line_error(run)
    assert flag in line
    assert "no terminal" in line


def test_check_of_a_missing_folder_names_the_folder(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "no-such-vault"

    run = therapy_desk(capsys, "vault", "check", "--vault", str(missing), "--passphrase-stdin", stdin=PASSPHRASE + "\n")

    line = _one_line_error(run)
    assert str(missing) in line
    assert not missing.exists()


def test_create_into_a_folder_with_files_is_refused(
    capsys: pytest.CaptureFixture[str], cheap_calibration: None, tmp_path: Path
) -> None:
    folder = tmp_path / "busy"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")

    run = therapy_desk(capsys, "vault", "create", "--vault", str(folder), "--passphrase-stdin", stdin=PASSPHRASE + "\n")

    assert str(folder) in _one_line_error(run)
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]


def test_a_vault_open_elsewhere_is_reported_not_waited_on(
    capsys: pytest.CaptureFixture[str], cli_vault: tuple[Path, str]
) -> None:
    folder, _ = cli_vault
    with Vault.open(folder, PASSPHRASE):
        run = therapy_desk(
            capsys, "vault", "check", "--vault", str(folder), "--passphrase-stdin", stdin=PASSPHRASE + "\n"
        )

    assert "in use" in _one_line_error(run)


def _corrupt_page(db_file: Path, page: int, page_size: int) -> None:
    data = bytearray(db_file.read_bytes())
    middle = (page - 1) * page_size + page_size // 2
    data[middle : middle + 16] = bytes(b ^ 0xFF for b in data[middle : middle + 16])
    db_file.write_bytes(bytes(data))


def test_check_lists_a_damaged_page_as_a_problem_and_exits_1(
    capsys: pytest.CaptureFixture[str], cli_vault: tuple[Path, str]
) -> None:
    folder, _ = cli_vault
    with Vault.open(folder, PASSPHRASE) as opened:
        page_size = int(opened.db.conn.execute("PRAGMA page_size").fetchone()[0])
        root = int(opened.db.conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'audit_log'").fetchone()[0])
    _corrupt_page(folder / "vault.db", root, page_size)

    run = therapy_desk(capsys, "vault", "check", "--vault", str(folder), "--passphrase-stdin", stdin=PASSPHRASE + "\n")

    assert run.code == cli.EXIT_PROBLEMS
    assert re.search(r"\d+ problems? found:", run.out)
    assert "audit log" in run.out


@pytest.mark.parametrize(
    "damage",
    [
        lambda db_file: _corrupt_page(db_file, 1, 4096),
        lambda db_file: db_file.write_bytes(db_file.read_bytes()[: db_file.stat().st_size // 2]),
        lambda db_file: db_file.write_bytes(db_file.read_bytes()[:100]),
    ],
    ids=["first page damaged", "cut in half", "cut to 100 bytes"],
)
def test_check_reports_a_database_too_damaged_to_open_as_a_problem_found(
    capfd: pytest.CaptureFixture[str], created: tuple[Path, str], damage: Callable[[Path], object]
) -> None:
    folder, _ = created
    damage(folder / "vault.db")
    capfd.readouterr()

    out = io.StringIO()
    code = cli.main(
        ["vault", "check", "--vault", str(folder), "--passphrase-stdin"],
        stdin=io.StringIO(PASSPHRASE + "\n"),
        stdout=out,
    )

    err = capfd.readouterr().err
    assert code == cli.EXIT_PROBLEMS
    assert err == ""
    lines = out.getvalue().splitlines()
    assert lines[0] == f"{folder}: 1 problem found:"
    assert lines[1].startswith(f"  - The vault database {folder / 'vault.db'} ")
    assert "vault check" not in out.getvalue()  # never "run the command you just ran"
    assert "backup" in lines[-1]


def test_another_command_on_a_damaged_database_is_one_line_that_points_to_vault_check(
    capfd: pytest.CaptureFixture[str], created: tuple[Path, str]
) -> None:
    folder, _ = created
    capfd.readouterr()
    _corrupt_page(folder / "vault.db", 1, 4096)

    code = cli.main(
        ["clients", "list", "--vault", str(folder), "--passphrase-stdin"],
        stdin=io.StringIO(PASSPHRASE + "\n"),
        stdout=io.StringIO(),
    )

    err = capfd.readouterr().err
    assert code == cli.EXIT_USER_ERROR
    assert "damaged" in err
    assert "`therapy-desk vault check`" in err
    assert len(err.strip().splitlines()) == 1


def test_an_unknown_action_is_one_line_that_names_the_actions_and_the_help(
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = therapy_desk(capsys, "vault", "explode")

    line = _one_line_error(run)
    assert "explode" not in line  # what was typed is never repeated: it may have been a secret
    for action in ("create", "check", "passwd", "recover"):
        assert action in line
    assert "therapy-desk vault --help" in line


# -- real processes ----------------------------------------------------------------------------------


def _run_installed(*argv: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("PYTHON_KEYRING_BACKEND", None)
    return subprocess.run(
        [sys.executable, "-m", "therapy_desk", *argv],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


@pytest.mark.slow
def test_python_m_therapy_desk_creates_and_checks_a_vault_with_the_real_kdf(tmp_path: Path) -> None:
    folder = tmp_path / "real-vault"

    created = _run_installed("vault", "create", "--vault", str(folder), "--passphrase-stdin", stdin=PASSPHRASE + "\n")
    checked = _run_installed("vault", "check", "--vault", str(folder), "--passphrase-stdin", stdin=PASSPHRASE + "\n")
    wrong = _run_installed("vault", "check", "--vault", str(folder), "--passphrase-stdin", stdin="wrong passphrase!!\n")

    assert created.returncode == 0, created.stderr
    assert len(RECOVERY_CODE.findall(created.stdout)) == 1
    assert checked.returncode == 0, checked.stderr
    assert "clean" in checked.stdout
    assert wrong.returncode == 2
    assert "Traceback" not in wrong.stderr
    assert len(wrong.stderr.strip().splitlines()) == 1
    _secrets_absent(
        [PASSPHRASE, "wrong passphrase!!"],
        *(p.stdout + p.stderr for p in (created, checked, wrong)),
    )


@pytest.mark.slow
def test_python_m_therapy_desk_help_lists_the_vault_command() -> None:
    top = _run_installed("--help")
    vault = _run_installed("vault", "--help")

    assert top.returncode == 0
    assert "vault" in top.stdout
    assert vault.returncode == 0
    for action in ("create", "check", "passwd", "recover"):
        assert action in vault.stdout


def _take_the_terminal() -> None:
    """In the child: make the pty its controlling terminal, so getpass talks to it as to a user's."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def _at_a_terminal(argv: list[str], replies: list[tuple[str, str]], timeout: float = 60) -> tuple[int, str]:
    """Run the command on a pseudo-terminal, typing each reply once its prompt shows; (exit code, screen)."""
    master, slave = pty.openpty()
    env = child_env()
    env.pop("PYTHON_KEYRING_BACKEND", None)
    proc = subprocess.Popen(
        cli_command(*argv),
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
        preexec_fn=_take_the_terminal,
        env=env,
    )
    os.close(slave)
    deadline = time.monotonic() + timeout
    screen = b""
    pending = list(replies)
    try:
        while time.monotonic() < deadline:
            if pending and pending[0][0].encode() in screen.rsplit(b"\n", 1)[-1]:
                os.write(master, pending.pop(0)[1].encode())
                screen += b"\n"  # what the user typed is not echoed; start a fresh line to match on
            ready, _, _ = select.select([master], [], [], 0.1)
            if not ready:
                continue
            try:
                chunk = os.read(master, 4096)
            except OSError:  # Linux: EIO once the child has closed the terminal
                break
            if not chunk:
                break
            screen += chunk
        code = proc.wait(timeout=max(deadline - time.monotonic(), 1))
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert not pending, f"never prompted for {pending[0][0]!r}; screen: {screen!r}"
    return code, screen.decode("utf-8", "replace")


terminal_only = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")


@pytest.mark.slow
@terminal_only
def test_at_a_terminal_check_prompts_and_does_not_echo_the_passphrase(created: tuple[Path, str]) -> None:
    code, screen = _at_a_terminal(["vault", "check", "--vault", str(created[0])], [("Passphrase: ", PASSPHRASE + "\n")])

    assert code == cli.EXIT_OK, screen
    assert "clean" in screen
    assert PASSPHRASE not in screen


@pytest.mark.slow
@terminal_only
def test_ctrl_d_at_the_prompt_cancels_with_one_sentence(created: tuple[Path, str]) -> None:
    code, screen = _at_a_terminal(["vault", "check", "--vault", str(created[0])], [("Passphrase: ", "\x04")])

    assert code == cli.EXIT_USER_ERROR, screen
    assert "Traceback" not in screen
    assert "nothing was changed" in screen


@pytest.mark.slow
@terminal_only
def test_at_a_terminal_create_asks_twice_and_a_mismatch_creates_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "typed-vault"
    first, second = "lantern violet harbour", "lantern violet harbor"

    code, screen = _at_a_terminal(
        ["vault", "create", "--vault", str(folder)],
        [("New passphrase: ", first + "\n"), ("Type it again: ", second + "\n")],
    )

    assert code == cli.EXIT_USER_ERROR, screen
    assert "did not match" in screen
    assert not folder.exists()
    assert first not in screen
    assert second not in screen


def _seed_clients(folder: Path) -> None:
    from datetime import date

    from therapy_desk.domain.clients import Client, ClientStatus

    with Vault.open(folder, PASSPHRASE) as vault:
        vault.clients.create(Client("Zoë", "Adeyemi", date(1990, 3, 4), status=ClientStatus.ACTIVE))
        vault.clients.create(Client("Søren", "Østergaard", date(1979, 7, 1)))


def test_clients_list_prints_the_caseload_by_name(
    capsys: pytest.CaptureFixture[str], created: tuple[Path, str]
) -> None:
    folder, _ = created
    _seed_clients(folder)

    run = therapy_desk(capsys, "clients", "list", "--vault", str(folder), "--passphrase-stdin", stdin=PASSPHRASE + "\n")

    assert run.code == cli.EXIT_OK
    lines = run.out.splitlines()
    assert "Adeyemi, Zoë" in lines[0]
    assert "Østergaard, Søren" in lines[1]
    assert lines[-1] == "2 clients"


def test_clients_list_json_can_filter_by_status(capsys: pytest.CaptureFixture[str], created: tuple[Path, str]) -> None:
    folder, _ = created
    _seed_clients(folder)

    run = therapy_desk(
        capsys, "clients", "list", "--json", "--status", "active", "--vault", str(folder), "--passphrase-stdin",
        stdin=PASSPHRASE + "\n",
    )  # fmt: skip

    records = json.loads(run.out)
    assert [(r["name"], r["status"], r["balance_cents"]) for r in records] == [("Adeyemi, Zoë", "active", 0)]


def test_search_finds_a_client_by_name_without_accents(
    capsys: pytest.CaptureFixture[str], created: tuple[Path, str]
) -> None:
    folder, _ = created
    _seed_clients(folder)

    run = therapy_desk(capsys, "search", "soren", "--json", "--vault", str(folder), "--passphrase-stdin",
                       stdin=PASSPHRASE + "\n")  # fmt: skip

    hits = json.loads(run.out)
    assert [(h["kind"], h["note_id"]) for h in hits] == [("client", None)]
    assert "Søren" in hits[0]["snippet"]


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("zeppel", ["[zeppelin]"]),
        ("model zep", ["[model]", "[zeppelin]"]),
        ("Øster", ["[Østergaard]"]),
        ("oster", ["Østergaard"]),  # found by the name's keyboard spelling, so not marked in the name itself
        ("Søren Ø", []),  # one letter is whole, never a prefix
    ],
)
def test_search_matches_the_last_word_as_the_start_of_a_word(
    capsys: pytest.CaptureFixture[str], created: tuple[Path, str], query: str, found: list[str]
) -> None:
    folder, _ = created
    _seed_clients(folder)
    with Vault.open(folder, PASSPHRASE) as vault:
        soren = vault.caseload.ids()[1]
        _add_note(vault, soren, "Built a model zeppelin with his son.")

    run = therapy_desk(capsys, "search", query, "--vault", str(folder), "--passphrase-stdin", stdin=PASSPHRASE + "\n")

    assert run.code == cli.EXIT_OK
    lines = run.out.splitlines()
    assert lines[-1] == ("1 match" if found else "0 matches")
    for word in found:
        assert word in lines[0]


def _add_note(vault: Vault, client_id: int, text: str) -> None:
    from datetime import date

    from therapy_desk.domain.notes import Note, NoteFormat, sections

    narrative = sections(NoteFormat.NARRATIVE, {"Narrative": text})
    vault.notes.save_draft(
        Note(client_id, format=NoteFormat.NARRATIVE, date_of_service=date(2025, 2, 3), sections=narrative)
    )


def test_search_with_a_wrong_passphrase_is_one_line(
    capsys: pytest.CaptureFixture[str], created: tuple[Path, str]
) -> None:
    folder, _ = created
    run = therapy_desk(
        capsys, "search", "x", "--vault", str(folder), "--passphrase-stdin", stdin="not the passphrase\n"
    )
    assert "does not unlock" in _one_line_error(run)


def test_demo_builds_an_invented_practice_in_a_new_vault(
    capsys: pytest.CaptureFixture[str], cheap_calibration: None, tmp_path: Path
) -> None:
    folder = tmp_path / "demo"
    run = therapy_desk(
        capsys, "demo", "--vault", str(folder), "--clients", "12", "--years", "1", "--passphrase-stdin",
        stdin=f"{PASSPHRASE}\n{PASSPHRASE}\n",
    )  # fmt: skip
    assert run.code == cli.EXIT_OK, run.err
    assert "12 invented clients" in run.out
    assert RECOVERY_CODE.search(run.out)
    with Vault.open(folder, PASSPHRASE) as vault:
        assert vault.clients.count() == 12
        assert vault.check().clean
        # The build's no-journal, no-fsync settings are gone once it is done.
        assert vault.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert vault.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_a_demo_that_cannot_be_built_leaves_no_vault_behind(
    capsys: pytest.CaptureFixture[str], cheap_calibration: None, tmp_path: Path
) -> None:
    folder = tmp_path / "demo"
    run = therapy_desk(
        capsys, "demo", "--vault", str(folder), "--clients", "5", "--passphrase-stdin",
        stdin=f"{PASSPHRASE}\n{PASSPHRASE}\n",
    )  # fmt: skip
    assert "12" in _one_line_error(run)  # the smallest demo practice
    assert not folder.exists()


@pytest.mark.parametrize(
    ("option", "value", "bounds"),
    [
        ("--clients", "0", f"from {MIN_CLIENTS} to {MAX_CLIENTS:,}"),
        ("--clients", str(MIN_CLIENTS - 1), f"from {MIN_CLIENTS} to {MAX_CLIENTS:,}"),
        ("--clients", str(MAX_CLIENTS + 1), f"from {MIN_CLIENTS} to {MAX_CLIENTS:,}"),
        ("--years", "0", f"from 1 to {MAX_YEARS}"),
        ("--years", str(MAX_YEARS + 1), f"from 1 to {MAX_YEARS}"),
    ],
)
def test_a_demo_size_the_generator_cannot_build_is_refused_with_its_real_bounds_before_asking(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, option: str, value: str, bounds: str
) -> None:
    folder = tmp_path / "demo"

    run = therapy_desk(capsys, "demo", "--vault", str(folder), option, value, "--passphrase-stdin")  # no passphrase

    assert _one_line_error(run) == f"therapy-desk: {option} must be {bounds}."
    assert not folder.exists()


def test_demo_help_says_the_vault_folder_is_required_and_gives_the_bounds(capsys: pytest.CaptureFixture[str]) -> None:
    run = therapy_desk(capsys, "demo", "--help")

    assert run.code == cli.EXIT_OK
    help_text = " ".join(run.out.split())
    assert "--vault DIR vault folder (required)" in help_text
    assert "default: the app's data folder" not in help_text
    assert f"{MIN_CLIENTS} to {MAX_CLIENTS:,}" in help_text
    assert f"1 to {MAX_YEARS}" in help_text


@pytest.mark.parametrize("command", [["vault", "create"], ["demo"]])
def test_create_onto_a_file_says_it_is_a_file(
    capsys: pytest.CaptureFixture[str], cheap_calibration: None, tmp_path: Path, command: list[str]
) -> None:
    afile = tmp_path / "afile.txt"
    afile.write_text("keep me")

    run = therapy_desk(capsys, *command, "--vault", str(afile), "--passphrase-stdin", stdin=PASSPHRASE + "\n")

    line = _one_line_error(run)
    assert f"{afile} is a file, not a folder." in line
    assert "holds files" not in line
    assert afile.read_text() == "keep me"


def test_a_vault_found_rolled_back_is_said_on_stderr_and_the_command_still_runs(
    capsys: pytest.CaptureFixture[str], created: tuple[Path, str]
) -> None:
    folder, _ = created
    older = folder.parent / "older.db"
    shutil.copyfile(folder / "vault.db", older)
    _seed_clients(folder)
    shutil.copyfile(older, folder / "vault.db")  # an older copy put back: the two clients are gone

    argv = ("clients", "list", "--vault", str(folder), "--passphrase-stdin")
    run = therapy_desk(capsys, *argv, stdin=PASSPHRASE + "\n")
    again = therapy_desk(capsys, *argv, stdin=PASSPHRASE + "\n")

    assert run.code == cli.EXIT_OK
    assert run.out.splitlines()[-1] == "0 clients"
    assert run.err.startswith("therapy-desk: warning: Recent work may be missing")
    assert "An older copy of vault.db was put in place" in run.err
    assert again.err == ""  # said once; `vault check` keeps it on record


# -- notes list and schedule, run as a user runs them: a real process on a small demo practice ---------------

DEMO_TODAY = date(2025, 6, 4)  # a Wednesday: the demo's last week is full and the dates stay fixed
PROCESS_TEXT = "Private process words that never leave the psychotherapy note"
ADDENDUM_TEXT = "Addendum words kept with the signed note"


@dataclass(frozen=True)
class Practice:
    folder: Path
    client_id: int  # a client with signed notes (one of them with an addendum) and a draft
    note_texts: tuple[str, ...]  # every section of that client's notes
    drafts: int
    notes: int


def _run_child(*argv: str, stdin: str = PASSPHRASE + "\n") -> Run:
    done = subprocess.run(
        cli_command(*argv), input=stdin, capture_output=True, text=True, env=child_env(), timeout=120, check=False
    )
    return Run(done.returncode, done.stdout, done.stderr)


@pytest.fixture
def practice(created: tuple[Path, str]) -> Practice:
    """A 12-client demo practice; one client's newest signed note gets an addendum, and a psychotherapy note."""
    from therapy_desk.demo.builder import build_demo
    from therapy_desk.domain.notes import NoteStatus, ProcessNote

    folder, _ = created
    with Vault.open(folder, PASSPHRASE) as vault:
        build_demo(vault, clients=12, years=1, today=DEMO_TODAY)
        client_id = vault.notes.unsigned(limit=1)[0].client_id
        notes = vault.notes.for_client(client_id, limit=500)
        signed = next(n for n in notes if n.status is NoteStatus.SIGNED and n.id is not None)
        assert signed.id is not None
        vault.notes.add_addendum(signed.id, ADDENDUM_TEXT, "Test Clinician, LPC")
        vault.notes.save_process_note(ProcessNote(client_id, PROCESS_TEXT, DEMO_TODAY))
        texts = tuple(s.text for n in notes for s in n.sections if len(s.text) >= 20)
        drafts = sum(n.status is NoteStatus.DRAFT for n in notes)
    assert texts
    assert drafts
    return Practice(folder, client_id, texts, drafts, len(notes))


def _no_note_text(practice: Practice, output: str) -> None:
    for text in (*practice.note_texts, ADDENDUM_TEXT, PROCESS_TEXT):
        assert text[:20] not in output


def test_notes_list_shows_each_note_newest_first_without_its_text(practice: Practice) -> None:
    run = _run_child("notes", "list", "--client", str(practice.client_id), "--vault", str(practice.folder),
                     "--passphrase-stdin")  # fmt: skip

    assert run.code == cli.EXIT_OK, run.err
    *lines, count = run.out.splitlines()
    assert count == f"{practice.notes} notes"
    assert len(lines) == practice.notes  # the psychotherapy note is not one of them
    days = [line.split()[1] for line in lines]
    assert days == sorted(days, reverse=True)
    assert sum(line.endswith(" draft") for line in lines) == practice.drafts
    signed = [line for line in lines if " signed " in line]
    assert signed
    assert all(" by " in line and line.endswith(("UTC", "1 addendum")) for line in signed)
    assert sum(line.endswith("1 addendum") for line in lines) == 1
    assert len({line.index(" by ") for line in signed}) == 1  # aligned
    _no_note_text(practice, run.out + run.err)


def test_notes_list_json_has_stable_keys_and_unsigned_keeps_only_drafts(practice: Practice) -> None:
    common = ("--client", str(practice.client_id), "--vault", str(practice.folder), "--passphrase-stdin")

    every = _run_child("notes", "list", "--json", *common)
    drafts = _run_child("notes", "list", "--unsigned", "--json", *common)
    human = _run_child("notes", "list", "--unsigned", *common)

    assert every.code == drafts.code == human.code == cli.EXIT_OK
    records = json.loads(every.out)
    assert {tuple(r) for r in records} == {
        ("note_id", "date_of_service", "kind", "format", "status", "signed_by", "signed_at", "addenda",
         "appointment_id")
    }  # fmt: skip
    assert len(records) == practice.notes
    assert [r["addenda"] for r in records if r["addenda"]] == [1]
    assert all(r["signed_by"] and r["signed_at"] for r in records if r["status"] == "signed")
    only = json.loads(drafts.out)
    assert [r["note_id"] for r in only] == [r["note_id"] for r in records if r["status"] == "draft"]
    assert all(r["signed_by"] is None for r in only)
    assert human.out.splitlines()[-1] == ("1 note" if practice.drafts == 1 else f"{practice.drafts} notes")
    _no_note_text(practice, every.out + drafts.out + human.out)


def test_notes_list_of_a_single_note_says_1_note(capsys: pytest.CaptureFixture[str], created: tuple[Path, str]) -> None:
    folder, _ = created
    _seed_clients(folder)
    with Vault.open(folder, PASSPHRASE) as vault:
        zoe = vault.caseload.ids()[0]
        _add_note(vault, zoe, "Talked about the model zeppelin club.")

    run = therapy_desk(capsys, "notes", "list", "--client", str(zoe), "--vault", str(folder), "--passphrase-stdin",
                       stdin=PASSPHRASE + "\n")  # fmt: skip

    assert run.code == cli.EXIT_OK
    assert run.out.splitlines()[-1] == "1 note"
    assert "2025-02-03  progress" in run.out
    assert "zeppelin" not in run.out


@pytest.mark.parametrize("client", ["9999", "seven"])
def test_notes_list_of_a_client_that_does_not_exist_is_one_sentence(
    capsys: pytest.CaptureFixture[str], created: tuple[Path, str], client: str
) -> None:
    run = therapy_desk(capsys, "notes", "list", "--client", client, "--vault", str(created[0]), "--passphrase-stdin",
                       stdin=PASSPHRASE + "\n")  # fmt: skip

    line = _one_line_error(run)
    assert ("There is no client with id 9999" if client == "9999" else "--client needs a whole number") in line


def test_schedule_lists_the_days_appointments_by_start(practice: Practice) -> None:
    with Vault.open(practice.folder, PASSPHRASE) as vault:
        booked = vault.schedule.range(date(2025, 6, 2), DEMO_TODAY)
        names = {
            c.listed_name[:32] for c in vault.clients.by_ids([a.client_id for a in booked if a.client_id]).values()
        }
    assert any(a.unit_id for a in booked)
    assert any(a.client_id for a in booked)

    run = _run_child("schedule", "--from", "2025-06-02", "--to", DEMO_TODAY.isoformat(), "--vault",
                     str(practice.folder), "--passphrase-stdin")  # fmt: skip
    data = _run_child("schedule", "--json", "--from", "2025-06-02", "--to", DEMO_TODAY.isoformat(), "--vault",
                      str(practice.folder), "--passphrase-stdin")  # fmt: skip

    assert run.code == data.code == cli.EXIT_OK, run.err
    *lines, count = run.out.splitlines()
    assert count == f"{len(booked)} appointments"
    assert [line[:17] for line in lines] == [f"{a.start:%Y-%m-%d}  {a.start:%H:%M}" for a in booked]
    assert lines[-1].startswith(DEMO_TODAY.isoformat())  # --to is included
    assert all(any(name in line for line in lines) for name in names)
    assert any("(group)" in line or "(couple)" in line or "(family)" in line for line in lines)
    records = json.loads(data.out)
    assert [r["appointment_id"] for r in records] == [a.id for a in booked]
    assert set(records[0]) == {
        "appointment_id", "start", "end", "client_id", "unit_id", "name", "service_code", "modifiers", "status",
        "telehealth", "place_of_service",
    }  # fmt: skip
    for record, appointment in zip(records, booked, strict=True):
        assert record["status"] == appointment.status.value
        assert record["place_of_service"] == appointment.place_of_service.value
        line = lines[booked.index(appointment)]
        assert line.endswith(("telehealth " if appointment.telehealth else "") + f"POS {record['place_of_service']}")


def _unfolded(ics: str) -> list[str]:
    """The calendar's content lines, folded lines joined again (RFC 5545 3.1)."""
    return ics.replace("\r\n ", "").split("\r\n")


@pytest.mark.parametrize(
    ("identify", "named"),
    [("initials", lambda c: f"{c.legal_first[0]}. {c.legal_last[0]}."), ("none", lambda c: "Session")],
)
def test_schedule_export_ics_writes_the_range_naming_clients_as_asked(
    practice: Practice, tmp_path: Path, identify: str, named: Callable[[Client], str]
) -> None:
    with Vault.open(practice.folder, PASSPHRASE) as vault:
        booked = [a for a in vault.schedule.range(date(2025, 6, 2), DEMO_TODAY) if a.status.value != "cancelled"]
        clients = vault.clients.by_ids([a.client_id for a in booked if a.client_id])
        diagnoses = {row[0] for row in vault.db.execute("SELECT code FROM diagnoses").fetchall()}
    target = tmp_path / "week.ics"

    run = _run_child("schedule", "export-ics", "--from", "2025-06-02", "--to", DEMO_TODAY.isoformat(), "-o",
                     str(target), "--identify", identify, "--vault", str(practice.folder),
                     "--passphrase-stdin")  # fmt: skip

    assert run.code == cli.EXIT_OK, run.err
    assert run.out == f"Wrote {len(booked)} appointments to {target}.\n"
    lines = _unfolded(target.read_bytes().decode("utf-8"))
    assert lines[0] == "BEGIN:VCALENDAR"
    assert lines.count("BEGIN:VEVENT") == len(booked)
    summaries = [line.removeprefix("SUMMARY:") for line in lines if line.startswith("SUMMARY:")]
    for client in clients.values():
        assert client.legal_last not in " ".join(summaries)  # never the surname, whatever is chosen
        assert any(named(client) in summary for summary in summaries)
    assert diagnoses
    assert not [code for code in diagnoses if code in "\n".join(lines)]  # never a diagnosis


@pytest.mark.parametrize(
    ("first", "last", "said"),
    [
        ("2025-02-30", "2025-03-01", "--from needs a real date written as YYYY-MM-DD"),
        ("2025-03-01", "03/04/2025", "--to needs a real date written as YYYY-MM-DD"),
        ("20250301", "2025-03-04", "--from needs a real date"),
        ("2025-03-04", "2025-03-01", "--to is before --from"),
        ("2025-01-01", "2026-01-02", "span more than 366 days"),
    ],
)
def test_schedule_refuses_a_bad_range_before_asking_for_the_passphrase(
    capsys: pytest.CaptureFixture[str], created: tuple[Path, str], first: str, last: str, said: str
) -> None:
    run = therapy_desk(capsys, "schedule", "--from", first, "--to", last, "--vault", str(created[0]),
                       "--passphrase-stdin")  # fmt: skip

    line = _one_line_error(run)
    assert said in line
    assert first not in line
    assert last not in line


def test_schedule_takes_a_whole_year_and_an_empty_range(
    capsys: pytest.CaptureFixture[str], created: tuple[Path, str]
) -> None:
    run = therapy_desk(capsys, "schedule", "--from", "2024-01-01", "--to", "2024-12-31", "--vault", str(created[0]),
                       "--passphrase-stdin", stdin=PASSPHRASE + "\n")  # fmt: skip

    assert run.code == cli.EXIT_OK, run.err
    assert run.out == "0 appointments\n"
