"""Every view the app has, held to what a keyboard-only or screen-reader user needs to chart a whole day.

The views are not listed here by hand: each window, page, chart tab and dialog registers itself
(`therapy_desk.ui.registry`), a test fails for a window or dialog class that did not, and another for a
registered view this module cannot open. An opener puts its window in each state a user meets (pages,
tabs, edit modes) over a small demo practice, and every state is audited:

- every control a user can Tab to has a name a screen reader reads;
- Tab from the first focus reaches every such control and comes back to the start (no traps, nothing
  left out), Shift+Tab goes the same way backwards, and no container or scroll area is a stop of its own;
- no mnemonic clashes with another (tests/ui/test_shortcuts.py's walk) and none is dead: Alt+letter on a
  label moves the focus to its field;
- a label's words are reachable through accessibility (its name or description carries them), and every
  visible caption is contained in its control's accessible name (WCAG 2.5.3, "label in name");
- a dialog with fields opens on its first field (or the first one left to fill);
- every text the app colours, every placeholder and selection, reaches 4.5:1 in a light and a dark palette.
"""

from __future__ import annotations

import importlib
import inspect
import itertools
import pkgutil
import re
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAccessible, QBrush, QColor, QKeySequence, QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialog,
    QFrame,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QStackedWidget,
    QTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

import therapy_desk.ui
from tests.ui import document_views, measure_views
from tests.ui.test_chart import Answers, answers, open_chart
from tests.ui.test_shortcuts import clashes, window_bindings
from tests.ui.test_theme import dark_palette, light_palette
from therapy_desk.demo.builder import MIN_CLIENTS, build_demo
from therapy_desk.domain.clients import CareContact, ContactRole, Release
from therapy_desk.domain.disclosures import Disclosure, DisclosureBasis
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import app, dialogs, registry, theme
from therapy_desk.ui.app import default_pages
from therapy_desk.ui.caseload import CaseloadView
from therapy_desk.ui.chart import TAB_CONTACTS, TAB_DIAGNOSES, TAB_OVERVIEW, TAB_PLAN, TAB_SESSIONS, ChartWindow
from therapy_desk.ui.chart_common import ChartTab, DateDialog
from therapy_desk.ui.chart_contact_dialogs import ContactDialog, ReleaseDialog
from therapy_desk.ui.chart_contacts import ContactsTab
from therapy_desk.ui.chart_diagnoses import DiagnosesTab
from therapy_desk.ui.chart_disclosures import AccountingDialog, DisclosureDialog
from therapy_desk.ui.chart_export_dialog import ChartExportDialog
from therapy_desk.ui.chart_overview import OverviewTab
from therapy_desk.ui.chart_plan import PlanTab
from therapy_desk.ui.chart_sessions import SessionsTab
from therapy_desk.ui.first_run import WelcomeWindow
from therapy_desk.ui.main_window import MainWindow
from therapy_desk.ui.note_editor import NoteEditor
from therapy_desk.ui.note_editor_dialogs import AddendumDialog, PresignDialog
from therapy_desk.ui.ops import Ops
from therapy_desk.ui.settings import ChangePassphraseDialog, RecoveryCodeDialog, SettingsView
from therapy_desk.ui.snippets import SnippetsDialog
from therapy_desk.ui.today import TodayView
from therapy_desk.ui.unlock import UnlockWindow
from therapy_desk.ui.widgets.client_form import AddClientDialog
from therapy_desk.ui.widgets.status_label import plain_text

__all__ = ["answers"]  # the fixture, shared with test_chart

NAME = QAccessible.Text.Name
DESCRIPTION = QAccessible.Text.Description
Role = QPalette.ColorRole
PALETTES = {"dark": dark_palette, "light": light_palette}  # light last: the state the next check meets
FIELDS = (QLineEdit, QAbstractSpinBox, QComboBox, QPlainTextEdit, QTextEdit)


# -- what one state of a window must satisfy -----------------------------------------------------------


def accessible(widget: QWidget, text: QAccessible.Text) -> str:
    interface = QAccessible.queryAccessibleInterface(widget)
    return interface.text(text) if interface is not None and interface.isValid() else ""


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def caption(text: str) -> str:
    """A control's visible words: without the mnemonic's ampersand, a trailing colon or ellipsis."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").strip().rstrip(":…").strip()


def label_text(label: QLabel) -> str:
    text = plain_text(label)
    return caption(text) if label.buddy() is not None else text


def describe(widget: QWidget | None) -> str:
    if widget is None:
        return "nothing"
    name = accessible(widget, NAME)
    return f"{type(widget).__name__} “{name}”" if name else f"nameless {type(widget).__name__}"


def live(widget: QWidget, window: QWidget) -> bool:
    return widget is window or widget.isVisibleTo(window)


def inner_part(widget: QWidget) -> bool:
    """A piece of a compound control that Qt focuses through its owner (a spin box's line edit…)."""
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QAbstractSpinBox | QComboBox):
            return True
        if isinstance(parent, QAbstractScrollArea) and widget is parent.viewport():
            return True
        parent = parent.parentWidget()
    return False


def tab_stops(window: QWidget) -> list[QWidget]:
    """The controls Tab must reach: shown, enabled, taking the focus by Tab, and not part of another."""
    return [
        w
        for w in window.findChildren(QWidget)
        if live(w, window)
        and w.isEnabled()
        and not w.isWindow()
        and w.focusPolicy() & Qt.FocusPolicy.TabFocus
        and w.focusProxy() is None
        and not inner_part(w)
    ]


@dataclass
class Audit:
    """The problems found in one state of one window, by rule."""

    state: str
    problems: list[str] = field(default_factory=list)

    def add(self, rule: str, detail: str) -> None:
        self.problems.append(f"{self.state}: {rule}: {detail}")


def focus_in(window: QWidget) -> QWidget:
    focus = QApplication.focusWidget()
    if focus is None or not window.isAncestorOf(focus):
        window.focusNextChild()
        focus = QApplication.focusWidget()
    assert focus is not None, "the window is not active"
    return focus


