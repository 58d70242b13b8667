"""`therapy-desk superbill`, `statement` and `estimate`: exactly the file named, recorded; a missing field
listed with where to fill it in (exit 2, nothing written); an existing file refused."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import pytest

from tests.conftest import PASSPHRASE
from tests.documents.practice import PROFILE, Practice, build
from tests.templates.pdf_text import pages, text
from tests.test_cli import therapy_desk
from therapy_desk import cli
from therapy_desk.storage.documents import DocumentKind
from therapy_desk.storage.vault import Vault


@pytest.fixture
def practice(created: tuple[Path, str]) -> tuple[Path, Practice]:
    folder, _code = created
    with Vault.open(folder, PASSPHRASE) as vault:
        made = build(vault)
    return folder, made


def test_superbill_for_a_period_writes_exactly_the_file_named_and_records_it(
    capsys: pytest.CaptureFixture[str], practice: tuple[Path, Practice], tmp_path: Path
) -> None:
    folder, made = practice
    target = tmp_path / "march.pdf"

    run = therapy_desk(capsys, "superbill", "--client", str(made.insured), "--from", "2025-03-01", "--to",
                       "2025-03-31", "-o", str(target), "--vault", str(folder), "--passphrase-stdin",
                       stdin=PASSPHRASE + "\n")  # fmt: skip

    assert run.code == cli.EXIT_OK, run.err
    body = text(target.read_bytes())
    for field in ("NPI 1234567893", "Member ID HVH778812", "03/03/2025", "03/10/2025", "03/17/2025", "F41.1"):
        assert field in body
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    assert f"Wrote {target} (1 page; SHA-256 {digest})." in run.out
    with Vault.open(folder, PASSPHRASE) as vault:
        [issued] = vault.documents.issued(made.insured)
    assert (issued.kind, issued.file_name, issued.sha256) == (DocumentKind.SUPERBILL, "march.pdf", digest)
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".pdf") == ["march.pdf"]


def test_superbill_of_one_session_with_a_password_from_the_next_stdin_line(
    capsys: pytest.CaptureFixture[str], practice: tuple[Path, Practice], tmp_path: Path
) -> None:
    folder, made = practice
    target = tmp_path / "session.pdf"

    run = therapy_desk(capsys, "superbill", "--client", str(made.insured), "--session", str(made.appointments[1]),
                       "-o", str(target), "--password", "--vault", str(folder), "--passphrase-stdin",
                       stdin=f"{PASSPHRASE}\nblue heron\n")  # fmt: skip

    assert run.code == cli.EXIT_OK, run.err
    body = " ".join(pages(target.read_bytes(), password="blue heron"))
    assert "03/10/2025 10 90834" in body
    assert "03/03/2025" not in body


def test_a_missing_field_exits_2_listing_each_what_and_where_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], created: tuple[Path, str], tmp_path: Path
) -> None:
    folder, _code = created
    with Vault.open(folder, PASSPHRASE) as vault:
        made = build(vault, profile=replace(PROFILE, npi="", tax_id=""))
    target = tmp_path / "march.pdf"

    run = therapy_desk(capsys, "superbill", "--client", str(made.insured), "--from", "2025-03-01", "--to",
                       "2025-03-31", "-o", str(target), "--vault", str(folder), "--passphrase-stdin",
                       stdin=PASSPHRASE + "\n")  # fmt: skip

    assert run.code == cli.EXIT_USER_ERROR
    assert "  NPI — Settings › Practice profile" in run.err.splitlines()
    assert "  Tax ID (EIN or SSN) — Settings › Practice profile" in run.err.splitlines()
    assert "Traceback" not in run.err
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".td-")] == []


def test_an_existing_file_is_refused_with_a_sentence_and_left_alone(
    capsys: pytest.CaptureFixture[str], practice: tuple[Path, Practice], tmp_path: Path
) -> None:
    folder, made = practice
    target = tmp_path / "statement.pdf"
    target.write_bytes(b"mine")

    run = therapy_desk(capsys, "statement", "--client", str(made.insured), "--as-of", "2025-03-31", "-o",
                       str(target), "--vault", str(folder), "--passphrase-stdin", stdin=PASSPHRASE + "\n")  # fmt: skip

    assert run.code == cli.EXIT_USER_ERROR
    assert "already exists" in run.err
    assert target.read_bytes() == b"mine"


def test_statement_and_estimate_write_their_files(
    capsys: pytest.CaptureFixture[str], practice: tuple[Path, Practice], tmp_path: Path
) -> None:
    folder, made = practice
    run = therapy_desk(capsys, "statement", "--client", str(made.insured), "--as-of", "2025-03-31", "-o",
                       str(tmp_path / "s.pdf"), "--vault", str(folder), "--passphrase-stdin",
                       stdin=PASSPHRASE + "\n")  # fmt: skip
    assert run.code == cli.EXIT_OK, run.err
    assert "$280.00" in text((tmp_path / "s.pdf").read_bytes())

    run = therapy_desk(capsys, "estimate", "--client", str(made.self_pay), "--from", "2025-04-01", "--to",
                       "2025-06-30", "-o", str(tmp_path / "e.pdf"), "--vault", str(folder), "--passphrase-stdin",
                       stdin=PASSPHRASE + "\n")  # fmt: skip
    assert run.code == cli.EXIT_OK, run.err
    assert "90791" in text((tmp_path / "e.pdf").read_bytes())
    with Vault.open(folder, PASSPHRASE) as vault:
        [kept] = vault.documents.estimates(made.self_pay)
    assert kept.sha256 == hashlib.sha256((tmp_path / "e.pdf").read_bytes()).hexdigest()


def test_superbill_needs_a_session_or_a_period(
    capsys: pytest.CaptureFixture[str], practice: tuple[Path, Practice], tmp_path: Path
) -> None:
    folder, made = practice
    run = therapy_desk(capsys, "superbill", "--client", str(made.insured), "-o", str(tmp_path / "x.pdf"),
                       "--vault", str(folder), "--passphrase-stdin", stdin=PASSPHRASE + "\n")  # fmt: skip
    assert run.code == cli.EXIT_USER_ERROR
    assert "--session" in run.err
