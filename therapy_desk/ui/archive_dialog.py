"""Export archive…: one client's record (from the chart) or the whole practice's (from the Vault menu) written
as a folder, or an AES-256 encrypted zip, readable without Therapy Desk (records/archive.py). The work runs
on a worker through Ops, with its progress bar and Cancel here; cancelling removes what was written."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QStyleFactory,
    QVBoxLayout,
    QWidget,
)

from therapy_desk.domain.text import plural
from therapy_desk.errors import UserError, ValidationError
from therapy_desk.records.archive import ArchiveSummary, ChartPdf, ChartWriter, write_archive
from therapy_desk.records.chart_export import CHART_WRITER
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import registry, theme
from therapy_desk.ui.chart_common import FieldErrors
from therapy_desk.ui.ops import Op, Ops
from therapy_desk.ui.schedule_dialogs import add_row
from therapy_desk.ui.widgets.focus import set_tab_order
from therapy_desk.ui.widgets.status_label import StatusLabel, error_label

MIN_PASSWORD = 8
POLL_MS = 100  # how often the progress bar reads the worker's step


@registry.view
class ArchiveDialog(QDialog):
    """Choose the scope (this client or the whole practice), folder or encrypted zip, psychotherapy notes (whole
    practice only, off by default) and where; then write it with progress and Cancel. `summary` holds the
    result once written. `chart_pdf` writes each client's chart PDF (None: no PDFs)."""

    def __init__(
        self,
        vault: Vault,
        ops: Ops,
        *,
        client_id: int | None = None,
        client_name: str = "",
        chart_pdf: ChartPdf | ChartWriter | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("archiveDialog")
        self.setWindowTitle("Export archive")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self._vault = vault
        self.ops = ops
        self._chart_pdf = chart_pdf
        self.op: Op | None = None
        self.summary: ArchiveSummary | None = None
        self.general_error = error_label(self)
        self.errors = FieldErrors(self.general_error)

        self.scope = QComboBox(self)
        self.scope.setAccessibleName("Archive of")
        if client_id is not None:
            self.scope.addItem(f"This client only: {client_name}" if client_name else "This client only", client_id)
        self.scope.addItem("The whole practice: every client", None)
        self.folder_edit = QLineEdit(str(Path.home()), self)
        self.folder_edit.setAccessibleName("Save in folder")
        self.folder_edit.setMinimumWidth(self.folder_edit.fontMetrics().averageCharWidth() * 44)
        self.browse = QPushButton("C&hoose…", self)
        self.browse.setAccessibleName("Choose the folder")
        self.browse.clicked.connect(self._choose)
        folder_row = QWidget(self)
        row = QHBoxLayout(folder_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.folder_edit, 1)
        row.addWidget(self.browse)
        self.name_edit = QLineEdit(self)
        self.name_edit.setAccessibleName("Archive name")
        self.encrypted = QCheckBox("&Encrypted zip (AES-256) with a password", self)
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Password")
        self.again = QLineEdit(self)
        self.again.setEchoMode(QLineEdit.EchoMode.Password)
        self.again.setAccessibleName("Password again")
        self.process_notes = QCheckBox("Include ps&ychotherapy notes (kept apart by law; leave off to hand on)", self)

        form = QFormLayout()
        add_row(form, "Archive &of:", self.scope, self.errors, "scope")
        form.addRow("", self.process_notes)
        add_row(form, "&Save in:", folder_row, self.errors, "folder").setBuddy(self.folder_edit)
        add_row(form, "&Name:", self.name_edit, self.errors, "name")
        form.addRow("", self.encrypted)
        add_row(form, "Passwo&rd:", self.password, self.errors, "password")
        add_row(form, "&Again:", self.again, self.errors, "again")
        note = QLabel(
            "The archive holds each client's chart as a PDF, every table as a spreadsheet (CSV) and as JSON, a "
            "README that explains each, the vault-format document and a checksum manifest. Psychotherapy notes "
            "are never in one client's archive.",
            self,
        )
        note.setWordWrap(True)
        theme.set_role(note, theme.MUTED)
        self.progress = QProgressBar(self)
        # Fusion animates a bar in progress (moving stripes) and that animation was seen to crash the app while
        # a PDF was written on the worker; the Windows style draws the same bar without animation.
        self._bar_style = QStyleFactory.create("Windows")
        if self._bar_style is not None:
            self._bar_style.setParent(self)
            self.progress.setStyle(self._bar_style)
        self.progress.setAccessibleName("Archive progress")
        self.progress.setFormat("")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.result_label = StatusLabel("Result", parent=self)
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.write_button = QPushButton("&Write archive", self)
        self.write_button.setDefault(True)
        self.write_button.clicked.connect(self.write)
        self.close_button = QPushButton("Close", self)
        self.close_button.setAccessibleName("Close")
        self.close_button.clicked.connect(self._close_or_cancel)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.write_button)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.progress)
        layout.addWidget(self.result_label)
        layout.addWidget(self.general_error)
        layout.addLayout(buttons)
        set_tab_order(
            self.scope, self.process_notes, self.folder_edit, self.browse, self.name_edit,
            self.encrypted, self.password, self.again, self.write_button, self.close_button,
        )  # fmt: skip

        self.scope.setFocus(Qt.FocusReason.OtherFocusReason)
        self._steps = [0, 0]
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._show_step)
        self.scope.currentIndexChanged.connect(self._update)
        self.encrypted.toggled.connect(self._update)
        self._update()

    # -- choices ------------------------------------------------------------------------------------------

    def client_id(self) -> int | None:
        """The client whose archive is chosen; None: the whole practice."""
        chosen = self.scope.currentData()
        return chosen if isinstance(chosen, int) else None

    def _default_name(self) -> str:
        today = date.today().isoformat()
        if self.client_id() is not None:
            return f"Client {self.client_id()} archive {today}"
        return f"Therapy Desk archive {today}"

    def _update(self) -> None:
        if not self.name_edit.isModified():
            self.name_edit.setText(self._default_name())
        whole = self.client_id() is None
        self.process_notes.setEnabled(whole)
        if not whole:
            self.process_notes.setChecked(False)
        for field in (self.password, self.again):
            field.setEnabled(self.encrypted.isChecked())

    def _choose(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Save the archive in which folder?", self.folder_edit.text())
        if chosen:
            self.folder_edit.setText(chosen)

    def target(self) -> Path:
        """The folder or .zip the archive becomes (a sentence, by field, when a choice is missing or wrong)."""
        folder_text, name = self.folder_edit.text().strip(), self.name_edit.text().strip()
        if not folder_text:
            raise ValidationError("Choose the folder to save the archive in.", "folder")
        folder = Path(folder_text).expanduser()
        if not folder.is_dir():
            raise ValidationError(f"The folder {folder} does not exist.", "folder")
        if not name or name != Path(name).name or name in (".", ".."):
            raise ValidationError("Give the archive a name without a folder in it.", "name")
        if self.encrypted.isChecked() and not name.lower().endswith(".zip"):
            name += ".zip"
        target = folder / name
        if target.exists():
            raise ValidationError(f"{target} already exists. Choose another name.", "name")
        return target

    def _password(self) -> str | None:
        if not self.encrypted.isChecked():
            return None
        if len(self.password.text()) < MIN_PASSWORD:
            raise ValidationError(f"The zip's password needs at least {MIN_PASSWORD} characters.", "password")
        if self.again.text() != self.password.text():
            self.again.clear()
            raise ValidationError("The two passwords differ: type the same password twice.", "again")
        return self.password.text()

    # -- writing ------------------------------------------------------------------------------------------

    def write(self) -> Op | None:
        """Start writing the archive on a worker; None (the sentence shown) when a choice is wrong."""
        self.errors.clear()
        self.result_label.setText("")
        try:
            target, password = self.target(), self._password()
        except ValidationError as err:
            self.errors.show(err)
            {"folder": self.folder_edit, "name": self.name_edit, "password": self.password, "again": self.again}.get(
                err.field or "", self.folder_edit
            ).setFocus(Qt.FocusReason.OtherFocusReason)
            return None
        client_id = self.client_id()
        process = self.process_notes.isChecked() and client_id is None
        chart_pdf = self._chart_pdf
        steps = self._steps = [0, 0]  # the worker's latest (done, total); no Qt object crosses to the worker

        def work(vault: Vault, progress: Callable[[int, int], None], is_cancelled: Callable[[], bool]) -> object:
            def step(done: int, total: int) -> None:
                steps[:] = [done, total]
                progress(done, total)

            return write_archive(
                vault, target, client_id=client_id, chart_pdf=chart_pdf, include_psychotherapy_notes=process,
                password=password, progress=step, cancelled=is_cancelled,
            )  # fmt: skip

        self._running(True)
        self.progress.setFormat("Step %v of %m")
        # Not a busy bar (range 0, 0): Fusion's busy animation can paint after its animation object is gone.
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self._poll.start()
        self.op = self.ops.run(work, label="Writing the archive…", cancellable=True, parent=self)
        # The op keeps no strong hold on this dialog: were the op's last reference dropped on a worker thread,
        # the dialog would not be destroyed there with it.
        self.op.quiet().success(_weak(self._written)).failure(_weak(self._failed)).finished(_weak(self._ended))
        return self.op.start()

    def _running(self, running: bool) -> None:
        for widget in (
            self.scope, self.process_notes, self.folder_edit, self.browse,
            self.name_edit, self.encrypted, self.write_button,
        ):  # fmt: skip
            widget.setEnabled(not running)
        self.close_button.setText("Cancel" if running else "Close")
        self.close_button.setAccessibleName("Cancel" if running else "Close")
        if not running:
            self._update()

    @Slot()
    def _show_step(self) -> None:
        done, total = self._steps
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(min(done, total))

    def _written(self, summary: ArchiveSummary) -> None:
        self.summary = summary
        what = "an encrypted zip" if summary.encrypted else "a folder"
        self.result_label.setText(
            f"Written: {summary.path} ({what}: {plural(summary.clients, 'client')}, "
            f"{plural(summary.tables, 'table')}, {plural(summary.files, 'file')})."
        )
        theme.set_role(self.result_label, None)

    def _failed(self, err: UserError) -> None:
        self.errors.show_text(None, str(err))

    def _ended(self) -> None:
        if self.summary is None and not self.errors.visible_messages():
            self.result_label.setText("Cancelled: nothing was written.")
        self.op = None
        self._poll.stop()
        self.progress.setRange(0, 1)
        self.progress.setValue(1 if self.summary is not None else 0)
        self.progress.setFormat("Done" if self.summary is not None else "")
        self._running(False)
        self.scope.setFocus(Qt.FocusReason.OtherFocusReason)

    def _close_or_cancel(self) -> None:
        if self.op is not None:
            self.op.cancel()
            self.result_label.setText("Cancelling…")
            return
        self.reject()

    def reject(self) -> None:
        if self.op is not None:  # Escape while writing: cancel first, close when it has stopped
            self._close_or_cancel()
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.op is not None:
            self._close_or_cancel()
            event.ignore()
            return
        super().closeEvent(event)


def _weak(method: Callable[..., None]) -> Callable[..., None]:
    """`method` called through a weak reference to its object (nothing once the object is gone)."""
    ref = weakref.WeakMethod(method)

    def call(*args: object) -> None:
        bound = ref()
        if bound is not None:
            bound(*args)

    return call


def open_archive_dialog(
    parent: QWidget, vault: Vault, ops: Ops, client_id: int | None = None, client_name: str = ""
) -> ArchiveDialog:
    """Open Export archive… over `parent` (a chart: that client first; the main window: the whole practice)."""
    dialog = ArchiveDialog(
        vault, ops, client_id=client_id, client_name=client_name, chart_pdf=CHART_WRITER, parent=parent
    )
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
