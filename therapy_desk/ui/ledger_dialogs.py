"""The ledger's corrections, each its own row and never an edit: an adjustment or write-off on a charge, a
refund out of a credit, and the reversal of an adjustment, write-off, refund or EOB posting (with its
reason). Each dialog writes through the store, whose refusals stay in the dialog as sentences."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QLabel, QWidget

from therapy_desk.domain.billing import Charge
from therapy_desk.domain.ledger import AdjustmentGroup, Refund, RefundMethod, WriteOffReason
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import registry
from therapy_desk.ui.billing_dialogs import _BillingForm, add_rows, money_line, read_cents
from therapy_desk.ui.chart_common import from_qdate, to_qdate
from therapy_desk.ui.chart_contact_dialogs import _line
from therapy_desk.ui.format import fmt_date, fmt_money
from therapy_desk.ui.models.ledger_model import method_label
from therapy_desk.ui.widgets.date_field import DateField

WRITE_OFF, CONTRACTUAL = "write-off", "contractual"


def _intro(dialog: _BillingForm, text: str) -> QLabel:
    label = QLabel(text, dialog)
    label.setWordWrap(True)
    dialog.form.insertRow(0, label)
    return label


def _date_field(parent: QWidget, name: str) -> DateField:
    field = DateField(parent)
    field.setAccessibleName(name)
    field.setDate(to_qdate(date.today()))
    return field


@dataclass(frozen=True)
class Reduction:
    """What the Adjust or write off form holds."""

    kind: str  # WRITE_OFF or CONTRACTUAL
    amount_cents: int
    reason: WriteOffReason | None
    on: date
    note: str


@registry.view
class AdjustDialog(_BillingForm):
    """Write off part or all of what a charge still owes (with a reason), or enter a contractual adjustment."""

    changed = Signal()

    def __init__(self, vault: Vault, charge: Charge, parent: QWidget | None = None) -> None:
        super().__init__("Adjust or write off", parent)
        self.setObjectName("adjustDialog")
        self._vault = vault
        self.charge = charge
        _intro(
            self,
            f"{fmt_date(charge.date_of_service)} {charge.service_code} {charge.description}: fee "
            f"{fmt_money(charge.fee_cents)}, {fmt_money(charge.due_cents)} still due.",
        )
        self.kind = QComboBox(self)
        self.kind.setAccessibleName("Kind")
        self.kind.addItem("Write-off", WRITE_OFF)
        self.kind.addItem("Contractual adjustment (above the payer's allowed amount)", CONTRACTUAL)
        self.reason = QComboBox(self)
        self.reason.setAccessibleName("Write-off reason")
        for reason in WriteOffReason:
            self.reason.addItem(reason.value.capitalize(), reason)
        self.amount = money_line(self, "Amount", charge.due_cents)
        self.on = _date_field(self, "Date")
        self.note = _line(self, "Note", placeholder="Why, in a few words (optional)")
        add_rows(
            self,
            (
                ("&Amount:", self.amount, "amount_cents"),
                ("&Kind:", self.kind, "kind"),
                ("&Reason:", self.reason, "reason"),
                ("&Date:", self.on, "on"),
                ("&Note:", self.note, "note"),
            ),
        )
        self.kind.currentIndexChanged.connect(lambda _i: self.reason.setEnabled(self.kind.currentData() == WRITE_OFF))
        self.save_button.setText("Record")
        self.save_button.setAccessibleName("Record the adjustment")
        self.save_button.setDefault(True)
        self.amount.setFocus()
        self.amount.selectAll()
        self.remember_initial()

    def snapshot(self) -> tuple[Any, ...]:
        return (self.kind.currentIndex(), self.reason.currentIndex(), self.amount.text(), self.on.date(),
                self.note.text())  # fmt: skip

    def value(self) -> Reduction:
        kind = str(self.kind.currentData())
        reason = WriteOffReason(self.reason.currentData()) if kind == WRITE_OFF else None
        return Reduction(kind, read_cents(self.amount, "amount_cents"), reason, from_qdate(self.on.date()),
                         self.note.text())  # fmt: skip

    def submit(self, value: Reduction) -> object:
        billing, charge_id = self._vault.billing, self.charge.id
        if value.reason is not None:
            made = billing.write_off(charge_id, value.amount_cents, value.reason, on=value.on, note=value.note)
        else:
            made = billing.adjust(charge_id, value.amount_cents, on=value.on, group=AdjustmentGroup.CO, note=value.note)
        self.changed.emit()
        return made


@registry.view
class RefundDialog(_BillingForm):
    """Pay money back out of a credit: to the client or to one of the client's payers, at most that credit."""

    changed = Signal()

    def __init__(self, vault: Vault, client_id: int, parent: QWidget | None = None) -> None:
        super().__init__("Refund", parent)
        self.setObjectName("refundDialog")
        self._vault = vault
        self._client_id = client_id
        self.party = QComboBox(self)
        self.party.setAccessibleName("Refund to")
        self.party.addItem("The client", None)
        seen: set[int] = set()
        for coverage in vault.billing.coverages(client_id):
            if coverage.payer_id not in seen:
                seen.add(coverage.payer_id)
                self.party.addItem(coverage.payer_name, coverage.payer_id)
        self.credit_label = QLabel(self)
        self.credit_label.setWordWrap(True)
        self.amount = money_line(self, "Amount")
        self.method = QComboBox(self)
        self.method.setAccessibleName("Method")
        for method in RefundMethod:
            self.method.addItem(method_label(method), method)
        self.method.setCurrentIndex(self.method.findData(RefundMethod.CHECK))
        self.on = _date_field(self, "Date")
        self.reference = _line(self, "Reference", placeholder="Check number or card's last four digits")
        self.note = _line(self, "Note", placeholder="Optional")
        self.form.addRow(self.credit_label)
        add_rows(
            self,
            (
                ("&Amount:", self.amount, "amount_cents"),
                ("Refund &to:", self.party, "payer_id"),
                ("&Method:", self.method, "method"),
                ("&Date:", self.on, "on"),
                ("&Reference:", self.reference, "reference"),
                ("&Note:", self.note, "note"),
            ),
        )
        self.party.currentIndexChanged.connect(lambda _i: self._show_credit())
        self._show_credit()
        self.save_button.setText("Record")
        self.save_button.setAccessibleName("Record the refund")
        self.save_button.setDefault(True)
        self.amount.setFocus()
        self.amount.selectAll()
        self.remember_initial()

    def _show_credit(self) -> None:
        payer_id = self.party.currentData()
        credit = self._vault.billing.party_credit(self._client_id, payer_id)
        who = "The client" if payer_id is None else self.party.currentText()
        self.credit_label.setText(
            f"{who} has {fmt_money(credit)} of credit to refund." if credit > 0 else f"{who} has no credit to refund."
        )
        self.amount.setText(fmt_money(credit).lstrip("$") if credit > 0 else "")

    def snapshot(self) -> tuple[Any, ...]:
        return (self.party.currentIndex(), self.amount.text(), self.method.currentIndex(), self.on.date(),
                self.reference.text(), self.note.text())  # fmt: skip

    def value(self) -> Refund:
        return Refund(
            client_id=self._client_id,
            amount_cents=read_cents(self.amount, "amount_cents"),
            on=from_qdate(self.on.date()),
            method=RefundMethod(self.method.currentData()),
            payer_id=self.party.currentData(),
            reference=self.reference.text(),
            note=self.note.text(),
        )

    def submit(self, value: Refund) -> Refund:
        made = self._vault.billing.refund(value)
        self.changed.emit()
        return made


@registry.view
class ReverseDialog(_BillingForm):
    """Undo one ledger row by a reversing row: asks the reason, then `reverse(reason)` writes it."""

    changed = Signal()

    def __init__(self, what: str, intro: str, reverse: Callable[[str], object], parent: QWidget | None = None) -> None:
        super().__init__(f"Reverse {what}", parent)
        self.setObjectName("reverseDialog")
        self._reverse = reverse
        _intro(self, intro)
        self.reason = _line(self, "Reason", placeholder="e.g. entered twice, wrong amount")
        add_rows(self, (("&Reason:", self.reason, "reason"),))
        self.save_button.setText("Reverse")
        self.save_button.setAccessibleName(f"Reverse {what}")
        self.save_button.setDefault(True)
        self.reason.setFocus()
        self.remember_initial()

    def snapshot(self) -> tuple[Any, ...]:
        return (self.reason.text(),)

    def value(self) -> str:
        return self.reason.text()

    def submit(self, value: str) -> object:
        made = self._reverse(value)
        self.changed.emit()
        return made