def walk(start: QWidget, *, backwards: bool, limit: int) -> tuple[list[QWidget], str]:
    """Press Tab (or Shift+Tab) from `start` until the focus comes back; the stops, and what went wrong."""
    modifier = Qt.KeyboardModifier.ShiftModifier if backwards else Qt.KeyboardModifier.NoModifier
    stops = [start]
    stuck = 0
    for _press in range(limit):
        current = QApplication.focusWidget()
        assert current is not None
        QTest.keyClick(current, Qt.Key.Key_Tab, modifier)
        landed = QApplication.focusWidget()
        if landed is None:
            return stops, f"the focus left the window after {describe(current)}"
        if landed is current:
            stuck += 1
            if stuck > 4:  # a date edit's sections take a press each; five in place is a trap
                return stops, "" if current is start else f"trapped in {describe(current)}"  # or the only stop
            continue
        stuck = 0
        if landed is start:
            return stops, ""
        if landed in stops:
            return stops, f"went round without returning to {describe(start)}: back to {describe(landed)}"
        stops.append(landed)
    return stops, f"never came back to {describe(start)}"


def check_tab_chain(window: QWidget, audit: Audit) -> None:
    expected = tab_stops(window)
    start = focus_in(window)
    limit = 5 * len(expected) + 10
    forward, problem = walk(start, backwards=False, limit=limit)
    if problem:
        audit.add("Tab", problem)
    missed = [describe(w) for w in expected if w not in forward]
    if missed and not problem:
        audit.add("Tab never reaches", ", ".join(missed))
    for stop in forward:
        if isinstance(stop, QAbstractScrollArea) and not isinstance(
            stop, QAbstractItemView | QPlainTextEdit | QTextEdit
        ):
            audit.add("a scroll area is a Tab stop", describe(stop))
        elif type(stop) in (QWidget, QFrame, QGroupBox, QStackedWidget) and not accessible(stop, NAME):
            audit.add("a nameless container is a Tab stop", describe(stop))
    if problem:
        return
    start.setFocus(Qt.FocusReason.TabFocusReason)
    backward, problem = walk(start, backwards=True, limit=limit)
    if problem:
        audit.add("Shift+Tab", problem)
    elif backward[1:] != forward[:0:-1]:
        audit.add(
            "Shift+Tab does not mirror Tab",
            " → ".join(describe(w) for w in backward) + " against " + " → ".join(describe(w) for w in forward),
        )


def check_names(window: QWidget, audit: Audit) -> None:
    for widget in tab_stops(window):
        if not accessible(widget, NAME).strip():
            audit.add("a control without a name", f"{type(widget).__name__} under {describe(widget.parentWidget())}")


def control_name(widget: QWidget) -> str:
    """The name a screen reader gives a control. A combo box's, on Linux, is its current value (Qt sends
    the caption as a relation there): what counts is the name set for the other platforms, and without
    one Qt takes the caption itself."""
    if isinstance(widget, QComboBox):
        return widget.accessibleName() or next(
            (caption(label.text()) for label in widget.window().findChildren(QLabel) if label.buddy() is widget), ""
        )
    return accessible(widget, NAME)


def check_labels(window: QWidget, audit: Audit) -> None:
    for label in window.findChildren(QLabel):
        if not live(label, window) or (isinstance(label.parentWidget(), QMessageBox) and not label.text()):
            continue
        said = set(words(accessible(label, NAME) + " " + accessible(label, DESCRIPTION)))
        unheard = [w for w in words(label_text(label)) if w not in said]
        if unheard:
            audit.add("a label's words are not reachable by a screen reader", f"{describe(label)} hides {unheard}")
        buddy = label.buddy()
        if buddy is not None and live(buddy, window):
            shown = caption(label.text()).casefold()
            target = buddy.focusProxy() or buddy
            name = control_name(target).casefold()
            row_of_fields = target is not buddy and name in shown  # “City, state, ZIP:” over City, State, ZIP
            if words(shown) and shown not in name and not row_of_fields:
                audit.add("label not in name", f"“{shown}” is not in {describe(target)}")
    for button in window.findChildren(QAbstractButton):
        if not live(button, window) or not button.text():
            continue
        shown = caption(button.text()).casefold()
        if words(shown) and shown not in accessible(button, NAME).casefold():
            audit.add("label not in name", f"“{shown}” is not in {describe(button)}")


def check_mnemonics(window: QWidget, audit: Audit) -> None:
    for clash in clashes(window_bindings(window)):
        audit.add("mnemonic or shortcut clash", clash)
    for label in window.findChildren(QLabel):
        keys = QKeySequence.mnemonic(label.text())
        if not live(label, window) or keys.isEmpty():
            continue
        buddy = label.buddy()
        if buddy is None:
            audit.add("a dead mnemonic", f"{describe(label)} has no field")
            continue
        target = buddy.focusProxy() or buddy
        if not live(target, window) or not target.isEnabled():
            continue  # a field shown later (an optional date): its label is checked in that state
        if not target.focusPolicy() & Qt.FocusPolicy.TabFocus:
            audit.add("a dead mnemonic", f"{describe(label)} points at {describe(target)}, which takes no focus")
            continue
        QTest.keySequence(window, keys)
        focus = QApplication.focusWidget()
        if focus is not target and not (focus is not None and target.isAncestorOf(focus)):
            audit.add("a dead mnemonic", f"{keys.toString()} on {describe(label)} focused {describe(focus)}")


def holds_value(widget: QWidget) -> bool:
    if isinstance(widget, QLineEdit):
        return bool(widget.text())
    if isinstance(widget, QComboBox):
        return bool(widget.currentText())
    if isinstance(widget, QPlainTextEdit | QTextEdit):
        return bool(widget.toPlainText())
    return True  # a spin box or date always holds one


def check_group_mnemonics(window: QWidget, audit: Audit) -> None:
    """A group box's Alt+letter focuses its first control: it needs one to focus."""
    for group in window.findChildren(QGroupBox):
        titled = live(group, window) and not QKeySequence.mnemonic(group.title()).isEmpty()
        if titled and not group.isCheckable() and not tab_stops(group):
            audit.add("a dead mnemonic", f"group “{group.title()}” holds nothing to focus")


def brush_colour(value: object) -> QColor | None:
    if isinstance(value, QBrush):
        return value.color()
    return value if isinstance(value, QColor) else None


