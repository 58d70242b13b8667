"""The practice profile form, shared by the first run and Settings.

Below the clinician's own details: billing as a group (its name and Type 2 NPI, both or neither) and the
service facility, for sessions held somewhere other than the practice address (CMS-1500 boxes 33 and 32).

It shows the store's own sentences: each field is checked by the domain rules (`PracticeProfile.validated`)
when the user leaves it, the NPI as it is typed, and a `ValidationError` from saving lands next to the
field it names (`err.field`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from therapy_desk.domain.practice import PracticeProfile
from therapy_desk.domain.validation import check_npi
from therapy_desk.errors import ValidationError
from therapy_desk.ui import theme
from therapy_desk.ui.widgets.focus import focus_through
from therapy_desk.ui.widgets.passphrase import muted_label
from therapy_desk.ui.widgets.status_label import error_label

# The taxonomy codes solo therapists use most; any other code can be typed.
TAXONOMIES = (
    ("1041C0700X", "Clinical Social Worker"),
    ("101YP2500X", "Professional Counselor"),
    ("101YM0800X", "Mental Health Counselor"),
    ("106H00000X", "Marriage & Family Therapist"),
    ("103TC0700X", "Clinical Psychologist"),
    ("103T00000X", "Psychologist"),
    ("101YA0400X", "Addiction (Substance Use Disorder) Counselor"),
)
NPI_OK = "✓ Valid NPI"
_TEXT_FIELDS = (
    *("name", "credentials", "license_number", "license_state", "npi", "tax_id"),
    *("street", "city", "state", "zip", "phone", "email"),
    *("group_name", "group_npi"),
    *("facility_name", "facility_npi", "facility_street", "facility_city", "facility_state", "facility_zip"),
)
_GROUP = ("group_name", "group_npi")
_A_VALID_NPI = "1234567893"  # stands in for a blank partner, so a group field's own rule is checked alone
_DIGITS = re.compile(r"\d")


class ProfileForm(QWidget):
    """Edits a `PracticeProfile`. `edited` fires on any change the user makes."""

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._saved = PracticeProfile()
        self._loading = False
        self.editors: dict[str, QLineEdit] = {}
        self.errors: dict[str, QLabel] = {}

        def line(name: str, accessible: str, placeholder: str = "", width: int | None = None) -> QLineEdit:
            editor = QLineEdit()
            editor.setObjectName(name)
            editor.setAccessibleName(accessible)
            editor.setPlaceholderText(placeholder)
            editor.setAccessibleDescription(placeholder)  # placeholder text is gone once typing starts
            if width:
                editor.setMaximumWidth(width)
            editor.textEdited.connect(lambda _text, n=name: self._edited(n))
            editor.editingFinished.connect(lambda n=name: self.check_field(n))
            self.editors[name] = editor
            return editor

        self.taxonomy = QComboBox()
        self.taxonomy.setObjectName("taxonomy")
        self.taxonomy.setAccessibleName("Taxonomy code")
        self.taxonomy.setEditable(True)
        self.taxonomy.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.taxonomy.addItem("")
        for code, label in TAXONOMIES:
            self.taxonomy.addItem(f"{code}  {label}", code)
        taxonomy_line = self.taxonomy.lineEdit()
        assert taxonomy_line is not None  # an editable combo box always has one
        taxonomy_line.setPlaceholderText("Choose or type a code, like 1041C0700X")
        self.taxonomy.setAccessibleDescription(taxonomy_line.placeholderText())
        taxonomy_line.editingFinished.connect(lambda: self.check_field("taxonomy"))
        self.taxonomy.currentTextChanged.connect(lambda _t: self._edited("taxonomy"))

        self.tax_id_kind = QComboBox()
        self.tax_id_kind.setObjectName("tax_id_kind")
        self.tax_id_kind.setAccessibleName("Tax ID type")
        self.tax_id_kind.addItems(["EIN", "SSN"])
        self.tax_id_kind.currentTextChanged.connect(lambda _t: self._edited("tax_id_kind"))
        tax_id = line("tax_id", "Tax ID", "9 digits")
        tax_id.setEchoMode(QLineEdit.EchoMode.Password)
        self.show_tax_id = QToolButton()
        self.show_tax_id.setText("Sho&w")
        self.show_tax_id.setCheckable(True)
        self.show_tax_id.setAccessibleName("Show the tax ID")
        self.show_tax_id.setToolTip("Show or hide the tax ID while you check it")
        self.show_tax_id.toggled.connect(self._show_tax_id)

        self.tax_id_hint = QLabel()
        self.tax_id_hint.setObjectName("taxIdHint")
        tax_id.textChanged.connect(lambda _t: self._update_tax_id_hint())

        self.npi_status = QLabel()
        self.npi_status.setObjectName("npiStatus")
        theme.set_role(self.npi_status, theme.SUCCESS)

        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("&Name:", self._row(["name"], line("name", "Name as on your NPI record", "As on your NPI record")))
        form.addRow("C&redentials:", self._row(["credentials"], line("credentials", "Credentials", "LCSW", 200)))
        form.addRow(
            "&License:",
            self._row(
                ["license_number", "license_state"],
                line("license_number", "License number", "Number"),
                QLabel("State:"),
                line("license_state", "License state", "NY", 60),
            ),
        )
        form.addRow("NP&I:", self._row(["npi"], line("npi", "NPI", "10 digits", 160), self.npi_status))
        form.addRow("&Taxonomy:", self._row(["taxonomy"], self.taxonomy))
        form.addRow(
            "Ta&x ID:",
            self._row(["tax_id", "tax_id_kind"], self.tax_id_kind, tax_id, self.tax_id_hint, self.show_tax_id),
        )
        form.addRow("&Street address:", self._row(["street"], line("street", "Street address", "Not a PO box")))
        form.addRow(
            "&City, state, ZIP:",
            self._row(
                ["city", "state", "zip"],
                line("city", "City"),
                line("state", "State", "NY", 60),
                line("zip", "ZIP+4", "12345-6789", 120),
            ),
        )
        form.addRow("Ph&one:", self._row(["phone"], line("phone", "Phone", "(555) 201-3344", 200)))
        form.addRow("&Email:", self._row(["email"], line("email", "Email", "Optional")))

        form.addRow(_section("Billing as a group"))
        form.addRow(muted_label("Only if you bill under a group's own (Type 2) NPI; your NPI above is then the one "
                                "who saw the client. Leave both blank to bill under your own."))  # fmt: skip
        group = line("group_name", "Billing group", "The group's name, as on its NPI record")
        form.addRow(
            "&Billing group, NPI:", self._row(list(_GROUP), group, line("group_npi", "Group NPI", "10 digits", 160))
        )
        form.addRow(_section("Service facility (when sessions are not at the practice address)"))
        form.addRow(
            "Facilit&y name, NPI:",
            self._row(
                ["facility_name", "facility_npi"],
                line("facility_name", "Facility name", "Leave blank when you see clients at the practice"),
                line("facility_npi", "Facility NPI", "Optional", 160),
            ),
        )
        form.addRow("Facility street ad&dress:", self._facility_address(line))
        self.general_error = error_label()
        form.addRow("", self.general_error)
        self.editors["npi"].textChanged.connect(self._npi_changed)

    def _facility_address(self, line: Callable[..., QLineEdit]) -> QWidget:
        """The facility's street over its city, state and ZIP, under one caption and one message line."""
        address = QWidget()
        lines = QVBoxLayout(address)
        lines.setContentsMargins(0, 0, 0, 0)
        street = line("facility_street", "Facility street", "Not a PO box")
        lines.addWidget(street)
        place = QHBoxLayout()
        place.setSpacing(2)  # as the practice's own City, state, ZIP row (`_row`), so the two line up
        place.addWidget(line("facility_city", "Facility city", "City"))
        place.addWidget(line("facility_state", "Facility state", "NY", 60))
        place.addWidget(line("facility_zip", "Facility ZIP+4", "12345-6789", 120))
        lines.addLayout(place)
        row = self._row(["facility_street", "facility_city", "facility_state", "facility_zip"], address)
        focus_through(row, street)  # the caption's key goes to the street, past the block holding the lines
        address.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        return row

    def _row(self, names: list[str], *widgets: QWidget) -> QWidget:
        """Editors side by side, with one message line under them for any of `names`."""
        row = QWidget()
        outer = QVBoxLayout(row)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(2)
        inner = QHBoxLayout()
        for widget in widgets:
            inner.addWidget(widget)
        if len(widgets) == 1 and isinstance(widgets[0], QLineEdit) and widgets[0].maximumWidth() < 1000:
            inner.addStretch(1)
        outer.addLayout(inner)
        message = error_label()
        message.setObjectName(f"{names[0]}Error")
        outer.addWidget(message)
        for name in names:
            self.errors[name] = message
        focus_through(row, widgets[0])
        return row

    # -- values ----------------------------------------------------------------------------------

    def profile(self) -> PracticeProfile:
        """The profile as typed (not yet validated)."""
        values = {name: self.editors[name].text() for name in _TEXT_FIELDS}
        # Any field this form does not show keeps its saved value.
        return replace(
            self._saved, **values, taxonomy=self._taxonomy_code(), tax_id_kind=self.tax_id_kind.currentText()
        )

    def set_profile(self, profile: PracticeProfile) -> None:
        """Show `profile` as the saved state (the form is clean afterwards)."""
        self._loading = True
        self._saved = profile
        try:
            for name in _TEXT_FIELDS:
                self.editors[name].setText(getattr(profile, name))
            index = self.taxonomy.findData(profile.taxonomy)
            if index >= 0:
                self.taxonomy.setCurrentIndex(index)
            else:
                self.taxonomy.setEditText(profile.taxonomy)
            self.tax_id_kind.setCurrentText(profile.tax_id_kind or "EIN")
            self.show_tax_id.setChecked(False)
        finally:
            self._loading = False
        self._saved = replace(self.profile())
        self.clear_errors()
        self._npi_changed(self.editors["npi"].text())

    def is_dirty(self) -> bool:
        return self.profile() != self._saved

    def clear(self) -> None:
        """Empty every field (used when the vault locks)."""
        self.set_profile(PracticeProfile())

    def _taxonomy_code(self) -> str:
        text = self.taxonomy.currentText().strip()
        return text.split()[0] if text else ""

    # -- messages --------------------------------------------------------------------------------

    def show_error(self, err: ValidationError) -> None:
        """Put the store's sentence next to the field it names, and move the cursor there."""
        label = self.errors.get(err.field or "")
        if label is None:
            self.general_error.setText(str(err))
            self.general_error.setVisible(True)
            return
        label.setText(str(err))
        label.setVisible(True)
        target: QWidget | None = self.editors.get(err.field or "")
        if err.field == "group_npi" and not self.editors["group_name"].text().strip():
            target = self.editors["group_name"]  # "both or neither": the blank half is the one to fill
        if target is None:
            target = self.taxonomy if err.field == "taxonomy" else self.tax_id_kind
        target.setFocus(Qt.FocusReason.OtherFocusReason)

    def clear_errors(self) -> None:
        for label in {*self.errors.values(), self.general_error}:
            label.clear()
            label.setVisible(False)

    def validated(self) -> PracticeProfile | None:
        """The normalised profile, or None after showing the first problem next to its field."""
        self.clear_errors()
        try:
            return self.profile().validated()
        except ValidationError as err:
            self.show_error(err)
            return None

    def field_error(self, name: str) -> str | None:
        """The domain's sentence for one field's value on its own, or None when it is fine."""
        current = self.profile()
        # Every other field blank (and a placeholder name), so only this field's rule can speak.
        value = getattr(current, name)
        if name in _GROUP and not str(value).strip():
            return None  # a blank half of the group is named when saving, not while the other is typed
        # A group field is checked with a stand-in partner: "both or neither" waits for saving.
        alone = replace(PracticeProfile(name="-", group_name="-", group_npi=_A_VALID_NPI), **{name: value})
        if name == "tax_id":
            alone = replace(alone, tax_id_kind=current.tax_id_kind)
        try:
            alone.validated()
        except ValidationError as err:
            return str(err) if err.field == name else None
        return None

    def check_field(self, name: str) -> None:
        """Show (or clear) the message for `name` and the fields sharing its line."""
        label = self.errors[name]
        sharing = [n for n, other in self.errors.items() if other is label and n != "tax_id_kind"]
        problems = [p for n in sharing if (p := self.field_error(n))]
        if name == "npi" and not problems:
            self._npi_changed(self.editors["npi"].text(), finished=True)
            return
        label.setText(problems[0] if problems else "")
        label.setVisible(bool(problems))

    def _edited(self, name: str) -> None:
        if self._loading:
            return
        if name in self.errors and name != "npi":
            self.errors[name].setVisible(False)
        self.general_error.setVisible(False)
        self.edited.emit()

    def _npi_changed(self, text: str, *, finished: bool = False) -> None:
        """Check the NPI as it is typed, once it has all its digits (or the user moved on)."""
        label = self.errors["npi"]
        digits = len(_DIGITS.findall(text))
        if not text.strip() or (digits < 10 and not finished):
            self.npi_status.clear()
            label.setVisible(False)
            return
        try:
            check_npi(text)
        except ValidationError as err:
            self.npi_status.clear()
            label.setText(str(err))
            label.setVisible(True)
            return
        self.npi_status.setText(NPI_OK)
        label.setVisible(False)

    def _show_tax_id(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.editors["tax_id"].setEchoMode(mode)
        self.show_tax_id.setText("Hid&e" if shown else "Sho&w")
        self._update_tax_id_hint()

    def _update_tax_id_hint(self) -> None:
        """While the tax ID is hidden, its last four digits are enough to check which one it is."""
        digits = _DIGITS.findall(self.editors["tax_id"].text())
        hidden = not self.show_tax_id.isChecked()
        self.tax_id_hint.setText(f"ends in {''.join(digits[-4:])}" if hidden and len(digits) >= 4 else "")


def _section(title: str) -> QLabel:
    """A heading over a group of rows."""
    label = QLabel(title)
    font = label.font()
    font.setWeight(QFont.Weight.DemiBold)
    label.setFont(font)
    label.setWordWrap(True)
    label.setContentsMargins(0, 8, 0, 0)
    return label
