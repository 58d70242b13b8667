"""What a screen reader hears, read through Qt's accessibility layer as a screen reader reads it.

A label's words must be reachable (its accessible name or description carries them, so "Safety alert"
never hides the PHQ-9 sentence), the recovery code must be readable, and every visible caption must be
contained in its control's accessible name (WCAG 2.5.3 "label in name": a voice-control user says what
they see). The walk opens every window, page, tab and dialog the way test_shortcuts.py does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QCheckBox,
    QDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QWidget,
)
from pytestqt.qtbot import QtBot

from tests.conftest import PASSPHRASE
from tests.ui.test_chart import Answers, answers, make_client, open_chart
from tests.ui.test_shortcuts import _signed_plan
from therapy_desk.domain.clients import CareContact, ContactRole, Release
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import dialogs as dialogs_module
from therapy_desk.ui.app import default_pages
from therapy_desk.ui.caseload import CaseloadView
from therapy_desk.ui.chart import TAB_CONTACTS, TAB_DIAGNOSES, TAB_OVERVIEW, TAB_PLAN
from therapy_desk.ui.chart_common import DateDialog
from therapy_desk.ui.first_run import WelcomeWindow
from therapy_desk.ui.main_window import MainWindow
from therapy_desk.ui.ops import Ops
from therapy_desk.ui.settings import ChangePassphraseDialog, RecoveryCodeDialog, SettingsView
from therapy_desk.ui.unlock import UnlockWindow
from therapy_desk.ui.widgets.client_form import AddClientDialog
from therapy_desk.ui.widgets.status_label import plain_text

__all__ = ["answers"]  # the fixture, shared with test_chart

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


def caption(text: str) -> str:
    """A control's visible caption as a voice-control user would say it."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").strip().rstrip("…:").strip()


def shown(widget: QWidget, window: QWidget) -> bool:
    return widget is window or widget.isVisibleTo(window)


def hidden_words(window: QWidget) -> list[str]:
    """Visible labels some of whose words a screen reader cannot reach."""
    found = []
    for label in window.findChildren(QLabel):
        if not shown(label, window) or not plain(label).strip():
            continue
        missing = words(plain(label)) - words(heard(label))
        if missing:
            found.append(f"“{plain(label)[:60]}” heard as “{heard(label)[:60]}”, missing {sorted(missing)[:5]}")
    return found


def label_not_in_name(window: QWidget) -> list[str]:
    """Visible captions (a button's text, a field's buddy label) not contained in the control's name."""
    found = []
    for button in window.findChildren(QAbstractButton):
        if not isinstance(button, QPushButton | QCheckBox | QRadioButton) or not shown(button, window):
            continue
        text = caption(button.text())
        if text and text.lower() not in name(button).lower():
            found.append(f"button “{text}” named “{name(button)}”")
    for label in window.findChildren(QLabel):
        buddy = label.buddy()
        if buddy is None or not shown(label, window) or not shown(buddy, window):
            continue
        # On Linux a combo box's accessible name is its current value (the caption is a relation), so
        # the name the app gives the field is what a screen reader on Windows or macOS says.
        given = buddy.accessibleName() or name(buddy)
        text = caption(plain(label))
        if text and text.lower() not in given.lower():
            found.append(f"field captioned “{text}” named “{given}”")
    return found


class Walk:
    """Records, for each window state visited, what a screen reader would miss there."""

    def __init__(self) -> None:
        self.found: dict[str, list[str]] = {}
        self.visited: list[str] = []

    def check(self, state: str, window: QWidget) -> None:
        QApplication.processEvents()
        self.visited.append(state)
        problems = hidden_words(window) + label_not_in_name(window)
        if problems:
            self.found[state] = problems

    def report(self) -> str:
        return "\n".join(f"{state}:\n  " + "\n  ".join(lines) for state, lines in self.found.items())


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


@pytest.fixture
def ops(vault: Vault) -> Iterator[Ops]:
    helper = Ops(None, vault)
    yield helper
    helper.wait_idle()


@pytest.fixture
def main(qtbot: QtBot, vault: Vault) -> MainWindow:
    window = MainWindow(vault, default_pages(), chart_factory=None)
    _show(qtbot, window)
    return window


# -- the walk itself ---------------------------------------------------------------------------------


def test_the_walk_finds_a_name_that_hides_a_label_or_a_caption(qtbot: QtBot) -> None:
    window = QWidget()
    alert = QLabel("PHQ-9 item 9 was answered above 0", window)
    alert.setAccessibleName("Safety alert")
    QPushButton("&Save", window).setAccessibleName("Store draft")
    QPushButton("Re&vise…", window).setAccessibleName("Revise plan")
    _show(qtbot, window)

    assert len(hidden_words(window)) == 1
    assert label_not_in_name(window) == ["button “Save” named “Store draft”"]


# -- the windows -----------------------------------------------------------------------------------


