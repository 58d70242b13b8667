"""`TodayView`: what needs the therapist today, in one glance.

PHQ-9 item-9 answers nobody has followed up come first and stand out; then today's appointments,
unsigned notes (oldest first; overdue, more than 72 hours after the session, in bold), treatment plans
due for review within two weeks and releases of information expiring within thirty days. The view
re-reads itself whenever it is shown and on F5.

Each line acts on what it shows: Enter or a double-click on an appointment starts its note
(`start_note_requested(appointment id)`), on an unsigned note opens it (`open_note_requested(note id)`),
on a PHQ-9 flag opens the result in the chart's Measures (`open_measure_requested(client id, result
id)`), on anything else the client's chart (`open_client(id)`). Today's appointments also take A
(attended, which starts the note too), N (no-show) and L (late cancellation), and the buttons below them.

Every list here is bounded by its store (at most 50 or 200 lines), so the reads run directly on the GUI
thread (a few milliseconds). The lists are `QTreeWidget`s rather than id-holding table models for the
same reason: there is never a page to fetch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QAction, QFont, QHideEvent, QKeyEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyle,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from therapy_desk.domain.clients import Client
from therapy_desk.domain.notes import overdue_at
from therapy_desk.domain.scheduling import Appointment, AppointmentStatus
from therapy_desk.errors import ValidationError
from therapy_desk.storage.backup import last_verified_backup
from therapy_desk.storage.practice_zone import practice_zone_name
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import registry, theme
from therapy_desk.ui.backup_actions import TEST_EVERY_DAYS, backup_line, restore_test_due, warn_days
from therapy_desk.ui.format import fmt_age, fmt_date, fmt_days, fmt_relative, fmt_time
from therapy_desk.ui.models.unsigned_model import OVERDUE_TEXT, draft_day
from therapy_desk.ui.ops import Ops
from therapy_desk.ui.schedule_dialogs import AppointmentDialog
from therapy_desk.ui.widgets.focus import set_tab_order
from therapy_desk.ui.widgets.status_label import StatusLabel

UNSIGNED_LIMIT = 50
PLAN_REVIEW_DAYS = 14
PLAN_LIMIT = 200
RELEASE_DAYS = 30
CLIENT_ID_ROLE = Qt.ItemDataRole.UserRole + 1
TARGET_ROLE = Qt.ItemDataRole.UserRole + 2
# Keys on today's appointments: the status they set (as on the Schedule page).
_STATUS_KEYS = {
    Qt.Key.Key_A: AppointmentStatus.ATTENDED,
    Qt.Key.Key_N: AppointmentStatus.NO_SHOW,
    Qt.Key.Key_L: AppointmentStatus.LATE_CANCEL,
}

_ITEM9_ANSWERS = {1: "several days", 2: "more than half the days", 3: "nearly every day"}


@dataclass(frozen=True)
class Line:
    """One line of a section: its cells, the client it opens (None: nothing to open) and a tooltip."""

    cells: tuple[str, ...]
    client_id: int | None
    tooltip: str = ""
    strong: tuple[int, ...] = ()  # columns shown in bold
    strong_says: str = ""  # what the bold means, in words a screen reader reads after those cells
    target: int | None = None  # the appointment, note or measure result the line acts on


class TodayList(QTreeWidget):
    """A flat list whose Enter opens the current line (`open_requested`); with `status_keys`, A, N and L
    on a line ask for that status (`status_requested`)."""

    open_requested = Signal(QTreeWidgetItem)
    status_requested = Signal(QTreeWidgetItem, str)

    status_keys = False

    def keyPressEvent(self, event: QKeyEvent) -> None:
        item = self.currentItem()
        plain = event.modifiers() in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and plain:
            if item is not None:
                self.open_requested.emit(item)
            return
        status = _STATUS_KEYS.get(Qt.Key(event.key())) if self.status_keys and plain else None
        if status is not None:
            if item is not None:
                self.status_requested.emit(item, status.value)
            return
        super().keyPressEvent(event)


class Section(QWidget):
    """A titled list that says calmly when it is empty."""

    def __init__(self, title: str, empty_text: str, headers: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.empty_text = empty_text
        self.title_label = QLabel(title, self)
        font = self.title_label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.title_label.setFont(font)
        self.icon_label = QLabel(self)
        self.icon_label.hide()
        self.empty_label = QLabel(empty_text, self)
        theme.set_role(self.empty_label, theme.MUTED)
        self.list = TodayList(self)
        self.list.setAccessibleName(title)
        self.list.setColumnCount(len(headers))
        self.list.setHeaderLabels(list(headers))
        self.list.setRootIsDecorated(False)
        self.list.setUniformRowHeights(True)
        self.list.setAlternatingRowColors(True)
        self.list.setAllColumnsShowFocus(True)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.header().setStretchLastSection(True)
        self.list.header().setSectionsMovable(False)
        self.list.hide()
        self.title_label.setBuddy(self.list)
        heading = QHBoxLayout()
        heading.setSpacing(6)
        heading.addWidget(self.icon_label)
        heading.addWidget(self.title_label, 1)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addLayout(heading)
        self._layout.addWidget(self.empty_label)
        self._layout.addWidget(self.list, 1)
        self._layout.addStretch(0)  # keeps an empty section's title at the top

    def add_below(self, widget: QWidget) -> None:
        """A row under the list (its buttons), above the stretch."""
        self._layout.insertWidget(self._layout.count() - 1, widget)

    def set_lines(self, lines: Sequence[Line], *, title_suffix: str = "") -> None:
        self.list.clear()
        bold = QFont(self.list.font())
        bold.setBold(True)
        for line in lines:
            item = QTreeWidgetItem(list(line.cells))
            item.setData(0, CLIENT_ID_ROLE, line.client_id)
            item.setData(0, TARGET_ROLE, line.target)
            for column in range(len(line.cells)):
                if line.tooltip:
                    item.setToolTip(column, line.tooltip)
                if column in line.strong:
                    item.setFont(column, bold)
                    if line.strong_says:
                        item.setData(
                            column, Qt.ItemDataRole.AccessibleTextRole, f"{line.cells[column]} — {line.strong_says}"
                        )
            self.list.addTopLevelItem(item)
        count = f" ({len(lines)})" if lines else ""
        self.title_label.setText(f"{self.title}{count}{title_suffix}")
        self.list.setAccessibleName(self.title_label.text())  # the count too, as shown
        self.list.setVisible(bool(lines))
        self.empty_label.setVisible(not lines)
        if lines:
            for column in range(self.list.columnCount() - 1):
                self.list.resizeColumnToContents(column)
            # Keyboard focus starts on the first line without painting every list as selected.
            first = self.list.topLevelItem(0)
            if first is not None:
                self.list.setCurrentItem(first, 0, QItemSelectionModel.SelectionFlag.NoUpdate)

    def lines_shown(self) -> list[tuple[str, ...]]:
        """The cells of every line, as the user reads them."""
        return [
            tuple(item.text(c) for c in range(item.columnCount()))
            for item in (self.list.topLevelItem(i) for i in range(self.list.topLevelItemCount()))
            if item is not None
        ]

    def clear(self) -> None:
        self.list.clear()
        self.list.hide()
        self.title_label.setText(self.title)
        self.list.setAccessibleName(self.title)
        self.empty_label.show()


@registry.view
class TodayView(QWidget):
    """The Today page. Its signals ask the main window for a chart, a note or a measure result."""

    open_client = Signal(int)
    start_note_requested = Signal(int)  # appointment id
    open_note_requested = Signal(int)  # note id
    open_measure_requested = Signal(int, int)  # client id, measure result id

    def __init__(self, vault: Vault, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Today")
        self._vault = vault
        self._ops = ops
        self._stale = True
        self._was_shown = False

        self.heading = QLabel(self)
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.heading.setFont(font)
        self.refresh_action = QAction("&Refresh", self)
        self.refresh_action.setShortcut(QKeySequence(Qt.Key.Key_F5))
        self.refresh_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)  # only while Today is shown
        self.refresh_action.triggered.connect(lambda _checked=False: self.refresh())
        self.addAction(self.refresh_action)
        self.refresh_button = QPushButton("&Refresh", self)
        self.refresh_button.setAccessibleName("Refresh Today")
        self.refresh_button.setToolTip("Read the lists again (F5)")
        self.refresh_button.clicked.connect(self.refresh)

        self.flags = Section(
            "PHQ-9 item 9: follow up",
            "No PHQ-9 item-9 answers waiting for follow-up.",
            ("Client", "Given", "Item 9 (thoughts of self-harm)", "PHQ-9 total"),
            self,
        )
        self.appointments = Section(
            "Today's appointments", "No appointments today.", ("Time", "Client", "Service", "Status"), self
        )
        self.unsigned = Section("Unsigned notes", "No unsigned notes.", ("Client", "Date of service", "Waiting"), self)
        self.plans = Section(
            "Treatment plans due for review",
            f"No treatment plan reviews due in the next {fmt_days(PLAN_REVIEW_DAYS)}.",
            ("Client", "Review due", "When"),
            self,
        )
        self.releases = Section(
            "Releases of information expiring",
            f"No releases expire in the next {fmt_days(RELEASE_DAYS)}.",
            ("Client", "Recipient", "Expires", "When"),
            self,
        )
        for section in self.sections():
            section.list.open_requested.connect(lambda item, s=section: self._open_item(s, item))
            section.list.itemDoubleClicked.connect(lambda item, _column, s=section: self._open_item(s, item))
        self.appointments.list.status_keys = True
        self.appointments.list.status_requested.connect(
            lambda item, status: self._set_status(item, AppointmentStatus(status))
        )
        self.appointment_buttons = self._appointment_buttons()
        self.appointments.add_below(self.appointment_buttons)
        self.message = StatusLabel("Appointment status", parent=self)
        self.message.setWordWrap(True)
        self.message.hide()
        self.backup_warning = StatusLabel("Backup", parent=self)
        self.backup_warning.setWordWrap(True)
        theme.set_role(self.backup_warning, theme.WARNING)
        self.backup_warning.hide()

        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.refresh_button)
        grid = QGridLayout()
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(14)
        grid.addWidget(self.appointments, 0, 0)
        grid.addWidget(self.unsigned, 0, 1)
        grid.addWidget(self.plans, 1, 0)
        grid.addWidget(self.releases, 1, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(0, 3)
        grid.setRowStretch(1, 2)
        layout = QVBoxLayout(self)
        layout.setSpacing(14)
        layout.addLayout(top)
        layout.addWidget(self.backup_warning)
        layout.addWidget(self.message)
        layout.addWidget(self.flags)
        layout.addLayout(grid, 1)
        set_tab_order(
            self.refresh_button,
            self.flags.list,
            self.appointments.list,
            *self.appointment_buttons.findChildren(QPushButton),
            *(section.list for section in self.sections()[2:]),
        )

    def _appointment_buttons(self) -> QWidget:
        """Start note / Mark attended / No-show / Late cancel / Reschedule, for the current appointment."""
        row = QWidget(self)
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        actions: list[tuple[str, str, Callable[[QTreeWidgetItem], None]]] = [
            ("Start &note", "Start the note of the selected appointment (Enter)", self._start_note),
            ("Mark &attended", "Mark the selected appointment attended and start its note (A)",
             lambda item: self._set_status(item, AppointmentStatus.ATTENDED)),
            ("N&o-show", "Mark the selected appointment a no-show (N)",
             lambda item: self._set_status(item, AppointmentStatus.NO_SHOW)),
            ("&Late cancel", "Mark the selected appointment cancelled late (L)",
             lambda item: self._set_status(item, AppointmentStatus.LATE_CANCEL)),
            ("Re&schedule…", "Move the selected appointment to another time", self._reschedule),
        ]  # fmt: skip
        for text, tip, act in actions:
            button = QPushButton(text, row)
            button.setAccessibleName(text.replace("&", "").rstrip("…"))
            button.setToolTip(tip)
            button.clicked.connect(lambda _checked=False, act=act: self._on_current_appointment(act))
            layout.addWidget(button)
        layout.addStretch(1)
        row.hide()
        return row

    def sections(self) -> tuple[Section, ...]:
        """Top to bottom, left to right: flags, appointments, unsigned notes, plans, releases."""
        return (self.flags, self.appointments, self.unsigned, self.plans, self.releases)

    # -- reading -------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read every list again for today's date."""
        now = datetime.now()
        today = now.date()
        vault = self._vault
        appointments = vault.schedule.day(today)
        notes = vault.notes.unsigned(limit=UNSIGNED_LIMIT)
        plans = vault.plans.due_for_review(today, within_days=PLAN_REVIEW_DAYS, limit=PLAN_LIMIT)
        releases = vault.clients.expiring_releases(today, within_days=RELEASE_DAYS)
        flags = vault.measures.unreviewed_flags()
        ids = {a.client_id for a in appointments if a.client_id is not None}
        ids |= {n.client_id for n in notes} | {p.client_id for p in plans} | {r.client_id for r in releases}
        ids |= {m.client_id for m in flags}
        clients = vault.clients.by_ids(sorted(ids))

        def name(client_id: int) -> str:
            client = clients.get(client_id)
            return client.display_name if client is not None else "Unknown client"

        self.heading.setText(f"Today — {today:%A}, {fmt_date(today)}")
        line, stale = backup_line(last_verified_backup(vault), datetime.now(UTC), warn_days(vault))
        if stale:
            self.backup_warning.setText(f"{line}. Back up now with Ctrl+B (Vault › Back up now…).")
        else:
            self.backup_warning.setText(
                f"No backup has been tried by restoring it in the last {TEST_EVERY_DAYS} days: Vault › Test a "
                "backup… restores one into a temporary folder and checks it."
            )
        theme.set_role(self.backup_warning, theme.WARNING if stale else theme.MUTED)
        self.backup_warning.setVisible(stale or restore_test_due(vault, datetime.now(UTC)))
        self._show_flags(
            [
                Line(
                    (name(m.client_id), fmt_date(m.administered_on), _item9_text(m.answers), f"{m.total} ({m.band})"),
                    m.client_id,
                    "Item 9 answered above 0: follow up now, whatever the total, and record it in the chart.",
                    strong=(0, 1, 2, 3),
                    strong_says="flagged for follow-up",
                    target=m.id,
                )
                for m in flags
            ]
        )
        self.appointments.set_lines(list(self._appointment_lines(appointments, clients)))
        self.appointment_buttons.setVisible(bool(appointments))
        self.unsigned.set_lines(
            [
                Line(
                    (name(n.client_id), fmt_date(n.date_of_service, "No date yet"), fmt_age(draft_day(n), today)),
                    n.client_id,
                    target=n.id,
                    strong=(2,) if overdue_at(n, now) else (),
                    strong_says=OVERDUE_TEXT,
                )
                for n in notes
            ],
            title_suffix=", oldest first" if len(notes) < UNSIGNED_LIMIT else f", the {UNSIGNED_LIMIT} oldest",
        )
        self.plans.set_lines(
            [
                Line(
                    (name(p.client_id), fmt_date(p.review_due), _due_text(p.review_due, today)),
                    p.client_id,
                    strong=(2,) if p.review_due <= today else (),
                    strong_says="review due now",
                )
                for p in plans
            ],
            title_suffix=f", the {PLAN_LIMIT} soonest" if len(plans) >= PLAN_LIMIT else "",
        )
        self.releases.set_lines(
            [
                Line(
                    (name(r.client_id), r.recipient, fmt_date(r.expires_on), _due_text(r.expires_on, today)),
                    r.client_id,
                )
                for r in releases
                if r.expires_on is not None
            ]
        )
        self._stale = False

    def _show_flags(self, lines: list[Line]) -> None:
        self.flags.set_lines(lines)
        urgent = bool(lines)
        # Prominent only when there is something to do: the style's critical icon and a red title.
        if urgent:
            size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
            icon = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical)
            self.flags.icon_label.setPixmap(icon.pixmap(size, size))
            theme.set_role(self.flags.title_label, theme.ERROR)
            rows = max(1, min(len(lines), 4))
            height = self.flags.list.sizeHintForRow(0) * rows + self.flags.list.header().sizeHint().height() + 6
            self.flags.list.setFixedHeight(height)
        else:
            theme.set_role(self.flags.title_label, None)
        self.flags.icon_label.setVisible(urgent)

    def _appointment_lines(self, appointments: Iterable[Appointment], clients: dict[int, Client]) -> Iterable[Line]:
        for appointment in appointments:
            service = appointment.service_code + (" · telehealth" if appointment.telehealth else "")
            status = "" if appointment.status is AppointmentStatus.SCHEDULED else appointment.status_label
            when = f"{fmt_time(appointment.start)}–{fmt_time(appointment.end)}"
            if appointment.client_id is not None:
                client = clients.get(appointment.client_id)
                who = client.display_name if client is not None else "Unknown client"
                yield Line((when, who, service, status), appointment.client_id, target=appointment.id)
                continue
            assert appointment.unit_id is not None
            try:
                unit = self._vault.clients.unit(appointment.unit_id)
            except ValidationError:
                yield Line((when, "Unknown group", service, status), None)
                continue
            opens = unit.identified_client_id
            tip = "" if opens is not None else "A group: open a member's chart from the caseload."
            yield Line((when, f"{unit.name} ({unit.kind})", service, status), opens, tip, target=appointment.id)

    def _open_item(self, section: Section, item: QTreeWidgetItem) -> None:
        client_id, target = item.data(0, CLIENT_ID_ROLE), item.data(0, TARGET_ROLE)
        if section is self.appointments and target is not None:
            self._start_note(item)
        elif section is self.unsigned and target is not None:
            self.open_note_requested.emit(int(target))
        elif section is self.flags and target is not None and client_id is not None:
            self.open_measure_requested.emit(int(client_id), int(target))
        elif client_id is not None:
            self.open_client.emit(int(client_id))

    # -- acting on today's appointments --------------------------------------------------------

    def _on_current_appointment(self, act: Callable[[QTreeWidgetItem], None]) -> None:
        item = self.appointments.list.currentItem()
        if item is None:
            self._say(error="Choose an appointment in the list first.")
            return
        act(item)

    def _start_note(self, item: QTreeWidgetItem) -> None:
        self.start_note_requested.emit(int(item.data(0, TARGET_ROLE)))

    def _set_status(self, item: QTreeWidgetItem, status: AppointmentStatus) -> None:
        """Record the status (a missed session may charge its fee: `vault.sessions`); attended starts the note."""
        appointment_id = int(item.data(0, TARGET_ROLE))
        try:
            change = self._vault.sessions.set_status(appointment_id, status)
        except ValidationError as err:
            self._say(error=str(err))
            return
        who = item.text(1)
        self._say(" ".join(f"{who}, {item.text(0)}: {status.label.lower()}. {change.sentence}".split()))
        self.refresh()
        self._select_appointment(appointment_id)
        if status is AppointmentStatus.ATTENDED:
            self.start_note_requested.emit(appointment_id)

    def _reschedule(self, item: QTreeWidgetItem) -> None:
        appointment_id = int(item.data(0, TARGET_ROLE))
        dialog = AppointmentDialog(
            self._vault,
            practice_zone_name(self._vault.practice),
            self._vault.schedule.get(appointment_id),
            parent=self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(self.refresh)
        self.reschedule_dialog = dialog
        dialog.open()

    def _select_appointment(self, appointment_id: int) -> None:
        for index in range(self.appointments.list.topLevelItemCount()):
            item = self.appointments.list.topLevelItem(index)
            if item is not None and item.data(0, TARGET_ROLE) == appointment_id:
                self.appointments.list.setCurrentItem(item)
                self.appointments.list.setFocus(Qt.FocusReason.OtherFocusReason)
                return

    def _say(self, text: str = "", *, error: str = "") -> None:
        self.message.setText(error or text)
        theme.set_role(self.message, theme.ERROR if error else None)
        self.message.setVisible(bool(error or text))

    # -- showing and locking -------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._was_shown = True
        if self._stale:
            self.refresh()
        self.focus_first_list()

    def focus_first_list(self) -> None:
        """Keyboard focus on the first list with lines (the flags when there are any), else Refresh."""
        shown = [s.list for s in self.sections() if not s.list.isHidden()]
        (shown[0] if shown else self.refresh_button).setFocus(Qt.FocusReason.OtherFocusReason)

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        if self._was_shown and not event.spontaneous():
            self._stale = True

    def clear_for_lock(self) -> None:
        """Nothing to save here: empty every list."""
        self._say()
        self.backup_warning.hide()
        self.appointment_buttons.hide()
        for section in self.sections():
            section.clear()
        self._show_flags([])
        self.heading.clear()
        self._stale = True


def _item9_text(answers: Sequence[int | None]) -> str:
    answer = (answers[8] if len(answers) > 8 else None) or 0  # a flagged result always answered item 9
    return f"{answer}: {_ITEM9_ANSWERS.get(answer, 'answered')}"


def _due_text(day: date | None, today: date) -> str:
    if day is None:
        return ""
    if day < today:
        return f"{fmt_age(day, today)} overdue"
    return fmt_relative(day, today)
