"""The Billing page's practice-wide lists: Aging (each client's open charges by age, client and insurer
shares, credit, and a practice total row), Unpaid claims (lines billed to insurance with no EOB after 30
days) and Uncollected copays. Each reads every open charge of the practice, so each reads on a worker
(`Ops`) when its tab is first shown and on Refresh; Enter (or Open chart) opens the client's chart."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from therapy_desk.domain.ledger import AGING_BUCKETS, AgingRow, CopayDue, UnpaidInsuranceLine
from therapy_desk.storage.vault import Vault
from therapy_desk.ui.format import fmt_date, fmt_days, fmt_money
from therapy_desk.ui.models.billing_models import RecordsModel
from therapy_desk.ui.models.ledger_model import balance_text
from therapy_desk.ui.ops import Ops
from therapy_desk.ui.widgets.focus import record_table
from therapy_desk.ui.widgets.passphrase import muted_label
from therapy_desk.ui.widgets.status_label import StatusLabel

UNPAID_AFTER_DAYS = 30
BUCKET_WORDS = ("0–30 days", "31–60 days", "61–90 days", "Over 90 days")
assert len(BUCKET_WORDS) == len(AGING_BUCKETS)


@dataclass(frozen=True)
class AgingLine:
    """One client's aging (client_id None: the practice's total row)."""

    client_id: int | None
    name: str
    row: AgingRow


@dataclass(frozen=True)
class Named:
    """A listed item and its client's name (and, for a copay, its payer's)."""

    client_id: int
    name: str
    item: UnpaidInsuranceLine | CopayDue
    payer: str = ""


def _names(vault: Vault, ids: Sequence[int]) -> dict[int, str]:
    return {cid: c.listed_name for cid, c in vault.clients.by_ids(sorted(set(ids))).items()}


def read_aging(vault: Vault, as_of: date) -> list[AgingLine]:
    """Every client who owes or holds credit, by name, then the practice total row (a worker's read)."""
    aging = vault.billing.aging(as_of)
    names = _names(vault, [r.client_id for r in aging.rows])
    lines = sorted(
        (AgingLine(r.client_id, names[r.client_id], r) for r in aging.rows if r.client_id in names),
        key=lambda line: line.name.casefold(),
    )
    if not lines:
        return []
    total = AgingRow(0, aging.client_totals, aging.insurance_totals, aging.credit_cents)
    return [*lines, AgingLine(None, "Practice total", total)]


def read_unpaid(vault: Vault, as_of: date) -> list[Named]:
    found = vault.billing.unpaid_insurance_lines(as_of, UNPAID_AFTER_DAYS)
    names = _names(vault, [line.client_id for line in found])
    return [Named(line.client_id, names.get(line.client_id, ""), line, line.payer_name) for line in found]


def read_copays(vault: Vault) -> list[Named]:
    found = vault.billing.uncollected_copays()
    names = _names(vault, [c.client_id for c in found])
    payers = {p.id: p.name for p in vault.billing.payers(include_inactive=True)}
    return [Named(c.client_id, names.get(c.client_id, ""), c, payers.get(c.payer_id, "")) for c in found]


class AgingModel(RecordsModel):
    headers = (
        "Client",
        *(f"{words}\n{who}" for words in BUCKET_WORDS for who in ("client", "insurer")),
        "Credit",
        "Balance",
    )
    money_columns = tuple(range(1, 11))

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.FontRole and index.isValid() and self.row(index.row()).client_id is None:
            font = QFont()
            font.setBold(True)  # the practice's total row
            return font
        return super().data(index, role)

    def text(self, item: AgingLine, column: int) -> str:
        if column == 0:
            return item.name
        if column <= 8:
            bucket, insurer = divmod(column - 1, 2)
            cents = (item.row.insurance_cents if insurer else item.row.client_cents)[bucket]
            return fmt_money(cents) if cents else ""
        if column == 9:
            return fmt_money(item.row.credit_cents) if item.row.credit_cents else ""
        return balance_text(item.row.net_cents)


class UnpaidModel(RecordsModel):
    headers = ("Client", "Date of service", "Code", "Payer", "Amount", "Age")
    money_columns = (4,)

    def text(self, item: Named, column: int) -> str:
        line = item.item
        assert isinstance(line, UnpaidInsuranceLine)
        return (item.name, fmt_date(line.date_of_service), line.service_code, item.payer, fmt_money(line.due_cents),
                fmt_days(line.days))[column]  # fmt: skip


class CopayModel(RecordsModel):
    headers = ("Client", "Date of service", "Payer", "Copay", "Collected", "Still to collect")
    money_columns = (3, 4, 5)

    def text(self, item: Named, column: int) -> str:
        copay = item.item
        assert isinstance(copay, CopayDue)
        return (item.name, fmt_date(copay.date_of_service), item.payer, fmt_money(copay.copay_cents),
                fmt_money(copay.collected_cents), fmt_money(copay.uncollected_cents))[column]  # fmt: skip


class ListPanel(QWidget):
    """One practice-wide list: its note, the table, a status line, Open chart and Refresh."""

    open_client = Signal(int)

    def __init__(
        self,
        ops: Ops,
        model: RecordsModel,
        name: str,
        note: str,
        read: Callable[[Vault], list[Any]],
        summary: Callable[[list[Any]], str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ops = ops
        self.model = model
        self._read = read
        self._summary = summary
        self.read_once = False
        self.table = record_table(name, self)
        self.table.setModel(model)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.activated.connect(lambda index: self._open(index.row()))
        self.status = StatusLabel(name, parent=self)
        self.status.setWordWrap(True)
        self.open_button = QPushButton("&Open chart", self)
        self.open_button.setAccessibleName("Open chart")
        self.open_button.setToolTip("Open the selected client's chart (Enter)")
        self.open_button.clicked.connect(lambda: self._open(self._selected()))
        self.refresh_button = QPushButton("&Refresh", self)
        self.refresh_button.setAccessibleName(f"Refresh {name.lower()}")
        self.refresh_button.clicked.connect(lambda: self.load())
        row = QHBoxLayout()
        row.addWidget(self.open_button)
        row.addWidget(self.refresh_button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(muted_label(note))
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addLayout(row)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self._update_buttons()

    def load(self) -> None:
        """Read the list again on a worker; the client selected before stays selected if still listed."""
        kept = self._client_at(self._selected())

        def show(rows: list[Any]) -> None:
            self.model.set_rows(rows)
            self.read_once = True
            self.status.setText(self._summary(rows))
            if rows:
                again = [n for n in range(len(rows)) if kept is not None and self._client_at(n) == kept]
                self.table.selectRow(again[0] if again else 0)
            self._update_buttons()

        self.status.setText("Reading…")
        self.ops.run(self._read, label="Reading the billing lists…", writes=False).success(show).start()

    def clear(self) -> None:
        self.model.set_rows([])
        self.status.clear()
        self.read_once = False
        self._update_buttons()

    def _selected(self) -> int:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else -1

    def _client_at(self, row: int) -> int | None:
        if not 0 <= row < self.model.rowCount():
            return None
        client_id = getattr(self.model.row(row), "client_id", None)
        return None if client_id is None else int(client_id)

    def _update_buttons(self) -> None:
        self.open_button.setEnabled(self._client_at(self._selected()) is not None)

    def _open(self, row: int) -> None:
        client_id = self._client_at(row)
        if client_id is not None:
            self.open_client.emit(client_id)


def _count(rows: Sequence[object], one: str, many: str) -> str:
    return f"{len(rows)} {one if len(rows) == 1 else many}"


def aging_panel(ops: Ops, parent: QWidget) -> ListPanel:
    def summary(rows: list[AgingLine]) -> str:
        if not rows:
            return "No client owes anything or holds credit."
        total = rows[-1].row
        return (f"{_count(rows[:-1], 'account', 'accounts')} open. Clients owe {fmt_money(sum(total.client_cents))}, "
                f"insurers {fmt_money(sum(total.insurance_cents))}; credit held {fmt_money(total.credit_cents)}; "
                f"the practice is owed {balance_text(total.net_cents)} in all.")  # fmt: skip

    return ListPanel(
        ops, AgingModel(parent), "Aging by client",
        "What each client's open charges still owe, by days since the date of service, split between the client's "
        "share and what insurance is still to pay (until an EOB is posted: all but the copay). The last row is the "
        "practice's total.",
        lambda vault: read_aging(vault, date.today()), summary, parent,
    )  # fmt: skip


def unpaid_panel(ops: Ops, parent: QWidget) -> ListPanel:
    def summary(rows: list[Named]) -> str:
        if not rows:
            return f"No claim has waited more than {UNPAID_AFTER_DAYS} days for its EOB."
        owed = sum(n.item.due_cents for n in rows if isinstance(n.item, UnpaidInsuranceLine))
        return f"{_count(rows, 'line', 'lines')} unpaid, {fmt_money(owed)} in all. Follow up with the payer."

    return ListPanel(
        ops, UnpaidModel(parent), "Unpaid claims",
        f"Service lines billed to insurance more than {UNPAID_AFTER_DAYS} days ago with no EOB posted, oldest first.",
        lambda vault: read_unpaid(vault, date.today()), summary, parent,
    )  # fmt: skip


def copays_panel(ops: Ops, parent: QWidget) -> ListPanel:
    def summary(rows: list[Named]) -> str:
        if not rows:
            return "Every copay due at the visit has been collected."
        due = sum(n.item.uncollected_cents for n in rows if isinstance(n.item, CopayDue))
        return f"{_count(rows, 'copay', 'copays')} not collected, {fmt_money(due)} in all."

    return ListPanel(
        ops, CopayModel(parent), "Uncollected copays",
        "Copays due at the visit that the client has not paid yet, by date of service.",
        read_copays, summary, parent,
    )  # fmt: skip
