"""A time of day field shown as 2:05 PM, whose Tab leaves the field (QTimeEdit's own Tab walks its parts)."""

from __future__ import annotations

from datetime import time

from PySide6.QtCore import QTime
from PySide6.QtWidgets import QTimeEdit, QWidget

DISPLAY_FORMAT = "h:mm AP"


class TimeField(QTimeEdit):
    """Up and Down change the part under the cursor; Left and Right move between parts."""

    def __init__(self, value: time | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDisplayFormat(DISPLAY_FORMAT)
        if value is not None:
            self.set_value(value)

    def value(self) -> time:
        moment = self.time()
        return time(moment.hour(), moment.minute())

    def set_value(self, value: time) -> None:
        self.setTime(QTime(value.hour, value.minute))

    def focusNextPrevChild(self, next: bool) -> bool:
        """Tab and Shift+Tab go to the next or previous field, as they do from any other field."""
        return QWidget.focusNextPrevChild(self, next)
