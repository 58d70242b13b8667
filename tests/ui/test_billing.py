"""The Billing page and the chart's Billing tab: coverage through its dialog, a payment in a few keys,
the ledger's running balance, voided rows, and a fee edited in the catalogue."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.ui.test_chart import make_client, open_chart
from therapy_desk.domain.billing import Payer, PaymentMethod
from therapy_desk.storage.vault import Vault
from therapy_desk.ui.billing_page import TAB_BALANCES, BillingView
from therapy_desk.ui.chart import TAB_BILLING, ChartWindow
from therapy_desk.ui.coverage_dialog import CoverageDialog
from therapy_desk.ui.models.ledger_model import COL_BALANCE, COL_CHARGE, COL_CREDIT, COL_KIND
from therapy_desk.ui.ops import Ops
from therapy_desk.ui.payment_dialog import PaymentDialog

TODAY = date.today()


def _cell(window: ChartWindow, row: int, column: int, role: int = Qt.ItemDataRole.DisplayRole) -> object:
    model = window.billing.ledger
    return model.data(model.index(row, column), role)


def _client_with_charge(vault: Vault) -> tuple[int, int]:
    client = make_client(vault)
    assert client.id is not None
    charge = vault.billing.add_charge(client.id, TODAY - timedelta(days=3), "90834", billable_to_insurance=False)
    return client.id, charge.id


def _chart_on_billing(qtbot: QtBot, vault: Vault, client_id: int) -> ChartWindow:
    window = open_chart(qtbot, vault, client_id)
    window.show()
    qtbot.waitExposed(window)
    window.show_tab(TAB_BILLING)
    return window


def _adding_coverage(qtbot: QtBot, vault: Vault) -> tuple[int, ChartWindow, CoverageDialog]:
    """A payer, a client, the client's chart on Billing and its Add coverage dialog open."""
    vault.billing.add_payer(Payer("Cascade Health Plan"))
    client = make_client(vault)
    assert client.id is not None
    window = _chart_on_billing(qtbot, vault, client.id)
    dialog = window.billing.add_coverage()
    assert dialog is not None
    return client.id, window, dialog


def test_a_coverage_added_through_the_dialog_is_listed(qtbot: QtBot, vault: Vault) -> None:
    payer = vault.billing.add_payer(Payer("Cascade Health Plan", electronic_id="CHP01"))
    client = make_client(vault)
    assert client.id is not None
    window = _chart_on_billing(qtbot, vault, client.id)
    dialog = window.billing.add_coverage()
    assert dialog is not None
    qtbot.waitUntil(dialog.isActiveWindow)
    assert dialog.payer.currentData() == payer.id
    QTest.keyClicks(dialog.member_id, "xkb 4471 02")
    dialog.copay.setText("$25")
    QTest.keyClick(dialog.member_id, Qt.Key.Key_Return)  # Enter saves

    assert not dialog.isVisible()
    [saved] = vault.billing.coverages(client.id)
    assert (saved.member_id, saved.copay_cents, saved.payer_id) == ("XKB 4471 02", 2500, payer.id)
    model = window.billing.coverages
    assert [model.text(model.row(0), c) for c in (1, 2, 5)] == ["Cascade Health Plan", "XKB 4471 02", "$25.00"]


def test_a_missing_member_id_is_a_sentence_under_the_field(qtbot: QtBot, vault: Vault) -> None:
    client_id, _window, dialog = _adding_coverage(qtbot, vault)
    qtbot.waitUntil(dialog.isActiveWindow)

    assert not dialog.save()

    label = dialog.errors.label("member_id")
    assert label is not None
    assert label.isVisible()
    assert label.text() == "The member ID is required."
    assert dialog.member_id.hasFocus()
    assert dialog.isVisible()
    assert vault.billing.coverages(client_id) == []


