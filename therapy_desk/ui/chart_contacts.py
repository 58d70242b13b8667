"""The chart's Contacts and releases tab: care contacts (add, edit), releases of information (add, revoke) and
the disclosures log (log one, print the accounting of disclosures)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date
from operator import attrgetter
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from therapy_desk.domain.caseload import ChartSummary
from therapy_desk.domain.clients import CareContact, Release
from therapy_desk.domain.disclosures import Disclosure
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import registry, theme
from therapy_desk.ui.chart_common import ChartTab, DateDialog, muted_text
from therapy_desk.ui.chart_contact_dialogs import ContactDialog, ReleaseDialog
from therapy_desk.ui.chart_disclosures import (
    DISCLOSURE_COL_WHAT,
    DISCLOSURE_HEADERS,
    AccountingDialog,
    DisclosureDialog,
    disclosure_cell,
)
from therapy_desk.ui.format import fmt_date
from therapy_desk.ui.models import OBJECT_ROLE, SORT_ROLE
from therapy_desk.ui.models.rows_model import RowsModel
from therapy_desk.ui.widgets.focus import record_table
from therapy_desk.ui.widgets.status_label import error_label

_Index = QModelIndex | QPersistentModelIndex

CONTACT_COL_ROLE = 0
CONTACT_COL_NAME = 1
CONTACT_COL_ORGANIZATION = 2
CONTACT_COL_PHONE = 3
CONTACT_COL_FAX = 4
CONTACT_COL_EMAIL = 5
_CONTACT_HEADERS = ("Role", "Name", "Organization", "Phone", "Fax", "Email")

RELEASE_COL_RECIPIENT = 0
RELEASE_COL_SCOPE = 1
RELEASE_COL_PURPOSE = 2
RELEASE_COL_SIGNED = 3
RELEASE_COL_EXPIRES = 4
RELEASE_COL_STATUS = 5
RELEASE_COL_PSYCHOTHERAPY = 6
_RELEASE_HEADERS = ("Recipient", "May share", "Purpose", "Signed", "Expires", "Status", "Psychotherapy notes")


def release_status(release: Release, today: date) -> str:
    """Active, expired or revoked, as of `today`."""
    if release.revoked_on is not None and release.revoked_on <= today:
        return "Revoked"
    if release.expires_on is not None and release.expires_on < today:
        return "Expired"
    return "Active"


class _ListModel(RowsModel[Any]):
    cells: tuple[Callable[[Any], Any], ...] = ()  # one per column, for models whose cells are plain values

    def item(self, row: int) -> Any:
        return self._rows[row]

    def row_of(self, item_id: int | None) -> int:
        return next((r for r, item in enumerate(self._rows) if item.id == item_id), -1)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        item = self._rows[index.row()]
        if role == OBJECT_ROLE:
            return item
        if role in (Qt.ItemDataRole.DisplayRole, SORT_ROLE):
            return self.value(item, index.column(), sort=role == SORT_ROLE)
        if role == Qt.ItemDataRole.ForegroundRole and self.is_muted(item):
            return theme.cell_color(theme.MUTED)
        if role == Qt.ItemDataRole.AccessibleTextRole and self.is_muted(item):
            return muted_text(str(self.value(item, index.column(), sort=False)), self.muted_because(item))
        return None

    def value(self, item: Any, column: int, *, sort: bool) -> Any:
        """What `column` shows for `item` (or sorts by, with `sort`)."""
        return self.cells[column](item)

    def is_muted(self, item: Any) -> bool:
        return False

    def muted_because(self, item: Any) -> str:
        """Why a muted row is muted, in a word a screen reader says after each of its cells."""
        return ""


class ContactModel(_ListModel):
    headers = _CONTACT_HEADERS

    cells = (
        lambda c: c.role.value.capitalize(),
        attrgetter("name"),
        attrgetter("organization"),
        attrgetter("phone"),
        attrgetter("fax"),
        attrgetter("email"),
    )


class ReleaseModel(_ListModel):
    headers = _RELEASE_HEADERS

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.today = date.today()

    def value(self, item: Release, column: int, *, sort: bool) -> Any:
        if column in (RELEASE_COL_SIGNED, RELEASE_COL_EXPIRES):
            day = item.signed_on if column == RELEASE_COL_SIGNED else item.expires_on
            return (day or date.max) if sort else fmt_date(day, "No expiry")
        if column == RELEASE_COL_STATUS:
            status = release_status(item, self.today)
            if status == "Revoked" and not sort:
                return f"Revoked {fmt_date(item.revoked_on)}"
            return status
        if column == RELEASE_COL_PSYCHOTHERAPY:
            return item.covers_psychotherapy_notes if sort else "Included" if item.covers_psychotherapy_notes else "No"
        return (item.recipient, item.scope, item.purpose)[column]

    def is_muted(self, item: Release) -> bool:
        return release_status(item, self.today) != "Active"

    def muted_because(self, item: Release) -> str:
        return release_status(item, self.today).lower()


class DisclosureModel(_ListModel):
    headers = DISCLOSURE_HEADERS

    def value(self, item: Disclosure, column: int, *, sort: bool) -> Any:
        return disclosure_cell(item, column, sort=sort)


def _table(model: QAbstractTableModel, name: str, stretch: int, parent: QWidget) -> QTableView:
    table = record_table(name, parent)
    table.setModel(model)
    table.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return table


@registry.view
class ContactsTab(ChartTab):
    """Care contacts and releases; the add and edit forms open as window-modal dialogs."""

    changed = Signal()

    def __init__(self, vault: Vault, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._vault = vault
        self._client_id: int | None = None
        self.contact_dialog: ContactDialog | None = None
        self.release_dialog: ReleaseDialog | None = None
        self.revoke_dialog: DateDialog | None = None
        self.disclosure_dialog: DisclosureDialog | None = None
        self.accounting_dialog: AccountingDialog | None = None

        contacts = QGroupBox("Care contacts", self)
        self.contacts = ContactModel(self)
        self.contact_table = _table(self.contacts, "Care contacts", CONTACT_COL_ORGANIZATION, contacts)
        self.contact_table.doubleClicked.connect(lambda _i: self.edit_contact())
        self.contact_table.activated.connect(lambda _i: self.edit_contact())
        self.add_contact_button = QPushButton("Add &contact…", contacts)
        self.add_contact_button.setAccessibleName("Add contact")
        self.add_contact_button.clicked.connect(lambda: self.add_contact())
        self.edit_contact_button = QPushButton("&Edit contact…", contacts)
        self.edit_contact_button.setAccessibleName("Edit contact")
        self.edit_contact_button.setToolTip("Edit the selected contact (Enter)")
        self.edit_contact_button.clicked.connect(lambda: self.edit_contact())
        row = QHBoxLayout()
        row.addWidget(self.add_contact_button)
        row.addWidget(self.edit_contact_button)
        row.addStretch(1)
        layout = QVBoxLayout(contacts)
        layout.addWidget(self.contact_table)
        layout.addLayout(row)

        releases = QGroupBox("Releases of information", self)
        self.releases = ReleaseModel(self)
        self.release_table = _table(self.releases, "Releases of information", RELEASE_COL_SCOPE, releases)
        self.add_release_button = QPushButton("Add re&lease…", releases)
        self.add_release_button.setAccessibleName("Add release")
        self.add_release_button.clicked.connect(lambda: self.add_release())
        self.revoke_button = QPushButton("Re&voke…", releases)
        self.revoke_button.setAccessibleName("Revoke release")
        self.revoke_button.setToolTip("Record that the client revoked the selected release")
        self.revoke_button.clicked.connect(lambda: self.revoke())
        self.release_error = error_label(releases)
        row = QHBoxLayout()
        row.addWidget(self.add_release_button)
        row.addWidget(self.revoke_button)
        row.addStretch(1)
        layout = QVBoxLayout(releases)
        layout.addWidget(self.release_table)
        layout.addWidget(self.release_error)
        layout.addLayout(row)

        disclosures = QGroupBox("Disclosures", self)
        self.disclosures = DisclosureModel(self)
        self.disclosure_table = _table(self.disclosures, "Disclosures", DISCLOSURE_COL_WHAT, disclosures)
        self.log_button = QPushButton("Log &disclosure…", disclosures)
        self.log_button.setAccessibleName("Log disclosure")
        self.log_button.setToolTip("Record a disclosure made outside Therapy Desk: to whom, why, and what went")
        self.log_button.clicked.connect(lambda: self.log_disclosure())
        self.accounting_button = QPushButton("Print accou&nting…", disclosures)
        self.accounting_button.setAccessibleName("Print accounting of disclosures")
        self.accounting_button.setToolTip("The client's accounting of disclosures of the last six years, as a PDF")
        self.accounting_button.clicked.connect(lambda: self.print_accounting())
        row = QHBoxLayout()
        row.addWidget(self.log_button)
        row.addWidget(self.accounting_button)
        row.addStretch(1)
        layout = QVBoxLayout(disclosures)
        layout.addWidget(self.disclosure_table)
        layout.addLayout(row)

        outer = QVBoxLayout(self)
        outer.addWidget(contacts, 2)
        outer.addWidget(releases, 3)
        outer.addWidget(disclosures, 3)
        self.contact_table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.release_table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self._update_buttons()

    # -- loading ---------------------------------------------------------------------------------

    def load(self, summary: ChartSummary) -> None:
        self._client_id = summary.client.id
        self.reload()

    def reload(self, *, contact_id: int | None = None, release_id: int | None = None) -> None:
        if self._client_id is None:
            return
        self.contacts.set_rows(self._vault.clients.contacts(self._client_id))
        self.releases.today = date.today()
        self.releases.set_rows(self._vault.clients.releases(self._client_id))
        self.disclosures.set_rows(self._vault.disclosures.for_client(self._client_id))
        if (row := self.contacts.row_of(contact_id)) >= 0:
            self.contact_table.selectRow(row)
        if (row := self.releases.row_of(release_id)) >= 0:
            self.release_table.selectRow(row)
        self._update_buttons()

    def _selected_contact(self) -> CareContact | None:
        rows = self.contact_table.selectionModel().selectedRows()
        return self.contacts.item(rows[0].row()) if rows else None

    def _selected_release(self) -> Release | None:
        rows = self.release_table.selectionModel().selectedRows()
        return self.releases.item(rows[0].row()) if rows else None

    def _update_buttons(self) -> None:
        self.edit_contact_button.setEnabled(self._selected_contact() is not None)
        release = self._selected_release()
        self.revoke_button.setEnabled(release is not None and release.revoked_on is None)

    # -- contacts --------------------------------------------------------------------------------

    def add_contact(self) -> ContactDialog | None:
        return self._open_contact(None)

    def edit_contact(self) -> ContactDialog | None:
        contact = self._selected_contact()
        return None if contact is None else self._open_contact(contact)

    def _open_contact(self, contact: CareContact | None) -> ContactDialog | None:
        if self._client_id is None:
            return None
        client_id = self._client_id

        def submit(edited: CareContact) -> CareContact:
            saved = self._vault.clients.save_contact(dataclasses.replace(edited, client_id=client_id))
            self.reload(contact_id=saved.id)
            self.changed.emit()
            return saved

        self.contact_dialog = ContactDialog(client_id, contact, submit, self)
        self.contact_dialog.finished.connect(lambda _r: self._forget("contact_dialog"))
        self.contact_dialog.open()
        return self.contact_dialog

    # -- releases --------------------------------------------------------------------------------

    def add_release(self) -> ReleaseDialog | None:
        if self._client_id is None:
            return None
        client_id = self._client_id

        def submit(release: Release) -> Release:
            saved = self._vault.clients.add_release(dataclasses.replace(release, client_id=client_id))
            self.reload(release_id=saved.id)
            self.changed.emit()
            return saved

        self.release_dialog = ReleaseDialog(client_id, self.contacts_list(), submit, self, self._selected_contact())
        self.release_dialog.finished.connect(lambda _r: self._forget("release_dialog"))
        self.release_dialog.open()
        return self.release_dialog

    def contacts_list(self) -> list[CareContact]:
        return [self.contacts.item(r) for r in range(self.contacts.rowCount())]

    def revoke(self) -> DateDialog | None:
        release = self._selected_release()
        if release is None or release.id is None:
            return None
        release_id = release.id

        def submit(on: date) -> None:
            self._vault.clients.revoke_release(release_id, on)
            self.reload(release_id=release_id)
            self.changed.emit()

        self.revoke_dialog = DateDialog(
            "Revoke release",
            f"Record that the client revoked the release to {release.recipient}. "
            "Disclosures already made under it stay as they were.",
            "Revoked on",
            submit,
            self,
        )
        self.revoke_dialog.finished.connect(lambda _r: self._forget("revoke_dialog"))
        self.revoke_dialog.open()
        return self.revoke_dialog

    # -- disclosures ----------------------------------------------------------------------------

    def log_disclosure(self) -> DisclosureDialog | None:
        if self._client_id is None:
            return None

        def submit(disclosure: Disclosure) -> Disclosure:
            logged = self._vault.disclosures.record(disclosure)
            self.reload()
            self.changed.emit()
            return logged

        releases = self._vault.clients.releases(self._client_id)
        self.disclosure_dialog = DisclosureDialog(self._client_id, releases, submit, self)
        self.disclosure_dialog.finished.connect(lambda _r: self._forget("disclosure_dialog"))
        self.disclosure_dialog.open()
        return self.disclosure_dialog

    def print_accounting(self) -> AccountingDialog | None:
        if self._client_id is None:
            return None
        self.accounting_dialog = AccountingDialog(self._vault, self._client_id, self)
        self.accounting_dialog.finished.connect(lambda _r: self._forget("accounting_dialog"))
        self.accounting_dialog.open()
        return self.accounting_dialog

    def _forget(self, name: str) -> None:
        dialog = getattr(self, name)
        if dialog is not None:
            dialog.deleteLater()
        setattr(self, name, None)

    # -- the chart's contract -------------------------------------------------------------------

    def _open_forms(self) -> list[ContactDialog | ReleaseDialog | DisclosureDialog]:
        forms = (self.contact_dialog, self.release_dialog, self.disclosure_dialog)
        return [d for d in forms if d is not None and d.isVisible()]

    def is_dirty(self) -> bool:
        return any(d.is_dirty() for d in self._open_forms())

    def save(self) -> bool:
        return all(d.save() for d in self._open_forms() if d.is_dirty())

    def save_for_lock(self) -> None:
        # A contact can be corrected later, so a valid one is kept. A release or a disclosure cannot be edited
        # once written and revoking is a decision: they wait for the clinician's own click.
        if self.contact_dialog is not None and self.contact_dialog.isVisible() and self.contact_dialog.is_dirty():
            self.contact_dialog.save()

    def cancel_edit(self) -> None:
        for dialog in (
            self.contact_dialog, self.release_dialog, self.revoke_dialog, self.disclosure_dialog, self.accounting_dialog
        ):  # fmt: skip
            if dialog is not None:
                dialog.reject()

    def clear(self) -> None:
        self._client_id = None
        self.contact_dialog = self.release_dialog = self.revoke_dialog = None
        self.disclosure_dialog = None
        self.accounting_dialog = None
        for dialog in self.findChildren(QDialog):  # open, or closed and not yet deleted
            dialog.hide()
            dialog.setParent(None)
            dialog.deleteLater()
        self.contacts.set_rows([])
        self.releases.set_rows([])
        self.disclosures.set_rows([])
        self.release_error.clear()
        self._update_buttons()
