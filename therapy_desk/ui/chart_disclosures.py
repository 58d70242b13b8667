"""The disclosures of a client's record, in the chart's Contacts and releases tab: the log (what went to whom
and why), logging one made outside the app (a phone call to a court, a faxed letter), and printing the
client's accounting of disclosures (45 CFR 164.528)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from therapy_desk.domain.clients import Release
from therapy_desk.domain.disclosures import Disclosure, DisclosureBasis
from therapy_desk.errors import UserError, ValidationError
from therapy_desk.records.accounting import write_accounting
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import registry
from therapy_desk.ui.chart_common import FieldErrors, from_qdate, to_qdate
from therapy_desk.ui.chart_contact_dialogs import _FormDialog, _line
from therapy_desk.ui.format import fmt_date
from therapy_desk.ui.widgets.date_field import DateField
from therapy_desk.ui.widgets.folder_field import FolderField, remember_folder, remembered_folder
from therapy_desk.ui.widgets.status_label import StatusLabel, error_label

DISCLOSURE_COL_DATE = 0
DISCLOSURE_COL_RECIPIENT = 1
DISCLOSURE_COL_BASIS = 2
DISCLOSURE_COL_PURPOSE = 3
DISCLOSURE_COL_WHAT = 4
DISCLOSURE_HEADERS = ("Date", "Recipient", "Basis", "Purpose", "What was disclosed")


def disclosure_cell(item: Disclosure, column: int, *, sort: bool) -> Any:
    """What a column of the disclosures table shows for `item` (or sorts by, with `sort`)."""
    if column == DISCLOSURE_COL_DATE:
        return item.disclosed_on if sort else fmt_date(item.disclosed_on)
    if column == DISCLOSURE_COL_BASIS:
        return item.basis.label
    if column == DISCLOSURE_COL_WHAT and item.psychotherapy_notes and not sort:
        return f"{item.what} (with psychotherapy notes)"
    return (item.recipient, "", item.purpose, item.what)[column - 1]


def release_caption(release: Release) -> str:
    return f"{release.recipient}, signed {fmt_date(release.signed_on)}"


@registry.view
class DisclosureDialog(_FormDialog):
    """Log a disclosure made outside Therapy Desk: when, to whom, on what basis, why, and what went.

    Choosing a release of information on file fills the recipient and purpose from it and sets the basis to
    the client's authorization."""

    def __init__(
        self,
        client_id: int,
        releases: list[Release],
        submit: Callable[[Disclosure], Disclosure],
        parent: QWidget | None = None,
        *,
        today: date | None = None,
    ) -> None:
        super().__init__("Log a disclosure", parent)
        self.setObjectName("disclosureDialog")
        self._client_id = client_id
        self._submit = submit
        today = today or date.today()
        self.disclosed_on = DateField(self)
        self.disclosed_on.setDate(to_qdate(today))
        self.disclosed_on.setAccessibleName("Disclosed on")
        self.basis = QComboBox(self)
        self.basis.setAccessibleName("Basis")
        for basis in DisclosureBasis:
            self.basis.addItem(basis.label, basis)
        self.basis.setCurrentIndex(self.basis.findData(DisclosureBasis.COURT))
        self.release = QComboBox(self)
        self.release.setAccessibleName("Release on file")
        self.release.addItem("None: no release was relied on", None)
        for release in releases:
            if release.is_active(today):
                self.release.addItem(release_caption(release), release)
        self.release.currentIndexChanged.connect(self._release_chosen)
        self.recipient = _line(self, "Recipient", placeholder="Who received it, e.g. Kings County Family Court")
        self.purpose = _line(self, "Purpose", placeholder="e.g. subpoena, docket number; licensing board audit")
        self.what = _line(self, "What was disclosed", placeholder="e.g. chart copy, January to June 2026")
        self.psychotherapy = QCheckBox("Psychotherapy notes were &included", self)
        self.errors.add_rows(
            self.form,
            (
                ("&Disclosed on:", self.disclosed_on, "disclosed_on"),
                ("Re&lease on file:", self.release, "release_id"),
                ("&Recipient:", self.recipient, "recipient"),
                ("&Basis:", self.basis, "basis"),
                ("P&urpose:", self.purpose, "purpose"),
                ("&What was disclosed:", self.what, "what"),
                ("", self.psychotherapy, "psychotherapy_notes"),
            ),
        )
        self.recipient.setFocus()
        self.remember_initial()

    def _release_chosen(self, _index: int) -> None:
        release = self.release.currentData()
        if not isinstance(release, Release):
            return
        self.recipient.setText(release.recipient)
        self.purpose.setText(release.purpose)
        self.basis.setCurrentIndex(self.basis.findData(DisclosureBasis.AUTHORIZATION))

    def snapshot(self) -> tuple[Any, ...]:
        return (
            self.disclosed_on.date(),
            self.basis.currentIndex(),
            self.release.currentIndex(),
            self.recipient.text(),
            self.purpose.text(),
            self.what.text(),
            self.psychotherapy.isChecked(),
        )

    def value(self) -> Disclosure:
        release = self.release.currentData()
        return Disclosure(
            client_id=self._client_id,
            disclosed_on=from_qdate(self.disclosed_on.date()),
            recipient=self.recipient.text(),
            basis=DisclosureBasis(self.basis.currentData()),
            purpose=self.purpose.text(),
            what=self.what.text(),
            release_id=release.id if isinstance(release, Release) else None,
            psychotherapy_notes=self.psychotherapy.isChecked(),
        )

    def submit(self, value: Disclosure) -> Disclosure:
        return self._submit(value)


