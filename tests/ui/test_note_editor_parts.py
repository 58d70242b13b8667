"""The note editor's newer parts: the exam's cognition, every risk field with its safety plan, the code
override with its reason, snippets expanded by typing (and their dialog), and drafts saved at a lock."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QScrollArea
from pytestqt.qtbot import QtBot

from tests.conftest import PASSPHRASE
from tests.ui.test_chart import make_client, set_clinician
from tests.ui.test_note_editor import book, editor_for, write_soap
from therapy_desk.domain.assessment import CRISIS_LINE, Attention, Memory, PriorAttempts, RiskLevel, SuicidalIdeation
from therapy_desk.domain.presign import Rule
from therapy_desk.domain.snippets import Snippet
from therapy_desk.storage.vault import Vault
from therapy_desk.ui.chart import ChartWindow
from therapy_desk.ui.main_window import MainWindow
from therapy_desk.ui.note_editor import NoteEditor, open_editors, open_note_for_appointment

MSE_TEXT = "Alert, oriented x4, cooperative."


def session_editor(qtbot: QtBot, vault: Vault, **booking: object) -> NoteEditor:
    client = make_client(vault)
    assert client.id is not None
    appointment = book(vault, client.id, **booking)  # type: ignore[arg-type]
    assert appointment.id is not None
    editor = editor_for(qtbot, vault, appointment.id)
    editor.show()
    return editor


def test_every_risk_field_and_the_safety_plan_are_saved_and_shown_again(qtbot: QtBot, vault: Vault) -> None:
    editor = session_editor(qtbot, vault)
    editor.exam.setChecked(True)
    editor.exam.multis["memory"].boxes[Memory.IMPAIRED_RECENT].setChecked(True)
    editor.exam.singles["attention"].set_value(Attention.DISTRACTIBLE)
    risk = editor.risk
    risk.setChecked(True)
    risk.level.set_value(RiskLevel.MODERATE)
    risk.ideation.set_value(SuicidalIdeation.PASSIVE)
    assert not risk.recent_attempt.isEnabled()
    risk.attempts.set_value(PriorAttempts.ONE)
    assert risk.recent_attempt.isEnabled()
    QTest.keyClicks(risk.recent_attempt, "Overdose, 2019")
    assert "list the risk factors" in risk.needs.text()
    assert "no safety plan" in risk.needs.text()
    assert not risk.target.isEnabled()
    risk.homicidal.setChecked(True)
    assert "name the identifiable target" in risk.needs.text()
    QTest.keyClicks(risk.target, "No identifiable target")
    risk.risk_factors.setPlainText("Recent divorce\nLives alone")
    risk.rationale.setPlainText("Passive ideation, no plan; engaged in treatment.")
    risk.written_plan.setChecked(True)
    steps = risk.written_plan.steps
    assert steps["professionals"].toPlainText() == CRISIS_LINE  # the 988 line is there from the start
    for name, edit in steps.items():
        if name != "professionals":
            edit.setPlainText(f"{name} item")
    assert not risk.needs.isVisibleTo(editor)
    assert editor.save()
    saved = vault.notes.get(editor.note.id or 0)
    assert saved.mental_status is not None
    assert saved.risk is not None
    assert saved.mental_status.memory == (Memory.IMPAIRED_RECENT,)
    assert saved.mental_status.attention is Attention.DISTRACTIBLE
    assert saved.risk.prior_attempts is PriorAttempts.ONE
    assert saved.risk.most_recent_attempt == "Overdose, 2019"
    assert saved.risk.homicide_target == "No identifiable target"
    assert saved.risk.risk_factors == ("Recent divorce", "Lives alone")
    assert saved.risk.safety_plan is not None
    assert saved.risk.safety_plan.complete
    editor.risk.set_assessment(None)
    editor.risk.set_assessment(saved.risk)
    assert editor.risk.assessment() == saved.risk


def test_a_code_other_than_the_suggestion_asks_for_its_reason_and_the_store_checks_it(
    qtbot: QtBot, vault: Vault
) -> None:
    set_clinician(vault)
    editor = session_editor(qtbot, vault)  # 53 minutes booked as 90837
    header = editor.header
    assert header.chosen_code() == "90837"
    assert not header.reason.isVisibleTo(editor)
    header.code.setCurrentIndex(header.code.findData("90834"))
    assert header.reason.isVisibleTo(editor)
    write_soap(editor)
    dialog = editor.start_signing()
    assert dialog is not None
    assert dialog.blocked
    assert "give the reason for billing 90834" in dialog.error_list.text()
    assert "53 minutes documented: 90837, not 90834" in dialog.error_list.text()
    dialog.reject()
    QTest.keyClicks(header.reason, "Client left early; billed as agreed.")
    assert editor.save()
    saved = vault.notes.get(editor.note.id or 0)
    assert (saved.service_code, saved.code_reason) == ("90834", "Client left early; billed as agreed.")
    rules = [f.rule for f in vault.notes.presign_check(saved.id or 0)]
    assert Rule.CODE_WITHOUT_REASON not in rules
    header.code.setCurrentIndex(header.code.findData("90837"))  # back to the booked code
    assert not header.reason.isVisibleTo(editor)
    assert editor.save()
    saved = vault.notes.get(editor.note.id or 0)
    assert (saved.service_code, saved.code_reason) == (None, "")


def test_a_trigger_and_space_or_tab_expands_the_snippet_as_one_undo_step(qtbot: QtBot, vault: Vault) -> None:
    vault.snippets.save(Snippet(";mse", MSE_TEXT))
    vault.snippets.save(Snippet(";mse", "Objective findings.", section="Objective"))
    editor = session_editor(qtbot, vault)
    subjective = editor.sections.editors["Subjective"]
    subjective.setFocus()
    QTest.keyClicks(subjective, "Seen today. ;mse")
    QTest.keyClick(subjective, Qt.Key.Key_Space)
    assert subjective.toPlainText() == f"Seen today. {MSE_TEXT}"
    QTest.keySequence(subjective, "Ctrl+Z")
    assert subjective.toPlainText() == "Seen today. ;mse"
    objective = editor.sections.editors["Objective"]
    objective.setFocus()
    QTest.keyClicks(objective, ";mse")
    QTest.keyClick(objective, Qt.Key.Key_Tab)
    assert objective.toPlainText() == "Objective findings."  # the section's own snippet first
    assert editor.focusWidget() is objective  # Tab expanded rather than moved on
    QTest.keyClicks(objective, " ;nothing")
    QTest.keyClick(objective, Qt.Key.Key_Space)
    assert objective.toPlainText() == "Objective findings. ;nothing "


def test_a_snippet_added_in_the_dialog_expands_in_the_open_note(qtbot: QtBot, vault: Vault) -> None:
    editor = session_editor(qtbot, vault)
    editor.activateWindow()
    qtbot.waitUntil(editor.isActiveWindow)
    QTest.keySequence(editor, "Ctrl+;")
    dialog = editor.snippets_dialog
    assert dialog is not None
    QTest.keyClicks(dialog.trigger, ";hw")
    dialog.section.setCurrentIndex(dialog.section.findData("Plan"))
    dialog.text.setPlainText("Homework: sleep diary.")
    dialog.save_button.click()
    assert [s.trigger for s in vault.snippets.list()] == [";hw"]
    QTest.keyClicks(dialog.trigger, "x")
    dialog.text.setPlainText("")
    dialog.save_button.click()
    assert "needs some text" in dialog.error.text()
    plan = editor.sections.editors["Plan"]
    QTest.keyClicks(plan, ";hw")
    QTest.keyClick(plan, Qt.Key.Key_Space)
    assert plan.toPlainText() == "Homework: sleep diary."
    dialog.list.setCurrentRow(0)
    dialog.delete_button.click()
    assert vault.snippets.list() == []


def test_a_note_opened_outside_a_chart_is_saved_when_the_app_locks(
    qtbot: QtBot, vault: Vault, created: tuple[Path, str]
) -> None:
    client = make_client(vault)
    assert client.id is not None
    appointment = book(vault, client.id)
    assert appointment.id is not None
    main = MainWindow(vault, [], chart_factory=ChartWindow)
    qtbot.addWidget(main)
    editor = open_note_for_appointment(vault, appointment.id, main)
    note_id = editor.note.id
    assert note_id is not None
    QTest.keyClicks(editor.sections.editors["Subjective"], "Typed just before the lock")
    assert editor.autosave.isActive()
    main.lock()
    assert open_editors() == []
    with Vault.open(created[0], PASSPHRASE) as reopened:
        assert reopened.notes.get(note_id).text("Subjective") == "Typed just before the lock"


def test_the_exam_and_risk_tab_fits_a_laptop_note_window_without_sideways_scrolling(qtbot: QtBot, vault: Vault) -> None:
    editor = session_editor(qtbot, vault)
    editor.resize(1000, 700)  # what a 1366×768 laptop gives it
    for group in (editor.exam, editor.risk, editor.risk.written_plan):
        group.setChecked(True)
    editor.tabs.setCurrentIndex(2)
    area = editor.tabs.currentWidget()
    assert isinstance(area, QScrollArea)
    qtbot.waitUntil(area.isVisible)
    QApplication.processEvents()
    assert area.horizontalScrollBar().maximum() == 0, "the mental status exam or the risk assessment is cut off"
    rows = editor.exam.multis["thought_content"].boxes.values()
    assert len({box.y() for box in rows}) > 1  # eight findings wrap instead of running off the side


def test_the_snippets_list_shortens_long_lines_instead_of_scrolling_sideways(qtbot: QtBot, vault: Vault) -> None:
    vault.snippets.save(Snippet(";long", "Reviewed the thought record; practised cognitive restructuring at length."))
    editor = session_editor(qtbot, vault)
    dialog = editor.open_snippets()
    qtbot.waitExposed(dialog)
    assert dialog.list.count() == 1
    assert not dialog.list.horizontalScrollBar().isVisible()  # Qt draws the line shortened, ending in …
    dialog.reject()


def test_a_short_addendum_takes_no_more_room_than_its_lines_from_the_signed_note(qtbot: QtBot, vault: Vault) -> None:
    set_clinician(vault)
    editor = session_editor(qtbot, vault)
    editor.resize(1000, 700)
    write_soap(editor)
    presign = editor.start_signing()
    assert presign is not None
    assert presign.sign_button is not None
    presign.sign_button.click()
    addendum = editor.add_addendum()
    assert addendum is not None
    QTest.keyClicks(addendum.text, "Client called to say the homework was done.")
    addendum.ok_button.click()
    QApplication.processEvents()
    assert editor.addenda.isVisible()
    assert editor.addenda.height() <= editor.addenda.fontMetrics().lineSpacing() * 3 + 12  # two lines and one spare


def test_a_one_line_previous_plan_leaves_the_room_to_the_sections(qtbot: QtBot, vault: Vault) -> None:
    editor = session_editor(qtbot, vault)
    editor.sections.set_reference("Continue sessions weekly.")
    QApplication.processEvents()
    reference = editor.sections.reference
    assert reference.isVisible()
    assert reference.height() <= reference.fontMetrics().lineSpacing() * 2 + 12  # its line and one spare
