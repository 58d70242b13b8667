"""The app-wide idle lock (after KeePassXC's InactivityTimer).

One event filter on the application restarts one timer on any keyboard, mouse, wheel or touch
input in any window; when the timer runs out, `timed_out` fires and the main window locks.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer, Signal

DEFAULT_MINUTES = 10
MIN_MINUTES, MAX_MINUTES = 1, 60
SETTING_KEY = "auto_lock_minutes"

_INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.KeyRelease,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonRelease,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TouchUpdate,
        QEvent.Type.TouchEnd,
        QEvent.Type.TabletPress,
        QEvent.Type.TabletMove,
    }
)


def minutes_from_setting(value: str | None) -> int:
    """The stored setting as whole minutes in 1–60; anything unreadable means the default."""
    try:
        minutes = int(str(value).strip())
    except ValueError:
        return DEFAULT_MINUTES
    return max(MIN_MINUTES, min(MAX_MINUTES, minutes))


class IdleLock(QObject):
    """Emits `timed_out` after the configured time without user input anywhere in the app."""

    timed_out = Signal()

    def __init__(self, minutes: int = DEFAULT_MINUTES, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.timed_out)
        self._installed = False
        self._last_restart = 0.0
        self._throttle_s = 1.0
        self.set_minutes(minutes)

    @property
    def interval_ms(self) -> int:
        return self._timer.interval()

    @property
    def active(self) -> bool:
        return self._timer.isActive()

    def set_minutes(self, minutes: int) -> None:
        """Set the idle time in minutes (clamped to 1–60); restarts the count if running."""
        self.set_interval_ms(max(MIN_MINUTES, min(MAX_MINUTES, int(minutes))) * 60_000)

    def set_interval_ms(self, ms: int) -> None:
        """Set the idle time directly (tests simulate a short timeout with this)."""
        self._timer.setInterval(max(1, int(ms)))
        self._throttle_s = min(1.0, self._timer.interval() / 4000)
        self._last_restart = 0.0
        if self._timer.isActive():
            self._timer.start()

    def start(self) -> None:
        """Start watching input (installs the app-wide filter) and start counting."""
        app = QCoreApplication.instance()
        if app is not None and not self._installed:
            app.installEventFilter(self)
            self._installed = True
        self._timer.start()

    def stop(self) -> None:
        """Stop counting and stop watching input."""
        self._timer.stop()
        app = QCoreApplication.instance()
        if app is not None and self._installed:
            app.removeEventFilter(self)
            self._installed = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Every event in the app passes here and reading its type is the costly part, so a timer
        # restarted very recently is left alone: the lock may come up to a quarter of its interval (at most
        # 1 s) sooner than the last input plus the interval.
        now = time.monotonic()
        if now - self._last_restart < self._throttle_s:
            return False
        if event.type() in _INPUT_EVENTS and self._timer.isActive():
            self._timer.start()  # restart: the user is here
            self._last_restart = now
        return False
