"""The Claims page: Bill this week makes claims and counts them, a claim's check shows what to fix, and a
claim moves along its life (edited, submitted, denied, corrected, voided) from its buttons."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from tests.documents.practice import PROFILE
from tests.ui.test_chart import Answers, answers, make_client
from therapy_desk.claims.files import red_form_offsets
from therapy_desk.domain.billing import Coverage, Payer
from therapy_desk.domain.claims import ClaimState, Frequency
from therapy_desk.domain.clients import AdministrativeSex, CareContact, ContactRole
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import claim_files
from therapy_desk.ui.claim_dialogs import ClaimBoxesDialog, CreateClaimsDialog, OutcomeDialog, PayerNumberDialog
from therapy_desk.ui.claim_files import PrintClaimsDialog
from therapy_desk.ui.claims_page import ClaimsView
from therapy_desk.ui.eob_dialog import EobDialog
from therapy_desk.ui.ops import Ops

__all__ = ["answers"]

TODAY = date.today()
MONDAY = TODAY - timedelta(days=TODAY.weekday())
SIGNED = date(2025, 1, 2)


def practice(vault: Vault) -> int:
    """The practice (its ZIP+4, as claims need) and one payer with its claims address; the payer's id."""
    vault.practice.save_profile(replace(PROFILE, zip="10013-2208"))
    payer = vault.billing.add_payer(
        Payer("Hudson Valley Health", electronic_id="HVH01", street="PO Box 4410", city="Albany", state="NY",
              zip="12204")
    )  # fmt: skip
    assert payer.id is not None
    return payer.id


def insured_client(vault: Vault, payer_id: int, last: str, *, release: bool = True, day: date = MONDAY) -> int:
    """A client with a coverage (signatures on file unless `release` is False), a diagnosis and a charge."""
    client = make_client(vault, legal_last=last, street="12 Elm Street", sex=AdministrativeSex.FEMALE)
    assert client.id is not None
    vault.billing.add_coverage(
        Coverage(client.id, payer_id, f"HVH{client.id:06d}", date(2025, 1, 1), group_number="G-55",
                 release_signed_on=SIGNED if release else None, assignment_signed_on=SIGNED),
        today=TODAY,
    )  # fmt: skip
    diagnosis = vault.clients.add_diagnosis(client.id, "F41.1", onset=date(2025, 1, 6), today=TODAY)
    assert diagnosis.id is not None
    vault.billing.add_charge(client.id, day, "90834", diagnosis_ids=[diagnosis.id])
    return client.id


def open_page(qtbot: QtBot, vault: Vault, ops: Ops) -> ClaimsView:
    page = ClaimsView(vault, ops, today=lambda: TODAY)
    qtbot.addWidget(page)
    page.resize(1200, 700)
    page.show()
    qtbot.waitExposed(page)
    return page


def bill_week(page: ClaimsView, ops: Ops) -> None:
    page.bill_week_button.click()
    ops.wait_idle()


def findings(page: ClaimsView) -> list[str]:
    return [page.findings.item(i).text() for i in range(page.findings.count())]


def select(page: ClaimsView, claim_id: int) -> None:
    assert page.select_claim(claim_id)
    assert page.selected() is not None


def test_bill_this_week_creates_claims_and_counts_them(qtbot: QtBot, vault: Vault, ops: Ops) -> None:
    payer_id = practice(vault)
    insured_client(vault, payer_id, "Reyes")
    insured_client(vault, payer_id, "Okoro", release=False)
    uninsured = make_client(vault, legal_last="Adeyemi")
    assert uninsured.id is not None
    diagnosis = vault.clients.add_diagnosis(uninsured.id, "F41.1", onset=date(2025, 1, 6), today=TODAY)
    assert diagnosis.id is not None
    vault.billing.add_charge(uninsured.id, MONDAY, "90834", diagnosis_ids=[diagnosis.id], billable_to_insurance=True)
    # Insured until last week: this week's charge is named as uncovered (a never-insured client's is not).
    lapsed = Coverage(uninsured.id, payer_id, "LAPSED-1", date(2024, 1, 1), end_date=MONDAY - timedelta(days=7))
    vault.billing.add_coverage(lapsed, today=TODAY)
    page = open_page(qtbot, vault, ops)
    assert page.claims.rowCount() == 0
    assert page.empty.isVisible()

    bill_week(page, ops)

    assert page.summary.text() == (
        "Created 2 claims: 1 ready, 1 needs fixing. 1 charge has no insurance in force on its date."
    )
    assert "Reyes" not in page.summary.text()
    assert "Okoro" not in page.summary.text()
    assert page.claims.rowCount() == 2
    assert sorted(r.state for r in page.claims.rows()) == [ClaimState.DRAFT, ClaimState.READY]
    assert page.claims.text(page.claims.row(0), 6) in ("Draft", "Ready")

    bill_week(page, ops)  # the insured clients' charges are on claims now
    assert page.summary.text() == "No claim was created. 1 charge has no insurance in force on its date."


