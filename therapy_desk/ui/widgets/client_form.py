"""`ClientForm`: a client's demographics as a form; `AddClientDialog`: the form that adds a client.

The form knows no vault: `client()` builds a `Client` from the fields and runs the domain's own
`Client.validated()`, so the sentences shown next to the fields are the store's. The chart reuses the
form to edit demographics (`set_client`, `client`, `show_error`, `is_modified`).

The date of birth is typed (05/17/1990, 5/17/90, 1990-05-17) with a calendar one key away (Alt+Down),
rather than a QDateEdit: a QDateEdit cannot be left empty, so an untouched form would quietly save a
made-up birthday onto claims, and its section-by-section typing turns "05/17/1990" into 05/01/1990.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCalendarWidget,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)

from therapy_desk.domain import validation as v
from therapy_desk.domain.clients import AdministrativeSex, Client, ClientStatus
from therapy_desk.errors import ValidationError
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import registry, theme
from therapy_desk.ui.format import fmt_status
from therapy_desk.ui.widgets.date_field import parse_typed_date
from therapy_desk.ui.widgets.focus import set_tab_order
from therapy_desk.ui.widgets.status_label import error_label

GENERAL = ""  # show_error() field for a message that belongs to no one field
DOB_FORMAT_MESSAGE = "Enter the date of birth as MM/DD/YYYY, like 05/17/1990."
DOB_REQUIRED_MESSAGE = "Date of birth is required."
DOB_HINT = "MM/DD/YYYY"
DOB_DESCRIPTION = "Type the date as MM/DD/YYYY, like 05/17/1990, or press Alt+Down for a calendar."
ZIP_DESCRIPTION = "5 digits, or ZIP+4 like 12345-6789."
_HINT = "standingDescription"  # a field's accessible description while it shows no error
_PRONOUNS = ("she/her", "he/him", "they/them", "she/they", "he/they", "ze/zir")
_SEX_LABELS = {
    AdministrativeSex.UNKNOWN: "Unknown",
    AdministrativeSex.FEMALE: "Female",
    AdministrativeSex.MALE: "Male",
}

# (field, label, accessible name) for the plain text fields, in tab order within their group.
_NAME_FIELDS = (
    ("legal_first", "Legal &first name:", "Legal first name"),
    ("legal_middle", "&Middle name:", "Legal middle name"),
    ("legal_last", "Legal &last name:", "Legal last name"),
    ("preferred_name", "&Preferred name:", "Preferred name"),
    ("pronouns", "Prono&uns:", "Pronouns"),
)
_CONTACT_FIELDS = (
    ("phone", "P&hone:", "Phone"),
    ("email", "&Email:", "Email"),
    ("street", "S&treet:", "Street address"),
    ("city", "&City:", "City"),
    ("state", "State:", "State"),
    ("zip", "&ZIP:", "ZIP code"),
)
_EMERGENCY_FIELDS = (
    ("emergency_name", "&Name:", "Emergency contact name"),
    ("emergency_phone", "Ph&one:", "Emergency contact phone"),
    ("emergency_relationship", "Relat&ionship:", "Emergency contact relationship"),
)

# Checks run when a field is left, so a typo is caught at once with the same sentence the store gives.
_FIELD_CHECKS: dict[str, Callable[[str], object]] = {
    "phone": v.check_phone,
    "emergency_phone": lambda text: v.check_phone(text, "emergency_phone"),
    "email": v.check_email,
    "state": v.check_state,
    "zip": v.check_zip,
}


def parse_dob(text: str, today: date) -> date:
    """A typed date of birth. Two-digit years pick the century that is not in the future."""
    if not text.strip():
        raise ValidationError(DOB_REQUIRED_MESSAGE, "dob")

    def not_in_the_future(year: int) -> int:
        return 2000 + year if 2000 + year <= today.year else 1900 + year

    try:
        return parse_typed_date(text, not_in_the_future)
    except ValueError:
        raise ValidationError(DOB_FORMAT_MESSAGE, "dob") from None


def format_dob(day: date) -> str:
    return f"{day:%m/%d/%Y}"


def describe(widget: QWidget, hint: str | None = None) -> None:
    """Say `hint` (or the hint given before) as `widget`'s accessible description: a format shown only as
    placeholder text is gone once typing starts."""
    if hint is not None:
        widget.setProperty(_HINT, hint)
    widget.setAccessibleDescription(str(widget.property(_HINT) or ""))


class DateOfBirthEdit(QWidget):
    """A typed date with a calendar button; the calendar offers no future days."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText(DOB_HINT)
        self.edit.setAccessibleName("Date of birth")
        describe(self.edit, DOB_DESCRIPTION)
        self.edit.setToolTip("Type the date, like 05/17/1990, or press Alt+Down for a calendar")
        self.edit.setMaxLength(10)
        self.edit.setMinimumWidth(self.edit.fontMetrics().horizontalAdvance(DOB_HINT) + 20)
        self.edit.textEdited.connect(lambda _text: self.changed.emit())
        self.edit.installEventFilter(self)
        self.button = QToolButton(self)
        self.button.setText("▾")
        self.button.setAccessibleName("Choose the date of birth from a calendar")
        self.button.setToolTip("Choose from a calendar (Alt+Down)")
        self.button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Alt+Down from the field reaches it
        self.button.clicked.connect(self.show_calendar)
        self.calendar: QCalendarWidget | None = None
        self._menu: QMenu | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        # The format stays in sight while typing (the placeholder goes with the first key).
        self.hint = QLabel(DOB_HINT, self)
        self.hint.setObjectName("dobHint")
        theme.set_role(self.hint, theme.MUTED)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.button)
        layout.addSpacing(4)
        layout.addWidget(self.hint)
        self.setFocusProxy(self.edit)

    def text(self) -> str:
        return self.edit.text()

    def set_date(self, day: date | None) -> None:
        self.edit.setText("" if day is None else format_dob(day))

    def date(self, today: date) -> date:
        """The typed date; `ValidationError` (field "dob") when empty or unreadable."""
        return parse_dob(self.edit.text(), today)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.edit and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key = event
            alt_down = key.key() == Qt.Key.Key_Down and key.modifiers() & Qt.KeyboardModifier.AltModifier
            if alt_down or key.key() == Qt.Key.Key_F4:
                self.show_calendar()
                return True
        return super().eventFilter(watched, event)

    def show_calendar(self) -> QCalendarWidget:
        """Open the calendar under the field on the typed date, else on a page 30 years back."""
        today = date.today()
        if self._menu is None:
            self._menu = QMenu(self)
            self.calendar = QCalendarWidget(self._menu)
            self.calendar.setAccessibleName("Date of birth calendar")
            self.calendar.setGridVisible(False)
            self.calendar.setVerticalHeaderFormat(QCalendarWidget.VerticalHeaderFormat.NoVerticalHeader)
            self.calendar.activated.connect(self._picked)
            self.calendar.clicked.connect(self._picked)
            action = QWidgetAction(self._menu)
            action.setDefaultWidget(self.calendar)
            self._menu.addAction(action)
        assert self.calendar is not None
        self.calendar.setDateRange(QDate(1900, 1, 1), QDate(today.year, today.month, today.day))
        try:
            shown = parse_dob(self.edit.text(), today)
            if shown > today or shown.year < 1900:
                raise ValidationError(DOB_FORMAT_MESSAGE, "dob")
            self.calendar.setSelectedDate(QDate(shown.year, shown.month, shown.day))
        except ValidationError:
            self.calendar.setSelectedDate(QDate(today.year - 30, today.month, 1))
        self.calendar.setCurrentPage(self.calendar.selectedDate().year(), self.calendar.selectedDate().month())
        self._menu.popup(self.mapToGlobal(self.edit.geometry().bottomLeft()))
        self.calendar.setFocus()
        return self.calendar

    def _picked(self, day: QDate) -> None:
        self.edit.setText(format_dob(date(day.year(), day.month(), day.day())))
        if self._menu is not None:
            self._menu.hide()
        self.edit.setFocus()
        self.changed.emit()


