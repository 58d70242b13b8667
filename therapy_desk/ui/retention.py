"""Records past retention (Vault menu): the clients whose retention date has come, the disposal of one
record after a confirmation that says what goes and asks for the client's last name, and the disposal log.

Nothing is disposed of automatically. The practice's retention rules are set in Settings, "Records kept"
(`RetentionSettings`).
"""

from __future__ import annotations

import html
from datetime import date
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from therapy_desk.domain import retention as policy
from therapy_desk.errors import UserError
from therapy_desk.storage.disposal import SHARED_SESSIONS, Disposal
from therapy_desk.storage.retention import RetentionRow
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import registry, theme
from therapy_desk.ui.format import fmt_date, fmt_datetime, fmt_status
from therapy_desk.ui.models.rows_model import RowsModel
from therapy_desk.ui.widgets.focus import record_table, set_tab_order
from therapy_desk.ui.widgets.passphrase import muted_label
from therapy_desk.ui.widgets.status_label import StatusLabel, error_label

# How the confirmation names what goes, table by table (the rest are counted under "other records").
_NAMED = (
    ("appointments", "appointment", "appointments"),
    ("notes", "note", "notes"),
    ("note_addenda", "addendum", "addenda"),
    ("psychotherapy_notes", "psychotherapy note", "psychotherapy notes"),
    ("plans", "treatment plan version", "treatment plan versions"),
    ("diagnoses", "diagnosis", "diagnoses"),
    ("measure_results", "measure result", "measure results"),
    ("charges", "charge", "charges"),
    ("payments", "payment", "payments"),
    ("claims", "claim", "claims"),
    ("documents_issued", "document issued", "documents issued"),
    ("disclosures", "disclosure logged", "disclosures logged"),
)


def _plural(count: int, one: str, many: str) -> str:
    return f"{count:,} {one if count == 1 else many}"


def deleted_summary(counts: dict[str, int]) -> str:
    """The rows a disposal deletes, in words: "12 appointments, 10 notes, … and 40 other records"."""
    named = {table for table, _one, _many in _NAMED} | {"clients", SHARED_SESSIONS}
    parts = [_plural(counts.get(t, 0), one, many) for t, one, many in _NAMED if counts.get(t, 0)]
    other = sum(n for t, n in counts.items() if t not in named)
    if other:
        parts.append(_plural(other, "other record", "other records"))
    if not parts:
        return "the client's details only"
    return ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]


class PastRetentionModel(RowsModel[RetentionRow]):
    headers = ("Client", "Account", "Last service", "Retention date", "Status")

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole or not index.isValid():
            return None
        row = self._rows[index.row()]
        return (
            row.name, row.account_number, fmt_date(row.last_service), fmt_date(row.retention_date),
            fmt_status(row.status),
        )[index.column()]  # fmt: skip


class DisposalLogModel(RowsModel[Disposal]):
    headers = ("Client", "Born", "Account", "Service", "Retention date", "Disposed", "By", "Reason")

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        item = self._rows[index.row()]
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == len(self.headers) - 1:
            return f"{item.reason}\nDeleted: {deleted_summary(item.counts)}"
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        service = fmt_date(item.last_service)
        if item.first_service is not None and item.first_service != item.last_service:
            service = f"{fmt_date(item.first_service)} – {service}"
        return (
            item.legal_name, fmt_date(item.dob), item.account_number, service, fmt_date(item.retention_date),
            fmt_datetime(item.disposed_at.astimezone().replace(tzinfo=None)), item.disposed_by, item.reason,
        )[index.column()]  # fmt: skip