def test_a_claim_missing_the_release_shows_its_error_and_is_ready_once_fixed(
    qtbot: QtBot, vault: Vault, ops: Ops
) -> None:
    payer_id = practice(vault)
    client_id = insured_client(vault, payer_id, "Okoro", release=False)
    page = open_page(qtbot, vault, ops)
    bill_week(page, ops)
    [row] = page.claims.rows()
    select(page, row.id)

    shown = findings(page)
    assert shown[0].startswith("Error: Box 12: Record the date the client signed the release")
    assert all(not s.startswith("Error") for s in shown[1:] if "Box 12" not in s)  # errors come first
    assert vault.claims.claim(row.id).state is ClaimState.DRAFT
    assert not page.submitted_button.isEnabled()

    [coverage] = vault.billing.coverages(client_id)
    vault.billing.update_coverage(replace(coverage, release_signed_on=SIGNED), today=TODAY)
    page.load()  # what showing the page again does

    assert vault.claims.claim(row.id).state is ClaimState.READY
    assert page.claims.row(0).state is ClaimState.READY
    assert not any(s.startswith("Error") for s in findings(page))
    assert page.submitted_button.isEnabled()
    assert [e.detail for e in page.events.rows()][-1].startswith("passed the scrub")


def test_edit_boxes_saves_a_prior_authorization_and_the_claim_is_checked_again(
    qtbot: QtBot, vault: Vault, ops: Ops
) -> None:
    payer_id = practice(vault)
    client_id = insured_client(vault, payer_id, "Reyes")
    contact = vault.clients.save_contact(CareContact(client_id, ContactRole.PCP, "Dr. Lena Fischer", npi="1234567893"))
    page = open_page(qtbot, vault, ops)
    bill_week(page, ops)
    [row] = page.claims.rows()
    assert row.state is ClaimState.READY

    dialog = page.edit_boxes()
    assert isinstance(dialog, ClaimBoxesDialog)
    qtbot.waitUntil(dialog.isActiveWindow)
    assert not dialog.original.isVisible()  # box 22 only on a corrected or void claim
    dialog.authorization.setText("pa 55-120")
    dialog.referring.setCurrentIndex(dialog.referring.findData(contact.id))
    dialog.claim_codes.setText("not codes")
    assert not dialog.save()
    assert dialog.errors.visible_messages() == ["Claim codes (box 10d) are two-character codes separated by spaces."]
    dialog.claim_codes.clear()
    assert not dialog.accident_on.isEnabled()  # box 15 only for an accident
    dialog.other_accident.setChecked(True)
    assert dialog.accident_on.isEnabled()
    dialog.accident_on.set_day(TODAY + timedelta(days=1))
    assert not dialog.save()
    assert dialog.errors.visible_messages() == ["The accident's date cannot be in the future."]
    dialog.other_accident.setChecked(False)
    assert dialog.save()

    saved = vault.claims.claim(row.id)
    assert (saved.prior_authorization, saved.referring_contact_id) == ("PA 55-120", contact.id)
    assert saved.state is ClaimState.READY  # back to draft, checked again, ready again
    assert [e.state for e in page.events.rows()][-2:] == [ClaimState.DRAFT, ClaimState.READY]


def test_submitted_then_a_denial_needs_its_reason(qtbot: QtBot, vault: Vault, ops: Ops) -> None:
    payer_id = practice(vault)
    insured_client(vault, payer_id, "Reyes")
    page = open_page(qtbot, vault, ops)
    bill_week(page, ops)
    [row] = page.claims.rows()

    page.submitted_button.click()
    assert vault.claims.claim(row.id).state is ClaimState.SUBMITTED
    assert not page.edit_button.isEnabled()
    assert page.outcome_button.isEnabled()

    dialog = page.record_outcome()
    assert isinstance(dialog, OutcomeDialog)
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.choose(ClaimState.DENIED)
    assert not dialog.save()
    assert dialog.errors.visible_messages() == ["Say why the payer denied the claim (the reason on the EOB or letter)."]
    assert vault.claims.claim(row.id).state is ClaimState.SUBMITTED
    dialog.reason.setPlainText("CO-197: no prior authorization")
    assert dialog.save()

    denied = vault.claims.claim(row.id)
    assert (denied.state, denied.denial_reason) == (ClaimState.DENIED, "CO-197: no prior authorization")
    assert "denied: CO-197" in page.detail_title.text()


