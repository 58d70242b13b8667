"""Starting the app: `therapy-desk [--vault DIR]` with no command, and the views it is built from."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.children import child_env, python_code
from tests.conftest import PASSPHRASE
from therapy_desk import cli, crash
from therapy_desk.domain.clients import Client
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import app
from therapy_desk.ui.backups import BackupsView
from therapy_desk.ui.billing_page import BillingView
from therapy_desk.ui.caseload import CaseloadView
from therapy_desk.ui.claims_page import ClaimsView
from therapy_desk.ui.first_run import WelcomeWindow
from therapy_desk.ui.schedule import ScheduleView
from therapy_desk.ui.settings import SettingsView
from therapy_desk.ui.today import TodayView
from therapy_desk.ui.unlock import UnlockWindow
from therapy_desk.ui.unsigned import UnsignedView


def _first_window_of(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, type | None, Path | None]:
    """Run `therapy-desk ARGV` in-process; the first window is noted and closed. (exit code, its type, its folder)"""
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # run_app installs its own; put it back afterwards
    seen: list[tuple[type, Path]] = []

    def close_first() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, UnlockWindow) and widget.isVisible():
                seen.append((UnlockWindow, widget.folder))
            elif isinstance(widget, WelcomeWindow) and widget.isVisible():
                seen.append((WelcomeWindow, widget.vault_folder))
            else:
                continue
            widget.close()
            widget.deleteLater()

    QTimer.singleShot(50, close_first)
    QTimer.singleShot(5000, QApplication.quit)  # a safety net: never hang the test run
    code = cli.main(argv, stdin=io.StringIO(""), stdout=io.StringIO())
    kind, folder = seen[0] if seen else (None, None)
    return code, kind, folder


def test_vault_option_with_no_command_opens_the_app_on_that_vault(
    qtbot: QtBot, created: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, _ = created
    assert _first_window_of(["--vault", str(folder)], monkeypatch) == (0, UnlockWindow, folder)


def test_vault_option_on_a_folder_without_a_vault_offers_to_create_one_there(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "usb" / "practice"
    assert _first_window_of(["--vault", str(folder)], monkeypatch) == (0, WelcomeWindow, folder)


def test_vault_option_on_a_file_is_one_sentence_and_no_window(
    qtbot: QtBot, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    afile = tmp_path / "afile.txt"
    afile.write_text("notes", "utf-8")
    code = cli.main(["--vault", str(afile)], stdin=io.StringIO(""), stdout=io.StringIO())
    err = capsys.readouterr().err
    assert code == cli.EXIT_USER_ERROR
    assert err.strip().splitlines() == [f"therapy-desk: {afile} is a file, not a folder. Choose an empty or new "
                                        "folder for the vault."]  # fmt: skip
    assert not [w for w in QApplication.topLevelWidgets() if w.isVisible()]


def test_help_says_the_app_opens_with_no_command_and_names_the_vault_option(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["--help"], stdout=io.StringIO()) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "usage: therapy-desk [-h] [--version] [--self-test] [--vault DIR] COMMAND" in text
    assert "With no command, opens the desktop app (on the vault in DIR with --vault)." in text
    assert "--vault DIR open the app on the vault in DIR" in text


def test_vault_before_a_command_is_that_commands_vault(
    capsys: pytest.CaptureFixture[str], created: tuple[Path, str]
) -> None:
    folder, _ = created
    with Vault.open(folder, PASSPHRASE) as vault:
        vault.clients.create(Client("Zoë", "Adeyemi", date(1990, 1, 2)))
    out = io.StringIO()
    argv = ["--vault", str(folder), "clients", "list", "--passphrase-stdin"]
    code = cli.main(argv, stdin=io.StringIO(PASSPHRASE + "\n"), stdout=out)
    assert code == 0
    assert "Adeyemi, Zoë" in out.getvalue()


def test_vault_given_before_and_after_a_command_is_refused(
    capsys: pytest.CaptureFixture[str], created: tuple[Path, str], tmp_path: Path
) -> None:
    folder, _ = created
    argv = ["--vault", str(tmp_path), "clients", "list", "--vault", str(folder), "--passphrase-stdin"]
    code = cli.main(argv, stdin=io.StringIO(PASSPHRASE + "\n"), stdout=io.StringIO())
    assert code == cli.EXIT_USER_ERROR
    assert capsys.readouterr().err.strip() == (
        "therapy-desk: --vault was given twice, before and after the command. Give it once."
    )


# -- the views -------------------------------------------------------------------------------------


def test_the_views_are_the_real_ones_in_navigation_order() -> None:
    assert [(title, view) for title, view in app.VIEWS] == [
        ("Today", TodayView),
        ("Schedule", ScheduleView),
        ("Unsigned notes", UnsignedView),
        ("Caseload", CaseloadView),
        ("Billing", BillingView),
        ("Claims", ClaimsView),
        ("Backups", BackupsView),
        ("Settings", SettingsView),
    ]
    assert [title for title, _factory in app.default_pages()] == [
        "Today", "Schedule", "Unsigned notes", "Caseload", "Billing", "Claims", "Backups", "Settings",
    ]  # fmt: skip


# A bundled build that lost a view module: importing it fails.
BROKEN_VIEW = """
import sys
sys.modules["therapy_desk.ui.caseload"] = None  # `import` of it now raises ImportError
from therapy_desk.cli import main
sys.exit(main([]))
"""


@pytest.mark.slow
def test_a_view_that_cannot_be_imported_stops_the_app_at_start() -> None:
    child = subprocess.run(
        python_code(BROKEN_VIEW), capture_output=True, text=True, timeout=60, env=child_env(), check=False
    )
    assert child.returncode == crash.EXIT_SOFTWARE, child.stderr
    assert "an internal error stopped" in child.stderr
    assert "Traceback" not in child.stderr


def test_every_window_carries_the_apps_icon(qtbot: QtBot) -> None:
    from therapy_desk.ui.app import make_application

    app = make_application(["therapy-desk"])
    sizes = app.windowIcon().availableSizes()
    assert sizes
    assert max(s.width() for s in sizes) == 256
