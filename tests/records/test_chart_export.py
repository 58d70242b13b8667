"""The chart copy, read back with pypdf as the person who asked for it would read it: each signed note with
its verification code and addenda, never a draft, psychotherapy notes only under a release that covers them,
the period respected, every page identified and marked confidential, and each copy recorded (a disclosure
only when it went to someone other than the clinician)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.records.test_fhir import DRAFT_WORDS, PROCESS_WORDS, chart
from tests.storage.test_notes import SOAP, signed_note
from tests.storage.test_plans import SIGNER
from tests.templates.pdf_text import pages, text
from therapy_desk.domain.chart_export import CONFIDENTIALITY, ChartExportOptions, ChartSection
from therapy_desk.domain.clients import Release
from therapy_desk.domain.disclosures import Disclosure, DisclosureBasis
from therapy_desk.domain.notes import Note, NoteFormat, sections, verification_code
from therapy_desk.errors import UserError, ValidationError
from therapy_desk.records.chart_export import chart_pdf, write_chart_export
from therapy_desk.storage.vault import Vault

TODAY = date(2025, 3, 31)
JANUARY = "The client described the winter storm that kept her indoors for a week."
FEBRUARY = "The client brought a drawing of the lighthouse she visited with her sister."
ADDENDUM = "Correction: the lighthouse visit was in August, not July."
CONFIDENTIAL = " ".join(CONFIDENTIALITY.split())


def _note(vault: Vault, client_id: int, day: date, words: str, objective: str = "") -> Note:
    texts = dict(SOAP, Subjective=words, Objective=objective or SOAP["Objective"])
    return signed_note(vault, client_id, date_of_service=day, sections=sections(NoteFormat.SOAP, texts), goal_ids=())


@pytest.fixture
def record(vault: Vault) -> tuple[int, Note, Note]:
    client_id = chart(vault)
    january = _note(vault, client_id, date(2025, 1, 13), JANUARY)
    february = _note(vault, client_id, date(2025, 2, 10), FEBRUARY)
    assert february.id is not None
    vault.notes.add_addendum(february.id, ADDENDUM, SIGNER)
    return client_id, january, vault.notes.get(february.id)


def _covering_release(vault: Vault, client_id: int) -> int:
    release = vault.clients.add_release(
        Release(client_id, "Dr. Sato, forensic evaluator", "psychotherapy notes", "court-ordered evaluation",
                date(2025, 3, 1), covers_psychotherapy_notes=True)
    )  # fmt: skip
    assert release.id is not None
    return release.id


def test_every_signed_note_is_there_with_its_verification_code_and_addenda(
    vault: Vault, record: tuple[int, Note, Note]
) -> None:
    client_id, january, february = record
    got = text(chart_pdf(vault, client_id))
    for note in (january, february):
        assert note.content_hash is not None
        assert f"verification code {verification_code(note.content_hash)}" in got
    assert JANUARY in got
    assert FEBRUARY in got
    assert ADDENDUM in got
    addendum = february.addenda[0]
    assert f"Addendum signed by {SIGNER}" in got
    assert verification_code(addendum.content_hash) in got
    assert got.count("Progress note (SOAP)") == 5  # the three sessions of the practice and these two


def test_drafts_and_psychotherapy_notes_stay_out_by_default(vault: Vault, record: tuple[int, Note, Note]) -> None:
    got = text(chart_pdf(vault, record[0]))
    assert DRAFT_WORDS not in got
    assert PROCESS_WORDS not in got
    assert "Psychotherapy notes" not in got


def test_psychotherapy_notes_only_under_a_release_that_covers_them(
    vault: Vault, record: tuple[int, Note, Note]
) -> None:
    client_id = record[0]
    plain_release = next(r for r in vault.clients.releases(client_id) if r.revoked_on is None)
    with pytest.raises(ValidationError):
        chart_pdf(vault, client_id, ChartExportOptions(psychotherapy_release_id=plain_release.id))
    covering = _covering_release(vault, client_id)
    got = text(chart_pdf(vault, client_id, ChartExportOptions(psychotherapy_release_id=covering)))
    assert PROCESS_WORDS in got


def test_the_period_and_the_sections_are_respected(vault: Vault, record: tuple[int, Note, Note]) -> None:
    client_id = record[0]
    options = ChartExportOptions(
        since=date(2025, 2, 1), until=date(2025, 2, 28), sections=frozenset({ChartSection.NOTES})
    )
    got = text(chart_pdf(vault, client_id, options))
    assert FEBRUARY in got
    assert JANUARY not in got
    assert "March 10, 2025" not in got  # a session note after the period
    assert "F41.1" not in got  # diagnoses not chosen
    assert "02/01/2025 to 02/28/2025" in got


def test_every_page_names_the_client_and_is_marked_confidential_even_for_a_huge_note(
    vault: Vault, record: tuple[int, Note, Note]
) -> None:
    client_id = record[0]
    lines = "\n".join(f"Line {i}: the client talked at length about the week." for i in range(1_500))
    one_paragraph = "The client went on without a pause. " * 2_500  # 90,000 characters, not one line break
    _note(vault, client_id, date(2025, 3, 24), lines, one_paragraph)
    read = pages(chart_pdf(vault, client_id))
    assert len(read) > 30
    for number, page in enumerate(read, 1):
        assert "Ana Reyes" in page
        assert "DOB 04/02/1988" in page
        assert f"Page {number} of {len(read)}" in page
        assert CONFIDENTIAL in page


def test_a_copy_for_a_recipient_is_logged_as_a_disclosure_and_an_own_copy_is_not(
    vault: Vault, record: tuple[int, Note, Note], tmp_path: Path
) -> None:
    client_id = record[0]
    own = write_chart_export(vault, client_id, None, tmp_path, disclosure=None, today=TODAY)
    assert own.name == f"chart-{vault.clients.get(client_id).account_number}-2025-03-31.pdf"
    assert vault.disclosures.for_client(client_id) == []
    sent = Disclosure(client_id, TODAY, "Hudson Valley Health audit unit", DisclosureBasis.TREATMENT_PAYMENT,
                      "payer audit of 2025 claims", what="filled in by the export")  # fmt: skip
    options = ChartExportOptions(sections=frozenset({ChartSection.NOTES, ChartSection.DIAGNOSES}))
    path = write_chart_export(vault, client_id, options, tmp_path, disclosure=sent, today=TODAY)
    assert path != own
    assert path.exists()
    assert "Prepared for Hudson Valley Health audit unit" in text(path.read_bytes())
    [logged] = vault.disclosures.for_client(client_id)
    assert logged.recipient == "Hudson Valley Health audit unit"
    assert logged.what.startswith("Chart copy (PDF): diagnoses, signed notes")
    assert not logged.psychotherapy_notes
    issued = vault.documents.issued(client_id)
    charts = [d for d in issued if d.details.get("document") == "chart export"]
    assert {d.file_name for d in charts} == {own.name, path.name}


def test_psychotherapy_notes_disclosed_name_their_release(
    vault: Vault, record: tuple[int, Note, Note], tmp_path: Path
) -> None:
    client_id = record[0]
    covering = _covering_release(vault, client_id)
    sent = Disclosure(client_id, TODAY, "Dr. Sato, forensic evaluator", DisclosureBasis.AUTHORIZATION,
                      "court-ordered evaluation", what="-", release_id=covering)  # fmt: skip
    options = ChartExportOptions(psychotherapy_release_id=covering)
    write_chart_export(vault, client_id, options, tmp_path, disclosure=sent, today=TODAY)
    [logged] = vault.disclosures.for_client(client_id)
    assert logged.psychotherapy_notes
    assert logged.release_id == covering
    assert "psychotherapy notes" in logged.what


def test_an_existing_file_is_refused_and_nothing_is_logged(
    vault: Vault, record: tuple[int, Note, Note], tmp_path: Path
) -> None:
    client_id = record[0]
    folder = tmp_path / "out"
    folder.mkdir()
    taken = folder / "copy.pdf"
    taken.write_bytes(b"someone else's file")
    before = len(vault.documents.issued(client_id))
    sent = Disclosure(client_id, TODAY, "Client's attorney", DisclosureBasis.CLIENT, "records request", what="-")
    with pytest.raises(UserError):
        write_chart_export(vault, client_id, None, folder, disclosure=sent, today=TODAY, name="copy.pdf")
    assert taken.read_bytes() == b"someone else's file"
    assert vault.disclosures.for_client(client_id) == []
    assert len(vault.documents.issued(client_id)) == before
    assert sorted(p.name for p in folder.iterdir()) == ["copy.pdf"]
