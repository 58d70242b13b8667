"""`ScheduleView`: the Schedule page — the week or one day, in the practice's time zone.

Loading a week is one `vault.schedule.range` read and one names read (`vault.clients.by_ids`) of the
appointments the cells have room to show, both on the GUI thread: a full week is a few dozen rows.
Everything acts on the selected appointment by keyboard as well as by mouse:

- PageUp / PageDown (or Alt+Left / Alt+Right): the previous / next week or day; T: today; F5: read again;
- Enter: start the note (`start_note_requested`); F2: edit; Insert: book;
- A attended, N no-show, L late cancellation, C cancelled by the client, Shift+C by the clinician, S back to
  scheduled (also in the context menu);
- Ctrl+Up / Ctrl+Down: 15 minutes earlier / later; Ctrl+Left / Ctrl+Right: a day earlier / later;
  or drag the appointment to another slot of the week.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QHideEvent, QKeyEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from therapy_desk.domain.scheduling import (
    Appointment,
    AppointmentStatus,
    CancelledBy,
    SeriesScope,
    wall_time_problem,
    wall_time_sentence,
)
from therapy_desk.errors import ValidationError
from therapy_desk.storage.practice_zone import practice_zone_name
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import registry, theme
from therapy_desk.ui.estimate_offer import offer_estimate
from therapy_desk.ui.format import fmt_date, fmt_time
from therapy_desk.ui.ops import Ops
from therapy_desk.ui.schedule_dialogs import AppointmentDialog, ask_series_scope, client_names
from therapy_desk.ui.schedule_export import ExportIcsDialog
from therapy_desk.ui.schedule_week import SLOT_MINUTES, DayAgenda, WeekGrid, week_start
from therapy_desk.ui.widgets.focus import set_tab_order
from therapy_desk.ui.widgets.status_label import StatusLabel, error_label

WEEK, DAY = 0, 1
_STATUS_KEYS = {
    Qt.Key.Key_A: AppointmentStatus.ATTENDED,
    Qt.Key.Key_N: AppointmentStatus.NO_SHOW,
    Qt.Key.Key_L: AppointmentStatus.LATE_CANCEL,
    Qt.Key.Key_C: AppointmentStatus.CANCELLED,
    Qt.Key.Key_S: AppointmentStatus.SCHEDULED,
}
_STATUS_WORDS = {
    AppointmentStatus.ATTENDED: "Mark &attended",
    AppointmentStatus.NO_SHOW: "Mark &no-show",
    AppointmentStatus.LATE_CANCEL: "Mark &late cancellation",
    AppointmentStatus.CANCELLED: "Mark &cancelled by client…",
    AppointmentStatus.SCHEDULED: "Back to &scheduled",
}
_MOVES = {
    Qt.Key.Key_Up: timedelta(minutes=-SLOT_MINUTES),
    Qt.Key.Key_Down: timedelta(minutes=SLOT_MINUTES),
    Qt.Key.Key_Left: timedelta(days=-1),
    Qt.Key.Key_Right: timedelta(days=1),
}


@registry.view
class ScheduleView(QWidget):
    """The Schedule page. `open_client(id)` asks for a chart; `start_note_requested(appointment id)` for a note."""

    open_client = Signal(int)
    start_note_requested = Signal(int)

    def __init__(self, vault: Vault, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Schedule")
        self._vault = vault
        self._ops = ops
        self.zone_name = practice_zone_name(vault.practice)
        self.day = date.today()
        self.appointments: dict[int, Appointment] = {}
        self._names: dict[int, str] = {}
        self._unit_names: dict[int, str] = {}
        self._stale = True
        self._mode = WEEK
        self.dialog: QWidget | None = None  # the book/edit or export dialog open now
        self.estimate_dialog: QWidget | None = None  # the Good Faith Estimate offered after a booking
        self.ask_scope: Callable[[str], SeriesScope | None] = lambda action: ask_series_scope(self, action)

        self.heading = QLabel(self)
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.heading.setFont(font)
        self.zone_label = QLabel(f"Times in {self.zone_name}", self)
        theme.set_role(self.zone_label, theme.MUTED)
        self.previous_button = QPushButton("&Previous", self)
        self.previous_button.setToolTip("The previous week or day (Page Up)")
        self.today_button = QPushButton("T&oday", self)
        self.today_button.setToolTip("Back to today (T)")
        self.next_button = QPushButton("&Next", self)
        self.next_button.setToolTip("The next week or day (Page Down)")
        self.week_button = QPushButton("&Week", self)
        self.day_button = QPushButton("&Day", self)
        for toggle in (self.week_button, self.day_button):
            toggle.setCheckable(True)
        self.week_button.setToolTip("Seven days side by side")
        self.day_button.setToolTip("One day as a list")
        self.week_button.setChecked(True)
        self.book_button = QPushButton("&Book…", self)
        self.book_button.setToolTip("Book an appointment (Insert)")
        self.edit_button = QPushButton("&Edit…", self)
        self.edit_button.setToolTip("Edit the selected appointment (F2)")
        self.export_button = QPushButton("E&xport .ics…", self)
        self.export_button.setToolTip("Write a date range to a calendar file")
        self.message = StatusLabel("Message", parent=self)
        self.message.setWordWrap(True)
        self.error = error_label(self)

        self.week = WeekGrid(self)
        self.agenda = DayAgenda(self)
        self.views = QStackedWidget(self)
        self.views.addWidget(self.week)
        self.views.addWidget(self.agenda)
        for view in (self.week, self.agenda):
            view.installEventFilter(self)
            view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            view.customContextMenuRequested.connect(self._context_menu)
        self.week.move_requested.connect(self.move_to)
        self.week.slot_activated.connect(lambda start: self.book(start=start))
        self.week.itemDoubleClicked.connect(lambda _item: self.edit())
        self.agenda.itemDoubleClicked.connect(lambda _item, _column: self.edit())

        self.previous_button.clicked.connect(lambda: self.step(-1))
        self.next_button.clicked.connect(lambda: self.step(1))
        self.today_button.clicked.connect(self.go_today)
        # Not a QButtonGroup: Tab would then stop only at the checked button.
        self.week_button.clicked.connect(lambda: self.set_mode(WEEK))
        self.day_button.clicked.connect(lambda: self.set_mode(DAY))
        self.book_button.clicked.connect(lambda: self.book())
        self.edit_button.clicked.connect(self.edit)
        self.export_button.clicked.connect(self.export)
        refresh = QAction("Refresh", self)
        refresh.setShortcut(QKeySequence(Qt.Key.Key_F5))
        refresh.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        refresh.triggered.connect(lambda _checked=False: self.load())
        self.addAction(refresh)

        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.zone_label)
        bar = QHBoxLayout()
        for widget in (self.previous_button, self.today_button, self.next_button):
            bar.addWidget(widget)
        bar.addSpacing(18)
        bar.addWidget(self.week_button)
        bar.addWidget(self.day_button)
        bar.addStretch(1)
        for widget in (self.book_button, self.edit_button, self.export_button):
            bar.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(bar)
        layout.addWidget(self.error)
        layout.addWidget(self.message)
        layout.addWidget(self.views, 1)
        set_tab_order(
            self.previous_button,
            self.today_button,
            self.next_button,
            self.week_button,
            self.day_button,
            self.book_button,
            self.edit_button,
            self.export_button,
            self.week,
            self.agenda,
        )

    # -- what is shown -------------------------------------------------------------------------

    @property
    def mode(self) -> int:
        return self._mode

    def set_mode(self, mode: int) -> None:
        """Show the week or the day list (the pressed button stays down)."""
        changed = mode != self._mode
        self._mode = mode
        self.day_button.setChecked(mode == DAY)
        self.week_button.setChecked(mode != DAY)
        if changed or self._stale:
            self.load()

    def shown_range(self) -> tuple[date, date]:
        if self.mode == DAY:
            return self.day, self.day
        monday = week_start(self.day)
        return monday, monday + timedelta(days=6)

    def load(self, select: int | None = None) -> None:
        """Read the week (or day) shown: one range read, then the names of the appointments it shows."""
        keep = select if select is not None else self.selected_id()
        first, last = self.shown_range()
        appointments = self._vault.schedule.range(first, last)
        self.appointments = {a.id: a for a in appointments if a.id is not None}
        self._names = {}
        if self.mode == DAY:
            self.fetch_names(appointments)
            self.heading.setText(f"{self.day:%A}, {fmt_date(self.day)}")
            self.agenda.show_day(appointments, self.name_of)
            self.views.setCurrentWidget(self.agenda)
        else:
            self.heading.setText(f"Week of {fmt_date(first)} to {fmt_date(last)}")
            # a full week's cells show only the appointments that fit: only their names are read
            self.week.show_week(first, appointments, self.name_of, self.fetch_names)
            self.views.setCurrentWidget(self.week)
            if keep is None or not self.week.select_appointment(keep):
                self.week.select_slot(datetime.combine(self.day, datetime.now().time()))
        if self.mode == DAY and keep is not None:
            self.agenda.select_appointment(keep)
        (self.agenda if self.mode == DAY else self.week).setAccessibleName(self.heading.text())
        self._stale = False

    def fetch_names(self, appointments: list[Appointment]) -> None:
        """Read the names of these appointments' clients and units not read yet: one read for the clients."""
        clients = {a.client_id for a in appointments if a.client_id is not None} - self._names.keys()
        if clients:
            self._names.update(client_names(self._vault, sorted(clients)))
        for unit_id in {a.unit_id for a in appointments if a.unit_id is not None} - self._unit_names.keys():
            try:
                self._unit_names[unit_id] = self._vault.clients.unit(unit_id).name
            except ValidationError:
                self._unit_names[unit_id] = "Unknown group"

    def name_of(self, appointment: Appointment) -> str:
        unread_client = appointment.client_id is not None and appointment.client_id not in self._names
        unread_unit = appointment.unit_id is not None and appointment.unit_id not in self._unit_names
        if unread_client or unread_unit:
            self.fetch_names([appointment])
        if appointment.client_id is not None:
            return self._names.get(appointment.client_id, "Unknown client")
        return self._unit_names.get(appointment.unit_id or 0, "Unknown group")

    def selected_id(self) -> int | None:
        view = self.agenda if self.mode == DAY else self.week
        ids = view.current_ids()
        return ids[0] if ids else None

    def step(self, direction: int) -> None:
        self.day += timedelta(days=direction * (1 if self.mode == DAY else 7))
        self.load()

    def go_today(self) -> None:
        self.day = date.today()
        self.load()

    def show_day(self, day: date) -> None:
        self.day = day
        self.load()

    # -- acting on an appointment --------------------------------------------------------------

    def _say(self, text: str = "", *, error: str = "") -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))
        self.error.setText(error)
        self.error.setVisible(bool(error))

    def _set_status(
        self, appointment_id: int, status: AppointmentStatus, cancelled_by: CancelledBy | None = None
    ) -> None:
        """Every status change of one appointment goes through here (`vault.sessions`: a missed session may
        charge its fee, and the sentence says so)."""
        try:
            change = self._vault.sessions.set_status(appointment_id, status, cancelled_by=cancelled_by)
        except ValidationError as err:
            self._say(error=str(err))
            return
        changed = change.appointment
        said = f"{self.name_of(changed)}, {fmt_time(changed.start)}: {changed.status_label.lower()}. {change.sentence}"
        self._say(said.strip())
        self.load(select=appointment_id)
        if status is AppointmentStatus.ATTENDED:
            self.start_note_requested.emit(appointment_id)  # marking attended opens the session's note

    def change_status(
        self, appointment_id: int, status: AppointmentStatus, cancelled_by: CancelledBy | None = None
    ) -> None:
        """A status key or menu entry: cancelling an occurrence of a series asks which ones first."""
        appointment = self.appointments.get(appointment_id)
        if status is AppointmentStatus.CANCELLED and appointment is not None and appointment.series_id is not None:
            scope = self.ask_scope("cancel")
            if scope is None:
                return
            if scope is not SeriesScope.THIS:
                try:
                    count = self._vault.schedule.cancel_occurrence(appointment_id, scope)
                except ValidationError as err:
                    self._say(error=str(err))
                    return
                self._say(f"{count} appointment{'s' if count != 1 else ''} of the series cancelled.")
                self.load(select=appointment_id)
                return
        self._set_status(appointment_id, status, cancelled_by)

    def move_to(self, appointment_id: int, new_start: datetime) -> None:
        """Move one appointment (a series occurrence becomes an exception); refused with a sentence."""
        problem = wall_time_problem(new_start, self.zone_name)
        if problem == "nonexistent":
            self._say(error=wall_time_sentence(new_start, self.zone_name) or "")
            return
        try:
            moved = self._vault.schedule.reschedule(appointment_id, new_start)
            overlaps = self._vault.schedule.conflicts(moved.start, moved.duration_minutes, exclude_id=appointment_id)
        except ValidationError as err:
            self._say(error=str(err))
            return
        note = f" It overlaps {len(overlaps)} other appointment{'s' if len(overlaps) > 1 else ''}." if overlaps else ""
        if problem == "ambiguous":
            note += " " + (wall_time_sentence(new_start, self.zone_name) or "")
        self._say(f"Moved to {fmt_date(moved.date_of_service)}, {fmt_time(moved.start)}.{note}")
        if not self.shown_range()[0] <= moved.date_of_service <= self.shown_range()[1]:
            self.day = moved.date_of_service
        self.load(select=appointment_id)

    def nudge(self, appointment_id: int, by: timedelta) -> None:
        appointment = self.appointments.get(appointment_id)
        if appointment is not None:
            self.move_to(appointment_id, appointment.start + by)

    def start_note(self) -> None:
        selected = self.selected_id()
        if selected is not None:
            self.start_note_requested.emit(selected)

    def book(self, *, start: datetime | None = None) -> AppointmentDialog:
        """Open the book dialog (at `start`, or the selected empty slot, or the next quarter hour)."""
        if start is None and self.mode == WEEK and self.selected_id() is None and self.week.currentIndex().isValid():
            index = self.week.currentIndex()
            start = self.week.slot_start(index.row(), index.column())
        dialog = AppointmentDialog(self._vault, self.zone_name, start=start, parent=self)
        return self._open(dialog)

    def edit(self) -> AppointmentDialog | None:
        selected = self.selected_id()
        if selected is None:
            self._say("Select an appointment to edit.")
            return None
        dialog = AppointmentDialog(self._vault, self.zone_name, self._vault.schedule.get(selected), parent=self)
        return self._open(dialog)

    def export(self) -> ExportIcsDialog:
        first, last = self.shown_range()
        dialog = ExportIcsDialog(self._vault, first, last, parent=self)
        dialog.accepted.connect(lambda: self._say(f"Exported to {dialog.written}."))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _open(self, dialog: AppointmentDialog) -> AppointmentDialog:
        booking = dialog.is_new

        def saved() -> None:
            if dialog.saved is not None:
                self.day = dialog.saved.date_of_service
                self._say(f"Saved: {fmt_date(dialog.saved.date_of_service)}, {fmt_time(dialog.saved.start)}.")
                self.load(select=dialog.saved.id)
                if booking:  # a self-pay client's first session: offer the Good Faith Estimate
                    self.estimate_dialog = offer_estimate(self, self._vault, self._ops, dialog.saved)

        dialog.accepted.connect(saved)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _context_menu(self, where: QPoint) -> None:
        view = self.views.currentWidget()
        assert isinstance(view, QAbstractItemView)
        self.menu_for(self.selected_id()).popup(view.viewport().mapToGlobal(where))

    def menu_for(self, appointment_id: int | None) -> QMenu:
        """The context menu of an appointment (or of an empty slot: book there)."""
        menu = QMenu(self)
        if appointment_id is None:
            menu.addAction("&Book here…", lambda: self.book())
            return menu
        menu.addAction("S&tart note\tEnter", self.start_note)
        menu.addAction("&Edit…\tF2", self.edit)
        appointment = self.appointments.get(appointment_id)
        if appointment is not None and appointment.client_id is not None:
            client_id = appointment.client_id
            menu.addAction("&Open chart", lambda: self.open_client.emit(client_id))
        menu.addSeparator()
        for key, status in _STATUS_KEYS.items():
            action = menu.addAction(f"{_STATUS_WORDS[status]}\t{QKeySequence(key).toString()}")
            action.triggered.connect(self._status_trigger(appointment_id, status, CancelledBy.CLIENT))
            action.setEnabled(appointment is None or appointment.status is not status)
            if status is AppointmentStatus.CANCELLED:
                by_clinician = menu.addAction("Cancelled by clinic&ian…\tShift+C")
                by_clinician.triggered.connect(self._status_trigger(appointment_id, status, CancelledBy.CLINICIAN))
        menu.addSeparator()
        menu.addAction("15 minutes ea&rlier\tCtrl+Up", lambda: self.nudge(appointment_id, _MOVES[Qt.Key.Key_Up]))
        menu.addAction("15 minutes la&ter\tCtrl+Down", lambda: self.nudge(appointment_id, _MOVES[Qt.Key.Key_Down]))
        return menu

    def _status_trigger(
        self, appointment_id: int, status: AppointmentStatus, cancelled_by: CancelledBy
    ) -> Callable[[], None]:
        def trigger() -> None:
            self.change_status(appointment_id, status, cancelled_by)

        return trigger

    # -- keys ----------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched in (self.week, self.agenda) and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            return self.handle_key(event)
        return super().eventFilter(watched, event)

    def handle_key(self, event: QKeyEvent) -> bool:
        """The page's keys on the week or the day list; True when the key was used."""
        key, mods = Qt.Key(event.key()), event.modifiers()
        plain = mods in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)
        selected = self.selected_id()
        if key in (Qt.Key.Key_PageUp, Qt.Key.Key_PageDown) and plain:
            self.step(-1 if key == Qt.Key.Key_PageUp else 1)
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right) and mods == Qt.KeyboardModifier.AltModifier:
            self.step(-1 if key == Qt.Key.Key_Left else 1)
        elif key == Qt.Key.Key_T and plain:
            self.go_today()
        elif key in _MOVES and mods == Qt.KeyboardModifier.ControlModifier and selected is not None:
            self.nudge(selected, _MOVES[key])
        elif key in _STATUS_KEYS and plain and selected is not None:
            self.change_status(selected, _STATUS_KEYS[key], CancelledBy.CLIENT)
        elif key == Qt.Key.Key_C and mods == Qt.KeyboardModifier.ShiftModifier and selected is not None:
            self.change_status(selected, AppointmentStatus.CANCELLED, CancelledBy.CLINICIAN)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and plain:
            self.start_note() if selected is not None else self.book()
        elif key == Qt.Key.Key_F2 and plain:
            self.edit()
        elif key == Qt.Key.Key_Insert and plain:
            self.book()
        elif key == Qt.Key.Key_Menu or (key == Qt.Key.Key_F10 and mods == Qt.KeyboardModifier.ShiftModifier):
            view = self.views.currentWidget()
            assert isinstance(view, QAbstractItemView)
            rect = view.visualRect(view.currentIndex())
            self.menu_for(selected).popup(view.viewport().mapToGlobal(rect.center()))
        else:
            return False
        return True

    # -- showing and locking -------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.load()
        (self.agenda if self.mode == DAY else self.week).setFocus(Qt.FocusReason.OtherFocusReason)

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        if not event.spontaneous():
            self._stale = True

    def clear_for_lock(self) -> None:
        """Nothing to save here: empty both views."""
        self.week.clearContents()
        self.week.clearSpans()
        self.agenda.clear()
        self.appointments = {}
        self._names = {}
        self._unit_names = {}
        self.message.clear()
        self.error.clear()
        self._stale = True
