"""Global search (Ctrl+Shift+F from every window): client names and note text as you type.

`SearchDialog` is one non-modal window the main window owns. Typing waits `DEBOUNCE_MS` after the last
key, then runs `vault.search.search` off the GUI thread (`Ops`, `writes=False`: a prefix common in notes
costs 40-60 ms on the 10,000-client benchmark vault, too long for the GUI thread), one search at a time;
a search that ends after the query changed is dropped and the newest query runs next. Each result shows
the client's listed name, what it is (a client, or a note and its date of service) and the snippet, the
matched words in bold (the store's markers, everything else escaped for HTML). Client names come first.

Up and Down in the query move in the results; Enter or a double-click opens one: a client's chart with
`open_client(client_id)`, and for a note then the note itself with `open_note_requested(note_id)`, so the
editor comes up over its chart; the window then closes. Escape closes it. Closing forgets the query and
the results. Psychotherapy notes are never in the index, and every search is recorded in the audit log by
the store, with its number of results and never its words.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAbstractTextDocumentLayout, QKeyEvent, QPainter, QPalette, QShowEvent, QTextDocument
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from therapy_desk.errors import UserError
from therapy_desk.storage.search import HIGHLIGHT_END, HIGHLIGHT_START, MIN_PREFIX_CHARS, HitKind, SearchHit
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import registry, windows
from therapy_desk.ui.format import fmt_date
from therapy_desk.ui.models import OBJECT_ROLE
from therapy_desk.ui.ops import Ops
from therapy_desk.ui.widgets.status_label import StatusLabel, error_label

DEBOUNCE_MS = 150
RESULT_LIMIT = 50
HINT = f"Type at least {MIN_PREFIX_CHARS} letters of a client's name or of a word in a note."
HTML_ROLE = Qt.ItemDataRole.UserRole + 10
UNKNOWN_CLIENT = "Unknown client"
_Index = QModelIndex | QPersistentModelIndex
_MOVES = {Qt.Key.Key_Down: 1, Qt.Key.Key_Up: -1, Qt.Key.Key_PageDown: 8, Qt.Key.Key_PageUp: -8}


def searchable(query: str) -> bool:
    """Whether `query` is long enough to search: MIN_PREFIX_CHARS letters or digits in all."""
    return sum(ch.isalnum() for ch in query) >= MIN_PREFIX_CHARS


def snippet_html(snippet: str) -> str:
    """The store's snippet as HTML: its text escaped, each marked word in bold."""
    escaped = html.escape(snippet, quote=False)
    return escaped.replace(HIGHLIGHT_START, "<b>").replace(HIGHLIGHT_END, "</b>")


def snippet_text(snippet: str) -> str:
    """The store's snippet as plain words, without its markers."""
    return snippet.replace(HIGHLIGHT_START, "").replace(HIGHLIGHT_END, "")


@dataclass(frozen=True)
class Result:
    """One line of the results: a hit and the listed name of its client."""

    hit: SearchHit
    client: str

    @property
    def what(self) -> str:
        if self.hit.kind is HitKind.CLIENT:
            return "Client"
        return f"Note, {fmt_date(self.hit.date, 'no date')}"

    @property
    def text(self) -> str:
        """The line in plain words, as a screen reader reads it."""
        return f"{self.client} — {self.what}: {snippet_text(self.hit.snippet)}"

    @property
    def html(self) -> str:
        return f"<b>{html.escape(self.client, quote=False)}</b> — {self.what}<br>{snippet_html(self.hit.snippet)}"


def search_results(vault: Vault, query: str, limit: int = RESULT_LIMIT) -> list[Result]:
    """The hits for `query` with their clients' names, client-name hits first (each group in the store's order)."""
    hits = vault.search.search(query, limit=limit)
    clients = vault.clients.by_ids(sorted({hit.client_id for hit in hits}))
    ordered = sorted(hits, key=lambda hit: hit.kind is not HitKind.CLIENT)
    return [
        Result(hit, clients[hit.client_id].listed_name if hit.client_id in clients else UNKNOWN_CLIENT)
        for hit in ordered
    ]


