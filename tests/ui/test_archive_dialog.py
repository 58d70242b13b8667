"""Export archive…: from the chart for one client (or the whole practice), as a folder or an encrypted zip,
psychotherapy notes only for the whole practice; progress, Cancel that leaves nothing, and the result line."""

from __future__ import annotations

import io
import json
import threading
from datetime import date
from pathlib import Path

import pytest
import pyzipper
from pytestqt.qtbot import QtBot
from reportlab.pdfgen.canvas import Canvas

from tests.ui.test_chart import make_client, open_chart
from therapy_desk.domain.notes import ProcessNote
from therapy_desk.records.archive_files import verify_archive
from therapy_desk.storage.vault import Vault
from therapy_desk.ui.archive_dialog import ArchiveDialog
from therapy_desk.ui.ops import Ops


@pytest.fixture
def out(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def _dialog(qtbot: QtBot, dialog: ArchiveDialog, out: Path) -> ArchiveDialog:
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.folder_edit.setText(str(out))
    return dialog


def test_the_charts_button_writes_that_clients_archive_and_shows_where(qtbot: QtBot, vault: Vault, out: Path) -> None:
    mine = make_client(vault, legal_first="Mira", legal_last="Okafor")
    other = make_client(vault, legal_first="Tomas", legal_last="Lindqvist")
    chart = open_chart(qtbot, vault, mine.id or 0)
    dialog = chart.export_archive()
    assert isinstance(dialog, ArchiveDialog)
    dialog.folder_edit.setText(str(out))
    assert dialog.scope.currentText().startswith("This client only")
    assert dialog.name_edit.text() == f"Client {mine.id} archive {date.today().isoformat()}"
    assert not dialog.process_notes.isEnabled()

    dialog.write_button.click()
    assert dialog.ops.wait_idle(30_000)

    target = out / dialog.name_edit.text()
    assert dialog.summary is not None
    assert dialog.summary.path == target
    assert str(target) in dialog.result_label.text()
    assert verify_archive(target) == []
    clients = json.loads((target / "data" / "clients.json").read_text("utf-8"))
    assert [c["id"] for c in clients] == [mine.id]
    assert "Lindqvist" not in (target / "data" / "clients.csv").read_text("utf-8-sig")
    assert other.id != mine.id


def test_the_whole_practice_as_an_encrypted_zip_needs_the_same_password_twice(
    qtbot: QtBot, vault: Vault, ops: Ops, out: Path
) -> None:
    client = make_client(vault)
    vault.notes.save_process_note(ProcessNote(client_id=client.id or 0, text="Private process note"))
    dialog = _dialog(qtbot, ArchiveDialog(vault, ops), out)
    assert dialog.scope.count() == 1  # from the Vault menu: the whole practice only
    assert dialog.process_notes.isEnabled()
    assert not dialog.process_notes.isChecked()
    assert not dialog.password.isEnabled()
    dialog.encrypted.setChecked(True)
    dialog.password.setText("zip password")
    dialog.again.setText("zip passw0rd")

    assert dialog.write() is None
    assert "type the same password twice" in " ".join(dialog.errors.visible_messages())
    assert list(out.iterdir()) == []

    dialog.again.setText("zip password")
    dialog.process_notes.setChecked(True)
    assert dialog.write() is not None
    assert ops.wait_idle(30_000)
    assert dialog.summary is not None
    assert dialog.summary.path.name.endswith(".zip")
    assert "an encrypted zip" in dialog.result_label.text()
    with pyzipper.AESZipFile(dialog.summary.path) as archive:
        archive.setpassword(b"zip password")
        rows = json.loads(archive.read("data/psychotherapy_notes.json"))
    assert [row["text"] for row in rows] == ["Private process note"]


def test_an_existing_name_is_refused_by_its_field(qtbot: QtBot, vault: Vault, ops: Ops, out: Path) -> None:
    dialog = _dialog(qtbot, ArchiveDialog(vault, ops), out)
    (out / dialog.name_edit.text()).mkdir()

    assert dialog.write() is None
    assert "already exists" in " ".join(dialog.errors.visible_messages())


def test_cancel_while_writing_removes_everything_and_says_so(qtbot: QtBot, vault: Vault, ops: Ops, out: Path) -> None:
    make_client(vault)
    make_client(vault, legal_first="Ana", legal_last="Moreau")
    started, release = threading.Event(), threading.Event()

    def slow_chart(_vault: Vault, client_id: int) -> bytes:
        started.set()
        release.wait(10)
        buffer = io.BytesIO()
        canvas = Canvas(buffer)
        canvas.drawString(72, 720, f"Chart of client {client_id}")
        canvas.save()
        return buffer.getvalue()

    dialog = _dialog(qtbot, ArchiveDialog(vault, ops, chart_pdf=slow_chart), out)
    dialog.write()
    assert started.wait(10)
    assert dialog.close_button.text() == "Cancel"
    assert not dialog.write_button.isEnabled()
    dialog.close_button.click()
    release.set()
    assert ops.wait_idle(30_000)

    assert dialog.summary is None
    assert dialog.result_label.text() == "Cancelled: nothing was written."
    assert list(out.iterdir()) == []
    assert dialog.close_button.text() == "Close"
    assert dialog.write_button.isEnabled()