def test_every_state_of_the_main_window(qtbot: QtBot, vault: Vault, main: MainWindow) -> None:
    client = make_client(vault)
    assert client.id is not None
    vault.measures.record(client.id, "PHQ-9", [1, 1, 2, 1, 1, 0, 1, 0, 1], TODAY - timedelta(days=2))
    walk = Walk()
    for row, title in enumerate(main.page_titles):
        main.navigation.setCurrentRow(row)
        page = main.current_page()
        if isinstance(page, SettingsView):
            for tab in range(page.tabs.count()):
                page.tabs.setCurrentIndex(tab)
                walk.check(f"main window, {title}, {page.tabs.tabText(tab)}", main)
        elif isinstance(page, CaseloadView):
            walk.check(f"main window, {title}", main)
            QTest.keyClicks(page.filter_edit, "Nobody by this name")
            qtbot.waitUntil(page.empty_label.isVisible)
            walk.check(f"main window, {title}, no client matches", main)
        else:
            walk.check(f"main window, {title}", main)
    assert len(walk.visited) == 5
    assert not walk.found, walk.report()


def test_every_state_of_a_chart_window(qtbot: QtBot, vault: Vault, main: MainWindow, answers: Answers) -> None:
    client = make_client(vault)
    assert client.id is not None
    vault.measures.record(client.id, "PHQ-9", [1, 1, 2, 1, 1, 0, 1, 0, 1], TODAY - timedelta(days=2))
    vault.clients.save_contact(CareContact(client.id, ContactRole.PCP, "Dr. Lena Fischer"))
    vault.clients.add_release(Release(client.id, "Dr. Lena Fischer", "All", "Care", TODAY))
    vault.clients.add_diagnosis(client.id, "F41.1")
    chart = open_chart(qtbot, vault, client.id)
    walk = Walk()

    chart.show_tab(TAB_OVERVIEW)
    walk.check("chart, Overview", chart)
    chart.overview.start_edit()
    walk.check("chart, Overview, editing demographics", chart)
    chart.overview.cancel_edit()
    chart.show_tab(TAB_DIAGNOSES)
    walk.check("chart, Diagnoses", chart)
    chart.show_tab(TAB_CONTACTS)
    walk.check("chart, Contacts and releases", chart)
    chart.show_tab(TAB_PLAN)
    walk.check("chart, Treatment plan, none yet", chart)
    chart.plan.new_plan()
    for kind in ("problem", "goal", "objective", "intervention"):
        getattr(chart.plan.editor, f"add_{kind}")()
        walk.check(f"chart, Treatment plan, draft, a new {kind}", chart)
    answers.answer = QMessageBox.StandardButton.Discard
    chart.plan.discard()
    _signed_plan(vault, client.id)
    chart.refresh()
    walk.check("chart, Treatment plan, signed", chart)

    assert not walk.found, walk.report()


def test_every_dialog_of_a_chart(qtbot: QtBot, vault: Vault, main: MainWindow) -> None:
    client = make_client(vault)
    assert client.id is not None
    vault.clients.save_contact(CareContact(client.id, ContactRole.PCP, "Dr. Lena Fischer"))
    vault.clients.add_diagnosis(client.id, "F41.1")
    chart = open_chart(qtbot, vault, client.id)
    tab = chart.contacts
    walk = Walk()

    def resolve() -> QDialog | None:
        chart.diagnoses.table.selectRow(0)
        return chart.diagnoses.resolve()

    dialogs: list[tuple[str, Callable[[], QDialog | None]]] = [
        ("Add contact", tab.add_contact),
        ("Add release", tab.add_release),
        ("Resolve diagnosis", resolve),
        ("Revoke release", lambda: DateDialog("Revoke release", "Revoked on this day.", "Revoked on", print, chart)),
        ("Error", lambda: dialogs_module.show_error(chart, "The disk is full. Free some space and try again.")),
        ("Crash", lambda: dialogs_module.CrashDialog(RuntimeError("a bug"), chart)),
    ]
    for state, make in dialogs:
        dialog = make()
        assert dialog is not None
        dialog.show()
        walk.check(state, dialog)
        dialog.reject()
    assert not walk.found, walk.report()


def test_every_dialog_of_the_main_window(qtbot: QtBot, vault: Vault, ops: Ops, main: MainWindow) -> None:
    walk = Walk()
    add = AddClientDialog(vault, main)
    _show(qtbot, add)
    walk.check("Add client", add)
    add.discard()
    change = ChangePassphraseDialog(main)
    _show(qtbot, change)
    walk.check("Change passphrase", change)
    recovery = RecoveryCodeDialog(ops, main)
    recovery.panel.set_code(CODE, "vault")
    _show(qtbot, recovery)
    walk.check("New recovery code", recovery)
    recovery.panel.stored.setChecked(True)
    recovery.accept()
    about = main.show_about()
    walk.check("About", about)
    about.close()
    assert not walk.found, walk.report()


def test_every_page_of_the_unlock_window(qtbot: QtBot, created: tuple[Path, str]) -> None:
    window = UnlockWindow(created[0])
    _show(qtbot, window)
    walk = Walk()
    walk.check("unlock", window)
    window.show_recovery()
    walk.check("unlock, forgot passphrase", window)
    assert not walk.found, walk.report()


def test_every_page_of_the_welcome_window(qtbot: QtBot, tmp_path: Path) -> None:
    window = WelcomeWindow(vault_dir=tmp_path / "vault")
    _show(qtbot, window)
    walk = Walk()
    for page in range(window.stack.count()):
        window.stack.setCurrentIndex(page)
        if page == 2:
            window.recovery.set_code(CODE, "vault")
        walk.check(f"welcome, page {page + 1}", window)
    assert not walk.found, walk.report()


# -- alerts, errors and status ---------------------------------------------------------------------


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
