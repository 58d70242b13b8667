"""The Unsigned notes page: every draft oldest first, overdue ones said and coloured, Enter opens the note."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from tests.ui.test_chart import make_client, set_clinician
from tests.ui.test_note_editor import write_soap
from therapy_desk.domain.notes import Note, NoteFormat, NoteKind, sections
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import theme
from therapy_desk.ui.app import default_pages
from therapy_desk.ui.chart import ChartWindow
from therapy_desk.ui.format import fmt_date
from therapy_desk.ui.main_window import MainWindow
from therapy_desk.ui.models.unsigned_model import COL_OVERDUE, UnsignedModel, unsigned_rows
from therapy_desk.ui.note_editor import NoteEditor, open_editors
from therapy_desk.ui.ops import Ops
from therapy_desk.ui.unsigned import EMPTY_TEXT, UnsignedView

TODAY = date.today()


def draft(vault: Vault, client_id: int, days_ago: int, kind: NoteKind = NoteKind.PROGRESS) -> int:
    note = vault.notes.save_draft(
        Note(
            client_id,
            kind=kind,
            format=NoteFormat.NARRATIVE,
            date_of_service=TODAY - timedelta(days=days_ago),
            start_time=time(9, 0),
            end_time=time(9, 53),
            sections=sections(NoteFormat.NARRATIVE, {"Narrative": "Session held."}),
        )
    )
    assert note.id is not None
    return note.id


@pytest.fixture
def clients(vault: Vault) -> dict[str, int]:
    ids = {}
    for key, first, last in (("sol", "Marisol", "Quintanilla"), ("omar", "Omar", "Björklund")):
        client = make_client(vault, legal_first=first, legal_last=last, preferred_name="")
        assert client.id is not None
        ids[key] = client.id
    return ids


def _clear_editors(_host: QWidget) -> None:
    for editor in open_editors():
        editor.clear_for_lock()


def _clear_charts(window: MainWindow) -> None:
    for chart in window.chart_windows():
        chart.clear_for_lock()  # type: ignore[attr-defined]


@pytest.fixture
def page(qtbot: QtBot, vault: Vault) -> UnsignedView:
    host = QWidget()
    view = UnsignedView(vault, Ops(host, vault), host)
    qtbot.addWidget(host, before_close_func=_clear_editors)
    host.resize(1000, 600)
    view.resize(1000, 600)
    return view


def show(qtbot: QtBot, page: UnsignedView) -> None:
    page.window().show()
    page.window().activateWindow()
    qtbot.waitUntil(page.window().isActiveWindow)


def cells(page: UnsignedView) -> list[tuple[str, ...]]:
    model = page.model
    return [tuple(model.index(r, c).data() for c in range(model.columnCount())) for r in range(model.rowCount())]


def test_every_draft_oldest_first_with_its_age_and_overdue_in_words(
    qtbot: QtBot, vault: Vault, page: UnsignedView, clients: dict[str, int]
) -> None:
    draft(vault, clients["sol"], 1)
    draft(vault, clients["omar"], 10, NoteKind.INTAKE)
    draft(vault, clients["sol"], 4)
    signed_day = draft(vault, clients["omar"], 2)
    set_clinician(vault)
    vault.notes.sign(signed_day, "Dana Reyes, LCSW")

    show(qtbot, page)

    def day(days_ago: int) -> str:
        return fmt_date(TODAY - timedelta(days=days_ago))

    assert cells(page) == [
        ("Björklund, Omar", day(10), "Intake assessment", "10 days", "overdue"),
        ("Quintanilla, Marisol", day(4), "Progress", "4 days", "overdue"),
        ("Quintanilla, Marisol", day(1), "Progress", "1 day", ""),
    ]
    assert page.summary.text() == "3 drafts waiting, 2 overdue (more than 72 hours); oldest first."
    assert page.table.hasFocus()


def test_an_overdue_line_is_in_the_warning_colour_and_says_so_to_a_screen_reader(
    qtbot: QtBot, vault: Vault, page: UnsignedView, clients: dict[str, int]
) -> None:
    draft(vault, clients["sol"], 5)
    draft(vault, clients["omar"], 0)
    show(qtbot, page)
    model = page.model
    overdue, recent = model.index(0, 0), model.index(1, 0)

    assert overdue.data(Qt.ItemDataRole.ForegroundRole) == theme.cell_color(theme.WARNING)
    assert overdue.data(Qt.ItemDataRole.AccessibleTextRole) == "Quintanilla, Marisol — overdue"
    assert model.index(0, COL_OVERDUE).data() == "overdue"
    assert recent.data(Qt.ItemDataRole.ForegroundRole) is None
    assert recent.data(Qt.ItemDataRole.AccessibleTextRole) is None
    assert model.index(1, COL_OVERDUE).data() == ""


def test_seventy_two_hours_after_the_session_ended_a_draft_turns_overdue(vault: Vault, clients: dict[str, int]) -> None:
    draft(vault, clients["sol"], 3)  # ended at 9:53 three days ago
    ended = datetime.combine(TODAY - timedelta(days=3), time(9, 53))
    assert [r.overdue for r in unsigned_rows(vault, ended + timedelta(hours=72), 50)] == [False]
    assert [r.overdue for r in unsigned_rows(vault, ended + timedelta(hours=72, minutes=1), 50)] == [True]
    model = UnsignedModel()
    model.set_rows(unsigned_rows(vault, ended + timedelta(hours=73), 50))
    assert model.index(0, COL_OVERDUE).data() == "overdue"


def test_no_drafts_says_so(qtbot: QtBot, page: UnsignedView, clients: dict[str, int]) -> None:
    show(qtbot, page)
    assert page.empty.isVisible()
    assert page.empty.text() == EMPTY_TEXT
    assert not page.table.isVisible()
    assert page.refresh_button.hasFocus()


def test_enter_opens_the_note_and_signing_it_takes_it_off_the_list(
    qtbot: QtBot, vault: Vault, page: UnsignedView, clients: dict[str, int]
) -> None:
    set_clinician(vault)
    older = draft(vault, clients["omar"], 2)
    newer = draft(vault, clients["sol"], 1)
    show(qtbot, page)
    QTest.keyClick(page.table, Qt.Key.Key_Down)
    QTest.keyClick(page.table, Qt.Key.Key_Return)

    (editor,) = open_editors()
    assert isinstance(editor, NoteEditor)
    assert editor.note.id == newer
    write_soap(editor)
    dialog = editor.start_signing()
    assert dialog is not None
    assert dialog.sign_button is not None
    dialog.sign_button.click()
    assert editor.note.is_signed

    assert [row.note_id for row in page.model.rows()] == [older]  # read again when the editor signed


def test_a_draft_written_elsewhere_shows_when_the_page_is_shown_again(
    qtbot: QtBot, vault: Vault, page: UnsignedView, clients: dict[str, int]
) -> None:
    show(qtbot, page)
    assert page.model.rowCount() == 0
    page.hide()
    draft(vault, clients["sol"], 1)
    page.show()
    assert page.model.rowCount() == 1


def test_in_the_main_window_enter_opens_the_note_through_the_main_window(
    qtbot: QtBot, vault: Vault, clients: dict[str, int]
) -> None:
    note_id = draft(vault, clients["sol"], 6)
    main = MainWindow(vault, default_pages(), chart_factory=ChartWindow)
    qtbot.addWidget(main, before_close_func=_clear_charts)
    main.show()
    row = main.page_titles.index("Unsigned notes")
    main.navigation.setCurrentRow(row)
    page = main.current_page()
    assert isinstance(page, UnsignedView)
    assert [r.note_id for r in page.model.rows()] == [note_id]

    QTest.keyClick(page.table, Qt.Key.Key_Enter)

    (editor,) = [e for e in open_editors() if e.note.id == note_id]
    assert editor.parent() is main  # opened by the main window (its lock saves and closes every editor)
    assert editor.isVisible()
