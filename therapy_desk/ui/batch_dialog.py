"""Batch…: a month's superbills or statements for every client with billable activity in it, into one folder,
off the GUI thread with progress and Cancel (the op's progress dialog); then a summary: how many were
written, who was skipped and why, and where it stopped when cancelled."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from therapy_desk.documents.batch import BatchResult, Progress, issue_batch
from therapy_desk.errors import UserError, ValidationError
from therapy_desk.storage.documents import DocumentKind
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import registry
from therapy_desk.ui.chart_common import FieldErrors
from therapy_desk.ui.document_dialogs import chosen_password, password_fields, recent_months
from therapy_desk.ui.ops import Op, Ops
from therapy_desk.ui.widgets.folder_field import FolderField, remember_folder, remembered_folder
from therapy_desk.ui.widgets.status_label import StatusLabel, error_label

MAX_SKIPPED_LISTED = 20  # the summary names this many skipped clients, then counts the rest


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary(result: BatchResult, names: dict[int, str], kind: DocumentKind, folder: Path) -> str:
    """What the batch did, in sentences: written, skipped (who and why), cancelled after N."""
    noun = "superbill" if kind is DocumentKind.SUPERBILL else "statement"
    if result.total == 0:
        return f"No client had billable activity in that month: no {noun} was written."
    lines = [f"{_plural(len(result.issued), noun)} written into {folder}."]
    if result.cancelled:
        lines.insert(0, f"Cancelled after {result.done} of {result.total} clients.")
    if result.skipped:
        lines.append(f"{_plural(len(result.skipped), 'client')} skipped until these are filled in:")
        for skipped in result.skipped[:MAX_SKIPPED_LISTED]:
            who = names.get(skipped.client_id, f"Client {skipped.client_id}")
            lines.append(f"• {who}: " + "; ".join(str(m) for m in skipped.missing) + ".")
        if len(result.skipped) > MAX_SKIPPED_LISTED:
            lines.append(f"• and {len(result.skipped) - MAX_SKIPPED_LISTED} more.")
    return "\n".join(lines)


@registry.view
class BatchDialog(QDialog):
    """Monthly superbills or statements for the practice. `result` holds what the last batch did."""

    def __init__(self, vault: Vault, ops: Ops, parent: QWidget | None = None, *, today: date | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("batchDialog")
        self.setWindowTitle("Batch of monthly documents")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 72)
        self._vault = vault
        self._ops = ops
        self.today = today or date.today()
        self.op: Op | None = None
        self.result_of_batch: BatchResult | None = None
        self._close_when_ended = False

        intro = StatusLabel(
            "About batches",
            "A superbill or a statement for every client with a charge or a payment in the month, all into one "
            "folder. Clients whose document lacks a required field are skipped and listed.",
            self,
        )
        intro.setWordWrap(True)
        self.general_error = error_label(self)
        self.errors = FieldErrors(self.general_error)
        self.kind = QComboBox(self)
        self.kind.setAccessibleName("Documents")
        self.kind.addItem("Superbills", DocumentKind.SUPERBILL)
        self.kind.addItem("Statements", DocumentKind.STATEMENT)
        self.month = QComboBox(self)
        self.month.setAccessibleName("Month")
        for first, last in recent_months(self.today):
            so_far = " (so far)" if first <= self.today <= last else ""
            self.month.addItem(f"{first:%B %Y}{so_far}", (first, last))
        self.folder = FolderField("Folder", "Write the documents into which folder?", self)
        self.folder.edit.setText(remembered_folder(vault))
        self.password, self.password_again = password_fields(self)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.errors.add_rows(
            form,
            (
                ("&Documents:", self.kind, "kind"),
                ("&Month:", self.month, "date_from"),
                ("F&older:", self.folder, "folder"),
                ("&Password:", self.password, "password"),
                ("Password &again:", self.password_again, "password_again"),
            ),
        )
        self.summary = StatusLabel("Batch summary", parent=self)
        self.summary.setWordWrap(True)
        self.summary.hide()
        self.start_button = QPushButton("&Write them", self)
        self.start_button.setAccessibleName("Write them")
        self.start_button.setToolTip("Write the month's documents into the folder")
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(lambda: self.start())
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.buttons.addButton(self.start_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.general_error)
        layout.addWidget(self.summary)
        layout.addWidget(self.buttons)
        self.kind.setFocus()

    def start(self) -> Op | None:
        """Start the batch on a worker (the op's progress dialog offers Cancel); None when refused."""
        if self.op is not None:
            return None
        self.errors.clear()
        self.summary.hide()
        try:
            folder = self.folder.folder()
            password = chosen_password(self.password, self.password_again)
        except ValidationError as err:
            self.errors.show(err)
            (self.password_again if err.field == "password_again" else self.folder).setFocus()
            return None
        remember_folder(self._vault, folder)
        kind = DocumentKind(self.kind.currentData())
        first, last = self.month.currentData()
        today = self.today

        def work(vault: Vault, progress: Progress) -> BatchResult:
            return issue_batch(
                vault, kind, folder, date_from=first, date_to=last, today=today, progress=progress, password=password
            )

        self.start_button.setEnabled(False)
        self.summary.setText("Writing…")
        self.summary.show()
        noun = "superbills" if kind is DocumentKind.SUPERBILL else "statements"
        self.op = (
            self._ops.run(work, label=f"Writing {first:%B %Y} {noun}…", cancellable=True, parent=self)
            .success(lambda result: self._done(result, kind, folder))
            .failure(self._failed)
            .finished(self._ended)
            .start()
        )
        return self.op

    def cancel(self) -> None:
        """Stop the running batch between two clients (what is written stays, and is listed)."""
        if self.op is not None:
            self.op.cancel()

    def reject(self) -> None:
        if self.op is not None:  # Close (or a lock) while writing: stop between two clients, then close
            self._close_when_ended = True
            self.op.cancel()
            return
        super().reject()

    def _done(self, result: BatchResult, kind: DocumentKind, folder: Path) -> None:
        self.result_of_batch = result
        ids = [s.client_id for s in result.skipped]
        names = {cid: c.listed_name for cid, c in self._vault.clients.by_ids(ids).items()} if ids else {}
        self.summary.setText(summary(result, names, kind, folder))
        self.summary.show()

    def _failed(self, err: UserError) -> None:
        self.summary.hide()
        self.general_error.setText(str(err))
        self.general_error.show()

    def _ended(self) -> None:
        self.op = None
        self.start_button.setEnabled(True)
        self.kind.setFocus()
        if self._close_when_ended:
            super().reject()