def test_paid_opens_the_eob_form_for_the_payer_and_posting_it_marks_the_claim_paid(
    qtbot: QtBot, vault: Vault, ops: Ops
) -> None:
    payer_id = practice(vault)
    insured_client(vault, payer_id, "Reyes")
    page = open_page(qtbot, vault, ops)
    bill_week(page, ops)
    [row] = page.claims.rows()
    page.submitted_button.click()
    dialog = page.record_outcome()
    assert isinstance(dialog, OutcomeDialog)
    dialog.choose(ClaimState.PAID)
    dialog.number.setText("hv-2290")
    assert dialog.save()

    qtbot.waitUntil(lambda: isinstance(page.dialog, EobDialog))
    eob = page.dialog
    assert isinstance(eob, EobDialog)
    assert eob.payer.currentData() == payer_id
    assert vault.claims.claim(row.id).state is ClaimState.SUBMITTED  # paid once the EOB is posted
    eob.changed.emit()
    paid = vault.claims.claim(row.id)
    assert (paid.state, paid.payer_claim_number) == (ClaimState.PAID, "HV-2290")


def test_correct_makes_a_frequency_7_draft_and_the_original_shows_replaced(
    qtbot: QtBot, vault: Vault, ops: Ops
) -> None:
    payer_id = practice(vault)
    insured_client(vault, payer_id, "Reyes")
    page = open_page(qtbot, vault, ops)
    bill_week(page, ops)
    [row] = page.claims.rows()
    page.submitted_button.click()

    dialog = page.correct()  # no payer's number recorded: it is asked for
    assert isinstance(dialog, PayerNumberDialog)
    qtbot.waitUntil(dialog.isActiveWindow)
    assert not dialog.save()
    assert "Enter the payer's claim number" in dialog.errors.visible_messages()[0]
    dialog.number.setText("HV-2290")
    assert dialog.save()

    shown = page.selected()
    assert shown is not None
    assert shown.id != row.id
    assert (shown.frequency, shown.original_reference) == (Frequency.CORRECTED, "HV-2290")
    assert vault.claims.claim(row.id).state is ClaimState.REPLACED
    replaced = page.claims.rows()[page.claims.row_where(id=row.id)]
    assert page.claims.text(replaced, 6) == "Replaced"
    assert page.claims.text(page.claims.row(page.claims.row_where(id=shown.id)), 0).endswith("(corrected)")


def test_void_of_a_draft_asks_then_voids_it(qtbot: QtBot, vault: Vault, ops: Ops, answers: Answers) -> None:
    payer_id = practice(vault)
    insured_client(vault, payer_id, "Okoro", release=False)
    page = open_page(qtbot, vault, ops)
    bill_week(page, ops)
    [row] = page.claims.rows()
    assert row.state is ClaimState.DRAFT

    answers.answer = QMessageBox.StandardButton.Cancel
    page.void_button.click()
    assert vault.claims.claim(row.id).state is ClaimState.DRAFT
    answers.answer = QMessageBox.StandardButton.Yes
    page.void_button.click()

    assert answers.asked[-1].startswith(f"Void claim {row.number}? It was never sent")
    assert vault.claims.claim(row.id).state is ClaimState.VOIDED
    assert page.claims.row(0).state is ClaimState.VOIDED
    assert not page.void_button.isEnabled()
    assert not page.edit_button.isEnabled()


def test_void_of_a_sent_claim_makes_a_void_claim_to_send(qtbot: QtBot, vault: Vault, ops: Ops) -> None:
    payer_id = practice(vault)
    insured_client(vault, payer_id, "Reyes")
    page = open_page(qtbot, vault, ops)
    bill_week(page, ops)
    [row] = page.claims.rows()
    page.submitted_button.click()
    vault.claims.move(row.id, ClaimState.ACCEPTED, payer_claim_number="HV-7781")
    page.load()

    dialog = page.void()
    assert isinstance(dialog, PayerNumberDialog)
    assert dialog.number.text() == "HV-7781"  # the number on record, filled in
    assert dialog.save()

    made = page.selected()
    assert made is not None
    # shown, so checked: ready to send
    assert (made.frequency, made.original_reference, made.state) == (Frequency.VOID, "HV-7781", ClaimState.READY)
    assert vault.claims.claim(row.id).state is ClaimState.VOIDED


