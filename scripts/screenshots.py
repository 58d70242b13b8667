"""Regenerate docs/screenshots/: every view of the desktop app, on an invented demo practice, as a small
laptop's 1366×768 screen shows it (each window at the size the app itself gives it on that screen).

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--screen 1366x768]

Runs offscreen (no display needed) in a throwaway THERAPY_DESK_HOME; nothing touches a real vault.
Install a CJK font (Debian: fonts-noto-cjk) first, or names in those scripts render as boxes.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from therapy_desk.storage.vault import Vault
    from therapy_desk.ui.main_window import MainWindow

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--screen", default="1366x768", help="the offscreen screen's size (default 1366x768)")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="therapy-desk-shots-"))
    os.environ["THERAPY_DESK_HOME"] = str(home)
    width, height = (int(n) for n in args.screen.split("x"))
    screen = {"name": "laptop", "x": 0, "y": 0, "width": width, "height": height, "logicalDpi": 96, "dpr": 1}
    (home / "screen.json").write_text(json.dumps({"screens": [screen]}), "utf-8")
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={home / 'screen.json'}"
    sys.path.insert(0, str(ROOT))

    from therapy_desk.demo.builder import build_demo
    from therapy_desk.storage.vault import Vault
    from therapy_desk.ui.app import default_chart_factory, default_pages, make_application
    from therapy_desk.ui.chart import TAB_CONTACTS, TAB_DIAGNOSES, TAB_OVERVIEW, TAB_PLAN
    from therapy_desk.ui.first_run import DEMO_PASSPHRASE, WelcomeWindow
    from therapy_desk.ui.main_window import MainWindow
    from therapy_desk.ui.unlock import UnlockWindow

    app = make_application(["screenshots"])
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    def shot(widget: QWidget, name: str) -> None:
        widget.show()
        for _ in range(5):
            app.processEvents()
        widget.grab().save(str(out / f"{name}.png"))
        print(f"wrote {out / name}.png")

    welcome = WelcomeWindow(vault_dir=home / "vault")
    shot(welcome, "01-welcome")
    welcome.hide()

    folder = home / "demo-vault"
    vault, _code = Vault.create(folder, DEMO_PASSPHRASE)
    build_demo(vault, clients=60, years=2, seed=1, today=date.today())
    vault.close()

    unlock = UnlockWindow(folder, is_demo=True)
    shot(unlock, "02-unlock")
    unlock.hide()

    vault = Vault.open(folder, DEMO_PASSPHRASE)
    window = MainWindow(vault, default_pages(), chart_factory=default_chart_factory(), is_demo=True)
    for title, name in (("Today", "03-today"), ("Caseload", "04-caseload"), ("Settings", "05-settings")):
        window.show_page(window.page_titles.index(title))  # by title: issue 11 put Schedule second
        shot(window, name)
    latin = next(
        row.client_id
        for row in vault.caseload.page()
        if row.principal_code and row.name.isascii() and vault.plans.active(row.client_id) is not None
    )
    window.open_chart(latin)
    chart = next(iter(window.chart_windows()))
    for tab, name in ((TAB_OVERVIEW, "06-chart-overview"), (TAB_DIAGNOSES, "07-chart-diagnoses"),
                      (TAB_PLAN, "08-chart-plan"), (TAB_CONTACTS, "09-chart-contacts")):  # fmt: skip
        chart.show_tab(tab)
        shot(chart, name)
    chart.close()
    the_day(vault, window, shot)  # issue 11's screens: the schedule, notes, measures
    backups(vault, window, shot, home / "usb")
    billing(vault, window, shot, home / "documents")
    claims(vault, window, shot)
    window.lock()
    app.processEvents()
    shutil.rmtree(home, ignore_errors=True)  # the throwaway demo vault
    return 0


# -- issue 12: backups ----------------------------------------------------------------------------------


def backups(vault: Vault, window: MainWindow, shot: Callable[[QWidget, str], None], stick: Path) -> None:
    """30: the Backups page with a folder holding two verified backups of the demo vault (a day apart)."""
    from datetime import UTC, datetime, timedelta

    from therapy_desk.storage.backup import create_backup
    from therapy_desk.storage.backup_targets import remember_target, target_for
    from therapy_desk.ui.backup_actions import show_backup_line
    from therapy_desk.ui.backups import BackupsView

    stick.mkdir()
    now = datetime.now(UTC).replace(microsecond=0)
    for days in (1, 0):
        create_backup(vault, stick, now=now - timedelta(days=days))
    remember_target(vault.practice, target_for(stick, []))
    show_backup_line(window.backup_label, vault)
    window.show_page(window.page_titles.index("Backups"))
    page = window.current_page()
    assert isinstance(page, BackupsView)
    page.refresh()
    shot(window, "30-backups")


# -- issue 13: billing and documents ----------------------------------------------------------------------


def billing(vault: Vault, window: MainWindow, shot: Callable[[QWidget, str], None], folder: Path) -> None:
    """31: the Billing page's aging; 32: an insured client's Billing tab (coverage, ledger, documents) after
    a superbill was written; 33: the superbill dialog that wrote it."""
    from datetime import date, timedelta

    from therapy_desk.storage.documents import DocumentKind
    from therapy_desk.ui.billing_page import TAB_AGING, BillingView
    from therapy_desk.ui.chart import TAB_BILLING

    window.show_page(window.page_titles.index("Billing"))
    page = window.current_page()
    assert isinstance(page, BillingView)
    page.tabs.setCurrentIndex(TAB_AGING)
    _settle(lambda: page.aging.read_once and not window.ops.busy)
    shot(window, "31-billing-aging")

    last_day = date.today().replace(day=1) - timedelta(days=1)  # of last month, the dialog's first choice
    first_day = last_day.replace(day=1)

    def billed_last_month(client_id: int) -> bool:
        return any(
            first_day <= charge.date_of_service <= last_day and charge.kind == "session" and not charge.voided
            for charge in vault.billing.charges(client_id)
        )

    insured = next(
        row.client_id
        for row in vault.caseload.page()
        if row.name.isascii()
        and row.principal_code
        and vault.billing.coverage_for(row.client_id, last_day)
        and billed_last_month(row.client_id)
    )
    window.open_chart(insured)
    chart = next(iter(window.chart_windows()))
    chart.show_tab(TAB_BILLING)
    folder.mkdir()
    dialog = chart.billing.documents.open_document(DocumentKind.SUPERBILL)
    assert dialog is not None
    dialog.folder.edit.setText(str(folder))
    dialog.issue()
    _settle(lambda: dialog.op is None)
    shot(dialog, "33-superbill-dialog")
    dialog.close()
    shot(chart, "32-chart-billing")
    chart.close()


# -- issue 14: claims ------------------------------------------------------------------------------------------


def claims(vault: Vault, window: MainWindow, shot: Callable[[QWidget, str], None]) -> None:
    """34: the Claims page after billing last month, a claim selected with its findings and history; 35: a
    claim's boxes; 36: the CMS-1500 print dialog."""
    from datetime import date, timedelta

    from therapy_desk.domain.claims import ClaimState
    from therapy_desk.ui.claims_page import ClaimsView

    window.show_page(window.page_titles.index("Claims"))
    page = window.current_page()
    assert isinstance(page, ClaimsView)
    last_day = date.today().replace(day=1) - timedelta(days=1)
    page.create_claims(last_day.replace(day=1), last_day)
    _settle(lambda: not window.ops.busy)
    rows = page.claims.rows()
    chosen = next((r for r in rows if r.state is ClaimState.READY and r.lines > 2), rows[0])
    page.select_claim(chosen.id)
    shot(window, "34-claims")
    boxes = page.edit_boxes()
    assert boxes is not None
    shot(boxes, "35-claim-boxes")
    boxes.reject()
    printing = page.files.print_forms()
    assert printing is not None
    shot(printing, "36-print-cms1500")
    printing.reject()