@registry.view
class AccountingDialog(QDialog):
    """Print a client's accounting of disclosures as a PDF into a folder."""

    def __init__(self, vault: Vault, client_id: int, parent: QWidget | None = None, *, today: date | None = None):
        super().__init__(parent)
        self.setObjectName("accountingDialog")
        self.setWindowTitle("Accounting of disclosures")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self._vault = vault
        self._client_id = client_id
        self.written: Path | None = None
        self.intro = StatusLabel(
            "About the accounting",
            "A client may ask which disclosures of their record were made in the six years before the request. "
            "The accounting lists those the law requires; tick the box to list every logged disclosure.",
            self,
        )
        self.intro.setWordWrap(True)
        self.requested_on = DateField(self)
        self.requested_on.setDate(to_qdate(today or date.today()))
        self.requested_on.setAccessibleName("Requested on")
        self.complete = QCheckBox("List &every logged disclosure, not only those the law requires", self)
        self.folder = FolderField("Folder", "Write the accounting into which folder?", self)
        self.folder.edit.setText(remembered_folder(vault))
        self.general_error = error_label(self)
        self.errors = FieldErrors(self.general_error)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.errors.add_rows(
            form,
            (
                ("Re&quested on:", self.requested_on, "requested_on"),
                ("", self.complete, "complete"),
                ("F&older:", self.folder, "folder"),
            ),
        )
        self.written_label = StatusLabel("Accounting written", parent=self)
        self.written_label.setWordWrap(True)
        self.written_label.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.write_button = QPushButton("&Write the PDF", self)
        self.write_button.setAccessibleName("Write the PDF")
        self.write_button.setDefault(True)
        self.buttons.addButton(self.write_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.write_button.clicked.connect(lambda: self.write())
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(form)
        layout.addWidget(self.general_error)
        layout.addWidget(self.written_label)
        layout.addWidget(self.buttons)
        self.requested_on.setFocus()

    def write(self) -> Path | None:
        """Write the PDF; None (with the sentence shown) when the folder or the request date is refused."""
        self.errors.clear()
        try:
            folder = self.folder.folder()
            requested = from_qdate(self.requested_on.date())
            if requested > date.today():
                raise ValidationError("The request date cannot be in the future.", "requested_on")
            written = write_accounting(
                self._vault, self._client_id, folder, requested_on=requested, complete=self.complete.isChecked()
            )
        except ValidationError as err:
            self.errors.show(err)
            return None
        except UserError as err:
            self.general_error.setText(str(err))
            self.general_error.show()
            return None
        remember_folder(self._vault, folder)
        self.written = written
        self.written_label.setText(f"Written: “{written.name}” in {folder}.")
        self.written_label.show()
        return written
