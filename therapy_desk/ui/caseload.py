"""`CaseloadView`: every client in one keyboard-first table, with a name filter and a status filter.

Focus starts in the filter; typing narrows the list (debounced), Down or Enter moves into the table,
Enter or a double-click opens the chart (`open_client(id)`), Up on the first row goes back to the
filter. Ctrl+F finds, Ctrl+N adds a client, F5 refreshes.

The status filter starts on "Current" (active, waitlist and inquiry): the people a therapist is seeing
or about to see. Discharged and inactive clients are most of an old practice's list and are rarely what
one is looking for; when a name matches only them, the view says so and points to "All statuses".
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QHideEvent, QKeyEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from therapy_desk.domain.caseload import CaseloadRow
from therapy_desk.domain.clients import Client, ClientStatus
from therapy_desk.domain.text import noun, plural
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import registry
from therapy_desk.ui.csv_import_dialog import CsvImportDialog
from therapy_desk.ui.format import SELF_PAY, fmt_date, fmt_money, fmt_status, fmt_upcoming
from therapy_desk.ui.models.caseload_model import (
    COL_BALANCE,
    COL_DIAGNOSIS,
    COL_LAST_SEEN,
    COL_NAME,
    COL_NEXT,
    COL_PAYER,
    COL_REVIEW,
    COL_STATUS,
    COL_UNSIGNED,
    CaseloadModel,
)
from therapy_desk.ui.ops import Ops
from therapy_desk.ui.widgets.client_form import AddClientDialog
from therapy_desk.ui.widgets.status_label import StatusLabel

FILTER_DELAY_MS = 150
# Up to this many rows are read on the GUI thread for a sort (~70 ms); more go to a worker.
DIRECT_ROWS_LIMIT = 400

CURRENT = (ClientStatus.ACTIVE, ClientStatus.WAITLIST, ClientStatus.INQUIRY)
STATUS_CHOICES: tuple[tuple[str, tuple[ClientStatus, ...]], ...] = (
    ("Current (active, waitlist, inquiry)", CURRENT),
    ("All statuses", ()),
    ("Active", (ClientStatus.ACTIVE,)),
    ("Waitlist", (ClientStatus.WAITLIST,)),
    ("Inquiry", (ClientStatus.INQUIRY,)),
    ("Inactive", (ClientStatus.INACTIVE,)),
    ("Discharged", (ClientStatus.DISCHARGED,)),
)
# The columns that share what the short ones leave, by these weights; each elides, and its tooltip gives
# the whole text.
_TEXT_COLUMNS = {COL_NAME: 5, COL_DIAGNOSIS: 3, COL_PAYER: 2}  # the name matters most


def _widest_values() -> dict[int, tuple[str, ...]]:
    """For each short column, the widest texts it can show: it is sized so that none of them is cut."""
    dates = tuple(fmt_date(date(2088, month, 28)) for month in range(1, 13))
    return {
        COL_STATUS: tuple(fmt_status(status) for status in ClientStatus),
        COL_NEXT: tuple(fmt_upcoming(datetime(2088, m, 28, 12, 55), date(2088, m, 1)) for m in range(1, 13)),
        COL_LAST_SEEN: dates,
        COL_BALANCE: (fmt_money(-9_999_999),),
        COL_UNSIGNED: ("999",),
        COL_REVIEW: dates,
    }


def _shortcut_text(sequence: QKeySequence) -> str:
    return sequence.toString(QKeySequence.SequenceFormat.NativeText)


class CaseloadTable(QTableView):
    """The table: Enter opens the current row, Up from the top row returns to the filter."""

    open_requested = Signal()
    leave_up = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
            if self.currentIndex().isValid():
                self.open_requested.emit()
            return
        if event.key() == Qt.Key.Key_Up and not event.modifiers() and self.currentIndex().row() <= 0:
            self.leave_up.emit()
            return
        super().keyPressEvent(event)

    def fit_columns(self) -> None:
        """Size the columns from the font: each short column as wide as its widest value and its header,
        the name, diagnosis and payer sharing the rest, so the plan review column stays in sight with
        large text. Runs again when the font, the width or the sorted column changes."""
        header = self.horizontalHeader()
        if header.count() == 0:
            return  # no model yet
        metrics = self.fontMetrics()
        padding = 2 * (self.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self) + 1) + 4
        mark = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize, None, self) + 4
        used = 0
        for column, values in _widest_values().items():
            content = max(metrics.horizontalAdvance(text) for text in values) + padding
            if column == COL_REVIEW:
                content += mark  # the overdue icon
            width = max(content, self._header_width(column))
            header.resizeSection(column, width)
            used += width
        # The payer column at least shows "Self-pay", the most common value, whole.
        floors = {column: self._header_width(column) for column in _TEXT_COLUMNS}
        floors[COL_PAYER] = max(floors[COL_PAYER], metrics.horizontalAdvance(SELF_PAY) + padding)
        free = self.viewport().width() - used
        weights = sum(_TEXT_COLUMNS.values())
        widths = {column: max(floors[column], free * weight // weights) for column, weight in _TEXT_COLUMNS.items()}
        widths[COL_NAME] = max(floors[COL_NAME], free - widths[COL_DIAGNOSIS] - widths[COL_PAYER])  # the rounding
        for column, width in widths.items():
            header.resizeSection(column, width)
        self.verticalHeader().setDefaultSectionSize(metrics.height() + 10)

    def _header_width(self, column: int) -> int:
        """The width that shows the column's title whole (and the sort arrow, on the sorted column)."""
        header = self.horizontalHeader()
        if header.isSortIndicatorShown() and header.sortIndicatorSection() == column:
            return header.sectionSizeHint(column)
        margin = self.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
        title = str(self.model().headerData(column, Qt.Orientation.Horizontal))
        return header.fontMetrics().horizontalAdvance(title) + 2 * margin + 4

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self.fit_columns()

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.fit_columns()
        return super().viewportEvent(event)


