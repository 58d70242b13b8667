"""Where a save dialog starts: the user's Documents folder (or home), never where the app was started from,
the vault's folder or the app's own folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from tests.ui.test_first_run import _create
from therapy_desk.storage.vault import Vault
from therapy_desk.ui.files import ask_save_path, documents_dir
from therapy_desk.ui.first_run import WelcomeWindow
from therapy_desk.ui.ops import Ops
from therapy_desk.ui.settings import SettingsView
from therapy_desk.ui.widgets.recovery_code import KIT_FILE_NAME

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user's home with a Documents folder; the process runs from a source checkout, as with `make run`."""
    home = tmp_path / "user"
    (home / "Documents").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))  # no user-dirs.dirs: Documents is ~/Documents
    monkeypatch.chdir(REPO)
    return home


@pytest.fixture
def offered(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """What each save dialog offered (the dialog itself is the OS's edge: it answers Cancel)."""
    seen: list[Path] = []

    def dialog(parent: QWidget | None, caption: str, start: str, name_filter: str) -> tuple[str, str]:
        seen.append(Path(start))
        return "", ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", dialog)
    return seen


def test_a_save_dialog_starts_in_documents_not_where_the_app_was_started(home: Path, offered: list[Path]) -> None:
    assert Path.cwd() == REPO
    assert ask_save_path(None, "Save", "kit.pdf") is None
    assert offered == [home / "Documents" / "kit.pdf"]


def test_without_a_documents_folder_it_starts_at_home(home: Path, offered: list[Path]) -> None:
    (home / "Documents").rmdir()
    ask_save_path(None, "Save", "kit.pdf")
    assert offered == [home / "kit.pdf"]


def test_a_documents_folder_that_is_the_vault_is_not_offered(home: Path) -> None:
    assert documents_dir(avoid=[home / "Documents"]) == home  # a vault made in an empty Documents folder
    assert documents_dir(avoid=[home / "Documents" / "vault"]) == home / "Documents"


def test_the_apps_own_folder_is_never_offered(home: Path) -> None:
    (home / "Documents").rmdir()
    (home / "Documents").symlink_to(REPO / "docs")  # Documents leads into the source checkout
    assert documents_dir() == home


@pytest.fixture
def welcome(qtbot: QtBot, home: Path, tmp_path: Path) -> Iterator[WelcomeWindow]:
    window = WelcomeWindow(vault_dir=tmp_path / "vault")
    window.show()
    yield window
    window.ops.wait_idle()
    window.recovery.stored.setChecked(True)  # so closing does not stop to ask about the unsaved code
    window.close()
    window.deleteLater()


def test_first_run_offers_the_recovery_kit_in_documents(
    qtbot: QtBot, welcome: WelcomeWindow, home: Path, offered: list[Path], cheap_calibration: None
) -> None:
    _create(qtbot, welcome)
    qtbot.mouseClick(welcome.recovery.save_button, Qt.MouseButton.LeftButton)
    assert offered == [home / "Documents" / KIT_FILE_NAME]


def test_settings_offers_a_new_recovery_kit_in_documents(
    qtbot: QtBot, vault: Vault, home: Path, offered: list[Path], cheap_calibration: None
) -> None:
    ops = Ops(None, vault)
    view = SettingsView(vault, ops)
    qtbot.addWidget(view)
    view.show()
    view.tabs.setCurrentIndex(1)
    qtbot.mouseClick(view.new_code_button, Qt.MouseButton.LeftButton)
    box = view.findChild(QMessageBox, "confirmNewRecoveryCode")
    assert box is not None
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.recovery_dialog is not None and view.recovery_dialog.isVisible(), timeout=10_000)
    dialog = view.recovery_dialog
    assert dialog is not None
    qtbot.mouseClick(dialog.panel.save_button, Qt.MouseButton.LeftButton)
    assert offered == [home / "Documents" / KIT_FILE_NAME]
    dialog.panel.stored.click()
    qtbot.mouseClick(dialog.done_button, Qt.MouseButton.LeftButton)
    ops.wait_idle()
