"""The client chart window: what opening shows, keyboard, contacts and releases, closing, locking."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta

import pytest
from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QTextEdit,
    QTreeWidget,
    QTreeWidgetItemIterator,
    QWidget,
)
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from tests.conftest import at_day_end
from tests.storage.sealed_practice import raw_connection, triggers_lifted
from tests.ui.screen_reader import accessible_cells
from therapy_desk.domain.billing import Coverage, Payer
from therapy_desk.domain.clients import CareContact, Client, ClientStatus, ContactRole, Release
from therapy_desk.domain.measures import Instrument
from therapy_desk.domain.notes import Note, NoteFormat, sections
from therapy_desk.domain.practice import PracticeProfile
from therapy_desk.domain.scheduling import Appointment, AppointmentStatus
from therapy_desk.storage.vault import Vault
from therapy_desk.ui.chart import TAB_CONTACTS, TAB_DIAGNOSES, TAB_OVERVIEW, TAB_PLAN, ChartWindow
from therapy_desk.ui.ops import Ops
from therapy_desk.ui.widgets.client_form import ClientForm

TODAY = date.today()


# -- helpers the other chart test modules use too ---------------------------------------------------


def make_client(vault: Vault, **changes: object) -> Client:
    fields: dict[str, object] = {
        "legal_first": "Marisol",
        "legal_last": "Quintanilla",
        "preferred_name": "Sol",
        "dob": date(1985, 3, 4),
        "status": ClientStatus.ACTIVE,
        "phone": "(503) 555-0142",
        "city": "Portland",
        "state": "OR",
        "zip": "97205",
        "intake_date": TODAY - timedelta(days=60),
    }
    fields.update(changes)
    return vault.clients.create(Client(**fields))  # type: ignore[arg-type]


def set_clinician(vault: Vault) -> None:
    vault.practice.save_profile(PracticeProfile(name="Dana Reyes", credentials="LCSW"))


def open_chart(qtbot: QtBot, vault: Vault, client_id: int) -> ChartWindow:
    window = ChartWindow(vault, Ops(None, vault), client_id)
    # Emptied before pytest-qt closes it, so a test that leaves an edit open never meets a real question box.
    qtbot.addWidget(window, before_close_func=lambda w: w.clear_for_lock())
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)  # window shortcuts (Ctrl+1…4, Ctrl+S, Esc, Ctrl+W) need it
    return window


class Answers:
    """Stands in for QMessageBox.question: records each question and gives the planned answer."""

    def __init__(self, answer: QMessageBox.StandardButton) -> None:
        self.answer = answer
        self.asked: list[str] = []

    def __call__(self, _parent: QWidget, _title: str, text: str, *_args: object) -> QMessageBox.StandardButton:
        self.asked.append(text)
        return self.answer


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> Answers:
    """Every question box answers Yes unless a test sets `answers.answer`."""
    stub = Answers(QMessageBox.StandardButton.Yes)
    monkeypatch.setattr(QMessageBox, "question", stub)
    return stub


def shown_texts(root: QWidget) -> list[str]:
    """Every piece of text a widget tree holds: labels, fields, lists, tables, trees, combos, titles."""
    texts = [root.windowTitle()]
    for widget in [root, *root.findChildren(QWidget)]:
        if isinstance(widget, QLabel | QLineEdit):
            texts.append(widget.text())
        elif isinstance(widget, QPlainTextEdit | QTextEdit):
            texts.append(widget.toPlainText())
        elif isinstance(widget, QComboBox):
            texts += [widget.itemText(i) for i in range(widget.count())]
        elif isinstance(widget, QTreeWidget):
            iterator = QTreeWidgetItemIterator(widget)
            while iterator.value():
                item = iterator.value()
                texts += [item.text(c) for c in range(widget.columnCount())]
                iterator += 1
        elif isinstance(widget, QAbstractItemView) and widget.model() is not None:
            texts += _model_texts(widget.model())
        texts.append(widget.toolTip())
        texts.append(widget.accessibleDescription())
    return [t for t in texts if t]


def _model_texts(model: QAbstractItemModel) -> Iterator[str]:
    for row in range(model.rowCount()):
        for column in range(model.columnCount()):
            value = model.data(model.index(row, column))
            if value:
                yield str(value)


# -- opening ---------------------------------------------------------------------------------------


def test_opening_shows_name_dob_coverage_and_alerts(qtbot: QtBot, vault: Vault) -> None:
    client = make_client(vault)
    payer = vault.billing.add_payer(Payer("Cascade Health Plan", electronic_id="CHP01"))
    assert payer.id is not None
    assert client.id is not None
    vault.billing.add_coverage(Coverage(client.id, payer.id, "XJ4471", TODAY - timedelta(days=30), copay_cents=2500))
    vault.measures.record(client.id, "PHQ-9", [1, 1, 2, 1, 1, 0, 1, 0, 1], TODAY - timedelta(days=2))

    window = open_chart(qtbot, vault, client.id)

    assert "Sol Quintanilla" in window.windowTitle()
    assert client.account_number in window.windowTitle()
    assert window.name_label.text() == "Sol Quintanilla"
    assert window.overview.values["dob"].text().startswith("Mar 4, 1985")
    assert "Mar 4, 1985" in window.facts_label.text()
    coverage = window.overview.coverage_label.text()
    assert "Cascade Health Plan" in coverage
    assert "XJ4471" in coverage
    assert "$25.00" in coverage
    assert window.flag_banner.isVisible()
    assert "PHQ-9 item 9" in window.flag_label.text()
    alerts = [label.text() for label in window.overview.findChildren(QLabel) if label.accessibleName() == "Alert"]
    assert any(a.startswith("PHQ-9 item 9") for a in alerts)
    assert "No signed treatment plan." in alerts
    assert vault.audit.recent(5)[0].event == "chart read"


def test_self_pay_client_without_alerts(qtbot: QtBot, vault: Vault) -> None:
    client = make_client(vault, status=ClientStatus.WAITLIST)
    assert client.id is not None

    window = open_chart(qtbot, vault, client.id)

    assert window.overview.coverage_label.text().startswith("Self-pay")
    assert window.overview.no_alerts.isVisible()
    assert not window.flag_banner.isVisible()


def _session_with_signed_note(vault: Vault, client_id: int, day: date) -> int:
    start = datetime.combine(day, time(10, 0))
    appointment = vault.schedule.book(Appointment(start, 50, "90834", client_id=client_id), now=start - timedelta(1))
    assert appointment.id is not None
    vault.schedule.set_status(appointment.id, AppointmentStatus.ATTENDED, now=start + timedelta(hours=1))
    texts = {"Data": "Reviewed the week.", "Assessment": "Stable.", "Plan": "Meet again next week."}
    note = vault.notes.save_draft(
        Note(client_id, format=NoteFormat.DAP, date_of_service=day, appointment_id=appointment.id,
             start_time=time(10, 0), end_time=time(10, 50), sections=sections(NoteFormat.DAP, texts))
    )  # fmt: skip
    assert note.id is not None
    vault.notes.sign(note.id, "Dana Reyes, LCSW", now=at_day_end(day))
    return note.id


def test_a_note_changed_after_signing_shows_a_broken_seal_not_a_signed_note(qtbot: QtBot, vault: Vault) -> None:
    client = make_client(vault)
    assert client.id is not None
    day = TODAY - timedelta(days=7)
    changed = _session_with_signed_note(vault, client.id, day)
    _session_with_signed_note(vault, client.id, TODAY - timedelta(days=14))
    conn = raw_connection(vault.folder)  # a sqlcipher shell holding the key, beside the open app
    try:
        with triggers_lifted(conn):
            conn.execute("UPDATE notes SET end_time = '11:20' WHERE id = ?", (changed,))
    finally:
        conn.close()

    window = open_chart(qtbot, vault, client.id)

    alerts = [label.text() for label in window.overview.findChildren(QLabel) if label.accessibleName() == "Alert"]
    broken = [a for a in alerts if a.startswith("Seal broken — changed after signing")]
    assert broken == [
        f"Seal broken — changed after signing: the note of {day:%b %d, %Y} (note {changed}). It no longer matches "
        "what was signed. Run Check vault (Settings, Security) and restore from your most recent verified backup."
    ]
    sessions = {line.note_id: line for line in vault.caseload.chart_summary(client.id).recent_sessions}
    assert not sessions[changed].note_signed  # never presented as signed
    assert sessions[changed].seal_broken
    assert [line.note_signed for note_id, line in sessions.items() if note_id != changed] == [True]


def test_only_the_chart_sections_exist_and_ctrl_number_switches(qtbot: QtBot, vault: Vault) -> None:
    client = make_client(vault)
    assert client.id is not None
    window = open_chart(qtbot, vault, client.id)

    names = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert names == [
        "Overview",
        "Diagnoses",
        "Treatment plan",
        "Contacts and releases",
        "Sessions and notes",
        "Measures",
        "Billing",
    ]
    assert [window.tabs.tabToolTip(i) for i in range(4)][1] == "Diagnoses (Ctrl+2)"

    first_controls = {
        Qt.Key.Key_3: (TAB_PLAN, window.plan.new_button),
        Qt.Key.Key_4: (TAB_CONTACTS, window.contacts.contact_table),
        Qt.Key.Key_2: (TAB_DIAGNOSES, window.diagnoses.code_edit),
        Qt.Key.Key_1: (TAB_OVERVIEW, window.overview.edit_button),
        Qt.Key.Key_6: (window.tabs.indexOf(window.measures), window.measures.give_buttons[Instrument.PHQ9]),
        Qt.Key.Key_7: (window.tabs.indexOf(window.billing), window.billing.coverage_table),
    }
    for number, (index, first) in first_controls.items():
        QTest.keyClick(window, number, Qt.KeyboardModifier.ControlModifier)
        assert window.tabs.currentIndex() == index
        assert first.hasFocus()  # the tab's first control, where typing or Tab goes on from


# -- demographics ----------------------------------------------------------------------------------


def _edit(qtbot: QtBot, window: ChartWindow) -> ClientForm:
    QTest.mouseClick(window.overview.edit_button, Qt.MouseButton.LeftButton)
    form = window.overview.form
    assert form is not None
    assert form.isVisible()
    return form


def _retype(qtbot: QtBot, line: QLineEdit, text: str) -> None:
    line.selectAll()
    QTest.keyClicks(line, text)


@pytest.mark.parametrize(
    ("field", "typed", "sentence"),
    [
        ("zip", "9720", "A ZIP code is 5 digits, or ZIP+4 as 12345-6789."),
        ("dob", "01/01/2090", "Date of birth cannot be in the future."),
        ("dob", "02/30/1985", "Enter the date of birth as MM/DD/YYYY, like 05/17/1990."),
        ("state", "XX", "XX is not a US state code; use two letters, like NY."),
    ],
)
def test_demographics_edit_rejects_bad_input_with_the_stores_sentence(
    qtbot: QtBot, vault: Vault, field: str, typed: str, sentence: str
) -> None:
    client = make_client(vault)
    assert client.id is not None
    window = open_chart(qtbot, vault, client.id)
    form = _edit(qtbot, window)
    line = form.dob.edit if field == "dob" else form.lines[field]
    _retype(qtbot, line, typed)

    QTest.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)

    assert form.error_text(field) == sentence
    assert window.overview.is_editing()
    assert vault.clients.get(client.id) == client


def test_demographics_edit_saves_and_updates_the_title(qtbot: QtBot, vault: Vault) -> None:
    client = make_client(vault)
    assert client.id is not None
    window = open_chart(qtbot, vault, client.id)
    form = _edit(qtbot, window)
    _retype(qtbot, form.lines["preferred_name"], "Marisa")
    _retype(qtbot, form.lines["zip"], "972051234")

    QTest.mouseClick(window.overview.save_button, Qt.MouseButton.LeftButton)

    assert not window.overview.is_editing()
    assert window.overview.values["address"].text().endswith("97205-1234")
    assert window.windowTitle().startswith("Marisa Quintanilla")
    assert window.name_label.text() == "Marisa Quintanilla"
    assert vault.clients.get(client.id).zip == "97205-1234"


def test_esc_leaves_the_demographics_edit_unsaved(qtbot: QtBot, vault: Vault) -> None:
    client = make_client(vault)
    assert client.id is not None
    window = open_chart(qtbot, vault, client.id)
    form = _edit(qtbot, window)
    _retype(qtbot, form.lines["legal_last"], "Other")

    QTest.keyClick(window, Qt.Key.Key_Escape)

    assert not window.overview.is_editing()
    assert window.overview.values["legal_name"].text() == "Marisol Quintanilla"
    assert vault.clients.get(client.id).legal_last == "Quintanilla"


def test_lock_writes_a_valid_demographics_edit_but_not_an_invalid_one(qtbot: QtBot, vault: Vault) -> None:
    valid, invalid = make_client(vault), make_client(vault, legal_first="Ines")
    assert valid.id is not None
    assert invalid.id is not None
    first = open_chart(qtbot, vault, valid.id)
    _retype(qtbot, _edit(qtbot, first).lines["city"], "Salem")
    second = open_chart(qtbot, vault, invalid.id)
    form = _edit(qtbot, second)
    _retype(qtbot, form.lines["city"], "Bend")
    _retype(qtbot, form.lines["zip"], "97")

    first.clear_for_lock()
    second.clear_for_lock()

    assert vault.clients.get(valid.id).city == "Salem"
    assert vault.clients.get(invalid.id) == invalid  # nothing half-valid is written


# -- contacts and releases ---------------------------------------------------------------------------


def test_psychiatrist_with_invalid_phone_shows_the_sentence_next_to_phone(qtbot: QtBot, vault: Vault) -> None:
    client = make_client(vault)
    assert client.id is not None
    window = open_chart(qtbot, vault, client.id)
    window.show_tab(TAB_CONTACTS)

    QTest.mouseClick(window.contacts.add_contact_button, Qt.MouseButton.LeftButton)
    dialog = window.contacts.contact_dialog
    assert dialog is not None
    assert dialog.isVisible()
    dialog.role.setCurrentIndex(dialog.role.findData(ContactRole.PSYCHIATRIST))
    QTest.keyClicks(dialog.name, "Dr. Aiyana Redcloud")
    QTest.keyClicks(dialog.phone, "555-12")
    QTest.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    phone_error = dialog.errors.label("phone")
    assert phone_error is not None
    assert phone_error.isVisible()
    assert phone_error.parentWidget() is dialog.phone.parentWidget()  # right under the phone field
    assert phone_error.text() == "A phone number needs 10 digits with the area code, like (555) 201-3344."
    assert dialog.isVisible()
    assert vault.clients.contacts(client.id) == []

    dialog.phone.clear()
    QTest.keyClicks(dialog.phone, "503 555 0199")
    QTest.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    assert not dialog.isVisible()
    table = window.contacts.contacts
    assert table.rowCount() == 1
    assert table.data(table.index(0, 1)) == "Dr. Aiyana Redcloud"
    assert table.data(table.index(0, 3)) == "(503) 555-0199"
    assert table.data(table.index(0, 0)) == "Psychiatrist"


def test_release_add_then_revoke(qtbot: QtBot, vault: Vault) -> None:
    client = make_client(vault)
    assert client.id is not None
    vault.clients.save_contact(CareContact(client.id, ContactRole.PCP, "Dr. Lena Fischer", "Burnside Family Medicine"))
    window = open_chart(qtbot, vault, client.id)
    tab = window.contacts
    window.show_tab(TAB_CONTACTS)

    dialog = tab.add_release()
    assert dialog is not None
    dialog.contact.setCurrentIndex(1)
    assert dialog.recipient.text() == "Dr. Lena Fischer, Burnside Family Medicine"
    QTest.keyClicks(dialog.scope, "Diagnosis, treatment plan, attendance")
    QTest.keyClicks(dialog.purpose, "Coordination of care")
    QTest.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    releases = tab.releases
    assert releases.rowCount() == 1
    assert releases.data(releases.index(0, 5)) == "Active"
    assert releases.data(releases.index(0, 6)) == "No"

    tab.release_table.selectRow(0)
    QTest.mouseClick(tab.revoke_button, Qt.MouseButton.LeftButton)
    revoke = tab.revoke_dialog
    assert revoke is not None
    QTest.mouseClick(revoke.ok_button, Qt.MouseButton.LeftButton)

    assert releases.data(releases.index(0, 5)).startswith("Revoked")
    assert vault.clients.releases(client.id)[0].revoked_on == TODAY
    # Greyed out to the eye; in words to a screen reader.
    heard = accessible_cells(tab.release_table)
    assert "Dr. Lena Fischer, Burnside Family Medicine (revoked)" in heard
    assert "Coordination of care (revoked)" in heard
    tab.release_table.selectRow(0)
    assert not tab.revoke_button.isEnabled()


def test_a_new_release_starts_on_the_clients_first_contact(qtbot: QtBot, vault: Vault) -> None:
    client = make_client(vault)
    assert client.id is not None
    vault.clients.save_contact(CareContact(client.id, ContactRole.PCP, "Dr. Lena Fischer", "Burnside Family Medicine"))
    vault.clients.save_contact(CareContact(client.id, ContactRole.PSYCHIATRIST, "Dr. Omar Haddad"))
    window = open_chart(qtbot, vault, client.id)
    window.show_tab(TAB_CONTACTS)

    dialog = window.contacts.add_release()
    assert dialog is not None
    assert dialog.contact.currentText() == "Dr. Lena Fischer (primary care)"
    assert dialog.recipient.text() == "Dr. Lena Fischer, Burnside Family Medicine"
    assert not dialog.is_dirty()  # closing it untouched asks nothing

    dialog.contact.setCurrentIndex(2)  # another contact replaces the recipient the first one filled in
    assert dialog.recipient.text() == "Dr. Omar Haddad"
    dialog.recipient.clear()
    QTest.keyClicks(dialog.recipient, "Dr. Haddad's office")
    dialog.contact.setCurrentIndex(1)  # but never what the user typed
    assert dialog.recipient.text() == "Dr. Haddad's office"
    dialog.reject()


def test_a_release_for_the_selected_contact_starts_on_it(qtbot: QtBot, vault: Vault) -> None:
    client = make_client(vault)
    assert client.id is not None
    vault.clients.save_contact(CareContact(client.id, ContactRole.PCP, "Dr. Lena Fischer"))
    vault.clients.save_contact(CareContact(client.id, ContactRole.PSYCHIATRIST, "Dr. Omar Haddad"))
    window = open_chart(qtbot, vault, client.id)
    window.show_tab(TAB_CONTACTS)
    tab = window.contacts
    haddad = next(r for r in range(tab.contacts.rowCount()) if tab.contacts.item(r).name == "Dr. Omar Haddad")
    tab.contact_table.selectRow(haddad)

    dialog = tab.add_release()
    assert dialog is not None
    assert dialog.recipient.text() == "Dr. Omar Haddad"
    dialog.reject()


def test_a_release_for_a_client_without_contacts_names_no_contact(qtbot: QtBot, vault: Vault) -> None:
    client = make_client(vault)
    assert client.id is not None
    window = open_chart(qtbot, vault, client.id)
    dialog = window.contacts.add_release()
    assert dialog is not None
    assert dialog.contact.currentText() == "Not one of the client's contacts"
    assert dialog.recipient.text() == ""
    dialog.reject()


def test_release_without_purpose_shows_the_sentence(qtbot: QtBot, vault: Vault) -> None:
    client = make_client(vault)
    assert client.id is not None
    window = open_chart(qtbot, vault, client.id)
    dialog = window.contacts.add_release()
    assert dialog is not None
    QTest.keyClicks(dialog.recipient, "Lincoln High School counselor")
    QTest.keyClicks(dialog.scope, "Attendance")
    QTest.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    assert "The purpose is required." in dialog.errors.visible_messages()
    assert vault.clients.releases(client.id) == []
    dialog.reject()


def test_expired_release_reads_expired(qtbot: QtBot, vault: Vault) -> None:
    client = make_client(vault)
    assert client.id is not None
    vault.clients.add_release(
        Release(client.id, "Dr. Ito", "All", "Care", TODAY - timedelta(days=400), TODAY - timedelta(days=35))
    )
    window = open_chart(qtbot, vault, client.id)
    releases = window.contacts.releases
    assert releases.data(releases.index(0, 5)) == "Expired"


# -- closing and locking ---------------------------------------------------------------------------


def _dirty_plan(qtbot: QtBot, window: ChartWindow) -> None:
    window.show_tab(TAB_PLAN)
    QTest.mouseClick(window.plan.new_button, Qt.MouseButton.LeftButton)
    QTest.keyClicks(window.plan.editor.problem_text, "Panic attacks on the commute")


def test_unsaved_edit_asks_before_closing_and_cancel_keeps_the_window(
    qtbot: QtBot, vault: Vault, answers: Answers
) -> None:
    client = make_client(vault)
    assert client.id is not None
    window = open_chart(qtbot, vault, client.id)
    _dirty_plan(qtbot, window)

    answers.answer = QMessageBox.StandardButton.Cancel
    window.close()
    assert window.isVisible()
    assert answers.asked == ["Save your changes to Sol Quintanilla's chart before closing?"]

    answers.answer = QMessageBox.StandardButton.Save
    with qtbot.waitSignal(window.closed):
        window.close()
    draft = vault.plans.draft(client.id)
    assert draft is not None
    assert draft.problems[0].statement == "Panic attacks on the commute"


def test_discard_on_close_writes_nothing(qtbot: QtBot, vault: Vault, answers: Answers) -> None:
    client = make_client(vault)
    assert client.id is not None
    window = open_chart(qtbot, vault, client.id)
    _dirty_plan(qtbot, window)

    answers.answer = QMessageBox.StandardButton.Discard
    QTest.keyClick(window, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)

    assert not window.isVisible()
    draft = vault.plans.draft(client.id)
    assert draft is not None
    assert draft.problems == ()


def test_closing_a_clean_chart_asks_nothing(qtbot: QtBot, vault: Vault, answers: Answers) -> None:
    client = make_client(vault)
    assert client.id is not None
    window = open_chart(qtbot, vault, client.id)
    window.close()
    assert not window.isVisible()
    assert answers.asked == []


def test_clear_for_lock_saves_the_draft_and_leaves_no_client_name_anywhere(
    qtbot: QtBot, vault: Vault, answers: Answers
) -> None:
    client = make_client(vault)
    assert client.id is not None
    vault.clients.add_diagnosis(client.id, "F41.1")
    vault.clients.save_contact(CareContact(client.id, ContactRole.PSYCHIATRIST, "Dr. Quintanilla-Berg"))
    vault.clients.add_release(Release(client.id, "Quintanilla family", "Attendance", "Care", TODAY))
    window = open_chart(qtbot, vault, client.id)
    window.show_tab(0)
    _retype(qtbot, _edit(qtbot, window).lines["emergency_name"], "Teo Quintanilla")
    _dirty_plan(qtbot, window)
    window.plan.editor.add_goal()  # a new, blank goal: it cannot be saved, the problem can
    contact = window.contacts.add_contact()
    assert contact is not None
    QTest.keyClicks(contact.name, "Quintanilla sister")

    window.clear_for_lock()

    draft = vault.plans.draft(client.id)
    assert draft is not None
    assert [p.statement for p in draft.problems] == ["Panic attacks on the commute"]
    assert sorted(c.name for c in vault.clients.contacts(client.id)) == ["Dr. Quintanilla-Berg", "Quintanilla sister"]
    assert vault.clients.get(client.id).emergency_name == "Teo Quintanilla"
    texts = shown_texts(window)
    assert not [t for t in texts if "Quintanilla" in t or "Sol" in t.split() or "F41.1" in t]
    for top in QApplication.topLevelWidgets():
        if top.isVisible() and top is not window:
            assert not [t for t in shown_texts(top) if "Quintanilla" in t]
    window.close()
    assert answers.asked == []  # nothing left unsaved to ask about


def test_contact_and_release_models_pass_the_model_tester(
    qtbot: QtBot, vault: Vault, qtmodeltester: ModelTester
) -> None:
    client = make_client(vault)
    assert client.id is not None
    vault.clients.save_contact(CareContact(client.id, ContactRole.SCHOOL, "Ms. Okafor", "Lincoln High"))
    vault.clients.add_release(Release(client.id, "Lincoln High", "Attendance", "Accommodations", TODAY))
    window = open_chart(qtbot, vault, client.id)
    check: Callable[[QAbstractItemModel], None] = qtmodeltester.check  # pytest-qt leaves it unannotated
    check(window.contacts.contacts)
    check(window.contacts.releases)