@registry.view
class DisposeDialog(QDialog):
    """Confirms the disposal of one client's record: what goes, that it cannot be undone, that backups
    still hold it until they are rotated out; asks the reason and the client's last name."""

    disposed = Signal(object)  # the Disposal

    def __init__(self, vault: Vault, row: RetentionRow, *, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Dispose of record")
        self._vault = vault
        self._row = row
        self._today = today
        self._last_name = row.name.split(",")[0].strip()
        counts = vault.retention.counts(row.client_id)
        shared = counts.get(SHARED_SESSIONS, 0)
        kept = (
            f" {_plural(shared, 'couple, family or group session', 'couple, family or group sessions')} shared "
            "with other clients stay in their record; this client only leaves the unit."
            if shared
            else ""
        )
        self.summary = QLabel(
            f"<b>{html.escape(row.legal_name)}</b> (account {html.escape(row.account_number) or 'none'}): last service "
            f"{fmt_date(row.last_service)}, kept until {fmt_date(row.retention_date)}.<br><br>"
            f"Everything of this client's is deleted from the vault: {deleted_summary(counts)}.{kept}"
        )
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.warning = StatusLabel(
            "Warning",
            "This cannot be undone. Backups made before today still hold the record until they are rotated "
            "out. A disposal record (name, date of birth, account, dates, reason, what was deleted) is kept "
            "in the disposal log.",
            self,
        )
        self.warning.setWordWrap(True)
        theme.set_role(self.warning, theme.WARNING)
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Reason or authority")
        self.reason.setMaxLength(policy.REASON_MAX)
        self.reason.setPlaceholderText("e.g. Retention period ended under state rule …")
        self.confirm = QLineEdit()
        self.confirm.setAccessibleName("Type the last name to confirm")
        self.confirm.setAccessibleDescription(f"The client's last name is {self._last_name}.")
        form = QFormLayout()
        reason_label = QLabel("&Reason or authority:")
        reason_label.setBuddy(self.reason)
        confirm_label = QLabel("Type the last &name to confirm:")
        confirm_label.setBuddy(self.confirm)
        form.addRow(reason_label, self.reason)
        form.addRow(confirm_label, self.confirm)
        form.addRow("", muted_label(f"The client's last name is {self._last_name}."))
        self.error = error_label(self)
        self.buttons = QDialogButtonBox()
        self.dispose_button = self.buttons.addButton("&Dispose of record", QDialogButtonBox.ButtonRole.AcceptRole)
        self.dispose_button.setAccessibleName("Dispose of record")
        cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setDefault(True)
        self.dispose_button.setAutoDefault(False)
        self.buttons.accepted.connect(self.dispose)
        self.buttons.rejected.connect(self.reject)
        for field in (self.reason, self.confirm):
            field.textChanged.connect(self._update)
        column = QVBoxLayout(self)
        column.addWidget(self.summary)
        column.addWidget(self.warning)
        column.addLayout(form)
        column.addWidget(self.error)
        column.addWidget(self.buttons)
        self.setMinimumWidth(560)
        self._update()

    def _update(self) -> None:
        typed = " ".join(self.confirm.text().split()).casefold()
        self.dispose_button.setEnabled(bool(self.reason.text().strip()) and typed == self._last_name.casefold())

    def dispose(self) -> None:
        if not self.dispose_button.isEnabled():
            return
        try:
            done = self._vault.retention.dispose(self._row.client_id, reason=self.reason.text(), today=self._today)
        except UserError as err:
            self.error.setText(str(err))
            self.error.show()
            return
        self.disposed.emit(done)
        self.accept()


@registry.view
class RetentionDialog(QDialog):
    """Records past retention and the disposal log."""

    def __init__(self, vault: Vault, *, today: date | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Records past retention")
        self._vault = vault
        self._today = today or date.today()
        self.confirm: DisposeDialog | None = None
        self.intro = muted_label()
        self.past = PastRetentionModel(self)
        self.table = record_table("Records past retention", self)
        self.table.setModel(self.past)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._update())
        self.table.doubleClicked.connect(lambda _i: self.open_dispose())
        self.dispose_button = QPushButton("&Dispose of record…")
        self.dispose_button.setAccessibleName("Dispose of record")
        self.dispose_button.clicked.connect(self.open_dispose)
        self.status = StatusLabel("Status", parent=self)
        self.status.setWordWrap(True)
        self.log = DisposalLogModel(self)
        self.log_table = record_table("Disposal log", self)
        self.log_table.setModel(self.log)
        self.log_table.horizontalHeader().setSectionResizeMode(7, QHeaderView.ResizeMode.Stretch)
        log_box = QGroupBox("Disposal &log")
        log_box.setFocusProxy(self.log_table)
        log_column = QVBoxLayout(log_box)
        log_column.addWidget(self.log_table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.dispose_button)
        row.addWidget(self.status, 1)
        column = QVBoxLayout(self)
        column.addWidget(self.intro)
        column.addWidget(self.table, 2)
        column.addLayout(row)
        column.addWidget(log_box, 1)
        column.addWidget(buttons)
        set_tab_order(self.table, self.dispose_button, self.log_table)
        self.resize(1000, 600)
        self.load()

    def load(self) -> None:
        rows = self._vault.retention.past_retention(self._today)
        self.past.set_rows(rows)
        self.log.set_rows(self._vault.retention.disposals())
        kept = self._vault.retention.rules()
        rules = (
            f"Records are kept {kept.years_after_service} years after the last service; a minor's, also until "
            f"{kept.years_after_majority} years after they turn {kept.age_of_majority} (Settings, Records kept)."
        )
        if rows:
            self.intro.setText(
                f"{_plural(len(rows), 'record has', 'records have')} reached the end of retention. {rules} "
                "Nothing is disposed of unless you choose it here."
            )
            self.table.selectRow(0)
        else:
            self.intro.setText(f"No record has reached the end of retention. {rules}")
        self._update()

    def selected(self) -> RetentionRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.past.row(rows[0].row()) if rows else None

    def _update(self) -> None:
        row = self.selected()
        self.dispose_button.setEnabled(row is not None and row.disposable_status)
        if row is not None and not row.disposable_status:
            self.status.setText(f"{row.name} is {fmt_status(row.status).lower()}: discharge the client first.")
        else:
            self.status.clear()

    def open_dispose(self) -> DisposeDialog | None:
        row = self.selected()
        if row is None or not row.disposable_status:
            return None
        self.confirm = DisposeDialog(self._vault, row, today=self._today, parent=self)
        self.confirm.disposed.connect(self._disposed)
        self.confirm.open()
        return self.confirm

    def _disposed(self, disposal: Disposal) -> None:
        self.load()
        self.log_table.selectRow(0)
        self.status.setText(f"The record of {disposal.legal_name} was disposed of; the disposal log keeps its record.")


class RetentionSettings(QWidget):
    """Settings, "Records kept": the practice's three retention numbers, saved as they change."""

    def __init__(self, vault: Vault, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._vault = vault
        self.years = self._spin(0, policy.MAX_YEARS, "Years kept after the last service", " years")
        self.age = self._spin(*policy.AGE_RANGE, "Age of majority", " years old")
        self.minor_years = self._spin(0, policy.MAX_YEARS, "Years kept after a minor comes of age", " years")
        form = QFormLayout()
        for text, spin in (
            ("&Years kept after the last service:", self.years),
            ("&Age of majority:", self.age),
            ("Years kept after a &minor comes of age:", self.minor_years),
        ):
            label = QLabel(text)
            label.setBuddy(spin)
            form.addRow(label, spin)
        self.status = StatusLabel("Retention status", parent=self)
        self.status.setWordWrap(True)
        column = QVBoxLayout(self)
        column.addWidget(
            muted_label(
                "A record may be disposed of once the later of these has passed: the years after the last service "
                "and, for a client who was a minor then, the years after they came of age. Check your state's "
                "rule. Nothing is disposed of automatically: Vault, Records past retention lists them."
            )
        )
        column.addLayout(form)
        column.addWidget(self.status)
        column.addStretch(1)
        self.load()

    def _spin(self, low: int, high: int, name: str, suffix: str) -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(low, high)
        spin.setSuffix(suffix)
        spin.setAccessibleName(name)
        spin.valueChanged.connect(lambda _v: self.save())
        return spin

    def load(self) -> None:
        kept = self._vault.retention.rules()
        for spin, value in (
            (self.years, kept.years_after_service),
            (self.age, kept.age_of_majority),
            (self.minor_years, kept.years_after_majority),
        ):
            spin.blockSignals(True)
            spin.setValue(value)
            spin.blockSignals(False)
        self.status.clear()

    def save(self) -> None:
        rules = policy.RetentionRules(self.years.value(), self.age.value(), self.minor_years.value())
        try:
            self._vault.retention.save_rules(rules)
        except UserError as err:
            self.status.setText(str(err))
            return
        self.status.setText("Saved.")
