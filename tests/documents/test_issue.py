"""Issuing documents from a real vault: each field a payer needs read back from the PDF written, the record
with the SHA-256 of the bytes on disk, the refusal list with nothing written, and no file and no record when
the write fails at the OS edge."""

from __future__ import annotations

import hashlib
import os
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest

from tests.documents.practice import MARCH, PROFILE, SESSIONS, TODAY, Practice, build
from tests.templates.pdf_text import pages, text
from therapy_desk.documents import issue_estimate, issue_statement, issue_superbill, superbill_for
from therapy_desk.domain.documents import DocumentIncomplete, EstimateItem
from therapy_desk.domain.scheduling import Appointment, AppointmentStatus
from therapy_desk.errors import UnusableLocation, UserError
from therapy_desk.storage.documents import DocumentKind
from therapy_desk.storage.vault import Vault


@pytest.fixture
def practice(vault: Vault) -> Practice:
    return build(vault)


@pytest.fixture
def out(tmp_path: Path) -> Path:
    folder = tmp_path / "documents"
    folder.mkdir()
    return folder


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_monthly_superbill_carries_every_field_a_payer_needs(vault: Vault, practice: Practice, out: Path) -> None:
    issued = issue_superbill(vault, practice.insured, out, date_from=MARCH[0], date_to=MARCH[1], today=TODAY)

    assert issued.file_name == f"Superbill 2025-03 {practice.account}.pdf"
    assert _files(out) == [issued.file_name]
    written = (out / issued.file_name).read_bytes()
    body = text(written)
    for field in (
        "Maya Okafor, LCSW",
        "210 Hudson St, Suite 4",
        "(212) 555-0148",
        "NPI 1234567893",
        "Tax ID (EIN) 12-3456789",
        "License LCSW-104233 (NY)",
        "Ana Reyes",
        "Date of birth 04/02/1988",
        "12 Elm Street, Brooklyn, NY 11201",
        "Hudson Valley Health",
        "Member ID HVH778812",
        "A F41.1 B F32.1",
        "03/03/2025 11 90834",
        "03/10/2025 10 90834 Psychotherapy, 45 min 95 A,B 1 $140.00 $95.00",
        "03/17/2025 11 90834",
        "Total charges $420.00",
        "Amount paid $120.00",
        "Balance due $300.00",
        "EFT 99812",
        "Signature of provider",
    ):
        assert field in body, field
    assert "Paid in full" not in body
    assert issued.sha256 == hashlib.sha256(written).hexdigest()
    assert (issued.kind, issued.client_id, issued.period_from, issued.period_to, issued.pages) == (
        DocumentKind.SUPERBILL, practice.insured, MARCH[0], MARCH[1], 1,
    )  # fmt: skip
    assert vault.documents.issued(practice.insured) == [issued]


def test_the_superbill_names_the_plan_with_the_payer(vault: Vault, practice: Practice, out: Path) -> None:
    [coverage] = vault.billing.coverages(practice.insured)
    vault.billing.update_coverage(replace(coverage, plan_name="Gold PPO", coinsurance_percent=20), today=TODAY)

    issued = issue_superbill(vault, practice.insured, out, date_from=MARCH[0], date_to=MARCH[1], today=TODAY)

    body = text((out / issued.file_name).read_bytes())
    assert "Insurance Hudson Valley Health — Gold PPO" in body
    assert "Member ID HVH778812" in body


def test_a_superbill_of_one_session_lists_only_that_date(vault: Vault, practice: Practice, out: Path) -> None:
    issued = issue_superbill(
        vault, practice.insured, out, date_from=MARCH[0], date_to=MARCH[1], appointment_id=practice.appointments[1],
        today=TODAY, recipient="Ana Reyes",
    )  # fmt: skip

    body = text((out / issued.file_name).read_bytes())
    assert issued.file_name == f"Superbill 2025-03-10 {practice.account}.pdf"
    assert "03/10/2025" in body
    assert "03/03/2025" not in body
    assert "03/17/2025" not in body
    assert (issued.period_from, issued.period_to, issued.recipient) == (SESSIONS[1], SESSIONS[1], "Ana Reyes")