def test_a_subscriber_who_is_not_the_client_is_asked_for(qtbot: QtBot, vault: Vault) -> None:
    client_id, _window, dialog = _adding_coverage(qtbot, vault)
    assert not dialog.subscriber_last.isEnabled()  # self: the client is the subscriber
    dialog.relationship.setCurrentIndex(dialog.relationship.findText("Spouse"))
    assert dialog.subscriber_last.isEnabled()
    dialog.member_id.setText("M1")
    assert not dialog.save()
    assert dialog.errors.visible_messages() == ["The subscriber's first and last name are required."]
    dialog.subscriber_first.setText("Rafael")
    dialog.subscriber_last.setText("Quintanilla")
    dialog.subscriber_dob.set_day(date(1980, 4, 2))
    assert dialog.save()
    [saved] = vault.billing.coverages(client_id)
    assert (saved.subscriber_last, saved.subscriber_dob) == ("Quintanilla", date(1980, 4, 2))


def test_a_spouse_subscribers_address_phone_plan_and_coinsurance_are_stored(qtbot: QtBot, vault: Vault) -> None:
    client_id, window, dialog = _adding_coverage(qtbot, vault)
    qtbot.waitUntil(dialog.isActiveWindow)
    assert not dialog.subscriber_street.isEnabled()  # self: the client's own address is used
    assert not dialog.subscriber_phone.isEnabled()
    QTest.keyClicks(dialog.plan_name, "Gold PPO")
    dialog.member_id.setText("M1")
    dialog.relationship.setCurrentIndex(dialog.relationship.findText("Spouse"))
    assert dialog.subscriber_street.isEnabled()
    dialog.subscriber_first.setText("Rafael")
    dialog.subscriber_last.setText("Quintanilla")
    dialog.subscriber_dob.set_day(date(1980, 4, 2))
    QTest.keyClicks(dialog.subscriber_street, "12 Alder St")
    QTest.keyClick(dialog, Qt.Key.Key_Y, Qt.KeyboardModifier.AltModifier)  # the row's caption: City, state, ZIP
    assert dialog.subscriber_city.hasFocus()
    QTest.keyClicks(dialog.subscriber_city, "Portland")
    QTest.keyClick(dialog.subscriber_city, Qt.Key.Key_Tab)
    QTest.keyClicks(dialog.subscriber_state, "or")
    QTest.keyClick(dialog.subscriber_state, Qt.Key.Key_Tab)
    QTest.keyClicks(dialog.subscriber_zip, "97209")
    QTest.keyClicks(dialog.subscriber_phone, "503 555 0142")
    dialog.copay.setText("25")
    dialog.coinsurance.setValue(20)
    assert dialog.save()

    [saved] = vault.billing.coverages(client_id)
    assert saved.plan_name == "Gold PPO"
    assert (saved.subscriber_street, saved.subscriber_city, saved.subscriber_state, saved.subscriber_zip) == (
        "12 Alder St",
        "Portland",
        "OR",
        "97209",
    )
    assert (saved.subscriber_phone, saved.copay_cents, saved.coinsurance_percent) == ("(503) 555-0142", 2500, 20)
    model = window.billing.coverages
    assert model.text(model.row(0), 1) == "Cascade Health Plan · Gold PPO"

    again = window.billing.edit_coverage()
    assert again is not None
    assert (again.plan_name.text(), again.subscriber_zip.text(), again.coinsurance.text()) == (
        "Gold PPO",
        "97209",
        "20 %",
    )
    again.reject()


def test_a_bad_subscriber_zip_is_a_sentence_under_its_row_and_the_zip_has_the_focus(qtbot: QtBot, vault: Vault) -> None:
    client_id, _window, dialog = _adding_coverage(qtbot, vault)
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.member_id.setText("M1")
    dialog.relationship.setCurrentIndex(dialog.relationship.findText("Child"))
    dialog.subscriber_first.setText("Rafael")
    dialog.subscriber_last.setText("Quintanilla")
    dialog.subscriber_dob.set_day(date(1980, 4, 2))
    dialog.subscriber_city.setText("Portland")
    dialog.subscriber_zip.setText("9720")

    assert not dialog.save()

    label = dialog.errors.label("subscriber_zip")
    assert label is not None
    assert label.isVisible()
    assert label.text() == "A ZIP code is 5 digits, or ZIP+4 as 12345-6789."
    assert set(dialog.errors.visible_messages()) == {label.text()}  # one label serves the row
    assert dialog.subscriber_zip.hasFocus()
    assert vault.billing.coverages(client_id) == []


