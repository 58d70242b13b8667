# pytest-qt's QtBot methods carry no annotations:
# mypy: disable-error-code="no-untyped-call"
"""Import clients from CSV, driven as a clinician would: type the file's path, let the preset map the columns,
Check, fix the file, Check again, Import; the caseload then lists the clients."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from tests.records.test_csv_import import client_row, write_csv
from tests.ui.test_caseload_view import names_shown
from therapy_desk.storage.vault import Vault
from therapy_desk.ui.caseload import CaseloadView
from therapy_desk.ui.csv_import_dialog import NOT_IMPORTED, CsvImportDialog
from therapy_desk.ui.ops import Ops


@pytest.fixture
def view(qtbot: QtBot, vault: Vault) -> Iterator[CaseloadView]:
    host = QWidget()
    ops = Ops(host, vault)
    widget = CaseloadView(vault, ops, host)
    qtbot.addWidget(host)
    host.resize(1100, 700)
    widget.resize(1100, 700)
    host.show()
    qtbot.waitExposed(host)
    yield widget
    ops.wait_idle()


def _read(qtbot: QtBot, dialog: CsvImportDialog, path: Path) -> None:
    dialog.path.setText(str(path))
    QTest.keyClick(dialog.path, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.table is not None and dialog.op is None)


def _check(qtbot: QtBot, dialog: CsvImportDialog) -> None:
    QTest.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.report is not None and dialog.op is None)


def _cell(dialog: CsvImportDialog, row: int, column: int) -> str:
    item = dialog.preview.item(row, column)
    return item.text() if item is not None else ""


def _problems(dialog: CsvImportDialog) -> list[str]:
    return [dialog.problems.item(i).text() for i in range(dialog.problems.count())]


def test_a_file_is_read_mapped_checked_fixed_and_imported(
    qtbot: QtBot, view: CaseloadView, vault: Vault, tmp_path: Path
) -> None:
    rows = [client_row(n) for n in range(1, 8)]
    rows[3] = client_row(4, **{"Date of Birth": "31/12/1980"})
    path = write_csv(tmp_path / "from simplepractice.csv", rows)
    QTest.mouseClick(view.import_button, Qt.MouseButton.LeftButton)
    dialog = view.import_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    assert not dialog.import_button.isEnabled()

    _read(qtbot, dialog, path)

    assert dialog.preset.currentText() == "SimplePractice client export"
    assert dialog.columns["dob"].currentText() == "Date of Birth"
    assert dialog.columns["pronouns"].currentText() == NOT_IMPORTED
    assert dialog.preview.rowCount() == 5
    assert _cell(dialog, 0, 1) == "Reyes1, Ana1"
    assert _cell(dialog, 3, 1).startswith("Cannot be imported: the date of birth is not a date")
    assert not dialog.import_button.isEnabled()

    _check(qtbot, dialog)

    assert _problems(dialog) == ["Row 5: the date of birth is not a date (use YYYY-MM-DD or MM/DD/YYYY)."]
    assert "1 row of 7 cannot be imported" in dialog.summary.text()
    assert not dialog.import_button.isEnabled()
    assert vault.clients.count() == 0

    rows[3] = client_row(4)
    write_csv(path, rows)
    QTest.mouseClick(dialog.read_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.op is None and dialog.preview.rowCount() == 5)
    _check(qtbot, dialog)

    assert _problems(dialog) == []
    assert "All 7 rows can be imported" in dialog.summary.text()
    assert "New payers to be added: Acme Health." in dialog.summary.text()
    assert dialog.import_button.isEnabled()

    QTest.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.outcome is not None and dialog.op is None)

    assert dialog.summary.text().startswith("Imported 7 clients")
    assert not dialog.import_button.isEnabled()
    assert not dialog.check_button.isEnabled()
    assert vault.clients.count() == 7
    qtbot.waitUntil(lambda: len(names_shown(view)) == 7)
    assert "Reyes4, Ana4" in names_shown(view)


def test_changing_a_column_after_a_clean_check_asks_for_another_check(
    qtbot: QtBot, vault: Vault, ops: Ops, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "caseload.csv", [client_row(1), client_row(2)])
    dialog = CsvImportDialog(vault, ops)
    qtbot.addWidget(dialog)
    dialog.show()
    _read(qtbot, dialog, path)
    _check(qtbot, dialog)
    assert dialog.import_button.isEnabled()

    dialog.columns["dob"].setCurrentIndex(0)

    assert not dialog.import_button.isEnabled()
    assert "Map the date of birth to one of the file's columns." in dialog.summary.text()
    QTest.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    ops.wait_idle()
    assert dialog.general_error.text() == "Map the date of birth to one of the file's columns."
    assert not dialog.import_button.isEnabled()
    assert vault.clients.count() == 0


def test_a_file_that_is_not_utf8_is_a_sentence_in_the_dialog(
    qtbot: QtBot, vault: Vault, ops: Ops, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "old.csv", [client_row(1, **{"First Name": "Zoë"})], encoding="cp1252")
    dialog = CsvImportDialog(vault, ops)
    qtbot.addWidget(dialog)
    dialog.show()

    dialog.path.setText(str(path))
    QTest.mouseClick(dialog.read_button, Qt.MouseButton.LeftButton)
    ops.wait_idle()

    assert dialog.general_error.isVisible()
    assert "old.csv is not UTF-8 text" in dialog.general_error.text()
    assert dialog.table is None
    assert not dialog.check_button.isEnabled()

    dialog.encoding.setCurrentIndex(dialog.encoding.findData("windows-1252"))
    ops.wait_idle()

    assert not dialog.general_error.isVisible()
    assert _cell(dialog, 0, 1) == "Reyes1, Zoë"
    assert dialog.check_button.isEnabled()
