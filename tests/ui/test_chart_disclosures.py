"""The chart's disclosures: logging one by keyboard, under a release or a court order, and printing the
client's accounting of disclosures."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from tests.templates import pdf_text
from tests.ui.test_chart import make_client, open_chart
from therapy_desk.domain.clients import Release
from therapy_desk.domain.disclosures import Disclosure, DisclosureBasis
from therapy_desk.storage.vault import Vault
from therapy_desk.ui.chart import TAB_CONTACTS, ChartWindow
from therapy_desk.ui.chart_disclosures import DISCLOSURE_COL_BASIS, DISCLOSURE_COL_RECIPIENT, DISCLOSURE_COL_WHAT


def chart_with_release(qtbot: QtBot, vault: Vault, *, psychotherapy: bool = False) -> tuple[ChartWindow, int]:
    client = make_client(vault)
    assert client.id is not None
    vault.clients.add_release(
        Release(client.id, "Dr. Lena Fischer", "diagnosis, plan", "Coordination of care", date.today(),
                covers_psychotherapy_notes=psychotherapy)
    )  # fmt: skip
    window = open_chart(qtbot, vault, client.id)
    window.show_tab(TAB_CONTACTS)
    return window, client.id


def test_a_court_disclosure_is_logged_by_keyboard_and_listed(qtbot: QtBot, vault: Vault) -> None:
    window, client_id = chart_with_release(qtbot, vault)
    tab = window.contacts
    dialog = tab.log_disclosure()
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.basis.currentData() == DisclosureBasis.COURT
    QTest.keyClicks(dialog.recipient, "Kings County Family Court")
    QTest.keyClicks(dialog.purpose, "Subpoena, docket F-2231-26")
    QTest.keyClicks(dialog.what, "Chart copy, January to June")
    qtbot.waitUntil(dialog.isActiveWindow)
    QTest.keyClick(dialog.what, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert dialog.errors.visible_messages() == []
    assert not dialog.isVisible()
    [logged] = vault.disclosures.for_client(client_id)
    assert logged.recipient == "Kings County Family Court"
    assert logged.basis is DisclosureBasis.COURT
    model = tab.disclosures
    assert model.data(model.index(0, DISCLOSURE_COL_RECIPIENT)) == "Kings County Family Court"
    assert model.data(model.index(0, DISCLOSURE_COL_BASIS)) == "Court order or subpoena"


def test_choosing_a_release_fills_the_disclosure_and_psychotherapy_notes_need_one_that_names_them(
    qtbot: QtBot, vault: Vault
) -> None:
    window, client_id = chart_with_release(qtbot, vault)
    dialog = window.contacts.log_disclosure()
    assert dialog is not None
    dialog.release.setCurrentIndex(1)
    assert dialog.recipient.text() == "Dr. Lena Fischer"
    assert dialog.purpose.text() == "Coordination of care"
    assert dialog.basis.currentData() == DisclosureBasis.AUTHORIZATION
    QTest.keyClicks(dialog.what, "Treatment plan")
    dialog.psychotherapy.setChecked(True)
    assert not dialog.save()
    assert "does not cover psychotherapy notes" in dialog.errors.visible_messages()[0]
    assert dialog.isVisible()
    assert vault.disclosures.for_client(client_id) == []
    dialog.psychotherapy.setChecked(False)
    assert dialog.save()
    [logged] = vault.disclosures.for_client(client_id)
    assert logged.release_id == vault.clients.releases(client_id)[0].id
    model = window.contacts.disclosures
    assert model.data(model.index(0, DISCLOSURE_COL_WHAT)) == "Treatment plan"


def test_a_disclosure_with_nothing_typed_is_refused_field_by_field(qtbot: QtBot, vault: Vault) -> None:
    window, client_id = chart_with_release(qtbot, vault)
    dialog = window.contacts.log_disclosure()
    assert dialog is not None
    assert not dialog.save()
    assert dialog.errors.visible_messages() == ["The recipient is required."]
    assert dialog.focusWidget() is dialog.recipient
    assert vault.disclosures.for_client(client_id) == []


def test_the_accounting_is_printed_into_the_chosen_folder(qtbot: QtBot, vault: Vault, tmp_path: Path) -> None:
    window, client_id = chart_with_release(qtbot, vault)
    vault.disclosures.record(
        Disclosure(client_id, date.today(), "State Licensing Board", DisclosureBasis.HEALTH_OVERSIGHT, "Audit", "Notes")
    )
    dialog = window.contacts.print_accounting()
    assert dialog is not None
    assert dialog.write() is None
    assert "Choose the folder" in dialog.errors.visible_messages()[0]
    QTest.keyClicks(dialog.folder.edit, str(tmp_path))
    QTest.mouseClick(dialog.write_button, Qt.MouseButton.LeftButton)
    assert dialog.written is not None
    assert dialog.written.parent == tmp_path
    assert "State Licensing Board" in pdf_text.text(dialog.written.read_bytes())
    assert dialog.written.name in dialog.written_label.text()