def test_a_copay_recorded_with_ctrl_p_moves_the_balance_and_the_running_balance(qtbot: QtBot, vault: Vault) -> None:
    client_id, charge_id = _client_with_charge(vault)
    window = _chart_on_billing(qtbot, vault, client_id)
    assert window.billing.ledger.rowCount() == 1
    assert _cell(window, 0, COL_BALANCE) == "$140.00"
    assert window.billing.balance_label.text() == "Balance due: $140.00."

    QTest.keyClick(window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    dialog = window.billing.payment_dialog
    assert isinstance(dialog, PaymentDialog)
    qtbot.waitUntil(dialog.isActiveWindow)
    assert dialog.amount.hasFocus()
    assert dialog.received.date().toPython() == TODAY
    QTest.keyClicks(dialog.amount, "$25")
    QTest.keyClick(dialog.amount, Qt.Key.Key_Return)

    [payment] = vault.billing.payments(client_id)
    assert (payment.amount_cents, payment.method, payment.unallocated_cents) == (2500, PaymentMethod.CARD, 0)
    assert vault.billing.charge(charge_id).paid_cents == 2500  # applied oldest first
    assert dialog.isVisible()
    assert dialog.allocations.rowCount() == 1
    assert "$25.00" in dialog.credit_label.text()
    QTest.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()

    ledger = window.billing.ledger
    assert ledger.rowCount() == 2
    assert [_cell(window, r, COL_BALANCE) for r in range(2)] == ["$140.00", "$115.00"]
    assert (_cell(window, 1, COL_KIND), _cell(window, 1, COL_CREDIT), _cell(window, 1, COL_CHARGE)) == (
        "Payment",
        "$25.00",
        "",
    )
    right = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    assert _cell(window, 1, COL_CREDIT, Qt.ItemDataRole.TextAlignmentRole) == right
    assert window.billing.balance_label.text() == "Balance due: $115.00."


def test_an_allocation_is_undone_and_applied_again_before_closing(qtbot: QtBot, vault: Vault) -> None:
    client_id, first = _client_with_charge(vault)
    second = vault.billing.add_charge(client_id, TODAY - timedelta(days=1), "96127", billable_to_insurance=False)
    window = _chart_on_billing(qtbot, vault, client_id)
    dialog = window.billing.record_payment()
    assert dialog is not None
    dialog.amount.setText("20")
    assert dialog.save()
    assert [(a.charge_id, a.amount_cents) for a, _c in dialog.allocations.rows()] == [(first, 2000)]

    dialog.release_button.click()
    assert dialog.allocations.rowCount() == 0
    assert "$20.00 of this payment is not applied" in dialog.credit_label.text()
    dialog.charge_combo.setCurrentIndex(dialog.charge_combo.findData(second.id))
    dialog.apply_amount.setText("10")
    dialog.apply_button.click()
    assert vault.billing.charge(second.id).paid_cents == 1000
    assert vault.billing.charge(first).paid_cents == 0

    dialog.apply_amount.setText("50")  # more than is left of the payment: a sentence, nothing written
    dialog.apply_button.click()
    assert dialog.allocation_error.isVisible()
    assert "over-" in dialog.allocation_error.text()
    assert vault.billing.payments(client_id)[0].allocated_cents == 1000


def test_a_payment_that_is_not_an_amount_is_refused_in_the_dialog(qtbot: QtBot, vault: Vault) -> None:
    client_id, _charge = _client_with_charge(vault)
    window = _chart_on_billing(qtbot, vault, client_id)
    dialog = window.billing.record_payment()
    assert dialog is not None
    dialog.amount.setText("twenty")
    assert not dialog.save()
    assert dialog.errors.visible_messages() == ["twenty is not an amount in dollars and cents."]
    assert vault.billing.payments(client_id) == []


def test_a_voided_charge_stays_in_the_ledger_struck_through(qtbot: QtBot, vault: Vault) -> None:
    client_id, charge_id = _client_with_charge(vault)
    vault.billing.void_charge(charge_id, "Entered on the wrong day")
    window = _chart_on_billing(qtbot, vault, client_id)
    assert _cell(window, 0, COL_KIND) == "Charge (void)"
    font = _cell(window, 0, COL_KIND, Qt.ItemDataRole.FontRole)
    assert isinstance(font, QFont)
    assert font.strikeOut()
    assert _cell(window, 0, COL_BALANCE) == "$0.00"
    assert "voided" in str(_cell(window, 0, COL_CHARGE, Qt.ItemDataRole.AccessibleTextRole))


def test_a_fee_edited_on_the_billing_page_is_saved(qtbot: QtBot, vault: Vault, ops: Ops) -> None:
    page = BillingView(vault, ops)
    qtbot.addWidget(page)
    page.show()
    row = page.services.row_where(code="90834")
    page.service_table.selectRow(row)
    dialog = page.edit_service()
    assert dialog is not None
    qtbot.waitUntil(dialog.isActiveWindow)
    assert dialog.fee.hasFocus()
    assert dialog.fee.text() == "140.00"
    QTest.keyClicks(dialog.fee, "150")  # typed over the selected fee
    QTest.keyClick(dialog.fee, Qt.Key.Key_Return)

    assert not dialog.isVisible()
    assert next(s for s in vault.billing.services() if s.code == "90834").default_fee_cents == 15000
    assert page.services.text(page.services.row(row), 3) == "$150.00"


def test_a_payer_is_added_and_balances_list_who_owes(qtbot: QtBot, vault: Vault, ops: Ops) -> None:
    client_id, _charge = _client_with_charge(vault)
    page = BillingView(vault, ops)
    qtbot.addWidget(page)
    page.show()
    page.tabs.setCurrentIndex(1)
    dialog = page.add_payer()
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.name.setText("Aetna")
    dialog.state.setText("ZZ")
    assert not dialog.save()  # the store's sentence, under the state
    label = dialog.errors.label("state")
    assert label is not None
    assert label.isVisible()
    assert dialog.state.hasFocus()
    dialog.state.setText("OR")
    assert dialog.save()
    assert [p.name for p in vault.billing.payers()] == ["Aetna"]
    assert page.payers.rowCount() == 1

    page.tabs.setCurrentIndex(TAB_BALANCES)
    qtbot.waitUntil(lambda: page.balances.rowCount() == 1)
    assert page.balances.row(0).client_id == client_id
    assert page.balances.text(page.balances.row(0), 4) == "$140.00"
    with qtbot.waitSignal(page.open_client) as opened:
        page.open_chart_button.click()
    assert opened.args == [client_id]


def test_locking_empties_the_billing_page(qtbot: QtBot, vault: Vault, ops: Ops) -> None:
    page = BillingView(vault, ops)
    qtbot.addWidget(page)
    dialog = page.add_service()
    page.clear_for_lock()
    QApplication.processEvents()
    assert not dialog.isVisible()
    assert page.services.rowCount() == page.payers.rowCount() == page.balances.rowCount() == 0


@pytest.mark.parametrize(("text", "cents"), [("125", 12500), ("125.00", 12500), ("$125", 12500), ("$1,250.5", 125050)])
def test_a_typed_payment_amount_is_read_in_every_usual_form(qtbot: QtBot, vault: Vault, text: str, cents: int) -> None:
    client_id, _charge = _client_with_charge(vault)
    dialog = PaymentDialog(vault, client_id)
    qtbot.addWidget(dialog)
    dialog.amount.setText(text)
    assert dialog.value().amount_cents == cents