@registry.view
class CaseloadView(QWidget):
    """The caseload. `open_client(client_id)` asks for the chart."""

    open_client = Signal(int)

    def __init__(self, vault: Vault, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Caseload")
        self._vault = vault
        self._ops = ops
        self._stale = False
        self._was_shown = False
        self._select_after_load: int | None = None
        self.add_dialog: AddClientDialog | None = None
        self.import_dialog: CsvImportDialog | None = None

        self.model = CaseloadModel(vault, self, rows_loader=self._load_rows)
        self._build()
        self._build_actions()
        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(FILTER_DELAY_MS)
        self._filter_timer.timeout.connect(self.apply_filter)
        self.filter_edit.textEdited.connect(lambda _text: self._filter_timer.start())
        self.status_combo.currentIndexChanged.connect(lambda _index: self.apply_filter())
        self.model.modelReset.connect(self._after_reset)
        self._top_after_sort = False
        self.table.horizontalHeader().sortIndicatorChanged.connect(self._header_sorted)
        self.model.sorting_changed.connect(self._sorting_changed)
        self.table.doubleClicked.connect(lambda _index: self.open_current())
        self.table.open_requested.connect(self.open_current)
        self.table.leave_up.connect(self.focus_filter)
        self.filter_edit.installEventFilter(self)
        self.apply_filter()

    # -- building ------------------------------------------------------------------------------

    def _build(self) -> None:
        self.filter_edit = QLineEdit(self)
        self.filter_edit.setAccessibleName("Filter clients by name")
        self.filter_edit.setClearButtonEnabled(True)
        find = _shortcut_text(QKeySequence(QKeySequence.StandardKey.Find)) or "Ctrl+F"
        self.filter_edit.setPlaceholderText(f"Filter by name ({find})")
        self.filter_edit.setToolTip(f"Type part of a name; Down moves into the list ({find})")

        self.status_combo = QComboBox(self)
        self.status_combo.setAccessibleName("Status filter")
        for label, statuses in STATUS_CHOICES:
            self.status_combo.addItem(label, statuses)
        status_label = QLabel("&Status:", self)
        status_label.setBuddy(self.status_combo)

        self.add_button = QPushButton("&Add client…", self)
        self.add_button.setAccessibleName("Add client")
        self.add_button.clicked.connect(self.add_client)
        self.import_button = QPushButton("&Import from CSV…", self)
        self.import_button.setAccessibleName("Import from CSV")
        self.import_button.setToolTip("Bring in a client list exported as CSV by another system")
        self.import_button.clicked.connect(self.import_csv)

        self.count_label = StatusLabel("Number of clients shown", parent=self)
        self.empty_label = QLabel(self)
        self.empty_label.setWordWrap(True)
        self.empty_label.setTextFormat(Qt.TextFormat.PlainText)
        self.empty_label.hide()

        self.table = CaseloadTable(self)
        self.table.setAccessibleName("Caseload")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setCornerButtonEnabled(False)
        vertical = self.table.verticalHeader()
        vertical.hide()
        # Fixed row heights: the view never measures 10,000 rows to lay them out.
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSortIndicator(COL_NAME, Qt.SortOrder.AscendingOrder)
        header.setSectionsMovable(False)
        self.table.setSortingEnabled(True)
        header.sortIndicatorChanged.connect(lambda _column, _order: self.table.fit_columns())
        self.table.fit_columns()

        bar = QHBoxLayout()
        bar.addWidget(self.filter_edit, 2)
        bar.addSpacing(8)
        bar.addWidget(status_label)
        bar.addWidget(self.status_combo)
        bar.addStretch(1)
        bar.addWidget(self.count_label)
        bar.addSpacing(8)
        bar.addWidget(self.add_button)
        bar.addWidget(self.import_button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.table, 1)
        self.setFocusProxy(self.filter_edit)

    def _build_actions(self) -> None:
        def action(text: str, keys: QKeySequence, slot: Callable[[], object]) -> QAction:
            act = QAction(text, self)
            act.setShortcut(keys)
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)  # only while the caseload is shown
            act.triggered.connect(lambda _checked=False: slot())
            self.addAction(act)
            return act

        self.find_action = action("&Find client", QKeySequence(QKeySequence.StandardKey.Find), self.focus_filter)
        self.add_action = action("&Add client…", QKeySequence(QKeySequence.StandardKey.New), self.add_client)
        self.refresh_action = action("&Refresh", QKeySequence(QKeySequence.StandardKey.Refresh), self.refresh)
        if self.refresh_action.shortcut().isEmpty():
            self.refresh_action.setShortcut(QKeySequence(Qt.Key.Key_F5))
        new = _shortcut_text(self.add_action.shortcut())
        self.add_button.setToolTip(f"Add a new client ({new})")
        self.table.setToolTip("Enter or double-click opens the chart")

    # -- filtering and loading -----------------------------------------------------------------

    def statuses(self) -> tuple[ClientStatus, ...]:
        return tuple(self.status_combo.currentData() or ())

    def apply_filter(self) -> None:
        """Re-query the ids for the filter text and status (the debounce timer ends here)."""
        self._filter_timer.stop()
        self._remember_selection()
        self.model.set_filter(self.filter_edit.text().strip(), self.statuses())

    def refresh(self) -> None:
        """Re-read the list (after changes elsewhere), keeping filter, sort and selection."""
        self._filter_timer.stop()
        self._remember_selection()
        self.model.refresh(self.filter_edit.text().strip(), self.statuses())
        self._stale = False

    def _remember_selection(self) -> None:
        if self._select_after_load is None:
            current = self.current_client_id()
            self._select_after_load = current

    def _load_rows(self, ids: list[int], done: Callable[[list[CaseloadRow] | None], None]) -> None:
        """Rows for a sort: a few hundred directly, more on a worker with its own connection."""
        if len(ids) <= DIRECT_ROWS_LIMIT:
            done(self._vault.caseload.rows(ids))
            return
        (
            self._ops.run(lambda worker: worker.caseload.rows(ids), label="Sorting the caseload…", writes=False)
            .success(done)
            .finished(lambda: done(None))
            .start()
        )

    def _after_reset(self) -> None:
        wanted, self._select_after_load = self._select_after_load, None
        row = self.model.row_of(wanted) if wanted is not None else None
        if row is None and self.model.rowCount() > 0:
            row = 0
        if row is not None:
            self._select_row(row)
        self._update_count()
        self._update_empty()

    def _header_sorted(self, _column: int, _order: Qt.SortOrder) -> None:
        """A new sort shows the top of the list (the selection is kept, off screen if need be)."""
        if self.model.is_sorting:
            self._top_after_sort = True  # when the rows arrive
        else:
            self.table.scrollToTop()

    def _sorting_changed(self, waiting: bool) -> None:
        self._update_count()
        if not waiting and self._top_after_sort:
            self._top_after_sort = False
            self.table.scrollToTop()

    def _select_row(self, row: int) -> None:
        index = self.model.index(row, COL_NAME)
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)

    def _update_count(self) -> None:
        count = self.model.rowCount()
        text = plural(count, "client")
        self.count_label.setText(f"{text} — sorting…" if self.model.is_sorting else text)

    def _update_empty(self) -> None:
        if self.model.rowCount() > 0:
            self.empty_label.hide()
            self.empty_label.clear()
            return
        text = self.model.filter_text
        label = self.status_combo.currentText()
        if not text and (not self.statuses() or not self._vault.clients.count()):
            message = (
                f"No clients yet. Add the first one with Add client ({_shortcut_text(self.add_action.shortcut())})."
            )
        elif not text:
            message = f"No clients with the status {label.lower()}."
        else:
            message = f"No clients match “{text}” in {label.lower()}."
            if self.statuses():
                elsewhere = len(self._vault.caseload.ids(text=text))
                if elsewhere:
                    who = f"{plural(elsewhere, 'client')} {noun(elsewhere, 'matches', 'match')}"  # 1 matches, 2 match
                    message += f" {who} with another status: choose All statuses (Alt+S)."
        self.empty_label.setText(message)
        self.empty_label.show()

    # -- keyboard and opening ------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.filter_edit and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key = event.key()
            if key in (Qt.Key.Key_Down, Qt.Key.Key_PageDown, Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if self._filter_timer.isActive():
                    self.apply_filter()
                self.focus_table()
                if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.model.rowCount() == 1:
                    self.open_current()
                return True
            if key == Qt.Key.Key_Escape and self.filter_edit.text():
                self.filter_edit.clear()
                self.apply_filter()
                return True
        return super().eventFilter(watched, event)

    def focus_filter(self) -> None:
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_edit.selectAll()

    def focus_table(self) -> None:
        if self.model.rowCount() == 0:
            return
        if not self.table.currentIndex().isValid():
            self._select_row(0)
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def current_client_id(self) -> int | None:
        index = self.table.currentIndex()
        if not index.isValid() or not 0 <= index.row() < self.model.rowCount():
            return None
        return self.model.client_id(index.row())

    def open_current(self) -> None:
        client_id = self.current_client_id()
        if client_id is not None:
            self.open_client.emit(client_id)

    def select_client(self, client_id: int) -> bool:
        """Make `client_id` the current row if it is shown."""
        row = self.model.row_of(client_id)
        if row is None:
            return False
        self._select_row(row)
        return True

    # -- adding --------------------------------------------------------------------------------

    def add_client(self) -> AddClientDialog:
        """Open the Add client dialog (or bring back the one already open)."""
        if self.add_dialog is not None:
            self.add_dialog.raise_()
            self.add_dialog.activateWindow()
            return self.add_dialog
        dialog = AddClientDialog(self._vault, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.client_added.connect(self._client_added)
        dialog.finished.connect(self._dialog_closed)
        self.add_dialog = dialog
        dialog.open()
        return dialog

    def import_csv(self) -> CsvImportDialog:
        """Open Import clients from CSV (or bring back the one already open); the list refreshes after an import."""
        if self.import_dialog is not None:
            self.import_dialog.raise_()
            self.import_dialog.activateWindow()
            return self.import_dialog
        dialog = CsvImportDialog(self._vault, self._ops, self)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.imported.connect(lambda _count: self.refresh())
        dialog.finished.connect(self._import_closed)
        self.import_dialog = dialog
        dialog.open()
        return dialog

    def _import_closed(self, _result: int) -> None:
        dialog, self.import_dialog = self.import_dialog, None
        if dialog is not None:
            dialog.deleteLater()
        if self.isVisible():
            self.table.setFocus()

    def _dialog_closed(self, _result: int) -> None:
        self.add_dialog = None
        if self.isVisible():
            self.table.setFocus()

    def _client_added(self, client: Client) -> None:
        """Show the new client selected: widen the filter if it would hide them."""
        assert client.id is not None
        statuses = self.statuses()
        if statuses and client.status not in statuses:
            self.status_combo.blockSignals(True)
            self.status_combo.setCurrentIndex(0 if client.status in CURRENT else 1)
            self.status_combo.blockSignals(False)
        if self.filter_edit.text():
            self.filter_edit.clear()
        self._select_after_load = client.id
        self.refresh()
        self.select_client(client.id)

    # -- showing and locking -------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._was_shown = True
        if self._stale:
            self.refresh()
        self.filter_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        if self._was_shown and not event.spontaneous():
            self._stale = True  # charts or other views may change what the list shows meanwhile

    def clear_for_lock(self) -> None:
        """Save (or drop) the Add client form, then empty the list and the filter, even if saving failed."""
        if self.import_dialog is not None:
            self.import_dialog.reject()
        dialog, self.add_dialog = self.add_dialog, None
        try:
            if dialog is not None:
                dialog.client_added.disconnect(self._client_added)
                dialog.save_or_discard()
        finally:
            if dialog is not None and dialog.isVisible():  # saving raised before the form was dropped
                dialog.discard()
            self._empty()

    def _empty(self) -> None:
        self._filter_timer.stop()
        self._select_after_load = None
        self.filter_edit.blockSignals(True)
        self.filter_edit.clear()
        self.filter_edit.blockSignals(False)
        self.model.clear()
        self.count_label.clear()
        self.empty_label.clear()
        self.empty_label.hide()
