"""Undo and redo across a whole note: Ctrl+Z takes back the last edit made in any of its text boxes, in
the order the edits were made, and brings the focus and the cursor to where it was; Ctrl+Shift+Z (or
Ctrl+Y) does it again.

`NoteHistory` keeps the note's history itself rather than replaying each box's own (Qt merges typing in
one box across edits made meanwhile in another, so the boxes' own histories cannot say which came
last). A step is a box and its text before the step: typing in one box is one step until the clinician
pauses, types in another box, or starts a new line; a snippet or a paste is a step of its own. At most
`MAX_STEPS` are kept. Choices (check boxes, combo boxes) are not part of it: they are undone by choosing
again.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QKeyCombination, QObject, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QPlainTextEdit

MAX_STEPS = 500
PAUSE_S = 1.5  # typing after a pause this long starts a new step
_CTRL = Qt.KeyboardModifier.ControlModifier
_REDO_KEYS = (
    QKeyCombination(_CTRL | Qt.KeyboardModifier.ShiftModifier, Qt.Key.Key_Z),
    QKeyCombination(_CTRL, Qt.Key.Key_Y),
)


@dataclass
class _Step:
    box: QPlainTextEdit
    text: str  # the box's text on the other side of the step


class NoteHistory(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._done: list[_Step] = []
        self._undone: list[_Step] = []
        self._text: dict[QPlainTextEdit, str] = {}  # each box's text as last seen
        self._last: tuple[QPlainTextEdit, float] | None = None  # the box typed in last, and when
        self._replaying = False

    def track(self, boxes: Iterable[QPlainTextEdit]) -> None:
        """Take part in the note's history (a new format's sections join when they are made)."""
        for box in boxes:
            if box in self._text:
                continue
            self._text[box] = box.toPlainText()
            box.document().setUndoRedoEnabled(False)  # this history is the one the keys reach
            box.textChanged.connect(lambda box=box: self._changed(box))
            box.installEventFilter(self)
            box.destroyed.connect(lambda _obj=None, box=box: self._forget(box))

    def clear(self) -> None:
        """Start the history here (a note just loaded): nothing before it can be undone."""
        self._done.clear()
        self._undone.clear()
        self._last = None
        for box in self._text:
            self._text[box] = box.toPlainText()

    def undo(self) -> bool:
        """Take back the note's last edit; False when there is none."""
        return self._replay(self._done, self._undone)

    def redo(self) -> bool:
        return self._replay(self._undone, self._done)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() not in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress) or not isinstance(event, QKeyEvent):
            return super().eventFilter(watched, event)
        undo = event.matches(QKeySequence.StandardKey.Undo)
        redo = event.matches(QKeySequence.StandardKey.Redo) or event.keyCombination() in _REDO_KEYS
        if not (undo or redo):
            if event.type() == QEvent.Type.KeyPress and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._last = None  # a new line starts a new step
            return super().eventFilter(watched, event)
        event.accept()
        if event.type() == QEvent.Type.KeyPress:
            self.undo() if undo else self.redo()
        return True

    def _changed(self, box: QPlainTextEdit) -> None:
        before, now = self._text.get(box, ""), box.toPlainText()
        self._text[box] = now
        if self._replaying or before == now:
            return
        moment = time.monotonic()
        if self._last is None or self._last[0] is not box or moment - self._last[1] > PAUSE_S or _pasted(before, now):
            self._done.append(_Step(box, before))
            del self._done[:-MAX_STEPS]
        self._undone.clear()
        self._last = (box, moment)

    def _replay(self, source: list[_Step], target: list[_Step]) -> bool:
        while source:
            step = source.pop()
            if step.box not in self._text or step.box.isReadOnly():
                continue
            current = step.box.toPlainText()
            self._replaying = True
            try:
                step.box.setPlainText(step.text)
            finally:
                self._replaying = False
            self._text[step.box] = step.text
            target.append(_Step(step.box, current))
            self._last = None
            step.box.setFocus()
            cursor = step.box.textCursor()
            cursor.setPosition(_changed_up_to(current, step.text))
            step.box.setTextCursor(cursor)
            step.box.ensureCursorVisible()
            return True
        return False

    def _forget(self, box: QPlainTextEdit) -> None:
        self._text.pop(box, None)
        self._done = [s for s in self._done if s.box is not box]
        self._undone = [s for s in self._undone if s.box is not box]


def _pasted(before: str, now: str) -> bool:
    """More than a keystroke's worth of text at once (a paste, a snippet): a step of its own."""
    return abs(len(now) - len(before)) > 2


def _changed_up_to(old: str, new: str) -> int:
    """Where the cursor goes after a step: the end of what changed in `new`."""
    start = 0
    while start < min(len(old), len(new)) and old[start] == new[start]:
        start += 1
    end_old, end_new = len(old), len(new)
    while end_old > start and end_new > start and old[end_old - 1] == new[end_new - 1]:
        end_old -= 1
        end_new -= 1
    return end_new
