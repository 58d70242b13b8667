"""The Billing page's forms (a catalogue entry, a payer) and the pieces the billing forms share: a money
field typed as 125, 125.00 or $125, and captioned rows with inline errors."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QLineEdit, QSpinBox, QWidget

from therapy_desk.domain.billing import Payer, PayerKind, parse_dollars
from therapy_desk.domain.codes import ServiceCode
from therapy_desk.ui import registry
from therapy_desk.ui.chart_contact_dialogs import _FormDialog, _line
from therapy_desk.ui.format import fmt_money
from therapy_desk.ui.models.billing_models import payer_kind_label

MONEY_HINT = "Dollars: 125, 125.00 or $125"


def money_line(parent: QWidget, name: str, cents: int | None = None) -> QLineEdit:
    """A field for an amount in dollars; its format is also its accessible description."""
    edit = _line(parent, name, "" if cents is None else fmt_money(cents).lstrip("$"), MONEY_HINT)
    edit.setMaximumWidth(edit.fontMetrics().horizontalAdvance("$1,000,000.00") * 2)
    return edit


def read_cents(edit: QLineEdit, field: str, *, blank: int | None = None) -> int:
    """The amount typed in `edit`, in cents; `blank` when it is left empty (if given), else the sentence."""
    if blank is not None and not edit.text().strip():
        return blank
    return parse_dollars(edit.text(), field)


class _BillingForm(_FormDialog):
    """A billing form: captioned rows with their sentences, and a refusal puts the focus on its field."""

    def __init__(self, title: str, parent: QWidget | None) -> None:
        super().__init__(title, parent)
        self.fields: dict[str, QWidget] = {}
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 70)

    def save(self) -> bool:
        saved = super().save()
        if not saved:
            self.focus_error()
        return saved

    def focus_error(self) -> None:
        """Focus the field whose sentence is showing (the store names it), so typing fixes it."""
        for field, widget in self.fields.items():
            label = self.errors.label(field)
            if label is not None and not label.isHidden():
                widget.setFocus()
                if isinstance(widget, QLineEdit):
                    widget.selectAll()
                return


def add_rows(dialog: _BillingForm, rows: Sequence[tuple[str, QWidget, str]]) -> None:
    """(caption, field, store field name) rows: the caption bound to its field, the field's sentence under it."""
    dialog.fields.update({field: widget for _caption, widget, field in rows})
    dialog.errors.add_rows(dialog.form, rows)


def move_row_first(form: QFormLayout, field: QWidget) -> None:
    """Put the captioned row holding `field` (as `add_rows` laid it out) at the top of the form."""
    box = field.parentWidget()
    row = -1
    for number in range(form.rowCount()):
        item = form.itemAt(number, QFormLayout.ItemRole.FieldRole)
        if item is not None and item.widget() is box:
            row = number
    if row > 0:
        taken = form.takeRow(row)
        label, holder = taken.labelItem.widget(), taken.fieldItem.widget()
        if label is not None and holder is not None:
            form.insertRow(0, label, holder)


def minutes_box(parent: QWidget, name: str, minutes: int | None) -> QSpinBox:
    """Whole minutes from 1 to 600, or blank (0 shows as "None")."""
    box = QSpinBox(parent)
    box.setAccessibleName(name)
    box.setRange(0, 600)
    box.setSpecialValueText("None")
    box.setValue(minutes or 0)
    return box


