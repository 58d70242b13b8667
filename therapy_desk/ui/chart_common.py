"""Pieces the client chart's tabs share: the tab contract, inline field errors, optional dates, formats."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from therapy_desk.domain.caseload import ChartSummary
from therapy_desk.errors import ValidationError
from therapy_desk.ui import registry
from therapy_desk.ui.widgets.date_field import DateField
from therapy_desk.ui.widgets.status_label import error_label


def to_qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def from_qdate(day: QDate) -> date:
    return date(day.year(), day.month(), day.day())


def muted_text(text: str, because: str) -> str | None:
    """A greyed-out cell's words for a screen reader, "Dr. Patel (revoked)": the grey alone says nothing
    to one. None (read the cell as shown) when the cell is empty or already says it."""
    if not text or not because or because.casefold() in text.casefold():
        return None
    return f"{text} ({because})"


class FieldErrors:
    """Inline error labels keyed by the field names the stores put in `ValidationError.field`."""

    def __init__(self, fallback: QLabel) -> None:
        self._labels: dict[str, QLabel] = {}
        self._fields: dict[str, QWidget] = {}
        self._fallback = fallback

    def add(self, field: str, label: QLabel | None = None) -> QLabel:
        self._labels[field] = label or error_label()
        return self._labels[field]

    def under(self, widget: QWidget, field: str) -> QWidget:
        """The field and, under it, the place for its sentence (collapses while there is none)."""
        box = QWidget(widget.parentWidget())
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(widget)
        layout.addWidget(self.add(field, error_label(box)))
        self._fields[field] = widget
        return box

    def add_rows(self, form: QFormLayout, rows: Iterable[tuple[str, QWidget, str]]) -> None:
        """(caption, field widget, store field name) rows: each caption bound to its field as its buddy (so
        its mnemonic moves the keyboard there), the field's sentence under it. An empty caption: no label."""
        for caption, widget, field in rows:
            row = self.under(widget, field)
            form.addRow(caption, row)
            label = form.labelForField(row)
            if isinstance(label, QLabel) and caption:
                label.setBuddy(widget.focusProxy() or widget)

    def focus(self, field: str | None) -> None:
        """Put the keyboard in the field a sentence is about, when `under` placed it."""
        if (widget := self._fields.get(field or "")) is not None:
            (widget.focusProxy() or widget).setFocus()

    def label(self, field: str) -> QLabel | None:
        """The label that shows sentences about `field`, if the form has one."""
        return self._labels.get(field)

    def show(self, err: ValidationError) -> QLabel:
        """Show the sentence next to its field (or in the form's general place); returns that label."""
        label = self._labels.get(err.field or "", self._fallback)
        label.setText(str(err))
        label.show()
        return label

    def show_text(self, field: str | None, message: str) -> QLabel:
        return self.show(ValidationError(message, field))

    def clear(self) -> None:
        for label in (*self._labels.values(), self._fallback):
            label.clear()
            label.hide()

    def visible_messages(self) -> list[str]:
        return [lbl.text() for lbl in (*self._labels.values(), self._fallback) if not lbl.isHidden() and lbl.text()]


class OptionalDateEdit(QWidget):
    """A date a form may leave empty: a check box turns the date on, the date edit picks it."""

    changed = Signal()

    def __init__(self, label: str, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(accessible_name)  # what its caption names: the check box and date together
        self.check = QCheckBox(label, self)
        self.check.setAccessibleName(f"{accessible_name}: set")
        self.edit = DateField(self)
        self.edit.setAccessibleName(accessible_name)
        self.edit.setDate(to_qdate(date.today()))
        self.edit.setEnabled(False)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.check)
        layout.addWidget(self.edit, 1)
        self.check.toggled.connect(self.edit.setEnabled)
        self.check.toggled.connect(lambda _on: self.changed.emit())
        self.edit.dateChanged.connect(lambda _d: self.changed.emit())
        self.setFocusProxy(self.check)  # a caption's buddy is the check box (Qt wants a focusable buddy)

    def day(self) -> date | None:
        return from_qdate(self.edit.date()) if self.check.isChecked() else None

    def set_day(self, day: date | None, *, default: date | None = None) -> None:
        """Show `day`, or no date (the picker then starts at `default`, else today)."""
        blockers = (self.check.blockSignals(True), self.edit.blockSignals(True))
        self.check.setChecked(day is not None)
        self.edit.setEnabled(day is not None)
        self.edit.setDate(to_qdate(day or default or date.today()))
        self.check.blockSignals(blockers[0])
        self.edit.blockSignals(blockers[1])


@registry.view
class DateDialog(QDialog):
    """Ask for one date, then hand it to `submit`; a `ValidationError` stays in the dialog as its sentence."""

    def __init__(
        self,
        title: str,
        prompt: str,
        label: str,
        submit: Callable[[date], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("dateDialog")
        self.setWindowTitle(title)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self._submit = submit
        self.date_edit = DateField(self)
        self.date_edit.setDate(to_qdate(date.today()))
        self.date_edit.setAccessibleName(label)
        self.error = error_label(self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self._ok)
        buttons.rejected.connect(self.reject)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        form = QFormLayout()
        form.addRow(label, self.date_edit)
        layout = QVBoxLayout(self)
        intro = QLabel(prompt, self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def _ok(self) -> None:
        try:
            self._submit(from_qdate(self.date_edit.date()))
        except ValidationError as err:
            self.error.setText(str(err))
            self.error.show()
            return
        self.accept()


class ChartTab(QWidget):
    """What the chart window asks of each tab, with the behaviour the tabs share."""

    # Each tab defines these two (Qt's metaclass rules out ABCMeta for @abstractmethod):
    load: Callable[[ChartSummary], None]  # show this client's data; read more only if the tab shows it
    clear: Callable[[], None]  # empty every widget that shows client data

    def is_dirty(self) -> bool:
        """Whether the tab holds edits not yet saved."""
        return False

    def save(self) -> bool:
        """Save the open form (Ctrl+S); False when it did not validate (the sentence is shown)."""
        return True

    def cancel_edit(self) -> None:
        """Esc: leave the open edit."""

    def save_for_lock(self) -> None:
        """Before a lock: write what validates; never prompt; never write anything half-valid."""
        if self.is_dirty():
            self.save()
