"""A client's accounting of disclosures, printed and read back as the client would read it."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from tests.documents.practice import PROFILE, client
from tests.templates import pdf_text
from therapy_desk.domain.clients import Release
from therapy_desk.domain.disclosures import Disclosure, DisclosureBasis
from therapy_desk.errors import UnusableLocation
from therapy_desk.records.accounting import ACCOUNTING_PRINTED, write_accounting
from therapy_desk.storage.vault import Vault

TODAY = date(2026, 12, 3)


@pytest.fixture
def chart(vault: Vault) -> int:
    vault.practice.save_profile(PROFILE)
    cid = client(vault, "Ana", "Reyes")
    release = vault.clients.add_release(Release(cid, "Dr. Lee, PCP", "diagnosis", "coordination", date(2026, 1, 5)))
    log = vault.disclosures.record
    log(Disclosure(cid, date(2026, 3, 2), "Kings County Family Court", DisclosureBasis.COURT,
                   "Subpoena, docket F-2231-26", "Chart copy, Jan–Feb 2026"), today=TODAY)  # fmt: skip
    log(Disclosure(cid, date(2026, 4, 9), "NYS Office of Professional Discipline", DisclosureBasis.HEALTH_OVERSIGHT,
                   "Licensing board audit", "Signed notes of March 2026"), today=TODAY)  # fmt: skip
    log(Disclosure(cid, date(2026, 5, 1), "Dr. Lee", DisclosureBasis.AUTHORIZATION, "Coordination of care",
                   "Diagnosis and treatment plan", release_id=release.id), today=TODAY)  # fmt: skip
    log(Disclosure(cid, date(2019, 6, 1), "Old Court", DisclosureBasis.COURT, "Subpoena of 2019",
                   "Chart copy"), today=TODAY)  # fmt: skip
    return cid


def test_the_accounting_lists_what_the_law_requires_of_the_last_six_years(
    vault: Vault, chart: int, tmp_path: Path
) -> None:
    path = write_accounting(vault, chart, tmp_path, requested_on=TODAY, now=datetime(2026, 12, 3, 10))
    text = pdf_text.text(path.read_bytes())
    assert "Accounting of Disclosures · Ana Reyes · DOB 04/02/1988" in text
    assert "Period 12/03/2020 to 12/03/2026" in text
    listed = ("03/02/2026", "Kings County Family Court", "Subpoena, docket F-2231-26", "Chart copy, Jan–Feb 2026",
              "Court order or subpoena", "NYS Office of Professional Discipline", "Licensing board audit")  # fmt: skip
    for expected in listed:
        assert expected in text
    assert "Dr. Lee" not in text  # under the client's own authorization: left out, and the page says why
    assert "Old Court" not in text  # more than six years before the request
    assert "under an authorization you signed" in text
    assert "Page 1 of 1" in text
    assert path.name == f"Accounting of disclosures 2026-12-03 {vault.clients.get(chart).account_number}.pdf"
    event = vault.audit.named(ACCOUNTING_PRINTED)[0]
    assert event.detail == {"listed": 2, "complete": False}


def test_a_complete_accounting_lists_every_logged_disclosure_with_its_release(
    vault: Vault, chart: int, tmp_path: Path
) -> None:
    text = pdf_text.text(write_accounting(vault, chart, tmp_path, requested_on=TODAY, complete=True).read_bytes())
    assert "Dr. Lee" in text
    assert "Under the client's signed authorization: Dr. Lee, PCP, signed 01/05/2026" in text
    assert "every disclosure the practice logged" in text


def test_a_client_with_no_disclosures_is_told_so(vault: Vault, tmp_path: Path) -> None:
    vault.practice.save_profile(PROFILE)
    cid = client(vault, "Ben", "Okoro")
    text = pdf_text.text(write_accounting(vault, cid, tmp_path, requested_on=TODAY).read_bytes())
    assert "No disclosures of your record in this period are recorded." in text


def test_two_accountings_of_one_day_do_not_overwrite_each_other_and_a_missing_folder_is_a_sentence(
    vault: Vault, chart: int, tmp_path: Path
) -> None:
    first = write_accounting(vault, chart, tmp_path, requested_on=TODAY)
    second = write_accounting(vault, chart, tmp_path, requested_on=TODAY)
    assert first != second
    assert second.name.endswith("(2).pdf")
    with pytest.raises(UnusableLocation, match="is not a folder"):
        write_accounting(vault, chart, tmp_path / "gone", requested_on=TODAY)
    assert len(vault.audit.named(ACCOUNTING_PRINTED)) == 2
