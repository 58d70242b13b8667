"""The exit archive: a folder (or AES-256 zip) with a chart PDF per client, every table as CSV and JSON, a
README, the vault-format document and a SHA-256 manifest; one client's archive holds nothing of another's."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import subprocess
from datetime import date
from pathlib import Path

import pytest
import pyzipper
from pypdf import PdfReader
from reportlab.pdfgen.canvas import Canvas

from therapy_desk.demo.builder import build_demo
from therapy_desk.domain.notes import ProcessNote
from therapy_desk.domain.snippets import Snippet
from therapy_desk.errors import UnusableLocation, UserError
from therapy_desk.records.archive import ArchiveCancelled, write_archive
from therapy_desk.records.archive_files import MANIFEST, verify_archive
from therapy_desk.storage import archive_rows
from therapy_desk.storage.vault import Vault

ROOT = Path(__file__).resolve().parents[2]
SECRET = "Client dreams of a red lighthouse"  # a psychotherapy note's text


def chart_pdf(vault: Vault, client_id: int) -> bytes:
    """A stand-in for the real chart PDF: one page with the client's id and name."""
    client = vault.clients.get(client_id)
    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    canvas.drawString(72, 720, f"Chart of client {client_id}: {client.legal_first} {client.legal_last}")
    canvas.save()
    return buffer.getvalue()


@pytest.fixture
def practice(vault: Vault) -> Vault:
    build_demo(vault, clients=12, years=1, today=date(2026, 6, 30))
    vault.notes.save_process_note(ProcessNote(client_id=_planned(vault), text=SECRET, date_of_service=date(2026, 5, 1)))
    vault.snippets.save(Snippet(trigger="sum", text="=SUM(A1:A9)"))
    return vault


def _planned(vault: Vault) -> int:
    """A client with a treatment plan that has goals (the demo's seed decides which)."""
    row = vault.db.execute(
        "SELECT min(p.client_id) FROM plans AS p JOIN plan_goals AS g ON g.plan_id = p.id"
    ).fetchone()
    return int(row[0])


def _archive(vault: Vault, target: Path, **options: object) -> Path:
    settings: dict[str, object] = {
        "client_id": None, "chart_pdf": chart_pdf, "include_psychotherapy_notes": False, "password": None,
    } | options  # fmt: skip
    return write_archive(vault, target, **settings).path  # type: ignore[arg-type]


def _all_text(folder: Path) -> str:
    parts = []
    for path in folder.rglob("*"):
        if path.suffix == ".pdf":
            parts += [page.extract_text() for page in PdfReader(path).pages]
        elif path.is_file():
            parts.append(path.read_text("utf-8"))
    return "\n".join(parts)


