"""Table models for the Billing page: the service catalogue, payers and clients' balances."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from therapy_desk.domain.billing import Payer
from therapy_desk.domain.codes import ServiceCode
from therapy_desk.ui import theme
from therapy_desk.ui.chart_common import muted_text
from therapy_desk.ui.format import fmt_money
from therapy_desk.ui.models import OBJECT_ROLE, SORT_ROLE
from therapy_desk.ui.models.ledger_model import balance_text
from therapy_desk.ui.models.rows_model import RowsModel

_Index = QModelIndex | QPersistentModelIndex
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

SERVICE_COL_CODE, SERVICE_COL_DESCRIPTION, SERVICE_COL_MINUTES, SERVICE_COL_FEE, SERVICE_COL_STATUS = range(5)
PAYER_COL_NAME, PAYER_COL_KIND, PAYER_COL_ID, PAYER_COL_ADDRESS, PAYER_COL_PHONE, PAYER_COL_STATUS = range(6)
BALANCE_COL_NAME, BALANCE_COL_CHARGED, BALANCE_COL_PAID, BALANCE_COL_CREDIT, BALANCE_COL_NET = range(5)

PAYER_KIND_LABELS = {"commercial": "Commercial", "medicaid": "Medicaid", "medicare": "Medicare", "eap": "EAP"}


def payer_kind_label(kind: str) -> str:
    return PAYER_KIND_LABELS.get(str(kind), str(kind).capitalize())


@dataclass(frozen=True)
class BalanceRow:
    """One client's account, practice-wide: what was charged, paid on the charges, credit held, and net."""

    client_id: int
    name: str
    charged_cents: int
    paid_cents: int
    credit_cents: int

    @property
    def net_cents(self) -> int:
        return self.charged_cents - self.paid_cents - self.credit_cents


class RecordsModel(RowsModel[Any]):
    """Rows of records: text by column, money right-aligned, inactive records greyed and said to be so."""

    money_columns: tuple[int, ...] = ()
    text: Callable[[Any, int], str]  # each model defines it: what `column` shows for an item

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        item = self._rows[index.row()]
        if role == OBJECT_ROLE:
            return item
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(item, index.column())
        if role == SORT_ROLE:
            return self.sort_value(item, index.column())
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in self.money_columns:
            return _RIGHT
        if self.is_muted(item):
            if role == Qt.ItemDataRole.ForegroundRole:
                return theme.cell_color(theme.MUTED)
            if role == Qt.ItemDataRole.AccessibleTextRole:
                return muted_text(self.text(item, index.column()), self.muted_because(item))
        return None

    def is_muted(self, item: Any) -> bool:
        return not getattr(item, "active", True)

    def muted_because(self, item: Any) -> str:
        return "inactive"

    def sort_value(self, item: Any, column: int) -> Any:
        return self.text(item, column)

    def row_where(self, **match: object) -> int:
        """The row whose item has these attribute values, or -1."""
        return next(
            (n for n, item in enumerate(self._rows) if all(getattr(item, k) == v for k, v in match.items())), -1
        )


class ServiceModel(RecordsModel):
    headers = ("Code", "Description", "Minutes", "Fee", "Status")
    money_columns = (SERVICE_COL_FEE,)

    def text(self, item: ServiceCode, column: int) -> str:
        if column == SERVICE_COL_CODE:
            return item.code
        if column == SERVICE_COL_DESCRIPTION:
            return item.description + (" (add-on)" if item.is_addon else "")
        if column == SERVICE_COL_MINUTES:
            return "" if item.default_minutes is None else str(item.default_minutes)
        if column == SERVICE_COL_FEE:
            return fmt_money(item.default_fee_cents)
        return "Active" if item.active else "Inactive"

    def sort_value(self, item: ServiceCode, column: int) -> Any:
        if column == SERVICE_COL_FEE:
            return item.default_fee_cents
        if column == SERVICE_COL_MINUTES:
            return item.default_minutes or 0
        return self.text(item, column)


class PayerModel(RecordsModel):
    headers = ("Name", "Kind", "Payer ID", "Address", "Phone", "Status")

    def text(self, item: Payer, column: int) -> str:
        if column == PAYER_COL_NAME:
            return item.name
        if column == PAYER_COL_KIND:
            return payer_kind_label(item.kind)
        if column == PAYER_COL_ID:
            return item.electronic_id
        if column == PAYER_COL_ADDRESS:
            town = " ".join(p for p in (item.state, item.zip) if p)
            return ", ".join(p for p in (item.street, item.city, town) if p)
        if column == PAYER_COL_PHONE:
            return item.phone
        return "Active" if item.active else "Inactive"


class BalanceModel(RecordsModel):
    headers = ("Client", "Charged", "Paid on charges", "Unapplied credit", "Balance")
    money_columns = (BALANCE_COL_CHARGED, BALANCE_COL_PAID, BALANCE_COL_CREDIT, BALANCE_COL_NET)

    def text(self, item: BalanceRow, column: int) -> str:
        if column == BALANCE_COL_NAME:
            return item.name
        if column == BALANCE_COL_NET:
            return balance_text(item.net_cents)
        cents = (item.charged_cents, item.paid_cents, item.credit_cents)[column - 1]
        return fmt_money(cents)

    def sort_value(self, item: BalanceRow, column: int) -> Any:
        if column == BALANCE_COL_NAME:
            return item.name.casefold()
        return (item.charged_cents, item.paid_cents, item.credit_cents, item.net_cents)[column - 1]

    def total_net_cents(self) -> int:
        return sum(r.net_cents for r in self._rows)
