"""`therapy-desk --self-test`: the whole cycle in a temporary folder, each step said with its time, exit 0 only
when every step passed; a failing step names itself and the exit is 1; nothing is left behind."""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.children import child_env, cli_command
from tests.test_cli import therapy_desk
from therapy_desk import cli, self_test

STEP_LINE = re.compile(r"  (.+) … ok \((\d+\.\d\d) s\)")


def _leftovers() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("therapy-desk-self-test-*")}


def test_every_step_passes_and_says_its_time(capsys: pytest.CaptureFixture[str]) -> None:
    before = _leftovers()
    run = therapy_desk(capsys, "--self-test")
    assert run.code == cli.EXIT_OK, run.out
    steps = [m.group(1) for m in STEP_LINE.finditer(run.out)]
    assert steps == [name for name, _ in self_test.STEPS]
    assert re.search(r"Self-test passed in \d+\.\d s\.", run.out)
    assert _leftovers() == before  # the temporary folder is gone


def test_a_failing_step_is_named_and_the_exit_is_1(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(self_test, "NPI", "1234567890")  # a practice profile the store refuses: check digit
    run = therapy_desk(capsys, "--self-test")
    assert run.code == 1
    assert "  add a client … failed" in run.out
    assert "FAILED: 1234567890 is not a valid NPI" in run.out
    assert "Self-test passed" not in run.out
    assert "Traceback" not in run.out + run.err


def test_the_self_test_takes_no_command_or_vault(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    run = therapy_desk(capsys, "--self-test", "--vault", str(tmp_path))
    assert run.code == cli.EXIT_USER_ERROR
    assert "--self-test runs on its own" in run.err


@pytest.mark.slow
def test_an_installed_copy_runs_it_with_no_display(tmp_path: Path) -> None:
    env = child_env()
    env.pop("QT_QPA_PLATFORM", None)  # as on a desktop: the self-test itself keeps the window off the screen
    env.pop("DISPLAY", None)
    done = subprocess.run(cli_command("--self-test"), env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "open the app offscreen on the caseload … ok" in done.stdout
    assert done.stderr == ""
