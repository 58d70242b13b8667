"""The chart's Sessions and notes tab: the client's appointments and notes, newest first, with the state of
each note (draft, signed, late entry, seal broken) and its addenda.

Enter or a double-click opens the row's note, or starts the note of an appointment that has none;
New note (Ctrl+N while the tab is shown) starts an unlinked one. The rows are read when the tab is first
shown, not when the chart opens, so the chart window keeps its budget. Before a lock or when the chart
closes, the note windows open for this client save their drafts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QAction, QKeySequence, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QHeaderView, QPushButton, QVBoxLayout, QWidget

from therapy_desk.domain.caseload import ChartSummary
from therapy_desk.domain.notes import SEAL_BROKEN, Note, overdue_at
from therapy_desk.domain.scheduling import Appointment
from therapy_desk.errors import ValidationError
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import registry, theme
from therapy_desk.ui.chart_common import ChartTab
from therapy_desk.ui.format import fmt_date, fmt_time
from therapy_desk.ui.models import OBJECT_ROLE
from therapy_desk.ui.models.rows_model import RowsModel
from therapy_desk.ui.note_editor import NoteEditor, new_note, open_editors, open_note, open_note_for_appointment
from therapy_desk.ui.ops import Ops
from therapy_desk.ui.widgets.focus import record_table
from therapy_desk.ui.widgets.status_label import StatusLabel, error_label

ROWS_READ = 100  # past appointments and notes each; older ones are in the notes list and exports
UPCOMING = 5  # the next appointments, listed above the past ones
_HEADERS = ("Date", "Time", "Session", "Appointment", "Note", "Addenda")
COL_DATE, COL_TIME, COL_SESSION, COL_APPOINTMENT, COL_NOTE, COL_ADDENDA = range(len(_HEADERS))

_Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class SessionRow:
    day: date | None
    start: time | None
    appointment: Appointment | None
    note: Note | None

    @property
    def session(self) -> str:
        if self.note is not None:
            kind = self.note.kind.value.capitalize()
            return f"{kind} ({self.appointment.service_code})" if self.appointment else kind
        return self.appointment.service_code if self.appointment else ""

    def note_state(self, now: datetime) -> str:
        note = self.note
        if note is None:
            return "No note"
        if not note.is_signed:
            return "Draft, overdue" if overdue_at(note, now) else "Draft"
        if not note.seal_intact:
            return SEAL_BROKEN
        return "Signed, late entry" if note.is_late_entry else "Signed"


def session_rows(appointments: list[Appointment], notes: list[Note], client_id: int) -> list[SessionRow]:
    """One row per note of an appointment (or the appointment alone), and one per note of no appointment
    listed, newest first."""
    by_appointment: dict[int, list[Note]] = {}
    for note in notes:
        if note.appointment_id is not None:
            by_appointment.setdefault(note.appointment_id, []).append(note)
    rows: list[SessionRow] = []
    shown: set[int] = set()
    for appointment in appointments:
        linked: list[Note | None] = [n for n in by_appointment.get(appointment.id or 0, []) if n.client_id == client_id]
        for linked_note in linked or [None]:
            rows.append(SessionRow(appointment.date_of_service, appointment.start.time(), appointment, linked_note))
            if linked_note is not None and linked_note.id is not None:
                shown.add(linked_note.id)
    rows += [SessionRow(n.date_of_service, n.start_time, None, n) for n in notes if n.id not in shown]
    rows.sort(key=lambda r: (r.day or date.min, r.start or time.min), reverse=True)
    return rows


class SessionsModel(RowsModel[SessionRow]):
    headers = _HEADERS

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._now = datetime.now()  # when the rows were read: "overdue" is judged against it

    def set_rows(self, rows: list[SessionRow]) -> None:
        self._now = datetime.now()
        super().set_rows(rows)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == OBJECT_ROLE:
            return row
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, index.column())
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == COL_NOTE:
            state = row.note_state(self._now)
            if state == SEAL_BROKEN:
                return theme.cell_color(theme.ERROR)
            if state in ("Draft, overdue", "Signed, late entry"):
                return theme.cell_color(theme.WARNING)
        return None

    def _display(self, row: SessionRow, column: int) -> str:
        if column == COL_DATE:
            return fmt_date(row.day, "No date")
        if column == COL_TIME:
            return "" if row.start is None else fmt_time(row.start)
        if column == COL_SESSION:
            return row.session
        if column == COL_APPOINTMENT:
            return row.appointment.status.label if row.appointment else "No appointment"
        if column == COL_NOTE:
            return row.note_state(self._now)
        if column == COL_ADDENDA:
            return str(len(row.note.addenda)) if row.note and row.note.addenda else ""
        return ""


@registry.view
class SessionsTab(ChartTab):
    """The client's sessions and notes; opens and starts notes."""

    def __init__(self, vault: Vault, parent: QWidget | None = None, *, ops: Ops | None = None) -> None:
        super().__init__(parent)
        self._vault = vault
        self._ops = ops  # note editors autosave on its workers
        self._client_id: int | None = None
        self._stale = False
        self.model = SessionsModel(self)
        self.table = record_table("Sessions and notes", self)
        self.table.setModel(self.model)
        self.table.horizontalHeader().setSectionResizeMode(COL_SESSION, QHeaderView.ResizeMode.Stretch)
        self.table.activated.connect(lambda index: self.open_row(index.row()))
        self.new_button = QPushButton("&New note", self)
        self.new_button.setAccessibleName("New note")
        self.new_button.setToolTip("Start a note not linked to an appointment (Ctrl+N)")
        self.new_button.clicked.connect(self.new_note)
        self.open_button = QPushButton("&Open note", self)
        self.open_button.setAccessibleName("Open note")
        self.open_button.setToolTip("Open the selected row's note, or start the note of its session (Enter)")
        self.open_button.clicked.connect(self._open_selected)
        new_action = QAction("New note", self)
        new_action.setShortcut(QKeySequence(QKeySequence.StandardKey.New))
        new_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        new_action.triggered.connect(self.new_note)
        self.addAction(new_action)
        self.empty = StatusLabel("Sessions and notes", "No sessions or notes yet.", self)
        self.error = error_label(self)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.new_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.error)
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        if parent is not None:
            parent.installEventFilter(self)  # the chart closing: open notes save their drafts first

    # -- the ChartTab contract -------------------------------------------------------------------

    def load(self, summary: ChartSummary) -> None:
        self._client_id = summary.client.id
        self._stale = True
        if self.isVisible():
            self.refresh()

    def clear(self) -> None:
        for editor in self.editors():
            editor.clear_for_lock()
        self._client_id = None
        self.model.set_rows([])
        self.error.hide()

    def save_for_lock(self) -> None:
        for editor in self.editors():
            editor.save()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Close:
            for editor in self.editors():
                editor.save()
        return super().eventFilter(watched, event)

    # -- rows ------------------------------------------------------------------------------------

    def refresh(self) -> None:
        self._stale = False
        if self._client_id is None:
            return
        tomorrow = datetime.combine(date.today(), time()) + timedelta(days=1)
        schedule = self._vault.schedule
        upcoming = schedule.for_client(self._client_id, after=tomorrow, limit=UPCOMING, newest_first=False)
        past = schedule.for_client(self._client_id, before=tomorrow, limit=ROWS_READ)
        notes = self._vault.notes.for_client(self._client_id, limit=ROWS_READ)
        self.model.set_rows(session_rows([*reversed(upcoming), *past], notes, self._client_id))
        self.empty.setVisible(self.model.rowCount() == 0)
        if self.model.rowCount() and not self.table.currentIndex().isValid():
            # The keyboard starts on today's (or the last) session, below the next few upcoming ones.
            first_past = next(
                (
                    row
                    for row in range(self.model.rowCount())
                    if (self.model.row(row).day or date.min) < tomorrow.date()
                ),
                0,
            )
            self.table.setCurrentIndex(self.model.index(first_past, 0))
            self.table.scrollTo(self.model.index(first_past, 0))

    def editors(self) -> list[NoteEditor]:
        return [e for e in open_editors() if e.client_id == self._client_id]

    def _open_selected(self) -> None:
        index = self.table.currentIndex()
        if index.isValid():
            self.open_row(index.row())

    def open_row(self, row: int) -> NoteEditor | None:
        line = self.model.row(row)
        window = self.window()
        try:
            if line.note is not None and line.note.id is not None:
                editor = open_note(self._vault, line.note.id, window, ops=self._ops)
            elif line.appointment is not None and line.appointment.id is not None:
                editor = open_note_for_appointment(
                    self._vault, line.appointment.id, window, client_id=self._client_id, ops=self._ops
                )
            else:
                return None
        except ValidationError as err:
            self.error.setText(str(err))
            self.error.show()
            return None
        self._watch(editor)
        return editor

    def new_note(self) -> NoteEditor | None:
        if self._client_id is None:
            return None
        editor = new_note(self._vault, self._client_id, self.window(), ops=self._ops)
        self._watch(editor)
        return editor

    def _watch(self, editor: NoteEditor) -> None:
        self.error.hide()
        self.refresh()
        editor.saved.connect(lambda _note: self.refresh())
