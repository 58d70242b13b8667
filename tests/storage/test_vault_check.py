"""`vault check`: a clean vault says so; one flipped byte on disk is found and reported, not crashed on."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from tests.conftest import PASSPHRASE
from therapy_desk import cli
from therapy_desk.storage.integrity import PHASES
from therapy_desk.storage.vault import Vault

PAGE_SIZE = 4096  # SQLCipher 4's default page size
FLIPPED_PAGE = 3  # 1-based; page 1 holds the header every open reads first
FLIP_OFFSET = PAGE_SIZE * (FLIPPED_PAGE - 1) + 100


@pytest.fixture
def several_pages(created: tuple[Path, str]) -> Path:
    """A closed vault whose database spans several pages, all checkpointed into vault.db."""
    folder, _ = created
    with Vault.open(folder, PASSPHRASE) as vault, vault.transaction():
        for i in range(300):
            vault.audit.record("filler", detail={"n": i})
    db_file = folder / "vault.db"
    assert not (folder / "vault.db-wal").exists()  # nothing left in a WAL to mask the flipped byte
    assert db_file.stat().st_size >= PAGE_SIZE * 8
    return folder


def _flip_byte(path: Path, offset: int) -> None:
    with path.open("r+b") as handle:
        handle.seek(offset)
        byte = handle.read(1)
        handle.seek(offset)
        handle.write(bytes([byte[0] ^ 0x01]))


def _cli_check(folder: Path) -> tuple[int, str]:
    out = io.StringIO()
    code = cli.main(
        ["vault", "check", "--vault", str(folder), "--passphrase-stdin"],
        stdin=io.StringIO(PASSPHRASE + "\n"),
        stdout=out,
    )
    return code, out.getvalue()


def test_check_of_a_healthy_vault_exits_0_and_says_clean(several_pages: Path) -> None:
    code, text = _cli_check(several_pages)

    assert code == 0
    assert "clean" in text
    assert "problem" not in text


def test_check_of_a_healthy_vault_changes_nothing(several_pages: Path) -> None:
    before = (several_pages / "vault.db").read_bytes()

    with Vault.open_for_check(several_pages, PASSPHRASE) as checked:
        assert checked.check().clean

    assert (several_pages / "vault.db").read_bytes() == before


def test_a_flipped_byte_is_reported_as_an_encryption_problem(several_pages: Path) -> None:
    _flip_byte(several_pages / "vault.db", FLIP_OFFSET)

    with Vault.open_for_check(several_pages, PASSPHRASE) as checked:
        report = checked.check()

    assert not report.clean
    encryption = [p for p in report.problems if p.startswith("encryption:")]
    assert encryption, report.problems
    assert any("HMAC" in p and f"page {FLIPPED_PAGE}" in p for p in encryption), report.problems


def test_a_flipped_byte_among_the_audit_rows_is_reported_not_crashed_on(several_pages: Path) -> None:
    # The newest pages hold the audit rows just written, which the chain check must read.
    db_file = several_pages / "vault.db"
    last_page = db_file.stat().st_size // PAGE_SIZE
    _flip_byte(db_file, PAGE_SIZE * (last_page - 1) + 100)

    with Vault.open_for_check(several_pages, PASSPHRASE) as checked:
        report = checked.check()

    assert not report.clean
    assert any(p.startswith("encryption:") and f"page {last_page}" in p for p in report.problems), report.problems
    code, text = _cli_check(several_pages)
    assert code == 1, text
    assert f"page {last_page}" in text


def test_check_leaves_a_damaged_vault_byte_for_byte_as_it_found_it(several_pages: Path) -> None:
    db_file = several_pages / "vault.db"
    _flip_byte(db_file, FLIP_OFFSET)
    damaged = db_file.read_bytes()

    with Vault.open_for_check(several_pages, PASSPHRASE) as checked:
        assert not checked.check().clean

    assert db_file.read_bytes() == damaged


def test_cli_check_of_a_flipped_byte_exits_1_and_lists_the_problems(
    several_pages: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _flip_byte(several_pages / "vault.db", FLIP_OFFSET)

    code, text = _cli_check(several_pages)

    assert code == 1
    listed = [line.strip() for line in text.splitlines() if line.strip().startswith("- ")]
    assert any(line.startswith("- encryption:") and f"page {FLIPPED_PAGE}" in line for line in listed), text
    assert re.search(r"\d+ problems? found:", text)
    assert "backup" in text  # tells the user what to do next
    assert "Traceback" not in capsys.readouterr().err


class _Terminal(io.StringIO):
    """Standard error as a person's terminal (the one fake here: the OS edge)."""

    def isatty(self) -> bool:
        return True


def test_check_on_a_terminal_shows_one_line_per_phase_on_stderr(
    several_pages: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)

    code, text = _cli_check(several_pages)

    assert code == 0, text
    # Each phase's line is rewritten in place (carriage returns) and ends when the phase does.
    lines = [line.split("\r")[-1].strip() for line in terminal.getvalue().split("\n") if line]
    assert [line.split(":")[0] for line in lines] == list(PHASES)
    assert all(": done (" in line for line in lines), lines
    assert "clean" in text  # the verdict stays on standard output


def test_check_in_a_script_prints_no_progress(several_pages: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _text = _cli_check(several_pages)

    assert code == 0
    assert capsys.readouterr().err == ""