@registry.view
class ServiceDialog(_BillingForm):
    """Add a catalogue entry, or edit one's wording, minutes, fee and flags (a code is never renamed)."""

    def __init__(
        self, service: ServiceCode | None, submit: Callable[[ServiceCode], ServiceCode], parent: QWidget | None = None
    ) -> None:
        super().__init__(f"Edit service {service.code}" if service else "Add service", parent)
        self.setObjectName("serviceDialog")
        self._submit = submit
        s = service or ServiceCode("", "", None, 0)
        self.code = _line(self, "Code", s.code, "e.g. 90834")
        if service is not None:  # a code is never renamed: shown, read-only, and not a Tab stop
            self.code.setReadOnly(True)
            self.code.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.description = _line(self, "Description", s.description)
        self.minutes = minutes_box(self, "Default minutes", s.default_minutes)
        self.fee = money_line(self, "Fee", None if service is None else s.default_fee_cents)
        self.addon = QCheckBox("An a&dd-on code (billed only with its primary code)", self)
        self.addon.setChecked(s.is_addon)
        self.insurance = QCheckBox("&Billable to insurance", self)
        self.insurance.setChecked(s.billable_to_insurance)
        self.active = QCheckBox("Acti&ve (offered for new charges)", self)
        self.active.setChecked(s.active)
        add_rows(
            self,
            (
                ("&Code:" if service is None else "Code:", self.code, "code"),
                ("&Fee:", self.fee, "default_fee_cents"),
                ("Desc&ription:", self.description, "description"),
                ("&Minutes:", self.minutes, "default_minutes"),
                ("", self.addon, "is_addon"),
                ("", self.insurance, "billable_to_insurance"),
                ("", self.active, "active"),
            ),
        )
        (self.code if service is None else self.fee).setFocus()
        if service is not None:
            self.fee.selectAll()
        self.remember_initial()

    def snapshot(self) -> tuple[Any, ...]:
        return (
            self.code.text(),
            self.description.text(),
            self.minutes.value(),
            self.fee.text(),
            self.addon.isChecked(),
            self.insurance.isChecked(),
            self.active.isChecked(),
        )

    def value(self) -> ServiceCode:
        return ServiceCode(
            code=self.code.text(),
            description=self.description.text(),
            default_minutes=self.minutes.value() or None,
            default_fee_cents=read_cents(self.fee, "default_fee_cents"),
            is_addon=self.addon.isChecked(),
            billable_to_insurance=self.insurance.isChecked(),
            active=self.active.isChecked(),
        )

    def submit(self, value: ServiceCode) -> ServiceCode:
        return self._submit(value)


@registry.view
class PayerDialog(_BillingForm):
    """Add or edit an insurer or EAP: name, kind, electronic payer ID, claims address and phone."""

    def __init__(self, payer: Payer | None, submit: Callable[[Payer], Payer], parent: QWidget | None = None) -> None:
        super().__init__("Edit payer" if payer else "Add payer", parent)
        self.setObjectName("payerDialog")
        self._payer = payer
        self._submit = submit
        p = payer or Payer("")
        self.name = _line(self, "Name", p.name, "e.g. Cascade Health Plan")
        self.kind = QComboBox(self)
        self.kind.setAccessibleName("Kind")
        for kind in PayerKind:
            self.kind.addItem(payer_kind_label(kind), kind)
        self.kind.setCurrentIndex(self.kind.findData(p.kind))
        self.electronic_id = _line(self, "Electronic payer ID", p.electronic_id, "The clearinghouse's payer ID")
        self.street = _line(self, "Street", p.street)
        self.city = _line(self, "City", p.city)
        self.state = _line(self, "State", p.state, "Two letters, e.g. OR")
        self.zip = _line(self, "ZIP code", p.zip)
        self.phone = _line(self, "Phone", p.phone, "(555) 201-3344")
        self.active = QCheckBox("Acti&ve (offered for new coverage)", self)
        self.active.setChecked(p.active)
        add_rows(
            self,
            (
                ("&Name:", self.name, "name"),
                ("&Kind:", self.kind, "kind"),
                ("&Electronic payer ID:", self.electronic_id, "electronic_id"),
                ("S&treet:", self.street, "street"),
                ("C&ity:", self.city, "city"),
                ("St&ate:", self.state, "state"),
                ("&ZIP code:", self.zip, "zip"),
                ("&Phone:", self.phone, "phone"),
                ("", self.active, "active"),
            ),
        )
        self.name.setFocus()
        self.remember_initial()

    def snapshot(self) -> tuple[Any, ...]:
        return (
            self.name.text(),
            self.kind.currentIndex(),
            self.electronic_id.text(),
            self.street.text(),
            self.city.text(),
            self.state.text(),
            self.zip.text(),
            self.phone.text(),
            self.active.isChecked(),
        )

    def value(self) -> Payer:
        return Payer(
            name=self.name.text(),
            kind=PayerKind(self.kind.currentData()),
            electronic_id=self.electronic_id.text(),
            street=self.street.text(),
            city=self.city.text(),
            state=self.state.text(),
            zip=self.zip.text(),
            phone=self.phone.text(),
            active=self.active.isChecked(),
            id=None if self._payer is None else self._payer.id,
        )

    def submit(self, value: Payer) -> Payer:
        saved = self._submit(value)
        self._payer = saved
        return saved
