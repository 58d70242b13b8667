"""Tab goes through each form in the order a clinician fills it in, top to bottom, then its buttons.

Each test puts the focus on the form's first field and presses Tab, as a user does, recording which
field the focus lands on: the real focus chain, with disabled and hidden widgets skipped as Qt skips
them. Every field is one Tab stop, date fields too: one press, one field.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QDialogButtonBox, QWidget
from pytestqt.qtbot import QtBot

from tests.ui.test_chart import make_client, open_chart
from therapy_desk.domain.billing import Payer
from therapy_desk.domain.clients import CareContact, ContactRole
from therapy_desk.storage.vault import Vault
from therapy_desk.ui.chart import TAB_DIAGNOSES, TAB_OVERVIEW, TAB_PLAN, ChartWindow
from therapy_desk.ui.chart_common import DateDialog
from therapy_desk.ui.chart_contact_dialogs import ContactDialog, ReleaseDialog
from therapy_desk.ui.coverage_dialog import CoverageDialog
from therapy_desk.ui.first_run import WelcomeWindow
from therapy_desk.ui.ops import Ops
from therapy_desk.ui.settings import ChangePassphraseDialog, RecoveryCodeDialog, SettingsView
from therapy_desk.ui.widgets.client_form import AddClientDialog

CLIENT_FIELDS = [
    *("Legal first name", "Legal middle name", "Legal last name", "Preferred name", "Pronouns"),
    *("Date of birth", "Sex (administrative)", "Status", "Referral source"),
    *("Phone", "Email", "Street address", "City", "State", "ZIP code"),
    *("Emergency contact name", "Emergency contact phone", "Emergency contact relationship"),
]
PROFILE_FIELDS = [
    *("Name as on your NPI record", "Credentials", "License number", "License state", "NPI", "Taxonomy code"),
    *("Tax ID type", "Tax ID", "Show the tax ID", "Street address", "City", "State", "ZIP+4", "Phone", "Email"),
    *("Billing group", "Group NPI", "Facility name", "Facility NPI"),
    *("Facility street", "Facility city", "Facility state", "Facility ZIP+4"),
]


def stop_name(widget: QWidget | None) -> str:
    """How a user knows where the focus is: the field's accessible name, else the button's words."""
    while widget is not None:
        if widget.accessibleName():
            return widget.accessibleName()
        if isinstance(widget, QAbstractButton) and widget.text():
            return widget.text().replace("&", "")
        widget = widget.parentWidget()
    return "nothing"


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None, "the window is not active"
    return widget


def tab_stops(first: QWidget, count: int) -> list[str]:
    """Focus `first`, then press Tab `count - 1` times: where the focus lands after each press."""
    first.setFocus(Qt.FocusReason.TabFocusReason)
    stops = [stop_name(focused())]
    for _press in range(count - 1):
        QTest.keyClick(focused(), Qt.Key.Key_Tab)
        stops.append(stop_name(focused()))
    return stops


def buttons_as_laid_out(box: QDialogButtonBox) -> list[str]:
    """A button box's buttons left to right (the platform decides the order): Tab must follow it."""
    shown = [b for b in box.buttons() if b.isVisible() and b.isEnabled()]
    return [stop_name(b) for b in sorted(shown, key=lambda b: b.mapTo(box, b.rect().topLeft()).x())]


def show(qtbot: QtBot, window: QWidget) -> None:
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)  # focus moves only in the active window


def around(qtbot: QtBot, dialog: QWidget, first: QWidget, fields: list[str], box: QDialogButtonBox) -> None:
    """Tab from `first` goes through `fields`, the buttons as laid out, and back to `first`."""
    show(qtbot, dialog)
    expected = [*fields, *buttons_as_laid_out(box), fields[0]]
    assert tab_stops(first, len(expected)) == expected


@pytest.fixture
def chart(qtbot: QtBot, vault: Vault) -> ChartWindow:
    client = make_client(vault)
    assert client.id is not None
    return open_chart(qtbot, vault, client.id)


# -- clients ----------------------------------------------------------------------------------------


