"""Post an insurer's EOB for one client: the payer (from the client's coverage), the check or EFT
reference, the date received and the total; then, per open charge billed to that payer, what the EOB says
(allowed, paid, deductible, coinsurance, copay, group and reason code), typed in the line's form under the
list. Only lines with an allowed amount are posted; the totals move as the amounts are typed. The store
posts all or nothing and its refusals stay here as sentences."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QHeaderView, QLabel, QLineEdit, QVBoxLayout, QWidget

from therapy_desk.domain.billing import Charge, parse_dollars
from therapy_desk.domain.ledger import AdjustmentGroup, Eob, EobLine
from therapy_desk.errors import ValidationError
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import registry
from therapy_desk.ui.billing_dialogs import _BillingForm, add_rows, money_line, read_cents
from therapy_desk.ui.chart_common import from_qdate, to_qdate
from therapy_desk.ui.chart_contact_dialogs import _line
from therapy_desk.ui.format import fmt_date, fmt_money
from therapy_desk.ui.models.rows_model import RowsModel
from therapy_desk.ui.widgets.date_field import DateField
from therapy_desk.ui.widgets.focus import record_table
from therapy_desk.ui.widgets.status_label import StatusLabel

AMOUNTS = ("allowed", "paid", "deductible", "coinsurance", "copay")
GROUP_WORDS = {
    AdjustmentGroup.CO: "CO: contractual obligation",
    AdjustmentGroup.PR: "PR: patient responsibility",
    AdjustmentGroup.OA: "OA: other adjustment",
    AdjustmentGroup.PI: "PI: payer initiated",
}


@dataclass
class LineEntry:
    """One open charge and what has been typed for it (texts, read when posting)."""

    charge: Charge
    amounts: dict[str, str] = field(default_factory=lambda: dict.fromkeys(AMOUNTS, ""))
    group: AdjustmentGroup = AdjustmentGroup.CO
    reason_code: str = "45"

    @property
    def posted(self) -> bool:
        return bool(self.amounts["allowed"].strip())

    def cents(self, name: str) -> int:
        """The typed amount (blank: 0); raises the sentence for what is not an amount."""
        text = self.amounts[name]
        return parse_dollars(text, f"{name}_cents") if text.strip() else 0

    def cents_or_none(self, name: str) -> int | None:
        try:
            return self.cents(name)
        except ValidationError:
            return None

    def line(self) -> EobLine:
        return EobLine(
            self.charge.id, self.cents("allowed"), self.cents("paid"), self.cents("deductible"),
            self.cents("coinsurance"), self.cents("copay"), self.group, self.reason_code,
        )  # fmt: skip


class EobLinesModel(RowsModel[LineEntry]):
    headers = ("Date of service", "Service", "Fee", "Due", "Allowed", "Paid", "Deductible", "Coinsurance", "Copay",
               "Group", "Reason")  # fmt: skip

    def data(self, index: QModelIndex | Any, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        entry, column = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.TextAlignmentRole and 2 <= column <= 8:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        charge = entry.charge
        if column == 0:
            return fmt_date(charge.date_of_service)
        if column == 1:
            return f"{charge.service_code} {charge.description}"
        if column == 2:
            return fmt_money(charge.fee_cents)
        if column == 3:
            return fmt_money(charge.due_cents)
        if column <= 8:
            if not entry.posted:
                return "not on this EOB" if column == 4 else ""
            cents = entry.cents_or_none(AMOUNTS[column - 4])
            return "?" if cents is None else fmt_money(cents)
        if not entry.posted:
            return ""
        return entry.group.value if column == 9 else entry.reason_code

    def changed_row(self, row: int) -> None:
        self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))


def open_lines(vault: Vault, client_id: int, payer_id: int) -> list[Charge]:
    """The client's live charges still owing that are billed to insurance and covered by `payer_id` on the
    date of service, oldest first."""
    billing = vault.billing
    found = []
    for charge in billing.charges(client_id):
        if charge.voided or charge.due_cents <= 0 or not charge.billable_to_insurance:
            continue
        if any(c.payer_id == payer_id for c in billing.coverage_for(client_id, charge.date_of_service)):
            found.append(charge)
    return sorted(found, key=lambda c: (c.date_of_service, c.id))


@registry.view
class EobDialog(_BillingForm):
    """One insurer's EOB for one client. `changed` fires once it is posted."""

    changed = Signal()

    def __init__(self, vault: Vault, client_id: int, parent: QWidget | None = None) -> None:
        super().__init__("Post EOB", parent)
        self.setObjectName("eobDialog")
        self._vault = vault
        self._client_id = client_id
        self.payer = QComboBox(self)
        self.payer.setAccessibleName("Payer")
        seen: set[int] = set()
        for coverage in vault.billing.coverages(client_id):
            if coverage.payer_id not in seen:
                seen.add(coverage.payer_id)
                self.payer.addItem(coverage.payer_name, coverage.payer_id)
        self.reference = _line(self, "Check or EFT number", placeholder="The payment's trace number")
        self.received = DateField(self)
        self.received.setAccessibleName("Date received")
        self.received.setDate(to_qdate(date.today()))
        self.total = money_line(self, "Total paid")
        add_rows(
            self,
            (
                ("Pa&yer:", self.payer, "payer_id"),
                ("Check or &EFT number:", self.reference, "reference"),
                ("&Date received:", self.received, "received_on"),
                ("&Total paid:", self.total, "total_cents"),
            ),
        )
        self._build_lines()
        self.save_button.setText("Post")
        self.save_button.setAccessibleName("Post the EOB")
        self.save_button.setDefault(True)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 150)
        self.payer.currentIndexChanged.connect(lambda _i: self.load_lines())
        self.total.textChanged.connect(lambda _t: self.show_totals())
        self.load_lines()
        self.reference.setFocus()
        self.remember_initial()

    def _build_lines(self) -> None:
        box = QGroupBox("Service lines", self)
        self.lines = EobLinesModel(self)
        self.line_table = record_table("Service lines", box)
        self.line_table.setModel(self.lines)
        self.line_table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.line_table.setMinimumHeight(self.fontMetrics().lineSpacing() * 6)
        hint = QLabel("Select a line and type what the EOB says for it. A line with no allowed amount is not "
                      "posted: it waits for a later EOB.", box)  # fmt: skip
        hint.setWordWrap(True)
        self.line_fields: dict[str, QLineEdit] = {}
        form = QFormLayout()
        captions = {"allowed": "A&llowed:", "paid": "&Paid:", "deductible": "Dedu&ctible:",
                    "coinsurance": "C&oinsurance:", "copay": "Cop&ay:"}  # fmt: skip
        for name in AMOUNTS:
            edit = money_line(box, name.capitalize())
            edit.textEdited.connect(lambda text, n=name: self._typed(n, text))
            self.line_fields[name] = edit
            form.addRow(captions[name], edit)
            caption = form.labelForField(edit)
            if isinstance(caption, QLabel):
                caption.setBuddy(edit)
        self.group = QComboBox(box)
        self.group.setAccessibleName("Adjustment group")
        for group, words in GROUP_WORDS.items():
            self.group.addItem(words, group)
        self.group.activated.connect(lambda _i: self._typed("group", ""))
        self.reason_code = _line(box, "Reason code", "45", "CARC, e.g. 45")
        self.reason_code.textEdited.connect(lambda _t: self._typed("reason_code", ""))
        for text, widget in (("&Group:", self.group), ("&Reason code:", self.reason_code)):
            form.addRow(text, widget)
            label = form.labelForField(widget)
            if isinstance(label, QLabel):
                label.setBuddy(widget)
        self.totals_label = StatusLabel("EOB totals", parent=box)
        self.totals_label.setWordWrap(True)
        column = QVBoxLayout(box)
        column.addWidget(self.line_table, 1)
        column.addWidget(hint)
        column.addLayout(form)
        column.addWidget(self.totals_label)
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(layout.count() - 2, box, 1)
        self.line_table.selectionModel().selectionChanged.connect(lambda *_: self._show_line())

    # -- lines -----------------------------------------------------------------------------------

    def load_lines(self) -> None:
        payer_id = self.payer.currentData()
        charges = [] if payer_id is None else open_lines(self._vault, self._client_id, int(payer_id))
        self.lines.set_rows([LineEntry(c) for c in charges])
        if charges:
            self.line_table.selectRow(0)
        self._show_line()
        self.show_totals()

    def current_row(self) -> int:
        rows = self.line_table.selectionModel().selectedRows()
        return rows[0].row() if rows else -1

    def current(self) -> LineEntry | None:
        row = self.current_row()
        return self.lines.row(row) if row >= 0 else None

    def _show_line(self) -> None:
        entry = self.current()
        for name, edit in self.line_fields.items():
            edit.setText("" if entry is None else entry.amounts[name])
            edit.setEnabled(entry is not None)
        self.group.setEnabled(entry is not None)
        self.reason_code.setEnabled(entry is not None)
        if entry is not None:
            self.group.setCurrentIndex(self.group.findData(entry.group))
            self.reason_code.setText(entry.reason_code)

    def _typed(self, name: str, text: str) -> None:
        entry = self.current()
        if entry is None:
            return
        if name in AMOUNTS:
            entry.amounts[name] = text
        entry.group = AdjustmentGroup(self.group.currentData())
        entry.reason_code = self.reason_code.text()
        self.lines.changed_row(self.current_row())
        self.show_totals()

    def set_line(self, row: int, **amounts: str) -> None:
        """Type a line's amounts (allowed="105", paid="80", …) as if into its form."""
        self.line_table.selectRow(row)
        for name, text in amounts.items():
            self.line_fields[name].setText(text)
            self._typed(name, text)

    def show_totals(self) -> None:
        posted = [e for e in self.lines.rows() if e.posted]
        if not self.lines.rowCount():
            self.totals_label.setText("This client has no open charge billed to this payer.")
            return
        if not posted:
            self.totals_label.setText("No line has an allowed amount yet.")
            return
        try:
            lines = [e.line() for e in posted]
        except ValidationError:
            self.totals_label.setText("A line has an amount that is not dollars and cents (marked ?).")
            return
        fees = {e.charge.id: e.charge.fee_cents for e in posted}
        paid = sum(line.paid_cents for line in lines)
        adjusted = sum(fees[line.charge_id] - line.allowed_cents for line in lines)
        share = sum(line.responsibility_cents for line in lines)
        try:
            total = read_cents(self.total, "total_cents", blank=0)
            against = f" of the {fmt_money(total)} total" + (" (they differ)" if total != paid else "")
        except ValidationError:
            against = ""
        count = f"{len(posted)} line{'s' if len(posted) != 1 else ''}"
        self.totals_label.setText(
            f"{count}: paid {fmt_money(paid)}{against}; contractual adjustment {fmt_money(adjusted)}; "
            f"client's share {fmt_money(share)}."
        )

    # -- posting ---------------------------------------------------------------------------------

    def focus_error(self) -> None:
        """A refusal of a line: the line's first amount left blank (else its allowed amount) takes the focus."""
        if not self.general_error.isHidden() and self.current() is not None:
            edits = list(self.line_fields.values())
            next((e for e in edits if not e.text()), edits[0]).setFocus()
            return
        super().focus_error()

    def snapshot(self) -> tuple[Any, ...]:
        typed = tuple((tuple(e.amounts.values()), e.group, e.reason_code) for e in self.lines.rows())
        return (self.payer.currentIndex(), self.reference.text(), self.received.date(), self.total.text(), typed)

    def value(self) -> Eob:
        payer_id = self.payer.currentData()
        if payer_id is None:
            raise ValidationError("This client has no insurance coverage to post an EOB from.", "payer_id")
        posted = [e for e in self.lines.rows() if e.posted]
        lines = []
        for entry in posted:
            try:
                lines.append(entry.line())
            except ValidationError as err:
                self.line_table.selectRow(self.lines.rows().index(entry))
                raise ValidationError(f"{entry.charge.service_code} on {fmt_date(entry.charge.date_of_service)}: "
                                      f"{err}", "lines") from err  # fmt: skip
        return Eob(int(payer_id), from_qdate(self.received.date()), read_cents(self.total, "total_cents"),
                   tuple(lines), self.reference.text())  # fmt: skip

    def submit(self, value: Eob) -> Eob:
        posted = self._vault.billing.post_eob(value)
        self.changed.emit()
        return posted
