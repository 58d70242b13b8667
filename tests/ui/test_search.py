"""Global search: Ctrl+Shift+F from every window, results as you type, Enter opens the note in its chart."""

from __future__ import annotations

from datetime import date, time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from tests.ui.test_chart import make_client
from therapy_desk.domain.notes import Note, NoteFormat, ProcessNote, sections
from therapy_desk.storage.search import HitKind
from therapy_desk.storage.vault import Vault
from therapy_desk.ui.chart import ChartWindow
from therapy_desk.ui.main_window import MainWindow
from therapy_desk.ui.note_editor import open_editors, open_note
from therapy_desk.ui.search import HINT, SearchDialog, snippet_html

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def add_note(vault: Vault, client_id: int, text: str, day: date = date(2025, 2, 3)) -> int:
    note = vault.notes.save_draft(
        Note(
            client_id,
            format=NoteFormat.NARRATIVE,
            date_of_service=day,
            start_time=time(10, 0),
            end_time=time(10, 53),
            sections=sections(NoteFormat.NARRATIVE, {"Narrative": text}),
        )
    )
    assert note.id is not None
    return note.id


def _clear_charts(window: MainWindow) -> None:
    for chart in window.chart_windows():
        chart.clear_for_lock()  # type: ignore[attr-defined]


@pytest.fixture
def main(qtbot: QtBot, vault: Vault) -> MainWindow:
    window = MainWindow(vault, [], chart_factory=ChartWindow)
    qtbot.addWidget(window, before_close_func=_clear_charts)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    return window


@pytest.fixture
def client_id(vault: Vault) -> int:
    client = make_client(vault)  # Sol (Marisol) Quintanilla
    assert client.id is not None
    return client.id


def press_search(qtbot: QtBot, window: QWidget) -> SearchDialog:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    QTest.keyClick(window, Qt.Key.Key_F, CTRL_SHIFT)
    dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, SearchDialog) and w.isVisible())
    qtbot.waitUntil(dialog.isActiveWindow)
    return dialog


def type_query(qtbot: QtBot, dialog: SearchDialog, text: str, *, paste: bool = False) -> None:
    dialog.query.clear()
    if paste:
        dialog.query.insert(text)  # as a paste does: QTest cannot type a NUL
    else:
        QTest.keyClicks(dialog.query, text)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=5000)


def shown(dialog: SearchDialog) -> list[str]:
    return [result.text for result in dialog.model.results()]


def test_ctrl_shift_f_opens_search_from_the_main_window_a_chart_and_a_note_editor(
    qtbot: QtBot, vault: Vault, main: MainWindow, client_id: int
) -> None:
    note_id = add_note(vault, client_id, "Practised paced breathing.")
    dialog = press_search(qtbot, main)
    assert dialog.query.hasFocus()
    dialog.reject()

    main.open_chart(client_id)
    (chart,) = main.chart_windows()
    assert isinstance(chart, ChartWindow)
    assert press_search(qtbot, chart) is dialog  # one search window, raised again
    dialog.reject()

    editor = open_note(vault, note_id, chart)
    assert press_search(qtbot, editor) is dialog
    dialog.reject()


def test_results_come_as_you_type_client_names_first_with_the_match_in_bold(
    qtbot: QtBot, vault: Vault, main: MainWindow, client_id: int
) -> None:
    add_note(vault, client_id, "Quinta da Regaleira trip planned <with> her sister & niece.")
    other = make_client(vault, legal_first="Tomás", legal_last="Quintero", preferred_name="")
    assert other.id is not None
    dialog = press_search(qtbot, main)

    type_query(qtbot, dialog, "quint")

    results = dialog.model.results()
    assert [r.hit.kind for r in results] == [HitKind.CLIENT, HitKind.CLIENT, HitKind.NOTE]
    assert {r.client for r in results[:2]} == {"Quintanilla, Sol", "Quintero, Tomás"}
    note = results[2]
    assert note.text == (
        "Quintanilla, Sol — Note, Feb 3, 2025: Quinta da Regaleira trip planned <with> her sister & niece."
    )
    assert "<b>Quinta</b> da Regaleira" in note.html
    assert "&lt;with&gt; her sister &amp; niece" in note.html  # the note's text is never read as markup
    assert dialog.results.currentIndex().row() == 0
    assert "3 found" in dialog.status.text()


