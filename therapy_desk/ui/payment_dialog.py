"""Record a payment in a few keystrokes: method, amount, date (today), reference; Enter records it and
applies it to the client's open charges, oldest first. The allocations it made are listed and can be
changed (undone, or applied to another charge) before closing."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from therapy_desk.domain.billing import Allocation, Charge, Payment, PaymentMethod
from therapy_desk.errors import ValidationError
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import registry
from therapy_desk.ui.billing_dialogs import _BillingForm, add_rows, money_line, move_row_first, read_cents
from therapy_desk.ui.chart_common import from_qdate, to_qdate
from therapy_desk.ui.chart_contact_dialogs import _line
from therapy_desk.ui.format import fmt_date, fmt_money
from therapy_desk.ui.models.ledger_model import method_label
from therapy_desk.ui.models.rows_model import RowsModel
from therapy_desk.ui.widgets.date_field import DateField
from therapy_desk.ui.widgets.focus import record_table
from therapy_desk.ui.widgets.status_label import StatusLabel, error_label

SHORTCUT = "Ctrl+P"  # in the chart: record a payment
CLIENT_METHODS = (PaymentMethod.CARD, PaymentMethod.CASH, PaymentMethod.CHECK, PaymentMethod.EFT)


def charge_label(charge: Charge) -> str:
    return f"{fmt_date(charge.date_of_service)} {charge.service_code} {charge.description}"


class AllocationModel(RowsModel[tuple[Allocation, Charge | None]]):
    headers = ("Date of service", "Service", "Applied")

    def data(self, index: Any, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        allocation, charge = self._rows[index.row()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if index.column() == 0:
            return fmt_date(charge.date_of_service) if charge else ""
        if index.column() == 1:
            return f"{charge.service_code} {charge.description}" if charge else f"Charge {allocation.charge_id}"
        return fmt_money(allocation.amount_cents)


@registry.view
class PaymentDialog(_BillingForm):
    """A client's payment. `changed` fires after anything is written (the payment, an allocation)."""

    changed = Signal()

    def __init__(
        self, vault: Vault, client_id: int, parent: QWidget | None = None, *, charge_id: int | None = None
    ) -> None:
        super().__init__("Record a payment", parent)
        self.setObjectName("paymentDialog")
        self._vault = vault
        self._client_id = client_id
        self.payment: Payment | None = None
        # Opened on a charge with a copay still to collect: propose it, and apply the payment to that charge.
        self.copay = vault.billing.copay_due(charge_id) if charge_id is not None else None
        if self.copay is not None and self.copay.uncollected_cents <= 0:
            self.copay = None
        self.method = QComboBox(self)
        self.method.setAccessibleName("Method")
        for method in CLIENT_METHODS:
            self.method.addItem(method_label(method), method)
        self.amount = money_line(self, "Amount")
        self.received = DateField(self)
        self.received.setAccessibleName("Date received")
        self.received.setDate(to_qdate(date.today()))
        self.reference = _line(self, "Reference", placeholder="Check number, card's last four digits…")
        add_rows(
            self,
            (
                ("&Method:", self.method, "method"),
                ("&Amount:", self.amount, "amount_cents"),
                ("&Date received:", self.received, "received_on"),
                ("&Reference:", self.reference, "reference"),
            ),
        )
        self.save_button.setText("Record")
        self.save_button.setAccessibleName("Record payment")
        self.save_button.setDefault(True)
        self._build_allocations()
        if self.copay is not None:
            charge = vault.billing.charge(self.copay.charge_id)
            self.copay_label = QLabel(
                f"Copay due at the visit for {charge_label(charge)}: {fmt_money(self.copay.uncollected_cents)}.", self
            )
            self.copay_label.setWordWrap(True)
            move_row_first(self.form, self.amount)  # the proposed amount first: Enter records it
            self.form.insertRow(0, self.copay_label)
            self.amount.setText(fmt_money(self.copay.uncollected_cents).lstrip("$"))
            self.amount.selectAll()
        self.amount.setFocus()
        self.remember_initial()

    def _build_allocations(self) -> None:
        self.applied_box = QGroupBox("Applied to charges", self)
        self.allocations = AllocationModel(self)
        self.allocation_table = record_table("Applied to charges", self.applied_box)
        self.allocation_table.setModel(self.allocations)
        self.allocation_table.setMinimumHeight(self.fontMetrics().lineSpacing() * 6)
        self.allocation_table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 80)
        self.credit_label = StatusLabel("Unapplied credit", parent=self.applied_box)
        self.credit_label.setWordWrap(True)
        self.release_button = QPushButton("&Undo the selected allocation", self.applied_box)
        self.release_button.setAccessibleName("Undo the selected allocation")
        self.release_button.clicked.connect(self.release_selected)
        self.charge_combo = QComboBox(self.applied_box)
        self.charge_combo.setAccessibleName("Open charge")
        self.apply_amount = money_line(self.applied_box, "Amount to apply")
        self.apply_button = QPushButton("A&pply to charge", self.applied_box)
        self.apply_button.setAccessibleName("Apply to charge")
        self.apply_button.clicked.connect(self.apply_to_charge)
        self.allocation_error = error_label(self.applied_box)
        row = QHBoxLayout()
        row.addWidget(self.charge_combo, 1)
        row.addWidget(self.apply_amount)
        row.addWidget(self.apply_button)
        column = QVBoxLayout(self.applied_box)
        column.addWidget(self.allocation_table)
        column.addWidget(self.credit_label)
        column.addWidget(self.release_button)
        column.addLayout(row)
        column.addWidget(self.allocation_error)
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(layout.count() - 1, self.applied_box)
        self.applied_box.hide()

    # -- recording -------------------------------------------------------------------------------

    def snapshot(self) -> tuple[Any, ...]:
        if self.payment is not None:
            return ()
        return (self.method.currentIndex(), self.amount.text(), self.received.date(), self.reference.text())

    def value(self) -> Payment:
        return Payment(
            client_id=self._client_id,
            received_on=from_qdate(self.received.date()),
            amount_cents=read_cents(self.amount, "amount_cents"),
            method=PaymentMethod(self.method.currentData()),
            reference=self.reference.text(),
        )

    def submit(self, value: Payment) -> Payment:
        """Record the payment and apply it oldest first; the dialog stays open on what it paid."""
        first: list[tuple[int, int]] = []
        if self.copay is not None:
            due = self._vault.billing.charge(self.copay.charge_id).due_cents
            if min(due, value.amount_cents) > 0:
                first = [(self.copay.charge_id, min(due, value.amount_cents))]
        recorded = self._vault.billing.record_payment(value, first)
        assert recorded.id is not None
        self._vault.billing.auto_allocate(recorded.id)
        self.payment = recorded
        self.changed.emit()
        return recorded

    def save(self) -> bool:
        if self.payment is not None:
            self.accept()
            return True
        self.errors.clear()
        try:
            self.submit(self.value())
        except ValidationError as err:
            self.errors.show(err)
            self.focus_error()
            return False
        self._show_recorded()
        self.remember_initial()
        return True

    def _show_recorded(self) -> None:
        for widget in (self.method, self.amount, self.received, self.reference):
            widget.setEnabled(False)
        self.save_button.hide()
        self.buttons.setStandardButtons(QDialogButtonBox.StandardButton.Close)
        close = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setDefault(True)
        self.applied_box.show()
        self.refresh_allocations()
        self.allocation_table.setFocus() if self.allocations.rowCount() else self.charge_combo.setFocus()

    # -- allocations -----------------------------------------------------------------------------

    def refresh_allocations(self) -> None:
        if self.payment is None or self.payment.id is None:
            return
        billing = self._vault.billing
        self.payment = billing.payment(self.payment.id)
        charges = {c.id: c for c in billing.charges(self._client_id)}
        live = [a for a in billing.allocations(payment_id=self.payment.id) if a.released_at is None]
        self.allocations.set_rows([(a, charges.get(a.charge_id)) for a in live])
        if live:
            self.allocation_table.selectRow(0)
        left = self.payment.unallocated_cents
        self.credit_label.setText(
            f"All of {fmt_money(self.payment.amount_cents)} is applied."
            if left == 0
            else f"{fmt_money(left)} of this payment is not applied: it stays on the account as credit."
        )
        self.charge_combo.clear()
        for charge in charges.values():
            if charge.due_cents > 0:
                self.charge_combo.addItem(f"{charge_label(charge)}: {fmt_money(charge.due_cents)} due", charge.id)
        self.apply_amount.setText(fmt_money(left).lstrip("$") if left else "")
        self.release_button.setEnabled(bool(live))
        can_apply = left > 0 and self.charge_combo.count() > 0
        for widget in (self.charge_combo, self.apply_amount, self.apply_button):
            widget.setEnabled(can_apply)

    def release_selected(self) -> None:
        rows = self.allocation_table.selectionModel().selectedRows()
        if not rows:
            return
        allocation, _charge = self.allocations.row(rows[0].row())
        self._change(lambda: self._vault.billing.release_allocation(allocation.id))

    def apply_to_charge(self) -> None:
        if self.payment is None or self.payment.id is None or self.charge_combo.currentData() is None:
            return
        payment_id, charge_id = self.payment.id, int(self.charge_combo.currentData())
        self._change(
            lambda: self._vault.billing.allocate(payment_id, charge_id, read_cents(self.apply_amount, "allocations"))
        )

    def _change(self, write: Any) -> None:
        self.allocation_error.clear()
        self.allocation_error.hide()
        try:
            write()
        except ValidationError as err:
            self.allocation_error.setText(str(err))
            self.allocation_error.show()
            return
        self.changed.emit()
        self.refresh_allocations()
