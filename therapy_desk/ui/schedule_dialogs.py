"""The Schedule page's dialogs: book or edit an appointment, and which occurrences of a series an
edit or a cancellation reaches (the .ics export is in ui/schedule_export.py).

The book/edit dialog checks what the stores check (inline, by field), and two things only the practice's
clock knows: a time daylight saving skips is refused, one it repeats is asked about. An overlap is a
warning with a second press to book anyway. The dialog saves once: a double click on Book never books
twice.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable
from datetime import date, datetime, timedelta

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from therapy_desk.domain.codes import PlaceOfService
from therapy_desk.domain.scheduling import (
    Appointment,
    AppointmentSeries,
    Recurrence,
    SeriesScope,
    minutes_between,
    wall_time_problem,
    wall_time_sentence,
)
from therapy_desk.errors import ValidationError
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import registry, theme
from therapy_desk.ui.chart_common import FieldErrors, OptionalDateEdit, from_qdate, to_qdate
from therapy_desk.ui.format import fmt_date, fmt_time
from therapy_desk.ui.widgets.date_field import DateField
from therapy_desk.ui.widgets.focus import set_tab_order
from therapy_desk.ui.widgets.status_label import StatusLabel, error_label
from therapy_desk.ui.widgets.time_field import TimeField

DEFAULT_MINUTES = 53
DEFAULT_CODE = "90837"
# DOMAIN.md's codes a session is booked under when the service catalogue lists none.
FALLBACK_CODES = (
    ("90791", "Diagnostic evaluation"),
    ("90832", "Psychotherapy, 30 min"),
    ("90834", "Psychotherapy, 45 min"),
    ("90837", "Psychotherapy, 60 min"),
    ("90839", "Crisis psychotherapy, first 60 min"),
    ("90846", "Family therapy without the client"),
    ("90847", "Family therapy with the client"),
    ("90853", "Group therapy"),
)
TELEHEALTH_MODIFIER = "95"
CLIENT_MATCHES = 20


def client_names(vault: Vault, ids: list[int]) -> dict[int, str]:
    """Each client's name as the caseload lists it."""
    return {cid: client.listed_name for cid, client in vault.clients.by_ids(ids).items()}


def service_choices(vault: Vault) -> list[tuple[str, str]]:
    """(code, wording) a session can be booked under: the catalogue's active primary codes, else DOMAIN.md's."""
    services = [s for s in vault.billing.services(include_inactive=False) if not s.is_addon]
    return [(s.code, s.description) for s in services] or list(FALLBACK_CODES)


# The stores name a series' start and a unit's booking by their own fields; the form shows them by these.
_SAME_FIELD = {"first_start": "start", "unit_id": "client_id"}


def add_row(form: QFormLayout, caption: str, field: QWidget, errors: FieldErrors, name: str) -> QLabel:
    """A captioned row whose mnemonic reaches `field` itself, with its sentence under it."""
    label = QLabel(caption, field.parentWidget())
    label.setBuddy(field)
    form.addRow(label, errors.under(field, name))
    return label


