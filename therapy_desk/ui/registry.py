"""Every window, main-window page, chart tab and dialog the app has, listed by the class itself.

A view joins the list by its decorator, where it is defined, so the accessibility test
(tests/ui/test_accessibility.py) holds it to the app's rules from the day it exists: that test opens every
registered view, and fails for a view it has no way to open and for a window or dialog class that is
not registered.
"""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtWidgets import QWidget

V = TypeVar("V", bound=type[QWidget])

VIEWS: list[type[QWidget]] = []


def view(cls: V) -> V:
    """Class decorator: `cls` is a window, page, tab or dialog a user sees."""
    VIEWS.append(cls)
    return cls
