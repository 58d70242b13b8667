"""The Billing page's practice-wide lists: Aging by client (buckets of known ages, client and insurer
shares, credit, the practice total row, Enter opens the chart), Unpaid claims and Uncollected copays."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QEvent, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.ui.test_chart import make_client
from therapy_desk.domain.billing import Coverage, Payer, Payment, PaymentMethod
from therapy_desk.storage.vault import Vault
from therapy_desk.ui.billing_page import TAB_AGING, TAB_COPAYS, TAB_UNPAID, BillingView
from therapy_desk.ui.format import fmt_date
from therapy_desk.ui.ops import Ops

TODAY = date.today()


def _practice(vault: Vault) -> tuple[int, int]:
    """Ana: self-pay, $100 10 days ago and $90 45 days ago, $20 unapplied credit. Ben: Aetna, $25 copay,
    $140 75 days ago and $140 120 days ago, no EOB, copays unpaid."""
    ana = make_client(vault, legal_first="Ana", legal_last="Alvarez", preferred_name="")
    ben = make_client(vault, legal_first="Ben", legal_last="Brooks", preferred_name="")
    assert ana.id is not None
    assert ben.id is not None
    vault.billing.add_charge(ana.id, TODAY - timedelta(days=10), "90834", fee_cents=10_000, billable_to_insurance=False)
    vault.billing.add_charge(ana.id, TODAY - timedelta(days=45), "90834", fee_cents=9_000, billable_to_insurance=False)
    vault.billing.record_payment(Payment(ana.id, TODAY, 2_000, PaymentMethod.CASH))
    payer = vault.billing.add_payer(Payer("Aetna"))
    assert payer.id is not None
    vault.billing.add_coverage(Coverage(ben.id, payer.id, "W1", TODAY - timedelta(days=200), copay_cents=2_500))
    dx = vault.clients.add_diagnosis(ben.id, "F41.1").id
    assert dx is not None
    for days in (75, 120):
        vault.billing.add_charge(ben.id, TODAY - timedelta(days=days), "90834", diagnosis_ids=[dx], fee_cents=14_000,
                                 billable_to_insurance=True)  # fmt: skip
    return ana.id, ben.id


def _page(qtbot: QtBot, vault: Vault, ops: Ops) -> BillingView:
    page = BillingView(vault, ops)
    qtbot.addWidget(page)
    page.resize(1200, 700)
    page.show()
    return page


def test_the_aging_tab_puts_charges_of_known_ages_in_their_buckets(qtbot: QtBot, vault: Vault, ops: Ops) -> None:
    _ana, ben = _practice(vault)
    page = _page(qtbot, vault, ops)
    page.tabs.setCurrentIndex(TAB_AGING)
    model = page.aging.model
    qtbot.waitUntil(lambda: model.rowCount() == 3)
    texts = [[model.text(model.row(r), c) for c in range(model.columnCount())] for r in range(3)]
    # Client, then (client, insurer) for 0-30, 31-60, 61-90, over 90, then credit and balance.
    assert texts[0] == ["Alvarez, Ana", "$100.00", "", "$90.00", "", "", "", "", "", "$20.00", "$170.00"]
    assert texts[1] == ["Brooks, Ben", "", "", "", "", "$25.00", "$115.00", "$25.00", "$115.00", "", "$280.00"]
    assert texts[2] == ["Practice total", "$100.00", "", "$90.00", "", "$25.00", "$115.00", "$25.00", "$115.00",
                        "$20.00", "$450.00"]  # fmt: skip
    assert page.aging.status.text() == (
        "2 accounts open. Clients owe $240.00, insurers $230.00; credit held $20.00; the practice is owed $450.00 "
        "in all."
    )

    page.aging.table.setFocus()
    page.aging.table.selectRow(1)
    with qtbot.waitSignal(page.open_client) as opened:
        QTest.keyClick(page.aging.table, Qt.Key.Key_Return)
    assert opened.args == [ben]
    page.aging.table.selectRow(2)  # the total row opens nothing
    assert not page.aging.open_button.isEnabled()


def test_coming_back_to_the_window_reads_the_list_again_and_keeps_the_client_selected(
    qtbot: QtBot, vault: Vault, ops: Ops
) -> None:
    ana, ben = _practice(vault)
    page = _page(qtbot, vault, ops)
    page.tabs.setCurrentIndex(TAB_AGING)
    model = page.aging.model
    qtbot.waitUntil(lambda: model.rowCount() == 3)
    page.aging.table.selectRow(1)  # Ben, whose chart the clinician opens and pays in
    vault.billing.record_payment(Payment(ana, TODAY, 17_000, PaymentMethod.CARD))  # Ana pays what she owed, unapplied

    QApplication.sendEvent(page, QEvent(QEvent.Type.WindowActivate))  # back from the chart window

    qtbot.waitUntil(lambda: model.rowCount() == 3 and model.text(model.row(0), 10) != "$170.00")
    assert [model.text(model.row(0), c) for c in (0, 9, 10)] == ["Alvarez, Ana", "$190.00", "$0.00"]  # credit now
    assert page.aging.table.selectionModel().selectedRows()[0].row() == 1  # still Ben
    assert page.aging._client_at(1) == ben


def test_unpaid_claims_and_uncollected_copays_are_listed(qtbot: QtBot, vault: Vault, ops: Ops) -> None:
    _ana, ben = _practice(vault)
    page = _page(qtbot, vault, ops)
    page.tabs.setCurrentIndex(TAB_UNPAID)
    unpaid = page.unpaid.model
    qtbot.waitUntil(lambda: unpaid.rowCount() == 2)
    assert [unpaid.text(unpaid.row(0), c) for c in (0, 2, 3, 4, 5)] == ["Brooks, Ben", "90834", "Aetna", "$140.00",
                                                                       "120 days"]  # fmt: skip
    assert unpaid.text(unpaid.row(0), 1) == fmt_date(TODAY - timedelta(days=120))
    assert page.unpaid.status.text() == "2 lines unpaid, $280.00 in all. Follow up with the payer."

    page.tabs.setCurrentIndex(TAB_COPAYS)
    copays = page.copays.model
    qtbot.waitUntil(lambda: copays.rowCount() == 2)
    assert [copays.text(copays.row(0), c) for c in (0, 2, 3, 4, 5)] == [
        "Brooks, Ben", "Aetna", "$25.00", "$0.00", "$25.00"
    ]  # fmt: skip
    assert page.copays.status.text() == "2 copays not collected, $50.00 in all."
    with qtbot.waitSignal(page.open_client) as opened:
        page.copays.open_button.click()
    assert opened.args == [ben]

    page.clear_for_lock()
    assert copays.rowCount() == unpaid.rowCount() == page.aging.model.rowCount() == 0
