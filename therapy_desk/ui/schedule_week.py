"""The Schedule page's two views of the diary: a week of day columns cut into quarter hours, and one day's
agenda as a list. Both show each appointment's time, client, code and status, hold appointment ids (never
client data beyond what is shown), and pass keys they do not use to the page.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from therapy_desk.domain.scheduling import Appointment, AppointmentStatus
from therapy_desk.ui import theme
from therapy_desk.ui.format import fmt_time

SLOT_MINUTES = 15
DAY_START = time(7, 0)
DAY_END = time(21, 0)
IDS_ROLE = Qt.ItemDataRole.UserRole + 1

Namer = Callable[[Appointment], str]


def week_start(day: date) -> date:
    """The Monday of `day`'s week."""
    return day - timedelta(days=day.weekday())


def describe(appointment: Appointment, name: str) -> tuple[str, str, str, str]:
    """Time, who, service and status as the views show them."""
    when = f"{fmt_time(appointment.start)}–{fmt_time(appointment.end)}"
    service = appointment.service_code + (" · telehealth" if appointment.telehealth else "")
    return when, name, service, appointment.status_label


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


class WeekGrid(QTableWidget):
    """Seven day columns of quarter-hour rows; an appointment fills the rows it lasts. Appointments that
    overlap share one cell (listed one per line); the first is the one the keys act on.

    Drag an appointment onto another slot to move it (`move_requested`); double-click an empty slot to
    book there (`slot_activated`).
    """

    move_requested = Signal(int, datetime)
    slot_activated = Signal(datetime)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Week")
        self.setColumnCount(7)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.setWordWrap(False)  # a line too long for the column ends in "…" rather than pushing the next out
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setTabKeyNavigation(False)  # Tab leaves the week; arrows move in it
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setDropIndicatorShown(True)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.verticalHeader().setDefaultSectionSize(max(self.fontMetrics().height() + 4, 18))
        self.monday = week_start(date.today())
        self._first_minute = _minutes(DAY_START)
        self._dragged: int | None = None
        self.cellDoubleClicked.connect(self._double_clicked)

    # -- showing -------------------------------------------------------------------------------

    def show_week(
        self,
        monday: date,
        appointments: Sequence[Appointment],
        name: Namer,
        fetch_names: Callable[[list[Appointment]], None] | None = None,
    ) -> None:
        """Lay out the week starting `monday` (appointments of other days are ignored).

        A cell lists the appointments that fit in its height and says how many more it holds (all of them
        stay in it, for the keys and for finding one); `fetch_names`, when given, is called once with the
        appointments whose names are shown, before `name` is asked for any.
        """
        self.setUpdatesEnabled(False)  # one layout and one paint for the whole week, not one per cell
        try:
            self.clearSpans()
            self.clearContents()
            self.monday = monday
            days = [monday + timedelta(days=n) for n in range(7)]
            by_day: dict[date, list[Appointment]] = {day: [] for day in days}
            for appointment in appointments:
                on = by_day.get(appointment.date_of_service)
                if on is not None:
                    on.append(appointment)
            this_week = [a for day in days for a in by_day[day]]
            first = min([_minutes(DAY_START), *(_minutes(a.start.time()) for a in this_week)])
            last = max(
                [_minutes(DAY_END), *(min(24 * 60, _minutes(a.start.time()) + a.duration_minutes) for a in this_week)]
            )
            self._first_minute = first // 60 * 60
            rows = math.ceil((last - self._first_minute) / SLOT_MINUTES)
            self.setRowCount(rows)
            self.setHorizontalHeaderLabels([f"{d:%a} {d.month}/{d.day}" for d in days])
            self.setVerticalHeaderLabels([self._row_label(r) for r in range(rows)])
            cells = [
                (column, cluster, *self._cell_rows(cluster))
                for column, day in enumerate(days)
                for cluster in _clusters(by_day[day])
            ]
            if fetch_names is not None:
                fetch_names([a for _column, cluster, top, bottom in cells for a in self._shown(cluster, bottom - top)])
            for column, cluster, top, bottom in cells:
                self._place(column, cluster, top, bottom, name)
        finally:
            self.setUpdatesEnabled(True)

    def _cell_rows(self, cluster: list[Appointment]) -> tuple[int, int]:
        """The first row of a cluster's cell and the row after its last."""
        top = self._row_of(cluster[0].start.time())
        end = max(min(24 * 60, _minutes(a.start.time()) + a.duration_minutes) for a in cluster)
        bottom = max(top + 1, math.ceil((end - self._first_minute) / SLOT_MINUTES))
        return top, min(bottom, self.rowCount())

    def _shown(self, cluster: list[Appointment], rows: int) -> list[Appointment]:
        """The appointments a cell of `rows` rows lists, two lines each: all that fit, and when some do not,
        as many as leave a line for "+ N more" (at least one)."""
        lines = rows * self.verticalHeader().defaultSectionSize() // self.fontMetrics().lineSpacing()
        if 2 * len(cluster) <= lines:
            return cluster
        return cluster[: max(1, (lines - 1) // 2)]

    def _row_label(self, row: int) -> str:
        minute = self._first_minute + row * SLOT_MINUTES
        return fmt_time(time(minute // 60, 0)) if minute % 60 == 0 else ""

    def _row_of(self, moment: time) -> int:
        return (_minutes(moment) - self._first_minute) // SLOT_MINUTES

    def _place(self, column: int, cluster: list[Appointment], top: int, bottom: int, name: Namer) -> None:
        shown = self._shown(cluster, bottom - top)
        more = len(cluster) - len(shown)
        # The start and the name, then code and status; the cell's height shows how long it lasts.
        lines = [f"{fmt_time(a.start)} {name(a)}\n{a.service_code} · {a.status_label}" for a in shown]
        tips = [" · ".join(describe(a, name(a))) for a in shown]
        if more:
            lines.append(f"+ {more} more")
            tips.append(f"and {more} more (Day view lists them all)")
        item = QTableWidgetItem("\n".join(lines))
        item.setData(IDS_ROLE, [a.id for a in cluster])
        item.setToolTip("\n".join(tips))
        item.setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsDragEnabled)
        if all(a.status is AppointmentStatus.CANCELLED for a in cluster):
            item.setForeground(theme.cell_color(theme.MUTED))
        self.setItem(top, column, item)
        if bottom - top > 1:
            self.setSpan(top, column, bottom - top, 1)

    # -- reading -------------------------------------------------------------------------------

    def slot_start(self, row: int, column: int) -> datetime:
        minute = self._first_minute + row * SLOT_MINUTES
        return datetime.combine(self.monday + timedelta(days=column), time(minute // 60, minute % 60))

    def current_ids(self) -> list[int]:
        item = self.currentItem()
        ids = item.data(IDS_ROLE) if item is not None else None
        return [int(i) for i in ids] if ids else []

    def select_appointment(self, appointment_id: int) -> bool:
        for row in range(self.rowCount()):
            for column in range(self.columnCount()):
                item = self.item(row, column)
                if item is not None and appointment_id in (item.data(IDS_ROLE) or []):
                    self.setCurrentItem(item)
                    self.scrollToItem(item, QAbstractItemView.ScrollHint.PositionAtCenter)
                    return True
        return False

    def select_slot(self, moment: datetime) -> None:
        column = (moment.date() - self.monday).days
        row = max(0, min(self.rowCount() - 1, self._row_of(moment.time())))
        if 0 <= column < 7:
            self.setCurrentCell(row, column, QItemSelectionModel.SelectionFlag.ClearAndSelect)
            self.scrollTo(self.model().index(row, column), QAbstractItemView.ScrollHint.PositionAtCenter)

    def appointment_ids(self) -> list[int]:
        """Every appointment shown, top to bottom, Monday to Sunday."""
        found: list[int] = []
        for column in range(self.columnCount()):
            for row in range(self.rowCount()):
                item = self.item(row, column)
                if item is not None:
                    found += [int(i) for i in item.data(IDS_ROLE) or []]
        return found

    # -- mouse ---------------------------------------------------------------------------------

    def _double_clicked(self, row: int, column: int) -> None:
        if self.item(row, column) is None:
            self.slot_activated.emit(self.slot_start(row, column))

    def startDrag(self, supportedActions: Qt.DropAction) -> None:
        ids = self.current_ids()
        self._dragged = ids[0] if ids else None
        super().startDrag(supportedActions)
        self._dragged = None

    def dropEvent(self, event: QDropEvent) -> None:
        """Never let the table move the cell itself: ask the page to move the appointment."""
        index = self.indexAt(event.position().toPoint())
        dragged = self._dragged
        if dragged is None and event.source() is self:
            ids = self.current_ids()
            dragged = ids[0] if ids else None
        event.setDropAction(Qt.DropAction.IgnoreAction)
        event.accept()
        if index.isValid() and dragged is not None:
            self.move_requested.emit(dragged, self.slot_start(index.row(), index.column()))


def _clusters(appointments: Sequence[Appointment]) -> list[list[Appointment]]:
    """One day's appointments grouped so that overlapping ones (by the quarter hours they fill) share a cell."""
    groups: list[list[Appointment]] = []
    group_end: datetime | None = None
    for appointment in sorted(appointments, key=lambda a: (a.start, a.id or 0)):
        start = appointment.start.replace(minute=appointment.start.minute // SLOT_MINUTES * SLOT_MINUTES)
        if groups and group_end is not None and start < group_end:
            groups[-1].append(appointment)
            group_end = max(group_end, appointment.end)
        else:
            groups.append([appointment])
            group_end = appointment.end
    return groups


class DayAgenda(QTreeWidget):
    """One day's appointments as a list: time, client, service, status."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Day")
        self.setColumnCount(4)
        self.setHeaderLabels(["Time", "Client", "Service", "Status"])
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setAlternatingRowColors(True)
        self.setAllColumnsShowFocus(True)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.header().setStretchLastSection(True)

    def show_day(self, appointments: Sequence[Appointment], name: Namer) -> None:
        self.clear()
        for appointment in appointments:
            item = QTreeWidgetItem(list(describe(appointment, name(appointment))))
            item.setData(0, IDS_ROLE, appointment.id)
            if appointment.status is AppointmentStatus.CANCELLED:
                for column in range(4):
                    item.setForeground(column, theme.cell_color(theme.MUTED))
            self.addTopLevelItem(item)
        for column in range(3):
            self.resizeColumnToContents(column)
        first = self.topLevelItem(0)
        if first is not None:
            self.setCurrentItem(first, 0, QItemSelectionModel.SelectionFlag.NoUpdate)

    def current_ids(self) -> list[int]:
        item = self.currentItem()
        value = item.data(0, IDS_ROLE) if item is not None else None
        return [int(value)] if value is not None else []

    def select_appointment(self, appointment_id: int) -> bool:
        for index in range(self.topLevelItemCount()):
            item = self.topLevelItem(index)
            if item is not None and item.data(0, IDS_ROLE) == appointment_id:
                self.setCurrentItem(item)
                return True
        return False

    def lines_shown(self) -> list[tuple[str, ...]]:
        items = (self.topLevelItem(i) for i in range(self.topLevelItemCount()))
        return [tuple(item.text(c) for c in range(4)) for item in items if item is not None]
