"""The Snippets dialog: the clinician's reusable text, listed, added, edited and deleted.

Opened from the note editor (the Snippets… button, or Ctrl+;). A snippet is inserted in a note's section by
typing its trigger and Space or Tab; a section's own snippet wins over one for any section.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from therapy_desk.domain.snippets import ANY_SECTION, SECTION_NAMES, TEXT_MAX, TRIGGER_MAX, Snippet
from therapy_desk.errors import ValidationError
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import registry, windows
from therapy_desk.ui.widgets.status_label import StatusLabel, error_label

ANY_SECTION_CAPTION = "Any section"


def _entry(snippet: Snippet) -> str:
    where = snippet.section or ANY_SECTION_CAPTION.lower()
    first_line = snippet.text.splitlines()[0] if snippet.text else ""
    return f"{snippet.trigger}  ({where}): {first_line[:60]}"


@registry.view
class SnippetsDialog(QDialog):
    """List on the left, the chosen snippet's trigger, section and text on the right. `changed` fires after
    each save or delete, so open editors expand the new triggers."""

    changed = Signal()

    def __init__(self, vault: Vault, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("snippetsDialog")
        self.setWindowTitle(windows.window_title("Snippets"))
        self._vault = vault
        self._editing: Snippet | None = None
        self.list = QListWidget(self)
        self.list.setAccessibleName("Snippets")
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # long lines end in …
        list_label = QLabel("Sni&ppets", self)
        list_label.setBuddy(self.list)
        self.trigger = QLineEdit(self)
        self.trigger.setAccessibleName("Trigger")
        self.trigger.setMaxLength(TRIGGER_MAX)
        self.trigger.setPlaceholderText(";mse")
        self.section = QComboBox(self)
        self.section.setAccessibleName("Section")
        self.section.addItem(ANY_SECTION_CAPTION, ANY_SECTION)
        for name in SECTION_NAMES:
            self.section.addItem(name, name)
        self.text = QPlainTextEdit(self)
        self.text.setAccessibleName("Snippet text")
        self.text.setTabChangesFocus(True)
        self.text.setPlaceholderText(f"The text inserted, up to {TEXT_MAX:,} characters")
        form = QFormLayout()
        for caption, field in (("&Trigger", self.trigger), ("S&ection", self.section), ("Te&xt", self.text)):
            label = QLabel(caption, self)
            label.setBuddy(field)
            form.addRow(label, field)
        self.hint = QLabel("Type the trigger and Space or Tab in a note's section to insert the text.", self)
        self.hint.setWordWrap(True)
        self.error = error_label(self)
        self.status = StatusLabel("Snippets status", parent=self)
        self.new_button = QPushButton("&New", self)
        self.save_button = QPushButton("&Save", self)
        self.delete_button = QPushButton("&Delete", self)
        for button in (self.new_button, self.save_button, self.delete_button):
            button.setAccessibleName(button.text().replace("&", ""))
            button.setAutoDefault(False)
        self.new_button.clicked.connect(self.start_new)
        self.save_button.clicked.connect(self.save)
        self.delete_button.clicked.connect(self.delete)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setAccessibleName("Close")
        close.setAutoDefault(False)
        buttons.rejected.connect(self.reject)
        left = QVBoxLayout()
        left.addWidget(list_label)
        left.addWidget(self.list, 1)
        right = QVBoxLayout()
        right.addLayout(form, 1)
        right.addWidget(self.hint)
        right.addWidget(self.error)
        row = QHBoxLayout()
        for button in (self.new_button, self.save_button, self.delete_button):
            row.addWidget(button)
        row.addStretch(1)
        right.addLayout(row)
        right.addWidget(self.status)
        body = QHBoxLayout()
        body.addLayout(left, 2)
        body.addLayout(right, 3)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(buttons)
        self.list.currentItemChanged.connect(lambda item, _old: self._show(item))
        self.resize(760, 420)
        self.reload()

    def reload(self, select_id: int | None = None) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for snippet in self._vault.snippets.list():
            item = QListWidgetItem(_entry(snippet), self.list)
            item.setData(Qt.ItemDataRole.UserRole, snippet)
            if snippet.id == select_id:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        current = self.list.currentItem()
        if current is not None:
            self._show(current)
        else:
            self.start_new()

    def _show(self, item: QListWidgetItem | None) -> None:
        snippet: Snippet | None = None if item is None else item.data(Qt.ItemDataRole.UserRole)
        self._editing = snippet
        self.trigger.setText("" if snippet is None else snippet.trigger)
        self.section.setCurrentIndex(max(self.section.findData(ANY_SECTION if snippet is None else snippet.section), 0))
        self.text.setPlainText("" if snippet is None else snippet.text)
        self.error.hide()

    def start_new(self) -> None:
        self.list.blockSignals(True)
        self.list.setCurrentRow(-1)
        self.list.clearSelection()
        self.list.blockSignals(False)
        self._show(None)
        self.trigger.setFocus()

    def save(self) -> bool:
        snippet = Snippet(
            trigger=self.trigger.text(),
            section=str(self.section.currentData()),
            text=self.text.toPlainText(),
            id=None if self._editing is None else self._editing.id,
        )
        if self._editing is not None:
            snippet = dataclasses.replace(self._editing, trigger=snippet.trigger, section=snippet.section,
                                          text=snippet.text)  # fmt: skip
        try:
            saved = self._vault.snippets.save(snippet)
        except ValidationError as err:
            self.error.setText(str(err))
            self.error.show()
            return False
        self.reload(saved.id)
        self.status.setText(f"Saved {saved.trigger}.")
        self.changed.emit()
        return True

    def delete(self) -> None:
        if self._editing is None or self._editing.id is None:
            self.error.setText("Choose a snippet in the list to delete it.")
            self.error.show()
            return
        trigger = self._editing.trigger
        try:
            self._vault.snippets.delete(self._editing.id)
        except ValidationError as err:
            self.error.setText(str(err))
            self.error.show()
            return
        self.reload()
        self.status.setText(f"Deleted {trigger}.")
        self.changed.emit()

    def reject(self) -> None:
        self.text.clear()  # closed by a lock: no snippet text left behind
        super().reject()
