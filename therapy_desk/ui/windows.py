"""What every top-level window shares: a title naming the app once, Ctrl+Q, and a size that fits the screen.

Titles: Qt adds the application's display name to a window title that does not already end with it
(on Linux and Windows; macOS shows it in the menu bar instead). So a title either ends with the app's
name (`window_title`) or leaves it out; a title that names the app anywhere else shows it twice.

Sizes: a window opens no larger than the screen it is on leaves free (panels and docks excluded), and
the main window's last place is remembered (`Placement`, in the app's settings file: numbers only) and
used again only while it still fits a connected screen.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QScreen
from PySide6.QtWidgets import QWidget

APP_NAME = "Therapy Desk"
TITLE_SEPARATOR = " — "  # what Qt itself puts before the app's name on Linux
QUIT_KEYS = "Ctrl+Q"
# Room left for the title bar and borders, which the window system adds outside the size Qt is given.
FRAME_ALLOWANCE = QSize(16, 48)
# Smaller than this is not a usable window: a remembered size below it is not restored.
MIN_RESTORED = QSize(480, 320)
_MAX_COORDINATE = 100_000  # beyond any real desktop: a larger number in the settings file is not a place


def window_title(*parts: str) -> str:
    """`parts — Therapy Desk`: ends with the app's name, so the window system adds it no second time."""
    return TITLE_SEPARATOR.join([*(part for part in parts if part), APP_NAME])


def shown_title(title: str, display_name: str = APP_NAME) -> str:
    """The title the window system shows for `title` on Linux (Qt's own rule), for tests and checks."""
    if not title:
        return display_name
    return title if title.endswith(display_name) else f"{title}{TITLE_SEPARATOR}{display_name}"


def add_quit_action(
    window: QWidget,
    quit_app: Callable[[], object],
    *,
    context: Qt.ShortcutContext = Qt.ShortcutContext.WindowShortcut,
) -> QAction:
    """Ctrl+Q on `window`: the same keys quit from every window of the app."""
    action = QAction("&Quit", window)
    action.setShortcut(QKeySequence(QUIT_KEYS))
    action.setShortcutContext(context)
    action.setMenuRole(QAction.MenuRole.QuitRole)
    action.setStatusTip("Quit Therapy Desk")
    action.triggered.connect(lambda _checked=False: quit_app())
    window.addAction(action)
    return action


# -- sizes and places --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Placement:
    """Where a window was: the top-left corner of its frame, its inner size, and whether it was maximized."""

    x: int
    y: int
    width: int
    height: int
    maximized: bool = False

    @property
    def outer(self) -> QRect:
        """The rectangle the window takes with its frame (the frame's size estimated)."""
        return QRect(self.x, self.y, self.width + FRAME_ALLOWANCE.width(), self.height + FRAME_ALLOWANCE.height())

    def to_json(self) -> dict[str, int | bool]:
        return {"x": self.x, "y": self.y, "width": self.width, "height": self.height, "maximized": self.maximized}

    @classmethod
    def from_json(cls, raw: object) -> Placement | None:
        """The placement in `raw` (read from a file: anything may be there), or None if it is not one."""
        if not isinstance(raw, Mapping):
            return None
        numbers = [raw.get(key) for key in ("x", "y", "width", "height")]
        if not all(type(n) is int and abs(n) <= _MAX_COORDINATE for n in numbers):
            return None
        x, y, width, height = (int(str(n)) for n in numbers)
        if width <= 0 or height <= 0:
            return None
        return cls(x, y, width, height, raw.get("maximized") is True)


def placement_of(window: QWidget) -> Placement:
    """Where `window` is now (its place before maximizing, if maximized)."""
    maximized = window.isMaximized()
    normal = window.normalGeometry() if maximized else window.geometry()
    if not normal.isValid():
        normal = window.geometry()
    frame_offset = window.geometry().topLeft() - window.pos()  # the frame's left and top edges
    corner = normal.topLeft() - frame_offset
    return Placement(corner.x(), corner.y(), normal.width(), normal.height(), maximized)


