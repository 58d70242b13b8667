"""Records past retention: the list, the confirmation that asks for the reason and the last name, the
disposal log, and the practice's retention numbers in Settings."""

from __future__ import annotations

from datetime import date

from pytestqt.qtbot import QtBot

from therapy_desk.domain.clients import Client, ClientStatus
from therapy_desk.domain.retention import RetentionRules
from therapy_desk.storage.vault import Vault
from therapy_desk.ui.ops import Ops
from therapy_desk.ui.retention import RetentionDialog
from therapy_desk.ui.settings import SettingsView

LATER = date(2031, 6, 1)


def _client(vault: Vault, first: str, last: str, status: ClientStatus) -> int:
    made = vault.clients.create(
        Client(first, last, date(1980, 2, 3), status=status, intake_date=date(2020, 3, 1)), today=date(2020, 3, 1)
    )
    assert made.id is not None
    return made.id


def _dialog(qtbot: QtBot, vault: Vault, today: date = LATER) -> RetentionDialog:
    dialog = RetentionDialog(vault, today=today)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_nothing_is_listed_before_retention_ends(qtbot: QtBot, vault: Vault) -> None:
    _client(vault, "Rosa", "Vidal", ClientStatus.DISCHARGED)
    dialog = _dialog(qtbot, vault, today=date(2027, 2, 28))
    assert dialog.past.rowCount() == 0
    assert dialog.intro.text().startswith("No record has reached the end of retention.")
    assert not dialog.dispose_button.isEnabled()


def test_an_active_client_is_listed_but_cannot_be_disposed_of(qtbot: QtBot, vault: Vault) -> None:
    _client(vault, "Rosa", "Vidal", ClientStatus.ACTIVE)
    dialog = _dialog(qtbot, vault)
    assert [dialog.past.data(dialog.past.index(0, c)) for c in (0, 2, 3, 4)] == [
        "Vidal, Rosa", "Mar 1, 2020", "Mar 1, 2027", "Active",
    ]  # fmt: skip
    assert not dialog.dispose_button.isEnabled()
    assert "discharge the client first" in dialog.status.text()
    assert dialog.open_dispose() is None


def test_a_record_is_disposed_of_only_after_the_reason_and_the_last_name_are_typed(qtbot: QtBot, vault: Vault) -> None:
    keep = _client(vault, "Ada", "Nilsen", ClientStatus.DISCHARGED)
    gone = _client(vault, "Rosa", "Vidal", ClientStatus.DISCHARGED)
    dialog = _dialog(qtbot, vault)
    dialog.table.selectRow(next(n for n, r in enumerate(dialog.past.rows()) if r.client_id == gone))
    confirm = dialog.open_dispose()
    assert confirm is not None
    assert "cannot be undone" in confirm.warning.text()
    assert "Backups made before today still hold the record" in confirm.warning.text()
    assert "Rosa Vidal" in confirm.summary.text()
    assert not confirm.dispose_button.isEnabled()
    confirm.reason.setText("Retention period ended (7 years)")
    confirm.confirm.setText("Nilsen")
    assert not confirm.dispose_button.isEnabled()
    confirm.confirm.setText(" vidal ")
    assert confirm.dispose_button.isEnabled()
    grab = dialog.grab()
    confirm.dispose_button.click()

    assert not confirm.isVisible()
    assert [r.client_id for r in dialog.past.rows()] == [keep]
    assert [d.legal_name for d in dialog.log.rows()] == ["Rosa Vidal"]
    assert dialog.log.data(dialog.log.index(0, 7)) == "Retention period ended (7 years)"
    assert "was disposed of" in dialog.status.text()
    assert vault.clients.count() == 1
    assert not grab.isNull()


def test_the_retention_numbers_are_saved_from_settings(qtbot: QtBot, vault: Vault, ops: Ops) -> None:
    view = SettingsView(vault, ops)
    qtbot.addWidget(view)
    assert view.tabs.tabText(2) == "Records kept"
    panel = view.retention
    assert (panel.years.value(), panel.age.value(), panel.minor_years.value()) == (7, 18, 7)
    panel.years.setValue(10)
    panel.age.setValue(21)
    panel.minor_years.setValue(3)
    assert vault.retention.rules() == RetentionRules(10, 21, 3)
    assert panel.status.text() == "Saved."
    vault.practice.set_setting("retention.years_after_service", "6")
    view.load()
    assert panel.years.value() == 6
