"""The chart's Billing tab: the client's coverage (add, edit, end), the client ledger (charges, payments,
adjustments, write-offs, refunds, reversals, running balance, credit; voided rows struck, never hidden),
Record a payment (Ctrl+P in the chart; on a charge with a copay due it proposes the copay), Post EOB…, and
on the selected ledger row Adjust or write off…, Refund… and Reverse…. Nothing in the ledger is edited or
deleted: every correction is a row of its own.

The ledger is read when the tab is first shown and after each change, not when the chart opens: reading
it is a chart read the audit log records.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QDialog, QGroupBox, QHBoxLayout, QHeaderView, QPushButton, QVBoxLayout, QWidget

from therapy_desk.domain.billing import Balance, Coverage, LedgerKind, LedgerRow
from therapy_desk.domain.caseload import ChartSummary
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import registry
from therapy_desk.ui.chart_common import ChartTab, DateDialog
from therapy_desk.ui.coverage_dialog import CoverageDialog
from therapy_desk.ui.documents_issued import DocumentsBox, Session
from therapy_desk.ui.eob_dialog import EobDialog
from therapy_desk.ui.format import fmt_date, fmt_money
from therapy_desk.ui.ledger_dialogs import AdjustDialog, RefundDialog, ReverseDialog
from therapy_desk.ui.models.billing_models import RecordsModel
from therapy_desk.ui.models.ledger_model import COL_DESCRIPTION, LedgerModel
from therapy_desk.ui.ops import Ops
from therapy_desk.ui.payment_dialog import SHORTCUT as PAYMENT_KEY
from therapy_desk.ui.payment_dialog import PaymentDialog
from therapy_desk.ui.widgets.focus import record_table
from therapy_desk.ui.widgets.status_label import StatusLabel, error_label

_COVERAGE_HEADERS = ("Rank", "Payer", "Member ID", "Group", "Subscriber", "Copay", "Authorization", "Dates")


class CoverageModel(RecordsModel):
    headers = _COVERAGE_HEADERS

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.today = date.today()

    def text(self, item: Coverage, column: int) -> str:
        if column == 0:
            return item.rank.value.capitalize()
        if column == 1:
            return f"{item.payer_name} · {item.plan_name}" if item.plan_name else item.payer_name
        if column == 2:
            return item.member_id
        if column == 3:
            return item.group_number
        if column == 4:
            who = f"{item.subscriber_first} {item.subscriber_last}".strip()
            return "Self" if item.relationship.value == "self" else f"{who} ({item.relationship.value})"
        if column == 5:
            return fmt_money(item.copay_cents) if item.copay_cents else ""
        if column == 6:
            visits = "" if item.authorized_visits is None else f", {item.authorized_visits} visits"
            return f"{item.authorization_number}{visits}" if item.authorization_number else ""
        dates = f"{fmt_date(item.start_date)} – {fmt_date(item.end_date, 'open')}"
        return f"{dates} (ended)" if self.is_muted(item) else dates

    def is_muted(self, item: Coverage) -> bool:
        return item.end_date is not None and item.end_date < self.today

    def muted_because(self, item: Coverage) -> str:
        return "ended"


def reversible(row: LedgerRow) -> bool:
    """Whether Reverse… applies to a ledger row: an adjustment, write-off or refund not yet reversed, or an
    insurance payment (its EOB posting)."""
    if row.voided or row.reversed or row.kind is LedgerKind.REVERSAL:
        return False
    if row.kind is LedgerKind.PAYMENT:
        return row.code == "insurance"
    return row.kind in (LedgerKind.ADJUSTMENT, LedgerKind.WRITE_OFF, LedgerKind.REFUND)


def _button(text: str, name: str, parent: QWidget, slot: Callable[[], object]) -> QPushButton:
    button = QPushButton(text, parent)
    button.setAccessibleName(name)
    button.clicked.connect(lambda: slot())
    return button


def balance_sentence(balance: Balance) -> str:
    net = balance.net_cents
    if net < 0:
        return f"Credit on account: {fmt_money(-net)}."
    if balance.credit_cents:
        return f"Balance due: {fmt_money(net)} (after {fmt_money(balance.credit_cents)} of unapplied credit)."
    return f"Balance due: {fmt_money(net)}."


@registry.view
class BillingTab(ChartTab):
    """Coverage and the ledger of one client; `changed` fires after a write (the chart's balance moves)."""

    changed = Signal()

    def __init__(self, vault: Vault, parent: QWidget | None = None, *, ops: Ops | None = None) -> None:
        super().__init__(parent)
        self._vault = vault
        self._client_id: int | None = None
        self._ledger_read = False
        self.coverage_dialog: CoverageDialog | None = None
        self.payment_dialog: PaymentDialog | None = None
        self.end_dialog: DateDialog | None = None
        self.ledger_dialog: EobDialog | AdjustDialog | RefundDialog | ReverseDialog | None = None

        coverage_box = QGroupBox("Insurance coverage", self)
        self.coverages = CoverageModel(self)
        self.coverage_table = record_table("Insurance coverage", coverage_box)
        self.coverage_table.setModel(self.coverages)
        self.coverage_table.activated.connect(lambda _i: self.edit_coverage())
        self.add_coverage_button = QPushButton("Add co&verage…", coverage_box)
        self.add_coverage_button.setAccessibleName("Add coverage")
        self.add_coverage_button.clicked.connect(lambda: self.add_coverage())
        self.edit_coverage_button = QPushButton("&Edit coverage…", coverage_box)
        self.edit_coverage_button.setAccessibleName("Edit coverage")
        self.edit_coverage_button.setToolTip("Edit the selected coverage (Enter)")
        self.edit_coverage_button.clicked.connect(lambda: self.edit_coverage())
        self.end_coverage_button = QPushButton("E&nd coverage…", coverage_box)
        self.end_coverage_button.setAccessibleName("End coverage")
        self.end_coverage_button.clicked.connect(lambda: self.end_coverage())
        row = QHBoxLayout()
        for button in (self.add_coverage_button, self.edit_coverage_button, self.end_coverage_button):
            row.addWidget(button)
        row.addStretch(1)
        column = QVBoxLayout(coverage_box)
        column.addWidget(self.coverage_table)
        column.addLayout(row)

        ledger_box = QGroupBox("Ledger", self)
        self.ledger = LedgerModel(self)
        self.ledger_table = record_table("Ledger", ledger_box)
        self.ledger_table.setModel(self.ledger)
        self.ledger_table.horizontalHeader().setSectionResizeMode(COL_DESCRIPTION, QHeaderView.ResizeMode.Stretch)
        self.balance_label = StatusLabel("Balance", parent=ledger_box)
        bold = self.balance_label.font()
        bold.setBold(True)
        self.balance_label.setFont(bold)
        self.payment_button = QPushButton("Record a &payment…", ledger_box)
        self.payment_button.setAccessibleName("Record a payment")
        self.payment_button.setToolTip(f"Record a payment ({PAYMENT_KEY})")
        self.payment_button.clicked.connect(lambda: self.record_payment())
        self.eob_button = _button("Post EO&B…", "Post EOB", ledger_box, self.post_eob)
        self.eob_button.setToolTip("Post an insurer's explanation of benefits: its payment and adjustments")
        self.adjust_button = _button("Ad&just or write off…", "Adjust or write off", ledger_box, self.adjust)
        self.adjust_button.setToolTip("A write-off or contractual adjustment on the selected charge")
        self.refund_button = _button("Re&fund…", "Refund", ledger_box, self.refund)
        self.refund_button.setToolTip("Pay back a credit to the client or a payer")
        self.reverse_button = _button("Reve&rse…", "Reverse", ledger_box, self.reverse)
        self.reverse_button.setToolTip("Undo the selected adjustment, write-off, refund or EOB posting")
        self.error = error_label(ledger_box)
        row = QHBoxLayout()
        row.addWidget(self.balance_label, 1)
        actions = QHBoxLayout()
        for button in (self.payment_button, self.eob_button, self.adjust_button, self.refund_button,
                       self.reverse_button):  # fmt: skip
            actions.addWidget(button)
        actions.addStretch(1)
        column = QVBoxLayout(ledger_box)
        column.addWidget(self.ledger_table)
        column.addLayout(row)
        column.addLayout(actions)
        column.addWidget(self.error)

        self.documents = DocumentsBox(vault, ops, self, selected_session=self._selected_session)
        outer = QVBoxLayout(self)
        outer.addWidget(coverage_box, 2)
        outer.addWidget(ledger_box, 5)
        outer.addWidget(self.documents, 2)
        self.coverage_table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.ledger_table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self._update_buttons()

    # -- loading ---------------------------------------------------------------------------------

    def load(self, summary: ChartSummary) -> None:
        self._client_id = summary.client.id
        self._ledger_read = False
        self.reload_coverage()
        self.balance_label.setText(balance_sentence(summary.balance))
        if self.isVisible():
            self.reload_ledger()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._ledger_read:
            self.reload_ledger()

    def reload_coverage(self, coverage_id: int | None = None) -> None:
        if self._client_id is None:
            return
        self.coverages.today = date.today()
        self.coverages.set_rows(self._vault.billing.coverages(self._client_id))
        row = self.coverages.row_where(id=coverage_id) if coverage_id is not None else -1
        if row >= 0:
            self.coverage_table.selectRow(row)
        self._update_buttons()

    def reload_ledger(self) -> None:
        if self._client_id is None:
            return
        self.ledger.set_rows(self._vault.billing.ledger(self._client_id))
        self._update_buttons()  # a reset model has no selection
        self.balance_label.setText(balance_sentence(self._vault.billing.balance(self._client_id)))
        self._ledger_read = True
        self.documents.load(self._client_id)
        if self.ledger.rowCount():
            self.ledger_table.scrollToBottom()

    def _selected_coverage(self) -> Coverage | None:
        rows = self.coverage_table.selectionModel().selectedRows()
        return self.coverages.row(rows[0].row()) if rows else None

    def _selected_session(self) -> Session | None:
        """The session of the ledger's selected charge, for a superbill of that session alone."""
        line = self.selected_ledger_row()
        if line is None or line.kind is not LedgerKind.CHARGE:
            return None
        charge = self._vault.billing.charge(line.id)
        return None if charge.appointment_id is None else (charge.appointment_id, charge.date_of_service)

    def _update_buttons(self) -> None:
        coverage = self._selected_coverage()
        self.edit_coverage_button.setEnabled(coverage is not None)
        self.end_coverage_button.setEnabled(coverage is not None and coverage.end_date is None)
        loaded = self._client_id is not None
        row = self.selected_ledger_row()
        self.payment_button.setEnabled(loaded)
        self.eob_button.setEnabled(loaded and self.coverages.rowCount() > 0)
        self.refund_button.setEnabled(loaded)
        self.adjust_button.setEnabled(row is not None and row.kind is LedgerKind.CHARGE and not row.voided)
        self.reverse_button.setEnabled(row is not None and reversible(row))

    # -- coverage --------------------------------------------------------------------------------

    def add_coverage(self) -> CoverageDialog | None:
        return self._open_coverage(None)

    def edit_coverage(self) -> CoverageDialog | None:
        coverage = self._selected_coverage()
        return None if coverage is None else self._open_coverage(coverage)

    def _open_coverage(self, coverage: Coverage | None) -> CoverageDialog | None:
        if self._client_id is None:
            return None
        client_id = self._client_id
        payers = self._vault.billing.payers()
        if coverage is not None and all(p.id != coverage.payer_id for p in payers):
            payers.append(self._vault.billing.payer(coverage.payer_id))  # its payer, though now inactive

        def submit(edited: Coverage) -> Coverage:
            edited = dataclasses.replace(edited, client_id=client_id)
            billing = self._vault.billing
            saved = billing.add_coverage(edited) if edited.id is None else billing.update_coverage(edited)
            self.changed.emit()
            self.reload_coverage(saved.id)
            return saved

        self.coverage_dialog = CoverageDialog(client_id, coverage, payers, submit, self)
        self.coverage_dialog.finished.connect(lambda _r: self._forget("coverage_dialog"))
        self.coverage_dialog.open()
        return self.coverage_dialog

    def end_coverage(self) -> DateDialog | None:
        coverage = self._selected_coverage()
        if coverage is None or coverage.id is None:
            return None
        coverage_id = coverage.id

        def submit(on: date) -> None:
            self._vault.billing.end_coverage(coverage_id, on)
            self.changed.emit()
            self.reload_coverage(coverage_id)

        self.end_dialog = DateDialog(
            "End coverage",
            f"The last day {coverage.payer_name} covers this client. Sessions after it are self-pay unless "
            "other coverage starts.",
            "Last covered day",
            submit,
            self,
        )
        self.end_dialog.finished.connect(lambda _r: self._forget("end_dialog"))
        self.end_dialog.open()
        return self.end_dialog

    # -- payments --------------------------------------------------------------------------------

    def selected_ledger_row(self) -> LedgerRow | None:
        rows = self.ledger_table.selectionModel().selectedRows()
        return self.ledger.row(rows[0].row()) if rows else None

    def select_ledger_row(self, kind: LedgerKind, row_id: int) -> None:
        for number, row in enumerate(self.ledger.rows()):
            if row.kind is kind and row.id == row_id:
                self.ledger_table.selectRow(number)
                return

    def record_payment(self, charge_id: int | None = None) -> PaymentDialog | None:
        """Record a payment; on a charge (given, else the selected ledger row) with a copay still to collect,
        the copay is proposed and the payment goes to that charge first."""
        if self._client_id is None:
            return None
        if charge_id is None:
            row = self.selected_ledger_row()
            if row is not None and row.kind is LedgerKind.CHARGE and not row.voided:
                charge_id = row.id
        self.payment_dialog = PaymentDialog(self._vault, self._client_id, self, charge_id=charge_id)
        self.payment_dialog.changed.connect(self._money_changed)
        self.payment_dialog.finished.connect(lambda _r: self._forget("payment_dialog"))
        self.payment_dialog.open()
        return self.payment_dialog

    # -- EOBs, adjustments, refunds, reversals ---------------------------------------------------

    def post_eob(self) -> EobDialog | None:
        if self._client_id is None:
            return None
        return self._open_ledger_dialog(EobDialog(self._vault, self._client_id, self))

    def adjust(self) -> AdjustDialog | None:
        row = self.selected_ledger_row()
        if row is None or row.kind is not LedgerKind.CHARGE or row.voided:
            return None
        return self._open_ledger_dialog(AdjustDialog(self._vault, self._vault.billing.charge(row.id), self))

    def refund(self) -> RefundDialog | None:
        if self._client_id is None:
            return None
        return self._open_ledger_dialog(RefundDialog(self._vault, self._client_id, self))

    def reverse(self) -> ReverseDialog | None:
        """Reverse the selected adjustment, write-off or refund, or the EOB posting an insurance payment or
        contractual adjustment came from. What the store refuses shows here, in the tab."""
        row = self.selected_ledger_row()
        if row is None or not reversible(row):
            return None
        self.error.hide()
        billing = self._vault.billing
        when = fmt_date(row.on)
        what, intro = "", ""
        reverse: Callable[[str], object] | None = None
        eob_id = None
        if row.kind is LedgerKind.PAYMENT:
            eob_id = billing.eob_posting_of(payment_id=row.id)
        elif row.kind is LedgerKind.ADJUSTMENT:
            eob_id = billing.eob_posting_of(adjustment_id=row.id)
        if eob_id is not None:
            posting = eob_id
            what = "EOB posting"
            intro = (f"The EOB posting of {when} ({row.description}) is undone: its insurance payment is voided and "
                     "its contractual adjustments reversed. The posting stays listed, marked reversed.")  # fmt: skip
            reverse = lambda reason: billing.reverse_eob(posting, reason)  # noqa: E731
        elif row.kind in (LedgerKind.ADJUSTMENT, LedgerKind.WRITE_OFF):
            word = "write-off" if row.kind is LedgerKind.WRITE_OFF else "adjustment"
            what = word
            intro = (f"The {word} of {fmt_money(row.amount_cents)} on {when} is undone by a reversing row; it stays "
                     "listed, marked reversed.")  # fmt: skip
            reverse = lambda reason: billing.reverse_adjustment(row.id, reason)  # noqa: E731
        elif row.kind is LedgerKind.REFUND:
            what = "refund"
            intro = (f"The refund of {fmt_money(row.amount_cents)} on {when} is undone by a reversing row (a refund "
                     "entered in error, or a check never cashed).")  # fmt: skip
            reverse = lambda reason: billing.reverse_refund(row.id, reason)  # noqa: E731
        if reverse is None:
            self.error.setText("A payment entered by hand is corrected by voiding it, not by a reversal.")
            self.error.show()
            return None
        return self._open_ledger_dialog(ReverseDialog(what, intro, reverse, self))

    def _open_ledger_dialog(self, dialog: Any) -> Any:
        self.ledger_dialog = dialog
        dialog.changed.connect(self._money_changed)
        dialog.finished.connect(lambda _r: self._forget("ledger_dialog"))
        dialog.open()
        return dialog

    def _money_changed(self) -> None:
        self.changed.emit()  # the chart reads its summary again, and this tab its ledger with it

    def _forget(self, name: str) -> None:
        dialog = getattr(self, name)
        if dialog is not None:
            dialog.deleteLater()
        setattr(self, name, None)

    # -- the chart's contract -------------------------------------------------------------------

    def _open_forms(self) -> list[Any]:
        dialogs = (self.coverage_dialog, self.payment_dialog, self.ledger_dialog)
        return [d for d in dialogs if d is not None and d.isVisible()]

    def is_dirty(self) -> bool:
        return any(d.is_dirty() for d in self._open_forms())

    def save(self) -> bool:
        return all(d.save() for d in self._open_forms())

    def save_for_lock(self) -> None:
        # Coverage can be corrected later, so a valid edit is kept. Money waits for the clinician's own Enter.
        dialog = self.coverage_dialog
        if dialog is not None and dialog.isVisible() and dialog.is_dirty():
            dialog.save()

    def cancel_edit(self) -> None:
        for dialog in (self.coverage_dialog, self.payment_dialog, self.end_dialog, self.ledger_dialog):
            if dialog is not None:
                dialog.reject()

    def clear(self) -> None:
        self._client_id = None
        self._ledger_read = False
        self.coverage_dialog = self.payment_dialog = self.end_dialog = self.ledger_dialog = None
        for dialog in self.findChildren(QDialog):
            dialog.hide()
            dialog.setParent(None)
            dialog.deleteLater()
        self.coverages.set_rows([])
        self.ledger.set_rows([])
        self.balance_label.clear()
        self.error.clear()
        self.documents.clear()
        self._update_buttons()
