"""`therapy-desk import csv FILE --mapping MAP.json [--dry-run]`: counts and rejected rows (numbers and
reasons, never a value from the file), exit 1 and nothing imported while any row is rejected; a bad file
or mapping is one sentence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import PASSPHRASE
from tests.records.test_csv_import import client_row, write_csv
from tests.test_cli import Run, therapy_desk
from therapy_desk import cli
from therapy_desk.storage.vault import Vault


@pytest.fixture
def mapping(tmp_path: Path) -> Path:
    path = tmp_path / "map.json"
    path.write_text(json.dumps({"preset": "simplepractice"}), "utf-8")
    return path


def _import(capsys: pytest.CaptureFixture[str], folder: Path, csv_file: Path, mapping: Path, *more: str) -> Run:
    return therapy_desk(capsys, "import", "csv", str(csv_file), "--mapping", str(mapping), *more,
                        "--vault", str(folder), "--passphrase-stdin", stdin=PASSPHRASE + "\n")  # fmt: skip


def _count(folder: Path) -> int:
    with Vault.open(folder, PASSPHRASE) as vault:
        return vault.clients.count()


def test_a_clean_file_is_imported_and_counted(
    capsys: pytest.CaptureFixture[str], created: tuple[Path, str], tmp_path: Path, mapping: Path
) -> None:
    path = write_csv(tmp_path / "caseload.csv", [client_row(n) for n in range(1, 4)])

    run = _import(capsys, created[0], path, mapping)

    assert run.code == cli.EXIT_OK, run.err
    assert "Checked caseload.csv: 3 rows." in run.out
    assert "Imported 3 clients from caseload.csv in one step: 4 diagnoses, 2 insurance coverages, 1 payer added." in (
        run.out
    )
    assert "Not in the file, left blank: the legal middle name" in run.out
    assert "Reyes" not in run.out + run.err
    assert _count(created[0]) == 3


def test_a_dry_run_imports_nothing_and_names_the_payers_to_add(
    capsys: pytest.CaptureFixture[str], created: tuple[Path, str], tmp_path: Path, mapping: Path
) -> None:
    path = write_csv(tmp_path / "caseload.csv", [client_row(1), client_row(2)])

    run = _import(capsys, created[0], path, mapping, "--dry-run")

    assert run.code == cli.EXIT_OK, run.err
    assert "All 2 rows can be imported: 2 clients, 2 diagnoses, 1 insurance coverage, adding 1 payer." in run.out
    assert "Payers to be added (complete them under Billing before claims): Acme Health." in run.out
    assert "Nothing was imported (--dry-run)." in run.out
    assert _count(created[0]) == 0


def test_rejected_rows_are_listed_and_exit_1_with_nothing_imported(
    capsys: pytest.CaptureFixture[str], created: tuple[Path, str], tmp_path: Path, mapping: Path
) -> None:
    rows = [client_row(1), client_row(2, **{"Date of Birth": "13/45/1990"}), client_row(3), client_row(1)]
    path = write_csv(tmp_path / "caseload.csv", rows)

    run = _import(capsys, created[0], path, mapping)

    assert run.code == cli.EXIT_PROBLEMS
    assert run.out.splitlines()[2:] == [
        "2 rows of 4 cannot be imported; nothing will be imported until every row is fixed.",
        "Row 3: the date of birth is not a date (use YYYY-MM-DD or MM/DD/YYYY).",
        "Row 5: it duplicates row 2 (the same legal name and date of birth).",
    ]
    assert "13/45/1990" not in run.out + run.err
    assert _count(created[0]) == 0


def test_a_file_that_is_not_utf8_is_one_sentence(
    capsys: pytest.CaptureFixture[str], created: tuple[Path, str], tmp_path: Path, mapping: Path
) -> None:
    path = write_csv(tmp_path / "old.csv", [client_row(1, **{"First Name": "Zoë"})], encoding="cp1252")

    run = _import(capsys, created[0], path, mapping)

    assert run.code == cli.EXIT_USER_ERROR
    assert "old.csv is not UTF-8 text: save it from your spreadsheet as 'CSV UTF-8' and try again." in run.err
    assert "Traceback" not in run.err


def test_windows_1252_is_read_when_asked_for(
    capsys: pytest.CaptureFixture[str], created: tuple[Path, str], tmp_path: Path, mapping: Path
) -> None:
    path = write_csv(tmp_path / "old.csv", [client_row(1, **{"First Name": "Zoë"})], encoding="cp1252")

    run = _import(capsys, created[0], path, mapping, "--encoding", "windows-1252")

    assert run.code == cli.EXIT_OK, run.err
    with Vault.open(created[0], PASSPHRASE) as vault:
        [client] = vault.clients.by_ids(vault.caseload.ids()).values()
    assert client.legal_first == "Zoë"


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        ("{not json", "is not JSON text"),
        ('{"preset": "epic"}', "preset must be one of"),
        ('{"columns": {"dob": "DOB"}}', "Map the legal first name to one of the file's columns"),
    ],
)
def test_a_bad_mapping_is_one_sentence(
    capsys: pytest.CaptureFixture[str], created: tuple[Path, str], tmp_path: Path, text: str, sentence: str
) -> None:
    path = write_csv(tmp_path / "caseload.csv", [client_row(1)])
    mapping = tmp_path / "bad.json"
    mapping.write_text(text, "utf-8")

    run = _import(capsys, created[0], path, mapping)

    assert run.code == cli.EXIT_USER_ERROR
    assert sentence in run.err
    assert "Traceback" not in run.err
    assert _count(created[0]) == 0
