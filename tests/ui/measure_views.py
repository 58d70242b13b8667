"""The states of the Measures tab, its dialogs and the psychotherapy notes window, for the accessibility
audit (tests/ui/test_accessibility.py opens them through `states`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from tests.ui.test_chart import open_chart
from therapy_desk.domain.measures import Instrument
from therapy_desk.storage.vault import Vault
from therapy_desk.ui.chart_measures import MeasuresTab, open_measure_result
from therapy_desk.ui.measure_dialog import MeasureDialog
from therapy_desk.ui.measure_followup import EnteredInErrorDialog, FollowUpDialog
from therapy_desk.ui.process_notes import ProcessNotesWindow

VIEWS: tuple[type[QWidget], ...] = (
    MeasuresTab,
    MeasureDialog,
    FollowUpDialog,
    EnteredInErrorDialog,
    ProcessNotesWindow,
)


def states(
    qtbot: QtBot, vault: Vault, client_id: int, show: Callable[[QWidget], QWidget]
) -> Iterator[tuple[str, QWidget]]:
    """The tab with a flagged and an incomplete result, the dialog mid-form, follow-up, entered in error,
    the psychotherapy notes window; `show` shows a window and makes it the active one."""
    today = date.today()
    flagged = vault.measures.record(client_id, "PHQ-9", [2, 1, None, 1, 0, 1, 1, 0, 1], today)
    vault.measures.record(client_id, "GAD-7", [1, 2, None, 1, None, 0, 1], today)
    chart = open_chart(qtbot, vault, client_id)
    assert flagged.id is not None
    assert open_measure_result(chart, flagged.id)
    yield "Chart, Measures, a flagged and an incomplete result", chart
    dialog = chart.measures.give(Instrument.PHQ9)
    assert dialog is not None
    dialog.type_answers("120")
    yield "Give PHQ-9, mid-form", show(dialog)
    dialog.reject()
    follow_up = chart.measures.record_follow_up()
    assert follow_up is not None
    yield "Record follow-up", show(follow_up)
    follow_up.reject()
    in_error = chart.measures.mark_in_error()
    assert in_error is not None
    yield "Entered in error", show(in_error)
    in_error.reject()
    notes = chart.open_process_notes()
    assert notes is not None
    yield "Psychotherapy notes", show(notes)
