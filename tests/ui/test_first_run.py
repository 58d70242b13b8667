from __future__ import annotations

import io
import stat
from collections.abc import Iterator
from pathlib import Path

import pypdf
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QFileDialog, QLabel, QMessageBox
from pytestqt.qtbot import QtBot

from tests.conftest import PASSPHRASE as GOOD_PASSPHRASE
from therapy_desk import paths
from therapy_desk.demo.builder import is_demo
from therapy_desk.domain.passphrase import PASSPHRASE_RULE
from therapy_desk.domain.validation import check_npi, check_zip
from therapy_desk.errors import ValidationError
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import theme
from therapy_desk.ui.first_run import (
    DEMO_PASSPHRASE,
    PASSPHRASE,
    PROFILE,
    RECOVERY,
    WelcomeWindow,
    build_demo_vault,
    demo_vault_dir,
)
from therapy_desk.ui.widgets.passphrase import MISMATCH
from therapy_desk.ui.widgets.profile_form import NPI_OK

DEMO_CLIENTS, DEMO_YEARS = 12, 1


def _sentence(check: object, value: str) -> str:
    with pytest.raises(ValidationError) as caught:
        check(value)  # type: ignore[operator]
    return str(caught.value)


@pytest.fixture
def window(qtbot: QtBot) -> Iterator[WelcomeWindow]:
    win = WelcomeWindow(demo_clients=DEMO_CLIENTS, demo_years=DEMO_YEARS)
    qtbot.addWidget(win)
    win.show()
    yield win
    win.ops.wait_idle()
    win.close()


def _open_passphrase_page(qtbot: QtBot, window: WelcomeWindow) -> None:
    qtbot.mouseClick(window.create_button, Qt.MouseButton.LeftButton)
    assert window.stack.currentIndex() == PASSPHRASE
    assert window.passphrase.first.isVisible()


def _create(qtbot: QtBot, window: WelcomeWindow, passphrase: str = GOOD_PASSPHRASE) -> str:
    _open_passphrase_page(qtbot, window)
    qtbot.keyClicks(window.passphrase.first, passphrase)
    qtbot.keyClicks(window.passphrase.second, passphrase)
    qtbot.mouseClick(window.make_vault_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.stack.currentIndex() == RECOVERY, timeout=10_000)
    return window.recovery.code_label.text()


def test_a_short_passphrase_shows_the_rule_and_create_stays_disabled(qtbot: QtBot, window: WelcomeWindow) -> None:
    _open_passphrase_page(qtbot, window)
    assert PASSPHRASE_RULE in window.passphrase.message.text()
    assert not window.make_vault_button.isEnabled()

    qtbot.keyClicks(window.passphrase.first, "too short")
    qtbot.keyClicks(window.passphrase.second, "too short")

    assert window.passphrase.message.isVisible()
    assert PASSPHRASE_RULE in window.passphrase.message.text()
    assert "weak" in window.passphrase.strength_label.text()
    assert not window.make_vault_button.isEnabled()


def test_two_different_passphrases_are_caught_before_create(qtbot: QtBot, window: WelcomeWindow) -> None:
    _open_passphrase_page(qtbot, window)
    qtbot.keyClicks(window.passphrase.first, GOOD_PASSPHRASE)
    qtbot.keyClicks(window.passphrase.second, GOOD_PASSPHRASE + "!")

    assert window.passphrase.message.text() == MISMATCH
    assert not window.make_vault_button.isEnabled()