def test_a_name_already_taken_gets_a_number_and_the_first_file_is_untouched(
    vault: Vault, practice: Practice, out: Path
) -> None:
    first = issue_superbill(vault, practice.insured, out, date_from=MARCH[0], date_to=MARCH[1], today=TODAY)
    before = (out / first.file_name).read_bytes()

    second = issue_superbill(vault, practice.insured, out, date_from=MARCH[0], date_to=MARCH[1], today=TODAY)

    assert second.file_name == f"Superbill 2025-03 {practice.account} (2).pdf"
    assert (out / first.file_name).read_bytes() == before
    assert _files(out) == sorted([first.file_name, second.file_name])
    with pytest.raises(UnusableLocation, match="already exists"):
        issue_superbill(vault, practice.insured, out, date_from=MARCH[0], date_to=MARCH[1], today=TODAY,
                        name=first.file_name)  # fmt: skip
    assert len(vault.documents.issued(practice.insured)) == 2


def test_a_missing_npi_and_member_id_are_listed_and_nothing_is_written(vault: Vault, out: Path) -> None:
    practice = build(vault, profile=replace(PROFILE, npi=""))

    with pytest.raises(DocumentIncomplete) as refused:
        issue_superbill(vault, practice.insured, out, date_from=MARCH[0], date_to=MARCH[1], today=TODAY)

    assert [str(m) for m in refused.value.missing] == ["NPI — Settings › Practice profile"]
    assert "NPI — Settings › Practice profile" in str(refused.value)
    assert _files(out) == []
    assert vault.documents.issued(practice.insured) == []
    assert vault.audit.named("document issued") == []


def test_a_client_without_address_or_diagnosis_is_refused_with_each_place_to_fill_in(
    vault: Vault, practice: Practice, out: Path
) -> None:
    with pytest.raises(DocumentIncomplete) as refused:
        issue_superbill(vault, practice.self_pay, out, date_from=MARCH[0], date_to=MARCH[1], today=TODAY)

    assert [str(m) for m in refused.value.missing] == [
        "Member ID — the client's chart › Billing › Coverage",
        "Diagnosis code (ICD-10-CM) — the client's chart › Diagnoses",
        "A session with a charge in the period — the client's chart › Billing",
    ]
    assert _files(out) == []


@pytest.mark.parametrize("edge", ["fsync", "link"])
def test_a_write_that_fails_at_the_os_leaves_no_file_and_no_record(
    vault: Vault, practice: Practice, out: Path, monkeypatch: pytest.MonkeyPatch, edge: str
) -> None:
    def fail(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, edge, fail)

    with pytest.raises(UserError, match="full"):
        issue_superbill(vault, practice.insured, out, date_from=MARCH[0], date_to=MARCH[1], today=TODAY)

    monkeypatch.undo()
    assert _files(out) == []
    assert vault.documents.issued(practice.insured) == []


