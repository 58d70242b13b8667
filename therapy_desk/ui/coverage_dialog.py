"""Add or edit a client's insurance coverage: payer, insurance type (CMS-1500 box 1) and plan name, rank,
member and group IDs, the subscriber (name, birth date, sex, address and phone) when it is not the client,
copay and coinsurance, authorization, the signatures on file (boxes 12 and 13) and the dates the policy
covers. The domain's `Coverage.validated` rules apply through the store; each refusal shows under its field."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QSpinBox, QVBoxLayout, QWidget

from therapy_desk.domain.billing import Coverage, CoverageRank, Payer, Relationship
from therapy_desk.domain.claims import InsuranceType, insurance_type_for
from therapy_desk.domain.clients import AdministrativeSex
from therapy_desk.errors import ValidationError
from therapy_desk.ui import registry, windows
from therapy_desk.ui.billing_dialogs import _BillingForm, add_rows, money_line, read_cents
from therapy_desk.ui.chart_common import OptionalDateEdit, from_qdate, to_qdate
from therapy_desk.ui.chart_contact_dialogs import _line
from therapy_desk.ui.widgets.client_form import DOB_DESCRIPTION
from therapy_desk.ui.widgets.date_field import DateField
from therapy_desk.ui.widgets.focus import focus_through, scrolling

_RELATIONSHIPS = {
    Relationship.SELF: "Self (the client is the subscriber)",
    Relationship.SPOUSE: "Spouse",
    Relationship.CHILD: "Child",
    Relationship.OTHER: "Other",
}
# Box 1's usual answer for a payer of each kind (any other kind: a group health plan); the user may pick another.
_SEXES = {AdministrativeSex.UNKNOWN: "Unknown", AdministrativeSex.FEMALE: "Female", AdministrativeSex.MALE: "Male"}


def _combo(parent: QWidget, name: str, items: dict[Any, str], current: object) -> QComboBox:
    combo = QComboBox(parent)
    combo.setAccessibleName(name)
    for value, text in items.items():
        combo.addItem(text, value)
    combo.setCurrentIndex(max(0, combo.findData(current)))
    return combo


def _side_by_side(parent: QWidget, *widgets: QWidget) -> QWidget:
    """Fields on one line under one caption (“City, state, ZIP:”); the caption's key focuses the first."""
    row = QWidget(parent)
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        layout.addWidget(widget)
    layout.addStretch(1)
    focus_through(row, widgets[0])
    return row


def _narrow(edit: QLineEdit, sample: str) -> QLineEdit:
    edit.setMaximumWidth(edit.fontMetrics().horizontalAdvance(sample) * 2)
    return edit


