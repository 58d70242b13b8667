"""The unlock screen: wrong passphrase, the right one, the recovery-code flow and quick unlock."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path

import keyring
import keyring.core
import pytest
import shiboken6
from keyring.backend import KeyringBackend
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget
from pytestqt.qtbot import QtBot

from tests.conftest import PASSPHRASE
from tests.storage.test_keychain import MemoryKeychain, _TestBackend
from therapy_desk.domain.passphrase import PASSPHRASE_RULE
from therapy_desk.errors import WrongPassphrase
from therapy_desk.storage.vault import Vault
from therapy_desk.ui.app import AppController, AppSettings
from therapy_desk.ui.main_window import MainWindow
from therapy_desk.ui.unlock import UnlockWindow

NEW_PASSPHRASE = "plum kettle orbit gravel"


def _file_hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def unlock(qtbot: QtBot, created: tuple[Path, str]) -> UnlockWindow:
    window = UnlockWindow(created[0])
    qtbot.addWidget(window)
    with qtbot.waitExposed(window):
        window.show()
    return window


@pytest.fixture
def opened(unlock: UnlockWindow) -> Iterator[list[Vault]]:
    """Vaults the window handed over; locked again after the test."""
    vaults: list[Vault] = []
    unlock.unlocked.connect(vaults.append)
    yield vaults
    for vault in vaults:
        vault.close()


def _type_and_press_enter(qtbot: QtBot, field: QWidget, text: str) -> None:
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def test_a_wrong_passphrase_says_so_inline_and_changes_nothing(
    qtbot: QtBot, unlock: UnlockWindow, opened: list[Vault], created: tuple[Path, str]
) -> None:
    before = _file_hashes(created[0])
    _type_and_press_enter(qtbot, unlock.passphrase, "not the passphrase at all")

    assert not unlock.unlock_button.isEnabled()  # the KDF runs off the GUI thread meanwhile
    assert unlock.ops.wait_idle(5000)

    assert unlock.message.isVisible()
    assert unlock.message.text() == "That passphrase does not unlock this vault. Check Caps Lock and try again."
    assert unlock.passphrase.selectedText() == "not the passphrase at all"  # ready to type again
    assert unlock.passphrase.hasFocus()
    assert unlock.unlock_button.isEnabled()
    assert opened == []
    assert _file_hashes(created[0]) == before


def test_an_empty_passphrase_asks_for_one_without_trying(qtbot: QtBot, unlock: UnlockWindow) -> None:
    qtbot.mouseClick(unlock.unlock_button, Qt.MouseButton.LeftButton)
    assert unlock.message.text() == "Type your passphrase, then press Enter."
    assert not unlock.ops.busy


def test_the_right_passphrase_opens_the_vault(qtbot: QtBot, unlock: UnlockWindow, opened: list[Vault]) -> None:
    with qtbot.waitSignal(unlock.unlocked, timeout=5000):
        _type_and_press_enter(qtbot, unlock.passphrase, PASSPHRASE)
    (vault,) = opened
    assert vault.is_open
    assert vault.clients.count() == 0  # usable on the GUI thread
    assert unlock.passphrase.text() == ""


def test_the_passphrase_field_hides_what_is_typed(unlock: UnlockWindow) -> None:
    assert unlock.passphrase.echoMode() == unlock.passphrase.EchoMode.Password
    assert unlock.passphrase.accessibleName() == "Passphrase"
    assert unlock.unlock_button.isDefault()
    assert not unlock.quick_button.isVisible()  # quick unlock was never turned on


def test_the_right_passphrase_opens_the_main_window(qtbot: QtBot, created: tuple[Path, str]) -> None:
    controller = AppController(folder=created[0], pages=lambda: [], chart_factory=lambda: None, quit_app=lambda: None)
    window = controller.start()
    assert isinstance(window, UnlockWindow)
    with qtbot.waitSignal(window.unlocked, timeout=5000):
        _type_and_press_enter(qtbot, window.passphrase, PASSPHRASE)

    main = controller.window
    assert isinstance(main, MainWindow)
    qtbot.addWidget(main)
    assert main.isVisible()
    assert main.windowTitle() == "Therapy Desk"
    assert main.lock_label.text() == "Unlocked"
    qtbot.wait(1)
    assert not shiboken6.isValid(window)  # the unlock screen is gone
    assert AppSettings.load().vault_folder == created[0].absolute()
    main.lock()


def test_forgot_passphrase_resets_it_with_the_recovery_code(
    qtbot: QtBot, unlock: UnlockWindow, opened: list[Vault], created: tuple[Path, str], cheap_calibration: None
) -> None:
    folder, code = created
    qtbot.mouseClick(unlock.forgot_button, Qt.MouseButton.LeftButton)
    assert unlock.recovery_code.isVisible()
    assert unlock.recovery_code.hasFocus()
    assert PASSPHRASE_RULE in [label.text() for label in unlock.findChildren(QLabel) if label.isVisible()]

    qtbot.keyClicks(unlock.recovery_code, code.lower())
    qtbot.keyClicks(unlock.new_passphrase, NEW_PASSPHRASE)
    qtbot.keyClicks(unlock.confirm_passphrase, NEW_PASSPHRASE)
    with qtbot.waitSignal(unlock.unlocked, timeout=5000):
        qtbot.mouseClick(unlock.recover_button, Qt.MouseButton.LeftButton)

    (vault,) = opened
    assert vault.is_open
    vault.close()
    Vault.open(folder, NEW_PASSPHRASE).close()
    with pytest.raises(WrongPassphrase):
        Vault.open(folder, PASSPHRASE)


@pytest.mark.parametrize(
    ("code", "new", "again", "message", "field"),
    [
        ("", NEW_PASSPHRASE, NEW_PASSPHRASE, "Type the recovery code from your Recovery Kit.", "recovery_code"),
        ("CODE", "short", "short", PASSPHRASE_RULE, "new_passphrase"),
        (
            "CODE",
            NEW_PASSPHRASE,
            "plum kettle orbit",
            "The two new passphrases are not the same.",
            "confirm_passphrase",
        ),
        (
            "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG",
            NEW_PASSPHRASE,
            NEW_PASSPHRASE,
            "That recovery code",
            "recovery_code",
        ),
    ],
)
def test_the_recovery_form_explains_what_to_fix(
    qtbot: QtBot,
    unlock: UnlockWindow,
    opened: list[Vault],
    created: tuple[Path, str],
    code: str,
    new: str,
    again: str,
    message: str,
    field: str,
) -> None:
    if code == "CODE":
        code = created[1]
    unlock.show_recovery()
    qtbot.keyClicks(unlock.recovery_code, code)
    qtbot.keyClicks(unlock.new_passphrase, new)
    qtbot.keyClicks(unlock.confirm_passphrase, again)
    qtbot.keyClick(unlock.confirm_passphrase, Qt.Key.Key_Return)
    assert unlock.ops.wait_idle(5000)

    assert message in unlock.recovery_message.text()
    assert unlock.recovery_message.isVisible()
    assert getattr(unlock, field).hasFocus()
    assert opened == []


def test_back_from_recovery_clears_the_form(qtbot: QtBot, unlock: UnlockWindow) -> None:
    unlock.show_recovery()
    qtbot.keyClicks(unlock.new_passphrase, NEW_PASSPHRASE)
    qtbot.mouseClick(unlock.back_button, Qt.MouseButton.LeftButton)
    assert unlock.passphrase.isVisible()
    assert unlock.new_passphrase.text() == ""


# -- quick unlock through the OS keychain -----------------------------------------------------------


@pytest.fixture
def default_keyring(monkeypatch: pytest.MonkeyPatch) -> Callable[[KeyringBackend], None]:
    monkeypatch.setattr(_TestBackend, "present", True)
    monkeypatch.setattr(keyring.core, "_keyring_backend", keyring.core._keyring_backend)
    return keyring.set_keyring


def test_quick_unlock_opens_the_vault_from_the_keychain(
    qtbot: QtBot, created: tuple[Path, str], default_keyring: Callable[[KeyringBackend], None]
) -> None:
    backend = MemoryKeychain()
    default_keyring(backend)
    with Vault.open(created[0], PASSPHRASE) as vault:
        vault.enable_keychain()
    window = UnlockWindow(created[0])
    qtbot.addWidget(window)
    window.show()
    assert window.quick_button.isVisible()

    with qtbot.waitSignal(window.unlocked, timeout=5000) as unlocked:
        qtbot.mouseClick(window.quick_button, Qt.MouseButton.LeftButton)
    vault = unlocked.args[0]
    assert vault.is_open
    vault.close()


def test_quick_unlock_explains_when_the_keychain_lost_the_key(
    qtbot: QtBot, created: tuple[Path, str], default_keyring: Callable[[KeyringBackend], None]
) -> None:
    backend = MemoryKeychain()
    default_keyring(backend)
    with Vault.open(created[0], PASSPHRASE) as vault:
        vault.enable_keychain()
    backend.items.clear()  # e.g. the keychain was reset
    window = UnlockWindow(created[0])
    qtbot.addWidget(window)
    window.show()

    qtbot.mouseClick(window.quick_button, Qt.MouseButton.LeftButton)
    assert window.ops.wait_idle(5000)

    assert window.message.isVisible()
    assert window.message.text().startswith(
        "The keychain no longer holds this vault's key. Unlock with your passphrase"
    )
    assert window.passphrase.hasFocus()
