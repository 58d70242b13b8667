"""Psychotherapy notes: a private window of its own, apart from the chart (45 CFR 164.501).

The chart never lists these notes in any tab; it only opens this window (its "Psychotherapy notes…"
button, Ctrl+Shift+P). The window looks different from the chart: a banner in the PRIVATE role says
what these notes are. Plain text; saved with Ctrl+S and when the window closes or the vault locks.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from therapy_desk.domain.notes import ProcessNote
from therapy_desk.errors import ValidationError
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import dialogs, registry, theme, windows
from therapy_desk.ui.chart_common import OptionalDateEdit
from therapy_desk.ui.format import fmt_date
from therapy_desk.ui.widgets.focus import set_tab_order
from therapy_desk.ui.widgets.status_label import StatusLabel, error_label

BANNER = "Psychotherapy notes — private, kept apart from the record, never exported or billed"
SHORTCUT = "Ctrl+Shift+P"


def note_title(note: ProcessNote) -> str:
    """A list line: the date (or "Undated") and the note's first words."""
    first = next((line.strip() for line in note.text.splitlines() if line.strip()), "")
    words = first if len(first) <= 60 else f"{first[:59]}…"
    return f"{fmt_date(note.date_of_service, 'Undated')} — {words}"


@registry.view
class ProcessNotesWindow(QWidget):
    """One client's psychotherapy notes: a list by date, and the open note in plain text."""

    def __init__(
        self,
        vault: Vault,
        client_id: int,
        client_name: str,
        close_keys: list[QKeySequence],
        parent: QWidget | None = None,
    ) -> None:
        """`close_keys`: the keys that close a window of this app (the chart's own)."""
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("processNotesWindow")
        self._vault = vault
        self._client_id = client_id
        self._notes: list[ProcessNote] = []
        self._open: ProcessNote | None = None  # the note in the editor (no id: a new one)
        self._dirty = False
        self.setWindowTitle(windows.window_title("Psychotherapy notes", client_name))
        self.resize(880, 600)

        banner = QFrame(self)
        banner.setObjectName("privateBanner")
        banner.setFrameShape(QFrame.Shape.Box)
        banner.setLineWidth(2)
        self.banner_label = QLabel(BANNER, banner)
        self.banner_label.setWordWrap(True)
        theme.set_role(self.banner_label, theme.PRIVATE)
        font = self.banner_label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.banner_label.setFont(font)
        banner_row = QHBoxLayout(banner)
        banner_row.addWidget(self.banner_label)
        self.client_label = QLabel(client_name, self)

        self.list = QListWidget(self)
        self.list.setAccessibleName("Psychotherapy notes by date")
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # long lines end in …
        self.list.currentItemChanged.connect(self._chosen)
        list_caption = QLabel("N&otes", self)
        list_caption.setBuddy(self.list)
        self.new_button = QPushButton("&New note", self)
        self.new_button.setAccessibleName("New note")
        self.new_button.setToolTip("Start a new psychotherapy note")
        self.new_button.clicked.connect(self.new_note)

        self.date_edit = OptionalDateEdit("&Date of session", "Date of session", self)
        self.date_edit.changed.connect(self._edited)
        self.text = QPlainTextEdit(self)
        self.text.setAccessibleName("Psychotherapy note text")
        self.text.setTabChangesFocus(True)
        self.text.textChanged.connect(self._edited)
        self.save_button = QPushButton("&Save", self)
        self.save_button.setAccessibleName("Save psychotherapy note")
        self.save_button.setToolTip("Save this note (Ctrl+S); it is also saved when the window closes")
        self.save_button.clicked.connect(self.save)
        self.status = StatusLabel("Save status", parent=self)
        self.error = error_label(self)

        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(list_caption)
        left_layout.addWidget(self.list, 1)
        left_layout.addWidget(self.new_button)
        right = QWidget(self)
        text_caption = QLabel("Note &text", right)
        text_caption.setBuddy(self.text)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.date_edit)
        right_layout.addWidget(text_caption)
        right_layout.addWidget(self.text, 1)
        right_layout.addWidget(self.error)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.save_button)
        right_layout.addLayout(buttons)
        splitter = QSplitter(self)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 3)
        splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.addWidget(banner)
        layout.addWidget(self.client_label)
        layout.addWidget(splitter, 1)

        save = QAction("Save psychotherapy note", self)
        save.setShortcut(QKeySequence(QKeySequence.StandardKey.Save))
        save.triggered.connect(self.save)
        self.addAction(save)
        close = QAction("Close psychotherapy notes", self)
        close.setShortcuts(close_keys)
        close.triggered.connect(self.close)
        self.addAction(close)
        set_tab_order(self.list, self.new_button, self.date_edit, self.text, self.save_button)
        self.reload()

    # -- reading ---------------------------------------------------------------------------------

    @property
    def client_id(self) -> int:
        return self._client_id

    def notes(self) -> list[ProcessNote]:
        return list(self._notes)

    def reload(self, select: int | None = None) -> None:
        """Read the client's notes again (the read is audited) and show `select`, else the newest."""
        self._notes = sorted(
            self._vault.notes.process_notes(self._client_id),
            key=lambda n: (n.date_of_service is not None, n.date_of_service, n.id or 0),
            reverse=True,
        )
        self.list.blockSignals(True)
        self.list.clear()
        for note in self._notes:
            item = QListWidgetItem(note_title(note))
            item.setData(Qt.ItemDataRole.UserRole, note.id)
            self.list.addItem(item)
        self.list.blockSignals(False)
        chosen = next((n for n in self._notes if n.id == select), self._notes[0] if self._notes else None)
        if chosen is None:
            self.new_note()
        else:
            self.list.setCurrentRow(self._notes.index(chosen))
            self._show(chosen)

    def _chosen(self, current: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        if current is None:
            return
        note_id = current.data(Qt.ItemDataRole.UserRole)
        if self._open is not None and note_id == self._open.id:
            return
        if self._dirty and not self.save():
            if _previous is not None:
                self.list.blockSignals(True)
                self.list.setCurrentItem(_previous)
                self.list.blockSignals(False)
            return
        note = next((n for n in self._notes if n.id == note_id), None)
        if note is not None:
            self._show(note)

    def _show(self, note: ProcessNote) -> None:
        self._open = note
        self.text.blockSignals(True)
        self.text.setPlainText(note.text)
        self.text.blockSignals(False)
        self.date_edit.set_day(note.date_of_service)
        self._dirty = False
        self.error.clear()
        self.error.hide()
        self.status.setText("Saved." if note.id is not None else "New note, not saved yet.")

    # -- writing ---------------------------------------------------------------------------------

    def new_note(self) -> None:
        if self._dirty and not self.save():
            return
        self.list.clearSelection()
        self._show(ProcessNote(self._client_id, ""))
        self.date_edit.set_day(None)
        self.text.setFocus(Qt.FocusReason.OtherFocusReason)

    def _edited(self) -> None:
        self._dirty = True
        self.status.setText("Not saved yet.")

    def is_dirty(self) -> bool:
        return self._dirty

    def save(self) -> bool:
        """Write the open note (Ctrl+S); False, with the sentence shown, when the vault refused it."""
        if self._open is None:
            return True
        if not self._dirty:
            return True
        if self._open.id is None and not self.text.toPlainText().strip():
            self._dirty = False  # a new note left empty: nothing to keep
            return True
        note = ProcessNote(self._client_id, self.text.toPlainText(), self.date_edit.day(), id=self._open.id)
        try:
            saved = self._vault.notes.save_process_note(note)
        except ValidationError as err:
            self.error.setText(str(err))
            self.error.show()
            return False
        self._dirty = False
        self.reload(select=saved.id)
        self.status.setText("Saved.")
        return True

    def closeEvent(self, event: QCloseEvent) -> None:
        if (
            self._dirty
            and not self.save()
            and not dialogs.close_without_saving(
                self, "Psychotherapy note not saved", self.error.text(), "Close and lose the changes to this note?"
            )
        ):
            event.ignore()
            return
        event.accept()

    def clear_for_lock(self) -> None:
        """Before a lock: save what the vault accepts, never ask, then empty every widget."""
        try:
            if self._dirty:
                self.save()
        finally:
            self._dirty = False
            self._notes = []
            self._open = None
            self.list.clear()
            self.text.blockSignals(True)
            self.text.clear()
            self.text.blockSignals(False)
            self.client_label.clear()
            self.setWindowTitle(windows.APP_NAME)
            self.hide()
