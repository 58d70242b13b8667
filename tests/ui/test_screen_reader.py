"""What a screen reader hears, read through Qt's accessibility layer as a screen reader reads it: the
safety alert's sentence, errors where they appear, the recovery code spelled out, the status bar's
states, a plan item marked with an error. tests/ui/test_accessibility.py walks every view for the
general rules (a label's words reachable, each caption in its control's name).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QWidget,
)
from pytestqt.qtbot import QtBot

from tests.conftest import PASSPHRASE
from tests.ui.test_chart import Answers, answers, make_client, open_chart
from tests.ui.test_shortcuts import main
from therapy_desk.storage.vault import Vault
from therapy_desk.ui.chart import TAB_PLAN
from therapy_desk.ui.main_window import MainWindow
from therapy_desk.ui.ops import Ops
from therapy_desk.ui.settings import RecoveryCodeDialog, SettingsView
from therapy_desk.ui.unlock import UnlockWindow
from therapy_desk.ui.widgets.client_form import AddClientDialog
from therapy_desk.ui.widgets.status_label import plain_text

__all__ = ["answers", "main"]  # fixtures shared with test_chart and test_shortcuts

TODAY = date.today()
CODE = "K7QF-2M9D-XR4T-B8WN"


def name(widget: QWidget) -> str:
    """What a screen reader announces as the widget's name."""
    return QAccessible.queryAccessibleInterface(widget).text(QAccessible.Text.Name)


def description(widget: QWidget) -> str:
    return QAccessible.queryAccessibleInterface(widget).text(QAccessible.Text.Description)


def heard(widget: QWidget) -> str:
    return f"{name(widget)} {description(widget)}"


def words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"\w+", text)}


def plain(label: QLabel) -> str:
    """The label's text as shown: HTML stripped, "&" mnemonics removed."""
    return plain_text(label).replace("&&", "\0").replace("&", "").replace("\0", "&")


def _show(qtbot: QtBot, widget: QWidget) -> None:
    qtbot.addWidget(widget)
    widget.show()
    QApplication.processEvents()


@pytest.fixture(autouse=True)
def screen_reader_on(qapp: QApplication) -> Iterator[None]:
    """Qt's accessibility on, as when a screen reader runs: tables then follow their models' changes."""
    QAccessible.setActive(True)
    yield
    QAccessible.setActive(False)


def shown_label(window: QWidget, text: str) -> QLabel:
    """The visible label showing exactly `text`."""
    labels = [lbl for lbl in window.findChildren(QLabel) if lbl.isVisible() and plain(lbl) == text]
    assert len(labels) == 1, f"{len(labels)} visible labels show “{text}”"
    return labels[0]


def assert_heard(label: QLabel, role: str) -> None:
    """A screen reader says what the label is (`role`) and every word it shows."""
    assert name(label) == role
    assert words(plain(label)) <= words(heard(label)), heard(label)


def test_the_safety_alert_is_heard_with_its_sentence(qtbot: QtBot, vault: Vault) -> None:
    client = make_client(vault)
    assert client.id is not None
    vault.measures.record(client.id, "PHQ-9", [1, 1, 2, 1, 1, 0, 1, 0, 1], TODAY - timedelta(days=2))

    chart = open_chart(qtbot, vault, client.id)

    assert chart.flag_label.isVisible()
    assert_heard(chart.flag_label, "Safety alert")
    assert "phq-9 item 9 (thoughts of self-harm) answered above 0" in description(chart.flag_label).lower()
    assert "Sol Quintanilla" in heard(chart.name_label)
    alerts = [label for row in chart.overview.alert_labels for label in row.findChildren(QLabel) if label.text()]
    assert len(alerts) == 2  # the PHQ-9 answer and the missing plan
    for alert in alerts:
        assert_heard(alert, "Alert")


def test_an_error_in_add_client_is_heard(qtbot: QtBot, vault: Vault) -> None:
    dialog = AddClientDialog(vault)
    _show(qtbot, dialog)
    QTest.keyClicks(dialog.form.field_widget("legal_first"), "Ana")
    QTest.keyClicks(dialog.form.field_widget("legal_last"), "Reyes")
    QTest.keyClicks(dialog.form.field_widget("dob"), "05/17/1990")
    QTest.keyClicks(dialog.form.field_widget("zip"), "1234")

    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)

    assert_heard(shown_label(dialog, "A ZIP code is 5 digits, or ZIP+4 as 12345-6789."), "Error")
    dialog.discard()