def check_colours(window: QWidget, audit: Audit, palette_name: str) -> None:
    """Text the app colours, placeholders and selections reach 4.5:1 against what they are drawn on."""

    def low(what: str, fg: QColor, bg: QColor) -> None:
        ratio = theme.contrast(fg, bg)
        if ratio < theme.MIN_CONTRAST:
            audit.add(f"contrast below 4.5:1 on the {palette_name} palette", f"{what}: {ratio:.2f}:1")

    for widget in [window, *window.findChildren(QWidget)]:
        if not live(widget, window) or not widget.isEnabled():
            continue  # disabled controls are exempt (WCAG 1.4.3)
        palette = widget.palette()
        if isinstance(widget, QLabel) and widget.text() and not widget.styleSheet():  # the badge: its own colours
            low(describe(widget), palette.color(widget.foregroundRole()), palette.color(widget.backgroundRole()))
        elif isinstance(widget, QLineEdit) and widget.placeholderText() and not widget.text():
            low(f"the placeholder of {describe(widget)}", palette.color(Role.PlaceholderText), palette.color(Role.Base))
        elif isinstance(widget, QAbstractItemView) and widget.model() is not None:
            low(
                f"the selection in {describe(widget)}",
                palette.color(Role.HighlightedText),
                palette.color(Role.Highlight),
            )
            model = widget.model()
            cells = (model.index(row, column) for row in range(40) for column in range(12))
            for cell in (c for c in cells if c.isValid()):  # a list widget's model hides its columnCount
                fg = brush_colour(model.data(cell, Qt.ItemDataRole.ForegroundRole))
                if fg is not None:
                    for background in (Role.Base, Role.AlternateBase):
                        low(f"row {cell.row() + 1} of {describe(widget)}", fg, palette.color(background))


def check_first_field(window: QWidget, audit: Audit) -> None:
    """A dialog with fields opens on its first field, or on the first one left to fill."""
    if not isinstance(window, QDialog) or isinstance(window, QMessageBox):
        return
    fields = [w for w in tab_stops(window) if isinstance(w, FIELDS)]
    fields.sort(key=lambda w: (w.mapTo(window, QPoint(0, 0)).y(), w.mapTo(window, QPoint(0, 0)).x()))
    if not fields:
        return
    expected = next((w for w in fields if not holds_value(w)), fields[0])
    focus = QApplication.focusWidget()
    if focus is not fields[0] and focus is not expected:
        audit.add("the dialog does not open on its first field", f"{describe(focus)} instead of {describe(expected)}")


def audit_state(state: str, window: QWidget) -> list[str]:
    QApplication.processEvents()
    audit = Audit(state)
    check_first_field(window, audit)
    check_names(window, audit)
    check_labels(window, audit)
    check_tab_chain(window, audit)
    check_mnemonics(window, audit)
    check_group_mnemonics(window, audit)
    for name, palette in PALETTES.items():
        QApplication.setPalette(theme.fix_palette(palette()))  # as theme.install does in the app
        QApplication.processEvents()
        check_colours(window, audit, name)
    return audit.problems


# -- the practice and the windows ------------------------------------------------------------------


@dataclass
class World:
    qtbot: QtBot
    vault: Vault
    ops: Ops
    folder: Path
    answers: Answers
    client_id: int


@pytest.fixture
def world(qtbot: QtBot, vault: Vault, ops: Ops, created: tuple[Path, str], answers: Answers) -> Iterator[World]:
    build_demo(vault, clients=MIN_CLIENTS, years=1)
    client_id = next(c for c in range(1, MIN_CLIENTS + 1) if vault.plans.active(c) is not None)  # a signed plan
    before = QApplication.palette()
    yield World(qtbot, vault, ops, created[0], answers, client_id)
    QApplication.setPalette(before)


def show(world: World, window: QWidget) -> QWidget:
    if not isinstance(window, QDialog) or window.parent() is None:
        world.qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    world.qtbot.waitUntil(window.isActiveWindow)
    return window


States = Iterator[tuple[str, QWidget]]


def welcome_states(world: World) -> States:
    window = show(world, WelcomeWindow(vault_dir=world.folder.parent / "new vault"))
    assert isinstance(window, WelcomeWindow)
    for page in range(window.stack.count()):
        window.stack.setCurrentIndex(page)
        yield f"Welcome, page {page + 1}", window


def unlock_states(world: World) -> States:
    window = show(world, UnlockWindow(world.folder))
    assert isinstance(window, UnlockWindow)
    yield "Unlock", window
    window.show_recovery()
    yield "Unlock, forgot passphrase", window


def main_window_states(world: World) -> States:
    window = MainWindow(world.vault, default_pages(), chart_factory=None)
    show(world, window)
    for row, title in enumerate(window.page_titles):
        window.navigation.setCurrentRow(row)
        page = window.current_page()
        if isinstance(page, SettingsView):
            for tab in range(page.tabs.count()):
                page.tabs.setCurrentIndex(tab)
                yield f"Main window, {title}, {page.tabs.tabText(tab)}", window
        else:
            yield f"Main window, {title}", window
        if isinstance(page, CaseloadView):
            QTest.keyClicks(page.filter_edit, "Nobody by this name")
            world.qtbot.waitUntil(page.empty_label.isVisible)
            yield f"Main window, {title}, no client matches", window
            page.filter_edit.clear()


def chart_states(world: World) -> States:
    world.vault.clients.save_contact(CareContact(world.client_id, ContactRole.PCP, "Dr. Lena Fischer"))
    chart = open_chart(world.qtbot, world.vault, world.client_id)
    chart.show_tab(TAB_OVERVIEW)
    yield "Chart, Overview", chart
    chart.overview.start_edit()
    yield "Chart, Overview, editing demographics", chart
    chart.overview.cancel_edit()
    chart.show_tab(TAB_DIAGNOSES)
    yield "Chart, Diagnoses", chart
    world.vault.disclosures.record(
        Disclosure(world.client_id, date.today(), "Kings County Family Court", DisclosureBasis.COURT, "Subpoena",
                   "Chart copy, January to June")
    )  # fmt: skip
    chart.show_tab(TAB_CONTACTS)
    yield "Chart, Contacts and releases", chart
    chart.show_tab(TAB_PLAN)
    yield "Chart, Treatment plan", chart
    if chart.plan.revise_button.isVisible():
        chart.plan.revise()
    else:
        chart.plan.new_plan()
    for kind in ("problem", "goal", "objective", "intervention"):
        getattr(chart.plan.editor, f"add_{kind}")()
        yield f"Chart, Treatment plan, draft, a new {kind}", chart
    world.answers.answer = QMessageBox.StandardButton.Discard
    chart.plan.discard()


