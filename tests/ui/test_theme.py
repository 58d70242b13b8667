"""Text colours the app sets: every role readable (4.5:1) on light and dark palettes, worked out when drawn."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QStyleFactory, QWidget
from pytestqt.qtbot import QtBot

from tests.ui.test_chart import make_client
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import theme
from therapy_desk.ui.chart_diagnoses import COL_CODE, DiagnosisModel

Role = QPalette.ColorRole
UI_DIR = Path(theme.__file__).parent


def _palette(window: str, base: str, text: str, *, alternate: str | None = None) -> QPalette:
    palette = QPalette()
    for role, colour in (
        (Role.Window, window),
        (Role.Button, window),
        (Role.Base, base),
        (Role.AlternateBase, alternate or base),
        (Role.WindowText, text),
        (Role.Text, text),
        (Role.ButtonText, text),
        (Role.Highlight, "#2a82da"),
        (Role.HighlightedText, "#ffffff"),
    ):
        palette.setColor(role, QColor(colour))
    palette.setColor(Role.PlaceholderText, QColor(text).darker(180) if QColor(text).lightness() > 128 else "#aaaaaa")
    return palette


def light_palette() -> QPalette:
    style = QStyleFactory.create("Fusion")
    assert style is not None
    return style.standardPalette()


def dark_palette() -> QPalette:
    return _palette("#2b2b2b", "#1e1e1e", "#e0e0e0", alternate="#262626")


PALETTES = {
    "fusion light": light_palette,
    "dark": dark_palette,
    "white": lambda: _palette("#ffffff", "#ffffff", "#000000"),
    "black": lambda: _palette("#000000", "#000000", "#ffffff"),
}


@pytest.fixture
def app_palette(qapp: QApplication) -> Iterator[None]:
    """Tests here switch the application palette; the next test gets the one it had."""
    before = QApplication.palette()
    yield
    QApplication.setPalette(before)


def test_contrast_of_known_pairs() -> None:
    assert theme.contrast(QColor("#000000"), QColor("#ffffff")) == pytest.approx(21.0)
    assert theme.contrast(QColor("#ffffff"), QColor("#000000")) == pytest.approx(21.0)
    assert theme.contrast(QColor("#777777"), QColor("#ffffff")) == pytest.approx(4.48, abs=0.01)
    assert theme.contrast(QColor("#d93025"), QColor("#efefef")) == pytest.approx(4.15, abs=0.01)  # the old red
    assert theme.contrast(QColor("#808080"), QColor("#808080")) == pytest.approx(1.0)


def test_contrast_measures_translucent_text_as_drawn() -> None:
    half_black = QColor(0, 0, 0, 128)  # Qt's default placeholder: the text at half alpha
    assert theme.contrast(half_black, QColor("#ffffff")) == pytest.approx(
        theme.contrast(QColor("#7f7f7f"), QColor("#ffffff")), abs=0.05
    )


@pytest.mark.parametrize("name", PALETTES)
@pytest.mark.parametrize("role", theme.ROLES, ids=lambda role: role.name)
def test_every_role_reads_on_labels_and_cells(qapp: QApplication, name: str, role: theme.Role) -> None:
    palette = PALETTES[name]()
    on_window = theme.color(role, palette)
    assert theme.contrast(on_window, palette.color(Role.Window)) >= theme.MIN_CONTRAST
    on_base = theme.color(role, palette, Role.Base)
    for background in (Role.Base, Role.AlternateBase):  # striped rows too
        assert theme.contrast(on_base, palette.color(background)) >= theme.MIN_CONTRAST


def test_muted_text_is_calmer_than_the_text_itself(qapp: QApplication) -> None:
    for make in PALETTES.values():
        palette = make()
        background = palette.color(Role.Window)
        muted = theme.color(theme.MUTED, palette)
        assert theme.contrast(muted, background) < theme.contrast(palette.color(Role.WindowText), background)


def test_one_red_cannot_serve_both_palettes(qapp: QApplication) -> None:
    light, dark = theme.color(theme.ERROR, light_palette()), theme.color(theme.ERROR, dark_palette())
    assert light.lightness() < dark.lightness()
    assert light.red() > light.green()
    assert dark.red() > dark.green()


@pytest.mark.parametrize("name", PALETTES)
def test_the_fixed_palette_has_readable_placeholders_and_selection(qapp: QApplication, name: str) -> None:
    palette = theme.fix_palette(PALETTES[name]())
    base, text = palette.color(Role.Base), palette.color(Role.Text)
    placeholder = palette.color(Role.PlaceholderText)
    assert theme.contrast(placeholder, base) >= theme.MIN_CONTRAST
    assert theme.contrast(placeholder, base) < theme.contrast(text, base)  # still unlike typed text
    selected = theme.contrast(palette.color(Role.HighlightedText), palette.color(Role.Highlight))
    assert selected >= theme.MIN_CONTRAST


def test_fusions_own_placeholder_and_selection_needed_the_fix(qapp: QApplication) -> None:
    palette = light_palette()
    assert theme.contrast(palette.color(Role.PlaceholderText), palette.color(Role.Base)) < theme.MIN_CONTRAST
    assert theme.contrast(palette.color(Role.HighlightedText), palette.color(Role.Highlight)) < theme.MIN_CONTRAST


def test_the_demo_badge_reads_on_its_own_background() -> None:
    assert theme.contrast(QColor(theme.BADGE_TEXT), QColor(theme.BADGE_BACKGROUND)) >= theme.MIN_CONTRAST


def _text_colour(widget: QWidget) -> QColor:
    widget.ensurePolished()
    return widget.palette().color(widget.foregroundRole())


@pytest.mark.usefixtures("app_palette")
def test_an_error_label_follows_the_switch_to_a_dark_palette(qtbot: QtBot) -> None:
    QApplication.setPalette(light_palette())
    holder = QWidget()
    qtbot.addWidget(holder)
    label = QLabel("The ZIP code needs 5 digits.", holder)
    theme.set_role(label, theme.ERROR)
    holder.show()
    on_light = _text_colour(label)
    assert on_light == theme.color(theme.ERROR, light_palette())

    dark = dark_palette()
    QApplication.setPalette(dark)
    qtbot.waitUntil(lambda: label.palette().color(Role.Window) == dark.color(Role.Window))
    qtbot.waitUntil(lambda: _text_colour(label) == theme.color(theme.ERROR, dark))
    assert _text_colour(label) != on_light
    assert theme.contrast(_text_colour(label), label.palette().color(Role.Window)) >= theme.MIN_CONTRAST
    assert theme.role_of(label) is theme.ERROR


@pytest.mark.usefixtures("app_palette")
def test_a_label_given_back_its_own_colour_follows_the_palette_text(qtbot: QtBot) -> None:
    QApplication.setPalette(light_palette())
    label = QLabel("Passphrase rule")
    qtbot.addWidget(label)
    theme.set_role(label, theme.MUTED)
    theme.set_role(label, theme.ERROR)
    assert _text_colour(label) == theme.color(theme.ERROR, light_palette())
    theme.set_role(label, None)
    assert theme.role_of(label) is None
    assert _text_colour(label) == light_palette().color(Role.WindowText)


@pytest.mark.usefixtures("app_palette")
def test_the_installed_app_palette_stays_readable_after_a_theme_switch(qtbot: QtBot, qapp: QApplication) -> None:
    QApplication.setPalette(light_palette())
    theme.install(qapp)
    field = QLineEdit()
    field.setPlaceholderText("MM/DD/YYYY")
    qtbot.addWidget(field)
    placeholder = field.palette().color(Role.PlaceholderText)
    assert theme.contrast(placeholder, field.palette().color(Role.Base)) >= theme.MIN_CONTRAST

    QApplication.setPalette(dark_palette())  # as the OS switching to dark mode does

    app = QApplication.palette()
    assert app.color(Role.Base) == dark_palette().color(Role.Base)
    assert theme.contrast(app.color(Role.PlaceholderText), app.color(Role.Base)) >= theme.MIN_CONTRAST
    qtbot.waitUntil(lambda: field.palette().color(Role.Base) == app.color(Role.Base))
    assert theme.contrast(field.palette().color(Role.PlaceholderText), app.color(Role.Base)) >= theme.MIN_CONTRAST


@pytest.mark.usefixtures("app_palette")
def test_resolved_diagnoses_are_muted_but_readable(qtbot: QtBot, vault: Vault) -> None:
    client = make_client(vault)
    assert client.id is not None
    resolved = vault.clients.add_diagnosis(client.id, "F43.21")
    vault.clients.add_diagnosis(client.id, "F41.1")
    assert resolved.id is not None
    vault.clients.resolve_diagnosis(resolved.id, date.today())
    model = DiagnosisModel()
    model.set_rows(vault.clients.diagnoses(client.id, include_resolved=True))
    rows = {model.data(model.index(row, COL_CODE)): row for row in range(model.rowCount())}

    for palette in (light_palette(), dark_palette()):
        QApplication.setPalette(palette)
        muted = model.data(model.index(rows["F43.21"], COL_CODE), Qt.ItemDataRole.ForegroundRole)
        assert QColor(muted) == theme.color(theme.MUTED, palette, Role.Base)
        assert theme.contrast(QColor(muted), palette.color(Role.Base)) >= theme.MIN_CONTRAST
        assert model.data(model.index(rows["F41.1"], COL_CODE), Qt.ItemDataRole.ForegroundRole) is None


# A colour written into a view: a hex literal, a QColor built from one, a named global colour, a style sheet
# colour. Each of those belongs in theme.py, where it is checked against both palettes.
_COLOUR_LITERAL = re.compile(r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b|QColor\(|Qt\.GlobalColor|\bcolor\s*:|background\s*:")


def test_no_view_hard_codes_a_colour() -> None:
    found = [
        f"{path.relative_to(UI_DIR)}:{number}: {line.strip()}"
        for path in sorted(UI_DIR.rglob("*.py"))
        if path.name != "theme.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if _COLOUR_LITERAL.search(line)
    ]
    assert found == []
