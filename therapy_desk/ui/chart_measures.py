"""The chart's Measures tab: give PHQ-9, GAD-7 and PCL-5, list the results, a score history per
instrument, and the two later writes to a result (an item-9 follow-up, "entered in error").

`open_measure_result(chart, result_id)` shows the tab with that result selected (Today's item-9 banner).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QFont, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from therapy_desk.domain.caseload import ChartSummary
from therapy_desk.domain.measures import Instrument, MeasureResult
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import registry, theme
from therapy_desk.ui.chart_common import ChartTab, muted_text
from therapy_desk.ui.format import fmt_date, fmt_datetime
from therapy_desk.ui.measure_dialog import MeasureDialog
from therapy_desk.ui.measure_followup import EnteredInErrorDialog, FollowUpDialog, result_title
from therapy_desk.ui.measure_history import ScoreHistory, history_text
from therapy_desk.ui.models import OBJECT_ROLE
from therapy_desk.ui.models.rows_model import RowsModel
from therapy_desk.ui.widgets.focus import record_table, set_tab_order
from therapy_desk.ui.widgets.status_label import StatusLabel

if TYPE_CHECKING:
    from therapy_desk.ui.chart import ChartWindow

COL_DATE, COL_INSTRUMENT, COL_SCORE, COL_BAND, COL_FORM, COL_FLAG, COL_FOLLOW_UP = range(7)
_HEADERS = ("Date", "Measure", "Score", "Band", "Form", "Flag", "Follow-up")

_Index = QModelIndex | QPersistentModelIndex
_D = TypeVar("_D", bound=QDialog)


def form_text(result: MeasureResult) -> str:
    return "Complete" if result.complete else f"Incomplete ({result.answered} of {len(result.answers)})"


def flag_text(result: MeasureResult) -> str:
    return f"Item 9: {result.answers[8]}" if result.needs_immediate_follow_up else ""


def follow_up_text(result: MeasureResult) -> str:
    if not result.needs_immediate_follow_up:
        return ""
    if result.followed_up_at is None:
        return "Not followed up" if result.in_error else "Needs follow-up"
    return f"Done {fmt_date(result.followed_up_at.astimezone().date())} by {result.followed_up_by}"


def details_text(result: MeasureResult) -> str:
    """Everything about one result in sentences (the line under the table)."""
    parts = [f"{result_title(result)}."]
    if not result.complete:
        parts.append(f"Incomplete: {result.answered} of {len(result.answers)} items answered.")
    if result.difficulty is not None:
        parts.append(f"Difficulty: {result.difficulty}.")
    if result.needs_immediate_follow_up:
        parts.append(f"Item 9 answered {result.answers[8]}.")
        if result.followed_up_at is not None:
            action = result.follow_up_action or "what was done was not recorded"
            when = fmt_datetime(result.followed_up_at.astimezone())
            parts.append(f"Followed up {when} by {result.followed_up_by}: {action}")
        elif not result.in_error:
            parts.append("Not yet followed up.")
    if result.in_error and result.entered_in_error_at is not None:
        when = fmt_date(result.entered_in_error_at.astimezone().date())
        parts.append(f"Entered in error ({when}): {result.entered_in_error_reason}")
    return " ".join(parts)


class MeasureModel(RowsModel[MeasureResult]):
    """A client's results, newest first; entered-in-error ones struck through and muted."""

    headers = _HEADERS

    def row_of(self, result_id: int | None) -> int:
        return next((r for r, m in enumerate(self._rows) if m.id == result_id), -1)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        result = self._rows[index.row()]
        col = index.column()
        if role == OBJECT_ROLE:
            return result
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(result, col)
        if role == Qt.ItemDataRole.FontRole and (result.in_error or (result.open_flag and col == COL_FLAG)):
            font = QFont()
            font.setStrikeOut(result.in_error)
            font.setBold(result.open_flag)
            return font
        if role == Qt.ItemDataRole.ForegroundRole:
            if result.in_error:
                return theme.cell_color(theme.MUTED)
            if result.open_flag and col in (COL_FLAG, COL_FOLLOW_UP):
                return theme.cell_color(theme.ERROR)
        if role == Qt.ItemDataRole.AccessibleTextRole and result.in_error:
            return muted_text(self._display(result, col), "entered in error")
        if role == Qt.ItemDataRole.ToolTipRole:
            return details_text(result)
        return None

    def _display(self, result: MeasureResult, col: int) -> str:
        if col == COL_DATE:
            return fmt_date(result.administered_on)
        if col == COL_INSTRUMENT:
            return str(result.instrument)
        if col == COL_SCORE:
            return f"{result.total}/{result.total_max}"
        if col == COL_BAND:
            return result.band
        if col == COL_FORM:
            return "Entered in error" if result.in_error else form_text(result)
        if col == COL_FLAG:
            return flag_text(result)
        if col == COL_FOLLOW_UP:
            return follow_up_text(result)
        return ""


