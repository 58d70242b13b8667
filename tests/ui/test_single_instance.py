"""A second start on a vault already open: said before the passphrase is asked for, with a way to the first app.

Two AppControllers in this process stand for two starts of the app; one test runs the first app in a child
process, as a user's second start would meet it.
"""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QDir, Qt
from PySide6.QtNetwork import QLocalSocket
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from tests.children import child_env, python_code
from tests.conftest import PASSPHRASE
from tests.ui.test_main_window import _pages
from therapy_desk.storage.vault import Vault
from therapy_desk.ui.app import AppController
from therapy_desk.ui.main_window import MainWindow
from therapy_desk.ui.single_instance import InstanceServer, ShowRequest, server_name
from therapy_desk.ui.unlock import IN_USE_TEXT, NO_ANSWER_TEXT, SWITCH_TEXT, UnlockWindow

CHILD_TIMEOUT = 60.0


class Started:
    """One start of the app: its controller, and whether it asked the app to quit."""

    def __init__(self, folder: Path | None = None) -> None:
        self.quits: list[str] = []
        self.controller = AppController(
            folder=folder, pages=_pages, chart_factory=lambda: None, quit_app=lambda: self.quits.append("quit")
        )

    @property
    def window(self) -> QWidget | None:
        return self.controller.window

    def close(self) -> None:
        window = self.controller.window
        if isinstance(window, MainWindow) and not window.is_locked:
            window.lock()
        window = self.controller.window
        if window is not None and shiboken6.isValid(window):
            window.close()
        if self.controller.instances is not None:
            self.controller.instances.close()


@pytest.fixture
def starts() -> Iterator[list[Started]]:
    made: list[Started] = []
    yield made
    for start in made:
        start.close()


def _start(starts: list[Started], folder: Path | None = None) -> Started:
    start = Started(folder)
    starts.append(start)
    return start


def _unlock_window(start: Started) -> UnlockWindow:
    window = start.controller.start()
    assert isinstance(window, UnlockWindow)
    return window


def test_a_second_start_says_the_vault_is_open_before_asking_for_the_passphrase(
    qtbot: QtBot, created: tuple[Path, str], starts: list[Started]
) -> None:
    folder, _ = created
    first = _start(starts, folder)
    first.controller.open_main(Vault.open(folder, PASSPHRASE))

    second = _unlock_window(_start(starts, folder))

    assert second.in_use
    assert second.in_use_message.isVisible()
    assert second.in_use_message.text() == SWITCH_TEXT
    assert not second.passphrase.isEnabled()
    assert not second.unlock_button.isEnabled()
    assert not second.forgot_button.isEnabled()
    assert second.switch_button.isVisible()
    assert "&S" in second.switch_button.text()


def test_switching_brings_the_first_app_forward_and_closes_the_second(
    qtbot: QtBot, created: tuple[Path, str], starts: list[Started]
) -> None:
    folder, _ = created
    first = _start(starts, folder)
    main = first.controller.open_main(Vault.open(folder, PASSPHRASE))
    main.setWindowState(Qt.WindowState.WindowMinimized)
    second = _start(starts, folder)
    window = _unlock_window(second)

    qtbot.mouseClick(window.switch_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: second.quits == ["quit"], timeout=5000)

    assert not main.isMinimized()
    assert main.isVisible()
    assert second.window is None
    assert first.quits == []
    assert main.vault.is_open  # the first app carries on as it was


def test_the_unlock_window_of_the_first_app_is_brought_forward_too(
    qtbot: QtBot, created: tuple[Path, str], starts: list[Started]
) -> None:
    folder, _ = created
    first = _start(starts, folder)
    first_window = _unlock_window(first)
    first_window.setWindowState(Qt.WindowState.WindowMinimized)
    shown: list[bool] = []
    request = ShowRequest(folder)
    request.finished.connect(shown.append)
    request.start()
    qtbot.waitUntil(lambda: shown == [True], timeout=5000)
    assert not first_window.isMinimized()


def test_a_vault_held_by_a_command_says_so_and_offers_no_switch(
    qtbot: QtBot, vault: Vault, starts: list[Started]
) -> None:
    window = _unlock_window(_start(starts, vault.folder))  # `vault` is held, as by a command, without an app
    assert window.in_use
    assert window.in_use_message.text() == IN_USE_TEXT
    assert not window.switch_button.isVisible()
    assert not window.passphrase.isEnabled()


def test_when_no_app_answers_the_window_says_what_else_may_hold_the_vault(
    qtbot: QtBot, vault: Vault, starts: list[Started]
) -> None:
    start = _start(starts, vault.folder)
    start.controller.instances = None  # as if the other app's answer never came
    window = _unlock_window(start)
    assert window.switch_button.isVisible()
    qtbot.mouseClick(window.switch_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.in_use_message.text() == NO_ANSWER_TEXT, timeout=5000)
    assert not window.switch_button.isVisible()
    assert start.quits == []


