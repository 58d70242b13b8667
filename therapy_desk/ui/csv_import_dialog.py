"""Import clients from CSV…: the caseload another system exported, brought in. Pick the file, choose a preset
(or map each Therapy Desk field to one of the file's columns), see the first rows as they will be imported,
Check (the dry run: every rejected row with its reason), then Import, which is enabled only when the check
found nothing: every row lands in one transaction, or none. Reading, checking and importing a large file
run off the GUI thread through `Ops`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from therapy_desk.domain.csv_import import FIELDS, PRESETS, ClientImport, Mapping, Preset
from therapy_desk.errors import UserError
from therapy_desk.records.csv_import import (
    ENCODINGS,
    DryRun,
    Outcome,
    Progress,
    Table,
    dry_run,
    import_table,
    preview,
    read_table,
)
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import registry
from therapy_desk.ui.files import documents_dir
from therapy_desk.ui.format import fmt_date, fmt_status
from therapy_desk.ui.ops import Op, Ops
from therapy_desk.ui.widgets.status_label import StatusLabel, error_label

NOT_IMPORTED = "(not imported)"
NO_PRESET = "None: map the columns myself"
PREVIEW_COLUMNS = ("Row", "Client", "Date of birth", "Sex", "Status", "Phone", "Diagnoses", "Insurance")
MAX_PROBLEMS_LISTED = 1000  # the list shows this many sentences, then says how many more


def _preview_cells(row: int, parsed: ClientImport | list[str]) -> list[str]:
    if isinstance(parsed, list):
        return [str(row), "Cannot be imported: " + " ".join(parsed)]
    client = parsed.client
    insurance = f"{parsed.payer} ({parsed.coverage.member_id})" if parsed.coverage is not None else ""
    return [
        str(row),
        client.listed_name,
        fmt_date(client.dob),
        client.sex.value,
        fmt_status(client.status),
        client.phone,
        ", ".join(d.code for d in parsed.diagnoses),
        insurance,
    ]


@registry.view
class CsvImportDialog(QDialog):
    """The import. `report` holds the last check, `outcome` the import once done; `imported` is emitted
    with the number of clients added."""

    imported = Signal(int)

    def __init__(self, vault: Vault, ops: Ops, parent: QWidget | None = None, *, today: date | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("csvImportDialog")
        self.setWindowTitle("Import clients from CSV")
        self._vault = vault
        self._ops = ops
        self.today = today or date.today()
        self.table: Table | None = None
        self.report: DryRun | None = None
        self.outcome: Outcome | None = None
        self.op: Op | None = None
        self._close_when_ended = False

        intro = StatusLabel(
            "About importing",
            "Export your client list from the other system as CSV (UTF-8). Every row is checked before anything "
            "is imported, and all rows are imported together, or none.",
            self,
        )
        intro.setWordWrap(True)
        self.path = QLineEdit(self)
        self.path.setAccessibleName("CSV file")
        self.path.setPlaceholderText("The .csv file to import")
        self.path.returnPressed.connect(lambda: self.load())
        self.browse_button = QPushButton("&Browse…", self)
        self.browse_button.setAccessibleName("Browse for the CSV file")
        self.browse_button.clicked.connect(lambda: self.browse())
        self.read_button = QPushButton("&Read", self)
        self.read_button.setAccessibleName("Read the file")
        self.read_button.clicked.connect(lambda: self.load())
        file_row = QHBoxLayout()
        file_row.addWidget(self.path, 1)
        file_row.addWidget(self.browse_button)
        file_row.addWidget(self.read_button)
        file_label = QLabel("&File:", self)
        file_label.setBuddy(self.path)

        self.encoding = QComboBox(self)
        self.encoding.setAccessibleName("Encoding")
        for key, caption in ENCODINGS.items():
            self.encoding.addItem(caption, key)
        self.encoding.currentIndexChanged.connect(lambda _index: self._encoding_changed())
        encoding_label = QLabel("&Encoding:", self)
        encoding_label.setBuddy(self.encoding)

        self.preset = QComboBox(self)
        self.preset.setAccessibleName("Preset")
        self.preset.addItem(NO_PRESET, None)
        for preset in PRESETS:
            self.preset.addItem(preset.name, preset.key)
        self.preset.currentIndexChanged.connect(lambda _index: self.apply_preset())
        preset_label = QLabel("&Preset:", self)
        preset_label.setBuddy(self.preset)
        self.preset_note = StatusLabel("About the preset", parent=self)
        self.preset_note.setWordWrap(True)
        top = QFormLayout()
        top.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        top.addRow(file_label, file_row)
        top.addRow(encoding_label, self.encoding)
        top.addRow(preset_label, self.preset)
        top.addRow("", self.preset_note)

        self.columns: dict[str, QComboBox] = {}
        mapping_form = QFormLayout()
        for spec in FIELDS:
            combo = QComboBox(self)
            title = f"{spec.title} (required)" if spec.required else spec.title
            combo.setAccessibleName(title)
            combo.setAccessibleDescription("The file's column that holds it")
            combo.addItem(NOT_IMPORTED, "")
            combo.currentIndexChanged.connect(lambda _index: self._mapping_changed())
            label = QLabel(f"{title}:", self)
            label.setBuddy(combo)
            mapping_form.addRow(label, combo)
            self.columns[spec.key] = combo
        inner = QWidget(self)
        inner.setLayout(mapping_form)
        scroll = QScrollArea(self)
        scroll.setWidget(inner)
        scroll.setWidgetResizable(True)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.mapping_box = QGroupBox("Colu&mns of the file", self)
        box_layout = QVBoxLayout(self.mapping_box)
        box_layout.addWidget(scroll)

        self.preview = QTableWidget(0, len(PREVIEW_COLUMNS), self)
        self.preview.setAccessibleName("Preview of the first rows")
        self.preview.setHorizontalHeaderLabels(PREVIEW_COLUMNS)
        self.preview.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.preview.setTabKeyNavigation(False)
        self.preview.verticalHeader().hide()
        self.preview.horizontalHeader().setStretchLastSection(True)
        preview_label = QLabel("Pre&view of the first rows:", self)
        preview_label.setBuddy(self.preview)
        self.problems = QListWidget(self)
        self.problems.setAccessibleName("Problems")
        self.problems.setWordWrap(True)
        problems_label = QLabel("Problem&s:", self)
        problems_label.setBuddy(self.problems)
        self.summary = StatusLabel("Check summary", parent=self)
        self.summary.setWordWrap(True)
        self.general_error = error_label(self)
        right = QVBoxLayout()
        right.addWidget(preview_label)
        right.addWidget(self.preview, 2)
        right.addWidget(problems_label)
        right.addWidget(self.problems, 2)
        right.addWidget(self.summary)
        right.addWidget(self.general_error)

        self.check_button = QPushButton("&Check", self)
        self.check_button.setAccessibleName("Check")
        self.check_button.setToolTip("Check every row, importing nothing")
        self.check_button.clicked.connect(lambda: self.check())
        self.import_button = QPushButton("&Import", self)
        self.import_button.setAccessibleName("Import")
        self.import_button.setToolTip("Import every row in one step (after a clean check)")
        self.import_button.clicked.connect(lambda: self.start_import())
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.buttons.addButton(self.check_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.import_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.rejected.connect(self.reject)
        # Enter in the file field reads the file; it never presses a button (Browse would open a file picker).
        for button in (self.browse_button, self.read_button, self.check_button, self.import_button,
                       *self.buttons.buttons()):  # fmt: skip
            if isinstance(button, QPushButton):
                button.setAutoDefault(False)
                button.setDefault(False)

        left = QVBoxLayout()
        left.addLayout(top)
        left.addWidget(self.mapping_box, 1)
        body = QHBoxLayout()
        body.addLayout(left, 2)
        body.addLayout(right, 3)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(body, 1)
        layout.addWidget(self.buttons)
        self.resize(1180, 640)
        self._update_buttons()
        self.path.setFocus()

    # -- the file and the mapping --------------------------------------------------------------

    def browse(self) -> Path | None:
        chosen, _filter = QFileDialog.getOpenFileName(
            self, "Import which CSV file?", str(documents_dir()), "CSV files (*.csv);;All files (*)"
        )
        if not chosen:
            return None
        self.path.setText(chosen)
        self.load()
        return Path(chosen)

    def load(self) -> Op | None:
        """Read the file named in the path field (off the GUI thread); then offer its columns."""
        if self.op is not None:
            return None
        text = self.path.text().strip()
        self.general_error.hide()
        if not text:
            self._fail(UserError("Choose the CSV file to import."))
            self.path.setFocus()
            return None
        path, encoding = Path(text).expanduser(), str(self.encoding.currentData())
        return self._start(
            self._ops.run_plain(lambda: read_table(path, encoding), label="Reading the file…", parent=self).success(
                self._loaded
            )
        )

    def _encoding_changed(self) -> None:
        """Read the file again in the encoding chosen (nothing to do before a file is read)."""
        if self.table is not None or self.path.text().strip():
            self.load()

    def _loaded(self, table: Table) -> None:
        self.table = table
        self.outcome = None
        for combo in self.columns.values():
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(NOT_IMPORTED, "")
            for heading in table.headings:
                if heading:
                    combo.addItem(heading, heading)
            combo.blockSignals(False)
        if self.preset.currentData() is None:
            best = self._best_preset(table)
            if best is not None:
                self.preset.setCurrentIndex(self.preset.findData(best.key))  # applies it
                return
        self.apply_preset()

    def _best_preset(self, table: Table) -> Preset | None:
        """The preset whose required headings the file has and most of whose headings it has."""
        present = {h.casefold() for h in table.headings}

        def score(preset: Preset) -> int:
            return sum(heading.casefold() in present for heading in preset.mapping.columns.values())

        fitting = [
            p for p in PRESETS if all(p.mapping.columns[f.key].casefold() in present for f in FIELDS if f.required)
        ]
        return max(fitting, key=score, default=None)

    def apply_preset(self) -> None:
        """Set every field's column from the chosen preset (those the file lacks: not imported)."""
        key = self.preset.currentData()
        chosen = next((p for p in PRESETS if p.key == key), None)
        self.preset_note.setText(chosen.description if chosen is not None else "Choose each field's column below.")
        if chosen is not None:
            for field_key, combo in self.columns.items():
                heading = chosen.mapping.columns.get(field_key, "")
                at = next(
                    (i for i in range(combo.count()) if str(combo.itemData(i)).casefold() == heading.casefold()), 0
                )
                combo.blockSignals(True)
                combo.setCurrentIndex(at if heading else 0)
                combo.blockSignals(False)
        self._mapping_changed()

    def mapping(self) -> Mapping:
        return Mapping({key: combo.currentData() for key, combo in self.columns.items() if combo.currentData()})

    def _mapping_changed(self) -> None:
        """A new mapping: the last check no longer holds; show the preview again."""
        self.report = None
        self.problems.clear()
        self.summary.clear()
        self.general_error.hide()
        self.preview.setRowCount(0)
        if self.table is not None:
            try:
                rows = preview(self.table, self.mapping(), self.today)
            except UserError as err:
                self.summary.setText(str(err))
            else:
                self._show_preview(rows)
                self.summary.setText(f"{self.table.name}: {len(self.table.rows):,} rows. Check them before importing.")
        self._update_buttons()

    def _show_preview(self, rows: list[tuple[int, ClientImport | list[str]]]) -> None:
        self.preview.setRowCount(len(rows))
        for r, (row, parsed) in enumerate(rows):
            cells = _preview_cells(row, parsed)
            for c, text in enumerate(cells):
                self.preview.setItem(r, c, QTableWidgetItem(text))
            if len(cells) == 2:
                self.preview.setSpan(r, 1, 1, len(PREVIEW_COLUMNS) - 1)
        self.preview.resizeColumnsToContents()

    # -- check and import ----------------------------------------------------------------------

    def check(self) -> Op | None:
        """The dry run on a worker: every row checked against the rules and the vault, nothing written."""
        table, mapping, today = self.table, self.mapping(), self.today
        if self.op is not None:
            return None
        if table is None:
            self._fail(UserError("Read a CSV file first."))
            return None

        def work(vault: Vault, progress: Progress) -> DryRun:
            return dry_run(vault, table, mapping, today=today, progress=progress)

        return self._start(
            self._ops.run(work, label="Checking every row…", cancellable=True, writes=False, parent=self).success(
                self._checked
            )
        )

    def _checked(self, report: DryRun) -> None:
        self.report = report
        self.problems.clear()
        sentences = [s for rejected in report.rejected for s in rejected.sentences]
        self.problems.addItems(sentences[:MAX_PROBLEMS_LISTED])
        if len(sentences) > MAX_PROBLEMS_LISTED:
            self.problems.addItem(f"… and {len(sentences) - MAX_PROBLEMS_LISTED:,} more.")
        added = f" New payers to be added: {', '.join(report.new_payers)}." if report.new_payers else ""
        self.summary.setText(report.summary() + (added if report.clean else ""))
        self._update_buttons()

    def start_import(self) -> Op | None:
        """Import every row in one transaction (checked again on the worker); only after a clean check."""
        table, mapping, today = self.table, self.mapping(), self.today
        if table is None or self.op is not None or self.report is None or not self.report.clean:
            return None

        def work(vault: Vault, progress: Progress) -> Outcome:
            return import_table(vault, table, mapping, today=today, progress=progress)

        return self._start(self._ops.run(work, label="Importing…", parent=self).success(self._imported))

    def _imported(self, outcome: Outcome) -> None:
        if outcome.imported is None:  # the vault changed since the check
            self._checked(outcome.report)
            return
        self.outcome = outcome
        counts = outcome.imported
        self.report = None
        self.summary.setText(
            f"Imported {counts.clients:,} clients, {counts.diagnoses:,} diagnoses and {counts.coverages:,} insurance "
            f"coverages; {counts.payers_added:,} payers added."
        )
        self._update_buttons()
        self.imported.emit(counts.clients)

    # -- plumbing ------------------------------------------------------------------------------

    def _start(self, op: Op) -> Op:
        self.op = op.failure(self._fail).finished(self._ended)
        self._update_buttons()
        return self.op.start()

    def _ended(self) -> None:
        self.op = None
        self._update_buttons()
        self.path.setFocus()  # as the batch dialog does: back on the first field, the summary announced
        if self._close_when_ended:
            super().reject()

    def _fail(self, err: UserError) -> None:
        self.general_error.setText(str(err))
        self.general_error.show()

    def _update_buttons(self) -> None:
        """Check once a file is read, Import after a clean check; neither after the import. (While work runs
        the buttons stay as they are, so the focus stays put; a second press is ignored.)"""
        self.check_button.setEnabled(self.table is not None and self.outcome is None)
        self.import_button.setEnabled(self.report is not None and self.report.clean and self.outcome is None)

    def reject(self) -> None:
        if self.op is not None:  # Close while reading, checking or importing: stop (a check), then close
            self._close_when_ended = True
            self.op.cancel()
            return
        super().reject()
