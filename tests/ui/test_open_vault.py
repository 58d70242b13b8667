"""Vault › Open another vault… and Vault › Recent vaults: lock this vault, then unlock the chosen one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMenu, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from tests.conftest import CHEAP_KDF, PASSPHRASE
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import files
from therapy_desk.ui.app import AppController, AppSettings
from therapy_desk.ui.main_window import MAX_RECENT_VAULTS, NO_RECENT_VAULTS, MainWindow
from therapy_desk.ui.unlock import UnlockWindow


def _make_vault(folder: Path) -> Path:
    Vault.create(folder, PASSPHRASE, kdf=CHEAP_KDF)[0].close()
    return folder


def _open(controller: AppController, folder: Path) -> MainWindow:
    return controller.open_main(Vault.open(folder, PASSPHRASE))


def _vault_menu(window: MainWindow) -> QMenu:
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Vault")
    assert isinstance(menu, QMenu)
    return menu


def _mnemonics(menu: QMenu) -> list[str]:
    return [a.text()[a.text().index("&") + 1].lower() for a in menu.actions() if "&" in a.text()]


def test_open_another_vault_locks_this_one_then_asks_for_the_other(
    qtbot: QtBot, created: tuple[Path, str], tmp_path: Path, controller: AppController, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = _make_vault(tmp_path / "second practice")
    main = _open(controller, created[0])
    vault = main.vault
    asked: list[Path] = []

    def choose(parent: QWidget | None, caption: str, start: Path) -> Path:
        asked.append(start)
        return other

    monkeypatch.setattr(files, "ask_folder", choose)
    main.open_vault_action.trigger()

    assert asked == [Path.home()]
    assert not vault.is_open
    assert isinstance(controller.window, UnlockWindow)
    assert controller.window.folder == other


def test_a_folder_without_a_vault_is_refused_and_this_vault_stays_open(
    qtbot: QtBot, vault: Vault, tmp_path: Path, controller: AppController, monkeypatch: pytest.MonkeyPatch
) -> None:
    main = controller.open_main(vault)
    monkeypatch.setattr(files, "ask_folder", lambda *args: tmp_path)
    main.open_vault_action.trigger()

    assert vault.is_open
    assert controller.window is main
    boxes = [w for w in main.findChildren(QMessageBox) if w.isVisible()]
    assert len(boxes) == 1
    assert "holds no Therapy Desk vault" in boxes[0].text()


def test_choosing_the_open_vault_again_changes_nothing(
    qtbot: QtBot, vault: Vault, tmp_path: Path, controller: AppController, monkeypatch: pytest.MonkeyPatch
) -> None:
    main = controller.open_main(vault)
    link = tmp_path / "the same vault by another path"
    link.symlink_to(vault.folder)
    monkeypatch.setattr(files, "ask_folder", lambda *args: link)
    main.open_vault_action.trigger()
    assert vault.is_open
    assert controller.window is main
    assert main.statusBar().currentMessage() == "That vault is the one open now."


def test_cancelling_the_folder_chooser_changes_nothing(
    qtbot: QtBot, vault: Vault, controller: AppController, monkeypatch: pytest.MonkeyPatch
) -> None:
    main = controller.open_main(vault)
    monkeypatch.setattr(files, "ask_folder", lambda *args: None)
    main.open_vault_action.trigger()
    assert vault.is_open
    assert controller.window is main


def test_recent_vaults_list_the_others_newest_first_and_open_one(
    qtbot: QtBot, tmp_path: Path, controller: AppController
) -> None:
    first, second, third = (_make_vault(tmp_path / name) for name in ("first", "second", "third"))
    for folder in (first, second, third):
        _open(controller, folder).lock()

    assert AppSettings.load().recent_vaults == (third, second, first)
    main = _open(controller, second)
    assert AppSettings.load().recent_vaults == (second, third, first)
    assert [a.text() for a in main.recent_actions] == [f"&1 {third}", f"&2 {first}"]

    main.recent_actions[1].trigger()
    assert not main.vault.is_open
    assert isinstance(controller.window, UnlockWindow)
    assert controller.window.folder == first


def test_a_recent_vault_that_is_gone_is_greyed(qtbot: QtBot, tmp_path: Path, controller: AppController) -> None:
    usb = _make_vault(tmp_path / "usb stick")
    _open(controller, usb).lock()
    (usb / "keyslots.json").rename(tmp_path / "unplugged")  # the drive is not there now
    main = _open(controller, _make_vault(tmp_path / "home vault"))
    (action,) = main.recent_actions
    assert action.text() == f"&1 {usb}"
    assert not action.isEnabled()


def test_no_recent_vaults_reads_as_such(qtbot: QtBot, vault: Vault, controller: AppController) -> None:
    main = controller.open_main(vault)
    assert main.recent_actions == []
    assert [a.text() for a in main.recent_menu.actions()] == [NO_RECENT_VAULTS]
    assert not main.recent_menu.actions()[0].isEnabled()


def test_at_most_eight_recent_vaults_are_kept_and_only_their_paths(
    qtbot: QtBot, tmp_path: Path, controller: AppController
) -> None:
    folders = [_make_vault(tmp_path / f"vault {n}") for n in range(10)]
    for folder in folders:
        _open(controller, folder).lock()
    saved = json.loads(AppSettings.path().read_text("utf-8"))
    assert saved["recent_vaults"] == [str(folder) for folder in reversed(folders)][:MAX_RECENT_VAULTS]
    assert set(saved) == {"vault_folder", "demo", "recent_vaults", "window"}


def test_a_path_with_an_ampersand_is_shown_as_it_is(qtbot: QtBot, tmp_path: Path, controller: AppController) -> None:
    odd = _make_vault(tmp_path / "Smith & Jones")
    _open(controller, odd).lock()
    main = _open(controller, _make_vault(tmp_path / "mine"))
    assert main.recent_actions[0].text() == f"&1 {str(odd).replace('&', '&&')}"


def test_the_vault_menu_mnemonics_do_not_clash(qtbot: QtBot, vault: Vault, controller: AppController) -> None:
    main = controller.open_main(vault)
    letters = _mnemonics(_vault_menu(main))
    assert sorted(letters) == sorted(set(letters)) == ["b", "e", "l", "o", "p", "q", "r", "t"]
    bar = [a.text() for a in main.menuBar().actions()]
    assert bar == ["&Vault", "&Go", "&Help"]


@pytest.mark.parametrize(
    "recent",
    [
        "not a list",
        [1, 2, None, {"path": "/x"}],
        ["relative/folder", "", "/ok/\0nul"],
        ["/a" + "b" * 5000],
    ],
)
def test_odd_recent_vaults_in_the_settings_file_are_ignored(recent: object) -> None:
    AppSettings.path().parent.mkdir(parents=True, exist_ok=True)
    AppSettings.path().write_text(json.dumps({"recent_vaults": recent, "vault_folder": "/v"}), "utf-8")
    settings = AppSettings.load()
    assert settings.recent_vaults == ()
    assert settings.vault_folder == Path("/v")


def test_a_huge_settings_file_is_not_read() -> None:
    AppSettings.path().parent.mkdir(parents=True, exist_ok=True)
    AppSettings.path().write_text(json.dumps({"vault_folder": "/v", "pad": "x" * 200_000}), "utf-8")
    assert AppSettings.load() == AppSettings()