def test_check_again_lets_the_passphrase_in_once_the_other_app_has_closed(
    qtbot: QtBot, created: tuple[Path, str], starts: list[Started]
) -> None:
    folder, _ = created
    holder = Vault.open(folder, PASSPHRASE)
    window = _unlock_window(_start(starts, folder))
    assert window.in_use
    holder.close()

    qtbot.mouseClick(window.check_again_button, Qt.MouseButton.LeftButton)

    assert not window.in_use
    assert not window.in_use_box.isVisible()
    assert window.passphrase.isEnabled()
    assert window.unlock_button.isEnabled()


def test_a_vault_taken_between_the_check_and_the_passphrase_is_said_the_same_way(
    qtbot: QtBot, created: tuple[Path, str], starts: list[Started]
) -> None:
    folder, _ = created
    window = _unlock_window(_start(starts, folder))
    assert not window.in_use
    holder = Vault.open(folder, PASSPHRASE)
    try:
        qtbot.keyClicks(window.passphrase, PASSPHRASE)
        qtbot.keyClick(window.passphrase, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: window.in_use, timeout=10_000)
        assert window.in_use_message.isVisible()
        assert not window.message.isVisible()
    finally:
        holder.close()


# -- the handshake itself --------------------------------------------------------------------------


def test_the_socket_name_tells_nothing_about_the_vault(tmp_path: Path) -> None:
    folder = tmp_path / "Dr Jane Roe practice"
    name = server_name(folder)
    assert name == server_name(folder / ".." / folder.name)  # one vault, one name
    assert name != server_name(tmp_path / "another")
    assert name.startswith("therapy-desk-")
    assert "Jane" not in name
    assert "practice" not in name
    assert len(name) == len("therapy-desk-") + 32


def test_anything_but_the_one_word_is_dropped(qtbot: QtBot, tmp_path: Path) -> None:
    server = InstanceServer()
    asked: list[bool] = []
    server.show_requested.connect(lambda: asked.append(True))
    assert server.listen(tmp_path)
    for message in (b"hello\n", b"show me the chart of Jane Roe\n", b"x" * 500):
        peer = QLocalSocket()
        peer.connectToServer(server_name(tmp_path))
        assert peer.waitForConnected(1000)
        peer.write(message)
        peer.flush()
        qtbot.waitUntil(lambda: peer.state() == QLocalSocket.LocalSocketState.UnconnectedState, timeout=5000)  # noqa: B023
    assert asked == []
    server.close()


def test_a_socket_left_by_a_crashed_app_is_taken_over(qtbot: QtBot, tmp_path: Path) -> None:
    leftover = Path(QDir.tempPath()) / server_name(tmp_path)
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(str(leftover))  # bound, never listening: what a killed app leaves behind
    dead.close()
    try:
        server = InstanceServer()
        assert server.listen(tmp_path)
        asked: list[bool] = []
        server.show_requested.connect(lambda: asked.append(True))
        shown: list[bool] = []
        request = ShowRequest(tmp_path)
        request.finished.connect(shown.append)
        request.start()
        qtbot.waitUntil(lambda: shown == [True], timeout=5000)
        assert asked == [True]
        server.close()
    finally:
        leftover.unlink(missing_ok=True)


# A first app in its own process: opens the vault and answers until asked to show itself.
FIRST_APP = """
import sys
from pathlib import Path
from PySide6.QtCore import QTimer
from tests.conftest import PASSPHRASE
from therapy_desk.storage.vault import Vault
from therapy_desk.ui.app import AppController, make_application
from tests.ui.test_main_window import _pages

app = make_application(["first"])
controller = AppController(pages=_pages, chart_factory=lambda: None, quit_app=app.quit)
main = controller.open_main(Vault.open(Path(sys.argv[1]), PASSPHRASE))
def shown():
    print("shown", flush=True)
    QTimer.singleShot(200, main.close)
controller.instances.show_requested.connect(shown)
print("ready", flush=True)
QTimer.singleShot(45_000, app.quit)
sys.exit(app.exec())
"""


def test_a_second_start_brings_forward_an_app_in_another_process(
    qtbot: QtBot, created: tuple[Path, str], starts: list[Started]
) -> None:
    folder, _ = created
    first = subprocess.Popen(
        [*python_code(FIRST_APP), str(folder)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(),
        cwd=str(Path(__file__).resolve().parents[2]),
    )
    try:
        assert first.stdout is not None
        assert first.stdout.readline().strip() == "ready"
        second = _start(starts, folder)
        window = _unlock_window(second)
        assert window.in_use_message.text() == SWITCH_TEXT
        qtbot.mouseClick(window.switch_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: second.quits == ["quit"], timeout=10_000)
        out, _err = first.communicate(timeout=CHILD_TIMEOUT)
        assert out.strip() == "shown"
        assert first.returncode == 0
    finally:
        if first.poll() is None:
            first.kill()
            first.communicate(timeout=CHILD_TIMEOUT)