@registry.view
class AppointmentDialog(QDialog):
    """Book (no appointment given) or edit one appointment; `saved` holds what was stored.

    `ask_scope` is asked which occurrences an edit of a series occurrence reaches (None: cancel the save).
    """

    def __init__(
        self,
        vault: Vault,
        zone_name: str,
        appointment: Appointment | None = None,
        *,
        start: datetime | None = None,
        client_id: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("appointmentDialog")
        self.setWindowTitle("Edit appointment" if appointment else "Book appointment")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self._vault = vault
        self._zone = zone_name
        self._appointment = appointment
        self._confirmed: tuple[object, ...] | None = None  # the values the clinician said "book anyway" to
        self.saved: Appointment | None = None
        self.ask_scope: Callable[[], SeriesScope | None] = lambda: ask_series_scope(self, "change")
        self._client_ids: dict[str, int] = {}
        first = appointment.start if appointment else (start or _next_slot(datetime.now()))

        self.general_error = error_label(self)
        self.errors = FieldErrors(self.general_error)
        self.warning = StatusLabel("Warning", parent=self, alert=True)
        self.warning.setWordWrap(True)
        self.warning.setTextFormat(Qt.TextFormat.PlainText)
        theme.set_role(self.warning, theme.WARNING)
        self.warning.hide()

        self.client = QLineEdit(self)
        self.client.setAccessibleName("Client")
        self.client.setPlaceholderText("Type part of a name")
        self.client.setAccessibleDescription("Type part of a name, then pick the client from the list")
        self._matches = QStringListModel(self)
        completer = QCompleter(self._matches, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.client.setCompleter(completer)
        self.client.textEdited.connect(self._find_clients)
        self.date_edit = DateField(self)
        self.date_edit.setAccessibleName("Date")
        self.date_edit.setDate(to_qdate(first.date()))
        self.start_edit = TimeField(first.time(), self)
        self.start_edit.setAccessibleName("Start time")
        self.duration = QSpinBox(self)
        self.duration.setRange(1, 8 * 60)
        self.duration.setSuffix(" min")
        self.duration.setAccessibleName("Duration")
        self.duration.setValue(appointment.duration_minutes if appointment else DEFAULT_MINUTES)
        self.end_edit = TimeField(parent=self)
        self.end_edit.setAccessibleName("End time")
        self.service = QComboBox(self)
        self.service.setAccessibleName("Service code")
        for code, wording in service_choices(vault):
            self.service.addItem(f"{code} — {wording}", code)
        self.place = QComboBox(self)
        self.place.setAccessibleName("Place of service")
        for pos in PlaceOfService:
            self.place.addItem(f"{pos.value} — {pos.label}", pos.value)
        self.telehealth = QCheckBox("&Telehealth", self)
        self.telehealth.setAccessibleName("Telehealth")
        self.telehealth.setToolTip("Sets place of service 10 (client at home) and modifier 95")
        self.modifiers = QLineEdit(self)
        self.modifiers.setAccessibleName("Modifiers")
        self.modifiers.setPlaceholderText("95, HO")
        self.modifiers.setAccessibleDescription("Up to four, separated by commas or spaces")
        self.repeats = QComboBox(self)
        self.repeats.setAccessibleName("Repeats")
        self.repeats.addItem("Does not repeat", None)
        for recurrence in Recurrence:
            self.repeats.addItem(recurrence.label, recurrence.value)
        self.until = OptionalDateEdit("Set", "Series ends on", self)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.ok_button = QPushButton("Sa&ve" if appointment else "&Book", self)
        self.ok_button.setDefault(True)
        self.buttons.addButton(self.ok_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        add_row(form, "&Client:", self.client, self.errors, "client_id")
        add_row(form, "&Date:", self.date_edit, self.errors, "date")
        add_row(form, "&Start:", self.start_edit, self.errors, "start")
        add_row(form, "D&uration:", self.duration, self.errors, "duration_minutes")
        add_row(form, "&End:", self.end_edit, self.errors, "end")
        add_row(form, "Service c&ode:", self.service, self.errors, "service_code")
        add_row(form, "&Place of service:", self.place, self.errors, "place_of_service")
        form.addRow("", self.telehealth)
        add_row(form, "&Modifiers:", self.modifiers, self.errors, "modifiers")
        add_row(form, "&Repeats:", self.repeats, self.errors, "recurrence")
        add_row(form, "Series e&nds:", self.until, self.errors, "until")
        layout = QVBoxLayout(self)
        zone_note = QLabel(f"Times are in the practice's time zone, {zone_name}.", self)
        zone_note.setWordWrap(True)
        theme.set_role(zone_note, theme.MUTED)
        layout.addWidget(zone_note)
        layout.addLayout(form)
        layout.addWidget(self.warning)
        layout.addWidget(self.general_error)
        layout.addWidget(self.buttons)

        self._fill(appointment, client_id)
        self.start_edit.timeChanged.connect(lambda _t: self._sync_end())
        self.duration.valueChanged.connect(lambda _v: self._sync_end())
        self.end_edit.timeChanged.connect(lambda _t: self._sync_duration())
        self.telehealth.toggled.connect(self._telehealth_toggled)
        self.repeats.currentIndexChanged.connect(lambda _i: self._repeat_changed())
        self._sync_end()
        self._repeat_changed()
        set_tab_order(
            self.client,
            self.date_edit,
            self.start_edit,
            self.duration,
            self.end_edit,
            self.service,
            self.place,
            self.telehealth,
            self.modifiers,
            self.repeats,
            self.until.check,
            self.until.edit,
            self.buttons,
        )

    # -- filling -------------------------------------------------------------------------------

    def _fill(self, appointment: Appointment | None, client_id: int | None) -> None:
        if appointment is None:
            self._select(self.service, DEFAULT_CODE)
            self._select(self.place, PlaceOfService.OFFICE)
            if client_id is not None:
                self._set_client(client_id)
            return
        if appointment.client_id is not None:
            self._set_client(appointment.client_id)
        else:
            assert appointment.unit_id is not None
            self.client.setText(self._vault.clients.unit(appointment.unit_id).name)
        self.client.setReadOnly(True)  # another client is a new booking, not an edit
        self.client.setAccessibleDescription("An appointment stays with its client")
        if self.service.findData(appointment.service_code) < 0:
            self.service.addItem(appointment.service_code, appointment.service_code)
        self._select(self.service, appointment.service_code)
        self._select(self.place, appointment.place_of_service)
        self.telehealth.setChecked(appointment.telehealth)
        self.modifiers.setText(", ".join(appointment.modifiers))
        self.repeats.setEnabled(False)  # a series' pattern changes with "this and following" or "all"
        if appointment.series_id is not None:
            series = self._vault.schedule.get_series(appointment.series_id)
            self._select(self.repeats, series.recurrence)
            self.until.set_day(series.until)

    def _set_client(self, client_id: int) -> None:
        name = client_names(self._vault, [client_id]).get(client_id, "")
        self._client_ids = {name: client_id}
        self.client.setText(name)

    @staticmethod
    def _select(combo: QComboBox, data: object) -> None:
        index = combo.findData(str(data) if isinstance(data, enum.Enum) else data)
        if index >= 0:
            combo.setCurrentIndex(index)

    def _find_clients(self, text: str) -> None:
        """The caseload's names containing `text` (a few at a time: the vault may hold thousands)."""
        ids = self._vault.caseload.ids(text=text, limit=CLIENT_MATCHES) if text.strip() else []
        clients = self._vault.clients.by_ids(ids)
        listed = [c.listed_name for c in clients.values()]
        names: dict[str, int] = {}
        for cid in ids:
            client = clients.get(cid)
            if client is None:
                continue
            name = client.listed_name
            if listed.count(name) > 1:
                name = f"{name} (born {fmt_date(client.dob)})"
            names[name] = cid
        self._client_ids = names
        self._matches.setStringList(list(names))

    # -- linked fields -------------------------------------------------------------------------

    def _sync_end(self) -> None:
        end = datetime.combine(date.today(), self.start_edit.value()) + timedelta(minutes=self.duration.value())
        blocked = self.end_edit.blockSignals(True)
        self.end_edit.set_value(end.time())
        self.end_edit.blockSignals(blocked)

    def _sync_duration(self) -> None:
        self.errors.clear()
        try:
            minutes = self._minutes()
        except ValidationError as err:
            self.errors.show(err)
            return
        blocked = self.duration.blockSignals(True)
        self.duration.setValue(minutes)
        self.duration.blockSignals(blocked)

    def _minutes(self) -> int:
        today = date.today()
        start = datetime.combine(today, self.start_edit.value())
        end = datetime.combine(today, self.end_edit.value())
        return minutes_between(start, end)

    def _telehealth_toggled(self, on: bool) -> None:
        place = self._place()
        modifiers = self._modifier_list()
        if on:
            if place not in (PlaceOfService.TELEHEALTH_HOME, PlaceOfService.TELEHEALTH_NOT_HOME):
                self._select(self.place, PlaceOfService.TELEHEALTH_HOME)
            if TELEHEALTH_MODIFIER not in modifiers:
                modifiers.insert(0, TELEHEALTH_MODIFIER)
        else:
            if place in (PlaceOfService.TELEHEALTH_HOME, PlaceOfService.TELEHEALTH_NOT_HOME):
                self._select(self.place, PlaceOfService.OFFICE)
            modifiers = [m for m in modifiers if m != TELEHEALTH_MODIFIER]
        self.modifiers.setText(", ".join(modifiers))

    def _repeat_changed(self) -> None:
        repeating = self.repeats.currentData() is not None
        self.until.setEnabled(repeating and self._appointment is None)

    def _field_widget(self, field: str | None) -> QWidget:
        """The control a store's field name is about (the client field when none is named)."""
        widgets: dict[str, QWidget] = {
            "start": self.start_edit,
            "duration_minutes": self.duration,
            "end": self.end_edit,
            "service_code": self.service,
            "place_of_service": self.place,
            "modifiers": self.modifiers,
            "recurrence": self.repeats,
            "until": self.until,
        }
        return widgets.get(field or "", self.client)

    def _place(self) -> PlaceOfService:
        return PlaceOfService(self.place.currentData())

    def _recurrence(self) -> Recurrence | None:
        value = self.repeats.currentData()
        return Recurrence(value) if value else None

    def _modifier_list(self) -> list[str]:
        return [m for m in self.modifiers.text().replace(",", " ").upper().split() if m]

    # -- saving --------------------------------------------------------------------------------

    def start(self) -> datetime:
        return datetime.combine(from_qdate(self.date_edit.date()), self.start_edit.value())

    def value(self) -> Appointment:
        """The appointment the form holds (the stores validate it)."""
        name = self.client.text().strip()
        base = self._appointment
        client_id = base.client_id if base else self._client_ids.get(name)
        if base is None and client_id is None:
            if not name:
                raise ValidationError(
                    "Choose the client: type part of the name and pick it from the list.", "client_id"
                )
            self._find_clients(name)
            if len(self._client_ids) != 1:
                raise ValidationError(f"No single client is named {name}; pick the client from the list.", "client_id")
            client_id = next(iter(self._client_ids.values()))
        start, minutes = self.start(), self._minutes()
        code = str(self.service.currentData() or "")
        modifiers = tuple(self._modifier_list())
        place = self._place()
        telehealth = self.telehealth.isChecked()
        if base is not None:
            return dataclasses.replace(
                base,
                start=start,
                duration_minutes=minutes,
                service_code=code,
                modifiers=modifiers,
                place_of_service=place,
                telehealth=telehealth,
            )
        return Appointment(
            start=start,
            duration_minutes=minutes,
            service_code=code,
            client_id=client_id,
            modifiers=modifiers,
            place_of_service=place,
            telehealth=telehealth,
        )

    @property
    def is_new(self) -> bool:
        """A booking, not an edit of an appointment already stored."""
        return self._appointment is None

    def save(self) -> bool:
        """Check, warn or store; True once the appointment is stored (a second press does nothing)."""
        if self.saved is not None:
            return True
        self.errors.clear()
        self.warning.clear()
        self.warning.hide()
        try:
            appointment = self.value()
            if not self._checked_for_warnings(appointment):
                return False
            self.saved = self._store(appointment)
        except ValidationError as err:
            field = _SAME_FIELD.get(err.field or "", err.field)
            self.errors.show(ValidationError(str(err), field))
            self._field_widget(field).setFocus(Qt.FocusReason.OtherFocusReason)
            return False
        except _NotNow:
            return False
        self.accept()
        return True

    def _checked_for_warnings(self, appointment: Appointment) -> bool:
        """Refuse a skipped time; warn once about a repeated time or an overlap (press again to book)."""
        start = appointment.start
        problem = wall_time_problem(start, self._zone)
        sentence = wall_time_sentence(start, self._zone)
        if problem == "nonexistent":
            raise ValidationError(sentence or "This time does not exist; pick another time.", "start")
        warnings = [sentence] if sentence else []
        conflicts = self._vault.schedule.conflicts(start, appointment.duration_minutes, exclude_id=appointment.id)
        if conflicts:
            names = client_names(self._vault, [c.client_id for c in conflicts if c.client_id is not None])
            first = conflicts[0]
            if first.client_id is not None:
                who = names.get(first.client_id, "another session")
            else:
                unit = self._vault.clients.unit(first.unit_id or 0)
                who = f"{unit.name} ({unit.kind.value})"
            more = f" and {len(conflicts) - 1} more" if len(conflicts) > 1 else ""
            warnings.append(
                f"This overlaps {who} at {fmt_time(first.start)}–{fmt_time(first.end)} on "
                f"{fmt_date(first.date_of_service)}{more}."
            )
        key = (appointment, self._recurrence(), self.until.day())
        if not warnings or self._confirmed == key:
            return True
        self._confirmed = key
        self.warning.setText(" ".join([*warnings, "Press Book anyway to keep it, or change the time."]))
        self.warning.show()
        self.ok_button.setText("Book &anyway")
        return False

    def _store(self, appointment: Appointment) -> Appointment:
        schedule = self._vault.schedule
        recurrence = self._recurrence()
        if self._appointment is None:
            if recurrence is None:
                return schedule.book(appointment)
            series = schedule.create_series(
                AppointmentSeries(
                    first_start=appointment.start,
                    recurrence=recurrence,
                    duration_minutes=appointment.duration_minutes,
                    service_code=appointment.service_code,
                    client_id=appointment.client_id,
                    modifiers=appointment.modifiers,
                    place_of_service=appointment.place_of_service,
                    telehealth=appointment.telehealth,
                    until=self.until.day(),
                )
            )
            assert series.id is not None
            return schedule.occurrences(series.id)[0]
        if appointment.series_id is None:
            return schedule.update(appointment)
        scope = self.ask_scope()
        if scope is None:
            raise _NotNow
        return schedule.change_occurrence(appointment, scope)


class _NotNow(Exception):
    """The clinician stepped back from a question: nothing is saved and nothing is wrong."""


def _next_slot(now: datetime) -> datetime:
    """The next quarter hour: where a new booking starts unless a slot was picked."""
    base = now.replace(second=0, microsecond=0)
    return base + timedelta(minutes=(15 - base.minute % 15) % 15 or 15)


@registry.view
class SeriesScopeDialog(QDialog):
    """Which occurrences of a series a change or a cancellation reaches: this one, this and following, all."""

    def __init__(self, action: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("seriesScopeDialog")
        verb = "Cancel" if action == "cancel" else "Change"
        self.setWindowTitle(f"{verb} a repeating appointment")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        intro = QLabel(f"This appointment is part of a series. {verb} which appointments?", self)
        intro.setWordWrap(True)
        self.choices: dict[SeriesScope, QRadioButton] = {}
        texts = {
            SeriesScope.THIS: "&This one only",
            SeriesScope.FOLLOWING: "This and the &following ones",
            SeriesScope.ALL: "&All in the series",
        }
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        for scope, text in texts.items():
            button = QRadioButton(text, self)
            button.setAccessibleName(text.replace("&", ""))
            self.choices[scope] = button
            layout.addWidget(button)
        self.choices[SeriesScope.THIS].setChecked(True)
        note = QLabel("Past sessions and recorded outcomes are never changed.", self)
        note.setWordWrap(True)
        theme.set_role(note, theme.MUTED)
        layout.addWidget(note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        layout.addWidget(buttons)

    def scope(self) -> SeriesScope:
        return next(scope for scope, button in self.choices.items() if button.isChecked())


def ask_series_scope(parent: QWidget, action: str) -> SeriesScope | None:
    """Ask which occurrences; None when the clinician cancels the question."""
    dialog = SeriesScopeDialog(action, parent)
    try:
        return dialog.scope() if dialog.exec() == QDialog.DialogCode.Accepted else None
    finally:
        dialog.deleteLater()
