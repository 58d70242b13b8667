"""The exit archive end to end, as a clinician leaving would use it: each client's chart copy is the real one
(every signed note with its verification code), and the archive's clients.csv brings the caseload into a new
vault with the same clients."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from pypdf import PdfReader

from tests.conftest import CHEAP_KDF, PASSPHRASE
from therapy_desk.demo.builder import build_demo
from therapy_desk.domain.csv_import import PRESET_BY_KEY
from therapy_desk.domain.notes import NoteStatus, verification_code
from therapy_desk.records.archive import write_archive
from therapy_desk.records.archive_files import verify_archive
from therapy_desk.records.chart_export import CHART_WRITER
from therapy_desk.records.csv_import import import_csv
from therapy_desk.storage.vault import Vault

TODAY = date(2026, 6, 30)


def _identities(rows: list[dict[str, str]]) -> set[tuple[str, str, str, str]]:
    return {(r["legal_first"], r["legal_last"], r["dob"], r["account_number"]) for r in rows}


def test_the_archive_carries_real_chart_copies_and_its_clients_reimport_into_a_new_vault(
    vault: Vault, tmp_path: Path
) -> None:
    build_demo(vault, clients=12, years=1, today=TODAY)
    summary = write_archive(
        vault, tmp_path / "archive", client_id=None, chart_pdf=CHART_WRITER, include_psychotherapy_notes=False,
        password=None,
    )  # fmt: skip
    folder = summary.path
    assert verify_archive(folder) == []
    assert summary.charts == vault.clients.count()

    client_id = next(c for c in vault.caseload.ids() if vault.notes.count_for_client(c) > 0)
    signed = [n for n in vault.notes.for_client(client_id, limit=500) if n.status is NoteStatus.SIGNED]
    assert signed
    charts = [folder / "clients" / str(client_id) / "chart.pdf"]
    assert charts[0].is_file()
    text = " ".join(page.extract_text() for page in PdfReader(charts[0]).pages)
    for note in signed:
        assert note.content_hash is not None
        assert verification_code(note.content_hash) in text

    with (folder / "data" / "clients.csv").open(encoding="utf-8-sig", newline="") as handle:
        archived = list(csv.DictReader(handle))
    assert len(archived) == vault.clients.count()

    fresh, _code = Vault.create(tmp_path / "new vault", PASSPHRASE, kdf=CHEAP_KDF)
    with fresh:
        outcome = import_csv(fresh, folder / "data" / "clients.csv", PRESET_BY_KEY["therapy-desk-archive"].mapping)
        assert outcome.report.rejected == ()
        assert outcome.imported is not None
        assert outcome.imported.clients == len(archived)
        assert fresh.clients.count() == vault.clients.count()
        again = fresh.clients.by_ids(fresh.caseload.ids())
        reimported = {(c.legal_first, c.legal_last, c.dob.isoformat(), c.account_number) for c in again.values()}
    assert reimported == _identities(archived)