def add_client_states(world: World) -> States:
    dialog = show(world, AddClientDialog(world.vault))
    assert isinstance(dialog, AddClientDialog)
    yield "Add client", dialog
    dialog.discard()


def chart_dialog_states(world: World) -> States:
    contact = CareContact(world.client_id, ContactRole.PCP, "Dr. Lena Fischer", id=1)
    yield "Add contact", show(world, ContactDialog(world.client_id, None, lambda saved: saved))
    yield "Edit contact", show(world, ContactDialog(world.client_id, contact, lambda saved: saved))
    yield "Add release", show(world, ReleaseDialog(world.client_id, [contact], lambda saved: saved))
    release = Release(world.client_id, "Dr. Lena Fischer", "diagnosis", "coordination", date(2026, 1, 5), id=1)
    logging = DisclosureDialog(world.client_id, [release], lambda logged: logged.validated(date.today()))
    yield "Log a disclosure", show(world, logging)
    logging.save()  # nothing typed: each missing field says so
    yield "Log a disclosure, refused", logging
    accounting = AccountingDialog(world.vault, world.client_id)
    yield "Accounting of disclosures", show(world, accounting)
    accounting.write()  # no folder chosen yet: a sentence
    yield "Accounting of disclosures, no folder", accounting
    yield "Resolve diagnosis", show(world, DateDialog("Resolve diagnosis", "F41.1 resolves.", "Resolved on", print))


def settings_dialog_states(world: World) -> States:
    yield "Change passphrase", show(world, ChangePassphraseDialog())
    recovery = RecoveryCodeDialog(world.ops)
    recovery.panel.set_code("ABCD-EFGH-JKMN-PQRS", "vault")
    yield "New recovery code", show(world, recovery)
    recovery.panel.stored.setChecked(True)
    recovery.accept()


def message_states(world: World) -> States:
    yield "Crash", show(world, dialogs.CrashDialog(RuntimeError("a bug")))
    yield "Error", show(world, dialogs.show_error(None, "The disk is full. Free some space and try again."))


# -- notes (issue 11: the note editor, signing, the Sessions and notes tab) ------------------------------


def note_states(world: World) -> States:
    from datetime import datetime, timedelta

    from therapy_desk.domain.scheduling import Appointment
    from therapy_desk.ui.note_editor import open_note_for_appointment

    day = datetime.now().replace(hour=9, minute=0, second=0, microsecond=0) - timedelta(days=1)
    progress, intake = (
        world.vault.schedule.book(
            Appointment(start=day.replace(hour=h), duration_minutes=53, service_code=code, client_id=world.client_id)
        )
        for h, code in ((8, "90837"), (7, "90791"))
    )
    chart = open_chart(world.qtbot, world.vault, world.client_id)
    chart.show_tab(TAB_SESSIONS)
    yield "Chart, Sessions and notes", chart
    editor = show(world, open_note_for_appointment(world.vault, progress.id or 0, chart))
    assert isinstance(editor, NoteEditor)
    for tab in range(editor.tabs.count()):
        editor.tabs.setCurrentIndex(tab)
        yield f"Note editor, SOAP progress draft, {editor.tabs.tabText(tab)}", editor
    intake_editor = show(world, open_note_for_appointment(world.vault, intake.id or 0, chart))
    assert isinstance(intake_editor, NoteEditor)
    intake_editor.tabs.setCurrentIndex(2)
    yield "Note editor, intake, exam and risk", intake_editor
    risk = intake_editor.risk
    risk.homicidal.setChecked(True)
    risk.attempts.setCurrentIndex(2)
    risk.written_plan.setChecked(True)
    intake_editor.header.code.setCurrentIndex(intake_editor.header.code.findData("90834"))
    yield "Note editor, intake, risk marked with a written safety plan and a code override", intake_editor
    snippets = intake_editor.open_snippets()
    yield "Snippets, none yet", show(world, snippets)
    snippets.trigger.setText(";mse")
    snippets.text.setPlainText("Alert and oriented x4.")
    snippets.save()
    snippets.save_button.click()  # the same trigger again: refused with a sentence
    snippets.start_new()
    snippets.save()
    yield "Snippets, one saved and a refusal", show(world, snippets)
    snippets.reject()
    for name, section in editor.sections.editors.items():
        section.setPlainText(f"{name} of the session.")
    dialog = editor.start_signing()
    assert dialog is not None
    yield "Sign note", show(world, dialog)
    if dialog.sign_button is not None:
        dialog.sign_button.click()
        editor.tabs.setCurrentIndex(0)
        yield "Note editor, signed, read-only", show(world, editor)
        addendum = editor.add_addendum()
        assert addendum is not None
        yield "Add addendum", show(world, addendum)
        addendum.reject()


OPENERS: dict[str, tuple[Callable[[World], States], tuple[type[QWidget], ...]]] = {
    "welcome": (welcome_states, (WelcomeWindow,)),
    "unlock": (unlock_states, (UnlockWindow,)),
    "main window": (main_window_states, (MainWindow, TodayView, CaseloadView, SettingsView)),
    "chart": (chart_states, (ChartWindow, OverviewTab, DiagnosesTab, PlanTab, ContactsTab)),
    "add client": (add_client_states, (AddClientDialog,)),
    "chart dialogs": (
        chart_dialog_states,
        (ContactDialog, ReleaseDialog, DateDialog, DisclosureDialog, AccountingDialog),
    ),
    "settings dialogs": (settings_dialog_states, (ChangePassphraseDialog, RecoveryCodeDialog)),
    "messages": (message_states, (dialogs.CrashDialog,)),
    "notes": (note_states, (SessionsTab, NoteEditor, PresignDialog, AddendumDialog, SnippetsDialog)),
}


# -- the Schedule page and its dialogs (issue 11) ----------------------------------------------------------


