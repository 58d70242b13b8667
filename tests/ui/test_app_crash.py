"""The app's last resort: a bug that escapes before (or out of) the event loop ends like the command line's."""

from __future__ import annotations

import re
import stat
import sys
from pathlib import Path

import pytest
from PySide6 import __version__ as pyside_version
from pytestqt.qtbot import QtBot

from therapy_desk import crash
from therapy_desk.ui import app
from therapy_desk.ui.dialogs import CrashDialog

PHI = "Søren Østergaard, born 1979-07-01"


def _failing_start(self: app.AppController) -> None:
    raise RuntimeError(f"could not show the chart of {PHI}")


def test_a_bug_before_the_event_loop_leaves_a_report_one_sentence_and_exit_70(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # run_app installs its own; put it back afterwards
    monkeypatch.setattr(app.AppController, "start", _failing_start)

    code = app.run_app(["therapy-desk"])

    err = capsys.readouterr().err
    assert code == crash.EXIT_SOFTWARE
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("therapy-desk: an internal error stopped Therapy Desk (a bug, not something you did).")
    match = re.search(r"in the report: (\S+)$", lines[0])
    assert match
    report = Path(match[1])
    assert report.parent == crash.reports_dir()
    assert stat.S_IMODE(report.stat().st_mode) == 0o600
    text = report.read_text("utf-8")
    assert "builtins.RuntimeError" in text
    assert "in _failing_start" in text
    assert 'File "therapy_desk/ui/app.py"' in text
    assert f"PySide6 {pyside_version}" in text
    assert PHI not in text + err


def test_the_crash_dialog_shows_the_shared_phi_free_report(qtbot: QtBot) -> None:
    try:
        _failing_start(app.AppController.__new__(app.AppController))
    except RuntimeError as bug:
        dialog = CrashDialog(bug)
        expected = crash.crash_details(bug)
    qtbot.addWidget(dialog)

    assert dialog.details == expected
    assert f"PySide6 {pyside_version}" in dialog.details
    assert "builtins.RuntimeError" in dialog.details_view.toPlainText()
    assert PHI not in dialog.details_view.toPlainText()
