"""The claim's boxes in the dialogs that already existed: a coverage's insurance type and signatures on file
(CMS-1500 boxes 1, 12, 13), a care contact's NPI (box 17b), the practice's billing group (box 33) and
service facility (box 32). Each is typed, saved, read back from the vault, and refused with its sentence."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from tests.ui.test_chart import make_client, open_chart
from therapy_desk.domain.billing import Payer, PayerKind
from therapy_desk.domain.claims import InsuranceType, insurance_type_for
from therapy_desk.domain.practice import PracticeProfile
from therapy_desk.domain.validation import npi_check_digit_ok
from therapy_desk.storage.vault import Vault
from therapy_desk.ui.chart import TAB_BILLING, TAB_CONTACTS, ChartWindow
from therapy_desk.ui.chart_common import to_qdate
from therapy_desk.ui.chart_contact_dialogs import ContactDialog
from therapy_desk.ui.coverage_dialog import CoverageDialog
from therapy_desk.ui.ops import Ops
from therapy_desk.ui.settings import SettingsView

GOOD_NPI = "1234567893"
BAD_NPI = "1234567890"  # ten digits, wrong check digit
BAD_NPI_SENTENCE = f"{BAD_NPI} is not a valid NPI: its check digit does not match. Check it for a typo."
FACILITY_NPI = "1245319599"
TODAY = date.today()


def test_the_sample_npis_are_what_the_tests_say() -> None:
    assert npi_check_digit_ok(GOOD_NPI)
    assert npi_check_digit_ok(FACILITY_NPI)
    assert not npi_check_digit_ok(BAD_NPI)


# -- coverage: insurance type, release and assignment on file ---------------------------------------------


def _billing_chart(qtbot: QtBot, vault: Vault, *payers: Payer) -> tuple[int, ChartWindow]:
    for payer in payers:
        vault.billing.add_payer(payer)
    client = make_client(vault)
    assert client.id is not None
    window = open_chart(qtbot, vault, client.id)
    window.show_tab(TAB_BILLING)
    return client.id, window


def _add_coverage(window: ChartWindow) -> CoverageDialog:
    dialog = window.billing.add_coverage()
    assert dialog is not None
    return dialog


def test_insurance_type_and_signatures_on_file_are_saved_and_shown_again(qtbot: QtBot, vault: Vault) -> None:
    client_id, window = _billing_chart(qtbot, vault, Payer("Cascade Health Plan"))
    dialog = _add_coverage(window)
    qtbot.waitUntil(dialog.isActiveWindow)
    assert dialog.insurance_type.currentText() == "Group health plan"  # a commercial payer
    dialog.member_id.setText("M1")
    dialog.insurance_type.setCurrentIndex(dialog.insurance_type.findText("TRICARE"))
    QTest.keyClick(dialog, Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)  # Release of information signed on
    assert dialog.release_signed.check.hasFocus()
    QTest.keyClick(dialog.release_signed.check, Qt.Key.Key_Space)
    dialog.release_signed.edit.setDate(to_qdate(TODAY - timedelta(days=30)))
    dialog.assignment_signed.check.setChecked(True)
    dialog.assignment_signed.edit.setDate(to_qdate(TODAY - timedelta(days=29)))
    assert dialog.save()

    [saved] = vault.billing.coverages(client_id)
    assert saved.insurance_type is InsuranceType.TRICARE
    assert saved.release_signed_on == TODAY - timedelta(days=30)
    assert saved.assignment_signed_on == TODAY - timedelta(days=29)

    again = window.billing.edit_coverage()
    assert again is not None
    assert again.insurance_type.currentText() == "TRICARE"
    assert again.release_signed.day() == TODAY - timedelta(days=30)
    assert again.assignment_signed.day() == TODAY - timedelta(days=29)
    assert not again.is_dirty()
    again.plan_name.setText("Gold PPO")  # an edit elsewhere keeps the boxes as they were
    assert again.save()
    [kept] = vault.billing.coverages(client_id)
    assert (kept.plan_name, kept.insurance_type, kept.release_signed_on) == (
        "Gold PPO",
        InsuranceType.TRICARE,
        TODAY - timedelta(days=30),
    )
    assert kept.assignment_signed_on == TODAY - timedelta(days=29)


def test_an_unset_signature_is_saved_as_not_on_file(qtbot: QtBot, vault: Vault) -> None:
    client_id, window = _billing_chart(qtbot, vault, Payer("Cascade Health Plan"))
    dialog = _add_coverage(window)
    dialog.member_id.setText("M1")
    assert not dialog.release_signed.edit.isEnabled()  # the date waits for its check box
    assert dialog.save()
    [saved] = vault.billing.coverages(client_id)
    assert (saved.release_signed_on, saved.assignment_signed_on) == (None, None)


def test_a_signature_dated_tomorrow_is_refused_under_its_row(qtbot: QtBot, vault: Vault) -> None:
    client_id, window = _billing_chart(qtbot, vault, Payer("Cascade Health Plan"))
    dialog = _add_coverage(window)
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.member_id.setText("M1")
    dialog.assignment_signed.set_day(TODAY + timedelta(days=1))

    assert not dialog.save()

    label = dialog.errors.label("assignment_signed_on")
    assert label is not None
    assert label.isVisible()
    assert dialog.errors.visible_messages() == [label.text()]
    assert "assignment" in label.text()
    assert dialog.assignment_signed.check.hasFocus()
    assert vault.billing.coverages(client_id) == []


def test_the_insurance_type_follows_a_medicaid_payer_until_the_user_picks_one(qtbot: QtBot, vault: Vault) -> None:
    client_id, window = _billing_chart(
        qtbot,
        vault,
        Payer("Cascade Health Plan"),
        Payer("Riverbend Community Care", PayerKind.MEDICAID),
        Payer("Federal Medicare", PayerKind.MEDICARE),
    )
    dialog = _add_coverage(window)
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.payer.setCurrentIndex(dialog.payer.findText("Riverbend Community Care"))
    assert dialog.insurance_type.currentText() == "Medicaid"
    dialog.payer.setCurrentIndex(dialog.payer.findText("Federal Medicare"))
    assert dialog.insurance_type.currentText() == "Medicare"
    dialog.payer.setCurrentIndex(dialog.payer.findText("Riverbend Community Care"))
    dialog.member_id.setText("M1")
    assert dialog.save()
    [saved] = vault.billing.coverages(client_id)
    assert saved.insurance_type is InsuranceType.MEDICAID

    picked = _add_coverage(window)  # a second policy, chosen by hand: the payer no longer decides
    qtbot.waitUntil(picked.isActiveWindow)
    picked.insurance_type.setFocus()
    QTest.keyClick(picked.insurance_type, Qt.Key.Key_End)  # the keyboard's pick: "Other"
    assert picked.insurance_type.currentText() == "Other"
    picked.payer.setCurrentIndex(picked.payer.findText("Riverbend Community Care"))
    assert picked.insurance_type.currentText() == "Other"
    picked.reject()


# -- care contact: NPI -----------------------------------------------------------------------------------


def _adding_contact(qtbot: QtBot, vault: Vault) -> tuple[int, ChartWindow, ContactDialog]:
    client = make_client(vault)
    assert client.id is not None
    window = open_chart(qtbot, vault, client.id)
    window.show_tab(TAB_CONTACTS)
    dialog = window.contacts.add_contact()
    assert dialog is not None
    qtbot.waitUntil(dialog.isActiveWindow)
    return client.id, window, dialog


def test_a_referring_contacts_npi_is_saved_and_shown_when_edited(qtbot: QtBot, vault: Vault) -> None:
    client_id, window, dialog = _adding_contact(qtbot, vault)
    QTest.keyClicks(dialog.name, "Dr. Aiyana Redcloud")
    QTest.keyClick(dialog, Qt.Key.Key_I, Qt.KeyboardModifier.AltModifier)
    assert dialog.npi.hasFocus()
    QTest.keyClicks(dialog.npi, f" {GOOD_NPI[:5]} {GOOD_NPI[5:]}")
    assert dialog.npi_hint.isVisible()
    assert "refers the client for a claim" in dialog.npi_hint.text()
    assert dialog.save()

    [saved] = vault.clients.contacts(client_id)
    assert saved.npi == GOOD_NPI
    window.contacts.contact_table.selectRow(0)
    again = window.contacts.edit_contact()
    assert again is not None
    assert again.npi.text() == GOOD_NPI
    again.reject()


def test_an_npi_with_a_wrong_check_digit_is_its_sentence_under_the_field(qtbot: QtBot, vault: Vault) -> None:
    client_id, _window, dialog = _adding_contact(qtbot, vault)
    QTest.keyClicks(dialog.name, "Dr. Aiyana Redcloud")
    QTest.keyClicks(dialog.npi, BAD_NPI)
    QTest.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    label = dialog.errors.label("npi")
    assert label is not None
    assert label.isVisible()
    assert label.text() == BAD_NPI_SENTENCE
    assert label.parentWidget() is dialog.npi.parentWidget()  # right under the NPI
    assert dialog.npi.hasFocus()
    assert dialog.isVisible()
    assert vault.clients.contacts(client_id) == []


# -- the practice profile: billing as a group, the service facility ---------------------------------------


def _settings(qtbot: QtBot, vault: Vault, ops: Ops) -> SettingsView:
    view = SettingsView(vault, ops)
    qtbot.addWidget(view)
    view.show()
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow)  # leaving a field by Tab, and the focus a refusal moves, need it
    return view


def test_a_billing_group_and_service_facility_are_saved_and_shown_again(qtbot: QtBot, vault: Vault, ops: Ops) -> None:
    view = _settings(qtbot, vault, ops)
    form = view.profile_form
    qtbot.keyClicks(form.editors["name"], "Rosalind Marchetti")
    qtbot.keyClicks(form.editors["group_name"], "Alder Street Counseling")
    qtbot.keyClicks(form.editors["group_npi"], GOOD_NPI)
    qtbot.keyClicks(form.editors["facility_name"], "Eastside Community Center")
    qtbot.keyClicks(form.editors["facility_npi"], FACILITY_NPI)
    qtbot.keyClicks(form.editors["facility_street"], "400 SE Ash St")
    qtbot.keyClicks(form.editors["facility_city"], "Portland")
    qtbot.keyClicks(form.editors["facility_state"], "or")
    qtbot.keyClicks(form.editors["facility_zip"], "97214-1234")
    qtbot.mouseClick(view.save_button, Qt.MouseButton.LeftButton)

    assert view.profile_status.text() == "Saved."
    saved = vault.practice.profile()
    assert (saved.group_name, saved.group_npi) == ("Alder Street Counseling", GOOD_NPI)
    assert (saved.facility_name, saved.facility_npi, saved.facility_street) == (
        "Eastside Community Center",
        FACILITY_NPI,
        "400 SE Ash St",
    )
    assert (saved.facility_city, saved.facility_state, saved.facility_zip) == ("Portland", "OR", "97214-1234")

    shown = _settings(qtbot, vault, ops).profile_form
    assert shown.editors["group_npi"].text() == GOOD_NPI
    assert shown.editors["facility_state"].text() == "OR"
    assert not shown.is_dirty()


def test_clearing_the_group_in_the_form_clears_it_in_the_vault(qtbot: QtBot, vault: Vault, ops: Ops) -> None:
    vault.practice.save_profile(PracticeProfile(name="Rosalind Marchetti", group_name="Alder", group_npi=GOOD_NPI))
    view = _settings(qtbot, vault, ops)
    form = view.profile_form
    assert form.editors["group_name"].text() == "Alder"
    for name in ("group_name", "group_npi"):
        form.editors[name].selectAll()
        QTest.keyClick(form.editors[name], Qt.Key.Key_Delete)
    qtbot.mouseClick(view.save_button, Qt.MouseButton.LeftButton)
    assert (vault.practice.profile().group_name, vault.practice.profile().group_npi) == ("", "")


def test_a_group_name_without_its_npi_is_refused_on_the_group_row(qtbot: QtBot, vault: Vault, ops: Ops) -> None:
    view = _settings(qtbot, vault, ops)
    form = view.profile_form
    qtbot.keyClicks(form.editors["name"], "Rosalind Marchetti")
    form.editors["group_name"].setFocus()
    qtbot.keyClicks(form.editors["group_name"], "Alder Street Counseling")
    qtbot.keyClick(form.editors["group_name"], Qt.Key.Key_Tab)  # leaving the name for the NPI says nothing yet
    assert not form.errors["group_npi"].isVisible()

    qtbot.mouseClick(view.save_button, Qt.MouseButton.LeftButton)

    assert form.errors["group_npi"].isVisible()
    assert form.errors["group_npi"].text() == "Billing as a group needs both the group's name and its NPI."
    assert form.editors["group_npi"].hasFocus()
    assert vault.practice.profile().name == ""  # nothing saved


def test_a_facility_npi_with_a_wrong_check_digit_is_refused_on_its_row(qtbot: QtBot, vault: Vault, ops: Ops) -> None:
    view = _settings(qtbot, vault, ops)
    form = view.profile_form
    qtbot.keyClicks(form.editors["name"], "Rosalind Marchetti")
    form.editors["facility_npi"].setFocus()
    qtbot.keyClicks(form.editors["facility_npi"], BAD_NPI)
    qtbot.keyClick(form.editors["facility_npi"], Qt.Key.Key_Tab)
    assert form.editors["facility_street"].hasFocus()
    assert form.errors["facility_npi"].isVisible()  # said on leaving the field
    assert form.errors["facility_npi"].text() == BAD_NPI_SENTENCE

    qtbot.mouseClick(view.save_button, Qt.MouseButton.LeftButton)
    assert form.errors["facility_npi"].text() == BAD_NPI_SENTENCE
    assert form.editors["facility_npi"].hasFocus()
    assert vault.practice.profile().name == ""


def test_the_name_on_the_card_is_reached_by_its_mnemonic_and_saved(qtbot: QtBot, vault: Vault) -> None:
    client_id, window = _billing_chart(qtbot, vault, Payer("Cascade Health Plan"))
    dialog = _add_coverage(window)
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.member_id.setText("M1")
    QTest.keyClick(dialog, Qt.Key.Key_C, Qt.KeyboardModifier.AltModifier)
    assert dialog.card_first.hasFocus()
    QTest.keyClicks(dialog.card_first, "Wei")
    dialog.card_last.setText("Zhang")
    assert dialog.save()
    [saved] = vault.billing.coverages(client_id)
    assert (saved.card_first, saved.card_last) == ("Wei", "Zhang")
    again = window.billing.edit_coverage()
    assert again is not None
    assert (again.card_first.text(), again.card_last.text()) == ("Wei", "Zhang")


def test_an_eap_payer_is_box_1_other() -> None:
    assert insurance_type_for(PayerKind.EAP) is InsuranceType.OTHER
    assert insurance_type_for(PayerKind.COMMERCIAL) is InsuranceType.GROUP
