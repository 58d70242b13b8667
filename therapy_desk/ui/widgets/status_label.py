"""Labels a screen reader reads whole: the role as the accessible name, the words shown as the description.

A label's accessible name replaces its text for a screen reader, so a label named "Safety alert" used to
be heard as just that, without the PHQ-9 sentence it shows. A `StatusLabel` keeps the short role as its
name ("Lock state", "Error") and mirrors every text it is given into its accessible description, so the
reader says both; an alert label (errors, safety alerts) is also announced when its words appear.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible, QAccessibleEvent, QShowEvent, QTextDocument
from PySide6.QtGui import Qt as GuiQt  # mightBeRichText lives in QtGui
from PySide6.QtWidgets import QLabel, QWidget

from therapy_desk.ui import theme


def plain_text(label: QLabel) -> str:
    """The words `label` shows, without markup."""
    text = label.text()
    rich = label.textFormat() == Qt.TextFormat.RichText
    if rich or (label.textFormat() == Qt.TextFormat.AutoText and GuiQt.mightBeRichText(text)):
        document = QTextDocument()
        document.setHtml(text)
        return document.toPlainText()
    return text


def announce(widget: QWidget, *, alert: bool = False) -> None:
    """Tell assistive technology that what `widget` says has changed (an alert is read out at once)."""
    kind = QAccessible.Event.Alert if alert else QAccessible.Event.DescriptionChanged
    QAccessible.updateAccessibility(QAccessibleEvent(widget, kind))


class StatusLabel(QLabel):
    """A label named for its role whose accessible description is always the text it shows.

    `alert=True` for errors and warnings: each new sentence is announced when it is shown.
    """

    def __init__(self, role: str, text: str = "", parent: QWidget | None = None, *, alert: bool = False) -> None:
        super().__init__(parent)
        self._alert = alert
        self.setAccessibleName(role)
        self.setText(text)

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setAccessibleDescription(plain_text(self))
        if self.isVisible():
            announce(self, alert=self._alert and bool(text))

    def clear(self) -> None:
        self.setText("")

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._alert and self.text() and not event.spontaneous():  # not again on un-minimizing a window
            announce(self, alert=True)


def error_label(parent: QWidget | None = None) -> StatusLabel:
    """A hidden line for a problem's sentence, under the field it is about, in the error colour of the
    palette in force; read out when it appears."""
    label = StatusLabel("Error", parent=parent, alert=True)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    theme.set_role(label, theme.ERROR)
    label.hide()
    return label
