"""The main window and the app's start: navigation, status bar, demo marker, charts, start screen."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QInputDialog, QLabel, QMenu, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from tests.conftest import CHEAP_KDF, PASSPHRASE
from tests.ui.test_lock import FIRST, LAST, ChartStandIn, ClientPage, PlainPage
from therapy_desk import paths
from therapy_desk.domain.clients import Client, Unit, UnitKind, UnitMember
from therapy_desk.domain.scheduling import Appointment
from therapy_desk.storage.vault import Vault
from therapy_desk.ui.app import AppController, AppSettings, default_pages, run_app
from therapy_desk.ui.main_window import LAST_BACKUP_TEXT, MainWindow
from therapy_desk.ui.note_editor import open_editors
from therapy_desk.ui.ops import Ops
from therapy_desk.ui.today import TodayView
from therapy_desk.ui.unlock import UnlockWindow

TITLES = ["Today", "Caseload", "Settings"]


class SettingsStandIn(QLabel):
    auto_lock_changed = Signal(int)

    def __init__(self, vault: Vault, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__("Settings", parent)

    def clear_for_lock(self) -> None:
        pass


def _pages(built: list[str] | None = None) -> list[tuple[str, Callable[[Vault, Ops], QWidget]]]:
    def factory(title: str, view: Callable[[Vault, Ops], QWidget]) -> Callable[[Vault, Ops], QWidget]:
        def build(vault: Vault, ops: Ops) -> QWidget:
            if built is not None:
                built.append(title)
            return view(vault, ops)

        return build

    return [
        ("Today", factory("Today", ClientPage)),
        ("Caseload", factory("Caseload", PlainPage)),
        ("Settings", factory("Settings", SettingsStandIn)),
    ]


@pytest.fixture
def main(qtbot: QtBot, vault: Vault) -> MainWindow:
    window = MainWindow(vault, _pages(), chart_factory=ChartStandIn)
    qtbot.addWidget(window)
    with qtbot.waitExposed(window):
        window.show()
    return window


def _menu(window: MainWindow, title: str) -> QMenu:
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == title)
    assert isinstance(menu, QMenu)
    return menu


def _navigation_titles(window: MainWindow) -> list[str]:
    return [window.navigation.item(row).text() for row in range(window.navigation.count())]


def test_only_views_that_exist_are_in_the_navigation(main: MainWindow) -> None:
    assert _navigation_titles(main) == TITLES
    go_menu = _menu(main, "&Go")
    pages = [a for a in go_menu.actions() if a is not main.search_action and not a.isSeparator()]
    assert [a.text() for a in pages] == TITLES
    assert [a.shortcut().toString() for a in pages] == ["Ctrl+1", "Ctrl+2", "Ctrl+3"]
    assert go_menu.actions()[-1] is main.search_action  # then global search, after a separator
    assert main.search_action.shortcut().toString() == "Ctrl+Shift+F"


def test_navigation_lists_only_the_views_that_exist() -> None:
    assert [title for title, _factory in default_pages()] == [
        "Today",
        "Schedule",
        "Unsigned notes",
        "Caseload",
        "Billing",
        "Claims",
        "Backups",
        "Settings",
    ]


def test_views_are_built_when_first_shown_and_keys_switch_between_them(qtbot: QtBot, vault: Vault) -> None:
    built: list[str] = []
    window = MainWindow(vault, _pages(built))
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitActive(window):
        window.activateWindow()
    assert built == ["Today"]
    assert isinstance(window.current_page(), ClientPage)

    qtbot.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert isinstance(window.current_page(), SettingsStandIn)
    assert window.stack.currentWidget() is window.current_page()
    assert built == ["Today", "Settings"]

    window.navigation.setFocus()
    qtbot.keyClick(window.navigation, Qt.Key.Key_Up)
    assert isinstance(window.current_page(), PlainPage)
    assert window.navigation.currentItem().text() == "Caseload"
    window.lock()


def test_the_status_bar_shows_the_vault_the_lock_state_and_an_honest_backup_age(main: MainWindow, vault: Vault) -> None:
    texts = [label.text() for label in main.statusBar().findChildren(QLabel) if label.isVisible()]
    assert f"Vault: {vault.folder}" in texts
    assert "Unlocked" in texts
    assert LAST_BACKUP_TEXT == "Last verified backup: never"
    assert LAST_BACKUP_TEXT in texts
    assert "DEMO" not in texts
    assert "DEMO" not in main.windowTitle()


def test_the_demo_practice_is_marked_in_the_title_and_status_bar(qtbot: QtBot, vault: Vault) -> None:
    vault.practice.set_setting("demo.seed", "1")  # what the demo builder records
    controller = AppController(pages=_pages, chart_factory=lambda: None, quit_app=lambda: None)
    window = controller.open_main(vault)
    qtbot.addWidget(window)

    assert window.windowTitle() == "DEMO — Therapy Desk"
    assert "DEMO" in [label.text() for label in window.statusBar().findChildren(QLabel) if label.isVisible()]
    assert AppSettings.load().demo
    window.lock()
    assert isinstance(controller.window, UnlockWindow)
    assert controller.window.windowTitle() == "Unlock — DEMO — Therapy Desk"
    _close(controller.window)


def test_opening_a_client_opens_one_chart_window_per_client(qtbot: QtBot, main: MainWindow, vault: Vault) -> None:
    client = vault.clients.create(Client(FIRST, LAST, date(1988, 3, 14)))
    assert client.id is not None
    page = main.current_page()
    assert isinstance(page, ClientPage)

    page.open_client.emit(client.id)
    (chart,) = main.chart_windows()
    assert chart.isVisible()
    assert LAST in chart.windowTitle() or FIRST in chart.windowTitle()

    page.open_client.emit(client.id)
    assert main.chart_windows() == [chart]  # raised, not opened twice
    main.lock()


@pytest.mark.parametrize(("stored", "minutes"), [(None, 10), ("3", 3), ("0", 1), ("90", 60), ("soon", 10)])
def test_the_idle_lock_follows_the_auto_lock_setting(
    qtbot: QtBot, vault: Vault, stored: str | None, minutes: int
) -> None:
    if stored is not None:
        vault.practice.set_setting("auto_lock_minutes", stored)
    window = MainWindow(vault, _pages())
    qtbot.addWidget(window)
    assert window.idle_lock.interval_ms == minutes * 60_000
    assert window.idle_lock.active
    window.lock()


def test_a_change_in_settings_reaches_the_idle_lock(main: MainWindow) -> None:
    main.navigation.setCurrentRow(2)
    settings = main.current_page()
    assert isinstance(settings, SettingsStandIn)
    settings.auto_lock_changed.emit(25)
    assert main.idle_lock.interval_ms == 25 * 60_000


def test_vault_menu_has_back_up_lock_now_and_quit_with_their_shortcuts(main: MainWindow) -> None:
    vault_menu = _menu(main, "&Vault")
    shortcuts = {a.text(): a.shortcut().toString() for a in vault_menu.actions() if not a.isSeparator()}
    assert shortcuts == {
        "&Open another vault…": "",
        "&Recent vaults": "",
        "&Back up now…": "Ctrl+B",
        "&Test a backup…": "",
        "&Export archive…": "",
        "Records &past retention…": "",
        "&Lock now": "Ctrl+L",
        "&Quit": "Ctrl+Q",
    }
    assert [a.text() for a in main.menuBar().actions()] == ["&Vault", "&Go", "&Help"]


def test_export_archive_opens_on_the_whole_practice(main: MainWindow) -> None:
    from therapy_desk.ui.archive_dialog import ArchiveDialog

    _menu(main, "&Vault")  # the action is there (checked above); trigger it as the menu would
    main.archive_action.trigger()
    dialogs = main.findChildren(ArchiveDialog)
    assert len(dialogs) == 1
    assert dialogs[0].client_id() is None
    assert dialogs[0].scope.count() == 1
    dialogs[0].reject()


def test_vault_menu_opens_the_records_past_retention(main: MainWindow) -> None:
    main.retention_action.trigger()
    assert main.retention_dialog is not None
    assert main.retention_dialog.isVisible()
    assert main.retention_dialog.windowTitle() == "Records past retention"
    main.retention_dialog.reject()


def test_about_opens_without_blocking(qtbot: QtBot, main: MainWindow) -> None:
    box = main.show_about()
    qtbot.addWidget(box)
    assert box.isVisible()
    assert isinstance(box, QMessageBox)
    assert "Therapy Desk" in box.text()


def test_about_reads_as_a_paragraph_not_a_narrow_column(qtbot: QtBot, main: MainWindow) -> None:
    box = main.show_about()
    qtbot.addWidget(box)
    qtbot.waitExposed(box)
    text = box.findChild(QLabel, "qt_msgbox_informativelabel")
    assert text is not None

    # A paragraph at least 40 characters wide (without the style sheet it was a column of about 25, seven
    # lines deep); counted in characters, so it holds for any font the machine falls back to.
    characters = text.width() / text.fontMetrics().averageCharWidth()
    assert characters >= 40, f"the About text is a column {characters:.0f} characters wide"


# -- the start screen -----------------------------------------------------------------------------


def _close(window: QWidget | None) -> None:
    if window is not None:
        window.close()
        window.deleteLater()


def test_a_vault_in_the_default_folder_starts_at_the_unlock_screen(qtbot: QtBot) -> None:
    Vault.create(paths.default_vault_dir(), PASSPHRASE, kdf=CHEAP_KDF)[0].close()
    controller = AppController(quit_app=lambda: None)
    window = controller.start()
    assert isinstance(window, UnlockWindow)
    assert window.folder == paths.default_vault_dir()
    _close(window)


def test_the_remembered_vault_folder_starts_at_the_unlock_screen(qtbot: QtBot, created: tuple[Path, str]) -> None:
    AppSettings(vault_folder=created[0], demo=False).save()
    saved = json.loads(AppSettings.path().read_text("utf-8"))
    # Folders, a flag and a window's place: nothing from a chart.
    assert set(saved) == {"vault_folder", "demo", "recent_vaults", "window"}

    window = AppController(quit_app=lambda: None).start()
    assert isinstance(window, UnlockWindow)
    assert window.folder == created[0]
    _close(window)


def test_no_vault_anywhere_starts_at_the_welcome(qtbot: QtBot) -> None:
    first_run = pytest.importorskip("therapy_desk.ui.first_run")
    AppSettings.path().parent.mkdir(parents=True)
    AppSettings.path().write_text("{ not json", "utf-8")  # a damaged settings file is ignored
    window = AppController(quit_app=lambda: None).start()
    assert isinstance(window, first_run.WelcomeWindow)
    _close(window)


def test_run_app_opens_the_unlock_window_and_returns_when_it_closes(qtbot: QtBot, created: tuple[Path, str]) -> None:
    AppSettings(vault_folder=created[0]).save()
    seen: list[str] = []

    def close_unlock() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, UnlockWindow) and widget.isVisible():
                seen.append(widget.windowTitle())
                widget.close()

    QTimer.singleShot(50, close_unlock)
    QTimer.singleShot(5000, QApplication.quit)  # a safety net: never hang the test run
    assert run_app(["therapy-desk"]) == 0
    assert seen == ["Unlock — Therapy Desk"]
    assert QApplication.applicationName() == "Therapy Desk"


def test_history_found_missing_on_open_is_said_over_the_main_window(qtbot: QtBot, created: tuple[Path, str]) -> None:
    folder, _ = created
    older = folder.parent / "older-vault.db"
    shutil.copyfile(folder / "vault.db", older)
    with Vault.open(folder, PASSPHRASE) as vault:
        vault.audit.record("work that the older copy lacks")
    shutil.copyfile(older, folder / "vault.db")  # an older copy put back in place

    vault = Vault.open(folder, PASSPHRASE)
    window = MainWindow(vault, _pages(), chart_factory=ChartStandIn)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.vault_warning is not None and window.vault_warning.isVisible())

    assert isinstance(window.vault_warning, QMessageBox)
    text = window.vault_warning.text()
    assert "An older copy of vault.db was put in place" in text
    assert "missing" in text
    window.lock()


def test_a_clean_open_shows_no_warning(qtbot: QtBot, main: MainWindow) -> None:
    qtbot.wait(50)
    assert main.vault_warning is None


def test_todays_start_note_opens_the_sessions_note_and_a_lock_saves_what_was_typed(qtbot: QtBot, vault: Vault) -> None:
    client = vault.clients.create(Client(FIRST, LAST, date(1988, 3, 14)))
    assert client.id is not None
    booked = vault.schedule.book(
        Appointment(datetime.combine(date.today(), time(0, 0)), 53, "90837", client_id=client.id)
    )
    window = MainWindow(vault, [("Today", TodayView)], chart_factory=ChartStandIn)
    qtbot.addWidget(window)
    with qtbot.waitExposed(window):
        window.show()
    today = window.current_page()
    assert isinstance(today, TodayView)

    today.appointments.list.setFocus()
    qtbot.keyClick(today.appointments.list, Qt.Key.Key_Return)

    (editor,) = open_editors()
    assert editor.isVisible()
    assert editor.note.appointment_id == booked.id
    assert editor.header.times() == (time(0, 0), time(0, 53))
    editor.sections.editors["Subjective"].setPlainText("Slept better this week.")
    window.lock()
    assert open_editors() == []
    with Vault.open(vault.folder, PASSPHRASE) as reopened:
        (draft,) = reopened.notes.for_appointment(booked.id or 0)
        assert draft.text("Subjective") == "Slept better this week."


def test_a_group_sessions_note_asks_whose_it_is(qtbot: QtBot, vault: Vault) -> None:
    ana = vault.clients.create(Client("Ana", "Okafor", date(1988, 3, 14)))
    ben = vault.clients.create(Client("Ben", "Lindqvist", date(1990, 6, 1)))
    assert ana.id is not None
    assert ben.id is not None
    unit = vault.clients.create_unit(Unit(UnitKind.GROUP, "Sleep group", (UnitMember(ana.id), UnitMember(ben.id))))
    booked = vault.schedule.book(Appointment(datetime.combine(date.today(), time(0, 0)), 90, "90853", unit_id=unit.id))
    assert booked.id is not None
    window = MainWindow(vault, [("Today", TodayView)], chart_factory=ChartStandIn)
    qtbot.addWidget(window)
    asked: list[list[str]] = []

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, QInputDialog)
        asked.append(dialog.comboBoxItems())
        dialog.setTextValue("Lindqvist, Ben")
        dialog.accept()

    QTimer.singleShot(0, answer)
    window.start_note(booked.id)

    assert asked == [["Lindqvist, Ben", "Okafor, Ana"]]
    (editor,) = open_editors()
    assert (editor.note.client_id, editor.note.appointment_id, editor.note.unit_id) == (ben.id, booked.id, unit.id)
    window.lock()