@registry.view
class MeasuresTab(ChartTab):
    """Give a measure, read the results and their history, follow up a flag, mark a result in error."""

    changed = Signal()  # a result was recorded, followed up or marked: the chart's alerts may move

    def __init__(self, vault: Vault, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._vault = vault
        self._client_id: int | None = None
        self._stale = False  # a client is loaded whose results are not read yet
        self.dialog: QDialog | None = None  # the open dialog, if any (tests and the lock reach it here)

        self.give_buttons: dict[Instrument, QPushButton] = {}
        row = QHBoxLayout()
        for instrument, text in (
            (Instrument.PHQ9, "Give &PHQ-9…"),
            (Instrument.GAD7, "Give &GAD-7…"),
            (Instrument.PCL5, "Give PC&L-5…"),
        ):
            button = QPushButton(text, self)
            button.setAccessibleName(f"Give {instrument}")
            button.setToolTip(f"Give the {instrument}: type each item's digit")
            button.clicked.connect(lambda _checked=False, i=instrument: self.give(i))
            self.give_buttons[instrument] = button
            row.addWidget(button)
        row.addStretch(1)
        self.follow_up_button = QPushButton("Record &follow-up…", self)
        self.follow_up_button.setAccessibleName("Record follow-up")
        self.follow_up_button.setToolTip("Record what was done about the selected result's item-9 flag")
        self.follow_up_button.clicked.connect(self.record_follow_up)
        self.error_button = QPushButton("&Entered in error…", self)
        self.error_button.setAccessibleName("Entered in error")
        self.error_button.setToolTip("Mark the selected result entered in error, with the reason")
        self.error_button.clicked.connect(self.mark_in_error)
        row.addWidget(self.follow_up_button)
        row.addWidget(self.error_button)

        self.model = MeasureModel(self)
        self.table = record_table("Measure results", self)
        self.table.setModel(self.model)
        self.table.horizontalHeader().setSectionResizeMode(COL_FOLLOW_UP, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        caption = QLabel("&Results", self)
        caption.setBuddy(self.table)
        self.details = StatusLabel("Selected result", parent=self)
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.empty = QLabel("No measures given yet.", self)
        theme.set_role(self.empty, theme.MUTED)

        self.history_box = QGroupBox("Score history", self)
        grid = QGridLayout(self.history_box)
        self.charts: dict[Instrument, ScoreHistory] = {}
        self.history_labels: dict[Instrument, QLabel] = {}
        for line, instrument in enumerate(Instrument):
            chart = ScoreHistory(self.history_box)
            chart.setAccessibleName(f"{instrument} score history chart")
            words = QLabel(self.history_box)
            words.setWordWrap(True)
            words.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            grid.addWidget(chart, line, 0)
            grid.addWidget(words, line, 1)
            self.charts[instrument] = chart
            self.history_labels[instrument] = words
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 2)

        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(caption)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        layout.addWidget(self.details)
        layout.addWidget(self.history_box)
        set_tab_order(*self.give_buttons.values(), self.follow_up_button, self.error_button, self.table)
        self._update_buttons()

    # -- ChartTab --------------------------------------------------------------------------------

    def load(self, summary: ChartSummary) -> None:
        """Remember the client; the results are read when the tab is first shown (a chart read each time
        is audited, and opening a chart stays quick)."""
        self._client_id = summary.client.id
        self._stale = True
        if self.isVisible():
            self.reload()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.reload()

    def reload(self, select: int | None = None) -> None:
        """Read the client's results again; keep (or move to `select`) the selected result."""
        if self._client_id is None:
            return
        self._stale = False
        keep = select if select is not None else self.selected_id()
        results = self._vault.measures.for_client(self._client_id)
        self.model.set_rows(results)
        self.empty.setVisible(not results)
        self._show_history(results)
        row = self.model.row_of(keep) if keep is not None else -1
        if row < 0 and results:
            row = 0
        if row >= 0:
            self.table.selectRow(row)
        self._selection_changed()

    def _show_history(self, results: list[MeasureResult]) -> None:
        for instrument in Instrument:
            series = sorted(
                (r for r in results if r.instrument is instrument and not r.in_error),
                key=lambda r: (r.administered_on, r.id or 0),
            )
            self.charts[instrument].set_results(series)
            self.charts[instrument].setVisible(bool(series))
            self.history_labels[instrument].setText(history_text(series))
            self.history_labels[instrument].setVisible(bool(series))
        self.history_box.setVisible(any(not r.in_error for r in results))

    def clear(self) -> None:
        self._client_id = None
        self._stale = False
        self.dialog = None
        for dialog in self.findChildren(QDialog):  # open, or closed and not yet deleted: nothing is written
            dialog.hide()
            dialog.setParent(None)
            dialog.deleteLater()
        self.model.set_rows([])
        self.details.clear()
        for instrument in Instrument:
            self.charts[instrument].set_results([])
            self.history_labels[instrument].clear()
        self._update_buttons()

    # -- the selected result ---------------------------------------------------------------------

    def selected(self) -> MeasureResult | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row(rows[0].row()) if rows else None

    def selected_id(self) -> int | None:
        result = self.selected()
        return None if result is None else result.id

    def select(self, result_id: int) -> bool:
        """Select the result with this id; False when this client has no such result."""
        if self._stale:
            self.reload()
        row = self.model.row_of(result_id)
        if row < 0:
            return False
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))
        return True

    def _selection_changed(self) -> None:
        result = self.selected()
        self.details.setText(details_text(result) if result is not None else "")
        self._update_buttons()

    def _update_buttons(self) -> None:
        result = self.selected()
        loaded = self._client_id is not None
        for button in self.give_buttons.values():
            button.setEnabled(loaded)
        self.follow_up_button.setEnabled(result is not None and result.open_flag)
        self.error_button.setEnabled(result is not None and not result.in_error)

    # -- actions ---------------------------------------------------------------------------------

    def give(self, instrument: Instrument) -> MeasureDialog | None:
        """Open the measure dialog (window-modal); the tab shows the result once it is recorded."""
        if self._client_id is None:
            return None
        dialog = MeasureDialog(self._vault, self._client_id, instrument, self)
        return self._open(dialog, lambda: dialog.recorded)

    def record_follow_up(self) -> FollowUpDialog | None:
        result = self.selected()
        if result is None or not result.open_flag:
            return None
        dialog = FollowUpDialog(self._vault, result, self)
        return self._open(dialog, lambda: dialog.updated)

    def mark_in_error(self) -> EnteredInErrorDialog | None:
        result = self.selected()
        if result is None or result.in_error:
            return None
        dialog = EnteredInErrorDialog(self._vault, result, self)
        return self._open(dialog, lambda: dialog.updated)

    def _open(self, dialog: _D, outcome: Callable[[], MeasureResult | None]) -> _D:
        self.dialog = dialog

        def finished(code: int) -> None:
            if self.dialog is dialog:
                self.dialog = None
            dialog.deleteLater()
            written = outcome() if code == QDialog.DialogCode.Accepted else None
            if written is not None:
                self.reload(select=written.id)
                self.changed.emit()
            self.table.setFocus(Qt.FocusReason.OtherFocusReason)

        dialog.finished.connect(finished)
        dialog.open()
        return dialog


def open_measure_result(chart: ChartWindow, result_id: int, *, follow_up: bool = False) -> bool:
    """Show `chart`'s Measures tab with the result `result_id` selected (and, with `follow_up`, open
    "Record follow-up…" when its flag is open). False when the chart has no such result."""
    tab = chart.measures
    chart.show_tab(chart.tabs.indexOf(tab))
    if not tab.select(result_id):
        return False
    tab.table.setFocus(Qt.FocusReason.OtherFocusReason)
    selected = tab.selected()
    if follow_up and selected is not None and selected.open_flag:
        tab.record_follow_up()
    return True