def test_a_ready_claim_whose_check_now_fails_is_not_marked_submitted_and_goes_back_to_draft(
    qtbot: QtBot, vault: Vault, ops: Ops
) -> None:
    payer_id = practice(vault)
    client_id = insured_client(vault, payer_id, "Reyes")
    page = open_page(qtbot, vault, ops)
    bill_week(page, ops)
    [row] = page.claims.rows()
    [coverage] = vault.billing.coverages(client_id)
    vault.billing.update_coverage(replace(coverage, release_signed_on=None), today=TODAY)

    page.submitted_button.click()

    assert vault.claims.claim(row.id).state is ClaimState.DRAFT  # back to draft, to be fixed
    assert page.claims.row(0).state is ClaimState.DRAFT
    assert not page.submitted_button.isEnabled()
    assert page.error.isVisible()
    assert "Box 12" in page.error.text()


def test_the_state_filter_lists_one_state(qtbot: QtBot, vault: Vault, ops: Ops) -> None:
    payer_id = practice(vault)
    insured_client(vault, payer_id, "Reyes")
    insured_client(vault, payer_id, "Okoro", release=False)
    page = open_page(qtbot, vault, ops)
    bill_week(page, ops)
    page.state_filter.setCurrentIndex(page.state_filter.findText("Ready"))
    assert [r.state for r in page.claims.rows()] == [ClaimState.READY]
    page.state_filter.setCurrentIndex(page.state_filter.findText("Paid"))
    assert page.claims.rowCount() == 0
    assert page.empty.text() == "No paid claims."


def test_create_claims_for_a_period_refuses_one_that_ends_before_it_starts(
    qtbot: QtBot, vault: Vault, ops: Ops
) -> None:
    payer_id = practice(vault)
    insured_client(vault, payer_id, "Reyes", day=MONDAY - timedelta(days=14))
    page = open_page(qtbot, vault, ops)
    bill_week(page, ops)  # the charge is from two weeks ago
    assert page.summary.text().startswith("Nothing to bill from")
    dialog = page.open_create()
    assert isinstance(dialog, CreateClaimsDialog)
    qtbot.waitUntil(dialog.isActiveWindow)
    assert (dialog.value()) == (MONDAY, TODAY)
    dialog.date_from.setDate(dialog.date_to.date().addDays(1))
    assert not dialog.save()
    assert dialog.errors.visible_messages() == ["The period ends before it starts."]
    dialog.date_from.setDate(dialog.date_to.date().addDays(-30))
    assert dialog.save()
    ops.wait_idle()
    assert page.summary.text() == "Created 1 claim: 1 ready, 0 need fixing."


def test_the_page_as_seen(qtbot: QtBot, vault: Vault, ops: Ops, tmp_path: Path) -> None:
    payer_id = practice(vault)
    insured_client(vault, payer_id, "Reyes")
    insured_client(vault, payer_id, "Okoro", release=False)
    page = open_page(qtbot, vault, ops)
    bill_week(page, ops)
    page.select_claim(page.claims.rows()[0].id)
    picture = tmp_path / "claims.png"
    assert page.grab().save(str(picture))
    assert picture.stat().st_size > 0