def test_add_client_goes_names_birth_sex_status_then_contact_details(qtbot: QtBot, vault: Vault) -> None:
    dialog = AddClientDialog(vault)
    around(qtbot, dialog, dialog.form.field_widget("legal_first"), CLIENT_FIELDS, dialog.buttons)
    dialog.discard()


def test_digits_typed_after_the_last_name_land_in_the_date_of_birth(qtbot: QtBot, vault: Vault) -> None:
    dialog = AddClientDialog(vault)
    show(qtbot, dialog)
    QTest.keyClicks(dialog.form.field_widget("legal_first"), "Marisol")
    for _field in range(5):  # past the middle name, last name, preferred name and pronouns
        QTest.keyClick(focused(), Qt.Key.Key_Tab)
    QTest.keyClicks(focused(), "05/17/1990")

    assert dialog.form.dob.text() == "05/17/1990"
    assert dialog.form.field_widget("phone").property("text") == ""
    dialog.discard()


def test_editing_demographics_in_the_chart_follows_the_same_order(qtbot: QtBot, chart: ChartWindow) -> None:
    chart.show_tab(TAB_OVERVIEW)
    chart.overview.start_edit()
    form = chart.overview._form
    assert form is not None
    box = chart.overview.save_button.parentWidget()
    assert isinstance(box, QDialogButtonBox)
    expected = [*CLIENT_FIELDS, *buttons_as_laid_out(box)]

    assert tab_stops(form.field_widget("legal_first"), len(expected)) == expected
    chart.overview.cancel_edit()


# -- the chart's forms -----------------------------------------------------------------------------


def test_contact_dialog(qtbot: QtBot, vault: Vault, chart: ChartWindow) -> None:
    dialog = ContactDialog(chart.client_id, None, lambda contact: contact)
    fields = ["Role", "Name", "Organization", "NPI", "Phone", "Fax", "Email", "Notes"]
    around(qtbot, dialog, dialog.role, fields, dialog.buttons)


def test_coverage_dialog_asks_box_1_after_the_payer_and_the_signatures_on_file_last(
    qtbot: QtBot, chart: ChartWindow
) -> None:
    payers = [Payer("Cascade Health Plan", id=1)]
    dialog = CoverageDialog(chart.client_id, None, payers, lambda coverage: coverage)
    dialog.release_signed.check.setChecked(True)  # a set date is a stop of its own after its check box
    fields = [
        *("Payer", "Insurance type", "Plan rank", "Member ID", "Group number", "Plan name"),
        *("Relationship to the subscriber", "Copay", "Coinsurance percent", "Authorization number"),
        *("Authorized visits", "Authorization from: set", "Authorization until: set", "Coverage starts"),
        "Coverage ends: set",
        *("Release of information signed on: on file", "Release of information signed on"),
        "Assignment of benefits signed on: on file",
    ]
    around(qtbot, dialog, dialog.payer, fields, dialog.buttons)


def test_release_dialog(qtbot: QtBot, chart: ChartWindow) -> None:
    contact = CareContact(chart.client_id, ContactRole.PCP, "Dr. Lena Fischer", id=1)
    dialog = ReleaseDialog(chart.client_id, [contact], lambda release: release)
    fields = [
        *("Contact", "Recipient", "May share", "Purpose", "Signed on", "Expires on: set", "Expires on"),
        "Covers psychotherapy notes (needs its own specific authorization)",
    ]
    around(qtbot, dialog, dialog.contact, fields, dialog.buttons)


def test_date_dialog(qtbot: QtBot, chart: ChartWindow) -> None:
    dialog = DateDialog("Resolve diagnosis", "F41.1 will move to the resolved list.", "Resolved on", print)
    box = dialog.ok_button.parentWidget()
    assert isinstance(box, QDialogButtonBox)
    around(qtbot, dialog, dialog.date_edit, ["Resolved on"], box)


def test_diagnoses_tab(qtbot: QtBot, vault: Vault, chart: ChartWindow) -> None:
    chart.show_tab(TAB_DIAGNOSES)
    tab = chart.diagnoses
    tab.onset.check.setChecked(True)
    expected = ["ICD-10-CM code or words", "Use on claims", "Onset date: set", "Onset date", "Add diagnosis"]
    assert tab_stops(tab.code_edit, len(expected) + 1) == [*expected, "Diagnoses"]


