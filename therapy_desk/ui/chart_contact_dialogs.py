"""The add/edit forms of the Contacts and releases tab, as window-modal dialogs that validate inline."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from therapy_desk.domain.clients import CareContact, ContactRole, Release
from therapy_desk.errors import ValidationError
from therapy_desk.ui import registry
from therapy_desk.ui.chart_common import (
    FieldErrors,
    OptionalDateEdit,
    from_qdate,
    to_qdate,
)
from therapy_desk.ui.widgets.date_field import DateField
from therapy_desk.ui.widgets.passphrase import muted_label
from therapy_desk.ui.widgets.status_label import error_label

NPI_HINT = "Needed when this contact refers the client for a claim (CMS-1500 box 17b)."


def _line(parent: QWidget, name: str, text: str = "", placeholder: str = "") -> QLineEdit:
    edit = QLineEdit(text, parent)
    edit.setAccessibleName(name)
    edit.setPlaceholderText(placeholder)
    edit.setAccessibleDescription(placeholder)  # placeholder text is gone once typing starts
    return edit


class _FormDialog(QDialog):
    """A form whose Save hands its value to `submit`; the store's `ValidationError` shows by its field."""

    # Each dialog defines these (Qt's metaclass rules out ABCMeta for @abstractmethod):
    snapshot: Callable[[], tuple[Any, ...]]  # the fields, to tell whether anything changed since opening
    value: Callable[[], Any]  # the domain value the form holds (raises ValidationError)
    submit: Callable[[Any], Any]  # store it through the vault; returns what was stored

    def __init__(self, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.general_error = error_label(self)
        self.errors = FieldErrors(self.general_error)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setToolTip("Save (Ctrl+S)")
        self.save_button.setShortcut("Ctrl+S")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.general_error)
        layout.addWidget(self.buttons)
        self._initial: tuple[Any, ...] = ()

    def remember_initial(self) -> None:
        self._initial = self.snapshot()

    def event(self, event: QEvent) -> bool:
        # Ctrl+S is the Save button's, and also the chart's (it saves the open tab, forms included): both
        # would match, and Qt runs neither of two matching shortcuts. The form claims the key for itself.
        claimed = isinstance(event, QKeyEvent) and event.matches(QKeySequence.StandardKey.Save)
        if event.type() == QEvent.Type.ShortcutOverride and claimed:
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Save):
            self.save()
            return
        super().keyPressEvent(event)

    def is_dirty(self) -> bool:
        return self.snapshot() != self._initial

    def save(self) -> bool:
        """Validate and save through the store; False (with the sentence shown) when it is refused."""
        self.errors.clear()
        try:
            self.submit(self.value())
        except ValidationError as err:
            self.errors.show(err)
            self.errors.focus(err.field)
            return False
        self.remember_initial()
        self.accept()
        return True


