"""`therapy-desk chart-export`: a client's chart copy written to exactly the new file named; the clinician's
own copy is not a disclosure, a copy for a recipient or under a release is logged as one; an existing file
is refused and nothing is logged; mistakes are sentences."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.conftest import PASSPHRASE
from tests.documents.practice import Practice, build
from tests.templates.pdf_text import text
from tests.test_cli import Run, therapy_desk
from therapy_desk import cli
from therapy_desk.domain.clients import Release
from therapy_desk.storage.vault import Vault


@pytest.fixture
def out(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


@pytest.fixture
def practice(created: tuple[Path, str]) -> tuple[Path, Practice]:
    folder, _code = created
    with Vault.open(folder, PASSPHRASE) as vault:
        made = build(vault)
    return folder, made


def _export(capsys: pytest.CaptureFixture[str], folder: Path, target: Path, *more: str) -> Run:
    return therapy_desk(capsys, "chart-export", *more, "-o", str(target), "--vault", str(folder),
                        "--passphrase-stdin", stdin=PASSPHRASE + "\n")  # fmt: skip


def _disclosures(folder: Path, client_id: int) -> list[str]:
    with Vault.open(folder, PASSPHRASE) as vault:
        return [d.recipient for d in vault.disclosures.for_client(client_id)]


def test_the_own_copy_is_written_and_not_logged(
    capsys: pytest.CaptureFixture[str], practice: tuple[Path, Practice], out: Path
) -> None:
    folder, made = practice
    target = out / "copy.pdf"
    run = _export(capsys, folder, target, "--client", str(made.insured), "--from", "2025-03-01", "--to", "2025-03-31")
    assert run.code == cli.EXIT_OK, run.err
    assert "not a disclosure" in run.out
    assert "Reyes" not in run.out + run.err
    got = text(target.read_bytes())
    assert "Ana Reyes" in got
    assert "03/01/2025 to 03/31/2025" in got
    assert _disclosures(folder, made.insured) == []


def test_a_copy_for_a_recipient_is_logged(
    capsys: pytest.CaptureFixture[str], practice: tuple[Path, Practice], out: Path
) -> None:
    folder, made = practice
    run = _export(capsys, folder, out / "audit.pdf", "--client", str(made.insured), "--sections", "notes,diagnoses",
                  "--to-recipient", "Hudson Valley Health audit", "--basis", "treatment_payment",
                  "--purpose", "payer audit")  # fmt: skip
    assert run.code == cli.EXIT_OK, run.err
    assert "logged as a disclosure" in run.out
    assert "Prepared for Hudson Valley Health audit" in text((out / "audit.pdf").read_bytes())
    assert _disclosures(folder, made.insured) == ["Hudson Valley Health audit"]


def test_a_copy_under_a_release_names_its_recipient(
    capsys: pytest.CaptureFixture[str], practice: tuple[Path, Practice], out: Path
) -> None:
    folder, made = practice
    with Vault.open(folder, PASSPHRASE) as vault:
        release = vault.clients.add_release(
            Release(made.insured, "Dr. Lee, PCP", "diagnosis", "coordination of care", date.today())
        )
    run = _export(capsys, folder, out / "lee.pdf", "--client", str(made.insured), "--release", str(release.id))
    assert run.code == cli.EXIT_OK, run.err
    assert _disclosures(folder, made.insured) == ["Dr. Lee, PCP"]


def test_an_existing_file_is_refused_and_nothing_logged(
    capsys: pytest.CaptureFixture[str], practice: tuple[Path, Practice], out: Path
) -> None:
    folder, made = practice
    target = out / "taken.pdf"
    target.write_bytes(b"mine")
    run = _export(capsys, folder, target, "--client", str(made.insured), "--to-recipient", "Someone",
                  "--basis", "client", "--purpose", "records request")  # fmt: skip
    assert run.code == cli.EXIT_USER_ERROR
    assert "already exists" in run.err
    assert target.read_bytes() == b"mine"
    assert _disclosures(folder, made.insured) == []


@pytest.mark.parametrize(
    ("more", "sentence"),
    [
        (["--sections", "notes,gossip"], "'gossip' is not a chart section"),
        (["--to-recipient", "Someone"], "--to-recipient needs --basis and --purpose"),
        (["--to-recipient", "Someone", "--basis", "whim", "--purpose", "x"], "--basis must be one of client"),
        (["--psychotherapy-notes"], "--psychotherapy-notes needs --release"),
        (["--from", "2025-13-01"], "--from needs a real date"),
        (["--release", "999"], "no release of information with id 999"),
    ],
)
def test_mistakes_are_sentences(
    capsys: pytest.CaptureFixture[str], practice: tuple[Path, Practice], out: Path, more: list[str], sentence: str
) -> None:
    folder, made = practice
    run = _export(capsys, folder, out / "x.pdf", "--client", str(made.insured), *more)
    assert run.code == cli.EXIT_USER_ERROR
    assert sentence in run.err
    assert "Traceback" not in run.err
    assert list(out.iterdir()) == []