def _settle(done: Callable[[], bool], seconds: float = 20.0) -> None:
    """Let the GUI run until `done()` (work on a worker has come back), then a little more to paint."""
    import time

    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.01)
    for _ in range(10):
        QApplication.processEvents()


# -- issue 11: the therapist's day ----------------------------------------------------------------------

SECTION_TEXT = {  # what a SOAP section of the demo's note says where the demo left it empty
    "subjective": "Client reports sleeping six hours most nights since starting the wind-down routine; "
    "worry about work peaks on Sunday evenings.",
    "objective": "Arrived on time, casually dressed, good eye contact. Speech normal in rate and volume.",
    "assessment": "Generalized anxiety improving: GAD-7 down from 14 to 9 over six weeks. Engaged in CBT.",
    "plan": "Continue weekly CBT. Practise worry postponement daily and log it. Review the log next session.",
}


def settle(until: Callable[[], bool], seconds: float = 30) -> None:
    """Run the event loop (Ops jobs finish, timers fire) until `until()` holds."""
    from PySide6.QtCore import QCoreApplication

    deadline = time.monotonic() + seconds
    while not until():
        if time.monotonic() > deadline:
            raise RuntimeError("the view did not finish loading")
        QCoreApplication.processEvents()
        time.sleep(0.02)


