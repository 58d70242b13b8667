"""What every window shares: the app's name once in its title, Ctrl+Q, Escape on dialogs, and a size that fits."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QRect, QSize, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractButton, QApplication, QDialog, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from tests.ui.test_main_window import _pages
from therapy_desk.domain.clients import Client
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import dialogs
from therapy_desk.ui.app import AppController, AppSettings, default_chart_factory, make_application
from therapy_desk.ui.first_run import WelcomeWindow
from therapy_desk.ui.main_window import DEFAULT_SIZE, MainWindow
from therapy_desk.ui.unlock import UnlockWindow
from therapy_desk.ui.windows import (
    APP_NAME,
    FRAME_ALLOWANCE,
    Placement,
    fits_a_screen,
    fitted_size,
    placement_of,
    shown_title,
)


@pytest.fixture(autouse=True)
def app_names(qapp: QApplication) -> None:
    make_application([])  # the display name Qt adds to titles


@pytest.fixture
def client_id(vault: Vault) -> int:
    client = vault.clients.create(Client("Amara", "Okafor", date(1985, 6, 2)))
    assert client.id is not None
    return client.id


def _shown(widget: QWidget) -> str:
    return shown_title(widget.windowTitle(), QGuiApplication.applicationDisplayName())


def _active(qtbot: QtBot, window: QWidget) -> None:
    window.show()
    with qtbot.waitActive(window):
        window.activateWindow()


# -- titles ----------------------------------------------------------------------------------------


def test_qt_adds_the_app_name_to_a_title_that_does_not_end_with_it() -> None:
    # The rule the window system applies on Linux and Windows (QPlatformWindow::formatWindowTitle).
    assert shown_title("Add client") == "Add client — Therapy Desk"
    assert shown_title("Therapy Desk — DEMO") == "Therapy Desk — DEMO — Therapy Desk"  # the defect
    assert shown_title("DEMO — Therapy Desk") == "DEMO — Therapy Desk"
    assert shown_title("") == "Therapy Desk"


def test_every_window_names_the_app_once(qtbot: QtBot, vault: Vault, client_id: int, created: tuple[Path, str]) -> None:
    seen: dict[str, str] = {}

    def look(widget: QWidget) -> None:
        qtbot.addWidget(widget)
        seen[type(widget).__name__ + ":" + widget.windowTitle()] = _shown(widget)

    main = MainWindow(vault, _pages(), chart_factory=default_chart_factory())
    demo = MainWindow(vault, _pages(), is_demo=True)
    for widget in (main, demo, UnlockWindow(created[0]), UnlockWindow(created[0], is_demo=True), WelcomeWindow()):
        look(widget)
    main.open_chart(client_id)
    (chart,) = main.chart_windows()
    seen["chart"] = _shown(chart)
    look(main.show_about())
    look(dialogs.show_error(main, "The disk is full."))
    look(dialogs.show_crash(main, RuntimeError("a bug")))

    assert seen["MainWindow:Therapy Desk"] == "Therapy Desk"
    assert seen["MainWindow:DEMO — Therapy Desk"] == "DEMO — Therapy Desk"
    assert seen["UnlockWindow:Unlock — Therapy Desk"] == "Unlock — Therapy Desk"
    assert seen["chart"] == "Amara Okafor (C000001) — Therapy Desk"
    assert all(shown.count(APP_NAME) == 1 for shown in seen.values()), seen
    main.lock()
    demo.lock()


# -- Ctrl+Q and Escape -----------------------------------------------------------------------------


def test_ctrl_q_closes_the_unlock_window(qtbot: QtBot, created: tuple[Path, str]) -> None:
    window = UnlockWindow(created[0])
    qtbot.addWidget(window)
    _active(qtbot, window)
    qtbot.keyClick(window.passphrase, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert not window.isVisible()


def test_ctrl_q_closes_the_welcome_window(qtbot: QtBot) -> None:
    window = WelcomeWindow()
    qtbot.addWidget(window)
    _active(qtbot, window)
    qtbot.keyClick(window.create_button, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert not window.isVisible()


@pytest.fixture
def controller(qtbot: QtBot) -> Iterator[tuple[AppController, list[str]]]:
    quits: list[str] = []
    app = AppController(pages=_pages, chart_factory=default_chart_factory, quit_app=lambda: quits.append("quit"))
    yield app, quits
    if app.window is not None and shiboken6.isValid(app.window):
        app.window.close()


def test_ctrl_q_locks_and_quits_from_the_main_window(
    qtbot: QtBot, vault: Vault, controller: tuple[AppController, list[str]]
) -> None:
    app, quits = controller
    main = app.open_main(vault)
    _active(qtbot, main)
    qtbot.keyClick(main, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert quits == ["quit"]
    assert not vault.is_open


def test_ctrl_q_locks_and_quits_from_a_chart_window(
    qtbot: QtBot, vault: Vault, client_id: int, controller: tuple[AppController, list[str]]
) -> None:
    app, quits = controller
    main = app.open_main(vault)
    main.open_chart(client_id)
    (chart,) = main.chart_windows()
    _active(qtbot, chart)
    qtbot.keyClick(chart, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert quits == ["quit"]
    assert not vault.is_open


def test_escape_closes_the_dialogs(qtbot: QtBot, vault: Vault) -> None:
    main = MainWindow(vault, _pages())
    qtbot.addWidget(main)
    _active(qtbot, main)
    opened: list[QDialog] = [
        main.show_about(),
        dialogs.show_error(main, "The disk is full."),
        dialogs.show_crash(main, RuntimeError("a bug")),
    ]
    for dialog in opened:
        qtbot.addWidget(dialog)
        dialog.show()
        with qtbot.waitActive(dialog):
            dialog.activateWindow()
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: not shiboken6.isValid(dialog) or not dialog.isVisible())  # noqa: B023 - waited here
    main.lock()


# -- sizes -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("screen", "expected"),
    [
        (QRect(0, 0, 1920, 1050), DEFAULT_SIZE),  # room to spare: the preferred size
        (QRect(0, 27, 1366, 741), QSize(1280, 741) - QSize(0, FRAME_ALLOWANCE.height())),  # 1366×768, a top panel
        (QRect(0, 0, 1280, 720), QSize(1280, 720) - FRAME_ALLOWANCE),
    ],
)
def test_the_first_window_fits_the_free_part_of_the_screen(screen: QRect, expected: QSize) -> None:
    assert fitted_size(DEFAULT_SIZE, screen) == expected


def test_the_main_window_opens_inside_the_screen(qtbot: QtBot, vault: Vault) -> None:
    main = MainWindow(vault, _pages())
    qtbot.addWidget(main)
    main.show()
    available = main.screen().availableGeometry()  # 800×800 on the offscreen test screen
    assert available.contains(QRect(main.pos(), main.size() + FRAME_ALLOWANCE))
    main.lock()


def test_a_chart_window_opens_inside_the_screen(qtbot: QtBot, vault: Vault, client_id: int) -> None:
    main = MainWindow(vault, _pages(), chart_factory=default_chart_factory())
    qtbot.addWidget(main)
    main.show()
    main.open_chart(client_id)
    (chart,) = main.chart_windows()
    assert chart.screen().availableGeometry().contains(QRect(chart.pos(), chart.size() + FRAME_ALLOWANCE))
    main.lock()


def test_the_main_window_comes_back_where_it_was(
    qtbot: QtBot, created: tuple[Path, str], controller: tuple[AppController, list[str]]
) -> None:
    from tests.conftest import PASSPHRASE

    app, _quits = controller
    main = app.open_main(Vault.open(created[0], PASSPHRASE))
    main.resize(620, 480)
    main.move(90, 70)
    place = placement_of(main)
    main.lock()

    saved = AppSettings.load().window
    assert saved == place
    assert (saved.width, saved.height) == (620, 480)
    again = AppController(pages=_pages, chart_factory=lambda: None, quit_app=lambda: None, single_instance=False)
    reopened = again.open_main(Vault.open(created[0], PASSPHRASE))
    assert placement_of(reopened) == place
    reopened.lock()
    assert isinstance(again.window, QWidget)
    again.window.close()


@pytest.mark.parametrize(
    "place",
    [
        Placement(5000, 100, 700, 500),  # on a screen no longer connected
        Placement(0, 0, 1900, 1000),  # larger than the screen there is now
        Placement(10, 10, 120, 90),  # too small to be of use
    ],
)
def test_a_remembered_place_that_no_longer_fits_is_not_used(
    qtbot: QtBot, vault: Vault, place: Placement, controller: tuple[AppController, list[str]]
) -> None:
    AppSettings(window=place).save()
    app, _quits = controller
    app.settings = AppSettings.load()
    main = app.open_main(vault)
    available = main.screen().availableGeometry()
    assert available.contains(QRect(main.pos(), main.size() + FRAME_ALLOWANCE))
    assert (main.width(), main.height()) != (place.width, place.height)


def test_a_place_partly_off_the_screen_comes_back_whole() -> None:
    screen = QRect(0, 0, 1366, 768)
    assert fits_a_screen(Placement(900, 300, 700, 400), [screen]) == screen
    assert fits_a_screen(Placement(1200, 300, 700, 400), [screen]) is None  # its middle is off the screen


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "x=1",
        {"x": 1, "y": 2, "width": 3},
        {"x": "1", "y": 2, "width": 300, "height": 200},
        {"x": 1.5, "y": 2, "width": 300, "height": 200},
        {"x": True, "y": 2, "width": 300, "height": 200},
        {"x": 1, "y": 2, "width": -300, "height": 200},
        {"x": 10**12, "y": 2, "width": 300, "height": 200},
    ],
)
def test_a_damaged_window_place_in_the_settings_file_is_ignored(raw: object) -> None:
    assert Placement.from_json(raw) is None


def test_a_window_place_reads_back_as_written() -> None:
    place = Placement(-1200, 40, 1000, 700, maximized=True)  # a screen left of the primary one
    assert Placement.from_json(place.to_json()) == place


def _mnemonic_letters(window: QWidget) -> list[str]:
    letters = []
    for button in window.findChildren(QAbstractButton):
        text = button.text().replace("&&", "")
        if button.isVisible() and "&" in text:
            letters.append(text[text.index("&") + 1].lower())
    return letters


def test_ctrl_q_on_the_recovery_code_page_asks_first_and_enter_keeps_the_code(
    qtbot: QtBot, tmp_path: Path, cheap_calibration: None
) -> None:
    from tests.ui.test_first_run import _create

    window = WelcomeWindow(vault_dir=tmp_path / "new vault")
    window.show()
    _create(qtbot, window)
    letters = _mnemonic_letters(window)
    assert sorted(letters) == sorted(set(letters))  # Alt+S saves the kit; it does not tick "stored"
    asked: list[str] = []

    def answer_with_enter() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        asked.append(box.text())
        qtbot.keyClick(box, Qt.Key.Key_Return)

    QTimer.singleShot(100, answer_with_enter)
    _active(qtbot, window)
    qtbot.keyClick(window.recovery.save_button, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)

    assert asked == ["Your recovery code will not be shown again. Close without storing it?"]
    assert window.isVisible()
    assert window.recovery.code_label.text()
    window.recovery.stored.setChecked(True)
    window.close()
    window.deleteLater()


def test_the_unlock_windows_mnemonics_do_not_clash_even_when_the_vault_is_in_use(qtbot: QtBot, vault: Vault) -> None:
    window = UnlockWindow(vault.folder, is_demo=True)  # held by `vault`: the in-use buttons are shown
    qtbot.addWidget(window)
    window.show()
    assert window.in_use
    letters = _mnemonic_letters(window)
    assert sorted(letters) == sorted(set(letters))
    assert {"s", "g"} <= set(letters)
