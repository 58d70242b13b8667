"""One binding per key sequence in each window: a key that two things answer to does neither.

Qt calls that an "ambiguous shortcut overload" and runs nothing (for a button or a label's mnemonic it
only moves the focus). The walk below puts every window of the app in each of its states (pages, tabs,
edit modes), and lists each key sequence that is live there: actions (with their menus), QShortcuts,
buttons' shortcuts and mnemonics, labels' buddies, tab and group-box mnemonics, the menu bar, and the
main window's app-wide actions in every window. Standard keys are compared as the platform expands them
(QKeySequence.keyBindings), which is how Qt binds them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDialog,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMenu,
    QMenuBar,
    QMessageBox,
    QPushButton,
    QTabBar,
    QWidget,
)
from pytestqt.qtbot import QtBot

from tests.ui.test_chart import Answers, answers, make_client, open_chart, set_clinician
from therapy_desk.domain.clients import CareContact, ContactRole, Release
from therapy_desk.domain.plans import Goal, Intervention, Modality, Objective, Problem, TreatmentPlan
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import dialogs as dialogs_module
from therapy_desk.ui.app import default_pages
from therapy_desk.ui.billing_page import BillingView
from therapy_desk.ui.chart import TAB_BILLING, TAB_CONTACTS, TAB_DIAGNOSES, TAB_OVERVIEW, TAB_PLAN
from therapy_desk.ui.chart_common import DateDialog
from therapy_desk.ui.chart_plan import PAGE_EDIT, PAGE_NONE, PAGE_VIEW
from therapy_desk.ui.first_run import WelcomeWindow
from therapy_desk.ui.main_window import MainWindow
from therapy_desk.ui.ops import Ops
from therapy_desk.ui.settings import ChangePassphraseDialog, RecoveryCodeDialog, SettingsView
from therapy_desk.ui.unlock import UnlockWindow
from therapy_desk.ui.widgets.client_form import AddClientDialog
from therapy_desk.ui.windows import close_keys

__all__ = ["answers"]  # the fixture, shared with test_chart

TODAY = date.today()
PORTABLE = QKeySequence.SequenceFormat.PortableText
NARROW = (Qt.ShortcutContext.WidgetShortcut, Qt.ShortcutContext.WidgetWithChildrenShortcut)


@dataclass(frozen=True)
class Binding:
    keys: str  # one key sequence, as Qt writes it portably ("Ctrl+W", "Alt+S")
    owner: str  # what answers to it, for the failure message
    scope: QWidget | None = None  # None: the whole window; else only while the focus is in this widget


def _keys(sequences: list[QKeySequence]) -> list[str]:
    return [s.toString(PORTABLE) for s in sequences if not s.isEmpty()]


def _name(widget: QWidget | QAction | QShortcut) -> str:
    if isinstance(widget, QAction):
        return f"action “{widget.text().replace('&', '')}”"
    if isinstance(widget, QShortcut):
        parent = widget.parent()
        return f"shortcut on {_name(parent) if isinstance(parent, QWidget) else 'nothing'}"
    text = widget.text() if isinstance(widget, QAbstractButton | QLabel) else ""
    label = (text or widget.accessibleName() or widget.objectName()).replace("&", "")
    return f"{type(widget).__name__} “{label}”"


def _mnemonic(text: str) -> list[str]:
    return _keys([QKeySequence.mnemonic(text)])


def _action_bindings(action: QAction, scope: QWidget | None, seen: set[int]) -> Iterator[Binding]:
    if id(action) in seen or not action.isVisible():
        return
    seen.add(id(action))
    context = action.shortcutContext()
    if context == Qt.ShortcutContext.ApplicationShortcut:
        return  # counted once, in every window, by _app_wide
    if context in NARROW:
        owner = next((w for w in action.associatedObjects() if isinstance(w, QWidget)), None)
        scope = owner
    for keys in _keys(action.shortcuts()):  # a key listed twice on one action is a clash too
        yield Binding(keys, _name(action), scope)
    menu = action.menu()
    if isinstance(menu, QMenu):
        for inner in menu.actions():
            yield from _action_bindings(inner, scope, seen)


def _live(widget: QWidget, window: QWidget) -> bool:
    return widget is window or widget.isVisibleTo(window)


def window_bindings(window: QWidget) -> list[Binding]:
    """Every key sequence live in `window` as it stands (hidden pages and tabs are not live)."""
    bindings: list[Binding] = []
    seen: set[int] = set()
    for widget in [window, *window.findChildren(QWidget)]:
        if not _live(widget, window) or (widget is not window and widget.isWindow()):
            continue
        for action in widget.actions():
            if isinstance(widget, QMenu):
                continue  # a menu's items count through its menu bar or the window, not on their own
            bindings += _action_bindings(action, None, seen)
        if isinstance(widget, QMenuBar):
            for action in widget.actions():
                bindings += [Binding(k, f"menu “{action.text()}”") for k in _mnemonic(action.text())]
        if isinstance(widget, QAbstractButton):
            bindings += [Binding(k, _name(widget)) for k in _keys([widget.shortcut()])]
        elif isinstance(widget, QLabel) and widget.buddy() is not None:
            bindings += [Binding(k, _name(widget)) for k in _mnemonic(widget.text())]
        elif isinstance(widget, QGroupBox):
            bindings += [Binding(k, _name(widget)) for k in _mnemonic(widget.title())]
        elif isinstance(widget, QTabBar):
            for tab in range(widget.count()):
                if widget.isTabVisible(tab):
                    bindings += [Binding(k, f"tab “{widget.tabText(tab)}”") for k in _mnemonic(widget.tabText(tab))]
    for shortcut in window.findChildren(QShortcut):
        parent = shortcut.parent()
        if not shortcut.isEnabled() or not isinstance(parent, QWidget) or not _live(parent, window):
            continue
        narrow = shortcut.context() in NARROW
        bindings += [Binding(k, _name(shortcut), parent if narrow else None) for k in _keys(shortcut.keys())]
    return bindings + _app_wide()


def _app_wide() -> list[Binding]:
    """Actions that work in every window (Lock, Quit), once each, from every window on screen."""
    bindings: list[Binding] = []
    actions = {
        id(a): a
        for w in QApplication.topLevelWidgets()
        if w.isVisible()  # Qt ignores the shortcuts of a hidden window
        for a in [*w.actions(), *(a for child in w.findChildren(QWidget) for a in child.actions())]
        if a.shortcutContext() == Qt.ShortcutContext.ApplicationShortcut and a.isVisible()
    }
    for action in actions.values():
        bindings += [Binding(k, f"{_name(action)} (every window)") for k in _keys(action.shortcuts())]
    return bindings


def clashes(bindings: list[Binding]) -> list[str]:
    """Key sequences answered by more than one binding that can be live at the same time."""
    found = []
    window_wide = [b for b in bindings if b.scope is None]
    counts = Counter(b.keys for b in window_wide)
    for keys, count in sorted(counts.items()):
        if count > 1:
            owners = sorted(b.owner for b in window_wide if b.keys == keys)
            found.append(f"{keys}: {', '.join(owners)}")
    for binding in bindings:
        scope = binding.scope
        if scope is None:
            continue
        rivals = [
            b
            for b in bindings
            if b is not binding
            and b.keys == binding.keys
            and (b.scope is None or b.scope is scope or b.scope.isAncestorOf(scope))
        ]
        if rivals:
            found.append(f"{binding.keys}: {binding.owner}, {', '.join(sorted(b.owner for b in rivals))}")
    return found


class Walk:
    """Records the clashes of each window state visited."""

    def __init__(self) -> None:
        self.found: dict[str, list[str]] = {}
        self.visited: list[str] = []

    def check(self, name: str, window: QWidget) -> None:
        QApplication.processEvents()
        self.visited.append(name)
        found = clashes(window_bindings(window))
        if found:
            self.found[name] = found

    def report(self) -> str:
        return "\n".join(f"{state}:\n  " + "\n  ".join(lines) for state, lines in self.found.items())


def _show(qtbot: QtBot, widget: QWidget) -> None:
    qtbot.addWidget(widget)
    widget.show()
    QApplication.processEvents()


# -- the walk itself ---------------------------------------------------------------------------------


def test_the_walk_finds_a_key_bound_twice(qtbot: QtBot) -> None:
    window = QWidget()
    first = QAction("Close", window)
    first.setShortcuts([QKeySequence("Ctrl+W"), QKeySequence("Ctrl+W")])  # the chart's bug on GNOME
    window.addAction(first)
    label = QLabel("&Name:", window)
    label.setBuddy(QLineEdit(window))
    button = QPushButton("&New", window)
    QShortcut(QKeySequence("Del"), button, context=Qt.ShortcutContext.WidgetShortcut)
    window.addAction(QAction("Delete", window, shortcut=QKeySequence("Del")))
    _show(qtbot, window)

    assert clashes(window_bindings(window)) == [
        "Alt+N: QLabel “Name:”, QPushButton “New”",
        "Ctrl+W: action “Close”, action “Close”",
        "Del: shortcut on QPushButton “New”, action “Delete”",
    ]


def test_the_walk_sees_what_a_user_can_press_in_a_chart(qtbot: QtBot, vault: Vault, main: MainWindow) -> None:
    client = make_client(vault)
    assert client.id is not None
    chart = open_chart(qtbot, vault, client.id)
    chart.show_tab(TAB_DIAGNOSES)
    keys = {b.keys for b in window_bindings(chart)}
    assert {"Ctrl+W", "Ctrl+F4", "Ctrl+S", "Esc", "Ctrl+1", "Ctrl+4", "Ctrl+Up", "Alt+A"} <= keys
    assert {"Ctrl+L", "Ctrl+Q", "Ctrl+Shift+F"} <= keys  # the main window's, which work in every window


# -- the windows -----------------------------------------------------------------------------------


def _signed_plan(vault: Vault, client_id: int) -> None:
    set_clinician(vault)
    plan = TreatmentPlan(
        effective_date=TODAY,
        problems=(
            Problem(
                "Worry most days",
                (
                    Goal(
                        "Sleep through the night",
                        (Objective("Sleep 7 hours on 5 nights", TODAY + timedelta(days=60)),),
                        (Intervention(Modality.CBT, "CBT-I"),),
                    ),
                ),
            ),
        ),
        frequency="weekly",
        participation="Client chose the goals",
    )
    draft = vault.plans.create_draft(client_id, plan)
    assert draft.id is not None
    vault.plans.sign(draft.id, "Dana Reyes, LCSW")


@pytest.fixture
def main(qtbot: QtBot, vault: Vault) -> MainWindow:
    window = MainWindow(vault, default_pages(), chart_factory=None)
    _show(qtbot, window)
    return window


def test_every_state_of_the_main_window(qtbot: QtBot, main: MainWindow) -> None:
    walk = Walk()
    for row, title in enumerate(main.page_titles):
        main.navigation.setCurrentRow(row)
        page = main.current_page()
        if isinstance(page, SettingsView | BillingView):
            for tab in range(page.tabs.count()):
                page.tabs.setCurrentIndex(tab)
                walk.check(f"main window, {title}, {page.tabs.tabText(tab)}", main)
        else:
            walk.check(f"main window, {title}", main)
        if title == "Caseload":
            keys = {b.keys for b in window_bindings(main)}
            assert {"Ctrl+F", "Ctrl+N", "F5", "Ctrl+1", "Ctrl+L", "Alt+V", "Alt+A"} <= keys
        if title == "Backups":
            keys = {b.keys for b in window_bindings(main)}
            assert {"F5", "Ctrl+B", "Alt+T", "Alt+A", "Alt+C", "Alt+B", "Alt+I", "Alt+E", "Alt+R"} <= keys
        if title == "Claims":
            keys = {b.keys for b in window_bindings(main)}
            assert {"Alt+S", "Alt+W", "Alt+C", "Alt+L", "Alt+F", "Alt+T", "Alt+E", "Alt+P", "Alt+X"} <= keys
    assert len(walk.visited) == 15  # Settings gained "Records kept" (issue 16)
    assert not walk.found, walk.report()


def test_every_state_of_a_chart_window(qtbot: QtBot, vault: Vault, main: MainWindow, answers: Answers) -> None:
    client = make_client(vault)
    assert client.id is not None
    vault.clients.save_contact(CareContact(client.id, ContactRole.PCP, "Dr. Lena Fischer"))
    vault.clients.add_release(Release(client.id, "Dr. Lena Fischer", "All", "Care", TODAY))
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
    chart.show_tab(TAB_BILLING)
    walk.check("chart, Billing", chart)
    assert "Ctrl+P" in {b.keys for b in window_bindings(chart)}
    chart.show_tab(TAB_PLAN)
    assert chart.plan.stack.currentIndex() == PAGE_NONE
    walk.check("chart, Treatment plan, none yet", chart)
    chart.plan.new_plan()
    assert chart.plan.stack.currentIndex() == PAGE_EDIT
    for kind in ("problem", "goal", "objective", "intervention"):
        getattr(chart.plan.editor, f"add_{kind}")()
        walk.check(f"chart, Treatment plan, draft, a new {kind}", chart)
    answers.answer = QMessageBox.StandardButton.Discard
    chart.plan.discard()
    _signed_plan(vault, client.id)
    chart.refresh()
    assert chart.plan.stack.currentIndex() == PAGE_VIEW
    walk.check("chart, Treatment plan, signed", chart)

    assert not walk.found, walk.report()


def test_every_dialog_of_a_chart(qtbot: QtBot, vault: Vault, main: MainWindow) -> None:
    client = make_client(vault)
    assert client.id is not None
    vault.clients.save_contact(CareContact(client.id, ContactRole.PCP, "Dr. Lena Fischer"))
    vault.clients.add_diagnosis(client.id, "F41.1")
    vault.billing.add_charge(client.id, TODAY, "90834", billable_to_insurance=False)
    chart = open_chart(qtbot, vault, client.id)
    tab = chart.contacts
    walk = Walk()

    def resolve() -> QDialog | None:
        chart.diagnoses.table.selectRow(0)
        return chart.diagnoses.resolve()

    def adjust() -> QDialog | None:
        chart.billing.reload_ledger()
        chart.billing.ledger_table.selectRow(0)
        return chart.billing.adjust()

    dialogs: list[tuple[str, Callable[[], QDialog | None]]] = [
        ("Add contact", tab.add_contact),
        ("Add release", tab.add_release),
        ("Resolve diagnosis", resolve),
        ("Add coverage", chart.billing.add_coverage),
        ("Record a payment", chart.billing.record_payment),
        ("Post EOB", chart.billing.post_eob),
        ("Refund", chart.billing.refund),
        ("Adjust or write off", adjust),
        ("Revoke release", lambda: DateDialog("Revoke release", "Revoked on this day.", "Revoked on", print, chart)),
        ("Error", lambda: dialogs_module.show_error(chart, "The disk is full. Free some space and try again.")),
        ("Crash", lambda: dialogs_module.CrashDialog(RuntimeError("a bug"), chart)),
    ]
    for name, make in dialogs:
        dialog = make()
        assert dialog is not None
        dialog.show()
        walk.check(name, dialog)
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
    recovery.panel.set_code("ABCD-EFGH", "vault")
    _show(qtbot, recovery)
    walk.check("New recovery code", recovery)
    recovery.panel.stored.setChecked(True)
    recovery.accept()
    about = main.show_about()
    walk.check("About", about)
    about.close()
    search = main.open_search()
    assert search is not None
    walk.check("Search", search)
    search.reject()
    billing = BillingView(vault, ops, main)
    for name, make in (("Add service", billing.add_service), ("Add payer", billing.add_payer)):
        dialog = make()
        _show(qtbot, dialog)
        walk.check(name, dialog)
        dialog.reject()
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
        walk.check(f"welcome, page {page + 1}", window)
    assert not walk.found, walk.report()


# -- closing a chart --------------------------------------------------------------------------------

# How each platform's theme expands QKeySequence.Close (Qt's own tables): the chart binds each key once.
PLATFORM_CLOSE_KEYS = {
    "Windows and KDE": ["Ctrl+F4", "Ctrl+W"],
    "GNOME and plain X11": ["Ctrl+W"],  # here Ctrl+W bound by hand and by Close was "ambiguous"
    "macOS": ["Ctrl+W"],
    "offscreen": ["Ctrl+F4", "Ctrl+W", "Close"],
}


@pytest.mark.parametrize("platform", list(PLATFORM_CLOSE_KEYS))
def test_close_keys_bind_each_key_once_on_every_platform(platform: str) -> None:
    standard = [QKeySequence(k) for k in PLATFORM_CLOSE_KEYS[platform]]
    keys = _keys(close_keys(standard))
    assert len(keys) == len(set(keys))
    assert {"Ctrl+W", "Ctrl+F4"} <= set(keys)


@pytest.mark.parametrize(
    "key", [(Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier), (Qt.Key.Key_F4, Qt.KeyboardModifier.ControlModifier)]
)
def test_ctrl_w_and_ctrl_f4_close_the_chart_after_the_unsaved_question(
    qtbot: QtBot, vault: Vault, answers: Answers, key: tuple[Qt.Key, Qt.KeyboardModifier]
) -> None:
    client = make_client(vault)
    assert client.id is not None
    chart = open_chart(qtbot, vault, client.id)
    chart.show_tab(TAB_PLAN)
    chart.plan.new_plan()
    QTest.keyClicks(chart.plan.editor.problem_text, "Panic attacks on the commute")
    focus = QApplication.focusWidget()
    assert focus is chart.plan.editor.problem_text

    answers.answer = QMessageBox.StandardButton.Cancel
    QTest.keyClick(focus, *key)  # from the field being typed in, as a user presses it
    assert answers.asked == ["Save your changes to Sol Quintanilla's chart before closing?"]
    assert chart.isVisible()

    answers.answer = QMessageBox.StandardButton.Discard
    with qtbot.waitSignal(chart.closed):
        QTest.keyClick(focus, *key)
    assert not chart.isVisible()