def test_create_vault_flow_end_to_end(
    qtbot: QtBot, window: WelcomeWindow, cheap_calibration: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = _create(qtbot, window)

    # The recovery code: shown large, and Next waits for "I have stored it".
    assert len(code) == 34
    assert not window.recovery_next.isEnabled()

    chosen = tmp_path / "printouts" / "my kit"  # the user left off ".pdf"
    chosen.parent.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(chosen), "PDF documents (*.pdf)"))
    qtbot.mouseClick(window.recovery.save_button, Qt.MouseButton.LeftButton)
    kit = chosen.with_name("my kit.pdf")
    qtbot.waitUntil(lambda: window.recovery.saved_label.isVisible(), timeout=10_000)
    assert str(kit) in window.recovery.saved_label.text()
    assert stat.S_IMODE(kit.stat().st_mode) == 0o600
    assert code in pypdf.PdfReader(io.BytesIO(kit.read_bytes())).pages[0].extract_text()
    assert [p.name for p in chosen.parent.iterdir()] == ["my kit.pdf"]  # no temp file left behind

    window.recovery.stored.click()
    assert window.recovery_next.isEnabled()
    qtbot.mouseClick(window.recovery_next, Qt.MouseButton.LeftButton)
    assert window.stack.currentIndex() == PROFILE
    assert window.recovery.code_label.text() == ""  # shown once: gone from the window

    form = window.profile_form
    qtbot.keyClicks(form.editors["name"], "Amara Quist")
    qtbot.keyClicks(form.editors["npi"], "1234567890")
    assert form.errors["npi"].isVisible()
    assert form.errors["npi"].text() == _sentence(check_npi, "1234567890")
    form.editors["npi"].clear()
    qtbot.keyClicks(form.editors["npi"], "1234567893")
    assert not form.errors["npi"].isVisible()
    assert form.npi_status.text() == NPI_OK

    qtbot.keyClicks(form.editors["credentials"], "LCSW")
    qtbot.keyClicks(form.editors["license_number"], "LCSW-0042")
    qtbot.keyClicks(form.editors["license_state"], "ny")
    qtbot.keyClicks(form.editors["tax_id"], "123456789")
    assert form.editors["tax_id"].displayText() != "123456789"  # masked
    qtbot.keyClicks(form.editors["street"], "12 Elm Street")
    qtbot.keyClicks(form.editors["city"], "Albany")
    qtbot.keyClicks(form.editors["state"], "NY")
    qtbot.keyClicks(form.editors["zip"], "1220")
    qtbot.keyClicks(form.editors["phone"], "518 555 0134")

    with qtbot.assertNotEmitted(window.vault_ready):
        qtbot.mouseClick(window.finish_button, Qt.MouseButton.LeftButton)
    assert form.errors["zip"].isVisible()
    assert form.errors["zip"].text() == _sentence(check_zip, "1220")

    qtbot.keyClicks(form.editors["zip"], "7-1234")
    with qtbot.waitSignal(window.vault_ready) as ready:
        qtbot.mouseClick(window.finish_button, Qt.MouseButton.LeftButton)

    vault = ready.args[0]
    assert isinstance(vault, Vault)
    assert not window.is_demo
    try:
        assert vault.folder == paths.default_vault_dir()
        profile = vault.practice.profile()
        assert (profile.name, profile.credentials, profile.npi) == ("Amara Quist", "LCSW", "1234567893")
        assert (profile.license_number, profile.license_state, profile.tax_id) == ("LCSW-0042", "NY", "12-3456789")
        assert (profile.street, profile.city, profile.state) == ("12 Elm Street", "Albany", "NY")
        assert (profile.zip, profile.phone) == ("12207-1234", "(518) 555-0134")
        assert not is_demo(vault)
    finally:
        vault.close()
    # The code shown was the vault's real recovery code.
    Vault.recover(paths.default_vault_dir(), code.lower(), "a brand new passphrase").close()


def test_a_folder_that_already_holds_files_is_refused_on_the_page(
    qtbot: QtBot, cheap_calibration: None, tmp_path: Path
) -> None:
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "notes.txt").write_text("mine")
    window = WelcomeWindow(vault_dir=taken)
    qtbot.addWidget(window)
    window.show()
    _open_passphrase_page(qtbot, window)
    qtbot.keyClicks(window.passphrase.first, GOOD_PASSPHRASE)
    qtbot.keyClicks(window.passphrase.second, GOOD_PASSPHRASE)
    qtbot.mouseClick(window.make_vault_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: window.create_error.isVisible(), timeout=10_000)
    assert "already holds files" in window.create_error.text()
    assert window.stack.currentIndex() == PASSPHRASE
    assert window.make_vault_button.isEnabled()


def test_closing_half_way_locks_the_new_vault(qtbot: QtBot, window: WelcomeWindow, cheap_calibration: None) -> None:
    _create(qtbot, window)
    window.recovery.stored.click()
    qtbot.mouseClick(window.recovery_next, Qt.MouseButton.LeftButton)

    window.close()

    Vault.open(paths.default_vault_dir(), GOOD_PASSPHRASE).close()  # not held by the closed window