def schedule_states(world: World) -> States:
    from datetime import datetime, time, timedelta

    from therapy_desk.domain.scheduling import AppointmentSeries, Recurrence
    from therapy_desk.ui.schedule import DAY, ScheduleView
    from therapy_desk.ui.schedule_dialogs import SeriesScopeDialog

    world.vault.practice.set_setting("practice_time_zone", "America/New_York")
    start = datetime.combine(datetime.now().date() + timedelta(days=1), time(8, 0))
    world.vault.schedule.create_series(
        AppointmentSeries(start, Recurrence.WEEKLY, 53, "90837", client_id=world.client_id), now=start
    )
    page = ScheduleView(world.vault, world.ops)
    page.resize(1200, 800)
    show(world, page)
    page.load()
    page.week.select_appointment(page.week.appointment_ids()[0])
    yield "Schedule, a week of appointments", page
    page.set_mode(DAY)
    page.show_day(start.date())
    yield "Schedule, the day agenda", page
    booking = page.book(start=start + timedelta(hours=1))
    world.qtbot.waitUntil(booking.isActiveWindow)
    yield "Book appointment", booking
    booking.client.setText("Nobody")
    booking.ok_button.click()
    yield "Book appointment, refused", booking
    booking.reject()
    page.agenda.select_appointment(page.agenda.current_ids()[0])
    editing = page.edit()
    assert editing is not None
    world.qtbot.waitUntil(editing.isActiveWindow)
    yield "Edit appointment, a series occurrence", editing
    editing.reject()
    yield "Series scope question", show(world, SeriesScopeDialog("cancel"))
    export = page.export()
    world.qtbot.waitUntil(export.isActiveWindow)
    yield "Export .ics", export
    export.reject()


def _schedule_classes() -> tuple[type[QWidget], ...]:
    from therapy_desk.ui.schedule import ScheduleView
    from therapy_desk.ui.schedule_dialogs import AppointmentDialog, SeriesScopeDialog
    from therapy_desk.ui.schedule_export import ExportIcsDialog

    return (ScheduleView, AppointmentDialog, SeriesScopeDialog, ExportIcsDialog)


OPENERS["schedule"] = (schedule_states, _schedule_classes())


# -- global search and the Unsigned notes page (issue 11) -------------------------------------------------


def search_states(world: World) -> States:
    from therapy_desk.ui.search import SearchDialog

    dialog = SearchDialog(world.vault, world.ops)
    show(world, dialog)
    yield "Search, nothing typed yet", dialog
    QTest.keyClicks(dialog.query, "sleep")
    world.qtbot.waitUntil(lambda: not dialog.busy and dialog.model.rowCount() > 0, timeout=10_000)
    yield "Search, with results", dialog
    dialog.query.clear()
    QTest.keyClicks(dialog.query, "Nobody by this name")
    world.qtbot.waitUntil(lambda: not dialog.busy and dialog.model.rowCount() == 0, timeout=10_000)
    yield "Search, no results", dialog
    dialog.reject()


def unsigned_states(world: World) -> States:
    from datetime import date, timedelta

    from therapy_desk.domain.notes import Note
    from therapy_desk.ui.unsigned import UnsignedView

    for day in (date.today() - timedelta(days=9), date.today()):  # an overdue draft and a recent one
        world.vault.notes.save_draft(Note(world.client_id, date_of_service=day))
    page = UnsignedView(world.vault, world.ops)
    page.resize(1100, 700)
    show(world, page)
    assert any(row.overdue for row in page.model.rows())
    assert not page.model.rows()[-1].overdue
    yield "Unsigned notes, an overdue and a recent draft", page


def _search_classes() -> tuple[type[QWidget], ...]:
    from therapy_desk.ui.search import SearchDialog
    from therapy_desk.ui.unsigned import UnsignedView

    return (SearchDialog, UnsignedView)


OPENERS["search and unsigned notes"] = (
    lambda world: itertools.chain(search_states(world), unsigned_states(world)),
    _search_classes(),
)


# -- the Measures tab, its dialogs, psychotherapy notes (issue 11; states in tests/ui/measure_views.py) -----


def measures_states(world: World) -> States:
    yield from measure_views.states(world.qtbot, world.vault, world.client_id, lambda window: show(world, window))


OPENERS["measures and psychotherapy notes"] = (measures_states, measure_views.VIEWS)


# -- the Backups page and its restore dialog (issue 12) ---------------------------------------------------


def backups_states(world: World) -> States:
    from datetime import UTC, datetime, timedelta

    from therapy_desk.storage.backup import create_backup
    from therapy_desk.storage.backup_targets import BackupTarget, Volume, remember_target
    from therapy_desk.ui.backups import BackupsView

    folder = world.folder.parent / "backups"
    folder.mkdir()
    create_backup(world.vault, folder, now=datetime.now(UTC) - timedelta(days=1))
    create_backup(world.vault, folder)  # the newest: the verified one
    remember_target(world.vault.practice, BackupTarget(str(folder)))
    remember_target(world.vault.practice, BackupTarget(str(world.folder.parent / "unplugged")))
    stick = world.folder.parent / "STICK"
    stick.mkdir()
    drives = [Volume(str(stick), "STICK", "uuid:1234-ABCD", "exfat", 8 * 10**9, False)]
    page = BackupsView(world.vault, world.ops, drives=lambda: drives)
    page.resize(1100, 700)
    show(world, page)
    page.targets.setCurrentRow(1)
    assert [row.state for row in page.model.rows()] == ["verified", "not checked yet"]
    yield "Backups, a folder target holding two backups, one verified", page
    page.targets.setCurrentRow(0)
    yield "Backups, a target not connected", page
    page.backup_button.click()
    assert page.error.isVisibleTo(page)
    yield "Backups, a refusal on the page", page
    page.targets.setCurrentRow(1)
    dialog = page.restore()
    assert dialog is not None
    world.qtbot.waitUntil(dialog.isActiveWindow)
    yield "Restore into a new folder", dialog
    dialog.restore_button.click()
    yield "Restore into a new folder, refused", dialog
    dialog.where_combo.setCurrentIndex(1)
    dialog.unlock_combo.setCurrentIndex(1)
    yield "Restore over this vault with the recovery code", dialog
    dialog.reject()


def _backups_classes() -> tuple[type[QWidget], ...]:
    from therapy_desk.ui.backup_restore import RestoreDialog
    from therapy_desk.ui.backups import BackupsView

    return (BackupsView, RestoreDialog)


OPENERS["backups"] = (backups_states, _backups_classes())


def _archive_classes() -> tuple[type[QWidget], ...]:
    from therapy_desk.ui.archive_dialog import ArchiveDialog

    return (ArchiveDialog,)


