"""The one place that says what colour the app's own text is: errors, warnings, success, muted lines.

Public names (the cross-window accessibility test relies on them):

    ROLES: tuple[Role, ...]
        Every text colour role the app sets (ERROR, WARNING, SUCCESS, MUTED, PRIVATE); MIN_CONTRAST is 4.5.
    color(role: Role, palette: QPalette, background: QPalette.ColorRole = QPalette.ColorRole.Window) -> QColor
        The role's colour for text drawn on `palette`'s `background` (Window for labels, Base for table and
        list cells), at least MIN_CONTRAST against it.
    contrast(fg: QColor, bg: QColor) -> float
        The WCAG 2.x contrast ratio, 1.0 to 21.0.
    cell_color(role: Role) -> QColor
        `color(role, QApplication.palette(), Base)`: for item models' ForegroundRole.
    set_role(widget: QWidget, role: Role | None) -> None
        Draw `widget`'s text in `role` (None: the palette's own text colour again), kept right when the
        palette changes.
    role_of(widget: QWidget) -> Role | None
        The role `set_role` gave `widget`, if any.
    fix_palette(palette: QPalette) -> QPalette
        `palette` with placeholder text and selection readable (Fusion's placeholder grey is too pale).
    install(app: QApplication) -> None
        Apply `fix_palette` to the application palette now and whenever it changes (the OS switching
        between light and dark).
    badge_style() -> str
        The style sheet of the DEMO badge: its own text and background colours, so no palette can spoil it.

Nothing is copied at creation: a colour is computed from the palette in force when it is drawn, because
the OS can switch from light to dark while the app runs, and one red cannot read on both.
"""

from __future__ import annotations

from enum import Enum
from functools import lru_cache

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget

MIN_CONTRAST = 4.5  # WCAG 2.x AA for body text
_TARGET = 4.6  # a little over, so anti-aliasing and 8-bit rounding never take a colour under the line
_STEPS = 100


class Role(Enum):
    """A meaning of text colour. The value is the hue it starts from (None: the palette's own text, paled)."""

    ERROR = "#d93025"
    WARNING = "#b35900"
    SUCCESS = "#2e8540"
    MUTED = None  # secondary, calm text: hints, "none" lines, resolved diagnoses, revoked releases
    PRIVATE = "#6a3d9a"  # the psychotherapy notes window's banner: kept apart from the record


ERROR = Role.ERROR
WARNING = Role.WARNING
SUCCESS = Role.SUCCESS
MUTED = Role.MUTED
PRIVATE = Role.PRIVATE
ROLES: tuple[Role, ...] = tuple(Role)

# The DEMO badge carries its own background, so it needs no palette: white on a dark orange (4.8:1).
BADGE_TEXT = "#ffffff"
BADGE_BACKGROUND = "#b35900"

_TEXT_ON = {QPalette.ColorRole.Window: QPalette.ColorRole.WindowText, QPalette.ColorRole.Base: QPalette.ColorRole.Text}


def _linear(channel: float) -> float:
    return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4


def luminance(colour: QColor) -> float:
    """WCAG relative luminance: 0 for black, 1 for white."""
    return 0.2126 * _linear(colour.redF()) + 0.7152 * _linear(colour.greenF()) + 0.0722 * _linear(colour.blueF())


def contrast(fg: QColor, bg: QColor) -> float:
    """The WCAG 2.x contrast ratio of text `fg` on `bg`: 1.0 to 21.0. A translucent `fg` (Qt's default
    placeholder is the text at half alpha) is measured as drawn, over `bg`."""
    if fg.alphaF() < 1.0:
        fg = QColor.fromRgbF(*(f * fg.alphaF() + b * (1 - fg.alphaF()) for f, b in _channels(fg, bg)))
    light, dark = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _channels(fg: QColor, bg: QColor) -> list[tuple[float, float]]:
    return [(fg.redF(), bg.redF()), (fg.greenF(), bg.greenF()), (fg.blueF(), bg.blueF())]


