# pytest-qt's QtBot and ModelTester methods carry no annotations:
# mypy: disable-error-code="no-untyped-call"
"""The caseload view, driven by the keyboard and mouse as a therapist would."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QAbstractItemView, QApplication, QLabel, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from tests.ui.screen_reader import accessible_cells
from tests.ui.test_caseload_model import book, charge, make_client, overdue_plan
from therapy_desk.domain.clients import ClientStatus
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import caseload
from therapy_desk.ui.caseload import CaseloadView
from therapy_desk.ui.models.caseload_model import COL_BALANCE, COL_NAME, COL_NEXT, COL_REVIEW
from therapy_desk.ui.ops import Ops
from therapy_desk.ui.widgets.client_form import AddClientDialog


@pytest.fixture
def clients(vault: Vault) -> dict[str, int]:
    ids = {
        "zoe": make_client(vault, "Zoë", "Adeyemi"),
        "om": make_client(vault, "Omar", "Björklund", preferred_name="Om"),
        "lena": make_client(vault, "Lena", "Castellanos", ClientStatus.WAITLIST),
        "ana": make_client(vault, "Ana", "Zoeller", ClientStatus.DISCHARGED),
    }
    charge(vault, ids["om"], 45000)
    charge(vault, ids["zoe"], 12000)
    book(vault, ids["lena"], 1)
    book(vault, ids["zoe"], 3)
    return ids


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
    host.activateWindow()
    yield widget
    ops.wait_idle()


def names_shown(view: CaseloadView) -> list[str]:
    model = view.table.model()
    return [model.index(row, COL_NAME).data() for row in range(model.rowCount())]


def current_name(view: CaseloadView) -> str:
    return str(view.table.currentIndex().siblingAtColumn(COL_NAME).data())


def test_opens_on_current_clients_with_focus_in_the_filter(view: CaseloadView, clients: dict[str, int]) -> None:
    view.refresh()

    assert names_shown(view) == ["Adeyemi, Zoë", "Björklund, Om", "Castellanos, Lena"]
    assert view.count_label.text() == "3 clients"
    assert view.status_combo.currentText().startswith("Current")
    assert view.filter_edit.hasFocus()


def test_typing_filters_by_name_after_a_short_pause(qtbot: QtBot, view: CaseloadView, clients: dict[str, int]) -> None:
    view.refresh()

    qtbot.keyClicks(view.filter_edit, "zoe")

    assert len(names_shown(view)) == 3  # debounced: nothing re-queried on each key
    qtbot.waitUntil(lambda: names_shown(view) == ["Adeyemi, Zoë"], timeout=2000)
    assert view.count_label.text() == "1 client"


def test_a_name_only_in_another_status_points_to_all_statuses(
    qtbot: QtBot, view: CaseloadView, clients: dict[str, int]
) -> None:
    view.refresh()
    qtbot.keyClicks(view.filter_edit, "zoeller")
    qtbot.keyClick(view.filter_edit, Qt.Key.Key_Return)  # applies at once, without waiting

    assert names_shown(view) == []
    assert view.empty_label.isVisible()
    assert "1 client matches with another status" in view.empty_label.text()

    view.status_combo.setCurrentIndex(view.status_combo.findText("All statuses"))
    assert names_shown(view) == ["Zoeller, Ana"]
    assert not view.empty_label.isVisible()


def test_status_filter_shows_only_that_status(view: CaseloadView, clients: dict[str, int]) -> None:
    view.status_combo.setCurrentIndex(view.status_combo.findText("Waitlist"))

    assert names_shown(view) == ["Castellanos, Lena"]


def test_a_screen_reader_hears_which_plan_review_is_overdue(
    view: CaseloadView, vault: Vault, clients: dict[str, int]
) -> None:
    overdue_plan(vault, clients["om"])
    view.refresh()
    row = names_shown(view).index("Björklund, Om")
    due = view.model.index(row, COL_REVIEW).data()

    heard = accessible_cells(view.table)

    assert f"{due} — overdue" in heard
    assert "Björklund, Om" in heard


def test_down_moves_into_the_list_and_enter_opens_the_chart(
    qtbot: QtBot, view: CaseloadView, clients: dict[str, int]
) -> None:
    view.refresh()
    view.filter_edit.setFocus()

    qtbot.keyClick(view.filter_edit, Qt.Key.Key_Down)
    assert view.table.hasFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Down)
    assert current_name(view) == "Björklund, Om"
    with qtbot.waitSignal(view.open_client) as opened:
        qtbot.keyClick(view.table, Qt.Key.Key_Return)

    assert opened.args == [clients["om"]]
    qtbot.keyClick(view.table, Qt.Key.Key_Up)
    qtbot.keyClick(view.table, Qt.Key.Key_Up)  # up from the top row: back to the filter
    assert view.filter_edit.hasFocus()
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert view.filter_edit.hasFocus()


def test_enter_in_the_filter_opens_a_single_match(qtbot: QtBot, view: CaseloadView, clients: dict[str, int]) -> None:
    qtbot.keyClicks(view.filter_edit, "castel")

    with qtbot.waitSignal(view.open_client) as opened:
        qtbot.keyClick(view.filter_edit, Qt.Key.Key_Return)

    assert opened.args == [clients["lena"]]


def test_double_click_opens_the_chart(qtbot: QtBot, view: CaseloadView, clients: dict[str, int]) -> None:
    view.refresh()
    rect = view.table.visualRect(view.table.model().index(2, COL_NAME))

    with qtbot.waitSignal(view.open_client) as opened:
        # A real double-click is a press and release, then the double-click event.
        qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())

    assert opened.args == [clients["lena"]]


def click_header(qtbot: QtBot, view: CaseloadView, column: int) -> None:
    header = view.table.horizontalHeader()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))


def test_header_clicks_sort_by_balance_and_next_appointment(
    qtbot: QtBot, view: CaseloadView, clients: dict[str, int]
) -> None:
    view.status_combo.setCurrentIndex(view.status_combo.findText("All statuses"))

    click_header(qtbot, view, COL_BALANCE)  # first click: ascending
    click_header(qtbot, view, COL_BALANCE)
    assert names_shown(view)[:2] == ["Björklund, Om", "Adeyemi, Zoë"]
    assert view.table.model().index(0, COL_BALANCE).data() == "$450.00"

    click_header(qtbot, view, COL_NEXT)
    assert names_shown(view) == ["Castellanos, Lena", "Adeyemi, Zoë", "Björklund, Om", "Zoeller, Ana"]


def test_a_big_sort_runs_on_a_worker_and_the_window_stays_live(
    qtbot: QtBot, view: CaseloadView, clients: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(caseload, "DIRECT_ROWS_LIMIT", 0)  # every sort read goes through Ops
    view.refresh()
    view.table.setCurrentIndex(view.table.model().index(0, COL_NAME))
    assert current_name(view) == "Adeyemi, Zoë"

    view.table.sortByColumn(COL_BALANCE, Qt.SortOrder.DescendingOrder)
    qtbot.waitUntil(lambda: not view.model.is_sorting, timeout=5000)

    assert names_shown(view) == ["Björklund, Om", "Adeyemi, Zoë", "Castellanos, Lena"]
    assert current_name(view) == "Adeyemi, Zoë"  # from row 0 to row 1: the selection follows the client
    assert view.count_label.text() == "3 clients"


@pytest.mark.parametrize("rows_read_on", ["gui thread", "worker"])
def test_the_selected_client_stays_selected_when_a_sort_moves_them(
    qtbot: QtBot, view: CaseloadView, clients: dict[str, int], monkeypatch: pytest.MonkeyPatch, rows_read_on: str
) -> None:
    if rows_read_on == "worker":
        monkeypatch.setattr(caseload, "DIRECT_ROWS_LIMIT", 0)
    view.refresh()
    model = view.table.model()
    qtbot.mouseClick(
        view.table.viewport(), Qt.MouseButton.LeftButton, pos=view.table.visualRect(model.index(2, COL_NAME)).center()
    )
    assert current_name(view) == "Castellanos, Lena"

    click_header(qtbot, view, COL_NEXT)  # Lena's appointment is tomorrow: she goes to the top
    qtbot.waitUntil(lambda: not view.model.is_sorting, timeout=5000)

    assert names_shown(view) == ["Castellanos, Lena", "Adeyemi, Zoë", "Björklund, Om"]
    assert view.table.currentIndex().row() == 0  # she moved...
    assert current_name(view) == "Castellanos, Lena"  # ...and the selection went with her
    assert [i.row() for i in view.table.selectionModel().selectedRows()] == [0]
    with qtbot.waitSignal(view.open_client) as opened:
        qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert opened.args == [clients["lena"]]


def find_add_dialog() -> AddClientDialog:
    dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, AddClientDialog) and w.isVisible()]
    assert len(dialogs) == 1
    return dialogs[0]


def test_ctrl_n_adds_a_client_who_appears_selected(qtbot: QtBot, view: CaseloadView, vault: Vault) -> None:
    assert "No clients yet" in view.empty_label.text()
    qtbot.keyClicks(view.filter_edit, "nobody")
    view.apply_filter()

    qtbot.keyClick(view.filter_edit, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    dialog = find_add_dialog()
    form = dialog.form
    qtbot.keyClicks(form.field_widget("legal_first"), "Marisol")
    qtbot.keyClicks(form.field_widget("legal_last"), "Quintero")
    qtbot.keyClicks(form.field_widget("dob"), "07/04/1988")
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=2000)
    assert vault.clients.count() == 1
    assert view.filter_edit.text() == ""
    assert current_name(view) == "Quintero, Marisol"
    assert view.table.selectionModel().isRowSelected(view.table.currentIndex().row())


def test_add_client_shortcut_is_shown_on_the_button(view: CaseloadView) -> None:
    assert "Ctrl+N" in view.add_button.toolTip()
    assert view.add_action.shortcut().toString() == "Ctrl+N"
    assert view.find_action.shortcut().toString() == "Ctrl+F"


def test_clear_for_lock_leaves_no_client_name_in_any_widget(
    qtbot: QtBot, view: CaseloadView, clients: dict[str, int]
) -> None:
    view.refresh()
    qtbot.keyClicks(view.filter_edit, "Adey")
    view.apply_filter()
    view.add_client()
    dialog = find_add_dialog()
    qtbot.keyClicks(dialog.form.field_widget("legal_first"), "Half")  # not valid yet: dropped, not saved

    view.clear_for_lock()

    assert view.table.model().rowCount() == 0
    assert not dialog.isVisible()
    texts = [w.text() for w in view.findChildren(QLineEdit)] + [w.text() for w in view.findChildren(QLabel)]
    for name in ("Zoë", "Adeyemi", "Omar", "Om", "Björklund", "Lena", "Castellanos", "Adey", "Half"):
        assert not any(name in text for text in texts), name
    assert view.table.selectionMode() == QAbstractItemView.SelectionMode.SingleSelection
