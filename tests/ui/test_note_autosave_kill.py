"""Autosave survives a kill: a child process types into a note, waits past the autosave delay, and is
SIGKILLed; the vault reopened shows the typed words (a kill loses at most the last few seconds)."""

from __future__ import annotations

import signal
import subprocess
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

from tests.children import child_env, python_code
from tests.conftest import PASSPHRASE
from therapy_desk.domain.clients import Client
from therapy_desk.domain.scheduling import Appointment
from therapy_desk.storage.vault import Vault

pytestmark = pytest.mark.slow

TYPED = "Client describes the week; slept better after the breathing practice."
CHILD_TIMEOUT = 60.0

# Opens the vault at argv[1] (passphrase on stdin), opens the note of appointment argv[2] offscreen, types,
# waits past the autosave delay, says "ready" and then waits to be killed.
CHILD = f"""
import os, sys, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from pathlib import Path
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from therapy_desk.storage.vault import Vault
from therapy_desk.ui.note_editor import AUTOSAVE_MS, open_note_for_appointment

app = QApplication([])
vault = Vault.open(Path(sys.argv[1]), sys.stdin.readline().rstrip("\\n"))
editor = open_note_for_appointment(vault, int(sys.argv[2]))
field = editor.sections.editors["Subjective"]
field.setFocus()
QTest.keyClicks(field, {TYPED!r})
QTest.qWait(AUTOSAVE_MS + 700)
print("ready", flush=True)
while True:
    QTest.qWait(1000)
"""


def test_a_draft_typed_before_a_sigkill_is_in_the_vault_afterwards(created: tuple[Path, str]) -> None:
    folder = created[0]
    with Vault.open(folder, PASSPHRASE) as vault:
        client = vault.clients.create(Client(legal_first="Ana", legal_last="Reyes", dob=date(1988, 4, 2)))
        start = datetime.combine(date.today() - timedelta(days=1), time(14, 0))
        appointment = vault.schedule.book(
            Appointment(start=start, duration_minutes=53, service_code="90837", client_id=client.id)
        )
        appointment_id = appointment.id
    proc = subprocess.Popen(
        [*python_code(CHILD), str(folder), str(appointment_id)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(),
    )
    try:
        assert proc.stdin is not None
        assert proc.stdout is not None
        proc.stdin.write(PASSPHRASE + "\n")
        proc.stdin.close()
        line = proc.stdout.readline()
        assert line.strip() == "ready", proc.stderr.read() if proc.stderr else ""
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=CHILD_TIMEOUT) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    with Vault.open(folder, PASSPHRASE) as reopened:
        assert appointment_id is not None
        [note] = reopened.notes.for_appointment(appointment_id)
        assert note.text("Subjective") == TYPED
        assert not note.is_signed
