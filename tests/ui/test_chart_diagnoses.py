"""The chart's Diagnoses tab: the ICD-10-CM completer, billable codes for claims, ranking, resolving."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from tests.ui.screen_reader import accessible_cells
from tests.ui.test_chart import make_client, open_chart
from therapy_desk.storage.vault import Vault
from therapy_desk.ui.chart import TAB_DIAGNOSES, ChartWindow
from therapy_desk.ui.chart_common import to_qdate
from therapy_desk.ui.chart_diagnoses import COL_BILLABLE, COL_CODE, COL_RANK, COL_STATUS, DiagnosesTab

CATEGORY_SENTENCE = "F41 is a category, not a billable code; claims need a more specific code under it."


@pytest.fixture
def chart(qtbot: QtBot, vault: Vault) -> ChartWindow:
    client = make_client(vault)
    assert client.id is not None
    window = open_chart(qtbot, vault, client.id)
    window.show_tab(TAB_DIAGNOSES)
    qtbot.waitUntil(window.diagnoses.code_edit.is_ready, timeout=10_000)  # the code set loads on a worker
    return window


def _type(qtbot: QtBot, tab: DiagnosesTab, text: str) -> list[str]:
    tab.code_edit.clear()
    QTest.keyClicks(tab.code_edit, text)
    qtbot.waitUntil(lambda: tab.code_edit.results.rowCount() > 0)
    return tab.code_edit.match_texts()


def _column(tab: DiagnosesTab, column: int) -> list[str]:
    model = tab.model
    return [model.data(model.index(row, column)) for row in range(model.rowCount())]


def test_code_completerfinds_f41_1_by_words(qtbot: QtBot, chart: ChartWindow) -> None:
    matches = _type(qtbot, chart.diagnoses, "generalized anxiety")
    assert matches[0] == "F41.1  Generalized anxiety disorder  (billable)"
    assert chart.diagnoses.code_edit.popup_visible()


def test_code_completerfinds_by_code_and_marks_categories(qtbot: QtBot, chart: ChartWindow) -> None:
    matches = _type(qtbot, chart.diagnoses, "F41")
    assert matches[0] == "F41  Other anxiety disorders  (category: not billable)"
    assert "F41.1  Generalized anxiety disorder  (billable)" in matches
    assert all(m.startswith("F41") for m in matches)


def test_picking_from_the_list_with_the_keyboard(qtbot: QtBot, chart: ChartWindow) -> None:
    tab = chart.diagnoses
    _type(qtbot, tab, "generalized anxiety")
    popup = tab.code_edit.code_completer.popup()
    assert popup is not None
    QTest.keyClick(popup, Qt.Key.Key_Down)
    QTest.keyClick(popup, Qt.Key.Key_Return)

    assert tab.code_edit.text() == "F41.1"
    assert tab.choice.text() == "F41.1 — Generalized anxiety disorder (billable)"


def _focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


@pytest.mark.parametrize("key", [Qt.Key.Key_Return, Qt.Key.Key_Enter])
def test_enter_on_a_picked_code_adds_it(qtbot: QtBot, chart: ChartWindow, vault: Vault, key: Qt.Key) -> None:
    tab = chart.diagnoses
    tab.code_edit.setFocus()
    _type(qtbot, tab, "generalized anxiety")
    popup = tab.code_edit.code_completer.popup()
    assert popup is not None
    QTest.keyClick(popup, Qt.Key.Key_Down)
    QTest.keyClick(popup, key)  # picks F41.1 from the list
    assert tab.choice.text() == "F41.1 — Generalized anxiety disorder (billable)"
    assert tab.model.rowCount() == 0

    QTest.keyClick(_focused(), key)  # the second Enter adds it, wherever the pick left the focus

    assert [d.code for d in vault.clients.diagnoses(chart.client_id)] == ["F41.1"]
    assert tab.model.rowCount() == 1
    assert tab.code_edit.text() == ""


def test_enter_in_the_code_field_adds_a_typed_code(qtbot: QtBot, chart: ChartWindow, vault: Vault) -> None:
    tab = chart.diagnoses
    tab.code_edit.setFocus()
    QTest.keyClicks(tab.code_edit, "F43.10")
    assert not tab.code_edit.popup_visible()  # Enter before the list shows takes the code as typed
    QTest.keyClick(tab.code_edit, Qt.Key.Key_Return)
    assert [d.code for d in vault.clients.diagnoses(chart.client_id)] == ["F43.10"]


def test_a_category_for_claims_shows_the_stores_sentence(qtbot: QtBot, chart: ChartWindow, vault: Vault) -> None:
    tab = chart.diagnoses
    _type(qtbot, tab, "F41")
    tab.code_edit.choose(0)
    assert "not billable" in tab.choice.text()

    QTest.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)

    assert tab.error.isVisible()
    assert tab.error.text() == CATEGORY_SENTENCE
    assert tab.model.rowCount() == 0
    assert vault.clients.diagnoses(chart.client_id) == []


def test_a_category_off_claims_is_kept_and_marked(qtbot: QtBot, chart: ChartWindow) -> None:
    tab = chart.diagnoses
    _type(qtbot, tab, "F41")
    tab.code_edit.choose(0)
    tab.for_claims.setChecked(False)
    QTest.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)

    assert not tab.error.isVisible()
    assert _column(tab, COL_CODE) == ["F41"]
    assert _column(tab, COL_BILLABLE) == ["Category"]


def test_adding_billable_codes_ranks_them_and_reorder_moves_the_principal(
    qtbot: QtBot, chart: ChartWindow, vault: Vault
) -> None:
    tab = chart.diagnoses
    _type(qtbot, tab, "generalized anxiety")
    tab.code_edit.choose(0)
    QTest.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    QTest.keyClicks(tab.code_edit, "F33.1")  # an exact code typed, then Enter
    QTest.keyClick(tab.code_edit, Qt.Key.Key_Return)

    assert _column(tab, COL_CODE) == ["F41.1", "F33.1"]
    assert _column(tab, COL_RANK) == ["Principal", "2"]
    assert _column(tab, COL_BILLABLE) == ["Billable", "Billable"]
    assert "Principal diagnosis F41.1" in chart.facts_label.text()
    assert tab.code_edit.text() == ""

    tab.table.selectRow(1)
    assert tab.up_button.isEnabled()
    assert not tab.down_button.isEnabled()
    QTest.mouseClick(tab.up_button, Qt.MouseButton.LeftButton)

    assert _column(tab, COL_CODE) == ["F33.1", "F41.1"]
    assert [d.code for d in vault.clients.diagnoses(chart.client_id)] == ["F33.1", "F41.1"]
    assert "Principal diagnosis F33.1" in chart.facts_label.text()


def test_the_same_code_twice_is_refused(qtbot: QtBot, chart: ChartWindow, vault: Vault) -> None:
    vault.clients.add_diagnosis(chart.client_id, "F41.1")
    chart.diagnoses.reload()
    QTest.keyClicks(chart.diagnoses.code_edit, "F41.1")
    QTest.mouseClick(chart.diagnoses.add_button, Qt.MouseButton.LeftButton)
    assert chart.diagnoses.error.text() == "F41.1 is already on this client's diagnosis list."


def test_resolve_with_a_date(qtbot: QtBot, chart: ChartWindow, vault: Vault) -> None:
    vault.clients.add_diagnosis(chart.client_id, "F41.1")
    vault.clients.add_diagnosis(chart.client_id, "F43.21")
    chart.diagnoses.reload()
    tab = chart.diagnoses
    tab.table.selectRow(0)
    QTest.mouseClick(tab.resolve_button, Qt.MouseButton.LeftButton)
    dialog = tab.resolve_dialog
    assert dialog is not None
    assert dialog.isVisible()
    resolved_on = date.today() - timedelta(days=3)
    dialog.date_edit.setDate(to_qdate(resolved_on))
    QTest.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    assert _column(tab, COL_CODE) == ["F43.21", "F41.1"]
    assert _column(tab, COL_RANK) == ["Principal", ""]
    assert _column(tab, COL_STATUS)[1] == f"Resolved {resolved_on:%b} {resolved_on.day}, {resolved_on.year}"
    tab.table.selectRow(1)
    assert not tab.resolve_button.isEnabled()


def test_a_resolved_diagnosis_says_so_to_a_screen_reader_not_only_in_grey(chart: ChartWindow, vault: Vault) -> None:
    resolved = vault.clients.add_diagnosis(chart.client_id, "F41.1")
    vault.clients.add_diagnosis(chart.client_id, "F43.21")
    assert resolved.id is not None
    vault.clients.resolve_diagnosis(resolved.id, date.today() - timedelta(days=3))
    chart.diagnoses.reload()

    heard = accessible_cells(chart.diagnoses.table)

    assert "F41.1 (resolved)" in heard
    assert f"{resolved.description} (resolved)" in heard
    assert "F43.21" in heard  # an active one reads as shown
    assert not any(text.startswith("Resolved") and text.endswith("(resolved)") for text in heard)


def test_diagnosis_model_passes_the_model_tester(
    qtbot: QtBot, chart: ChartWindow, vault: Vault, qtmodeltester: ModelTester
) -> None:
    vault.clients.add_diagnosis(chart.client_id, "F41.1")
    vault.clients.add_diagnosis(chart.client_id, "F41", for_claims=False)
    chart.diagnoses.reload()
    check: Callable[[QAbstractItemModel], None] = qtmodeltester.check  # pytest-qt leaves it unannotated
    check(chart.diagnoses.model)
