"""A bug ends in one sentence and a crash report that holds no PHI, for the command line as for the app.

The exceptions here carry a client's name and birth date in their messages, as a real bug's might
(a `ValueError` quoting the value it choked on); the report must name the place in the program, never them.
"""

from __future__ import annotations

import io
import os
import re
import stat
from pathlib import Path

import pytest

from tests.conftest import PASSPHRASE
from therapy_desk import cli, crash
from therapy_desk.storage.vault import Vault

pytestmark = pytest.mark.reliability  # a bug ends in a sentence and a PHI-free report

PHI = "Zoë Adeyemi 1990-03-04"


def _chained_bug() -> Exception:
    chart: dict[str, str] = {}
    try:
        try:
            chart["client"]
        except KeyError as err:
            raise ValueError(f"could not file the note for {PHI}") from err
    except ValueError as bug:
        return bug
    raise AssertionError("unreachable")


def _report_path(err: str) -> Path:
    match = re.search(r"in the report: (\S+)$", err.strip())
    assert match, err
    return Path(match[1])


def test_crash_details_name_the_types_and_places_but_no_message() -> None:
    details = crash.crash_details(_chained_bug())

    assert "builtins.KeyError" in details
    assert "builtins.ValueError" in details
    assert "in _chained_bug" in details
    assert 'File "test_crash.py"' in details  # the file, without the folders that lead to it
    assert PHI not in details
    assert "client" not in details  # the KeyError's key is a value too
    assert str(Path.home()) not in details
    assert details.startswith("Therapy Desk ")


def test_a_runaway_recursion_is_reported_in_a_bounded_size() -> None:
    def down(n: int) -> int:
        return down(n + 1)

    try:
        down(0)
    except RecursionError as err:
        details = crash.crash_details(err)

    assert "frames left out" in details
    assert len(details.splitlines()) < 100


def test_a_report_is_private_and_named_by_the_time_only(app_home: Path) -> None:
    path = crash.write_crash_report(_chained_bug(), where="command line")

    assert path.parent == crash.reports_dir()
    assert app_home in path.parents
    assert re.fullmatch(r"crash-\d{8}T\d{6}Z-[0-9a-f]{8}\.txt", path.name)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    text = path.read_text("utf-8")
    assert "builtins.ValueError" in text
    assert PHI not in text


def test_only_the_newest_reports_are_kept_and_nothing_else_is_touched(app_home: Path) -> None:
    folder = crash.reports_dir()
    folder.mkdir(parents=True)
    for day in range(1, 26):
        (folder / f"crash-202401{day:02d}T000000Z-0000000{day % 10}.txt").write_text("old")
    (folder / "my-notes.txt").write_text("not a report")

    newest = crash.write_crash_report(_chained_bug(), where="command line")

    reports = sorted(p.name for p in folder.iterdir() if p.name.startswith("crash-"))
    assert len(reports) == crash.REPORTS_KEPT
    assert newest.name in reports
    assert "crash-20240101T000000Z-00000001.txt" not in reports
    assert (folder / "my-notes.txt").read_text() == "not a report"


# -- the command line's last resort ---------------------------------------------------------------------


def _bug_in_check(*args: object) -> int:
    return _deeper_bug()


def _deeper_bug() -> int:
    raise _chained_bug()


def test_a_bug_in_a_command_is_one_sentence_a_private_report_and_exit_70(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, created: tuple[Path, str]
) -> None:
    monkeypatch.setattr(cli, "_cmd_vault_check", _bug_in_check)
    out = io.StringIO()

    code = cli.main(
        ["vault", "check", "--vault", str(created[0]), "--passphrase-stdin"],
        stdin=io.StringIO(PASSPHRASE + "\n"),
        stdout=out,
    )

    captured = capsys.readouterr()
    assert code == crash.EXIT_SOFTWARE == 70
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("therapy-desk: an internal error stopped this command (a bug, not something you did).")
    assert "Traceback" not in captured.err
    assert PHI not in captured.err + captured.out + out.getvalue()
    report = _report_path(captured.err)
    assert stat.S_IMODE(report.stat().st_mode) == 0o600
    text = report.read_text("utf-8")
    assert "builtins.ValueError" in text
    assert "builtins.KeyError" in text
    assert "in _bug_in_check" in text
    assert "in _deeper_bug" in text
    assert 'File "therapy_desk/cli.py"' in text
    assert PHI not in text
    assert PASSPHRASE not in text


def test_a_bug_inside_the_storage_layer_is_reported_the_same_way(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, created: tuple[Path, str]
) -> None:
    def broken_check(self: Vault, progress: object = None) -> object:
        raise TypeError(f"unexpected row for {PHI}")

    monkeypatch.setattr(Vault, "check", broken_check)

    code = cli.main(
        ["vault", "check", "--vault", str(created[0]), "--passphrase-stdin"],
        stdin=io.StringIO(PASSPHRASE + "\n"),
        stdout=io.StringIO(),
    )

    err = capsys.readouterr().err
    assert code == 70
    text = _report_path(err).read_text("utf-8")
    assert "builtins.TypeError" in text
    assert "in broken_check" in text
    assert PHI not in text + err
    Vault.open(created[0], PASSPHRASE).close()  # the vault was closed on the way out: not left locked


def test_a_report_that_cannot_be_saved_still_ends_in_one_sentence(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, app_home: Path, created: tuple[Path, str]
) -> None:
    app_home.mkdir(exist_ok=True)
    (app_home / "state").write_text("a file where the state folder should be")
    monkeypatch.setattr(cli, "_cmd_vault_check", _bug_in_check)

    code = cli.main(
        ["vault", "check", "--vault", str(created[0]), "--passphrase-stdin"],
        stdin=io.StringIO(PASSPHRASE + "\n"),
        stdout=io.StringIO(),
    )

    err = capsys.readouterr().err
    assert code == 70
    assert err.strip().splitlines() == [
        "therapy-desk: an internal error stopped this command (a bug, not something you did). "
        "Its report could not be saved."
    ]


def test_an_os_error_that_is_not_the_users_to_fix_is_a_bug_not_a_sentence(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, created: tuple[Path, str]
) -> None:
    def bad_descriptor(*args: object) -> int:
        os.close(-1)
        return 0

    monkeypatch.setattr(cli, "_cmd_vault_check", bad_descriptor)

    code = cli.main(
        ["vault", "check", "--vault", str(created[0]), "--passphrase-stdin"],
        stdin=io.StringIO(PASSPHRASE + "\n"),
        stdout=io.StringIO(),
    )

    assert code == 70
    assert "builtins.OSError" in _report_path(capsys.readouterr().err).read_text("utf-8")


def test_ctrl_c_is_a_cancel_not_a_crash(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, created: tuple[Path, str]
) -> None:
    def interrupted(*args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_cmd_vault_check", interrupted)

    code = cli.main(
        ["vault", "check", "--vault", str(created[0]), "--passphrase-stdin"],
        stdin=io.StringIO(PASSPHRASE + "\n"),
        stdout=io.StringIO(),
    )

    assert code == 130
    assert capsys.readouterr().err.strip() == "therapy-desk: cancelled; nothing was changed."
    assert not crash.reports_dir().exists()
