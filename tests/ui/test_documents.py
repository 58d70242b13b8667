"""Documents from the chart's Billing tab: a superbill written into the chosen folder and read back, a
refusal that lists what is missing and writes nothing, the documents-issued list, and the estimate warning."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from tests.documents.practice import PROFILE, SESSIONS, TODAY, build, client, sign_session
from tests.ui.test_chart import open_chart
from therapy_desk.documents import batch, issue
from therapy_desk.storage.documents import DocumentKind, EstimateLine, IssuedDocument
from therapy_desk.storage.vault import Vault
from therapy_desk.ui.batch_dialog import BatchDialog
from therapy_desk.ui.billing_page import BillingView
from therapy_desk.ui.chart import TAB_BILLING, ChartWindow
from therapy_desk.ui.document_dialogs import DocumentDialog, recent_months
from therapy_desk.ui.documents_issued import COL_FILE, COL_SHA, COL_WHAT
from therapy_desk.ui.ops import Ops
from therapy_desk.ui.widgets.folder_field import DOCUMENTS_FOLDER

APRIL_2 = date(2025, 4, 2)  # "last month" is March 2025, the practice's month of sessions


def _billing(qtbot: QtBot, vault: Vault, client_id: int) -> ChartWindow:
    window = open_chart(qtbot, vault, client_id)
    window.show_tab(TAB_BILLING)
    return window


def _dialog(qtbot: QtBot, window: ChartWindow, kind: DocumentKind) -> DocumentDialog:
    dialog = window.billing.documents.open_document(kind, today=APRIL_2)
    assert dialog is not None
    qtbot.waitUntil(dialog.isActiveWindow)
    return dialog


def _write(qtbot: QtBot, dialog: DocumentDialog, folder: Path) -> None:
    dialog.folder.edit.setText(str(folder))
    dialog.issue_button.click()
    qtbot.waitUntil(lambda: dialog.op is None, timeout=20_000)


def _out(tmp_path: Path) -> Path:
    folder = tmp_path / "documents"  # the vault lives in tmp_path itself
    folder.mkdir()
    return folder


def _text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)


def test_last_month_comes_first_then_this_month_so_far() -> None:
    months = recent_months(APRIL_2)
    assert months[0] == (date(2025, 3, 1), date(2025, 3, 31))
    assert months[1] == (date(2025, 4, 1), date(2025, 4, 30))
    assert months[2][0] == date(2025, 2, 1)


def test_a_superbill_of_last_month_is_written_into_the_chosen_folder(
    qtbot: QtBot, vault: Vault, tmp_path: Path
) -> None:
    out = _out(tmp_path)
    practice = build(vault)
    window = _billing(qtbot, vault, practice.insured)
    dialog = _dialog(qtbot, window, DocumentKind.SUPERBILL)
    assert dialog.period.currentText() == "March 2025"

    _write(qtbot, dialog, out)

    files = list(out.iterdir())
    assert [f.name for f in files] == [f"Superbill 2025-03 {practice.account}.pdf"]
    text = _text(files[0])
    assert PROFILE.npi in text
    assert any(day.strftime("%m/%d/%Y") in text or day.isoformat() in text for day in SESSIONS), text[:400]
    assert files[0].name in dialog.written_label.text()
    assert vault.practice.setting(DOCUMENTS_FOLDER) == str(out)  # offered again next time

    documents = window.billing.documents.issued
    assert documents.rowCount() == 1
    assert documents.data(documents.index(0, COL_WHAT)) == "Superbill"
    assert documents.data(documents.index(0, COL_FILE)) == files[0].name
    issued = vault.documents.issued(practice.insured)[0]
    shown = documents.data(documents.index(0, COL_SHA))
    assert isinstance(shown, str)
    assert issued.sha256.startswith(shown.rstrip("…"))
    assert documents.data(documents.index(0, COL_SHA), Qt.ItemDataRole.ToolTipRole) == f"SHA-256 {issued.sha256}"


def test_a_practice_without_an_npi_is_told_where_to_fill_it_in_and_nothing_is_written(
    qtbot: QtBot, vault: Vault, tmp_path: Path
) -> None:
    out = _out(tmp_path)
    practice = build(vault, profile=dataclasses.replace(PROFILE, npi=""))
    window = _billing(qtbot, vault, practice.insured)
    dialog = _dialog(qtbot, window, DocumentKind.SUPERBILL)

    _write(qtbot, dialog, out)

    assert "NPI — Settings › Practice profile" in dialog.general_error.text()
    assert dialog.general_error.isVisible()
    assert list(out.iterdir()) == []
    assert vault.documents.issued(practice.insured) == []
    assert window.billing.documents.issued.rowCount() == 0


def test_two_different_passwords_are_refused_before_anything_is_written(
    qtbot: QtBot, vault: Vault, tmp_path: Path
) -> None:
    out = _out(tmp_path)
    practice = build(vault)
    window = _billing(qtbot, vault, practice.insured)
    dialog = _dialog(qtbot, window, DocumentKind.STATEMENT)
    dialog.password.setText("river stone")
    dialog.password_again.setText("river stones")
    dialog.folder.edit.setText(str(out))

    assert dialog.issue() is None

    assert "The two passwords differ" in dialog.visible_error()
    assert list(out.iterdir()) == []


def test_a_password_protected_statement_opens_only_with_its_password(
    qtbot: QtBot, vault: Vault, tmp_path: Path
) -> None:
    out = _out(tmp_path)
    practice = build(vault)
    window = _billing(qtbot, vault, practice.insured)
    dialog = _dialog(qtbot, window, DocumentKind.STATEMENT)
    dialog.password.setText("river stone")
    dialog.password_again.setText("river stone")
    dialog.recipient.setText("Ana Reyes")

    _write(qtbot, dialog, out)

    (written,) = out.iterdir()
    reader = PdfReader(str(written))
    assert reader.is_encrypted
    assert reader.decrypt("river stone")
    assert "password" in dialog.written_label.text()
    assert vault.documents.issued(practice.insured)[0].recipient == "Ana Reyes"


# -- Billing › Batch… --------------------------------------------------------------------------------------


def _three_clients_in_march(vault: Vault) -> list[int]:
    practice = build(vault)
    third = client(vault, "Cleo", "Marsh", address=False)  # no address: her superbill is refused
    for client_id, day in ((practice.self_pay, SESSIONS[0]), (third, SESSIONS[1])):
        vault.clients.add_diagnosis(client_id, "F41.1", today=TODAY)
        sign_session(vault, client_id, day)
    return [practice.insured, practice.self_pay, third]


def _batch(qtbot: QtBot, vault: Vault, ops: Ops, folder: Path) -> BatchDialog:
    page = BillingView(vault, ops)
    qtbot.addWidget(page)
    page.show()
    dialog = page.open_batch(today=APRIL_2)
    dialog.month.setCurrentIndex(dialog.month.findText("March 2025"))
    dialog.folder.edit.setText(str(folder))
    return dialog


def test_a_batch_writes_each_clients_superbill_and_names_who_was_skipped_and_why(
    qtbot: QtBot, vault: Vault, ops: Ops, tmp_path: Path
) -> None:
    out = _out(tmp_path)
    _three_clients_in_march(vault)
    dialog = _batch(qtbot, vault, ops, out)

    assert dialog.start() is not None
    qtbot.waitUntil(lambda: dialog.op is None, timeout=30_000)

    said = dialog.summary.text()
    assert [p.name for p in out.iterdir()] == ["Superbill 2025-03 C000001.pdf"], said
    assert "1 superbill written" in said
    assert "2 clients skipped" in said
    assert "Okoro, Ben: Member ID — the client's chart › Billing › Coverage." in said  # self-pay: no insurer
    assert "Marsh, Cleo: The client's address — " in said
    assert "Cancelled" not in said


def test_a_batch_with_a_password_locks_each_document_and_two_different_passwords_are_refused(
    qtbot: QtBot, vault: Vault, ops: Ops, tmp_path: Path
) -> None:
    out = _out(tmp_path)
    _three_clients_in_march(vault)
    dialog = _batch(qtbot, vault, ops, out)
    dialog.password.setText("batch secret 1")
    dialog.password_again.setText("batch secret 2")
    assert dialog.start() is None
    shown = " ".join(label.text() for label in dialog.findChildren(QLabel) if label.isVisibleTo(dialog))
    assert "two passwords differ" in shown
    assert list(out.iterdir()) == []

    dialog.password_again.setText("batch secret 1")
    assert dialog.start() is not None
    qtbot.waitUntil(lambda: dialog.op is None, timeout=30_000)

    (written,) = out.iterdir()
    reader = PdfReader(written)
    assert reader.is_encrypted
    assert reader.decrypt("batch secret 1")
    assert "Superbill" in reader.pages[0].extract_text()


def test_a_batch_cancelled_after_the_first_client_leaves_no_partial_file(
    qtbot: QtBot, vault: Vault, ops: Ops, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = _out(tmp_path)
    _three_clients_in_march(vault)
    dialog = _batch(qtbot, vault, ops, out)
    real = issue.issue_superbill

    def then_cancel(*args: Any, **kwargs: Any) -> IssuedDocument:
        issued = real(*args, **kwargs)
        dialog.cancel()  # as the progress dialog's Cancel does: the batch stops before the next client
        return issued

    monkeypatch.setattr(batch, "issue_superbill", then_cancel)
    dialog.start()
    qtbot.waitUntil(lambda: dialog.op is None, timeout=30_000)

    assert [p.suffix for p in out.iterdir()] == [".pdf"]  # one whole PDF, no temp file
    assert "Cancelled after 1 of 3 clients." in dialog.summary.text()
    assert "1 superbill written" in dialog.summary.text()
    result = dialog.result_of_batch
    assert result is not None
    assert result.cancelled
    assert sum(len(vault.documents.issued(c)) for c in range(1, 4)) == 1


def test_charges_400_dollars_above_the_estimate_show_a_warning_in_the_billing_tab(qtbot: QtBot, vault: Vault) -> None:
    practice = build(vault)
    first, last = date(2025, 4, 1), date(2025, 6, 30)
    vault.documents.add_estimate(practice.self_pay, first, last, [EstimateLine("90834", "Psychotherapy", 1, 10_000)])
    window = _billing(qtbot, vault, practice.self_pay)
    assert not window.billing.documents.estimate_warning.isVisible()

    for week in range(4):
        day = first + timedelta(weeks=week)
        vault.billing.add_charge(practice.self_pay, day, "90834", fee_cents=14_000, billable_to_insurance=False)
    window.billing.reload_ledger()

    warning = window.billing.documents.estimate_warning
    assert warning.isVisible()
    assert warning.text().startswith("Billed charges are $460.00 above the Good Faith Estimate of ")
    assert "the client may dispute bills $400 or more above it." in warning.text()
