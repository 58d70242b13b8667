"""The chart's Diagnoses tab: ranked ICD-10-CM diagnoses (principal first), added through the completer."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QFont, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from therapy_desk.domain.caseload import ChartSummary
from therapy_desk.domain.clients import Diagnosis
from therapy_desk.domain.icd10cm import CodeSet, IcdCode
from therapy_desk.errors import ValidationError
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import registry, theme
from therapy_desk.ui.chart_common import ChartTab, DateDialog, OptionalDateEdit, muted_text
from therapy_desk.ui.format import fmt_date
from therapy_desk.ui.models import OBJECT_ROLE, SORT_ROLE
from therapy_desk.ui.widgets.focus import record_table
from therapy_desk.ui.widgets.icd_completer import IcdCodeEdit
from therapy_desk.ui.widgets.status_label import error_label

COL_RANK = 0
COL_CODE = 1
COL_DESCRIPTION = 2
COL_BILLABLE = 3
COL_CLAIMS = 4
COL_ONSET = 5
COL_STATUS = 6
_HEADERS = ("Rank", "Code", "Description", "Billable", "On claims", "Onset", "Status")

_Index = QModelIndex | QPersistentModelIndex


class DiagnosisModel(QAbstractTableModel):
    """A client's diagnoses: active ones by rank (principal first), then resolved ones."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Diagnosis] = []
        self._codes: CodeSet | None = None

    def set_rows(self, rows: list[Diagnosis]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def set_code_set(self, codes: CodeSet) -> None:
        """Once the code set has loaded, the Billable column can say what each code is."""
        self._codes = codes
        if self._rows:
            self.dataChanged.emit(self.index(0, COL_BILLABLE), self.index(len(self._rows) - 1, COL_BILLABLE))

    def diagnosis(self, row: int) -> Diagnosis:
        return self._rows[row]

    def active(self) -> list[Diagnosis]:
        return [d for d in self._rows if d.is_active]

    def row_of(self, diagnosis_id: int | None) -> int:
        return next((r for r, d in enumerate(self._rows) if d.id == diagnosis_id), -1)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(_HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(_HEADERS)
        ):
            return _HEADERS[section]
        return None

    def _billable(self, dx: Diagnosis) -> bool | None:
        if dx.for_claims:
            return True  # the store accepts only billable codes for claims
        entry = self._codes.get(dx.code) if self._codes is not None else None
        return None if entry is None else entry.billable

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        dx = self._rows[index.row()]
        col = index.column()
        if role == OBJECT_ROLE:
            return dx
        if role == SORT_ROLE:
            return self._sort_value(dx, col)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(dx, col)
        if role == Qt.ItemDataRole.FontRole and dx.is_active and dx.rank == 1:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and not dx.is_active:
            return theme.cell_color(theme.MUTED)
        if role == Qt.ItemDataRole.AccessibleTextRole and not dx.is_active:
            return muted_text(self._display(dx, col), "resolved")
        if role == Qt.ItemDataRole.ToolTipRole and col == COL_BILLABLE:
            billable = self._billable(dx)
            if billable is False:
                return "A category: claims need a more specific code under it."
        return None

    def _display(self, dx: Diagnosis, col: int) -> str:
        if col == COL_RANK:
            return "" if not dx.is_active else "Principal" if dx.rank == 1 else str(dx.rank)
        if col == COL_CODE:
            return dx.code
        if col == COL_DESCRIPTION:
            return dx.description
        if col == COL_BILLABLE:
            billable = self._billable(dx)
            return "…" if billable is None else "Billable" if billable else "Category"
        if col == COL_CLAIMS:
            return "Yes" if dx.for_claims else "No"
        if col == COL_ONSET:
            return fmt_date(dx.onset, "")
        if col == COL_STATUS:
            return "Active" if dx.is_active else f"Resolved {fmt_date(dx.resolved)}"
        return ""

    def _sort_value(self, dx: Diagnosis, col: int) -> Any:
        if col == COL_RANK:
            return (not dx.is_active, dx.rank)
        if col == COL_ONSET:
            return dx.onset or date.min
        if col == COL_STATUS:
            return dx.resolved or date.max
        if col in (COL_BILLABLE, COL_CLAIMS):
            return bool(self._billable(dx)) if col == COL_BILLABLE else dx.for_claims
        return self._display(dx, col)


@registry.view
class DiagnosesTab(ChartTab):
    """Add by code or words, reorder (the first is principal), resolve with a date."""

    changed = Signal()

    def __init__(self, vault: Vault, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._vault = vault
        self._client_id: int | None = None
        self.resolve_dialog: DateDialog | None = None

        add_box = QGroupBox("Add a diagnosis", self)
        self.code_edit = IcdCodeEdit(add_box)
        self.code_edit.chosen.connect(self._chosen)
        self.code_edit.returnPressed.connect(self._enter_in_code)
        self.code_edit.textEdited.connect(lambda _t: self._show_choice(None))
        self.code_edit.ready.connect(self._codes_ready)
        self.choice = QLabel(add_box)
        self.choice.setWordWrap(True)
        self.choice.setAccessibleName("Chosen code")
        self.for_claims = QCheckBox("Use on &claims", add_box)
        self.for_claims.setChecked(True)
        self.for_claims.setToolTip("Claims carry only billable codes; a category cannot go on a claim.")
        self.for_claims.setAccessibleName("Use on claims")
        self.onset = OptionalDateEdit("Onset", "Onset date", add_box)
        self.add_button = QPushButton("&Add diagnosis", add_box)
        self.add_button.setAccessibleName("Add diagnosis")
        self.add_button.setToolTip("Add the chosen code to the client's diagnoses (Enter or Ctrl+S)")
        self.add_button.clicked.connect(self.add_diagnosis)
        # Picking a code moves the focus here; outside a dialog a button ignores Enter unless it is auto-default.
        self.add_button.setAutoDefault(True)
        self.error = error_label(add_box)
        row = QHBoxLayout()
        row.addWidget(self.for_claims)
        row.addWidget(self.onset)
        row.addStretch(1)
        row.addWidget(self.add_button)
        add_layout = QVBoxLayout(add_box)
        add_layout.addWidget(self.code_edit)
        add_layout.addWidget(self.choice)
        add_layout.addWidget(self.error)
        add_layout.addLayout(row)

        self.model = DiagnosisModel(self)
        self.table = record_table("Diagnoses", self)
        self.table.setModel(self.model)
        self.table.horizontalHeader().setSectionResizeMode(COL_DESCRIPTION, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())

        self.up_button = self._button("Move &up", "Ctrl+Up", "Rank the selected diagnosis higher", self.move_up)
        self.down_button = self._button("Move &down", "Ctrl+Down", "Rank the selected diagnosis lower", self.move_down)
        self.resolve_button = self._button("&Resolve…", "", "Mark the selected diagnosis resolved", self.resolve)
        self.list_error = error_label(self)
        buttons = QHBoxLayout()
        buttons.addWidget(self.up_button)
        buttons.addWidget(self.down_button)
        buttons.addWidget(self.resolve_button)
        buttons.addStretch(1)
        hint = QLabel("The first active diagnosis is the principal diagnosis on claims.", self)
        hint.setEnabled(False)
        buttons.addWidget(hint)

        layout = QVBoxLayout(self)
        layout.addWidget(add_box)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.list_error)
        layout.addLayout(buttons)
        self._update_buttons()

    def _button(self, text: str, shortcut: str, tip: str, slot: Any) -> QPushButton:
        button = QPushButton(text, self)
        button.setAccessibleName(text.replace("&", "").rstrip("…"))
        if shortcut:
            button.setShortcut(QKeySequence(shortcut))
            tip = f"{tip} ({shortcut})"
        button.setToolTip(tip)
        button.clicked.connect(slot)
        return button

    # -- loading ---------------------------------------------------------------------------------

    def load(self, summary: ChartSummary) -> None:
        self._client_id = summary.client.id
        self.reload()

    def reload(self, select_id: int | None = None) -> None:
        if self._client_id is None:
            return
        self.model.set_rows(self._vault.clients.diagnoses(self._client_id, include_resolved=True))
        row = self.model.row_of(select_id)
        if row >= 0:
            self.table.selectRow(row)
        self._update_buttons()

    def _codes_ready(self) -> None:
        codes = self.code_edit.code_set()
        if codes is not None:
            self.model.set_code_set(codes)

    def _selected(self) -> Diagnosis | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.diagnosis(rows[0].row()) if rows else None

    def _update_buttons(self) -> None:
        dx = self._selected()
        active = self.model.active()
        position = next((i for i, d in enumerate(active) if dx is not None and d.id == dx.id), -1)
        self.up_button.setEnabled(position > 0)
        self.down_button.setEnabled(0 <= position < len(active) - 1)
        self.resolve_button.setEnabled(position >= 0)

    # -- adding ----------------------------------------------------------------------------------

    def _show_choice(self, entry: IcdCode | None) -> None:
        if entry is None:
            self.choice.clear()
            return
        kind = "billable" if entry.billable else "a category, not billable: claims need a more specific code"
        self.choice.setText(f"{entry.code} — {entry.description} ({kind})")

    def _chosen(self, entry: IcdCode) -> None:
        self.error.hide()
        self._show_choice(entry)
        self.add_button.setFocus()

    def _enter_in_code(self) -> None:
        if not self.code_edit.popup_visible():
            self.add_diagnosis()

    def add_diagnosis(self) -> bool:
        if self._client_id is None:
            return False
        self.error.hide()
        entry = self.code_edit.chosen_entry()
        code = entry.code if entry is not None else self.code_edit.text().strip()
        if not code:
            self.error.setText("Type a code or words, then pick a code from the list.")
            self.error.show()
            return False
        try:
            added = self._vault.clients.add_diagnosis(
                self._client_id, code, for_claims=self.for_claims.isChecked(), onset=self.onset.day()
            )
        except ValidationError as err:
            self.error.setText(str(err))
            self.error.show()
            self.code_edit.setFocus()
            return False
        self.code_edit.reset()
        self._show_choice(None)
        self.onset.set_day(None)
        self.reload(select_id=added.id)
        self.changed.emit()
        return True

    def save(self) -> bool:
        return self.add_diagnosis() if self.code_edit.text().strip() else True

    def cancel_edit(self) -> None:
        self.code_edit.reset()
        self._show_choice(None)
        self.error.hide()

    # -- ordering and resolving -----------------------------------------------------------------

    def _move(self, step: int) -> None:
        dx = self._selected()
        if dx is None or self._client_id is None:
            return
        ids = [d.id for d in self.model.active() if d.id is not None]
        at = ids.index(dx.id) if dx.id in ids else -1
        if not 0 <= at + step < len(ids) or at < 0:
            return
        ids[at], ids[at + step] = ids[at + step], ids[at]
        self.list_error.hide()
        try:
            self._vault.clients.set_diagnosis_order(self._client_id, ids)
        except ValidationError as err:
            self.list_error.setText(str(err))
            self.list_error.show()
            return
        self.reload(select_id=dx.id)
        self.changed.emit()

    def move_up(self) -> None:
        self._move(-1)

    def move_down(self) -> None:
        self._move(1)

    def resolve(self) -> DateDialog | None:
        """Ask for the date the selected diagnosis resolved (the dialog opens window-modal)."""
        dx = self._selected()
        if dx is None or dx.id is None:
            return None
        diagnosis_id = dx.id

        def submit(on: date) -> None:
            self._vault.clients.resolve_diagnosis(diagnosis_id, on)
            self.reload()
            self.changed.emit()

        self.resolve_dialog = DateDialog(
            "Resolve diagnosis",
            f"{dx.code} {dx.description} will move to the resolved list and leave claims.",
            "Resolved on",
            submit,
            self,
        )
        self.resolve_dialog.finished.connect(self._resolve_closed)
        self.resolve_dialog.open()
        return self.resolve_dialog

    def _resolve_closed(self, _result: int) -> None:
        if self.resolve_dialog is not None:
            self.resolve_dialog.deleteLater()
            self.resolve_dialog = None

    def clear(self) -> None:
        self._client_id = None
        self.resolve_dialog = None
        for dialog in self.findChildren(QDialog):  # open, or closed and not yet deleted
            dialog.hide()
            dialog.setParent(None)
            dialog.deleteLater()
        self.code_edit.reset()
        self.choice.clear()
        self.error.clear()
        self.list_error.clear()
        self.model.set_rows([])
