"""`therapy-desk export fhir`: a client's (or the practice's) record written as a FHIR R4 bundle to exactly the
new file named; an existing file is refused and left as it was; an unknown client is a sentence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle

from tests.conftest import PASSPHRASE
from tests.documents.practice import Practice, build
from tests.test_cli import Run, therapy_desk
from therapy_desk import cli
from therapy_desk.storage.vault import Vault


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """An empty folder to write into."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


@pytest.fixture
def practice(created: tuple[Path, str]) -> tuple[Path, Practice]:
    folder, _code = created
    with Vault.open(folder, PASSPHRASE) as vault:
        made = build(vault)
    return folder, made


def _export(capsys: pytest.CaptureFixture[str], folder: Path, target: Path, *client: str) -> Run:
    return therapy_desk(capsys, "export", "fhir", *client, "-o", str(target), "--vault", str(folder),
                        "--passphrase-stdin", stdin=PASSPHRASE + "\n")  # fmt: skip


def test_a_clients_record_is_written_as_a_valid_bundle(
    capsys: pytest.CaptureFixture[str], practice: tuple[Path, Practice], out: Path
) -> None:
    folder, made = practice
    target = out / "reyes.json"

    run = _export(capsys, folder, target, "--client", str(made.insured))

    assert run.code == cli.EXIT_OK, run.err
    bundle = Bundle.model_validate_json(target.read_text("utf-8"))
    kinds = [type(e.resource).__name__ for e in bundle.entry or []]
    assert kinds.count("Patient") == 1
    assert kinds.count("DocumentReference") == 3
    assert "1 client, 3 signed notes" in run.out
    assert "Reyes" not in run.out + run.err
    assert [p.name for p in out.iterdir()] == ["reyes.json"]


def test_with_no_client_the_whole_practice_is_written(
    capsys: pytest.CaptureFixture[str], practice: tuple[Path, Practice], out: Path
) -> None:
    folder, _made = practice
    target = out / "practice.json"

    run = _export(capsys, folder, target)

    assert run.code == cli.EXIT_OK, run.err
    data = json.loads(target.read_text("utf-8"))
    assert [r["resource"]["resourceType"] for r in data["entry"]].count("Patient") == 2
    assert [r["resource"]["resourceType"] for r in data["entry"]].count("Practitioner") == 1


def test_an_existing_file_is_refused_and_left_as_it_was(
    capsys: pytest.CaptureFixture[str], practice: tuple[Path, Practice], out: Path
) -> None:
    folder, made = practice
    target = out / "reyes.json"
    target.write_text("mine\n", "utf-8")

    run = _export(capsys, folder, target, "--client", str(made.insured))

    assert run.code == cli.EXIT_USER_ERROR
    assert "already exists; it was not touched" in run.err
    assert target.read_text("utf-8") == "mine\n"
    assert [p.name for p in out.iterdir()] == ["reyes.json"]


def test_an_unknown_client_is_a_sentence_and_nothing_is_written(
    capsys: pytest.CaptureFixture[str], practice: tuple[Path, Practice], out: Path
) -> None:
    folder, _made = practice
    target = out / "nobody.json"

    run = _export(capsys, folder, target, "--client", "999")

    assert run.code == cli.EXIT_USER_ERROR
    assert "999" in run.err
    assert "Traceback" not in run.err
    assert not target.exists()