_RGB = tuple[int, int, int]
_BLACK, _WHITE = (0, 0, 0), (255, 255, 255)


def _rgb(colour: QColor) -> _RGB:
    return colour.red(), colour.green(), colour.blue()


def _worst(fg: _RGB, backgrounds: tuple[_RGB, ...]) -> float:
    return min(contrast(QColor(*fg), QColor(*bg)) for bg in backgrounds)


def _mix(one: _RGB, other: _RGB, share: float) -> _RGB:
    """`one` moved `share` of the way towards `other`, rounded to 8 bits as it is drawn."""
    r, g, b = (round(a + (z - a) * share) for a, z in zip(one, other, strict=True))
    return r, g, b


@lru_cache(maxsize=256)
def _readable(start: _RGB, backgrounds: tuple[_RGB, ...], pale: bool) -> _RGB:
    """From `start`, a colour that reaches _TARGET on every one of `backgrounds` (the first is the main one).

    A hue moves towards black on a light background and towards white on a dark one, so it keeps its hue
    while it darkens or lightens. `pale` instead moves the text towards the background for as long as it
    stays readable: the calmest grey that still passes.
    """
    far = _BLACK if _worst(_BLACK, backgrounds) >= _worst(_WHITE, backgrounds) else _WHITE
    if pale:
        if _worst(start, backgrounds) < _TARGET:
            start = far  # the palette's own text does not pass: no paler shade will
        best = start
        for step in range(1, _STEPS):
            paler = _mix(start, backgrounds[0], step / _STEPS)
            if _worst(paler, backgrounds) < _TARGET:
                break
            best = paler
        return best
    for step in range(_STEPS + 1):
        shade = _mix(start, far, step / _STEPS)
        if _worst(shade, backgrounds) >= _TARGET:
            return shade
    return far


def color(role: Role, palette: QPalette, background: QPalette.ColorRole = QPalette.ColorRole.Window) -> QColor:
    """`role`'s colour for text on `palette`'s `background`, at least MIN_CONTRAST against it.

    `background` is Window for labels, Base for table and list cells (where the colour also reads on
    AlternateBase, the striped rows).
    """
    return _color_in(role, palette, QPalette.ColorGroup.Active, background)


def cell_color(role: Role) -> QColor:
    """`role`'s colour in a table or list cell under the current application palette: what an item
    model's `data(ForegroundRole)` returns, asked afresh at each paint."""
    return color(role, QApplication.palette(), QPalette.ColorRole.Base)


def _color_in(role: Role, palette: QPalette, group: QPalette.ColorGroup, background: QPalette.ColorRole) -> QColor:
    backgrounds = [palette.color(group, background)]
    if background == QPalette.ColorRole.Base:
        backgrounds.append(palette.color(group, QPalette.ColorRole.AlternateBase))
    on = tuple(_rgb(bg) for bg in backgrounds)
    if role.value is None:
        text = palette.color(group, _TEXT_ON.get(background, QPalette.ColorRole.WindowText))
        return QColor(*_readable(_rgb(text), on, True))
    return QColor(*_readable(_rgb(QColor(role.value)), on, False))


# -- widgets --------------------------------------------------------------------------------------

_KEEPER = "themeRoleKeeper"
_GROUPS = (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive)  # disabled text keeps the style's own


class _RoleKeeper(QObject):
    """Re-colours its widget whenever the widget's palette changes (which follows the application's)."""

    def __init__(self, widget: QWidget, role: Role) -> None:
        super().__init__(widget)
        self.setObjectName(_KEEPER)
        self.role = role
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.PaletteChange and isinstance(watched, QWidget):
            self.apply(watched)
        return False

    def apply(self, widget: QWidget) -> None:
        palette = widget.palette()
        # Worked out from the palette the widget inherits: its own text colour is the one set here.
        parent = widget.parentWidget()
        inherited = parent.palette() if parent is not None else QApplication.palette(widget)
        text_role = widget.foregroundRole()
        background = widget.backgroundRole()
        if background not in _TEXT_ON:
            background = QPalette.ColorRole.Window
        changed = False
        for group in _GROUPS:
            wanted = _color_in(self.role, inherited, group, background)
            if palette.color(group, text_role) != wanted:
                palette.setColor(group, text_role, wanted)
                changed = True
        if changed:  # setting the palette sends PaletteChange again, which then finds nothing to do
            widget.setPalette(palette)


