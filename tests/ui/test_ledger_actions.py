"""The ledger's actions in the chart's Billing tab, with the store's real rules: a copay recorded at the
visit, an EOB posted (fee $140, allowed $105, paid $80: the client owes $0 and the ledger shows the $35
contractual adjustment), a write-off, a refund larger than the credit refused, and reversals."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from tests.ui.test_billing import _chart_on_billing
from tests.ui.test_chart import make_client
from therapy_desk.domain.billing import Coverage, LedgerKind, Payer, Payment, PaymentMethod
from therapy_desk.domain.ledger import WriteOffReason
from therapy_desk.storage.vault import Vault
from therapy_desk.ui.chart import ChartWindow
from therapy_desk.ui.eob_dialog import EobDialog
from therapy_desk.ui.ledger_dialogs import AdjustDialog, RefundDialog, ReverseDialog
from therapy_desk.ui.models.ledger_model import COL_BALANCE, COL_CHARGE, COL_CODE, COL_CREDIT, COL_DESCRIPTION, COL_KIND
from therapy_desk.ui.payment_dialog import PaymentDialog

TODAY = date.today()


def _insured_client(vault: Vault, copay: int = 2_500) -> tuple[int, int, int]:
    """A client covered by Aetna with a copay, and a $140 charge billed to insurance: (client, payer, charge)."""
    payer = vault.billing.add_payer(Payer("Aetna"))
    assert payer.id is not None
    client = make_client(vault)
    assert client.id is not None
    vault.billing.add_coverage(Coverage(client.id, payer.id, "W123", TODAY - timedelta(days=90), copay_cents=copay))
    dx = vault.clients.add_diagnosis(client.id, "F41.1").id
    assert dx is not None
    charge = vault.billing.add_charge(
        client.id, TODAY - timedelta(days=2), "90834", diagnosis_ids=[dx], fee_cents=14_000, billable_to_insurance=True
    )
    return client.id, payer.id, charge.id


def _row(window: ChartWindow, kind: LedgerKind) -> int:
    return next(n for n, r in enumerate(window.billing.ledger.rows()) if r.kind is kind)


def _text(window: ChartWindow, row: int, column: int) -> str:
    model = window.billing.ledger
    return str(model.data(model.index(row, column)))


def test_copay_at_the_visit_then_the_eob_leaves_nothing_due_and_shows_the_adjustment(
    qtbot: QtBot, vault: Vault
) -> None:
    client_id, _payer, charge_id = _insured_client(vault)
    window = _chart_on_billing(qtbot, vault, client_id)
    window.billing.ledger_table.selectRow(_row(window, LedgerKind.CHARGE))

    QTest.keyClick(window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)  # on the charge: its copay
    payment = window.billing.payment_dialog
    assert isinstance(payment, PaymentDialog)
    qtbot.waitUntil(payment.isActiveWindow)
    assert payment.amount.text() == "25.00"
    assert "Copay due at the visit" in payment.copay_label.text()
    QTest.keyClick(payment.amount, Qt.Key.Key_Return)
    assert vault.billing.charge(charge_id).paid_cents == 2_500
    assert vault.billing.uncollected_copays() == []
    payment.reject()

    dialog = window.billing.post_eob()
    assert isinstance(dialog, EobDialog)
    qtbot.waitUntil(dialog.isActiveWindow)
    assert dialog.payer.currentText() == "Aetna"
    assert dialog.lines.rowCount() == 1
    dialog.reference.setText("EFT 991")
    dialog.set_line(0, allowed="105", paid="80", copay="25")
    QTest.keyClicks(dialog.total, "80")
    assert dialog.totals_label.text() == (
        "1 line: paid $80.00 of the $80.00 total; contractual adjustment $35.00; client's share $25.00."
    )
    assert dialog.save()
    assert not dialog.isVisible()

    assert vault.billing.balance(client_id).net_cents == 0
    assert window.billing.balance_label.text() == "Balance due: $0.00."
    adjustment = _row(window, LedgerKind.ADJUSTMENT)
    assert _text(window, adjustment, COL_KIND) == "Adjustment"
    assert _text(window, adjustment, COL_CODE) == "CO"
    assert _text(window, adjustment, COL_CREDIT) == "$35.00"
    assert _text(window, adjustment, COL_DESCRIPTION).startswith("Contractual adjustment CO-45")
    last = window.billing.ledger.rowCount() - 1
    assert _text(window, last, COL_BALANCE) == "$0.00"


def test_an_eob_whose_lines_do_not_add_up_is_refused_with_the_stores_sentence(qtbot: QtBot, vault: Vault) -> None:
    client_id, _payer, _charge = _insured_client(vault)
    window = _chart_on_billing(qtbot, vault, client_id)
    dialog = window.billing.post_eob()
    assert dialog is not None
    dialog.set_line(0, allowed="105", paid="80")  # $25 of the allowed amount is nobody's
    dialog.total.setText("80")
    assert not dialog.save()
    [sentence] = dialog.errors.visible_messages()
    assert sentence.startswith("Paid plus deductible, coinsurance and copay come to $80.00, but the allowed amount")
    assert dialog.isVisible()
    assert vault.billing.balance(client_id).net_cents == 14_000


def test_a_write_off_and_its_reversal(qtbot: QtBot, vault: Vault) -> None:
    client = make_client(vault)
    assert client.id is not None
    charge = vault.billing.add_charge(client.id, TODAY - timedelta(days=3), "90834", billable_to_insurance=False)
    window = _chart_on_billing(qtbot, vault, client.id)
    assert not window.billing.adjust_button.isEnabled()
    window.billing.ledger_table.selectRow(0)
    assert window.billing.adjust_button.isEnabled()

    dialog = window.billing.adjust()
    assert isinstance(dialog, AdjustDialog)
    qtbot.waitUntil(dialog.isActiveWindow)
    assert dialog.amount.text() == "140.00"  # all that is due, selected to type over
    dialog.reason.setCurrentIndex(dialog.reason.findData(WriteOffReason.HARDSHIP))
    QTest.keyClicks(dialog.amount, "40")
    QTest.keyClick(dialog.amount, Qt.Key.Key_Return)
    assert not dialog.isVisible()
    assert vault.billing.charge(charge.id).due_cents == 10_000
    write_off = _row(window, LedgerKind.WRITE_OFF)
    assert (_text(window, write_off, COL_KIND), _text(window, write_off, COL_CREDIT)) == ("Write-off", "$40.00")
    assert _text(window, write_off, COL_CODE) == "Hardship"
    assert window.billing.balance_label.text() == "Balance due: $100.00."

    window.billing.ledger_table.selectRow(write_off)
    assert window.billing.reverse_button.isEnabled()
    reverse = window.billing.reverse()
    assert isinstance(reverse, ReverseDialog)
    QTest.keyClicks(reverse.reason, "wrong client")
    QTest.keyClick(reverse.reason, Qt.Key.Key_Return)
    assert not reverse.isVisible()
    assert vault.billing.charge(charge.id).due_cents == 14_000
    assert _text(window, write_off, COL_KIND) == "Write-off (reversed)"
    reversal = _row(window, LedgerKind.REVERSAL)
    assert (_text(window, reversal, COL_KIND), _text(window, reversal, COL_CHARGE)) == (
        "Reversal of write-off",
        "$40.00",
    )
    window.billing.ledger_table.selectRow(write_off)
    assert not window.billing.reverse_button.isEnabled()  # reversed once; never again
    window.billing.ledger_table.selectRow(reversal)
    assert not window.billing.reverse_button.isEnabled()  # a reversal is never reversed


def test_a_refund_larger_than_the_credit_is_refused_with_the_sentence(qtbot: QtBot, vault: Vault) -> None:
    client = make_client(vault)
    assert client.id is not None
    vault.billing.record_payment(Payment(client.id, TODAY, 3_000, PaymentMethod.CASH))  # unapplied: credit
    window = _chart_on_billing(qtbot, vault, client.id)
    dialog = window.billing.refund()
    assert isinstance(dialog, RefundDialog)
    qtbot.waitUntil(dialog.isActiveWindow)
    assert dialog.credit_label.text() == "The client has $30.00 of credit to refund."
    assert dialog.amount.text() == "30.00"
    dialog.amount.setText("40")
    assert not dialog.save()
    assert dialog.errors.visible_messages() == [
        "A refund of $40.00 is more than the client's credit: the client has only $30.00 credit to refund."
    ]
    assert dialog.amount.hasFocus()
    assert vault.billing.refunds(client.id) == []

    dialog.amount.setText("30")
    assert dialog.save()
    refund = _row(window, LedgerKind.REFUND)
    assert (_text(window, refund, COL_KIND), _text(window, refund, COL_CHARGE)) == ("Refund", "$30.00")
    assert window.billing.balance_label.text() == "Balance due: $0.00."

    window.billing.ledger_table.selectRow(refund)  # the check was never cashed
    reverse = window.billing.reverse()
    assert isinstance(reverse, ReverseDialog)
    reverse.reason.setText("check never cashed")
    assert reverse.save()
    reversal = _row(window, LedgerKind.REVERSAL)
    assert (_text(window, reversal, COL_KIND), _text(window, reversal, COL_CREDIT)) == ("Reversal of refund", "$30.00")
    assert _text(window, reversal, COL_BALANCE) == "$30.00 credit"
    assert window.billing.balance_label.text() == "Credit on account: $30.00."


def test_an_eob_posting_is_reversed_from_its_payment_and_asks_the_reason(qtbot: QtBot, vault: Vault) -> None:
    client_id, _payer, _charge = _insured_client(vault)
    window = _chart_on_billing(qtbot, vault, client_id)
    dialog = window.billing.post_eob()
    assert dialog is not None
    dialog.set_line(0, allowed="105", paid="80", coinsurance="25")
    dialog.total.setText("80")
    assert dialog.save()
    assert vault.billing.balance(client_id).net_cents == 2_500

    window.billing.ledger_table.selectRow(_row(window, LedgerKind.PAYMENT))
    reverse = window.billing.reverse()
    assert isinstance(reverse, ReverseDialog)
    assert reverse.windowTitle() == "Reverse EOB posting"
    assert not reverse.save()  # no reason: the store's sentence
    assert reverse.errors.visible_messages() == ["Give the reason for reversing the EOB posting."]
    reverse.reason.setText("posted to the wrong client")
    assert reverse.save()
    assert vault.billing.balance(client_id).net_cents == 14_000
    payment = _row(window, LedgerKind.PAYMENT)
    assert _text(window, payment, COL_KIND) == "Payment (void)"
    assert _text(window, _row(window, LedgerKind.ADJUSTMENT), COL_KIND) == "Adjustment (reversed)"


def test_a_manual_payment_is_not_reversed_but_says_why(qtbot: QtBot, vault: Vault) -> None:
    client = make_client(vault)
    assert client.id is not None
    vault.billing.record_payment(Payment(client.id, TODAY, 3_000, PaymentMethod.CASH))
    window = _chart_on_billing(qtbot, vault, client.id)
    window.billing.ledger_table.selectRow(0)
    assert not window.billing.reverse_button.isEnabled()
    assert window.billing.reverse() is None