def test_plan_editor_goes_plan_fields_items_the_selected_item_then_save_and_sign(
    qtbot: QtBot, chart: ChartWindow
) -> None:
    chart.show_tab(TAB_PLAN)
    tab = chart.plan
    tab.new_plan()
    tab.editor.add_goal()
    tab.editor.add_objective()
    tab.editor.objective_target.check.setChecked(True)
    expected = [
        *("Effective date", "Review due", "Frequency of treatment", "Client participation"),
        "Problems, goals, objectives and interventions",
        *("Add problem", "Add goal", "Add objective", "Add intervention", "Remove"),
        *("Objective (measurable)", "Objective target date: set", "Objective target date"),
        *("Discard draft", "Save draft", "Review and sign"),
    ]
    assert tab_stops(tab.editor.effective, len(expected)) == expected

    tab.editor.add_intervention()
    stops = tab_stops(tab.editor.remove_button, 4)
    assert stops == ["Remove", "Modality", "Intervention description and frequency", "Discard draft"]


# -- settings ----------------------------------------------------------------------------------------


def test_practice_profile(qtbot: QtBot, vault: Vault, ops: Ops) -> None:
    view = SettingsView(vault, ops)
    expected = [*PROFILE_FIELDS, "Save profile"]
    view.profile_form.editors["name"].setText("Dana Reyes")  # an edit turns Save on
    view.profile_form.editors["name"].textEdited.emit("Dana Reyes")
    show(qtbot, view)
    assert tab_stops(view.profile_form.editors["name"], len(expected)) == expected


def test_security_settings(qtbot: QtBot, vault: Vault, ops: Ops) -> None:
    view = SettingsView(vault, ops)
    show(qtbot, view)
    view.tabs.setCurrentIndex(1)
    view.quick_unlock.setEnabled(True)  # whatever this machine's keychain offers
    expected = [
        *("Lock after (minutes without activity)", "Unlock with this computer's keychain (quick unlock)"),
        *("Change passphrase", "Issue a new recovery code", "Check vault"),
    ]
    assert tab_stops(view.auto_lock, len(expected)) == expected


def test_change_passphrase(qtbot: QtBot) -> None:
    dialog = ChangePassphraseDialog()
    dialog.current.setText("old enough passphrase")
    dialog.new.first.setText("a brand new passphrase")
    dialog.new.second.setText("a brand new passphrase")  # the Change button turns on
    fields = ["Current passphrase", "New passphrase", "New passphrase, type it again", "Show passphrase as typed"]
    around(qtbot, dialog, dialog.current, fields, dialog.buttons)
    assert "Change passphrase" in buttons_as_laid_out(dialog.buttons)


def test_new_recovery_code(qtbot: QtBot, ops: Ops) -> None:
    dialog = RecoveryCodeDialog(ops)
    dialog.panel.set_code("ABCD-EFGH-JKMN", "vault")
    dialog.panel.stored.setChecked(True)  # Done turns on
    fields = ["Recovery code", "Save Recovery Kit PDF", "I have stored my recovery code"]
    around(qtbot, dialog, dialog.panel.code_label, fields, dialog.buttons)
    dialog.accept()


def test_first_run_recovery_code_page(qtbot: QtBot, tmp_path: Path) -> None:
    window = WelcomeWindow(vault_dir=tmp_path / "vault")
    show(qtbot, window)
    window.stack.setCurrentIndex(2)
    window.recovery.set_code("ABCD-EFGH-JKMN", "vault")
    window.recovery.stored.setChecked(True)
    expected = ["Recovery code", "Save Recovery Kit PDF", "I have stored my recovery code", "Next: your practice"]
    assert tab_stops(window.recovery.code_label, len(expected) + 1) == [*expected, "Recovery code"]


def test_the_first_field_has_the_focus_when_a_form_opens(qtbot: QtBot, vault: Vault, chart: ChartWindow) -> None:
    dialog = AddClientDialog(vault)
    show(qtbot, dialog)
    assert stop_name(QApplication.focusWidget()) == "Legal first name"
    dialog.discard()