# -- Export archive… (issue 16) ------------------------------------------------------------------------------


def archive_states(world: World) -> States:
    from therapy_desk.ui.archive_dialog import ArchiveDialog

    chart = open_chart(world.qtbot, world.vault, world.client_id)
    dialog = chart.export_archive()
    assert isinstance(dialog, ArchiveDialog)
    world.qtbot.waitUntil(dialog.isActiveWindow)
    dialog.folder_edit.setText(str(world.folder.parent))
    yield "Export archive from the chart, this client", dialog
    dialog.scope.setCurrentIndex(1)
    dialog.encrypted.setChecked(True)
    dialog.password.setText("one password")
    dialog.again.setText("another one")
    dialog.write_button.click()
    yield "Export archive, whole practice as an encrypted zip, passwords differ", dialog
    dialog.encrypted.setChecked(False)
    dialog.write()
    assert dialog.ops.wait_idle(60_000)
    assert dialog.summary is not None
    yield "Export archive, written", dialog
    dialog.reject()


OPENERS["archive"] = (archive_states, _archive_classes())


# -- the Billing page, the chart's Billing tab and their dialogs (issue 13) --------------------------------


def panel_read(panel: object) -> Callable[[], bool]:
    return lambda: bool(getattr(panel, "read_once", False))


def billing_states(world: World) -> States:
    from therapy_desk.domain.billing import Relationship
    from therapy_desk.ui.billing_dialogs import ServiceDialog
    from therapy_desk.ui.billing_page import TAB_BALANCES, BillingView
    from therapy_desk.ui.chart import TAB_BILLING

    page = BillingView(world.vault, world.ops)
    page.resize(1100, 700)
    show(world, page)
    yield "Billing, Catalogue", page
    page.tabs.setCurrentIndex(1)
    yield "Billing, Payers", page
    page.tabs.setCurrentIndex(TAB_BALANCES)
    world.ops.wait_idle()
    world.qtbot.waitUntil(lambda: page.balances.rowCount() > 0)
    yield "Billing, Balances", page
    for index, panel in page.panels.items():
        page.tabs.setCurrentIndex(index)
        world.ops.wait_idle()
        world.qtbot.waitUntil(panel_read(panel))
        yield f"Billing, {page.tabs.tabText(index).replace('&', '')}", page
    page.tabs.setCurrentIndex(0)
    page.service_table.selectRow(0)
    page.payer_table.selectRow(0)
    for make in (page.add_service, page.edit_service, page.add_payer, page.edit_payer):
        dialog = make()
        assert dialog is not None
        world.qtbot.waitUntil(dialog.isActiveWindow)
        yield dialog.windowTitle(), dialog
        if isinstance(dialog, ServiceDialog) and dialog.code.isReadOnly():
            dialog.fee.setText("a lot")
            assert not dialog.save()
            yield "Edit service, a fee that is not an amount", dialog
        dialog.reject()

    chart = open_chart(world.qtbot, world.vault, world.client_id)
    chart.show_tab(TAB_BILLING)
    yield "Chart, Billing", chart
    coverage = chart.billing.add_coverage()
    assert coverage is not None
    world.qtbot.waitUntil(coverage.isActiveWindow)
    yield "Add coverage", coverage
    coverage.relationship.setCurrentIndex(coverage.relationship.findData(Relationship.CHILD))
    coverage.save()
    yield "Add coverage, the subscriber asked for and a refusal", coverage
    coverage.reject()
    payment = chart.billing.record_payment()
    assert payment is not None
    world.qtbot.waitUntil(payment.isActiveWindow)
    yield "Record a payment", payment
    payment.save()
    yield "Record a payment, no amount", payment
    payment.amount.setText("25")
    assert payment.save()
    yield "Record a payment, recorded and applied", payment
    payment.reject()
    yield from ledger_states(world)


def ledger_states(world: World) -> States:
    """The ledger's dialogs on a new client with coverage, a copay due, an EOB to post, a credit, a reversal."""
    from datetime import date, timedelta

    from tests.ui.test_chart import make_client
    from therapy_desk.domain.billing import Coverage, LedgerKind, Payer
    from therapy_desk.ui.chart import TAB_BILLING
    from therapy_desk.ui.ledger_dialogs import ReverseDialog

    vault = world.vault
    payer = vault.billing.add_payer(Payer("Cascade Health Plan"))
    client = make_client(vault, legal_first="Ledger", legal_last="Testing").id or 0
    vault.billing.add_coverage(
        Coverage(client, payer.id or 0, "M1", date.today() - timedelta(days=400), copay_cents=2_500)
    )
    dx = vault.clients.add_diagnosis(client, "F41.1").id or 0
    charge = vault.billing.add_charge(client, date.today(), "90834", diagnosis_ids=[dx], billable_to_insurance=True)
    chart = open_chart(world.qtbot, vault, client)
    chart.show_tab(TAB_BILLING)
    billing = chart.billing
    billing.select_ledger_row(LedgerKind.CHARGE, charge.id)
    yield "Chart, Billing, a charge selected", chart
    copay = billing.record_payment()
    assert copay is not None
    world.qtbot.waitUntil(copay.isActiveWindow)
    yield "Record a payment, the copay proposed", copay
    copay.reject()
    billing.select_ledger_row(LedgerKind.CHARGE, charge.id)
    adjust = billing.adjust()
    assert adjust is not None
    world.qtbot.waitUntil(adjust.isActiveWindow)
    yield "Adjust or write off", adjust
    adjust.amount.setText("100000")
    assert not adjust.save()
    yield "Adjust or write off, more than is due", adjust
    adjust.reject()
    eob = billing.post_eob()
    assert eob is not None
    world.qtbot.waitUntil(eob.isActiveWindow)
    yield "Post EOB", eob
    eob.set_line(eob.lines.rowCount() - 1, allowed="105", paid="80")
    eob.reference.setText("EFT 1")
    eob.total.setText("80")
    assert not eob.save()
    yield "Post EOB, a line that does not add up", eob
    eob.set_line(eob.lines.rowCount() - 1, copay="25")
    assert eob.save()
    refund = billing.refund()
    assert refund is not None
    world.qtbot.waitUntil(refund.isActiveWindow)
    yield "Refund", refund
    refund.amount.setText("100000")
    assert not refund.save()
    yield "Refund, more than the credit", refund
    refund.reject()
    billing.select_ledger_row(
        LedgerKind.PAYMENT, next(r.id for r in billing.ledger.rows() if r.code == "insurance" and not r.voided)
    )
    reverse = billing.reverse()
    assert isinstance(reverse, ReverseDialog)
    world.qtbot.waitUntil(reverse.isActiveWindow)
    yield "Reverse EOB posting", reverse
    assert not reverse.save()
    yield "Reverse EOB posting, no reason", reverse
    reverse.reject()


