"""Issue one client's superbill, statement or Good Faith Estimate: the period, the folder, an optional
password (typed twice) and to whom it goes. The PDF is made and written off the GUI thread (`Ops`); a
document with a required field empty is refused before anything is written, and the dialog lists what is
missing and where to fill it in.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from therapy_desk.documents.issue import TITLES, issue_estimate, issue_statement, issue_superbill
from therapy_desk.domain.documents import DocumentIncomplete, estimate_period_end
from therapy_desk.errors import UserError, ValidationError
from therapy_desk.storage.documents import DocumentKind, IssuedDocument
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import registry
from therapy_desk.ui.chart_common import FieldErrors, from_qdate, to_qdate
from therapy_desk.ui.format import fmt_date
from therapy_desk.ui.ops import Op, Ops
from therapy_desk.ui.widgets.date_field import DateField
from therapy_desk.ui.widgets.folder_field import FolderField, remember_folder, remembered_folder
from therapy_desk.ui.widgets.status_label import StatusLabel, error_label

MONTHS_OFFERED = 12
_INTROS = {
    DocumentKind.SUPERBILL: "A superbill the client sends to their insurer: one line per date of service in the "
    "period, with codes, fees and what was paid.",
    DocumentKind.STATEMENT: "A statement of the client's account: the balance due, its aging, the charges and "
    "payments in the period, and how to pay.",
    DocumentKind.ESTIMATE: "A Good Faith Estimate of the expected charges for a self-pay client, for up to 12 "
    "months; it is kept with the client's estimates.",
}


def month_span(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def recent_months(today: date, count: int = MONTHS_OFFERED) -> list[tuple[date, date]]:
    """Last month first, then this month so far, then the months before last."""
    year, month = today.year, today.month
    spans = []
    for _ in range(count + 1):
        spans.append(month_span(year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return [spans[1], spans[0], *spans[2:]]


def password_fields(parent: QWidget) -> tuple[QLineEdit, QLineEdit]:
    """The optional PDF password and its repetition, masked (a document's or a batch's)."""
    edits = []
    for name, hint in (
        ("Password", "Optional: the PDF then opens only with it (AES-256)."),
        ("Password again", "The same password, to be sure of it."),
    ):
        edit = QLineEdit(parent)
        edit.setEchoMode(QLineEdit.EchoMode.Password)
        edit.setAccessibleName(name)
        edit.setAccessibleDescription(hint)
        edit.setPlaceholderText(hint if name == "Password" else "")
        edits.append(edit)
    return edits[0], edits[1]


def chosen_password(password: QLineEdit, again: QLineEdit) -> str | None:
    """The password typed twice alike, None when left blank, or a ValidationError under the second field."""
    if password.text() != again.text():
        raise ValidationError("The two passwords differ; type the same password twice.", "password_again")
    return password.text() or None


def missing_text(err: DocumentIncomplete, title: str) -> str:
    """The refusal as the dialog shows it: a sentence, then one line per field ("NPI — Settings › …")."""
    lines = "\n".join(f"• {m}" for m in err.missing)
    named = title if title == TITLES[DocumentKind.ESTIMATE] else title.lower()
    return f"The {named} cannot be made until these are filled in:\n{lines}"


@registry.view
class DocumentDialog(QDialog):
    """Issue one document for one client. `issued` fires with the record once the file is written."""

    issued = Signal(object)

    def __init__(
        self,
        vault: Vault,
        ops: Ops,
        client_id: int,
        kind: DocumentKind,
        parent: QWidget | None = None,
        *,
        session: tuple[int, date] | None = None,
        today: date | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("documentDialog")
        self.kind = DocumentKind(kind)
        self.title = TITLES[self.kind]
        self.setWindowTitle(self.title)
        self._vault = vault
        self._ops = ops
        self._client_id = client_id
        self._session = session
        self.today = today or date.today()
        self.op: Op | None = None
        self.written: IssuedDocument | None = None
        self.folder_written: Path | None = None
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 90)

        self.intro = StatusLabel("About this document", _INTROS[self.kind], self)
        self.intro.setWordWrap(True)
        self.general_error = error_label(self)
        self.errors = FieldErrors(self.general_error)
        self.fields: dict[str, QWidget] = {}
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.period = QComboBox(self)
        self.period.setAccessibleName("Period")
        self.date_from = DateField(self)
        self.date_from.setAccessibleName("From")
        self.date_to = DateField(self)
        self.date_to.setAccessibleName("To")
        if self.kind is not DocumentKind.ESTIMATE:
            self._fill_periods()
            self._row("Pe&riod:", self.period, "period")
        else:
            self.period.hide()  # an estimate's period is its dates: from today, 12 months at most
        self._row("&From:", self.date_from, "date_from")
        self._row("&To:", self.date_to, "date_to")
        self.folder = FolderField("Folder", "Write the document into which folder?", self)
        self.folder.edit.setText(remembered_folder(vault))
        self._row("F&older:", self.folder, "folder")
        self.password, self.password_again = password_fields(self)
        self._row("&Password:", self.password, "password")
        self._row("Password &again:", self.password_again, "password_again")
        self.recipient = QLineEdit("Client", self)
        self.recipient.setAccessibleName("Recipient")
        hint = "To whom it goes, for the list of documents issued: Client, or the insurer's name"
        self.recipient.setPlaceholderText(hint)
        self.recipient.setAccessibleDescription(hint)
        self._row("R&ecipient:", self.recipient, "recipient")

        self.written_label = StatusLabel("Document written", parent=self)
        self.written_label.setWordWrap(True)
        self.written_label.hide()
        self.open_folder_button = QPushButton("Open the fol&der", self)
        self.open_folder_button.setAccessibleName("Open the folder")
        self.open_folder_button.clicked.connect(self.open_folder)
        self.open_folder_button.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.issue_button = QPushButton("&Write the PDF", self)
        self.issue_button.setAccessibleName("Write the PDF")
        self.issue_button.setToolTip(f"Write the {self.title} as a PDF into the folder")
        self.issue_button.setDefault(True)
        self.buttons.addButton(self.issue_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.issue_button.clicked.connect(lambda: self.issue())
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(self.form)
        layout.addWidget(self.general_error)
        layout.addWidget(self.written_label)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.open_folder_button)
        folder_row.addStretch(1)
        layout.addLayout(folder_row)
        layout.addWidget(self.buttons)

        if self.kind is DocumentKind.ESTIMATE:
            self._set_dates(self.today, estimate_period_end(self.today))
        else:
            self.period.currentIndexChanged.connect(self._period_chosen)
            self._period_chosen()
        for field in (self.date_from, self.date_to):
            field.dateChanged.connect(self._dates_edited)
        self.focus_field()

    # -- building --------------------------------------------------------------------------------

    def _row(self, caption: str, widget: QWidget, field: str) -> None:
        self.fields[field] = widget
        row = self.errors.under(widget, field)
        self.form.addRow(caption, row)
        label = self.form.labelForField(row)
        if isinstance(label, QLabel):
            label.setBuddy(widget.focusProxy() or widget)

    def _fill_periods(self) -> None:
        if self._session is not None:
            _appointment, day = self._session
            self.period.addItem(f"The selected session, {fmt_date(day)}", ("session", day, day))
        if self.kind is DocumentKind.STATEMENT:
            self.period.addItem("The last 30 days", ("days", self.today - timedelta(days=29), self.today))
        for first, last in recent_months(self.today):
            so_far = " (so far)" if first <= self.today <= last else ""
            self.period.addItem(f"{first:%B %Y}{so_far}", ("month", first, last))
        self.period.addItem("Other dates (type them below)", ("other", None, None))

    def _period_chosen(self, _index: int = 0) -> None:
        _kind, first, last = self.period.currentData()
        if first is not None:
            self._set_dates(first, last)

    def _set_dates(self, first: date, last: date) -> None:
        for field, day in ((self.date_from, first), (self.date_to, last)):
            field.blockSignals(True)
            field.setDate(to_qdate(day))
            field.blockSignals(False)

    def _dates_edited(self) -> None:
        if self.kind is DocumentKind.ESTIMATE:
            return
        self.period.blockSignals(True)
        self.period.setCurrentIndex(self.period.count() - 1)  # typed dates: "Other dates"
        self.period.blockSignals(False)

    def focus_field(self, field: str | None = None) -> None:
        """Focus `field` (the one a sentence is about), else the first field."""
        first = self.period if self.kind is not DocumentKind.ESTIMATE else self.date_from
        self.fields.get(field or "", first).setFocus()

    # -- issuing ---------------------------------------------------------------------------------

    def work(self) -> Callable[[Vault], IssuedDocument]:
        """What the worker runs: the issue function with the dialog's values (sentences when they are wrong)."""
        first, last = from_qdate(self.date_from.date()), from_qdate(self.date_to.date())
        if last < first:
            raise ValidationError("The period ends before it starts.", "date_to")
        folder = self.folder.folder()
        password = chosen_password(self.password, self.password_again)
        recipient = self.recipient.text().strip()
        client_id, today = self._client_id, self.today
        period = self.period.currentData() if self.kind is not DocumentKind.ESTIMATE else None
        appointment_id = self._session[0] if self._session is not None and period and period[0] == "session" else None
        if self.kind is DocumentKind.SUPERBILL:
            return lambda vault: issue_superbill(
                vault, client_id, folder, date_from=first, date_to=last, appointment_id=appointment_id,
                password=password, recipient=recipient, today=today,
            )  # fmt: skip
        if self.kind is DocumentKind.STATEMENT:
            return lambda vault: issue_statement(
                vault, client_id, folder, as_of=today, period_from=first, period_to=last, password=password,
                recipient=recipient,
            )  # fmt: skip
        return lambda vault: issue_estimate(
            vault, client_id, folder, issued_on=today, period_from=first, period_to=last, password=password,
            recipient=recipient,
        )  # fmt: skip

    def issue(self) -> Op | None:
        """Check the form and start writing on a worker; None when the form was refused (sentence shown)."""
        if self.op is not None:
            return None  # already writing: a second press never writes a second file
        self.errors.clear()
        self.written_label.hide()
        self.open_folder_button.hide()
        try:
            work = self.work()
        except ValidationError as err:
            self.errors.show(err)
            self.focus_field(err.field)
            return None
        folder = self.folder.folder()
        remember_folder(self._vault, folder)
        self.issue_button.setEnabled(False)
        self.op = (
            self._ops.run(work, label=f"Writing the {self.title}…", parent=self)
            .success(lambda issued: self._written(issued, folder))
            .failure(self._refused)
            .finished(self._done)
            .start()
        )
        return self.op

    def _written(self, issued: IssuedDocument, folder: Path) -> None:
        self.written = issued
        self.folder_written = folder
        locked = " It opens with the password you typed." if issued.details.get("password_protected") else ""
        self.written_label.setText(f"Written: “{issued.file_name}” in {folder}.{locked}")
        self.written_label.show()
        self.open_folder_button.show()
        self.issued.emit(issued)

    def _refused(self, err: UserError) -> None:
        if isinstance(err, DocumentIncomplete):
            self.general_error.setText(missing_text(err, self.title))
            self.general_error.show()
        elif isinstance(err, ValidationError):
            self.errors.show(err)
        else:
            self.general_error.setText(str(err))
            self.general_error.show()

    def _done(self) -> None:
        self.op = None
        self.issue_button.setEnabled(True)
        self.focus_field()

    def open_folder(self) -> bool:
        """Show the folder the file went into in the system's file manager."""
        if self.folder_written is None:
            return False
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.folder_written)))

    def visible_error(self) -> str:
        """What the dialog says is wrong (for tests and the screen reader's review)."""
        return "\n".join(self.errors.visible_messages())
