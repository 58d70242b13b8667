"""`UnsignedView`: the Unsigned notes page, every draft waiting for a signature, oldest first.

Each line says whose note it is, its date of service, its kind, how long it has waited, and "overdue"
when the session ended more than 72 hours ago (domain.notes.overdue_at); an overdue line is also drawn in
the theme's WARNING colour. Enter or a double-click opens the note: the page asks for it with
`open_note_requested(note_id)` (the main window answers, as for Today) and opens it itself when nothing
answers (the page on its own). The list is read again whenever the page is shown, on F5, and
when an editor it knows of saves or signs a note.

The store returns at most `UNSIGNED_LIMIT` drafts (its page size), read on the GUI thread: about 12 ms
on the 10,000-client benchmark vault with 500 drafts listed.
"""

from __future__ import annotations

from datetime import datetime

import shiboken6
from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QHeaderView, QLabel, QPushButton, QVBoxLayout, QWidget

from therapy_desk.domain.text import plural
from therapy_desk.errors import UserError
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import note_editor, registry, theme
from therapy_desk.ui.models.unsigned_model import COL_CLIENT, UnsignedModel, UnsignedRow, unsigned_rows
from therapy_desk.ui.note_editor import NoteEditor, open_editors
from therapy_desk.ui.ops import Ops
from therapy_desk.ui.widgets.focus import record_table, set_tab_order
from therapy_desk.ui.widgets.status_label import StatusLabel, error_label

UNSIGNED_LIMIT = 500  # vault.notes.unsigned's largest page
EMPTY_TEXT = "No unsigned notes: every note is signed."


@registry.view
class UnsignedView(QWidget):
    """The Unsigned notes page. `open_note_requested(note_id)` asks for a note in the note editor."""

    open_note_requested = Signal(int)

    def __init__(self, vault: Vault, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Unsigned notes")
        self._vault = vault
        self._ops = ops
        self._watched: set[int] = set()

        self.heading = QLabel("Unsigned &notes", self)
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.heading.setFont(font)
        self.summary = StatusLabel("Unsigned notes summary", parent=self)
        self.refresh_action = QAction("&Refresh", self)
        self.refresh_action.setShortcut(QKeySequence(Qt.Key.Key_F5))
        self.refresh_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)  # only while the page is shown
        self.refresh_action.triggered.connect(lambda _checked=False: self.refresh())
        self.addAction(self.refresh_action)
        self.refresh_button = QPushButton("&Refresh", self)
        self.refresh_button.setAccessibleName("Refresh unsigned notes")
        self.refresh_button.setToolTip("Read the list again (F5)")
        self.refresh_button.clicked.connect(self.refresh)
        self.error = error_label(self)
        self.empty = QLabel(EMPTY_TEXT, self)
        theme.set_role(self.empty, theme.MUTED)
        self.empty.hide()

        self.model = UnsignedModel(self)
        self.table = record_table("Unsigned notes, oldest first", self)
        self.table.setModel(self.model)
        self.table.setToolTip("Enter or double-click opens the note")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_CLIENT, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(self._open_index)
        self.table.installEventFilter(self)
        self.heading.setBuddy(self.table)

        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.error)
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        set_tab_order(self.refresh_button, self.table)

    # -- reading -------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the drafts again, keeping the line the user was on."""
        current = self.current_row()
        rows = unsigned_rows(self._vault, datetime.now(), UNSIGNED_LIMIT)
        self.model.set_rows(rows)
        overdue = sum(row.overdue for row in rows)
        if not rows:
            self.summary.setText("")
        else:
            which = f"the {UNSIGNED_LIMIT} oldest" if len(rows) >= UNSIGNED_LIMIT else "oldest first"
            waiting = f"{plural(len(rows), 'draft')} waiting, {overdue} overdue (more than 72 hours)"
            self.summary.setText(f"{waiting}; {which}.")
        self.summary.setVisible(bool(rows))
        self.empty.setVisible(not rows)
        self.table.setVisible(bool(rows))
        self._watch_open_editors()
        if rows:
            ids = [row.note_id for row in rows]
            number = ids.index(current.note_id) if current is not None and current.note_id in ids else 0
            self.table.setCurrentIndex(self.model.index(number, 0))

    def current_row(self) -> UnsignedRow | None:
        index = self.table.currentIndex()
        return self.model.row(index.row()) if index.isValid() and index.row() < self.model.rowCount() else None

    # -- opening -------------------------------------------------------------------------------

    def open_current(self) -> NoteEditor | None:
        """Open the note on the current line in the note editor (the main window's, if it listens)."""
        row = self.current_row()
        if row is None:
            return None
        self.error.hide()
        if self.receivers("2open_note_requested(int)") > 0:
            self.open_note_requested.emit(row.note_id)
            editor = next((e for e in open_editors() if e.note.id == row.note_id), None)
        else:
            try:
                editor = note_editor.open_note(self._vault, row.note_id, self.window())
            except UserError as err:
                self.error.setText(str(err))
                self.error.show()
                return None
        if editor is not None:
            self._watch(editor)
        return editor

    def _open_index(self, index: QModelIndex) -> None:
        if index.isValid():
            self.table.setCurrentIndex(index)
            self.open_current()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.table
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and not event.modifiers()
        ):
            self.open_current()
            return True
        return super().eventFilter(watched, event)

    def _watch_open_editors(self) -> None:
        for editor in open_editors():
            self._watch(editor)

    def _watch(self, editor: NoteEditor) -> None:
        """Read the list again when `editor` saves or signs its note."""
        key = id(editor)
        if key in self._watched or not shiboken6.isValid(editor):
            return
        self._watched.add(key)
        editor.saved.connect(self._editor_saved)
        editor.destroyed.connect(lambda _obj=None, key=key: self._watched.discard(key))

    def _editor_saved(self, _note: object) -> None:
        if self.isVisible():
            self.refresh()

    # -- showing and locking -------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if event.spontaneous():
            return
        self.refresh()
        (self.table if self.model.rowCount() else self.refresh_button).setFocus(Qt.FocusReason.OtherFocusReason)

    def clear_for_lock(self) -> None:
        """Nothing to save here (open notes save themselves): empty the list."""
        self.model.set_rows([])
        self.summary.setText("")
        self.error.hide()