def _billing_classes() -> tuple[type[QWidget], ...]:
    from therapy_desk.ui.billing_dialogs import PayerDialog, ServiceDialog
    from therapy_desk.ui.billing_page import BillingView
    from therapy_desk.ui.chart_billing import BillingTab
    from therapy_desk.ui.coverage_dialog import CoverageDialog
    from therapy_desk.ui.eob_dialog import EobDialog
    from therapy_desk.ui.ledger_dialogs import AdjustDialog, RefundDialog, ReverseDialog
    from therapy_desk.ui.payment_dialog import PaymentDialog

    return (BillingView, BillingTab, ServiceDialog, PayerDialog, CoverageDialog, PaymentDialog, EobDialog,
            AdjustDialog, RefundDialog, ReverseDialog)  # fmt: skip


OPENERS["billing"] = (billing_states, _billing_classes())


# -- the Claims page and its dialogs (issue 14) -------------------------------------------------------------


def claims_states(world: World) -> States:
    from datetime import date, timedelta

    from therapy_desk.domain.claims import ClaimState
    from therapy_desk.ui.claims_page import ClaimsView

    page = ClaimsView(world.vault, world.ops)
    page.resize(1200, 750)
    show(world, page)
    yield "Claims, none yet", page
    page.create_claims(date.today() - timedelta(days=400), date.today())
    world.ops.wait_idle()
    world.qtbot.waitUntil(lambda: page.claims.rowCount() > 0)
    yield "Claims, after creating them", page
    draft = next((r for r in page.claims.rows() if r.state is ClaimState.DRAFT), None)
    if draft is not None:
        page.select_claim(draft.id)
        yield "Claims, a draft with findings", page
    ready = next(r for r in page.claims.rows() if r.state is ClaimState.READY)
    page.select_claim(ready.id)
    yield "Claims, a ready claim", page
    for make in (page.open_create, page.edit_boxes, page.files.print_forms):
        dialog = make()
        assert dialog is not None
        world.qtbot.waitUntil(dialog.isActiveWindow)
        yield dialog.windowTitle(), dialog
        dialog.reject()
    page.mark_submitted()
    yield "Claims, a submitted claim", show(world, page)
    outcome = page.record_outcome()
    assert outcome is not None
    world.qtbot.waitUntil(outcome.isActiveWindow)
    yield "Record outcome", outcome
    outcome.number.setText("HV-2290")
    outcome.choose(ClaimState.DENIED)
    assert not outcome.save()
    yield "Record outcome, a denial without its reason", outcome
    outcome.reject()
    correct = page.correct()
    assert correct is not None
    world.qtbot.waitUntil(correct.isActiveWindow)
    yield "Correct claim, the payer's number asked", correct
    correct.number.setText("HV-2290")
    assert correct.save()
    boxes = page.edit_boxes()  # a corrected claim shows box 22
    assert boxes is not None
    world.qtbot.waitUntil(boxes.isActiveWindow)
    yield "Boxes of a corrected claim", boxes
    boxes.reject()
    settings = page.open_x12_settings()
    world.qtbot.waitUntil(settings.isActiveWindow)
    yield "837P settings", settings
    settings.submitter_id.setText("X")
    assert not settings.save()
    yield "837P settings, an ID refused", settings
    settings.reject()


def _claims_classes() -> tuple[type[QWidget], ...]:
    from therapy_desk.ui.claim_dialogs import (
        ClaimBoxesDialog,
        CreateClaimsDialog,
        OutcomeDialog,
        PayerNumberDialog,
        X12SettingsDialog,
    )
    from therapy_desk.ui.claim_files import PrintClaimsDialog
    from therapy_desk.ui.claims_page import ClaimsView

    return (ClaimsView, CreateClaimsDialog, ClaimBoxesDialog, OutcomeDialog, PayerNumberDialog, PrintClaimsDialog,
            X12SettingsDialog)  # fmt: skip


OPENERS["claims"] = (claims_states, _claims_classes())


# -- documents: superbill, statement, Good Faith Estimate, batch (issue 13; tests/ui/document_views.py) ----


def documents_states(world: World) -> States:
    yield from document_views.states(
        world.qtbot, world.vault, world.ops, world.client_id, lambda window: show(world, window)
    )


OPENERS["documents"] = (documents_states, document_views.VIEWS)


# -- the chart export (issue 16) --------------------------------------------------------------------------


def chart_export_states(world: World) -> States:
    release = world.vault.clients.add_release(
        Release(world.client_id, "Dr. Sato, evaluator", "psychotherapy notes", "court-ordered evaluation",
                 date.today(), covers_psychotherapy_notes=True)
    )  # fmt: skip
    chart = open_chart(world.qtbot, world.vault, world.client_id)
    dialog = chart.open_export()
    assert dialog is not None
    world.qtbot.waitUntil(dialog.isActiveWindow)
    yield "Export chart", dialog
    dialog.limit.setChecked(True)
    dialog.psychotherapy.setChecked(True)
    dialog.recipient_kind.setCurrentIndex(dialog.recipient_kind.findData(release.id))
    yield "Export chart, a period, psychotherapy notes, under a release", dialog
    dialog.recipient_kind.setCurrentIndex(dialog.recipient_kind.count() - 1)
    dialog.folder.edit.clear()
    dialog.export()
    yield "Export chart, someone else, refused", dialog
    with tempfile.TemporaryDirectory() as folder:
        dialog.recipient_kind.setCurrentIndex(0)
        dialog.psychotherapy.setChecked(False)
        dialog.folder.edit.setText(folder)
        dialog.export()
        world.qtbot.waitUntil(lambda: dialog.op is None, timeout=60_000)
        assert dialog.written is not None, dialog.visible_error()
        yield "Export chart, written", dialog
        dialog.reject()