def test_a_record_that_fails_removes_the_file_it_had_written(
    vault: Vault, practice: Practice, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise UserError("The disk holding the vault is full.")

    monkeypatch.setattr(vault.documents, "record_issued", refuse)

    with pytest.raises(UserError):
        issue_superbill(vault, practice.insured, out, date_from=MARCH[0], date_to=MARCH[1], today=TODAY)

    assert _files(out) == []


def test_a_password_protected_superbill_opens_only_with_its_password(
    vault: Vault, practice: Practice, out: Path
) -> None:
    issued = issue_superbill(vault, practice.insured, out, date_from=MARCH[0], date_to=MARCH[1], today=TODAY,
                             password="blue heron")  # fmt: skip
    written = (out / issued.file_name).read_bytes()

    assert "NPI 1234567893" in " ".join(pages(written, password="blue heron"))
    assert b"1234567893" not in written
    assert issued.sha256 == hashlib.sha256(written).hexdigest()
    assert issued.details["password_protected"] is True


def test_a_statement_shows_the_months_activity_balance_and_aging(vault: Vault, practice: Practice, out: Path) -> None:
    issued = issue_statement(vault, practice.insured, out, as_of=TODAY, period_from=MARCH[0], period_to=MARCH[1])

    body = text((out / issued.file_name).read_bytes())
    assert issued.file_name == f"Statement 2025-03 {practice.account}.pdf"
    for field in ("Ana Reyes", "12 Elm Street", practice.account, "$420.00", "EFT 99812", "$280.00"):
        assert field in body, field
    assert "Date of birth" not in body  # a statement is mailed: the account number names the client
    assert issued.details["balance_cents"] == 42_000 - 2_500 - 9_500 - 2_000


def test_a_statement_brings_the_balance_forward(vault: Vault, practice: Practice) -> None:
    from therapy_desk.documents import statement_for

    april = statement_for(vault, practice.insured, as_of=date(2025, 4, 10), period_from=date(2025, 4, 1),
                          period_to=date(2025, 4, 10))  # fmt: skip

    assert april.entries == ()
    assert april.opening_balance_cents == april.balance_due_cents == 28_000
    # $140.00 of 03/17 is 24 days old; $25.00 of 03/10 and $115.00 of 03/03 are 31 and 38 days old
    assert (april.aging.days_0_30, april.aging.days_31_60) == (14_000, 2_500 + 11_500)


def test_a_good_faith_estimate_is_kept_with_its_hash_and_numbered_on_the_page(
    vault: Vault, practice: Practice, out: Path
) -> None:
    issued = issue_estimate(vault, practice.self_pay, out, issued_on=TODAY, period_from=TODAY,
                            period_to=date(2025, 9, 30))  # fmt: skip

    written = (out / issued.file_name).read_bytes()
    body = text(written)
    kept = vault.documents.estimates(practice.self_pay)
    assert len(kept) == 1
    assert kept[0].sha256 == issued.sha256 == hashlib.sha256(written).hexdigest()
    assert [(line.service_code, line.quantity) for line in kept[0].lines] == [("90791", 1), ("90837", 25)]
    assert f"GFE-2025-{kept[0].id:04d}" in body
    for field in ("Ben Okoro", "04/02/1988", "NPI 1234567893", "90791", "90837", "$400"):
        assert field in body, field
    account = vault.clients.get(practice.self_pay).account_number
    assert issued.file_name == f"Good Faith Estimate 2025-03-31 {account}.pdf"


def test_an_estimate_lists_the_sessions_already_scheduled(vault: Vault, practice: Practice) -> None:
    from therapy_desk.documents import estimate_for

    estimate = estimate_for(vault, practice.insured, issued_on=TODAY, period_from=MARCH[0], period_to=MARCH[1],
                            items=None)  # fmt: skip
    assert [(i.code, i.quantity) for i in estimate.items] == [("90791", 1), ("90837", 3)]  # none left scheduled
    given = estimate_for(vault, practice.insured, issued_on=TODAY, period_from=MARCH[0], period_to=MARCH[1],
                         items=[EstimateItem("90834", "Psychotherapy, 45 min", 4, 14_000)])  # fmt: skip
    assert given.total_cents == 56_000


def test_an_estimate_that_fails_to_write_keeps_no_estimate(
    vault: Vault, practice: Practice, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(UserError):
        issue_estimate(vault, practice.self_pay, out, issued_on=TODAY, period_from=TODAY, period_to=date(2025, 9, 30))
    monkeypatch.undo()

    assert vault.documents.estimates(practice.self_pay) == []
    assert vault.documents.issued(practice.self_pay) == []
    assert _files(out) == []


def test_the_superbill_gathered_leaves_out_missed_session_fees(vault: Vault, practice: Practice) -> None:
    booked = vault.schedule.book(
        Appointment(start=datetime(2025, 3, 24, 9), duration_minutes=50, service_code="90834",
                    client_id=practice.insured)
    )  # fmt: skip
    assert booked.id is not None
    missed = vault.sessions.set_status(booked.id, AppointmentStatus.NO_SHOW, now=datetime(2025, 3, 24, 10))
    assert missed.charge is not None  # the client owes the fee...

    sb = superbill_for(vault, practice.insured, date_from=MARCH[0], date_to=MARCH[1], today=TODAY)

    assert [line.date_of_service for line in sb.lines] == list(SESSIONS)  # ...but no insurer reimburses it