class ClientForm(QWidget):
    """Demographics for one client. `changed` fires on every edit."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._base: Client | None = None
        self._loaded: tuple[str, ...] = ()
        self._fields: dict[str, QWidget] = {}
        self._errors: dict[str, QLabel] = {}
        self.lines: dict[str, QLineEdit] = {}

        self.general_error = error_label(self)
        self.dob = DateOfBirthEdit(self)
        self.dob.changed.connect(self.changed)
        self.sex = QComboBox(self)
        self.sex.setAccessibleName("Sex (administrative)")
        self.sex.setToolTip("Sex as the insurance card records it; claims carry it.")
        for sex, label in _SEX_LABELS.items():
            self.sex.addItem(label, sex)
        self.status = QComboBox(self)
        self.status.setAccessibleName("Status")
        for status in ClientStatus:
            self.status.addItem(fmt_status(status), status)
        self.referral = QLineEdit(self)
        self.referral.setAccessibleName("Referral source")
        self.referral.setPlaceholderText("e.g. Dr. Patel (PCP), Psychology Today")
        for combo in (self.sex, self.status):
            combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.referral.textEdited.connect(lambda _t: self.changed.emit())

        name = self._group("Name", _NAME_FIELDS)
        name_form = name.layout()
        assert isinstance(name_form, QFormLayout)
        pronouns = QCompleter(list(_PRONOUNS), self)
        pronouns.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.lines["pronouns"].setCompleter(pronouns)
        self.lines["pronouns"].setPlaceholderText("e.g. she/her")

        about = QGroupBox("About", self)
        about_form = self._form_layout(about)
        self._add_row(about_form, "dob", "Date of &birth:", self.dob, focus=self.dob.edit)
        self._add_row(about_form, "sex", "&Sex (administrative):", self.sex)
        self._add_row(about_form, "status", "Status:", self.status)
        self._add_row(about_form, "referral_source", "&Referral source:", self.referral)

        contact = self._group("Contact", _CONTACT_FIELDS)
        self.lines["phone"].setPlaceholderText("(555) 201-3344")
        self.lines["email"].setPlaceholderText("name@example.com")
        self.lines["state"].setPlaceholderText("NY")
        self.lines["state"].setMaxLength(2)
        self.lines["state"].setMaximumWidth(self.fontMetrics().horizontalAdvance("MMMM") + 16)
        states = QCompleter(sorted(v.US_STATES), self)
        states.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.lines["state"].setCompleter(states)
        self.lines["zip"].setPlaceholderText("12345 or 12345-6789")
        describe(self.lines["zip"], ZIP_DESCRIPTION)
        emergency = self._group("Emergency contact", _EMERGENCY_FIELDS)
        self.lines["emergency_phone"].setPlaceholderText("(555) 201-3344")
        self.lines["emergency_relationship"].setPlaceholderText("e.g. sister")

        left = QVBoxLayout()
        left.addWidget(name)
        left.addWidget(about)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(contact)
        right.addWidget(emergency)
        right.addStretch(1)
        columns = QHBoxLayout()
        columns.addLayout(left, 1)
        columns.addLayout(right, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.general_error)
        layout.addLayout(columns)

        self.setFocusProxy(self.lines["legal_first"])
        set_tab_order(*self.fields_in_order())
        self.set_client(None)

    # -- building ------------------------------------------------------------------------------

    def _form_layout(self, box: QGroupBox) -> QFormLayout:
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        return form

    def _group(self, title: str, fields: tuple[tuple[str, str, str], ...]) -> QGroupBox:
        box = QGroupBox(title, self)
        form = self._form_layout(box)
        for key, label, accessible in fields:
            line = QLineEdit(box)
            line.setAccessibleName(accessible)
            line.textEdited.connect(lambda _t: self.changed.emit())
            if key in _FIELD_CHECKS:
                line.editingFinished.connect(lambda k=key: self._check_field(k))
            self.lines[key] = line
            self._add_row(form, key, label, line)
        return box

    def _add_row(self, form: QFormLayout, key: str, label: str, widget: QWidget, focus: QWidget | None = None) -> None:
        cell = QWidget(form.parentWidget())
        column = QVBoxLayout(cell)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(widget)
        error = error_label(cell)
        column.addWidget(error)
        caption = QLabel(label, form.parentWidget())
        caption.setBuddy(focus or widget)
        form.addRow(caption, cell)
        self._fields[key] = focus or widget
        self._errors[key] = error

    # -- the public interface ------------------------------------------------------------------

    def fields_in_order(self) -> list[QWidget]:
        """The inputs in the order Tab visits them: what a clinician fills first (names, date of birth,
        sex, status) before the contact details, column by column as on screen."""
        names = [self.lines[key] for key, _label, _name in _NAME_FIELDS]
        about = [self.dob.edit, self.sex, self.status, self.referral]
        contact = [self.lines[key] for key, _label, _name in (*_CONTACT_FIELDS, *_EMERGENCY_FIELDS)]
        return [*names, *about, *contact]

    def set_client(self, client: Client | None) -> None:
        """Show `client` (None: an empty form for a new client, status Inquiry) and forget edits."""
        self._base = client
        for key, line in self.lines.items():
            line.setText("" if client is None else str(getattr(client, key)))
        self.referral.setText("" if client is None else client.referral_source)
        self.dob.set_date(None if client is None else client.dob)
        sex = AdministrativeSex.UNKNOWN if client is None else client.sex
        self.sex.setCurrentIndex(self.sex.findData(sex))
        status = ClientStatus.INQUIRY if client is None else client.status
        self.status.setCurrentIndex(self.status.findData(status))
        self.clear_errors()
        self._loaded = self._snapshot()

    def client(self) -> Client:
        """The client as the form shows it, validated by the domain; `ValidationError` names the field.

        Fields the form does not show (id, account number, intake and discharge dates) come from the
        client given to `set_client`.
        """
        today = date.today()
        dob_error: ValidationError | None = None
        try:
            dob = self.dob.date(today)
        except ValidationError as err:
            dob, dob_error = today, err
        values: dict[str, Any] = {key: line.text() for key, line in self.lines.items()}
        values.update(
            referral_source=self.referral.text(),
            dob=dob,
            sex=AdministrativeSex(self.sex.currentData()),
            status=ClientStatus(self.status.currentData()),
        )
        candidate = dataclasses.replace(self._base or Client(legal_first="", legal_last="", dob=dob), **values)
        if dob_error is not None:
            # Report in the domain's order: the names come before the date of birth.
            try:
                candidate.validated(today)
            except ValidationError as err:
                if err.field in ("legal_first", "legal_last"):
                    raise
            raise dob_error
        return candidate.validated(today)

    def show_error(self, field: str | None, message: str) -> None:
        """Show `message` under `field` (or at the top when it belongs to no field here) and focus it."""
        label = self._errors.get(field or GENERAL, self.general_error)
        label.setText(message)
        label.show()
        widget = self._fields.get(field or GENERAL)
        if widget is not None:
            widget.setAccessibleDescription(message)
            widget.setFocus()

    def clear_errors(self) -> None:
        for label in (*self._errors.values(), self.general_error):
            label.clear()
            label.hide()
        for widget in self._fields.values():
            describe(widget)

    def error_text(self, field: str | None) -> str:
        """The message shown for `field` ("" when none; GENERAL for the top of the form)."""
        label = self._errors.get(field or GENERAL, self.general_error)
        return label.text() if not label.isHidden() else ""

    def visible_errors(self) -> list[str]:
        return [label.text() for label in (*self._errors.values(), self.general_error) if not label.isHidden()]

    def field_widget(self, field: str) -> QWidget:
        """The input for `field` (the text box for the date of birth)."""
        return self._fields[field]

    def is_modified(self) -> bool:
        """Whether anything differs from what `set_client` showed."""
        return self._snapshot() != self._loaded

    def clear(self) -> None:
        """Empty every field (locking)."""
        self.set_client(None)

    # -- internals -----------------------------------------------------------------------------

    def _snapshot(self) -> tuple[str, ...]:
        return (
            *(line.text() for line in self.lines.values()),
            self.referral.text(),
            self.dob.text(),
            str(self.sex.currentData()),
            str(self.status.currentData()),
        )

    def _check_field(self, key: str) -> None:
        """Check one field as it is left; a fixed field loses its message."""
        text = self.lines[key].text()
        label = self._errors[key]
        try:
            if text.strip():
                _FIELD_CHECKS[key](text)
        except ValidationError as err:
            label.setText(str(err))
            label.show()
            self.lines[key].setAccessibleDescription(str(err))
            return
        label.clear()
        label.hide()
        describe(self.lines[key])


@registry.view
class AddClientDialog(QDialog):
    """Add a client: `client_added(Client)` fires with the saved client, then the dialog closes.

    A `ValidationError` from the store stays in the dialog, next to its field; nothing is saved.
    Closing with typed details asks first.
    """

    client_added = Signal(object)

    def __init__(self, vault: Vault, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("addClientDialog")
        self.setWindowTitle("Add client")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self._vault = vault
        self._discarding = False
        self.confirm: QMessageBox | None = None
        self.form = ClientForm(self)
        self.buttons = buttons = QDialogButtonBox(self)
        self.add_button = QPushButton("&Add client", self)
        self.add_button.setAccessibleName("Add client")
        self.add_button.setToolTip("Save the new client (Enter)")
        self.add_button.setDefault(True)
        self.cancel_button = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setToolTip("Close without adding (Esc)")
        buttons.addButton(self.add_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        intro = QLabel("Only the legal name and date of birth are needed now; the rest can wait.", self)
        intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.form, 1)
        layout.addWidget(buttons)
        self.setMinimumWidth(112 * self.fontMetrics().averageCharWidth())
        set_tab_order(self.form.fields_in_order()[-1], buttons)
        self.form.setFocus()

    def submit(self) -> bool:
        """Validate and save; True when the client was added."""
        self.form.clear_errors()
        try:
            saved = self._vault.clients.create(self.form.client())
        except ValidationError as err:
            self.form.show_error(err.field, str(err))
            self._grow_to_fit()
            return False
        self._discarding = True
        self.client_added.emit(saved)
        self.accept()
        return True

    def _grow_to_fit(self) -> None:
        """A shown message adds a line under its field: make room rather than squeeze the form."""
        layout = self.layout()
        if layout is not None:
            layout.activate()
        hint = self.sizeHint()
        if hint.height() > self.height():
            self.resize(self.width(), hint.height())

    def reject(self) -> None:
        if self._discarding or not self.form.is_modified():
            self.form.clear()
            super().reject()
            return
        box = QMessageBox(QMessageBox.Icon.Question, "Add client", "Discard this new client?", parent=self)
        box.setInformativeText("The details you typed will not be saved.")
        discard = box.addButton("&Discard", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton("&Keep editing", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(discard)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.buttonClicked.connect(lambda button: self.discard() if button is discard else None)
        self.confirm = box
        box.open()

    def discard(self) -> None:
        """Close without saving and without asking."""
        self._discarding = True
        self.reject()

    def save_or_discard(self) -> None:
        """Before a lock: add the client if the form validates, else drop it; never ask."""
        if self.form.is_modified():
            try:
                saved = self._vault.clients.create(self.form.client())
            except ValidationError:
                pass
            else:
                self.client_added.emit(saved)
        self.discard()