OPENERS["chart export"] = (chart_export_states, (ChartExportDialog,))


# -- Import clients from CSV (issue 16) ---------------------------------------------------------------------


def csv_import_states(world: World) -> States:
    from tests.records.test_csv_import import client_row, write_csv
    from therapy_desk.ui.csv_import_dialog import CsvImportDialog

    rows = [client_row(n) for n in range(1, 9)]
    rows[2] = client_row(3, **{"Date of Birth": "31/12/1980"})
    path = write_csv(world.folder.parent / "caseload.csv", rows)
    dialog = CsvImportDialog(world.vault, world.ops)
    show(world, dialog)
    assert isinstance(dialog, CsvImportDialog)
    yield "Import clients from CSV", dialog
    dialog.path.setText(str(path))
    dialog.load()
    world.ops.wait_idle()
    world.qtbot.waitUntil(lambda: dialog.preview.rowCount() > 0)
    yield "Import clients from CSV, a file read and mapped", dialog
    dialog.check()
    world.ops.wait_idle()
    world.qtbot.waitUntil(lambda: dialog.problems.count() > 0)
    yield "Import clients from CSV, problems listed", dialog
    dialog.reject()


def _csv_import_classes() -> tuple[type[QWidget], ...]:
    from therapy_desk.ui.csv_import_dialog import CsvImportDialog

    return (CsvImportDialog,)


OPENERS["csv import"] = (csv_import_states, _csv_import_classes())


# -- records past retention and their disposal (issue 16) --------------------------------------------------


def retention_states(world: World) -> States:
    from datetime import date

    from therapy_desk.domain.clients import ClientStatus
    from therapy_desk.ui.retention import RetentionDialog

    yield "Records past retention, none", show(world, RetentionDialog(world.vault, today=date.today()))
    other = next(c for c in world.vault.caseload.ids() if c != world.client_id)
    world.vault.clients.set_status(other, ClientStatus.DISCHARGED, on=date.today())
    later = date.today().replace(year=date.today().year + 40)
    page = RetentionDialog(world.vault, today=later)
    show(world, page)
    page.table.selectRow(next(n for n, r in enumerate(page.past.rows()) if r.client_id == other))
    yield "Records past retention, a list with a discharged client selected", page
    confirm = page.open_dispose()
    assert confirm is not None
    world.qtbot.waitUntil(confirm.isActiveWindow)
    yield "Dispose of record, empty", confirm
    confirm.reason.setText("Retention period ended")
    confirm.confirm.setText(confirm._last_name)
    confirm.reason.setFocus()
    yield "Dispose of record, ready", confirm
    confirm.dispose_button.click()
    assert [d.client_id for d in page.log.rows()] == [other]
    yield "Records past retention, a disposal in the log", show(world, page)


def _retention_classes() -> tuple[type[QWidget], ...]:
    from therapy_desk.ui.retention import DisposeDialog, RetentionDialog

    return (RetentionDialog, DisposeDialog)


OPENERS["retention"] = (retention_states, _retention_classes())


# -- the tests -----------------------------------------------------------------------------------


def ui_classes() -> list[type]:
    """Every class defined in therapy_desk.ui, its modules all imported."""
    for module in pkgutil.walk_packages(therapy_desk.ui.__path__, "therapy_desk.ui."):
        importlib.import_module(module.name)
    return [
        cls
        for name, module in list(sys.modules.items())
        if name.startswith("therapy_desk.ui")
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if cls.__module__ == name
    ]


def test_every_window_page_tab_and_dialog_registers_itself() -> None:
    """Dialogs, main windows and chart tabs by their base; other top-level windows and pages by name."""
    views = (QDialog, QMainWindow, ChartTab)
    unregistered = [
        f"{cls.__module__}.{cls.__qualname__}"
        for cls in ui_classes()
        if issubclass(cls, QWidget)
        and (issubclass(cls, views) or cls.__name__.endswith(("Window", "Dialog", "View", "Tab")))
        and cls not in (*views, *registry.VIEWS)
        and not cls.__name__.startswith("_")  # a base shared by registered dialogs
    ]
    unregistered += [cls.__qualname__ for _title, cls in app.VIEWS if cls not in registry.VIEWS]  # the pages
    assert unregistered == [], "decorate these with @registry.view"


def test_this_test_opens_every_registered_view() -> None:
    opened = {cls for _opener, classes in OPENERS.values() for cls in classes}
    missing = [cls.__qualname__ for cls in registry.VIEWS if cls not in opened]
    assert missing == [], "add an opener for these views to OPENERS"


@pytest.mark.parametrize("opener", list(OPENERS))
def test_every_state_of_every_view_is_accessible(world: World, opener: str) -> None:
    states, _classes = OPENERS[opener]
    problems: list[str] = []
    visited = 0
    for state, window in states(world):
        visited += 1
        problems += audit_state(state, window)
    assert visited
    assert problems == [], "\n" + "\n".join(problems)


def test_the_audit_finds_a_trap_a_nameless_control_a_hidden_label_a_dead_mnemonic_and_pale_text(qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QFormLayout, QTableWidget

    window = QDialog()
    form = QFormLayout(window)
    name = QLineEdit()
    form.addRow("&Name:", name)
    table = QTableWidget(2, 2)
    table.setAccessibleName("Numbers")
    form.addRow(table)
    form.addRow(QLineEdit())  # nothing names it
    alert = QLabel("PHQ-9 item 9 was answered above zero")
    alert.setAccessibleName("Safety alert")
    form.addRow(alert)
    form.addRow(QLabel("&Orphan"))
    pale = QLabel("Waiting for the insurer")
    faint = pale.palette()
    faint.setColor(QPalette.ColorRole.WindowText, QColor("#c0c0c0"))  # what a hard-coded grey does
    pale.setPalette(faint)
    form.addRow(pale)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    name.setFocus()

    problems = "\n".join(audit_state("sample", window))
    assert "trapped in QTableWidget “Numbers”" in problems
    assert "a control without a name: QLineEdit" in problems
    assert "hides ['phq', '9', 'item'" in problems
    assert "QLabel “&Orphan” has no field" in problems
    assert "contrast below 4.5:1 on the light palette: QLabel “Waiting for the insurer”: 1.58:1" in problems
    assert "on the dark palette: QLabel “Waiting for the insurer”" not in problems