def test_the_demo_path_builds_an_invented_practice_in_its_own_folder(
    qtbot: QtBot, window: WelcomeWindow, cheap_calibration: None
) -> None:
    shown = [label.text() for label in window.findChildren(QLabel) if label.isVisible()]
    assert any(DEMO_PASSPHRASE in text for text in shown)  # public: it is invented data only

    with qtbot.waitSignal(window.vault_ready, timeout=60_000) as ready:
        qtbot.mouseClick(window.demo_button, Qt.MouseButton.LeftButton)

    vault = ready.args[0]
    try:
        assert window.is_demo
        assert is_demo(vault)
        assert vault.folder == demo_vault_dir()
        assert vault.clients.count() == DEMO_CLIENTS
        assert not paths.default_vault_dir().exists()  # the real vault's place is untouched
    finally:
        vault.close()
    Vault.open(demo_vault_dir(), DEMO_PASSPHRASE).close()


@pytest.mark.parametrize(
    ("answer", "same_vault"),
    [(QMessageBox.StandardButton.No, True), (QMessageBox.StandardButton.Yes, False)],
    ids=["open-the-old-demo", "build-a-fresh-demo"],
)
def test_an_old_demo_is_opened_or_rebuilt_as_the_user_chooses(
    qtbot: QtBot,
    window: WelcomeWindow,
    cheap_calibration: None,
    monkeypatch: pytest.MonkeyPatch,
    answer: QMessageBox.StandardButton,
    same_vault: bool,
) -> None:
    old = build_demo_vault(demo_vault_dir(), clients=DEMO_CLIENTS, years=DEMO_YEARS)
    old_id = old.vault_id
    old.close()
    asked: list[str] = []

    def exec_(box: QMessageBox) -> int:
        asked.append(box.text())
        return int(answer.value)

    monkeypatch.setattr(QMessageBox, "exec", exec_)
    with qtbot.waitSignal(window.vault_ready, timeout=60_000) as ready:
        qtbot.mouseClick(window.demo_button, Qt.MouseButton.LeftButton)

    vault = ready.args[0]
    try:
        assert asked == ["A demo practice from before is still here."]
        assert (vault.vault_id == old_id) is same_vault
        assert window.is_demo
        assert vault.clients.count() == DEMO_CLIENTS
    finally:
        vault.close()


# -- the passphrase's problems read as errors ------------------------------------------------------


def _text_colour(label: QLabel) -> QColor:
    label.ensurePolished()
    return label.palette().color(label.foregroundRole())


def test_a_passphrase_too_short_reads_as_an_error_in_a_legible_red(qtbot: QtBot, window: WelcomeWindow) -> None:
    _open_passphrase_page(qtbot, window)
    message = window.passphrase.message
    guidance = _text_colour(message)  # the rule, before anything is typed: calm grey
    background = window.palette().color(QPalette.ColorRole.Window)

    qtbot.keyClicks(window.passphrase.first, "too short")

    assert message.isVisible()
    shown = _text_colour(message)
    assert shown == theme.color(theme.ERROR, window.palette())
    assert shown != guidance
    assert theme.contrast(shown, background) >= 4.5
    assert theme.contrast(guidance, background) >= 4.5

    window.passphrase.first.clear()
    qtbot.keyClicks(window.passphrase.first, GOOD_PASSPHRASE)
    qtbot.keyClicks(window.passphrase.second, "different")
    assert message.text() == MISMATCH
    assert _text_colour(message) == shown  # a mismatch is an error too

    window.passphrase.second.clear()
    qtbot.keyClicks(window.passphrase.second, GOOD_PASSPHRASE)
    window.passphrase.second.clear()  # "Now type it again": guidance, not an error
    assert _text_colour(message) == guidance


@pytest.mark.parametrize("window_colour", ["#ffffff", "#efefef", "#e0e0e0", "#000000", "#1e1e1e", "#353535", "#3c3c3c"])
def test_the_error_red_keeps_its_contrast_on_light_and_dark_windows(window_colour: str) -> None:
    palette = QPalette()
    palette.setColor(QPalette.ColorRole.Window, QColor(window_colour))
    assert theme.contrast(theme.color(theme.ERROR, palette), QColor(window_colour)) >= 4.5
