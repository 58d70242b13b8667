"""`LedgerModel`: a client's account over the store's `LedgerRow`s, in date order, with the running balance.

A row that raises what the client owes (a charge, a refund, the reversal of an adjustment or write-off)
shows its amount under "Charges"; every other row (a payment, an adjustment, a write-off, the reversal of a
refund) under "Payments and credits". A voided row stays listed: struck through, greyed, and "voided" for
a screen reader; it does not move the balance. A row a later reversal undid stays as it was, its kind
saying "(reversed)".
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from therapy_desk.domain.billing import LedgerRow
from therapy_desk.ui import theme
from therapy_desk.ui.chart_common import muted_text
from therapy_desk.ui.format import fmt_date, fmt_money
from therapy_desk.ui.models import OBJECT_ROLE, SORT_ROLE
from therapy_desk.ui.models.rows_model import RowsModel

_Index = QModelIndex | QPersistentModelIndex

COL_DATE, COL_KIND, COL_CODE, COL_DESCRIPTION, COL_CHARGE, COL_CREDIT, COL_BALANCE = range(7)
MONEY_COLUMNS = (COL_CHARGE, COL_CREDIT, COL_BALANCE)
# Row kinds that add to what the client owes; every other kind takes from it (a reversal goes by what it did).
DEBIT_KINDS = frozenset({"charge", "refund"})
KIND_WORDS = {
    "charge": "Charge",
    "payment": "Payment",
    "adjustment": "Adjustment",
    "write-off": "Write-off",
    "refund": "Refund",
    "reversal": "Reversal",
}
# What a reversal row's code names: the kind of row it undid.
REVERSED_WORDS = {"contractual": "Adjustment", "write-off": "Write-off", "refund": "Refund"}


def is_debit(row: LedgerRow) -> bool:
    if row.change_cents:
        return row.change_cents > 0
    return str(row.kind) in DEBIT_KINDS


def kind_text(row: LedgerRow) -> str:
    """The Kind column: "Write-off", "Reversal of write-off", "Payment (void)", "Refund (reversed)"."""
    kind = str(row.kind)
    words = KIND_WORDS.get(kind, kind.capitalize())
    if kind == "reversal":
        undone = REVERSED_WORDS.get(row.code, "Write-off")  # a write-off's reversal carries its reason
        words = f"Reversal of {undone.lower()}"
    if row.voided:
        return f"{words} (void)"
    return f"{words} (reversed)" if row.reversed else words


def code_text(row: LedgerRow) -> str:
    """The code or method column: a service code, a payment or refund method, a write-off's reason."""
    kind = str(row.kind)
    if kind == "charge":
        return row.code
    if kind == "reversal":
        return ""
    if kind == "adjustment":
        return "CO" if row.code == "contractual" else row.code
    return method_label(row.code)


def method_label(method: str) -> str:
    """A payment method as the ledger shows it: Card, Cash, Check, EFT, Insurance."""
    return "EFT" if method == "eft" else method[:1].upper() + method[1:]


def balance_text(cents: int) -> str:
    """A running balance: what is owed, or the credit the client holds."""
    return f"{fmt_money(-cents)} credit" if cents < 0 else fmt_money(cents)


class LedgerModel(RowsModel[LedgerRow]):
    headers = ("Date", "Kind", "Code or method", "Description", "Charges", "Payments and credits", "Balance")

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == OBJECT_ROLE:
            return row
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(row, column)
        if role == SORT_ROLE:
            return self.sort_value(row, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in MONEY_COLUMNS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if row.reversed and not row.voided:
            if role == Qt.ItemDataRole.ForegroundRole:
                return theme.cell_color(theme.MUTED)
            if role == Qt.ItemDataRole.AccessibleTextRole:
                return muted_text(self.text(row, column), "reversed")
        if row.voided:
            if role == Qt.ItemDataRole.FontRole:
                font = QFont()
                font.setStrikeOut(True)
                return font
            if role == Qt.ItemDataRole.ForegroundRole:
                return theme.cell_color(theme.MUTED)
            if role == Qt.ItemDataRole.AccessibleTextRole:
                return muted_text(self.text(row, column), "voided")
        return None

    def text(self, row: LedgerRow, column: int) -> str:
        if column == COL_DATE:
            return fmt_date(row.on)
        if column == COL_KIND:
            return kind_text(row)
        if column == COL_CODE:
            return code_text(row)
        if column == COL_DESCRIPTION:
            return row.description
        if column == COL_CHARGE:
            return fmt_money(row.amount_cents) if is_debit(row) else ""
        if column == COL_CREDIT:
            return "" if is_debit(row) else fmt_money(row.amount_cents)
        return balance_text(row.running_balance_cents)

    def sort_value(self, row: LedgerRow, column: int) -> Any:
        if column == COL_DATE:
            return row.on
        if column == COL_CHARGE:
            return row.amount_cents if is_debit(row) else 0
        if column == COL_CREDIT:
            return 0 if is_debit(row) else row.amount_cents
        if column == COL_BALANCE:
            return row.running_balance_cents
        return self.text(row, column)

    def balance_cents(self) -> int:
        """The balance after the last row (negative: a credit)."""
        return self._rows[-1].running_balance_cents if self._rows else 0