def test_print_writes_the_forms_named_by_claim_number(
    qtbot: QtBot, vault: Vault, ops: Ops, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    payer_id = practice(vault)
    insured_client(vault, payer_id, "Reyes")
    page = open_page(qtbot, vault, ops)
    bill_week(page, ops)
    [row] = page.claims.rows()
    suggested: list[str] = []

    def ask(_parent: object, _caption: str, name: str, *_args: object, **_kw: object) -> Path:
        suggested.append(name)
        return tmp_path / name

    monkeypatch.setattr(claim_files, "ask_save_path", ask)
    dialog = page.files.print_forms()
    assert isinstance(dialog, PrintClaimsDialog)
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.alignment_button.click()
    ops.wait_idle()
    assert (tmp_path / "CMS-1500 alignment page.pdf").read_bytes().startswith(b"%PDF")
    dialog.paper.setCurrentIndex(dialog.paper.findData(claim_files.RED))
    assert dialog.save()
    ops.wait_idle()

    assert suggested[-1] == f"{row.number}.pdf"  # never the client's name
    assert (tmp_path / f"{row.number}.pdf").read_bytes().startswith(b"%PDF")
    assert page.summary.text() == f"1 claim written to {tmp_path / f'{row.number}.pdf'}."


def test_export_writes_the_payers_ready_claims_and_refuses_one_with_errors(
    qtbot: QtBot, vault: Vault, ops: Ops, tmp_path: Path
) -> None:
    payer_id = practice(vault)
    insured_client(vault, payer_id, "Reyes")
    insured_client(vault, payer_id, "Adeyemi")
    insured_client(vault, payer_id, "Okoro", release=False)
    page = open_page(qtbot, vault, ops)
    bill_week(page, ops)
    draft = next(r for r in page.claims.rows() if r.state is ClaimState.DRAFT)
    select(page, draft.id)

    page.files.export_837p({payer_id: tmp_path / "draft.x12"})
    ops.wait_idle()
    assert not (tmp_path / "draft.x12").exists()
    assert page.error.isVisible()
    assert f"{draft.number}:" in page.error.text()
    assert "Box 12" in page.error.text()

    ready = next(r for r in page.claims.rows() if r.state is ClaimState.READY)
    select(page, ready.id)
    page.files.export_837p({payer_id: tmp_path / "hvh.x12"})
    ops.wait_idle()
    assert (tmp_path / "hvh.x12").read_text().startswith("ISA*")
    states = {r.id: r.state for r in page.claims.rows()}
    assert sorted(states.values()) == [ClaimState.DRAFT, ClaimState.SUBMITTED, ClaimState.SUBMITTED]
    assert page.summary.text().startswith("2 claims written to")


def test_837p_settings_are_kept_and_go_into_the_files_envelope(
    qtbot: QtBot, vault: Vault, ops: Ops, tmp_path: Path
) -> None:
    payer_id = practice(vault)
    insured_client(vault, payer_id, "Reyes")
    page = open_page(qtbot, vault, ops)
    dialog = page.open_x12_settings()
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.submitter_id.setText("x")
    assert not dialog.save()  # refused in words, by the field
    assert "2 to 15 letters and digits" in dialog.errors.label("submitter_id").text()  # type: ignore[union-attr]
    assert dialog.submitter_id.hasFocus()
    dialog.submitter_id.setText("sub4471")
    dialog.receiver_id.setText("CLRHOUSE")
    dialog.receiver_name.setText("Clear House")
    QTest.keyClick(dialog, Qt.Key.Key_T, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(dialog.test_files.isChecked)  # a mnemonic clicks a check box after its short animation
    assert dialog.save()
    bill_week(page, ops)
    select(page, page.claims.rows()[0].id)
    page.files.export_837p({payer_id: tmp_path / "out.x12"})
    ops.wait_idle()
    envelope = (tmp_path / "out.x12").read_text().split("~")[0].split("*")
    assert (envelope[6].strip(), envelope[8].strip(), envelope[15]) == ("SUB4471", "CLRHOUSE", "T")
    again = page.open_x12_settings()
    assert (again.submitter_id.text(), again.receiver_name.text()) == ("SUB4471", "Clear House")
    again.reject()


def test_red_form_offsets_are_kept_for_the_printer(
    qtbot: QtBot, vault: Vault, ops: Ops, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    payer_id = practice(vault)
    insured_client(vault, payer_id, "Reyes")
    page = open_page(qtbot, vault, ops)
    bill_week(page, ops)
    select(page, page.claims.rows()[0].id)
    monkeypatch.setattr(claim_files, "ask_save_path", lambda *_a, **_k: tmp_path / "red.pdf")
    dialog = page.files.print_forms()
    assert isinstance(dialog, PrintClaimsDialog)
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.paper.setCurrentIndex(dialog.paper.findData(claim_files.RED))
    dialog.right.setValue(2.5)
    dialog.up.setValue(-1.0)
    assert dialog.save()
    ops.wait_idle()
    assert red_form_offsets(vault) == (2.5, -1.0)
    again = page.files.print_forms()
    assert isinstance(again, PrintClaimsDialog)
    assert (again.right.value(), again.up.value()) == (2.5, -1.0)
    again.reject()


@pytest.fixture(autouse=True)
def _no_real_questions(answers: Answers) -> Answers:
    return answers