def the_day(vault: Vault, window: MainWindow, shot: Callable[[QWidget, str], None]) -> None:
    """10 onwards: the Schedule, Unsigned notes, search, the note editor and its dialogs, the chart's
    Sessions and Measures tabs with their dialogs, psychotherapy notes and Today's appointment buttons."""
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QScrollArea

    from therapy_desk.demo.today import clinic_day
    from therapy_desk.domain.measures import Instrument
    from therapy_desk.domain.notes import ProcessNote
    from therapy_desk.domain.scheduling import AppointmentStatus
    from therapy_desk.ui.chart import TAB_SESSIONS, ChartWindow
    from therapy_desk.ui.chart_measures import open_measure_result
    from therapy_desk.ui.note_editor import open_note_for_appointment
    from therapy_desk.ui.schedule import DAY, ScheduleView
    from therapy_desk.ui.today import TodayView
    from therapy_desk.ui.unsigned import UnsignedView

    def page(title: str) -> QWidget:
        window.show_page(window.page_titles.index(title))
        shown = window.current_page()
        assert shown is not None
        return shown

    day = clinic_day(date.today())
    booked = [a for a in vault.schedule.day(day) if a.client_id is not None]

    # The Schedule: the clinic day's week from its first session, that day's agenda, the dialogs.
    schedule = page("Schedule")
    assert isinstance(schedule, ScheduleView)
    schedule.show_day(day)
    schedule.week.select_appointment(booked[0].id or 0)
    shot(window, "10-schedule-week")
    schedule.set_mode(DAY)
    schedule.show_day(day)
    upcoming = [a for a in booked if a.status is AppointmentStatus.SCHEDULED] or booked
    schedule.agenda.select_appointment(upcoming[0].id or 0)
    shot(window, "11-schedule-day")
    booking = schedule.book(start=datetime.combine(day + timedelta(days=7), datetime.min.time()).replace(hour=12))
    shot(booking, "12-book-appointment")
    booking.reject()
    editing = schedule.edit()
    assert editing is not None
    shot(editing, "13-edit-appointment")
    editing.reject()
    export = schedule.export()
    shot(export, "14-export-ics")
    export.reject()

    unsigned = page("Unsigned notes")
    assert isinstance(unsigned, UnsignedView)
    settle(lambda: unsigned.model.rowCount() > 0)
    shot(window, "15-unsigned-notes")

    search = window.open_search()
    assert search is not None
    QTest.keyClicks(search.query, "sleep")
    settle(lambda: not search.busy and search.model.rowCount() > 0)  # type: ignore[attr-defined]
    shot(search, "16-search")
    search.reject()

    # A note of the clinic day: a client with a signed plan and an earlier note (its plan shown for reference).
    def fits(appointment_id: int, client_id: int) -> bool:
        return (
            vault.plans.active(client_id) is not None
            and vault.clients.get(client_id).display_name.isascii()
            and any(n.is_signed for n in vault.notes.listing(client_id))
            and not any(n.is_signed for n in vault.notes.for_appointment(appointment_id))
        )

    attended = next(
        a
        for a in booked
        if a.status is AppointmentStatus.ATTENDED and a.service_code != "90791" and fits(a.id or 0, a.client_id or 0)
    )
    client_id = attended.client_id or 0
    editor = open_note_for_appointment(vault, attended.id or 0, window)
    header = editor.header
    header.format.setCurrentIndex(header.format.findText("SOAP"))  # the README's example of a note
    editor.context.participants.setText(editor.context.participants.text() or "Client")
    editor.sections.set_reference(editor.sections.reference.toPlainText() or SECTION_TEXT["plan"])
    for name, section in editor.sections.editors.items():
        if not section.toPlainText().strip():
            section.setPlainText(SECTION_TEXT.get(name.casefold(), f"{name.capitalize()} of the session."))
    for box in list(editor.context.goal_boxes.values())[:2]:
        box.setChecked(True)
    for box in list(editor.context.intervention_boxes.values())[:3]:
        box.setChecked(True)
    editor.exam.setChecked(True)
    for choice in editor.exam.singles.values():
        choice.setCurrentIndex(1)
    editor.exam.comments.setPlainText("Mildly anxious when discussing work; otherwise unremarkable.")
    risk = editor.risk
    risk.setChecked(True)
    risk.level.setCurrentIndex(1)
    risk.rationale.setPlainText("Passive thoughts only, no plan or intent; strong supports.")
    risk.risk_factors.setPlainText("Work stress\nPoor sleep")
    risk.protective.setPlainText("Partner and two children\nEngaged in treatment")
    risk.safety_plan.setChecked(True)
    risk.written_plan.setChecked(True)
    for step, text in zip(risk.written_plan.steps.values(), (
        "Not sleeping, pacing at night", "Walk the dog; guitar", "Coffee with Sam at the café",
        "Partner (Alex)", ), strict=False):  # fmt: skip
        step.setPlainText(text)
    risk.comments.setPlainText("Safety plan written together in session; client keeps a copy.")
    editor.save()
    for tab, name in enumerate(("17-note-write", "18-note-goals", "19-note-exam-risk")):
        editor.tabs.setCurrentIndex(tab)
        shot(editor, name)
    scroll = editor.tabs.currentWidget()
    assert isinstance(scroll, QScrollArea)
    scroll.ensureWidgetVisible(risk.written_plan, 0, 0)
    shot(editor, "20-note-safety-plan")
    snippets = editor.open_snippets()
    for trigger, text in ((";mse", "Alert and oriented x4, mood euthymic, affect congruent."),
                          (";cbt", "Reviewed the thought record; practised cognitive restructuring.")):  # fmt: skip
        snippets.start_new()
        snippets.trigger.setText(trigger)
        snippets.text.setPlainText(text)
        snippets.save()
    shot(snippets, "21-snippets")
    snippets.reject()
    presign = editor.start_signing()
    assert presign is not None
    assert presign.sign_button is not None
    shot(presign, "22-presign")
    presign.sign_button.click()
    addendum = editor.add_addendum()
    assert addendum is not None
    addendum.text.setPlainText("Client called the next day: the worry log is going well; no change to the plan.")
    addendum.ok_button.click()
    editor.tabs.setCurrentIndex(0)
    shot(editor, "23-note-signed")
    editor.close()

    window.open_chart(client_id)
    chart = next(c for c in window.chart_windows() if isinstance(c, ChartWindow) and c.client_id == client_id)
    chart.show_tab(TAB_SESSIONS)
    shot(chart, "24-chart-sessions")
    flagged = vault.measures.record(client_id, Instrument.PHQ9, [2, 1, 2, 1, 1, 2, 1, 1, 1], day)
    assert flagged.id is not None
    if not open_measure_result(chart, flagged.id):
        raise RuntimeError("the Measures tab did not show the new PHQ-9")
    shot(chart, "25-chart-measures")
    measure = chart.measures.give(Instrument.PHQ9)
    assert measure is not None
    measure.type_answers("2121")
    shot(measure, "26-measure-dialog")
    measure.reject()
    follow_up = chart.measures.record_follow_up()
    assert follow_up is not None
    follow_up.action.setPlainText("Risk assessed in session: passive thoughts, no plan or intent; safety plan reviewed")
    shot(follow_up, "27-measure-follow-up")
    follow_up.reject()
    vault.notes.save_process_note(ProcessNote(client_id, "Transference: felt protective when she spoke of her "
                                              "father. Explore pacing next time.", day))  # fmt: skip
    notes = chart.open_process_notes()
    assert notes is not None
    shot(notes, "28-psychotherapy-notes")
    notes.close()
    chart.close()

    today = page("Today")
    assert isinstance(today, TodayView)
    appointments = today.appointments.list
    later = [i for i in range(appointments.topLevelItemCount()) if not appointments.topLevelItem(i).text(3)]
    appointments.setCurrentItem(appointments.topLevelItem(later[0] if later else 0))
    appointments.setFocus()
    shot(window, "29-today-appointment-buttons")


if __name__ == "__main__":
    sys.exit(main())