def test_short_empty_and_unmatched_queries_say_so(qtbot: QtBot, vault: Vault, main: MainWindow, client_id: int) -> None:
    add_note(vault, client_id, "Reviewed the sleep diary.")
    dialog = press_search(qtbot, main)
    assert dialog.status.text() == HINT

    QTest.keyClicks(dialog.query, "s")
    qtbot.wait(250)
    assert dialog.status.text() == HINT
    assert dialog.searches == 0  # one letter is not searched

    type_query(qtbot, dialog, "sleep")
    assert dialog.model.rowCount() == 1
    type_query(qtbot, dialog, "zeppelin")
    assert dialog.model.rowCount() == 0
    assert dialog.status.text() == "No client name or note matches “zeppelin”."
    dialog.query.clear()
    assert dialog.model.rowCount() == 0
    assert dialog.status.text() == HINT


def test_a_query_fts_would_refuse_finds_its_words_and_a_refused_search_shows_a_sentence(
    qtbot: QtBot, vault: Vault, main: MainWindow, client_id: int
) -> None:
    note_id = add_note(vault, client_id, "Grief and anxiety after the move.")
    dialog = press_search(qtbot, main)
    type_query(qtbot, dialog, 'grief\x00anxiety "after', paste=True)  # FTS5 refused a NUL as an unterminated string
    assert [r.hit.note_id for r in dialog.model.results()] == [note_id]
    assert dialog.error.isHidden()

    vault.close()  # the worker's search now meets a locked vault: a sentence, not a crash dialog
    type_query(qtbot, dialog, "grief")
    assert dialog.error.isVisible()
    assert dialog.error.text() == "The vault is locked. Unlock it to continue."
    assert dialog.model.rowCount() == 0


def test_up_down_from_the_query_then_enter_opens_the_note_over_its_chart(
    qtbot: QtBot, vault: Vault, main: MainWindow, client_id: int
) -> None:
    older = add_note(vault, client_id, "Homework: thought record.", day=date(2025, 1, 6))
    newer = add_note(vault, client_id, "Homework reviewed; thought record done.", day=date(2025, 1, 13))
    dialog = press_search(qtbot, main)
    type_query(qtbot, dialog, "homework")
    ids = [r.hit.note_id or 0 for r in dialog.model.results()]
    assert sorted(ids) == sorted([older, newer])

    QTest.keyClick(dialog.query, Qt.Key.Key_Down)
    assert dialog.query.hasFocus()
    assert dialog.results.currentIndex().row() == 1
    QTest.keyClick(dialog.query, Qt.Key.Key_Down)  # stays on the last
    QTest.keyClick(dialog.query, Qt.Key.Key_Up)
    QTest.keyClick(dialog.query, Qt.Key.Key_Down)
    QTest.keyClick(dialog.query, Qt.Key.Key_Return)

    assert not dialog.isVisible()
    (editor,) = [e for e in open_editors() if e.note.id == ids[1]]
    qtbot.waitUntil(editor.isVisible)
    (chart,) = main.chart_windows()
    assert isinstance(chart, ChartWindow)
    assert chart.isVisible()  # the chart behind it
    qtbot.waitUntil(editor.isActiveWindow)  # the note on top


