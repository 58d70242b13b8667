"""`therapy-desk export fhir`: a client's (or the practice's) record written as a FHIR R4 bundle to exactly the
new file named; an existing file is refused and left as it was; an unknown client is a sentence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import pyzipper
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


def test_a_bundle_for_someone_else_is_logged_as_a_disclosure_and_only_with_its_file(
    capsys: pytest.CaptureFixture[str], practice: tuple[Path, Practice], out: Path
) -> None:
    folder, made = practice
    to_court = ("--to-recipient", "Kings County Family Court", "--basis", "court", "--purpose", "Subpoena F-2231")
    target = out / "for-court.json"

    run = _export(capsys, folder, target, "--client", str(made.insured), *to_court)

    assert run.code == cli.EXIT_OK, run.err
    assert "logged as a disclosure" in run.out
    refused = _export(capsys, folder, target, "--client", str(made.insured), *to_court)  # the file exists now
    assert refused.code == cli.EXIT_USER_ERROR
    whole = _export(capsys, folder, out / "all.json", *to_court)
    assert whole.code == cli.EXIT_USER_ERROR
    assert "give --client" in whole.err
    with Vault.open(folder, PASSPHRASE) as vault:
        [logged] = vault.disclosures.for_client(made.insured)
    assert (logged.recipient, logged.basis.value, logged.purpose) == ("Kings County Family Court", "court",
                                                                       "Subpoena F-2231")  # fmt: skip
    assert "FHIR R4 bundle" in logged.what


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


# -- export archive / export verify ----------------------------------------------------------------------------


def _archive(capsys: pytest.CaptureFixture[str], folder: Path, target: Path, *options: str, stdin: str = "") -> Run:
    return therapy_desk(capsys, "export", "archive", *options, "-o", str(target), "--vault", str(folder),
                        "--passphrase-stdin", stdin=PASSPHRASE + "\n" + stdin)  # fmt: skip


def test_archive_of_one_client_is_a_folder_that_verify_finds_whole(
    capsys: pytest.CaptureFixture[str], practice: tuple[Path, Practice], out: Path
) -> None:
    folder, made = practice
    target = out / "archive"

    run = _archive(capsys, folder, target, "--client", str(made.insured))

    assert run.code == cli.EXIT_OK, run.err
    assert f"Wrote {target}: a folder holding 1 client" in run.out
    assert "Reyes" not in run.out + run.err
    clients = json.loads((target / "data" / "clients.json").read_text("utf-8"))
    assert [c["id"] for c in clients] == [made.insured]
    [chart] = (target / "clients").iterdir()  # the client's chart copy, named by id, never by name
    assert chart.name == str(made.insured)
    assert (chart / "chart.pdf").read_bytes().startswith(b"%PDF")

    checked = therapy_desk(capsys, "export", "verify", str(target))
    assert checked.code == cli.EXIT_OK
    assert "every file matches MANIFEST.sha256" in checked.out

    (target / "README.txt").write_text("changed", "utf-8")
    checked = therapy_desk(capsys, "export", "verify", str(target))
    assert checked.code == cli.EXIT_PROBLEMS
    assert "README.txt has changed since the archive was written" in checked.out


def test_archive_as_an_encrypted_zip_takes_its_password_from_standard_input(
    capsys: pytest.CaptureFixture[str], practice: tuple[Path, Practice], out: Path
) -> None:
    folder, _made = practice
    target = out / "practice.zip"

    run = _archive(capsys, folder, target, "--zip", "--include-psychotherapy-notes", stdin="zip password 1\n")

    assert run.code == cli.EXIT_OK, run.err
    assert "AES-256 encrypted zip holding 2 clients" in run.out
    assert "psychotherapy notes included" in run.out
    with pyzipper.AESZipFile(target) as archive:
        archive.setpassword(b"zip password 1")
        assert b"psychotherapy_notes" in archive.read("README.txt")
    assert [p.name for p in out.iterdir()] == ["practice.zip"]


def test_archive_refuses_psychotherapy_notes_for_one_client_an_existing_folder_and_a_short_password(
    capsys: pytest.CaptureFixture[str], practice: tuple[Path, Practice], out: Path
) -> None:
    folder, made = practice

    run = _archive(capsys, folder, out / "a", "--client", str(made.insured), "--include-psychotherapy-notes")
    assert run.code == cli.EXIT_USER_ERROR
    assert "never in one client's archive" in run.err

    run = _archive(capsys, folder, out)
    assert run.code == cli.EXIT_USER_ERROR
    assert "already exists; it was not touched" in run.err

    run = _archive(capsys, folder, out / "short.zip", "--zip", stdin="short\n")
    assert run.code == cli.EXIT_USER_ERROR
    assert "at least 8 characters" in run.err
    assert list(out.iterdir()) == []


def test_verify_of_a_folder_without_a_manifest_says_so(capsys: pytest.CaptureFixture[str], out: Path) -> None:
    run = therapy_desk(capsys, "export", "verify", str(out))

    assert run.code == cli.EXIT_PROBLEMS
    assert "holds no MANIFEST.sha256" in run.out