def test_an_error_in_change_passphrase_is_heard(qtbot: QtBot, vault: Vault, ops: Ops, cheap_calibration: None) -> None:
    view = SettingsView(vault, ops)
    _show(qtbot, view)
    dialog = view.open_change_passphrase()
    QTest.keyClicks(dialog.current, "not my passphrase at all")
    QTest.keyClicks(dialog.new.first, "lantern maple river seven")
    QTest.keyClicks(dialog.new.second, "lantern maple river seven")

    qtbot.mouseClick(dialog.change_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.message.isVisible())

    sentence = "That passphrase does not unlock this vault. Check Caps Lock and try again."
    assert_heard(shown_label(dialog, sentence), "Error")


def test_a_wrong_passphrase_at_unlock_is_heard(qtbot: QtBot, created: tuple[Path, str]) -> None:
    window = UnlockWindow(created[0])
    _show(qtbot, window)
    QTest.keyClicks(window.passphrase, "not the passphrase at all")
    QTest.keyClick(window.passphrase, Qt.Key.Key_Return)
    assert window.ops.wait_idle(5000)

    sentence = "That passphrase does not unlock this vault. Check Caps Lock and try again."
    assert_heard(shown_label(window, sentence), "Unlock message")
    QTest.keyClicks(window.passphrase, PASSPHRASE)


def test_the_recovery_code_is_heard_and_spelled_out(qtbot: QtBot, ops: Ops, answers: Answers) -> None:
    dialog = RecoveryCodeDialog(ops)
    dialog.panel.set_code(CODE, "vault")
    _show(qtbot, dialog)

    code = dialog.panel.code_label
    assert name(code) == "Recovery code"
    assert CODE in description(code)
    assert "K 7 Q F, 2 M 9 D, X R 4 T, B 8 W N" in description(code)
    dialog.panel.stored.setChecked(True)
    dialog.accept()
    assert CODE not in heard(code)  # shown once: nothing of it stays, not even for a screen reader


def test_the_status_bar_says_its_states(qtbot: QtBot, vault: Vault, main: MainWindow) -> None:
    assert_heard(main.lock_label, "Lock state")
    assert "Unlocked" in description(main.lock_label)
    assert_heard(main.backup_label, "Last verified backup")
    assert "never" in description(main.backup_label)
    assert_heard(main.vault_label, "Vault folder")
    assert str(vault.folder) in description(main.vault_label)

    main.lock()

    assert "Locked" in description(main.lock_label)


# -- the plan editor --------------------------------------------------------------------------------


def spoken_items(tree: QWidget) -> list[str]:
    """What a screen reader says for each cell of a tree, as it walks it."""
    interface = QAccessible.queryAccessibleInterface(tree)
    cells = (interface.child(i) for i in range(interface.childCount()))
    return [cell.text(QAccessible.Text.Name) for cell in cells if cell is not None]


def test_a_plan_item_marked_with_an_error_says_so(qtbot: QtBot, vault: Vault, answers: Answers) -> None:
    client = make_client(vault)
    assert client.id is not None
    chart = open_chart(qtbot, vault, client.id)
    chart.show_tab(TAB_PLAN)
    chart.plan.new_plan()
    editor = chart.plan.editor
    QTest.keyClicks(editor.problem_text, "Worry most days")
    editor.add_goal()
    QTest.keyClicks(editor.goal_text, "Sleep through the night")
    editor.add_objective()
    QTest.keyClicks(editor.objective_text, "Sleep 7 hours on 5 nights")
    editor.objective_target.check.setChecked(False)

    qtbot.mouseClick(chart.plan.sign_button, Qt.MouseButton.LeftButton)

    marked = [s for s in spoken_items(editor.tree) if "needs a target date" in s]
    assert marked == [
        "Objective: Sleep 7 hours on 5 nights — Objective 1 of goal 1 (problem 1) needs a target date before signing."
    ]

    editor.objective_target.check.setChecked(True)
    qtbot.mouseClick(chart.plan.save_button, Qt.MouseButton.LeftButton)

    assert not [s for s in spoken_items(editor.tree) if "needs" in s]
    assert "Objective: Sleep 7 hours on 5 nights" in spoken_items(editor.tree)