class ResultsModel(QAbstractListModel):
    """Search results: plain text for display and screen readers, HTML_ROLE for the painted line."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._results: list[Result] = []

    def set_results(self, results: list[Result]) -> None:
        self.beginResetModel()
        self._results = list(results)
        self.endResetModel()

    def results(self) -> list[Result]:
        return list(self._results)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._results)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._results):
            return None
        result = self._results[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole, Qt.ItemDataRole.ToolTipRole):
            return result.text
        if role == HTML_ROLE:
            return result.html
        if role == OBJECT_ROLE:
            return result
        return None


class _HtmlLine(QStyledItemDelegate):
    """Paints a result's HTML (two lines, matches in bold) in the palette's text colours."""

    def _document(self, option: QStyleOptionViewItem, index: _Index) -> QTextDocument:
        document = QTextDocument()
        document.setDefaultFont(option.font)
        document.setDocumentMargin(4)
        document.setHtml(str(index.data(HTML_ROLE) or ""))
        width = option.rect.width()
        document.setTextWidth(width if width > 0 else 480)
        return document

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        item = QStyleOptionViewItem(option)
        self.initStyleOption(item, index)
        item.text = ""
        widget = item.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, item, painter, widget)
        document = self._document(item, index)
        context = QAbstractTextDocumentLayout.PaintContext()
        selected = bool(item.state & QStyle.StateFlag.State_Selected)
        palette: QPalette = item.palette
        text_role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        context.palette.setColor(QPalette.ColorRole.Text, palette.color(text_role))
        rect = item.rect
        painter.save()
        painter.translate(rect.topLeft())
        painter.setClipRect(rect.translated(-rect.topLeft()))
        document.documentLayout().draw(painter, context)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        document = self._document(option, index)
        return QSize(int(document.idealWidth()), int(document.size().height()))


@registry.view
class SearchDialog(QDialog):
    """Search as you type. `open_client(client_id)` and `open_note_requested(note_id)` ask for a result."""

    open_client = Signal(int)
    open_note_requested = Signal(int)

    def __init__(self, vault: Vault, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(windows.window_title("Search"))
        self.setModal(False)
        self._vault = vault
        self._ops = ops
        self._running: str | None = None  # the query a worker is searching for now
        self._pending: str | None = None  # the newest query, waiting for that worker
        self.searches = 0  # searches run, for tests and the benchmark
        self._open_when_shown = False  # Enter was pressed before the results came

        self.caption = QLabel("&Search clients and notes:", self)
        self.query = QLineEdit(self)
        self.query.setAccessibleName("Search clients and notes")
        self.query.setAccessibleDescription("Results appear as you type. Up and Down choose one, Enter opens it.")
        self.query.setClearButtonEnabled(True)
        self.query.installEventFilter(self)
        self.caption.setBuddy(self.query)
        self.status = StatusLabel("Search status", HINT, self)
        self.status.setWordWrap(True)
        self.error = error_label(self)
        self.model = ResultsModel(self)
        self.results = QListView(self)
        self.results.setAccessibleName("Search results")
        self.results.setModel(self.model)
        self.results.setItemDelegate(_HtmlLine(self.results))
        self.results.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.results.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.results.setAlternatingRowColors(True)
        self.results.setUniformItemSizes(False)
        self.results.setWordWrap(True)
        self.results.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.results.doubleClicked.connect(self._open_index)
        self.results.installEventFilter(self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.buttons.rejected.connect(self.reject)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DEBOUNCE_MS)
        self.timer.timeout.connect(self.search_now)
        self.query.textChanged.connect(self._typed)

        layout = QVBoxLayout(self)
        layout.addWidget(self.caption)
        layout.addWidget(self.query)
        layout.addWidget(self.status)
        layout.addWidget(self.error)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.buttons)
        self.resize(640, 520)

    # -- searching -----------------------------------------------------------------------------

    def _typed(self, text: str) -> None:
        self.timer.stop()
        self._open_when_shown = False
        if not searchable(text):
            self._pending = None
            self.model.set_results([])
            self.error.hide()
            self.status.setText(HINT)
            return
        self.timer.start()

    def search_now(self) -> None:
        """Search for the query as it stands (a search under way finishes first, then this one runs)."""
        self.timer.stop()
        query = self.query.text()
        if not searchable(query):
            return
        if self._running is not None:
            self._pending = query
            return
        self._running = query
        self._pending = None
        self.searches += 1
        (
            self._ops.run(lambda vault: search_results(vault, query), label="Searching…", writes=False, parent=self)
            .success(lambda results: self._show(query, results))
            .failure(lambda err: self._refused(query, err))
            .finished(self._finished)
            .start()
        )

    @property
    def busy(self) -> bool:
        """Whether a search is running or waiting, or the query waits for its pause."""
        return self._running is not None or self._pending is not None or self.timer.isActive()

    def _finished(self) -> None:
        self._running = None
        pending, self._pending = self._pending, None
        if pending is not None and pending == self.query.text():
            self.search_now()

    def _show(self, query: str, results: list[Result]) -> None:
        if query != self.query.text():
            return  # the user typed on: the newest query runs next
        self.error.hide()
        self.model.set_results(results)
        if results:
            self.results.setCurrentIndex(self.model.index(0, 0))
            more = " (the best ones)" if len(results) >= RESULT_LIMIT else ""
            self.status.setText(f"{len(results)} found{more}. Up and Down choose, Enter opens.")
            if self._open_when_shown and self._pending is None and not self.timer.isActive():
                self._open_when_shown = False
                self.open_current()
        else:
            self.status.setText(f"No client name or note matches “{query.strip()}”.")

    def _refused(self, query: str, err: UserError) -> None:
        if query != self.query.text():
            return
        self.model.set_results([])
        self.status.setText("")
        self.error.setText(str(err))
        self.error.show()

    # -- opening -------------------------------------------------------------------------------

    def current_result(self) -> Result | None:
        index = self.results.currentIndex()
        value = index.data(OBJECT_ROLE) if index.isValid() else None
        return value if isinstance(value, Result) else None

    def open_current(self) -> Result | None:
        """Open the current result (a note in its chart, or a client's chart), then close."""
        result = self.current_result()
        if result is None:
            return None
        hit = result.hit
        self.hide()  # first: the chart and the editor come up over where the search was
        self.open_client.emit(hit.client_id)  # for a note, its chart behind it
        if hit.kind is HitKind.NOTE and hit.note_id is not None:
            self.open_note_requested.emit(hit.note_id)
        self.accept()
        return result

    def _open_index(self, index: QModelIndex) -> None:
        self.results.setCurrentIndex(index)
        self.open_current()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) and not event.modifiers():
            key = Qt.Key(event.key())
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and watched in (self.query, self.results):
                if self.busy:  # Enter before the results of what was typed: open the first of them
                    self._open_when_shown = True
                    if self.timer.isActive():
                        self.search_now()
                else:
                    self.open_current()
                return True
            if watched is self.query and key in _MOVES and self.model.rowCount():
                row = self.results.currentIndex().row() + _MOVES[key]
                self.results.setCurrentIndex(self.model.index(max(0, min(row, self.model.rowCount() - 1)), 0))
                return True
        return super().eventFilter(watched, event)

    # -- showing and closing -------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not event.spontaneous():
            self.query.setFocus(Qt.FocusReason.OtherFocusReason)

    def done(self, result: int) -> None:
        """Closing (Escape, Close, opening a result, a lock) forgets the query and its results."""
        self.timer.stop()
        self._open_when_shown = False
        self.query.clear()  # a search still running finds the query changed and shows nothing
        super().done(result)
