"""The two later writes to a measure result: the follow-up of an item-9 flag, and "entered in error".

Each is made once (the vault refuses a second); a refused entry keeps the dialog open with its sentence.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import (
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from therapy_desk.domain.measures import MeasureResult
from therapy_desk.errors import ValidationError
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import registry
from therapy_desk.ui.chart_common import FieldErrors
from therapy_desk.ui.format import fmt_date
from therapy_desk.ui.widgets.focus import set_tab_order
from therapy_desk.ui.widgets.status_label import error_label


def result_title(result: MeasureResult) -> str:
    """ "PHQ-9 of Jun 2, 2025: 5 of 27 (mild)"."""
    given = fmt_date(result.administered_on)
    return f"{result.instrument} of {given}: {result.total} of {result.total_max} ({result.band})"


def clinician_name(vault: Vault) -> str:
    """Who is at the desk: the practice profile's name and credentials ("" when none is saved)."""
    profile = vault.practice.profile()
    return ", ".join(p for p in (profile.name.strip(), profile.credentials.strip()) if p)


class _MomentEdit(QDateTimeEdit):
    """A date and time; Tab leaves it like any other field (Up, Down and the arrows move between its parts)."""

    def focusNextPrevChild(self, next: bool) -> bool:
        return QWidget.focusNextPrevChild(self, next)


def _caption(text: str, buddy: QWidget, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setBuddy(buddy)
    return label


class _ResultDialog(QDialog):
    """A dialog about one result: an intro, a form, an error line, OK and Cancel."""

    submit: Callable[[], MeasureResult]  # each dialog's one write; a ValidationError stays in the dialog

    def __init__(self, title: str, intro: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumWidth(520)
        self.updated: MeasureResult | None = None
        self.error = error_label(self)
        self.errors = FieldErrors(self.error)
        self.form = QFormLayout()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.buttons.accepted.connect(self._ok)
        self.buttons.rejected.connect(self.reject)
        text = QLabel(intro, self)
        text.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def _ok(self) -> None:
        self.errors.clear()
        try:
            self.updated = self.submit()
        except ValidationError as err:
            self.errors.show(err)
            return
        self.accept()


@registry.view
class FollowUpDialog(_ResultDialog):
    """Record what was done about an item-9 flag, by whom (the practice profile's name) and when."""

    def __init__(self, vault: Vault, result: MeasureResult, parent: QWidget | None = None) -> None:
        super().__init__(
            "Record follow-up",
            f"{result_title(result)}. Item 9 (thoughts of self-harm) was answered above 0. Record what was "
            "done; the flag then leaves Today.",
            parent,
        )
        self.setObjectName("followUpDialog")
        self._vault = vault
        self._result = result
        self.action = QPlainTextEdit(self)
        self.action.setAccessibleName("What was done")
        self.action.setTabChangesFocus(True)
        self.action.setPlaceholderText("e.g. Risk assessed in session; no current plan or intent; safety plan reviewed")
        self.by = QLineEdit(clinician_name(vault), self)
        self.by.setAccessibleName("Followed up by")
        self.when = _MomentEdit(QDateTime.currentDateTime(), self)
        self.when.setCalendarPopup(True)
        self.when.setDisplayFormat("MMM d, yyyy h:mm AP")  # as ui/format.py writes dates and times
        self.when.setAccessibleName("When followed up")
        self.form.addRow(_caption("&What was done", self.action, self), self.action)
        self.form.addRow(_caption("&By", self.by, self), self.by)
        self.form.addRow(_caption("W&hen", self.when, self), self.when)
        set_tab_order(self.action, self.by, self.when, self.buttons)
        self.action.setFocus(Qt.FocusReason.OtherFocusReason)

    def submit(self) -> MeasureResult:
        assert self._result.id is not None
        chosen = self.when.dateTime()
        day, clock = chosen.date(), chosen.time()
        when = datetime(day.year(), day.month(), day.day(), clock.hour(), clock.minute()).astimezone()
        return self._vault.measures.mark_followed_up(
            self._result.id, when, self.by.text(), action=self.action.toPlainText()
        )


@registry.view
class EnteredInErrorDialog(_ResultDialog):
    """Mark a result entered in error, with the reason; it stays in the chart, struck through."""

    def __init__(self, vault: Vault, result: MeasureResult, parent: QWidget | None = None) -> None:
        super().__init__(
            "Entered in error",
            f"{result_title(result)}. Marked entered in error, it stays in the chart struck through, and leaves "
            "the score history, the latest scores and Today's flags. This cannot be undone.",
            parent,
        )
        self.setObjectName("enteredInErrorDialog")
        self._vault = vault
        self._result = result
        self.reason = QLineEdit(self)
        self.reason.setAccessibleName("Reason")
        self.reason.setPlaceholderText("e.g. Recorded for the wrong client")
        self.form.addRow(_caption("&Reason", self.reason, self), self.reason)
        set_tab_order(self.reason, self.buttons)
        self.reason.setFocus(Qt.FocusReason.OtherFocusReason)

    def submit(self) -> MeasureResult:
        assert self._result.id is not None
        return self._vault.measures.mark_entered_in_error(self._result.id, self.reason.text())