def _keeper(widget: QWidget) -> _RoleKeeper | None:
    found = widget.findChild(QObject, _KEEPER, Qt.FindChildOption.FindDirectChildrenOnly)
    return found if isinstance(found, _RoleKeeper) else None


def set_role(widget: QWidget, role: Role | None) -> None:
    """Draw `widget`'s text in `role`'s colour from now on, in whatever palette is in force; None gives
    the widget back its palette's own text colour."""
    keeper = _keeper(widget)
    if role is None:
        if keeper is not None:
            widget.removeEventFilter(keeper)
            keeper.setParent(None)
            keeper.deleteLater()
            widget.setPalette(QPalette())  # inherit every colour again
        return
    if keeper is None:
        keeper = _RoleKeeper(widget, role)
    keeper.role = role
    keeper.apply(widget)


def role_of(widget: QWidget) -> Role | None:
    """The role `widget`'s text is drawn in, if any."""
    keeper = _keeper(widget)
    return keeper.role if keeper is not None else None


# -- the application palette ---------------------------------------------------------------------


def fix_palette(palette: QPalette) -> QPalette:
    """`palette` with a placeholder grey that reads on Base, and selected text that reads on Highlight.

    The placeholder is the palest shade of the text that still reaches the line, so it still looks
    unlike typed text. The selection keeps its text colour and hue; only the highlight's shade moves.
    """
    fixed = QPalette(palette)
    for group in _GROUPS:
        base = fixed.color(group, QPalette.ColorRole.Base)
        text = fixed.color(group, QPalette.ColorRole.Text)
        placeholder = _readable(_rgb(text), (_rgb(base),), True)
        fixed.setColor(group, QPalette.ColorRole.PlaceholderText, QColor(*placeholder))
        selected = fixed.color(group, QPalette.ColorRole.HighlightedText)
        highlight = fixed.color(group, QPalette.ColorRole.Highlight)
        if contrast(selected, highlight) < MIN_CONTRAST:
            fixed.setColor(group, QPalette.ColorRole.Highlight, _away_from(highlight, selected))
    return fixed


def _away_from(highlight: QColor, text: QColor) -> QColor:
    """`highlight` darkened under light text (or lightened under dark text) until the text reads on it."""
    towards = _BLACK if luminance(text) >= 0.5 else _WHITE
    for step in range(_STEPS + 1):
        shade = _mix(_rgb(highlight), towards, step / _STEPS)
        if contrast(text, QColor(*shade)) >= _TARGET:
            return QColor(*shade)
    return QColor(*towards)


_INSTALLED = "themePaletteFixed"


def _apply_to_app() -> None:
    current = QApplication.palette()
    fixed = fix_palette(current)
    if fixed != current:  # setting it signals a change again, which then finds nothing to do
        QApplication.setPalette(fixed)


def install(app: QApplication) -> None:
    """Make the application palette readable now and after every change to it (the OS switching theme
    changes the roles the app did not set; the ones it set are worked out again from the new ones)."""
    if not app.property(_INSTALLED):
        app.setProperty(_INSTALLED, True)
        # The signal rather than an application-wide event filter, which would see every event of every widget.
        app.paletteChanged.connect(_apply_to_app)
    _apply_to_app()


def badge_style() -> str:
    """The DEMO badge: light text on its own dark orange, readable on any palette."""
    return (
        f"QLabel {{ color: {BADGE_TEXT}; background: {BADGE_BACKGROUND}; border-radius: 3px; "
        "padding: 1px 6px; font-weight: bold; }"
    )
