"""The note editor: a session's note pre-filled, autosave, mixed scripts round-tripping, signing, addenda."""

from __future__ import annotations

import threading
import time as clock
from datetime import date, datetime, time, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from tests.conftest import at_day_end
from tests.storage.test_plans import a_plan
from tests.ui.test_chart import make_client, set_clinician
from therapy_desk.domain.assessment import RiskLevel, SuicidalIdeation
from therapy_desk.domain.codes import PlaceOfService
from therapy_desk.domain.notes import Note, NoteFormat, NoteKind, verification_code
from therapy_desk.domain.plans import TreatmentPlan
from therapy_desk.domain.scheduling import Appointment
from therapy_desk.storage.vault import Vault
from therapy_desk.ui.note_editor import NO_SIGNER, NoteEditor, open_note, open_note_for_appointment
from therapy_desk.ui.note_editor_parts import code_hint
from therapy_desk.ui.ops import Ops

SESSION_DAY = date.today() - timedelta(days=1)
RATIONALE = "write the rationale for that level"
MIXED = "Émilie dit « ça va ». Привет, как дела? مرحبا بك. 你好，世界。 🙂👍🏽 naïve café — "


def book(vault: Vault, client_id: int, code: str = "90837", minutes: int = 53, **changes: object) -> Appointment:
    start = datetime.combine(SESSION_DAY, time(14, 0))
    return vault.schedule.book(
        Appointment(start=start, duration_minutes=minutes, service_code=code, client_id=client_id, **changes)  # type: ignore[arg-type]
    )


def with_plan(vault: Vault, client_id: int) -> TreatmentPlan:
    plan = vault.plans.create_draft(client_id, a_plan(SESSION_DAY - timedelta(days=30)))
    assert plan.id is not None
    return vault.plans.sign(plan.id, "Dana Reyes, LCSW")


def editor_for(qtbot: QtBot, vault: Vault, appointment_id: int) -> NoteEditor:
    editor = open_note_for_appointment(vault, appointment_id)
    qtbot.addWidget(editor, before_close_func=lambda e: e.clear_for_lock())
    return editor


def write_soap(editor: NoteEditor) -> None:
    for name, editor_field in editor.sections.editors.items():
        editor_field.setPlainText(f"{name} text for this session.")


def test_a_session_note_starts_from_its_appointment_and_is_not_made_twice(qtbot: QtBot, vault: Vault) -> None:
    client = make_client(vault)
    assert client.id is not None
    with_plan(vault, client.id)
    appointment = book(
        vault, client.id, place_of_service=PlaceOfService.TELEHEALTH_HOME, telehealth=True, modifiers=("95",)
    )
    assert appointment.id is not None
    editor = editor_for(qtbot, vault, appointment.id)
    assert editor.header.day() == SESSION_DAY
    assert editor.header.times() == (time(14, 0), time(14, 53))
    assert editor.header.minutes.text() == "53 minutes → 90837"
    assert "place of service 10" in editor.context.appointment.text()
    assert "modifiers 95" in editor.context.appointment.text()
    assert [box.text() for box in editor.context.goal_boxes.values()] == [
        "Reduce depressive symptoms",
        "Reconnect with friends",
    ]
    assert "Progress note" in editor.windowTitle()
    assert "Quintanilla" not in editor.windowTitle()
    again = open_note_for_appointment(vault, appointment.id)
    assert again is editor
    assert len(vault.notes.for_appointment(appointment.id)) == 1
    editor.header.end.setTime(editor.header.end.time().addSecs(-15 * 60))
    assert editor.header.minutes.text() == "38 minutes → 90834 (booked as 90837)"


def test_the_previous_signed_notes_plan_shows_read_only(qtbot: QtBot, vault: Vault) -> None:
    set_clinician(vault)
    client = make_client(vault)
    assert client.id is not None
    earlier = vault.schedule.book(
        Appointment(
            start=datetime.combine(SESSION_DAY - timedelta(days=7), time(14, 0)),
            duration_minutes=53,
            service_code="90837",
            client_id=client.id,
        )
    )
    assert earlier.id is not None
    first = editor_for(qtbot, vault, earlier.id)
    write_soap(first)
    first.sections.editors["Plan"].setPlainText("Practise the breathing exercise daily.")
    assert first.save()
    assert first.note.id is not None
    vault.notes.sign(first.note.id, "Dana Reyes, LCSW", now=at_day_end(SESSION_DAY - timedelta(days=7)))
    first.close()
    appointment = book(vault, client.id)
    assert appointment.id is not None
    editor = editor_for(qtbot, vault, appointment.id)
    assert editor.sections.reference_box.isVisibleTo(editor)
    assert editor.sections.reference.isReadOnly()
    assert editor.sections.reference.toPlainText() == "Practise the breathing exercise daily."


