"""An ICD-10-CM line edit that completes by code ("F41") or by words ("generalized anxiety").

The code set loads lazily (most of a second the first time), so the widget loads it on a worker and
searches only once it is ready; the search itself is in memory and takes a millisecond or two.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QCompleter, QLineEdit, QWidget

from therapy_desk.domain.icd10cm import CodeSet, IcdCode, code_set

CODE_ROLE = Qt.ItemDataRole.UserRole + 1
OBJECT_ROLE = Qt.ItemDataRole.UserRole + 2
MIN_QUERY = 2  # one letter matches thousands of words: wait for the second
RESULTS = 20
DEBOUNCE_MS = 120


def entry_text(entry: IcdCode) -> str:
    """How a code reads in the list: code, description, and whether claims may carry it."""
    kind = "billable" if entry.billable else "category: not billable"
    return f"{entry.code}  {entry.description}  ({kind})"


class _Loaded(QObject):
    """Carries the worker's result back to the GUI thread (queued, because it lives there)."""

    done = Signal(object)


class _LoadCodeSet(QRunnable):
    def __init__(self, signal: _Loaded) -> None:
        super().__init__()
        self._signal = signal

    def run(self) -> None:
        self._signal.done.emit(code_set())


class IcdCodeEdit(QLineEdit):
    """Type a code or words; pick from the list (Up/Down, Enter). `chosen` carries the `IcdCode`."""

    chosen = Signal(object)
    ready = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText("Code or words, e.g. F41.1 or generalized anxiety")
        self.setAccessibleName("ICD-10-CM code or words")
        self.setClearButtonEnabled(True)
        self._codes: CodeSet | None = None
        self._chosen: IcdCode | None = None
        self.results = QStandardItemModel(self)
        self.code_completer = QCompleter(self.results, self)
        self.code_completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.code_completer.setCompletionRole(CODE_ROLE)
        self.code_completer.setMaxVisibleItems(12)
        self.code_completer.setWidget(self)
        self._popup().setAccessibleName("ICD-10-CM matches")
        self.code_completer.activated.connect(self._activated)  # with the code: the completion role
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.search_now)
        self.textEdited.connect(self._edited)
        self._loader = _Loaded()  # no parent: the worker may outlive this widget
        self._loader.done.connect(self._loaded)
        QThreadPool.globalInstance().start(_LoadCodeSet(self._loader))

    # -- state a caller reads --------------------------------------------------------------------

    def _popup(self) -> QAbstractItemView:
        popup = self.code_completer.popup()
        assert popup is not None  # a QCompleter always makes its list
        return popup

    def popup_visible(self) -> bool:
        """Whether the list of matches is showing."""
        return self._popup().isVisible()

    def is_ready(self) -> bool:
        return self._codes is not None

    def code_set(self) -> CodeSet | None:
        """The loaded code set, or None while it is still loading."""
        return self._codes

    def chosen_entry(self) -> IcdCode | None:
        """The entry picked from the list, or the exact code typed (None if neither)."""
        if self._chosen is not None and self._chosen.code == self.text().strip().upper():
            return self._chosen
        if self._codes is not None and self.text().strip():
            return self._codes.get(self.text())
        return None

    def match_texts(self) -> list[str]:
        """The lines the list shows now, as the user reads them."""
        return [self.results.item(row).text() for row in range(self.results.rowCount())]

    def reset(self) -> None:
        self._timer.stop()
        self._chosen = None
        self.results.clear()
        self._popup().hide()
        self.clear()

    # -- behaviour ---------------------------------------------------------------------------------

    def _loaded(self, codes: CodeSet) -> None:
        self._codes = codes
        self.ready.emit()
        if self.hasFocus() and len(self.text().strip()) >= MIN_QUERY:
            self.search_now()

    def _edited(self, _text: str) -> None:
        self._chosen = None
        self._timer.start()

    def search_now(self) -> None:
        """Fill the list with up to 20 matches for what is typed and show it."""
        self._timer.stop()
        text = self.text().strip()
        self.results.clear()
        if self._codes is None or len(text) < MIN_QUERY:
            self._popup().hide()
            return
        for entry in self._codes.search(text, limit=RESULTS):
            item = QStandardItem(entry_text(entry))
            item.setData(entry.code, CODE_ROLE)
            item.setData(entry, OBJECT_ROLE)
            item.setToolTip(entry_text(entry))
            if not entry.billable:
                font = item.font()
                font.setItalic(True)
                item.setFont(font)
            self.results.appendRow(item)
        if self.results.rowCount() and self.isVisible():
            self.code_completer.complete()
        else:
            self._popup().hide()

    def choose(self, row: int) -> IcdCode:
        """Take the row'th match (what Enter on a highlighted line does)."""
        entry: IcdCode = self.results.item(row).data(OBJECT_ROLE)
        self._take(entry)
        return entry

    def _activated(self, code: str) -> None:
        for row in range(self.results.rowCount()):
            if self.results.item(row).data(CODE_ROLE) == code:
                self._take(self.results.item(row).data(OBJECT_ROLE))
                return

    def _take(self, entry: IcdCode) -> None:
        self._timer.stop()
        self._chosen = entry
        self.setText(entry.code)
        self._popup().hide()
        self.chosen.emit(entry)
