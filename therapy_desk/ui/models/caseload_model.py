"""`CaseloadModel`: the caseload list over `vault.caseload`, ids held, rows fetched a page at a time.

Opening the list costs one ids query and the page on screen, whatever the size of the practice. The
model exposes every id as a row at once (so the scroll bar is honest) and builds rows lazily when the
view first asks for one: the page around it (`PAGE_SIZE` rows) comes from `vault.caseload.rows` in one
call and is cached.

Sorting by name is the store's own order (case- and accent-folded), so it is free. Sorting by any other
column needs that column for every id: the missing rows are asked for in one bulk call through the
`rows_loader` the view supplies (which sends big batches to a worker), and the new order is applied
when they arrive. Clients without a value (no next appointment, no plan) stay at the bottom in both
directions; ties keep name order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QFont, QIcon
from PySide6.QtWidgets import QApplication, QStyle

from therapy_desk.domain.caseload import CaseloadRow, review_overdue
from therapy_desk.domain.clients import ClientStatus
from therapy_desk.storage.vault import Vault
from therapy_desk.ui.format import (
    fmt_date,
    fmt_datetime,
    fmt_money,
    fmt_payer,
    fmt_relative,
    fmt_status,
    fmt_upcoming,
)
from therapy_desk.ui.models import OBJECT_ROLE, SORT_ROLE

__all__ = [
    "COLUMN_COUNT",
    "COL_BALANCE",
    "COL_DIAGNOSIS",
    "COL_LAST_SEEN",
    "COL_NAME",
    "COL_NEXT",
    "COL_PAYER",
    "COL_REVIEW",
    "COL_STATUS",
    "COL_UNSIGNED",
    "HEADERS",
    "OBJECT_ROLE",
    "PAGE_SIZE",
    "SORT_ROLE",
    "CaseloadModel",
    "RowsLoader",
]

COL_NAME = 0
COL_STATUS = 1
COL_NEXT = 2
COL_LAST_SEEN = 3
COL_DIAGNOSIS = 4
COL_PAYER = 5
COL_BALANCE = 6
COL_UNSIGNED = 7
COL_REVIEW = 8
COLUMN_COUNT = 9

HEADERS = {
    COL_NAME: "Name",
    COL_STATUS: "Status",
    COL_NEXT: "Next appointment",
    COL_LAST_SEEN: "Last seen",
    COL_DIAGNOSIS: "Diagnosis",
    COL_PAYER: "Payer",
    COL_BALANCE: "Balance",
    COL_UNSIGNED: "Unsigned",
    COL_REVIEW: "Plan review due",
}

_HEADER_TIPS = {
    COL_DIAGNOSIS: "The principal diagnosis; sort by its code",
    COL_UNSIGNED: "Notes not yet signed; sort by their number",
    COL_REVIEW: "When the treatment plan is due for review; overdue ones are marked",
    COL_BALANCE: "What the client owes (negative: a credit); sort by amount",
}

# About a screen and a half of rows: the first paint of 10,000 clients needs only this page.
PAGE_SIZE = 100

# Status in the order a case moves through, so "sort by status" groups the working caseload first.
_STATUS_RANK = {
    ClientStatus.ACTIVE: 0,
    ClientStatus.WAITLIST: 1,
    ClientStatus.INQUIRY: 2,
    ClientStatus.INACTIVE: 3,
    ClientStatus.DISCHARGED: 4,
}
_ROOT = QModelIndex()  # the table's (invisible) root: the default parent for row and column counts
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter

# `loader(ids, done)`: fetch the caseload rows for `ids` and call `done(rows)` once (None if it failed).
RowsLoader = Callable[[list[int], Callable[[list[CaseloadRow] | None], None]], None]


def review_tooltip(due: date, today: date, status: ClientStatus = ClientStatus.ACTIVE) -> str:
    days = (today - due).days
    if status is not ClientStatus.ACTIVE:
        state = fmt_status(status).lower()
        return f"Treatment plan review date {fmt_date(due)}; no review is due while the client is {state}."
    if days > 0:
        return f"Treatment plan review overdue: it was due {fmt_date(due)} ({fmt_relative(due, today)})."
    if days == 0:
        return "Treatment plan review due today."
    return f"Treatment plan review due {fmt_date(due)} ({fmt_relative(due, today)})."


def sort_value(row: CaseloadRow, column: int) -> Any:
    """The raw value a column sorts by (None: no value, listed last)."""
    if column == COL_STATUS:
        return _STATUS_RANK[row.status]
    if column == COL_NEXT:
        return row.next_appointment
    if column == COL_LAST_SEEN:
        return row.last_seen
    if column == COL_DIAGNOSIS:
        return row.principal_code
    if column == COL_PAYER:
        return row.payer.casefold() if row.payer else None
    if column == COL_BALANCE:
        return row.balance_cents
    if column == COL_UNSIGNED:
        return row.unsigned_notes
    if column == COL_REVIEW:
        return row.plan_review_due
    return row.name


def display_text(row: CaseloadRow, column: int, today: date | None = None) -> str:
    if column == COL_NAME:
        return row.name
    if column == COL_STATUS:
        return fmt_status(row.status)
    if column == COL_NEXT:
        return fmt_upcoming(row.next_appointment, today or date.today())
    if column == COL_LAST_SEEN:
        return fmt_date(row.last_seen)
    if column == COL_DIAGNOSIS:
        return f"{row.principal_code} {row.principal_description or ''}".strip() if row.principal_code else ""
    if column == COL_PAYER:
        return fmt_payer(row.payer)
    if column == COL_BALANCE:
        return fmt_money(row.balance_cents) if row.balance_cents else ""
    if column == COL_UNSIGNED:
        return str(row.unsigned_notes) if row.unsigned_notes else ""
    if column == COL_REVIEW:
        return fmt_date(row.plan_review_due)
    return ""


class CaseloadModel(QAbstractTableModel):
    """The caseload table. `sorting_changed(True)` while a sort waits for its rows, False when applied."""

    sorting_changed = Signal(bool)

    def __init__(self, vault: Vault, parent: QObject | None = None, *, rows_loader: RowsLoader | None = None) -> None:
        super().__init__(parent)
        self._vault = vault
        self._rows_loader = rows_loader or self._load_directly
        self._by_name: list[int] = []  # the filtered ids in the store's name order
        self._name_rank: dict[int, int] = {}
        self._ids: list[int] = []  # the same ids in display order
        self._cache: dict[int, CaseloadRow] = {}
        self._gone: set[int] = set()  # ids the store no longer returns a row for
        self._text = ""
        self._statuses: tuple[ClientStatus, ...] = ()
        self._sort_column = COL_NAME
        self._sort_order = Qt.SortOrder.AscendingOrder
        self._epoch = 0  # bumped when cached rows become invalid (refresh, lock)
        self._in_flight = False  # one bulk read at a time; its answer serves whatever sort is current then
        self._waiting = False
        self._bold: QFont | None = None
        self._warning: QIcon | None = None

    # -- loading -------------------------------------------------------------------------------

    def set_filter(self, text: str = "", statuses: Sequence[ClientStatus] = ()) -> None:
        """Show the clients whose name contains `text` (accent- and case-insensitive) with these statuses."""
        self._text = text
        self._statuses = tuple(statuses)
        self._reload_ids()

    def refresh(self, text: str | None = None, statuses: Sequence[ClientStatus] | None = None) -> None:
        """Re-read ids and rows (after an edit elsewhere), with a new filter if given; the sort stays."""
        if text is not None:
            self._text = text
        if statuses is not None:
            self._statuses = tuple(statuses)
        self._epoch += 1
        self._cache.clear()
        self._gone.clear()
        self._reload_ids()

    def clear(self) -> None:
        """No rows, nothing cached, and any bulk answer still on its way is dropped (locking)."""
        self._epoch += 1
        self.beginResetModel()
        self._by_name, self._ids, self._name_rank = [], [], {}
        self._cache.clear()
        self._gone.clear()
        self._text, self._statuses = "", ()
        self.endResetModel()
        self._set_waiting(False)

    def _reload_ids(self) -> None:
        by_name = self._vault.caseload.ids(text=self._text, statuses=self._statuses)
        self._by_name = by_name
        self._name_rank = {cid: i for i, cid in enumerate(by_name)}
        order = self._sorted_ids() if not self._missing_for_sort() else None
        if order is None:
            # Until the rows for the sort arrive, keep the order the user last saw.
            previous = {cid: i for i, cid in enumerate(self._ids)}
            order = sorted(by_name, key=lambda cid: previous.get(cid, len(previous)))
        self.beginResetModel()
        self._ids = order
        self.endResetModel()
        self._request_missing()

    def _load_directly(self, ids: list[int], done: Callable[[list[CaseloadRow] | None], None]) -> None:
        done(self._vault.caseload.rows(ids))

    # -- reading -------------------------------------------------------------------------------

    @property
    def is_sorting(self) -> bool:
        """A sort is waiting for the rows it needs."""
        return self._waiting

    @property
    def filter_text(self) -> str:
        return self._text

    @property
    def statuses(self) -> tuple[ClientStatus, ...]:
        return self._statuses

    def client_ids(self) -> list[int]:
        """The ids shown, in display order."""
        return list(self._ids)

    def client_id(self, row: int) -> int:
        return self._ids[row]

    def row_of(self, client_id: int) -> int | None:
        try:
            return self._ids.index(client_id)
        except ValueError:
            return None

    def caseload_row(self, row: int) -> CaseloadRow | None:
        """The row's values, fetching its page if needed (None if the client vanished)."""
        client_id = self._ids[row]
        cached = self._cache.get(client_id)
        if cached is None and client_id not in self._gone:
            self._fetch_page(row)
            cached = self._cache.get(client_id)
        return cached

    def _fetch_page(self, row: int) -> None:
        start = row - row % PAGE_SIZE
        wanted = [cid for cid in self._ids[start : start + PAGE_SIZE] if cid not in self._cache]
        fetched = self._vault.caseload.rows(wanted)
        self._cache.update((r.client_id, r) for r in fetched)
        self._gone.update(cid for cid in wanted if cid not in self._cache)

    # -- Qt model interface --------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else COLUMN_COUNT

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < COLUMN_COUNT:
            if role == Qt.ItemDataRole.DisplayRole:
                return HEADERS[section]
            if role == Qt.ItemDataRole.ToolTipRole:
                return _HEADER_TIPS.get(section, f"Sort by {HEADERS[section].lower()}")
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        if role not in _ROLES:
            return None
        row = self.caseload_row(index.row())
        if row is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return display_text(row, column)
        if role == SORT_ROLE:
            if column == COL_NAME:
                return self._name_rank.get(row.client_id)
            return sort_value(row, column)
        if role == OBJECT_ROLE:
            return row
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (COL_BALANCE, COL_UNSIGNED):
            return _RIGHT
        if column == COL_REVIEW and row.plan_review_due is not None:
            return self._review_data(row, role)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        return None

    def _review_data(self, row: CaseloadRow, role: int) -> Any:
        assert row.plan_review_due is not None
        today = date.today()
        if role == Qt.ItemDataRole.ToolTipRole:
            return review_tooltip(row.plan_review_due, today, row.status)
        if not review_overdue(row.status, row.plan_review_due, today):
            return None
        if role == Qt.ItemDataRole.AccessibleTextRole:  # the icon and bold say it to the eye only
            return f"{fmt_date(row.plan_review_due)} — overdue"
        # Bold with the style's warning icon: an accent that reads in light and dark palettes alike.
        if role == Qt.ItemDataRole.FontRole:
            if self._bold is None:
                self._bold = QFont()
                self._bold.setBold(True)
            return self._bold
        if role == Qt.ItemDataRole.DecorationRole:
            if self._warning is None:
                self._warning = QApplication.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
            return self._warning
        return None

    @staticmethod
    def _tooltip(row: CaseloadRow, column: int) -> str | None:
        """The whole text of the columns that elide when narrow, or a sentence about the value."""
        if (
            column == COL_NAME
            or (column == COL_DIAGNOSIS and row.principal_code)
            or (column == COL_PAYER and row.payer)
        ):
            return display_text(row, column)
        if column == COL_NEXT and row.next_appointment is not None:
            return f"{fmt_datetime(row.next_appointment)} ({fmt_relative(row.next_appointment.date(), date.today())})"
        if column == COL_PAYER and row.payer is None:
            return "No insurance in force today: the client pays."
        if column == COL_BALANCE and row.balance_cents < 0:
            return f"Credit on account: {fmt_money(-row.balance_cents)}"
        return None

    # -- sorting -------------------------------------------------------------------------------

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Reorder by `column`; columns other than the name may wait for a bulk read (see `is_sorting`)."""
        if not 0 <= column < COLUMN_COUNT:
            column, order = COL_NAME, Qt.SortOrder.AscendingOrder
        self._sort_column, self._sort_order = column, order
        if self._missing_for_sort():
            self._request_missing()
        else:
            self._reorder(self._sorted_ids())
            self._set_waiting(self._in_flight and self._sort_column != COL_NAME)

    @property
    def sort_column(self) -> int:
        return self._sort_column

    @property
    def sort_order(self) -> Qt.SortOrder:
        return self._sort_order

    def _missing_for_sort(self) -> list[int]:
        if self._sort_column == COL_NAME:
            return []
        return [cid for cid in self._by_name if cid not in self._cache and cid not in self._gone]

    def _request_missing(self) -> None:
        missing = self._missing_for_sort()
        if not missing:
            self._set_waiting(False)
            return
        self._set_waiting(True)
        if self._in_flight:
            return  # the read under way settles the latest sort when it lands
        self._in_flight = True
        epoch = self._epoch
        answered = False

        def done(rows: list[CaseloadRow] | None) -> None:
            nonlocal answered
            if not answered:
                answered = True
                self._rows_arrived(epoch, missing, rows)

        self._rows_loader(missing, done)

    def _rows_arrived(self, epoch: int, asked: list[int], rows: list[CaseloadRow] | None) -> None:
        self._in_flight = False
        if rows is None:
            self._set_waiting(False)  # the failure was reported; the order stays as it was
            return
        if epoch == self._epoch:  # else refreshed or locked since: stale rows must not come back
            self._cache.update((r.client_id, r) for r in rows)
            self._gone.update(cid for cid in asked if cid not in self._cache)
        if self._missing_for_sort():
            self._request_missing()  # the filter or the data changed meanwhile
            return
        self._reorder(self._sorted_ids())
        self._set_waiting(False)

    def _sorted_ids(self) -> list[int]:
        descending = self._sort_order == Qt.SortOrder.DescendingOrder
        if self._sort_column == COL_NAME:
            return list(reversed(self._by_name)) if descending else list(self._by_name)
        keyed: list[tuple[Any, int]] = []
        blank: list[tuple[Any, int]] = []
        for cid in self._by_name:
            row = self._cache.get(cid)
            value = None if row is None else sort_value(row, self._sort_column)
            (blank if value is None else keyed).append((value, cid))
        # sorted() is stable with reverse=True too: equal values keep name order.
        keyed.sort(key=lambda pair: pair[0], reverse=descending)
        return [cid for _value, cid in keyed] + [cid for _value, cid in blank]

    def _reorder(self, new_ids: list[int]) -> None:
        if new_ids == self._ids:
            return
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        held = [(index, self._ids[index.row()]) for index in persistent if 0 <= index.row() < len(self._ids)]
        self._ids = new_ids
        position = {cid: i for i, cid in enumerate(new_ids)}
        old = [index for index, _cid in held]
        new = [self.index(position[cid], index.column()) if cid in position else QModelIndex() for index, cid in held]
        self.changePersistentIndexList(old, new)
        self.layoutChanged.emit()

    def _set_waiting(self, waiting: bool) -> None:
        if waiting != self._waiting:
            self._waiting = waiting
            self.sorting_changed.emit(waiting)


_ROLES = frozenset(
    {
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.AccessibleTextRole,
        Qt.ItemDataRole.TextAlignmentRole,
        Qt.ItemDataRole.FontRole,
        Qt.ItemDataRole.DecorationRole,
        SORT_ROLE,
        OBJECT_ROLE,
    }
)