def fitted_size(preferred: QSize, available: QRect) -> QSize:
    """`preferred`, shrunk where needed so the window and its frame fit in `available`."""
    room = available.size() - FRAME_ALLOWANCE
    return QSize(max(1, min(preferred.width(), room.width())), max(1, min(preferred.height(), room.height())))


def screen_for(window: QWidget) -> QScreen | None:
    """The screen `window` is on, or the primary screen for a window not yet shown."""
    return window.screen() or QGuiApplication.primaryScreen()


def place_new(window: QWidget, preferred: QSize) -> None:
    """Size `window` to `preferred` or to the free part of its screen, whichever is smaller, and centre it."""
    screen = screen_for(window)
    if screen is None:
        window.resize(preferred)
        return
    available = screen.availableGeometry()
    size = fitted_size(preferred, available)
    window.resize(size)
    centre = available.center()
    window.move(
        max(available.left(), centre.x() - (size.width() + FRAME_ALLOWANCE.width()) // 2),
        max(available.top(), centre.y() - (size.height() + FRAME_ALLOWANCE.height()) // 2),
    )


def fits_a_screen(placement: Placement, screens: list[QRect] | None = None) -> QRect | None:
    """The free area of the connected screen `placement` fits on (its centre there, its size within it), or None."""
    if placement.width < MIN_RESTORED.width() or placement.height < MIN_RESTORED.height():
        return None
    areas = screens if screens is not None else [screen.availableGeometry() for screen in QGuiApplication.screens()]
    outer = placement.outer
    for area in areas:
        if area.contains(outer.center()) and outer.width() <= area.width() and outer.height() <= area.height():
            return area
    return None


def restore(window: QWidget, placement: Placement | None, preferred: QSize) -> bool:
    """Put `window` where it was if that still fits a connected screen (else as new); True if restored."""
    area = fits_a_screen(placement) if placement is not None else None
    if placement is None or area is None:
        place_new(window, preferred)
        return False
    outer = placement.outer
    # Kept whole on the screen: a window left partly off it comes back fully visible.
    x = max(area.left(), min(outer.x(), area.right() + 1 - outer.width()))
    y = max(area.top(), min(outer.y(), area.bottom() + 1 - outer.height()))
    window.resize(placement.width, placement.height)
    window.move(x, y)
    if placement.maximized:
        window.setWindowState(window.windowState() | Qt.WindowState.WindowMaximized)
    return True


def fit_on_screen(window: QWidget) -> None:
    """Shrink and move `window` so it and its frame fit the free part of its screen; never grows it."""
    screen = screen_for(window)
    if screen is None:
        return
    available = screen.availableGeometry()
    size = fitted_size(window.size(), available)
    if size != window.size():
        window.resize(size)
    outer = QRect(window.pos(), size + FRAME_ALLOWANCE)
    if not available.contains(outer):
        window.move(
            max(available.left(), min(outer.x(), available.right() + 1 - outer.width())),
            max(available.top(), min(outer.y(), available.bottom() + 1 - outer.height())),
        )


def close_keys(platform: list[QKeySequence] | None = None) -> list[QKeySequence]:
    """Ctrl+W and Ctrl+F4 on every platform, with the platform's own Close keys (`platform`), each once.

    A key bound twice on one action is "ambiguous" to Qt and does nothing: where the platform's Close
    is Ctrl+W alone (GNOME, plain X11), naming Ctrl+W and Close both left Ctrl+W dead and Ctrl+F4 unbound.
    """
    standard = QKeySequence.keyBindings(QKeySequence.StandardKey.Close) if platform is None else platform
    keys: dict[str, QKeySequence] = {}
    for sequence in (QKeySequence("Ctrl+W"), QKeySequence("Ctrl+F4"), *standard):
        keys.setdefault(sequence.toString(QKeySequence.SequenceFormat.PortableText), sequence)
    return list(keys.values())
