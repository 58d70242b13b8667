# pytest-qt's QtBot and ModelTester methods carry no annotations:
# mypy: disable-error-code="no-untyped-call"
"""The Today view: each list filled through the stores, opened by keyboard, emptied on lock."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QTreeWidget, QWidget
from pytestqt.qtbot import QtBot

from tests.storage.test_plans import SIGNER, a_plan
from tests.ui.screen_reader import accessible_cells
from tests.ui.test_caseload_model import make_client, overdue_plan
from therapy_desk.domain.clients import Release
from therapy_desk.domain.measures import Instrument
from therapy_desk.domain.notes import Note
from therapy_desk.domain.scheduling import Appointment, AppointmentStatus
from therapy_desk.storage.vault import Vault
from therapy_desk.ui.format import fmt_date
from therapy_desk.ui.ops import Ops
from therapy_desk.ui.today import TodayView

TODAY = date.today()


@pytest.fixture
def busy_day(vault: Vault) -> dict[str, int]:
    """One client for each list: booked today, a draft note, a plan due, an expiring release, an item-9 flag."""
    ids = {
        "booked": make_client(vault, "Zoë", "Adeyemi"),
        "draft": make_client(vault, "Omar", "Björklund", preferred_name="Om"),
        "plan": make_client(vault, "Lena", "Castellanos"),
        "release": make_client(vault, "Søren", "Østergaard"),
        "flag": make_client(vault, "Ana", "Zoeller"),
    }
    vault.schedule.book(Appointment(datetime.combine(TODAY, time(15, 0)), 53, "90837", client_id=ids["booked"]))
    vault.notes.save_draft(Note(ids["draft"], date_of_service=TODAY - timedelta(days=3)))
    draft = vault.plans.create_draft(ids["plan"], a_plan(TODAY - timedelta(days=80)))  # review due in 10 days
    assert draft.id is not None
    vault.plans.sign(draft.id, SIGNER)
    vault.clients.add_release(
        Release(
            ids["release"],
            "Dr. Priya Patel (PCP)",
            "Diagnosis and attendance",
            "Coordination of care",
            signed_on=TODAY - timedelta(days=300),
            expires_on=TODAY + timedelta(days=20),
        )
    )
    vault.measures.record(ids["flag"], Instrument.PHQ9, [1, 1, 2, 1, 1, 1, 1, 1, 2], TODAY - timedelta(days=1))
    return ids


@pytest.fixture
def view(qtbot: QtBot, vault: Vault) -> TodayView:
    host = QWidget()
    widget = TodayView(vault, Ops(host, vault), host)
    qtbot.addWidget(host)
    host.resize(1100, 760)
    widget.resize(1100, 760)
    return widget


def show(qtbot: QtBot, view: TodayView) -> None:
    view.window().show()
    qtbot.waitExposed(view.window())
    view.window().activateWindow()  # window shortcuts (F5) need the active window
    qtbot.waitUntil(view.window().isActiveWindow, timeout=2000)


def test_today_lists_each_thing_that_needs_attention(qtbot: QtBot, view: TodayView, busy_day: dict[str, int]) -> None:
    show(qtbot, view)  # refreshes itself when shown

    assert view.appointments.lines_shown() == [("3:00 PM–3:53 PM", "Zoë Adeyemi", "90837", "")]
    assert view.unsigned.lines_shown() == [("Om Björklund", fmt_date(TODAY - timedelta(days=3)), "3 days")]
    assert view.plans.lines_shown() == [("Lena Castellanos", fmt_date(TODAY + timedelta(days=10)), "in 10 days")]
    assert view.releases.lines_shown() == [
        ("Søren Østergaard", "Dr. Priya Patel (PCP)", fmt_date(TODAY + timedelta(days=20)), "in 20 days")
    ]
    assert view.flags.lines_shown() == [
        ("Ana Zoeller", fmt_date(TODAY - timedelta(days=1)), "2: more than half the days", "11 (moderate)")
    ]
    assert view.heading.text().startswith("Today — ")


def test_item_9_flags_come_first_and_stand_out(qtbot: QtBot, view: TodayView, busy_day: dict[str, int]) -> None:
    show(qtbot, view)

    assert view.sections()[0] is view.flags
    assert view.flags.geometry().bottom() < view.appointments.geometry().top()
    assert view.flags.icon_label.isVisible()
    assert view.flags.title_label.text() == "PHQ-9 item 9: follow up (1)"
    first = view.flags.list.topLevelItem(0)
    assert first is not None
    assert first.font(0).bold()
    assert view.flags.list.hasFocus()  # the keyboard starts where the urgent thing is


def test_a_screen_reader_hears_what_the_bold_lines_mean(
    qtbot: QtBot, view: TodayView, vault: Vault, busy_day: dict[str, int]
) -> None:
    overdue_plan(vault, busy_day["draft"], days_overdue=4)
    vault.notes.save_draft(Note(busy_day["plan"], date_of_service=TODAY - timedelta(days=5)))
    show(qtbot, view)

    flags = accessible_cells(view.flags.list)
    assert "Ana Zoeller — flagged for follow-up" in flags
    assert "2: more than half the days — flagged for follow-up" in flags
    plans = accessible_cells(view.plans.list)
    assert "4 days overdue — review due now" in plans
    assert "in 10 days" in plans  # not yet due: read as shown, with nothing added
    unsigned = accessible_cells(view.unsigned.list)
    assert "5 days — overdue" in unsigned
    assert "3 days" in unsigned  # within 72 hours of its session: not overdue


def test_enter_and_double_click_open_what_the_line_shows(
    qtbot: QtBot, view: TodayView, vault: Vault, busy_day: dict[str, int]
) -> None:
    show(qtbot, view)
    draft = vault.notes.unsigned()[0]
    flag = vault.measures.unreviewed_flags()[0]
    booked = vault.schedule.day(TODAY)[0]

    view.unsigned.list.setFocus()
    with qtbot.waitSignal(view.open_note_requested) as opened:
        qtbot.keyClick(view.unsigned.list, Qt.Key.Key_Return)
    assert opened.args == [draft.id]

    view.appointments.list.setFocus()
    with qtbot.waitSignal(view.start_note_requested) as started:
        qtbot.keyClick(view.appointments.list, Qt.Key.Key_Return)
    assert started.args == [booked.id]

    tree = view.flags.list
    item = tree.topLevelItem(0)
    assert item is not None
    center = tree.visualItemRect(item).center()
    with qtbot.waitSignal(view.open_measure_requested) as measure:
        qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=center)
        qtbot.mouseDClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=center)
    assert measure.args == [busy_day["flag"], flag.id]

    view.plans.list.setFocus()
    with qtbot.waitSignal(view.open_client) as chart:
        qtbot.keyClick(view.plans.list, Qt.Key.Key_Return)
    assert chart.args == [busy_day["plan"]]


def _started_today(vault: Vault, client_id: int) -> Appointment:
    """A session at midnight today: it has started whenever the test runs, so it can be marked."""
    return vault.schedule.book(Appointment(datetime.combine(TODAY, time(0, 0)), 53, "90837", client_id=client_id))


def test_a_key_marks_todays_appointment_and_attended_starts_its_note(
    qtbot: QtBot, view: TodayView, vault: Vault, busy_day: dict[str, int]
) -> None:
    booked = _started_today(vault, busy_day["booked"])
    show(qtbot, view)
    assert booked.id is not None

    view.appointments.list.setFocus()
    with qtbot.waitSignal(view.start_note_requested) as started:
        qtbot.keyClick(view.appointments.list, Qt.Key.Key_A)

    assert started.args == [booked.id]
    assert vault.schedule.get(booked.id).status is AppointmentStatus.ATTENDED
    assert view.appointments.lines_shown()[0][3] == "Attended"
    assert "Zoë Adeyemi, 12:00 AM–12:53 AM: attended." in view.message.text()


def test_a_no_show_from_the_button_charges_the_missed_fee_and_says_so(
    qtbot: QtBot, view: TodayView, vault: Vault, busy_day: dict[str, int]
) -> None:
    booked = _started_today(vault, busy_day["booked"])
    show(qtbot, view)
    assert booked.id is not None
    buttons = {b.accessibleName(): b for b in view.appointment_buttons.findChildren(QPushButton)}
    assert list(buttons) == ["Start note", "Mark attended", "No-show", "Late cancel", "Reschedule"]

    buttons["No-show"].click()

    assert vault.schedule.get(booked.id).status is AppointmentStatus.NO_SHOW
    assert [c.service_code for c in vault.billing.charges_for_appointment(booked.id)] == ["NOSHOW"]
    assert "Missed-appointment fee of $75.00 charged." in view.message.text()


def test_an_empty_day_says_so_calmly(qtbot: QtBot, view: TodayView) -> None:
    show(qtbot, view)

    assert [s.empty_label.text() for s in view.sections() if s.empty_label.isVisible()] == [
        "No PHQ-9 item-9 answers waiting for follow-up.",
        "No appointments today.",
        "No unsigned notes.",
        "No treatment plan reviews due in the next 14 days.",
        "No releases expire in the next 30 days.",
    ]
    assert not view.flags.icon_label.isVisible()
    assert not any(s.list.isVisible() for s in view.sections())


def test_f5_reads_the_lists_again(qtbot: QtBot, view: TodayView, vault: Vault) -> None:
    show(qtbot, view)
    client = make_client(vault, "Ada", "Quinn")
    vault.notes.save_draft(Note(client, date_of_service=TODAY))

    assert view.refresh_button.hasFocus()  # nothing listed: focus waits on Refresh
    qtbot.keyClick(view.refresh_button, Qt.Key.Key_F5)

    assert view.unsigned.lines_shown() == [("Ada Quinn", fmt_date(TODAY), "today")]
    assert view.refresh_button.toolTip() == "Read the lists again (F5)"


def test_clear_for_lock_leaves_no_client_name_in_any_widget(
    qtbot: QtBot, view: TodayView, busy_day: dict[str, int]
) -> None:
    show(qtbot, view)

    view.clear_for_lock()

    texts = [label.text() for label in view.findChildren(QLabel)]
    for tree in view.findChildren(QTreeWidget):
        assert tree.topLevelItemCount() == 0
    for name in ("Zoë", "Adeyemi", "Björklund", "Castellanos", "Østergaard", "Zoeller", "Patel"):
        assert not any(name in text for text in texts), name