def test_enter_on_a_client_opens_the_chart_and_a_double_click_opens_a_note(
    qtbot: QtBot, vault: Vault, main: MainWindow, client_id: int
) -> None:
    note_id = add_note(vault, client_id, "Talked about Quintana Roo.")
    dialog = press_search(qtbot, main)
    type_query(qtbot, dialog, "quintanilla")
    assert [r.hit.kind for r in dialog.model.results()] == [HitKind.CLIENT]
    QTest.keyClick(dialog.query, Qt.Key.Key_Enter)
    assert [c.isVisible() for c in main.chart_windows()] == [True]
    assert not any(e.note.id == note_id for e in open_editors())

    dialog = press_search(qtbot, main.chart_windows()[0])
    type_query(qtbot, dialog, "roo")
    index = dialog.model.index(0, 0)
    assert dialog.model.results()[0].hit.note_id == note_id
    rect = dialog.results.visualRect(index)
    QTest.mouseClick(dialog.results.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    QTest.mouseDClick(dialog.results.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert [e for e in open_editors() if e.note.id == note_id]


def test_enter_typed_before_the_results_opens_the_first_of_them(
    qtbot: QtBot, vault: Vault, main: MainWindow, client_id: int
) -> None:
    note_id = add_note(vault, client_id, "Mindfulness of breath.")
    dialog = press_search(qtbot, main)
    QTest.keyClicks(dialog.query, "mindful")
    QTest.keyClick(dialog.query, Qt.Key.Key_Return)  # within the pause: nothing stale is opened
    qtbot.waitUntil(lambda: any(e.note.id == note_id for e in open_editors()), timeout=5000)
    assert not dialog.isVisible()


def test_escape_closes_the_search_and_it_forgets_what_was_found(
    qtbot: QtBot, vault: Vault, main: MainWindow, client_id: int
) -> None:
    add_note(vault, client_id, "Reviewed the sleep diary.")
    dialog = press_search(qtbot, main)
    type_query(qtbot, dialog, "sleep")
    assert dialog.model.rowCount() == 1
    QTest.keyClick(dialog.query, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    assert press_search(qtbot, main) is dialog
    assert dialog.query.text() == ""
    assert dialog.model.rowCount() == 0
    assert dialog.status.text() == HINT


def test_a_psychotherapy_note_never_appears(qtbot: QtBot, vault: Vault, main: MainWindow, client_id: int) -> None:
    vault.notes.save_process_note(ProcessNote(client_id, "Countertransference: felt protective, xylophonist."))
    add_note(vault, client_id, "Progress note without that word.")
    dialog = press_search(qtbot, main)
    for typed in ("xylophonist", "xylo"):
        type_query(qtbot, dialog, typed)
        assert shown(dialog) == []
        assert dialog.status.text() == f"No client name or note matches “{typed}”."


def test_each_search_is_audited_with_its_count_never_its_words(
    qtbot: QtBot, vault: Vault, main: MainWindow, client_id: int
) -> None:
    add_note(vault, client_id, "Reviewed the sleep diary.")
    dialog = press_search(qtbot, main)
    type_query(qtbot, dialog, "sleep")
    searches = [e for e in vault.audit.recent(20) if e.event == "search"]
    assert searches
    assert searches[0].detail == {"hits": 1}
    assert "sleep" not in repr(searches)


def test_the_lock_closes_the_search_and_forgets_the_query(
    qtbot: QtBot, vault: Vault, main: MainWindow, client_id: int
) -> None:
    add_note(vault, client_id, "Reviewed the sleep diary.")
    dialog = press_search(qtbot, main)
    type_query(qtbot, dialog, "sleep")
    main.lock()
    assert not dialog.isVisible()
    QApplication.processEvents()
    assert not any(isinstance(w, SearchDialog) and w.isVisible() for w in QApplication.topLevelWidgets())


def test_snippets_escape_text_and_bold_only_the_stores_markers() -> None:
    assert snippet_html("a <b>x</b> & ⟦grief⟧ …") == "a &lt;b&gt;x&lt;/b&gt; &amp; <b>grief</b> …"