def test_autosave_writes_three_seconds_after_the_last_change_and_only_then(qtbot: QtBot, vault: Vault) -> None:
    client = make_client(vault)
    assert client.id is not None
    appointment = book(vault, client.id)
    assert appointment.id is not None
    editor = editor_for(qtbot, vault, appointment.id)
    editor.show()
    note_id = editor.note.id
    assert note_id is not None
    subjective = editor.sections.editors["Subjective"]
    subjective.setFocus()
    QTest.keyClicks(subjective, "Slept better")
    assert vault.notes.get(note_id).text("Subjective") == ""  # not yet: the timer runs
    assert editor.autosave.isActive()
    assert editor.autosave.interval() == 3000
    qtbot.waitUntil(lambda: vault.notes.get(note_id).text("Subjective") == "Slept better", timeout=5000)
    assert editor.status.text().startswith("Saved ")
    assert "Slept" not in editor.status.text()
    QTest.keySequence(subjective, "Ctrl+Z")  # the field's own undo
    assert subjective.toPlainText() != "Slept better"


def test_a_20000_character_mixed_script_draft_round_trips_through_autosave_and_reopen(
    qtbot: QtBot, vault: Vault
) -> None:
    client = make_client(vault)
    assert client.id is not None
    appointment = book(vault, client.id)
    assert appointment.id is not None
    editor = editor_for(qtbot, vault, appointment.id)
    text = (MIXED * (20_000 // len(MIXED) + 1))[:20_000]
    if "\ud83c" <= text[-1] <= "\udbff":  # never cut an emoji in half (Python strings are code points anyway)
        text = text[:-1]
    editor.sections.editors["Assessment"].setPlainText(text)
    started = clock.perf_counter()
    assert editor.save()
    elapsed_ms = (clock.perf_counter() - started) * 1000
    assert elapsed_ms < 250, f"saving a 20,000-character draft took {elapsed_ms:.0f} ms"
    note_id = editor.note.id
    assert note_id is not None
    editor.close()
    qtbot.waitUntil(lambda: _gone(note_id))
    reopened = open_note(vault, note_id)
    qtbot.addWidget(reopened, before_close_func=lambda e: e.clear_for_lock())
    assert reopened.sections.editors["Assessment"].toPlainText() == text
    assert vault.notes.get(note_id).text("Assessment") == text


def _gone(note_id: int) -> bool:
    from therapy_desk.ui.note_editor import open_editors

    return all(e.note.id != note_id for e in open_editors())


def test_signing_lists_warnings_then_locks_the_note_with_its_verification_code(qtbot: QtBot, vault: Vault) -> None:
    set_clinician(vault)
    client = make_client(vault)
    assert client.id is not None
    appointment = book(vault, client.id)
    assert appointment.id is not None
    editor = editor_for(qtbot, vault, appointment.id)
    editor.activateWindow()
    qtbot.waitUntil(editor.isActiveWindow)
    write_soap(editor)
    editor.sections.editors["Plan"].setFocus()
    QTest.keyClick(editor.sections.editors["Plan"], Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    dialog = editor.presign_dialog
    assert dialog is not None
    assert not dialog.blocked
    assert "no diagnosis on file" in dialog.warning_list.text()
    assert dialog.sign_button is not None
    assert dialog.sign_button.text() == "&Sign anyway"
    dialog.sign_button.click()
    note = editor.note
    assert note.is_signed
    assert note.signed_by == "Dana Reyes, LCSW"
    assert note.content_hash is not None
    code = verification_code(note.content_hash)
    assert code in editor.signature.text()
    assert "Signed by Dana Reyes, LCSW" in editor.signature.text()
    assert all(e.isReadOnly() for e in editor.sections.editors.values())
    assert not editor.header.kind.isEnabled()
    assert not editor.sign_button.isVisibleTo(editor)
    QTest.keyClicks(editor.sections.editors["Plan"], "changed")
    assert vault.notes.get(note.id or 0).text("Plan") == "Plan text for this session."
    addendum = editor.add_addendum()
    assert addendum is not None
    QTest.keyClicks(addendum.text, "Client called to say the homework was done.")
    addendum.ok_button.click()
    assert len(vault.notes.get(note.id or 0).addenda) == 1
    assert "homework was done" in editor.addenda.toPlainText()


def test_a_late_entry_asks_its_reason_and_signing_charges_the_session(qtbot: QtBot, vault: Vault) -> None:
    set_clinician(vault)
    client = make_client(vault)
    assert client.id is not None
    vault.clients.add_diagnosis(client.id, "F41.1", onset=SESSION_DAY - timedelta(days=30))
    start = datetime.combine(SESSION_DAY - timedelta(days=5), time(14, 0))
    appointment = vault.schedule.book(Appointment(start=start, duration_minutes=53, service_code="90837",
                                                  client_id=client.id))  # fmt: skip
    assert appointment.id is not None
    editor = editor_for(qtbot, vault, appointment.id)
    write_soap(editor)

    dialog = editor.start_signing()

    assert dialog is not None
    assert dialog.sign_button is not None
    assert not dialog.sign_button.isEnabled()  # not until the late entry has its reason
    assert dialog.late_reason.isVisibleTo(dialog)
    assert "nothing to fix" not in dialog.heading.text()
    QTest.keyClicks(dialog.late_reason, "Clinician was out sick.")
    assert dialog.sign_button.isEnabled()
    dialog.sign_button.click()
    note = editor.note
    assert note.is_signed
    assert note.late_entry_reason == "Clinician was out sick."
    assert "late entry: Clinician was out sick." in editor.signature.text()
    charges = vault.billing.charges_for_appointment(appointment.id)
    assert [(c.service_code, c.units) for c in charges] == [("90837", 1)]
    assert "Charged 90837" in editor.status.text()


def test_signing_without_a_clinician_name_is_refused_with_a_sentence(qtbot: QtBot, vault: Vault) -> None:
    client = make_client(vault)
    assert client.id is not None
    appointment = book(vault, client.id)
    assert appointment.id is not None
    editor = editor_for(qtbot, vault, appointment.id)
    editor.show()
    write_soap(editor)
    assert editor.start_signing() is None
    assert editor.error.text() == NO_SIGNER
    assert not vault.notes.get(editor.note.id or 0).is_signed


def test_an_intake_with_low_risk_beside_a_plan_intent_and_means_asks_for_a_rationale(
    qtbot: QtBot, vault: Vault
) -> None:
    set_clinician(vault)
    client = make_client(vault)
    assert client.id is not None
    appointment = book(vault, client.id, code="90791", minutes=60)
    assert appointment.id is not None
    editor = editor_for(qtbot, vault, appointment.id)
    editor.show()
    assert editor.header.note_kind() is NoteKind.INTAKE
    assert editor.exam.isChecked()
    assert editor.risk.isChecked()
    assert list(editor.sections.editors) == [
        "Presenting problem",
        "History",
        "Diagnostic impression",
        "Recommendations",
    ]
    assert not editor.header.format.isEnabled()  # an intake is written in its own sections, not a format
    write_soap(editor)
    editor.exam.singles["mood"].set_value(editor.exam.singles["mood"].itemData(2))
    editor.exam.multis["orientation"].set_values(editor.exam.multis["orientation"].boxes)
    risk = editor.risk
    risk.level.set_value(RiskLevel.LOW)
    risk.ideation.set_value(SuicidalIdeation.ACTIVE)
    for box in (risk.plan, risk.intent, risk.means, risk.safety_plan):
        box.setChecked(True)
    risk.risk_factors.setPlainText("Recent job loss")
    assert RATIONALE in risk.needs.text()
    dialog = editor.start_signing()
    assert dialog is not None
    assert dialog.blocked
    assert dialog.error_list.text().count(RATIONALE) == 1  # the store's rule, listed once
    dialog.reject()
    risk.rationale.setPlainText("Denies intent on reassessment; means removed by family today.")
    assert not risk.needs.isVisibleTo(editor)
    dialog = editor.start_signing()
    assert dialog is not None
    assert dialog.sign_button is not None
    dialog.sign_button.click()
    signed = vault.notes.get(editor.note.id or 0)
    assert signed.is_signed
    assert signed.mental_status is not None
    assert signed.risk is not None
    assert signed.risk.means_access
    assert signed.mental_status.orientation


@pytest.mark.parametrize(
    ("minutes", "booked", "hint"),
    [
        (53, "90837", "53 minutes → 90837"),
        (30, "90837", "30 minutes → 90832 (booked as 90837)"),
        (10, None, "10 minutes: under 16 minutes is not billable as psychotherapy"),
        (80, "90839", "80 minutes → 90839 + 90840"),
        (60, "90791", "60 minutes → 90791"),
    ],
)
def test_the_minutes_suggest_the_code(minutes: int, booked: str | None, hint: str) -> None:
    assert code_hint(minutes, booked) == hint


def test_the_verification_code_is_the_seals_first_digits() -> None:
    assert verification_code("3f2a91c0" + "0" * 56) == "3F2A-91C0"


def test_undo_and_redo_go_through_the_whole_note_in_the_order_it_was_written(qtbot: QtBot, vault: Vault) -> None:
    client = make_client(vault)
    assert client.id is not None
    appointment = book(vault, client.id)
    assert appointment.id is not None
    editor = editor_for(qtbot, vault, appointment.id)
    subjective, objective = editor.sections.editors["Subjective"], editor.sections.editors["Objective"]
    editor.show()
    qtbot.waitExposed(editor)
    for box, words in ((subjective, "Slept better."), (objective, "Calm, on time."), (subjective, " Less worry.")):
        box.setFocus()
        box.moveCursor(QTextCursor.MoveOperation.End)
        QTest.keyClicks(box, words)

    QTest.keyClick(objective, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # from the Objective box...
    assert subjective.toPlainText() == "Slept better."  # ...the last edit, in Subjective, is taken back
    assert editor.focusWidget() is subjective  # the focus goes to the box that changed
    QTest.keyClick(subjective, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert objective.toPlainText() == ""
    QTest.keyClick(objective, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert objective.toPlainText() == "Calm, on time."
    QTest.keyClick(objective, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert subjective.toPlainText() == "Slept better. Less worry."
    assert editor.history.redo() is False  # nothing left to redo


def test_each_kind_is_written_in_its_own_sections_and_a_progress_note_in_its_format(qtbot: QtBot, vault: Vault) -> None:
    client = make_client(vault)
    assert client.id is not None
    appointment = book(vault, client.id)
    assert appointment.id is not None
    editor = editor_for(qtbot, vault, appointment.id)
    assert list(editor.sections.editors) == ["Subjective", "Objective", "Assessment", "Plan"]
    editor.sections.editors["Plan"].setPlainText("Refer to a psychiatrist.")
    editor.header.kind.setCurrentIndex(editor.header.kind.findData(NoteKind.DISCHARGE))
    assert list(editor.sections.editors) == [
        "Reason for discharge", "Course of treatment", "Status at discharge", "Recommendations",
    ]  # fmt: skip
    editor.sections.editors["Reason for discharge"].setPlainText("Goals met.")
    assert editor.save()
    saved = vault.notes.get(editor.note.id or 0)
    assert (saved.kind, saved.format, saved.text("Reason for discharge")) == (
        NoteKind.DISCHARGE, NoteFormat.NARRATIVE, "Goals met.",
    )  # fmt: skip
    editor.header.kind.setCurrentIndex(editor.header.kind.findData(NoteKind.PROGRESS))
    assert editor.header.format.isEnabled()
    editor.header.format.setCurrentIndex(editor.header.format.findData(NoteFormat.SOAP))
    assert editor.sections.editors["Plan"].toPlainText() == "Refer to a psychiatrist."  # typed words are kept


def test_with_ops_the_autosave_writes_on_a_worker_and_a_save_waits_for_it(qtbot: QtBot, vault: Vault, ops: Ops) -> None:
    client = make_client(vault)
    assert client.id is not None
    appointment = book(vault, client.id)
    assert appointment.id is not None
    editor = open_note_for_appointment(vault, appointment.id, ops=ops)
    qtbot.addWidget(editor, before_close_func=lambda e: e.clear_for_lock())
    note_id = editor.note.id
    assert note_id is not None
    subjective = editor.sections.editors["Subjective"]
    subjective.setPlainText("Slept better")
    writers: list[bool] = []
    real_save = type(vault.notes).save_draft

    def spy(store: object, note: Note) -> Note:
        writers.append(threading.current_thread() is threading.main_thread())
        return real_save(store, note)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(type(vault.notes), "save_draft", spy)
        editor.autosave.timeout.emit()  # the timer's save, as after three quiet seconds
        assert editor._in_flight is not None
        subjective.setPlainText("Slept better, ate better")  # typing on while it writes
        assert editor.save()  # Ctrl+S: waits for the autosave, then writes the newer text here
    assert writers == [False, True]  # first on a worker, then on the GUI thread
    assert vault.notes.get(note_id).text("Subjective") == "Slept better, ate better"
    assert not editor.is_dirty()
