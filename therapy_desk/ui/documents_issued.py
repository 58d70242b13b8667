"""The documents part of the chart's Billing tab: Superbill…, Statement… and Good Faith Estimate…, a warning
when billed charges run $400 or more above the latest estimate, and the list of documents issued to this
client (what, when, to whom, the file's name and its SHA-256)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QHeaderView, QPushButton, QVBoxLayout, QWidget

from therapy_desk.documents.issue import TITLES, period_label
from therapy_desk.storage.documents import DocumentKind, IssuedDocument
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import theme
from therapy_desk.ui.document_dialogs import DocumentDialog
from therapy_desk.ui.format import fmt_date, fmt_datetime, fmt_money
from therapy_desk.ui.models.rows_model import RowsModel
from therapy_desk.ui.ops import Ops
from therapy_desk.ui.widgets.focus import record_table
from therapy_desk.ui.widgets.status_label import StatusLabel

COL_WHAT, COL_WHEN, COL_TO, COL_PERIOD, COL_FILE, COL_SHA = range(6)
SHORT_SHA = 12
Session = tuple[int, date]  # (appointment id, date of service) of the session a superbill can be limited to


def local_time(moment: datetime) -> datetime:
    """A stored UTC time in this computer's local time, without a zone (as the app shows times)."""
    return moment.astimezone().replace(tzinfo=None) if moment.tzinfo is not None else moment


def exceeded_sentence(over_cents: int, issued_on: date) -> str:
    return (
        f"Billed charges are {fmt_money(over_cents)} above the Good Faith Estimate of {fmt_date(issued_on)}; "
        "the client may dispute bills $400 or more above it."
    )


class IssuedModel(RowsModel[IssuedDocument]):
    """The documents issued, newest first; the full SHA-256 is the hash cell's tooltip and description."""

    headers = ("Document", "Issued", "To", "Period", "File", "SHA-256")

    def text(self, item: IssuedDocument, column: int) -> str:
        if column == COL_WHAT:
            title = TITLES.get(item.kind, "Document")
            return f"{title} (password)" if item.details.get("password_protected") else title
        if column == COL_WHEN:
            return fmt_datetime(local_time(item.issued_at))
        if column == COL_TO:
            return item.recipient
        if column == COL_PERIOD:
            if item.period_from is None or item.period_to is None:
                return ""
            return period_label(item.period_from, item.period_to)
        if column == COL_FILE:
            return item.file_name
        return f"{item.sha256[:SHORT_SHA]}…"

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        item = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(item, index.column())
        described = (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleDescriptionRole)
        if index.column() == COL_SHA and role in described:
            return f"SHA-256 {item.sha256}"
        if index.column() == COL_FILE and role == Qt.ItemDataRole.ToolTipRole:
            return item.file_name
        return None


class DocumentsBox(QGroupBox):
    """One client's documents. `selected_session()` names the session a superbill may be limited to."""

    def __init__(
        self,
        vault: Vault,
        ops: Ops | None,
        parent: QWidget | None = None,
        *,
        selected_session: Callable[[], Session | None] = lambda: None,
    ) -> None:
        super().__init__("Documents", parent)
        self._vault = vault
        self._ops = ops
        self._selected_session = selected_session
        self._client_id: int | None = None
        self.dialog: DocumentDialog | None = None

        self.superbill_button = self._button("&Superbill…", "Superbill", DocumentKind.SUPERBILL)
        self.superbill_button.setToolTip("A superbill of a month, of other dates or of the selected session")
        self.statement_button = self._button("S&tatement…", "Statement", DocumentKind.STATEMENT)
        self.estimate_button = self._button("&Good Faith Estimate…", "Good Faith Estimate", DocumentKind.ESTIMATE)
        self.estimate_warning = StatusLabel("Good Faith Estimate exceeded", parent=self, alert=True)
        self.estimate_warning.setWordWrap(True)
        theme.set_role(self.estimate_warning, theme.WARNING)
        self.estimate_warning.hide()
        self.issued = IssuedModel(self)
        self.issued_table = record_table("Documents issued", self)
        self.issued_table.setModel(self.issued)
        self.issued_table.horizontalHeader().setSectionResizeMode(COL_FILE, QHeaderView.ResizeMode.Stretch)
        self.issued_table.setMinimumHeight(self.fontMetrics().lineSpacing() * 5)
        row = QHBoxLayout()
        for button in (self.superbill_button, self.statement_button, self.estimate_button):
            row.addWidget(button)
        row.addStretch(1)
        column = QVBoxLayout(self)
        column.addLayout(row)
        column.addWidget(self.estimate_warning)
        column.addWidget(self.issued_table)
        self._update_buttons()

    def _button(self, text: str, name: str, kind: DocumentKind) -> QPushButton:
        button = QPushButton(text, self)
        button.setAccessibleName(name)
        button.clicked.connect(lambda: self.open_document(kind))
        return button

    def _update_buttons(self) -> None:
        ready = self._client_id is not None and self._ops is not None
        for button in (self.superbill_button, self.statement_button, self.estimate_button):
            button.setEnabled(ready)

    def load(self, client_id: int) -> None:
        self._client_id = client_id
        self.reload()

    def reload(self, select_id: int | None = None) -> None:
        if self._client_id is None:
            return
        self.issued.set_rows(self._vault.documents.issued(self._client_id))
        row = next((n for n, d in enumerate(self.issued.rows()) if d.id == select_id), -1)
        if row >= 0:
            self.issued_table.selectRow(row)
        over = self._vault.documents.estimate_exceeded(self._client_id)
        latest = next(iter(self._vault.documents.estimates(self._client_id)), None) if over is not None else None
        if over is not None and latest is not None:
            self.estimate_warning.setText(exceeded_sentence(over, local_time(latest.issued_at).date()))
            self.estimate_warning.show()
        else:
            self.estimate_warning.clear()
            self.estimate_warning.hide()
        self._update_buttons()

    def open_document(self, kind: DocumentKind, *, today: date | None = None) -> DocumentDialog | None:
        """Open the dialog that issues a `kind` document for this client."""
        if self._client_id is None or self._ops is None:
            return None
        session = self._selected_session() if kind is DocumentKind.SUPERBILL else None
        self.dialog = DocumentDialog(self._vault, self._ops, self._client_id, kind, self, session=session, today=today)
        self.dialog.issued.connect(lambda issued: self.reload(issued.id))
        self.dialog.finished.connect(self._forget)
        self.dialog.open()
        return self.dialog

    def _forget(self, _result: int = 0) -> None:
        if self.dialog is not None and self.dialog.op is None:
            self.dialog.deleteLater()
        self.dialog = None

    def clear(self) -> None:
        self._client_id = None
        self.dialog = None
        self.issued.set_rows([])
        self.estimate_warning.clear()
        self.estimate_warning.hide()
        self._update_buttons()
