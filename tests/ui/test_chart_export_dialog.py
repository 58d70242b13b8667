"""The chart's "Export chart…" dialog and the Plan tab's "Print plan…", driven as a user would: the own copy
is written and not logged, a copy for a typed recipient or under a release is logged as a disclosure,
psychotherapy notes can be picked only when an active release covers them, a missing recipient or folder is
a sentence beside its field, and the signed plan is saved as a PDF."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.records.test_fhir import PROCESS_WORDS, chart
from tests.templates.pdf_text import text
from tests.ui.test_chart import open_chart
from therapy_desk.domain.chart_export import ChartSection
from therapy_desk.domain.clients import Release
from therapy_desk.storage.vault import Vault
from therapy_desk.ui.chart import TAB_PLAN, ChartWindow
from therapy_desk.ui.chart_export_dialog import ChartExportDialog


def _dialog(qtbot: QtBot, vault: Vault, client_id: int, folder: Path) -> tuple[ChartWindow, ChartExportDialog]:
    window = open_chart(qtbot, vault, client_id)
    qtbot.mouseClick(window.export_button, Qt.MouseButton.LeftButton)
    dialog = window.export_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    dialog.folder.edit.setText(str(folder))
    return window, dialog


def _write(qtbot: QtBot, dialog: ChartExportDialog) -> None:
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.op is None, timeout=30_000)


def test_the_own_copy_is_written_and_not_logged(qtbot: QtBot, vault: Vault, tmp_path: Path) -> None:
    client_id = chart(vault)
    _window, dialog = _dialog(qtbot, vault, client_id, tmp_path)
    dialog.section_boxes[ChartSection.MEASURES].setChecked(False)
    _write(qtbot, dialog)
    assert dialog.written is not None
    assert dialog.written.name in dialog.written_label.text()
    assert "disclosure" not in dialog.written_label.text()
    got = text(dialog.written.read_bytes())
    assert "GAD-7" not in got
    assert PROCESS_WORDS not in got
    assert vault.disclosures.for_client(client_id) == []


def test_a_typed_recipient_needs_a_purpose_and_is_then_logged(qtbot: QtBot, vault: Vault, tmp_path: Path) -> None:
    client_id = chart(vault)
    _window, dialog = _dialog(qtbot, vault, client_id, tmp_path)
    dialog.recipient_kind.setCurrentIndex(dialog.recipient_kind.count() - 1)  # someone else
    assert dialog.recipient.isEnabled()
    qtbot.keyClicks(dialog.recipient, "Hudson Valley Health audit")
    _write(qtbot, dialog)
    assert "what the recipient needs" in dialog.visible_error()
    assert dialog.written is None
    qtbot.keyClicks(dialog.purpose, "payer audit")
    dialog.basis.setCurrentIndex(dialog.basis.findText("Health oversight (licensing board, audit)"))
    dialog.limit.setChecked(True)
    _write(qtbot, dialog)
    assert dialog.written is not None, dialog.visible_error()
    assert "logged as a disclosure" in dialog.written_label.text()
    [logged] = vault.disclosures.for_client(client_id)
    assert logged.recipient == "Hudson Valley Health audit"
    assert logged.basis.value == "health_oversight"
    assert "Prepared for Hudson Valley Health audit" in text(dialog.written.read_bytes())


def test_psychotherapy_notes_need_an_active_release_that_covers_them(
    qtbot: QtBot, vault: Vault, tmp_path: Path
) -> None:
    client_id = chart(vault)
    window, dialog = _dialog(qtbot, vault, client_id, tmp_path)
    assert not dialog.psychotherapy.isEnabled()
    dialog.close()
    release = vault.clients.add_release(
        Release(client_id, "Dr. Sato, evaluator", "psychotherapy notes", "court-ordered evaluation",
                date.today(), covers_psychotherapy_notes=True)
    )  # fmt: skip
    qtbot.mouseClick(window.export_button, Qt.MouseButton.LeftButton)
    reopened = window.export_dialog
    assert reopened is not None
    dialog = reopened
    dialog.folder.edit.setText(str(tmp_path))
    assert dialog.psychotherapy.isEnabled()
    dialog.psychotherapy.setChecked(True)
    dialog.recipient_kind.setCurrentIndex(dialog.recipient_kind.findData(release.id))
    assert dialog.recipient.text() == "Dr. Sato, evaluator"
    _write(qtbot, dialog)
    assert dialog.written is not None, dialog.visible_error()
    assert PROCESS_WORDS in text(dialog.written.read_bytes())
    [logged] = vault.disclosures.for_client(client_id)
    assert logged.psychotherapy_notes
    assert logged.release_id == release.id


def test_no_folder_is_a_sentence_and_nothing_is_written(qtbot: QtBot, vault: Vault, tmp_path: Path) -> None:
    client_id = chart(vault)
    out = tmp_path / "out"
    out.mkdir()
    _window, dialog = _dialog(qtbot, vault, client_id, out)
    dialog.folder.edit.clear()
    assert dialog.export() is None
    assert "Choose the folder" in dialog.visible_error()
    assert list(out.iterdir()) == []
    assert vault.documents.issued(client_id) == []


def test_print_plan_saves_the_signed_plan(qtbot: QtBot, vault: Vault, tmp_path: Path) -> None:
    client_id = chart(vault)
    window = open_chart(qtbot, vault, client_id)
    window.show_tab(TAB_PLAN)
    assert window.plan.print_button.isVisible()
    assert window.plan.print_button.text() == "&Print plan…"
    path = window.plan.print_plan(tmp_path / "plan.pdf")
    assert path == tmp_path / "plan.pdf"
    got = text(path.read_bytes())
    assert "Problem 1. Depressed mood most days" in got
    assert "Client signature" in got
    assert "plan.pdf" in window.plan.status.text()