@registry.view
class ContactDialog(_FormDialog):
    """Add (no contact) or edit a care contact: psychiatrist, primary care, school, agency…"""

    def __init__(
        self,
        client_id: int,
        contact: CareContact | None,
        submit: Callable[[CareContact], CareContact],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Edit contact" if contact else "Add contact", parent)
        self.setObjectName("contactDialog")
        self._client_id = client_id
        self._contact = contact
        self._submit = submit
        c = contact or CareContact(client_id, ContactRole.OTHER, "")
        self.role = QComboBox(self)
        self.role.setAccessibleName("Role")
        for role in ContactRole:
            self.role.addItem(role.value.capitalize(), role)
        self.role.setCurrentIndex(self.role.findData(c.role))
        self.name = _line(self, "Name", c.name, "Dr. Jane Smith")
        self.organization = _line(self, "Organization", c.organization)
        self.npi = _line(self, "NPI", c.npi, "10 digits (optional)")
        self.npi_hint = muted_label(NPI_HINT)
        self.npi.setAccessibleDescription(NPI_HINT)
        self.phone = _line(self, "Phone", c.phone, "(555) 201-3344")
        self.fax = _line(self, "Fax", c.fax)
        self.email = _line(self, "Email", c.email, "name@example.com")
        self.notes = QPlainTextEdit(c.notes, self)
        self.notes.setAccessibleName("Notes")
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(self.fontMetrics().lineSpacing() * 4)
        self._fields: dict[str, QWidget] = {}
        for caption, widget, field in (
            ("&Role:", self.role, "role"),
            ("&Name:", self.name, "name"),
            ("&Organization:", self.organization, "organization"),
            ("NP&I:", self.npi, "npi"),
            ("&Phone:", self.phone, "phone"),
            ("&Fax:", self.fax, "fax"),
            ("&Email:", self.email, "email"),
            ("No&tes:", self.notes, "notes"),
        ):
            self._fields[field] = widget
            row = self.errors.under(widget, field)
            lines = row.layout()
            if widget is self.npi and isinstance(lines, QVBoxLayout):  # `under` stacks the field and its sentence
                lines.insertWidget(1, self.npi_hint)
            self.form.addRow(caption, row)
            label = self.form.labelForField(row)
            if isinstance(label, QLabel):
                label.setBuddy(widget)
        (self.name if contact is None else self.role).setFocus()  # a new contact's role has a default
        self.remember_initial()

    def save(self) -> bool:
        saved = super().save()
        refused = [w for f, w in self._fields.items() if (label := self.errors.label(f)) and not label.isHidden()]
        if refused:  # the cursor goes to the field the sentence is about, so typing fixes it
            refused[0].setFocus()
            if isinstance(refused[0], QLineEdit):
                refused[0].selectAll()
        return saved

    def snapshot(self) -> tuple[Any, ...]:
        return (
            self.role.currentData(),
            self.name.text(),
            self.organization.text(),
            self.npi.text(),
            self.phone.text(),
            self.fax.text(),
            self.email.text(),
            self.notes.toPlainText(),
        )

    def value(self) -> CareContact:
        return CareContact(
            client_id=self._client_id,
            role=ContactRole(self.role.currentData()),
            name=self.name.text(),
            organization=self.organization.text(),
            phone=self.phone.text(),
            fax=self.fax.text(),
            email=self.email.text(),
            notes=self.notes.toPlainText(),
            id=None if self._contact is None else self._contact.id,
            npi=self.npi.text(),
        )

    def submit(self, value: CareContact) -> CareContact:
        saved = self._submit(value)
        self._contact = saved
        return saved


@registry.view
class ReleaseDialog(_FormDialog):
    """Record a signed release of information (who, what, why, when signed, until when).

    It starts on `chosen` (the contact selected in the chart), else on the client's first contact:
    most releases are for someone already on the chart.
    """

    def __init__(
        self,
        client_id: int,
        contacts: list[CareContact],
        submit: Callable[[Release], Release],
        parent: QWidget | None = None,
        chosen: CareContact | None = None,
    ) -> None:
        super().__init__("Add release of information", parent)
        self.setObjectName("releaseDialog")
        self._client_id = client_id
        self._submit = submit
        self.contact = QComboBox(self)
        self.contact.setAccessibleName("Contact")
        self.contact.addItem("Not one of the client's contacts", None)
        for c in contacts:
            self.contact.addItem(f"{c.name} ({c.role.value})", c)
        self.contact.currentIndexChanged.connect(self._contact_chosen)
        self.recipient = _line(self, "Recipient", placeholder="Who may receive the information")
        self._filled_recipient = ""  # what choosing a contact wrote, so choosing another may replace it
        self.scope = _line(self, "May share", placeholder="e.g. diagnosis, treatment plan, attendance")
        self.purpose = _line(self, "Purpose", placeholder="e.g. coordination of care")
        self.signed = DateField(self)
        self.signed.setDate(to_qdate(date.today()))
        self.signed.setAccessibleName("Signed on")
        self.expires = OptionalDateEdit("Set", "Expires on", self)
        self.expires.set_day(date.today() + timedelta(days=365))
        self.psychotherapy = QCheckBox("Covers &psychotherapy notes (needs its own specific authorization)", self)
        self.errors.add_rows(
            self.form,
            (
                ("&Contact:", self.contact, "contact_id"),
                ("&Recipient:", self.recipient, "recipient"),
                ("&May share:", self.scope, "scope"),
                ("P&urpose:", self.purpose, "purpose"),
                ("&Signed on:", self.signed, "signed_on"),
                ("E&xpires:", self.expires, "expires_on"),
                ("", self.psychotherapy, "covers_psychotherapy_notes"),
            ),
        )
        if contacts:
            ids = [c.id for c in contacts]
            self.contact.setCurrentIndex(1 + (ids.index(chosen.id) if chosen is not None and chosen.id in ids else 0))
        (self.scope if self.recipient.text() else self.recipient).setFocus()  # the first field left to fill
        self.remember_initial()

    def _contact_chosen(self, _index: int) -> None:
        """Fill the recipient from the contact, unless the user typed one of their own."""
        typed = self.recipient.text().strip()
        if typed and typed != self._filled_recipient:
            return
        contact = self.contact.currentData()
        recipient = ""
        if isinstance(contact, CareContact):
            recipient = contact.name if not contact.organization else f"{contact.name}, {contact.organization}"
        self.recipient.setText(recipient)
        self._filled_recipient = recipient

    def snapshot(self) -> tuple[Any, ...]:
        return (
            self.contact.currentIndex(),
            self.recipient.text(),
            self.scope.text(),
            self.purpose.text(),
            self.signed.date(),
            self.expires.day(),
            self.psychotherapy.isChecked(),
        )

    def value(self) -> Release:
        contact = self.contact.currentData()
        return Release(
            client_id=self._client_id,
            recipient=self.recipient.text(),
            scope=self.scope.text(),
            purpose=self.purpose.text(),
            signed_on=from_qdate(self.signed.date()),
            expires_on=self.expires.day(),
            covers_psychotherapy_notes=self.psychotherapy.isChecked(),
            contact_id=contact.id if isinstance(contact, CareContact) else None,
        )

    def submit(self, value: Release) -> Release:
        return self._submit(value)
