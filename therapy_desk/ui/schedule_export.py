"""The Schedule page's .ics export: a date range of appointments written to a calendar file, the client
named as the clinician chooses (initials by default, never a diagnosis), the file written atomically."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from therapy_desk.domain.ics import Identifier
from therapy_desk.errors import UserError, ValidationError
from therapy_desk.storage.calendar_export import schedule_ics
from therapy_desk.storage.files import atomic_write
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import registry, theme
from therapy_desk.ui.chart_common import FieldErrors, from_qdate, to_qdate
from therapy_desk.ui.schedule_dialogs import add_row
from therapy_desk.ui.widgets.date_field import DateField
from therapy_desk.ui.widgets.focus import set_tab_order
from therapy_desk.ui.widgets.status_label import error_label


@registry.view
class ExportIcsDialog(QDialog):
    """Export a date range as an .ics file; the clinician chooses what names the client (initials by default)."""

    def __init__(self, vault: Vault, first: date, last: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("exportIcsDialog")
        self.setWindowTitle("Export appointments to a calendar file")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self._vault = vault
        self.written: Path | None = None
        self.general_error = error_label(self)
        self.errors = FieldErrors(self.general_error)
        self.from_edit = DateField(self)
        self.from_edit.setAccessibleName("From")
        self.from_edit.setDate(to_qdate(first))
        self.to_edit = DateField(self)
        self.to_edit.setAccessibleName("To")
        self.to_edit.setDate(to_qdate(last))
        self.identifier = QComboBox(self)
        self.identifier.setAccessibleName("Name clients by")
        for choice in Identifier:
            self.identifier.addItem(choice.label, choice.value)
        self.path_edit = QLineEdit(str(Path.home() / "appointments.ics"), self)
        self.path_edit.setAccessibleName("File")
        self.path_edit.setMinimumWidth(self.path_edit.fontMetrics().averageCharWidth() * 40)  # a whole path shows
        self.browse = QPushButton("C&hoose…", self)
        self.browse.setAccessibleName("Choose the file")
        self.browse.clicked.connect(self._choose)
        file_row = QWidget(self)
        row = QHBoxLayout(file_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.path_edit, 1)
        row.addWidget(self.browse)
        form = QFormLayout()
        add_row(form, "&From:", self.from_edit, self.errors, "start_date")
        add_row(form, "&To:", self.to_edit, self.errors, "end_date")
        form.addRow("&Name clients by:", self.identifier)
        add_row(form, "F&ile:", file_row, self.errors, "path").setBuddy(self.path_edit)
        note = QLabel("No diagnosis or note text is ever exported; cancelled appointments are left out.", self)
        note.setWordWrap(True)
        theme.set_role(note, theme.MUTED)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.export_button = QPushButton("&Export", self)
        self.export_button.setDefault(True)
        buttons.addButton(self.export_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.export)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.general_error)
        layout.addWidget(buttons)
        set_tab_order(self.from_edit, self.to_edit, self.identifier, self.path_edit, self.browse, buttons)

    def _choose(self) -> None:
        chosen, _filter = QFileDialog.getSaveFileName(
            self, "Export appointments", self.path_edit.text(), "Calendar files (*.ics)"
        )
        if chosen:
            self.path_edit.setText(chosen if chosen.lower().endswith(".ics") else f"{chosen}.ics")

    def export(self) -> bool:
        """Write the file (atomically); False with the sentence shown when something is wrong."""
        self.errors.clear()
        text = self.path_edit.text().strip()
        try:
            if not text:
                raise ValidationError("Choose the file to write.", "path")
            path = Path(text).expanduser()
            if not path.parent.is_dir():
                raise ValidationError(f"The folder {path.parent} does not exist.", "path")
            first, last = from_qdate(self.from_edit.date()), from_qdate(self.to_edit.date())
            body = schedule_ics(self._vault, first, last, Identifier(self.identifier.currentData()))
            atomic_write(path, body.encode("utf-8"))
        except ValidationError as err:
            self.errors.show(err)
            return False
        except UserError as err:
            self.errors.show_text("path", str(err))
            return False
        self.written = path
        self.accept()
        return True
