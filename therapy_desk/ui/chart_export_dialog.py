"""Export a client's chart as a PDF (a records request, an insurer's audit, a copy for the clinician): an
optional period, the sections, psychotherapy notes only under an active release that covers them, and for
whom. A copy for someone other than the clinician (a release on file, or a recipient typed with its basis
and purpose) is logged as a disclosure with the file. The PDF is made and written off the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from therapy_desk.domain.chart_export import ChartExportOptions, ChartSection
from therapy_desk.domain.clients import Release
from therapy_desk.domain.disclosures import Disclosure, DisclosureBasis
from therapy_desk.errors import UserError, ValidationError
from therapy_desk.records.chart_export import write_chart_export
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import registry
from therapy_desk.ui.chart_common import FieldErrors, from_qdate, to_qdate
from therapy_desk.ui.ops import Op, Ops
from therapy_desk.ui.widgets.date_field import DateField
from therapy_desk.ui.widgets.folder_field import FolderField, remember_folder, remembered_folder
from therapy_desk.ui.widgets.status_label import StatusLabel, error_label

OWN_COPY = "own"
SOMEONE_ELSE = "other"
INTRO = (
    "A copy of the chart as a PDF: signed notes with their addenda and verification codes, never drafts. "
    "A copy for anyone but you is logged as a disclosure."
)


@registry.view
class ChartExportDialog(QDialog):
    """Export one client's chart. `exported` fires with the file's path once it is written."""

    exported = Signal(object)

    def __init__(
        self, vault: Vault, ops: Ops, client_id: int, parent: QWidget | None = None, *, today: date | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("chartExportDialog")
        self.setWindowTitle("Export chart")
        self._vault = vault
        self._ops = ops
        self._client_id = client_id
        self.today = today or date.today()
        self.op: Op | None = None
        self.written: Path | None = None
        releases = vault.clients.releases(client_id)
        self._active = [r for r in releases if r.is_active(self.today)]

        self.intro = StatusLabel("About the chart export", INTRO, self)
        self.intro.setWordWrap(True)
        self.general_error = error_label(self)
        self.errors = FieldErrors(self.general_error)
        self.fields: dict[str, QWidget] = {}
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)

        self.recipient_kind = QComboBox(self)
        self.recipient_kind.setAccessibleName("Who is it for?")
        # Each item's data: OWN_COPY, SOMEONE_ELSE, or the id of the release the copy goes under.
        self.recipient_kind.addItem("My own copy (not a disclosure)", OWN_COPY)
        for release in self._active:
            self.recipient_kind.addItem(f"Release: {_release_text(release)}", release.id)
        self.recipient_kind.addItem("Someone else (type who, why and what for)", SOMEONE_ELSE)
        self._row("Who &is it for?", self.recipient_kind, "who")
        self.recipient = QLineEdit(self)
        self.recipient.setAccessibleName("Recipient")
        self._row("&Recipient:", self.recipient, "recipient")
        self.basis = QComboBox(self)
        self.basis.setAccessibleName("Basis")
        for basis in DisclosureBasis:
            self.basis.addItem(basis.label, basis)
        self._row("&Basis:", self.basis, "basis")
        self.purpose = QLineEdit(self)
        self.purpose.setAccessibleName("Purpose")
        self._row("&Purpose:", self.purpose, "purpose")
        self.recipient_kind.currentIndexChanged.connect(self._who_chosen)
        self.limit = QCheckBox("&Limit to a period", self)
        self.limit.setAccessibleName("Limit to a period")
        self.limit.toggled.connect(self._limit_toggled)
        self.form.addRow("", self.limit)
        self.date_from = DateField(self)
        self.date_from.setAccessibleName("From")
        self.date_from.setDate(to_qdate(self.today - timedelta(days=365)))
        self.date_to = DateField(self)
        self.date_to.setAccessibleName("To")
        self.date_to.setDate(to_qdate(self.today))
        self._row("&From:", self.date_from, "since")
        self._row("&To:", self.date_to, "until")

        self.sections_box = QGroupBox("Sections", self)
        grid = QGridLayout(self.sections_box)
        self.section_boxes: dict[ChartSection, QCheckBox] = {}
        for index, section in enumerate(ChartSection):
            box = QCheckBox(section.label, self.sections_box)
            box.setAccessibleName(section.label)
            box.setChecked(True)
            self.section_boxes[section] = box
            grid.addWidget(box, index // 4, index % 4)
        self.form.addRow(self.errors.under(self.sections_box, "sections"))

        covering = [r for r in self._active if r.covers_psychotherapy_notes]
        self.psychotherapy = QCheckBox("Include ps&ychotherapy notes", self)
        self.psychotherapy.setAccessibleName("Include psychotherapy notes")
        why = "under the client's authorization named below" if covering else "only under an active release naming them"
        self.psychotherapy.setAccessibleDescription(f"Psychotherapy notes go out {why}.")
        self.psychotherapy.setToolTip(f"Psychotherapy notes go out {why}.")
        self.psychotherapy.setEnabled(bool(covering))
        self.form.addRow("", self.psychotherapy)
        self.psychotherapy_release = QComboBox(self)
        self.psychotherapy_release.setAccessibleName("Authorization for psychotherapy notes")
        for release in covering:
            self.psychotherapy_release.addItem(_release_text(release), release.id)
        self.psychotherapy_release.setEnabled(False)
        self.psychotherapy.toggled.connect(self.psychotherapy_release.setEnabled)
        self._row("A&uthorization:", self.psychotherapy_release, "release_id")

        self.folder = FolderField("Folder", "Write the chart copy into which folder?", self)
        self.folder.edit.setText(remembered_folder(vault))
        self._row("F&older:", self.folder, "folder")

        self.written_label = StatusLabel("Chart copy written", parent=self)
        self.written_label.setWordWrap(True)
        self.written_label.hide()
        self.open_folder_button = QPushButton("Open the fol&der", self)
        self.open_folder_button.setAccessibleName("Open the folder")
        self.open_folder_button.clicked.connect(self.open_folder)
        self.open_folder_button.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.export_button = QPushButton("&Write the PDF", self)
        self.export_button.setAccessibleName("Write the PDF")
        self.export_button.setToolTip("Write the chart copy as a PDF into the folder")
        self.export_button.setDefault(True)
        self.buttons.addButton(self.export_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.export_button.clicked.connect(lambda: self.export())
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(self.form)
        layout.addWidget(self.general_error)
        layout.addWidget(self.written_label)
        row = QHBoxLayout()
        row.addWidget(self.open_folder_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.buttons)
        self._limit_toggled(False)
        self._who_chosen()
        self.recipient_kind.setFocus()

    def _row(self, caption: str, widget: QWidget, field: str) -> None:
        self.fields[field] = widget
        self.errors.add_rows(self.form, [(caption, widget, field)])

    def _limit_toggled(self, on: bool) -> None:
        for field in (self.date_from, self.date_to):
            field.setEnabled(on)

    def _who_chosen(self, _index: int = 0) -> None:
        chosen = self.recipient_kind.currentData()
        typed = chosen == SOMEONE_ELSE
        for widget in (self.recipient, self.basis, self.purpose):
            widget.setEnabled(typed)
        if isinstance(chosen, int):
            release = next(r for r in self._active if r.id == chosen)
            self.recipient.setText(release.recipient)
            self.purpose.setText(release.purpose)
            self.basis.setCurrentIndex(self.basis.findData(DisclosureBasis.AUTHORIZATION))
        elif not typed:
            self.recipient.clear()
            self.purpose.clear()

    # -- exporting -------------------------------------------------------------------------------

    def options(self) -> ChartExportOptions:
        since = until = None
        if self.limit.isChecked():
            since, until = from_qdate(self.date_from.date()), from_qdate(self.date_to.date())
        sections = frozenset(s for s, box in self.section_boxes.items() if box.isChecked())
        release = self.psychotherapy_release.currentData() if self.psychotherapy.isChecked() else None
        if self.psychotherapy.isChecked() and release is None:
            raise ValidationError("Pick the authorization that names psychotherapy notes.", "release_id")
        return ChartExportOptions(since, until, sections, psychotherapy_release_id=release).validated()

    def disclosure(self) -> Disclosure | None:
        chosen = self.recipient_kind.currentData()
        if chosen == OWN_COPY:
            return None
        release_id = chosen if isinstance(chosen, int) else None
        recipient, purpose = self.recipient.text().strip(), self.purpose.text().strip()
        basis = DisclosureBasis.AUTHORIZATION if release_id else DisclosureBasis(self.basis.currentData())
        if not recipient:
            raise ValidationError("Type whom the copy is for.", "recipient")
        if not purpose:
            raise ValidationError("Type what the recipient needs the copy for.", "purpose")
        return Disclosure(self._client_id, self.today, recipient, basis, purpose, "-", release_id=release_id)

    def work(self) -> Callable[[Vault], Path]:
        """What the worker runs, with the dialog's values (sentences when they are wrong)."""
        options = self.options()
        disclosure = self.disclosure()
        folder = self.folder.folder()
        client_id, today = self._client_id, self.today
        return lambda vault: write_chart_export(vault, client_id, options, folder, disclosure=disclosure, today=today)

    def export(self) -> Op | None:
        """Check the form and start writing on a worker; None when the form was refused (sentence shown)."""
        if self.op is not None:
            return None
        self.errors.clear()
        self.written_label.hide()
        self.open_folder_button.hide()
        try:
            work = self.work()
        except ValidationError as err:
            self.errors.show(err)
            self.fields.get(err.field or "", self.recipient_kind).setFocus()
            return None
        remember_folder(self._vault, self.folder.folder())
        self.export_button.setEnabled(False)
        self.op = (
            self._ops.run(work, label="Writing the chart copy…", parent=self)
            .success(self._written)
            .failure(self._refused)
            .finished(self._done)
            .start()
        )
        return self.op

    def _written(self, path: Path) -> None:
        self.written = path
        logged = "" if self.recipient_kind.currentData() == OWN_COPY else " It was logged as a disclosure."
        self.written_label.setText(f"Written: “{path.name}” in {path.parent}.{logged}")
        self.written_label.show()
        self.open_folder_button.show()
        self.exported.emit(path)

    def _refused(self, err: UserError) -> None:
        if isinstance(err, ValidationError):
            self.errors.show(err)
        else:
            self.general_error.setText(str(err))
            self.general_error.show()

    def _done(self) -> None:
        self.op = None
        self.export_button.setEnabled(True)
        if self.written is not None:
            self.recipient_kind.setFocus()

    def open_folder(self) -> bool:
        if self.written is None:
            return False
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.written.parent)))

    def visible_error(self) -> str:
        return "\n".join(self.errors.visible_messages())


def _release_text(release: Release) -> str:
    until = f", until {release.expires_on:%m/%d/%Y}" if release.expires_on else ""
    return f"{release.recipient} ({release.purpose}{until})"