@registry.view
class CoverageDialog(_BillingForm):
    """A policy for one client. `payers` are those offered (active ones, and the policy's own)."""

    def __init__(
        self,
        client_id: int,
        coverage: Coverage | None,
        payers: list[Payer],
        submit: Callable[[Coverage], Coverage],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Edit coverage" if coverage else "Add coverage", parent)
        self.setObjectName("coverageDialog")
        self._client_id = client_id
        self._coverage = coverage
        self._submit = submit
        c = coverage or Coverage(client_id, 0, "", date.today())
        self.payer = _combo(self, "Payer", {p.id: p.name for p in payers}, c.payer_id)
        self._payer_kinds = {p.id: p.kind for p in payers}
        self.insurance_type = _combo(self, "Insurance type", {t: t.label for t in InsuranceType}, c.insurance_type)
        self.insurance_type.setAccessibleDescription("CMS-1500 box 1; chosen from the payer's kind until you pick one")
        # A new coverage's type follows the payer until the user picks one; an edited one keeps its own
        # until the payer changes.
        self._type_picked = False
        self.insurance_type.activated.connect(self._type_chosen)
        self.rank = _combo(self, "Plan rank", {r: r.value.capitalize() for r in CoverageRank}, c.rank)
        self.member_id = _line(self, "Member ID", c.member_id, "As on the insurance card")
        self.group_number = _line(self, "Group number", c.group_number)
        self.plan_name = _line(self, "Plan name", c.plan_name, "As on the card, e.g. Gold PPO (optional)")
        # The client's name as the card spells it, when it is not the legal name (another script, a former name).
        self.card_first = _line(self, "Name on the card, first", c.card_first, "First, if not the legal name")
        self.card_last = _line(self, "Name on the card, last", c.card_last, "Last")
        self.card_name = _side_by_side(self, self.card_first, self.card_last)
        self.relationship = _combo(self, "Relationship to the subscriber", _RELATIONSHIPS, c.relationship)
        other = c.relationship is not Relationship.SELF
        self.subscriber_first = _line(self, "Subscriber first name", c.subscriber_first if other else "")
        self.subscriber_last = _line(self, "Subscriber last name", c.subscriber_last if other else "")
        self.subscriber_sex = _combo(self, "Subscriber's sex", _SEXES, c.subscriber_sex if other else None)
        self.subscriber_dob = OptionalDateEdit("Set", "Subscriber's date of birth", self)
        self.subscriber_dob.edit.setAccessibleDescription(DOB_DESCRIPTION)
        self.subscriber_dob.set_day(c.subscriber_dob if other else None, default=date(1980, 1, 1))
        self.born = _side_by_side(self, self.subscriber_sex, self.subscriber_dob)
        self.subscriber_street = _line(self, "Subscriber's street", c.subscriber_street)
        self.subscriber_city = _line(self, "Subscriber's city", c.subscriber_city)
        self.subscriber_state = _narrow(_line(self, "Subscriber's state", c.subscriber_state, "NY"), "WWW")
        self.subscriber_zip = _narrow(_line(self, "Subscriber's ZIP code", c.subscriber_zip, "12345"), "12345-6789")
        self.subscriber_phone = _line(self, "Subscriber's phone", c.subscriber_phone, "(555) 201-3344")
        self.place = _side_by_side(self, self.subscriber_city, self.subscriber_state, self.subscriber_zip)
        self.copay = money_line(self, "Copay", c.copay_cents if coverage else None)
        self.coinsurance = QSpinBox(self)
        self.coinsurance.setAccessibleName("Coinsurance percent")
        self.coinsurance.setAccessibleDescription("The client's share after the deductible; None when not known")
        self.coinsurance.setRange(-1, 100)
        self.coinsurance.setSpecialValueText("None")
        self.coinsurance.setSuffix(" %")
        self.coinsurance.setValue(-1 if c.coinsurance_percent is None else c.coinsurance_percent)
        self.payment_share = _side_by_side(self, self.copay, self.coinsurance)
        self.authorization = _line(self, "Authorization number", c.authorization_number)
        self.visits = QSpinBox(self)
        self.visits.setAccessibleName("Authorized visits")
        self.visits.setRange(-1, 999)
        self.visits.setSpecialValueText("None")
        self.visits.setValue(-1 if c.authorized_visits is None else c.authorized_visits)
        self.auth_start = OptionalDateEdit("Set", "Authorization from", self)
        self.auth_start.set_day(c.authorization_start)
        self.auth_end = OptionalDateEdit("Set", "Authorization until", self)
        self.auth_end.set_day(c.authorization_end)
        self.start = DateField(self)
        self.start.setAccessibleName("Coverage starts")
        self.start.setDate(to_qdate(c.start_date))
        self.end = OptionalDateEdit("Set", "Coverage ends", self)
        self.end.set_day(c.end_date)
        self.release_signed = OptionalDateEdit("On file", "Release of information signed on", self)
        self.release_signed.setToolTip("CMS-1500 box 12: the client's signature authorizing release, on file")
        self.release_signed.set_day(c.release_signed_on)
        self.release_signed.check.setAccessibleName("Release of information signed on: on file")
        self.assignment_signed = OptionalDateEdit("On file", "Assignment of benefits signed on", self)
        self.assignment_signed.setToolTip("CMS-1500 box 13: the insured's signature assigning benefits, on file")
        self.assignment_signed.set_day(c.assignment_signed_on)
        self.assignment_signed.check.setAccessibleName("Assignment of benefits signed on: on file")
        add_rows(
            self,
            (
                ("&Payer:", self.payer, "payer_id"),
                ("&Insurance type:", self.insurance_type, "insurance_type"),
                ("Plan ran&k:", self.rank, "rank"),
                ("&Member ID:", self.member_id, "member_id"),
                ("&Group number:", self.group_number, "group_number"),
                # After the IDs the card gives (optional, so a refused member ID is still the first to fill).
                ("Pla&n name:", self.plan_name, "plan_name"),
                ("Name on the &card:", self.card_name, "card_first"),
                ("&Relationship:", self.relationship, "relationship"),
                ("Subscriber &first name:", self.subscriber_first, "subscriber_first"),
                ("Subscriber &last name:", self.subscriber_last, "subscriber_last"),
                ("Subscriber's se&x, date of birth:", self.born, "subscriber_sex"),
                ("Subscriber's s&treet:", self.subscriber_street, "subscriber_street"),
                ("Subscriber's cit&y, state, ZIP:", self.place, "subscriber_city"),
                ("Subscriber's p&hone:", self.subscriber_phone, "subscriber_phone"),
                ("C&opay, coinsurance:", self.payment_share, "copay_cents"),
                ("&Authorization number:", self.authorization, "authorization_number"),
                ("Authorized &visits:", self.visits, "authorized_visits"),
                ("Authori&zation from:", self.auth_start, "authorization_start"),
                ("Authorization &until:", self.auth_end, "authorization_end"),
                ("Coverage &starts:", self.start, "start_date"),
                ("Coverage &ends:", self.end, "end_date"),
                ("Release of information signe&d on:", self.release_signed, "release_signed_on"),
                ("Assignment of &benefits signed on:", self.assignment_signed, "assignment_signed_on"),
            ),
        )
        self._refused: str | None = None  # the field the store named when it last refused
        self._share_row(self.card_name, {"card_first": self.card_first, "card_last": self.card_last})
        self._share_row(self.born, {"subscriber_sex": self.subscriber_sex, "subscriber_dob": self.subscriber_dob})
        self._share_row(
            self.place,
            {
                "subscriber_city": self.subscriber_city,
                "subscriber_state": self.subscriber_state,
                "subscriber_zip": self.subscriber_zip,
            },
        )
        self._share_row(self.payment_share, {"copay_cents": self.copay, "coinsurance_percent": self.coinsurance})
        self.relationship.currentIndexChanged.connect(lambda _i: self._show_subscriber())
        self.payer.currentIndexChanged.connect(lambda _i: self._default_type())
        if coverage is None:
            self._default_type()
        self._show_subscriber()
        self._scroll_the_form()
        (self.payer if coverage is None else self.member_id).setFocus()
        self.remember_initial()

    def _scroll_the_form(self) -> None:
        """Twenty-odd rows are taller than a 720-pixel screen: the rows scroll (to the field with the focus),
        the sentences and buttons below them stay in view, and the dialog is no taller than the screen."""
        outer = self.layout()
        assert isinstance(outer, QVBoxLayout)  # _FormDialog's
        outer.removeItem(self.form)
        body = QWidget(self)
        self.form.setParent(None)
        body.setLayout(self.form)
        area = scrolling(body)
        wanted = body.sizeHint()
        screen = windows.screen_for(self)
        room = screen.availableGeometry().height() - 200 if screen is not None else wanted.height()
        area.setMinimumSize(wanted.width() + area.verticalScrollBar().sizeHint().width(), min(wanted.height(), room))
        outer.insertWidget(0, area, 1)

    def showEvent(self, event: QShowEvent) -> None:  # Qt's name
        super().showEvent(event)
        windows.fit_on_screen(self)

    def _type_chosen(self, _index: int) -> None:
        self._type_picked = True

    def _default_type(self) -> None:
        """Box 1 from the chosen payer's kind (Medicare, Medicaid, else a group health plan), unless picked."""
        if self._type_picked:
            return
        kind = self._payer_kinds.get(self.payer.currentData())
        chosen = insurance_type_for(kind) if kind is not None else InsuranceType.GROUP
        self.insurance_type.setCurrentIndex(self.insurance_type.findData(chosen))

    def _share_row(self, row: QWidget, fields: dict[str, QWidget]) -> None:
        """A row of fields under one caption (`add_rows` laid it out under its first field's name): the
        caption is the row's, so "City, state, ZIP" is heard over City; each field's sentence shows under
        the row, and a refusal focuses the field it names (see `focus_error`)."""
        box = row.parentWidget()
        label = None if box is None else self.form.labelForField(box)
        if isinstance(label, QLabel):
            label.setBuddy(row)
        shared = self.errors.label(next(iter(fields)))
        for field, widget in fields.items():
            self.errors.add(field, shared)
            self.fields[field] = widget

    def focus_error(self) -> None:
        widget = self.fields.get(self._refused or "")
        if widget is None:
            super().focus_error()
            return
        widget.setFocus()
        if isinstance(widget, QLineEdit):
            widget.selectAll()

    def _subscriber_fields(self) -> tuple[QWidget, ...]:
        return (
            self.subscriber_first,
            self.subscriber_last,
            self.subscriber_dob,
            self.subscriber_sex,
            self.subscriber_street,
            self.subscriber_city,
            self.subscriber_state,
            self.subscriber_zip,
            self.subscriber_phone,
        )

    def _show_subscriber(self) -> None:
        """The subscriber's fields are asked for only when the client is not the subscriber."""
        other = self.relationship.currentData() != Relationship.SELF
        for widget in self._subscriber_fields():
            widget.setEnabled(other)

    def snapshot(self) -> tuple[Any, ...]:
        return (
            self.payer.currentIndex(),
            self.insurance_type.currentIndex(),
            self.plan_name.text(),
            self.card_first.text(),
            self.card_last.text(),
            self.rank.currentIndex(),
            self.member_id.text(),
            self.group_number.text(),
            self.relationship.currentIndex(),
            self.subscriber_first.text(),
            self.subscriber_last.text(),
            self.subscriber_dob.day(),
            self.subscriber_sex.currentIndex(),
            self.subscriber_street.text(),
            self.subscriber_city.text(),
            self.subscriber_state.text(),
            self.subscriber_zip.text(),
            self.subscriber_phone.text(),
            self.copay.text(),
            self.coinsurance.value(),
            self.authorization.text(),
            self.visits.value(),
            self.auth_start.day(),
            self.auth_end.day(),
            self.start.date(),
            self.end.day(),
            self.release_signed.day(),
            self.assignment_signed.day(),
        )

    def value(self) -> Coverage:
        self._refused = None
        payer_id = self.payer.currentData()
        if payer_id is None:
            raise ValidationError("Add the payer on the Billing page (Payers) first, then choose it here.", "payer_id")
        other = self.relationship.currentData() != Relationship.SELF
        return Coverage(
            client_id=self._client_id,
            payer_id=int(payer_id),
            member_id=self.member_id.text(),
            start_date=from_qdate(self.start.date()),
            rank=CoverageRank(self.rank.currentData()),
            relationship=Relationship(self.relationship.currentData()),
            group_number=self.group_number.text(),
            subscriber_first=self.subscriber_first.text() if other else "",
            subscriber_last=self.subscriber_last.text() if other else "",
            subscriber_dob=self.subscriber_dob.day() if other else None,
            subscriber_sex=AdministrativeSex(self.subscriber_sex.currentData()) if other else AdministrativeSex.UNKNOWN,
            copay_cents=read_cents(self.copay, "copay_cents", blank=0),
            plan_name=self.plan_name.text(),
            card_first=self.card_first.text(),
            card_last=self.card_last.text(),
            subscriber_street=self.subscriber_street.text() if other else "",
            subscriber_city=self.subscriber_city.text() if other else "",
            subscriber_state=self.subscriber_state.text() if other else "",
            subscriber_zip=self.subscriber_zip.text() if other else "",
            subscriber_phone=self.subscriber_phone.text() if other else "",
            insurance_type=InsuranceType(self.insurance_type.currentData()),
            release_signed_on=self.release_signed.day(),
            assignment_signed_on=self.assignment_signed.day(),
            coinsurance_percent=None if self.coinsurance.value() < 0 else self.coinsurance.value(),
            authorization_number=self.authorization.text(),
            authorized_visits=None if self.visits.value() < 0 else self.visits.value(),
            authorization_start=self.auth_start.day(),
            authorization_end=self.auth_end.day(),
            end_date=self.end.day(),
            id=None if self._coverage is None else self._coverage.id,
        )

    def submit(self, value: Coverage) -> Coverage:
        self._refused = None
        try:
            saved = self._submit(value)
        except ValidationError as err:
            self._refused = err.field
            raise
        self._coverage = saved
        return saved
