"""The claim commands as a user runs them: `claims create|list`, `cms1500` and `x12 837p`; a claim with an
error is listed and the exit is 2, with nothing written."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from tests.claims.practice import claims_practice
from tests.claims.x12_verdict import pyx12_errors
from tests.conftest import PASSPHRASE
from tests.documents.practice import Practice
from tests.templates.pdf_text import text
from tests.test_cli import Run, therapy_desk
from therapy_desk import cli
from therapy_desk.storage.vault import Vault

MARCH = ("--from", "2025-03-01", "--to", "2025-03-31")


@pytest.fixture
def practice(created: tuple[Path, str]) -> tuple[Path, Practice]:
    with Vault.open(created[0], PASSPHRASE) as vault:
        made = claims_practice(vault)
    return created[0], made


def _run(capsys: pytest.CaptureFixture[str], folder: Path, *argv: str) -> Run:
    return therapy_desk(capsys, *argv, "--vault", str(folder), "--passphrase-stdin", stdin=PASSPHRASE + "\n")


def test_create_list_print_and_export_a_claim(
    capsys: pytest.CaptureFixture[str], practice: tuple[Path, Practice], tmp_path: Path
) -> None:
    folder, made = practice
    run = _run(capsys, folder, "claims", "create", "--client", str(made.insured), *MARCH)
    assert run.code == cli.EXIT_OK, run.err
    assert "TD000001  3 lines" in run.out
    assert ": ready" in run.out
    listing = _run(capsys, folder, "claims", "list", "--json")
    [row] = json.loads(listing.out)
    assert (row["claim"], row["state"], row["lines"], row["client_id"]) == ("TD000001", "ready", 3, made.insured)
    assert "Reyes" not in listing.out

    pdf = tmp_path / "claim.pdf"
    assert _run(capsys, folder, "cms1500", "--claim", "TD000001", "-o", str(pdf)).code == cli.EXIT_OK
    assert "HVH778812" in text(pdf.read_bytes())

    x12 = tmp_path / "march.x12"
    run = _run(capsys, folder, "x12", "837p", "--payer", str(row_payer(folder)), *MARCH, "-o", str(x12))
    assert run.code == cli.EXIT_OK, run.err
    assert pyx12_errors(x12.read_text("ascii")) == []
    submitted = json.loads(_run(capsys, folder, "claims", "list", "--json", "--state", "submitted").out)
    assert [c["claim"] for c in submitted] == ["TD000001"]


def row_payer(folder: Path) -> int:
    with Vault.open(folder, PASSPHRASE) as vault:
        return vault.claims.claim(1).payer_id


def test_a_scrub_error_exits_2_with_the_list_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], practice: tuple[Path, Practice], tmp_path: Path
) -> None:
    folder, made = practice
    with Vault.open(folder, PASSPHRASE) as vault:
        vault.practice.save_profile(replace(vault.practice.profile(), zip="10013"))
    run = _run(capsys, folder, "claims", "create", "--client", str(made.insured), *MARCH)
    assert run.code == cli.EXIT_USER_ERROR
    assert "TD000001:\n  error: Box 33: The billing provider's ZIP code needs all nine digits" in run.err
    pdf = tmp_path / "claim.pdf"
    run = _run(capsys, folder, "cms1500", "--claim", "1", "-o", str(pdf))
    assert run.code == cli.EXIT_USER_ERROR
    assert "Box 33" in run.err
    assert "Traceback" not in run.err
    assert not pdf.exists()


def test_a_claim_that_is_neither_a_number_nor_an_id_is_refused_in_words(
    capsys: pytest.CaptureFixture[str], practice: tuple[Path, Practice]
) -> None:
    folder, _ = practice
    run = _run(capsys, folder, "cms1500", "--claim", "XYZ", "-o", "x.pdf")
    assert run.code == cli.EXIT_USER_ERROR
    assert "--claim was given something it cannot use" in run.err