def test_the_whole_practice_archive_holds_every_table_a_chart_per_client_and_a_manifest_that_verifies(
    practice: Vault, tmp_path: Path
) -> None:
    folder = _archive(practice, tmp_path / "archive")
    assert verify_archive(folder) == []
    ids = [row[0] for row in practice.db.execute("SELECT id FROM clients").fetchall()]
    for client_id in ids:
        assert (
            f"Chart of client {client_id}:"
            in PdfReader(folder / "clients" / str(client_id) / "chart.pdf").pages[0].extract_text()
        )
    with open(folder / "data" / "notes.csv", encoding="utf-8-sig", newline="") as handle:
        notes = list(csv.DictReader(handle))
    assert len(notes) == practice.db.execute("SELECT count(*) FROM notes").fetchone()[0]
    records = json.loads((folder / "data" / "notes.json").read_text("utf-8"))
    assert [r["id"] for r in records] == [int(n["id"]) for n in notes]
    readme = (folder / "README.txt").read_text("utf-8")
    assert "plan_goals" in readme
    assert "Psychotherapy notes are NOT included" in readme
    assert (folder / "VAULT-FORMAT.md").read_text("utf-8") == (ROOT / "docs" / "VAULT-FORMAT.md").read_text("utf-8")
    assert not (folder / "data" / "psychotherapy_notes.csv").exists()
    assert SECRET not in _all_text(folder)
    listed = (folder / MANIFEST).read_text("utf-8")
    assert "README.txt" in listed
    assert MANIFEST not in listed
    checked = subprocess.run(["sha256sum", "-c", "--quiet", MANIFEST], cwd=folder, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    if os.name == "posix":  # health information: the owner's alone
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert stat.S_IMODE((folder / "data" / "notes.csv").stat().st_mode) == 0o600


def test_a_changed_byte_a_missing_file_and_an_extra_file_are_each_named(practice: Vault, tmp_path: Path) -> None:
    folder = _archive(practice, tmp_path / "archive", chart_pdf=None)
    payers = folder / "data" / "payers.csv"
    data = bytearray(payers.read_bytes())
    data[-3] ^= 1
    payers.write_bytes(bytes(data))
    (folder / "data" / "diagnoses.json").unlink()
    (folder / "notes-to-self.txt").write_text("x")
    problems = verify_archive(folder)
    assert problems == [
        "data/diagnoses.json is listed in MANIFEST.sha256 but missing.",
        "data/payers.csv has changed since the archive was written (its SHA-256 differs).",
        "notes-to-self.txt is not listed in MANIFEST.sha256.",
    ]


def test_one_clients_archive_holds_only_that_clients_rows_and_never_psychotherapy_notes(
    practice: Vault, tmp_path: Path
) -> None:
    client = _planned(practice)
    folder = _archive(practice, tmp_path / "one", client_id=client, include_psychotherapy_notes=True)
    assert verify_archive(folder) == []
    assert [p.name for p in (folder / "clients").iterdir()] == [str(client)]
    for table in ("notes", "diagnoses", "plans", "charges", "measure_results", "coverages"):
        rows = json.loads((folder / "data" / f"{table}.json").read_text("utf-8"))
        assert {row["client_id"] for row in rows} <= {client}, table
        assert rows or table in ("charges", "coverages"), table
    # a session booked on a couple, family or group the client is in has no client of its own
    appointments = json.loads((folder / "data" / "appointments.json").read_text("utf-8"))
    assert {row["client_id"] for row in appointments} <= {client, None}
    own = json.loads((folder / "data" / "clients.json").read_text("utf-8"))
    assert [row["id"] for row in own] == [client]
    goals = json.loads((folder / "data" / "plan_goals.json").read_text("utf-8"))
    plans = {row["id"] for row in json.loads((folder / "data" / "plans.json").read_text("utf-8"))}
    assert goals
    assert {goal["plan_id"] for goal in goals} <= plans
    assert not (folder / "data" / "psychotherapy_notes.csv").exists()
    assert not (folder / "data" / "snippets.csv").exists()
    text = _all_text(folder)
    assert SECRET not in text
    others = practice.db.execute(
        "SELECT legal_first, legal_last, email FROM clients WHERE id != ?", (client,)
    ).fetchall()
    for first, last, email in others:
        assert f"{first} {last}" not in text
        assert f'"{last}"' not in text
        assert not email or email not in text
    audit = json.loads((folder / "data" / "audit_log.json").read_text("utf-8"))
    assert all(row["entity"] != "psychotherapy_note" for row in audit)


def test_a_unit_members_archive_holds_the_units_sessions_its_notes_point_at(practice: Vault, tmp_path: Path) -> None:
    member = practice.db.execute(
        "SELECT min(m.client_id) FROM unit_members AS m JOIN notes AS n ON n.client_id = m.client_id "
        "JOIN appointments AS a ON a.id = n.appointment_id AND a.unit_id = m.unit_id"
    ).fetchone()[0]
    folder = _archive(practice, tmp_path / "one", client_id=member, chart_pdf=None)
    appointments = {row["id"] for row in json.loads((folder / "data" / "appointments.json").read_text("utf-8"))}
    notes = json.loads((folder / "data" / "notes.json").read_text("utf-8"))
    pointed = {note["appointment_id"] for note in notes if note["appointment_id"] is not None}
    assert pointed
    assert pointed <= appointments
    units = json.loads((folder / "data" / "units.json").read_text("utf-8"))
    assert units


def test_psychotherapy_notes_are_in_the_practice_archive_only_when_chosen(practice: Vault, tmp_path: Path) -> None:
    folder = _archive(practice, tmp_path / "with", include_psychotherapy_notes=True, chart_pdf=None)
    rows = json.loads((folder / "data" / "psychotherapy_notes.json").read_text("utf-8"))
    assert [row["text"] for row in rows] == [SECRET]
    assert "Psychotherapy notes ARE included" in (folder / "README.txt").read_text("utf-8")


def test_text_a_spreadsheet_would_run_as_a_formula_gets_an_apostrophe_in_the_csv_only(
    practice: Vault, tmp_path: Path
) -> None:
    folder = _archive(practice, tmp_path / "archive", chart_pdf=None)
    raw = (folder / "data" / "snippets.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [row["text"] for row in rows if row["trigger"] == "sum"] == ["'=SUM(A1:A9)"]
    charges = list(csv.DictReader(io.StringIO((folder / "data" / "charges.csv").read_text("utf-8-sig"))))
    assert charges
    assert all(not row["fee_cents"].startswith("'") for row in charges)
    records = json.loads((folder / "data" / "snippets.json").read_text("utf-8"))
    assert [row["text"] for row in records if row["trigger"] == "sum"] == ["=SUM(A1:A9)"]
    assert "leading apostrophe" in (folder / "README.txt").read_text("utf-8")


def test_cancelling_leaves_nothing_behind_and_progress_counts_up(practice: Vault, tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    with pytest.raises(ArchiveCancelled, match="cancelled; nothing was written"):
        write_archive(
            practice, tmp_path / "archive", client_id=None, chart_pdf=chart_pdf, include_psychotherapy_notes=False,
            password=None, progress=lambda done, total: seen.append((done, total)), cancelled=lambda: len(seen) >= 5,
        )  # fmt: skip
    assert seen == [(k, seen[0][1]) for k in range(1, 6)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vault"]


def test_an_existing_target_is_refused_untouched(practice: Vault, tmp_path: Path) -> None:
    (tmp_path / "archive").mkdir()
    (tmp_path / "archive.zip").write_bytes(b"mine")
    with pytest.raises(UnusableLocation, match="already exists; it was not touched"):
        _archive(practice, tmp_path / "archive")
    with pytest.raises(UnusableLocation, match="already exists"):
        _archive(practice, tmp_path / "archive.zip", password="pw")
    assert list((tmp_path / "archive").iterdir()) == []
    assert (tmp_path / "archive.zip").read_bytes() == b"mine"


def test_an_unknown_client_is_a_sentence_and_nothing_is_written(practice: Vault, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="999"):
        _archive(practice, tmp_path / "archive", client_id=999)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vault"]


def test_the_encrypted_zip_opens_with_its_password_only(practice: Vault, tmp_path: Path) -> None:
    path = _archive(practice, tmp_path / "archive.zip", password="long zip password")
    with pyzipper.AESZipFile(path) as archive:
        names = archive.namelist()
        assert {"README.txt", "VAULT-FORMAT.md", MANIFEST, "data/notes.csv", "clients/1/chart.pdf"} <= set(names)
        with pytest.raises(RuntimeError, match="password"):
            archive.read("README.txt")
        archive.setpassword(b"wrong password")
        with pytest.raises(RuntimeError, match="Bad password"):
            archive.read("README.txt")
        archive.setpassword(b"long zip password")
        archive.extractall(tmp_path / "opened")
    assert verify_archive(tmp_path / "opened") == []
    assert b"THERAPY DESK EXIT ARCHIVE" not in path.read_bytes()


def test_every_table_of_the_vault_is_decided_about(vault: Vault) -> None:
    """A migration that adds a table must add it to the archive's list (or leave it out on purpose)."""
    assert sorted(archive_rows.database_tables(vault.db)) == sorted(archive_rows.TABLES)


def test_the_shipped_vault_format_document_is_the_one_in_docs() -> None:
    shipped = ROOT / "therapy_desk" / "resources" / "VAULT-FORMAT.md"
    assert shipped.read_bytes() == (ROOT / "docs" / "VAULT-FORMAT.md").read_bytes()
