"""What the app put on the clipboard, so that locking clears it and leaves other applications' text alone.

`QClipboard.ownsClipboard()` alone cannot tell: it is always false on macOS, on Wayland and on the
offscreen platform, and a clipboard manager takes ownership of whatever was copied. So while the vault
is unlocked the app remembers a keyed digest (never the text) of text that reached the clipboard while
one of its windows was active (Ctrl+C in a chart field, a context menu's Copy) and of text it copied
itself through `copy_text`. On lock it clears the clipboard if it owns it or if the text there now
matches one of those digests; text another application put there does not match and is left alone.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import deque

import shiboken6
from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QClipboard, QGuiApplication
from PySide6.QtWidgets import QApplication

_REMEMBERED = 32  # the clipboard holds one text at a time; a few more cover copies in quick succession


class AppClipboard(QObject):
    """The app's record of its own clipboard text. One per clipboard: get it with `app_clipboard()`."""

    def __init__(self, clipboard: QClipboard) -> None:
        super().__init__()
        self._clipboard = clipboard
        self._key = secrets.token_bytes(32)  # a name's plain hash could be found by guessing names
        self._digests: deque[bytes] = deque(maxlen=_REMEMBERED)
        self._watching = False
        clipboard.changed.connect(self._changed)

    def is_live(self) -> bool:
        """False once the application (and so the clipboard this record watches) is gone."""
        return shiboken6.isValid(self) and shiboken6.isValid(self._clipboard)

    def watch(self) -> None:
        """Start attributing clipboard changes made while an app window is active (on unlock)."""
        self._watching = True

    def copy(self, text: str) -> None:
        """Put `text` on the clipboard as the app's own, so the next lock clears it."""
        self._remember(text)
        self._clipboard.setText(text)

    def clear_app_text(self) -> None:
        """On lock: clear every clipboard mode holding the app's text, forget it all, stop watching."""
        self._watching = False
        try:
            for mode in self._modes():
                if self._owns(mode) or self._is_ours(self._clipboard.text(mode)):
                    self._clipboard.clear(mode)
        finally:
            self._digests.clear()

    def _modes(self) -> list[QClipboard.Mode]:
        modes = [QClipboard.Mode.Clipboard]
        if self._clipboard.supportsSelection():  # X11: selecting text in a field copies it
            modes.append(QClipboard.Mode.Selection)
        if self._clipboard.supportsFindBuffer():  # macOS: Cmd+E puts the selection there
            modes.append(QClipboard.Mode.FindBuffer)
        return modes

    def _owns(self, mode: QClipboard.Mode) -> bool:
        if mode == QClipboard.Mode.Selection:
            return self._clipboard.ownsSelection()
        if mode == QClipboard.Mode.FindBuffer:
            return self._clipboard.ownsFindBuffer()
        return self._clipboard.ownsClipboard()

    @Slot(QClipboard.Mode)
    def _changed(self, mode: QClipboard.Mode) -> None:
        # Another application's copy arrives while the user is in it, so none of our windows is active.
        if self._watching and QApplication.activeWindow() is not None:
            self._remember(self._clipboard.text(mode))

    def _digest(self, text: str) -> bytes:
        return hmac.new(self._key, text.encode("utf-8", "surrogatepass"), hashlib.sha256).digest()

    def _remember(self, text: str) -> None:
        if text:
            digest = self._digest(text)
            if digest not in self._digests:
                self._digests.append(digest)

    def _is_ours(self, text: str) -> bool:
        return bool(text) and self._digest(text) in self._digests


# One record for the process's one clipboard. Held here, not as a Qt child of the clipboard: Qt keeps
# the C++ object of a child alive, but not the Python attributes that hold the record.
_record: AppClipboard | None = None


def app_clipboard() -> AppClipboard:
    """The app's record for the application's clipboard, made the first time it is asked for."""
    global _record
    if _record is None or not _record.is_live():
        _record = AppClipboard(QGuiApplication.clipboard())
    return _record


def copy_text(text: str) -> None:
    """Copy `text` to the clipboard as the app's own: the next lock clears it if it is still there."""
    app_clipboard().copy(text)
