# pytest-qt's QtBot methods carry no annotations:
# mypy: disable-error-code="no-untyped-call"
"""The Schedule page: the week and the day, booking and editing, moves by key and by drag, statuses by
key, series questions, daylight saving and the .ics export."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, Qt, QTime
from PySide6.QtGui import QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from tests.ui.test_caseload_model import make_client
from tests.ui.test_chart import Answers, answers
from therapy_desk.domain.billing import Coverage, Payer
from therapy_desk.domain.codes import PlaceOfService
from therapy_desk.domain.scheduling import (
    Appointment,
    AppointmentSeries,
    AppointmentStatus,
    CancelledBy,
    Recurrence,
    SeriesScope,
)
from therapy_desk.storage.documents import DocumentKind
from therapy_desk.storage.vault import Vault
from therapy_desk.ui.document_dialogs import DocumentDialog
from therapy_desk.ui.ops import Ops
from therapy_desk.ui.schedule import DAY, ScheduleView
from therapy_desk.ui.schedule_dialogs import AppointmentDialog
from therapy_desk.ui.schedule_export import ExportIcsDialog
from therapy_desk.ui.schedule_week import week_start

__all__ = ["answers"]  # the fixture, shared with test_chart

TODAY = date.today()
MONDAY = week_start(TODAY) + timedelta(weeks=1)  # next week: every appointment is in the future
TUESDAY = MONDAY + timedelta(days=1)


@pytest.fixture
def clients(vault: Vault) -> dict[str, int]:
    vault.practice.set_setting("practice_time_zone", "America/New_York")
    return {"ana": make_client(vault, "Ana", "Okafor"), "ben": make_client(vault, "Ben", "Lindqvist")}


@pytest.fixture
def page(qtbot: QtBot, vault: Vault, clients: dict[str, int], answers: Answers) -> Iterator[ScheduleView]:
    answers.answer = QMessageBox.StandardButton.No  # "Issue a Good Faith Estimate now?" after a first booking
    host = QWidget()
    qtbot.addWidget(host)
    view = ScheduleView(vault, Ops(host, vault), host)
    host.resize(1200, 800)
    view.resize(1200, 800)
    view.day = TUESDAY
    host.show()
    qtbot.waitExposed(host)
    view.load()
    yield view
    if view.dialog is not None:
        view.dialog.close()


def book(vault: Vault, client_id: int, start: datetime, **changes: object) -> int:
    stored = vault.schedule.book(replace(Appointment(start, 53, "90837", client_id=client_id), **changes))  # type: ignore[arg-type]
    assert stored.id is not None
    return stored.id


def texts(page: ScheduleView) -> list[str]:
    items = (page.week.item(r, c) for c in range(7) for r in range(page.week.rowCount()))
    return [item.text() for item in items if item is not None]


def press(page: ScheduleView, key: Qt.Key, modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    view = page.agenda if page.mode == DAY else page.week
    view.setFocus()
    QTest.keyClick(view, key, modifiers)


# -- the week and the day ------------------------------------------------------------------------------


def test_the_week_shows_time_listed_name_code_and_status_in_its_day_column(
    page: ScheduleView, vault: Vault, clients: dict[str, int]
) -> None:
    book(vault, clients["ana"], datetime.combine(TUESDAY, time(10, 0)))
    book(vault, clients["ben"], datetime.combine(TUESDAY + timedelta(days=2), time(14, 30)), service_code="90834")
    page.load()
    assert texts(page) == [
        "10:00 AM Okafor, Ana\n90837 · Scheduled",
        "2:30 PM Lindqvist, Ben\n90834 · Scheduled",
    ]
    item = page.week.item(page.week._row_of(time(10, 0)), 1)
    assert item is not None
    assert page.week.rowSpan(page.week.row(item), 1) == 4  # 53 minutes fill four quarter hours
    header = page.week.horizontalHeaderItem(1)
    assert header is not None
    assert header.text() == f"Tue {TUESDAY.month}/{TUESDAY.day}"
    assert page.heading.text().startswith("Week of")


def test_previous_next_and_today_by_key_and_the_day_agenda(
    page: ScheduleView, vault: Vault, clients: dict[str, int]
) -> None:
    book(vault, clients["ana"], datetime.combine(TUESDAY + timedelta(weeks=1), time(9, 0)))
    press(page, Qt.Key.Key_PageDown)
    assert page.shown_range() == (MONDAY + timedelta(weeks=1), MONDAY + timedelta(weeks=1, days=6))
    assert len(texts(page)) == 1
    press(page, Qt.Key.Key_PageUp)
    assert texts(page) == []
    press(page, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert len(texts(page)) == 1
    page.day_button.click()
    assert page.mode == DAY
    assert page.agenda.lines_shown() == [("9:00 AM–9:53 AM", "Okafor, Ana", "90837", "Scheduled")]
    press(page, Qt.Key.Key_PageDown)  # a day at a time now
    assert page.day == TUESDAY + timedelta(weeks=1, days=1)
    assert page.agenda.lines_shown() == []
    press(page, Qt.Key.Key_T)
    assert page.day == TODAY


def test_loading_a_week_reads_the_schedule_once(
    page: ScheduleView, vault: Vault, clients: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    for day in range(5):
        for hour in (9, 11, 14):
            book(vault, clients["ana"], datetime.combine(MONDAY + timedelta(days=day), time(hour, 0)))
    calls: list[tuple[date, date]] = []
    original = vault.schedule.range

    def counting(first: date, last: date) -> list[Appointment]:
        calls.append((first, last))
        return original(first, last)

    monkeypatch.setattr(vault.schedule, "range", counting)
    page.load()
    assert calls == [(MONDAY, MONDAY + timedelta(days=6))]
    assert len(page.week.appointment_ids()) == 15


def test_a_crowded_slot_lists_what_fits_says_how_many_more_and_keeps_them_all(
    page: ScheduleView, vault: Vault, clients: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    others = [make_client(vault, f"Extra{n}", "Crowd") for n in range(8)]
    start = datetime.combine(TUESDAY, time(10, 0))
    booked = [book(vault, client, start) for client in [clients["ana"], *others]]  # nine at 10:00, 53 minutes
    read: list[list[int]] = []
    original = vault.clients.by_ids

    def counting(ids: list[int]) -> object:
        read.append(list(ids))
        return original(ids)

    monkeypatch.setattr(vault.clients, "by_ids", counting)
    page.load()
    [cell] = texts(page)
    shown = cell.count("Crowd") + cell.count("Okafor")
    assert 1 <= shown < 9
    assert cell.count("\n") == 2 * shown  # two lines each, then one line for the rest
    assert cell.endswith(f"+ {9 - shown} more")
    lines_in_cell = 4 * page.week.verticalHeader().defaultSectionSize() // page.week.fontMetrics().lineSpacing()
    assert 2 * shown + 1 <= lines_in_cell  # it fits the cell's height
    assert len(read) == 1  # one read, of only the names shown
    assert len(read[0]) == shown
    assert page.week.appointment_ids() == booked  # every one is still in the week, for the keys
    page.day_button.click()
    assert len(page.agenda.lines_shown()) == 9  # the day lists them all
    page.week_button.click()
    assert page.week.select_appointment(booked[-1])
    press(page, Qt.Key.Key_C)  # acts on the cell's first appointment; its name is in the message
    assert "Okafor, Ana" in page.message.text()


# -- statuses and the note -------------------------------------------------------------------------------


def test_status_keys_change_the_selected_appointment(page: ScheduleView, vault: Vault, clients: dict[str, int]) -> None:
    past = datetime.combine(TODAY - timedelta(days=1), time(9, 0))
    aid = book(vault, clients["ana"], past, status=AppointmentStatus.ATTENDED)
    vault.schedule.set_status(aid, AppointmentStatus.SCHEDULED)
    page.show_day(past.date())
    page.set_mode(DAY)
    page.agenda.select_appointment(aid)
    for key, status in (
        (Qt.Key.Key_A, AppointmentStatus.ATTENDED),
        (Qt.Key.Key_N, AppointmentStatus.NO_SHOW),
        (Qt.Key.Key_L, AppointmentStatus.LATE_CANCEL),
        (Qt.Key.Key_S, AppointmentStatus.SCHEDULED),
        (Qt.Key.Key_C, AppointmentStatus.CANCELLED),
    ):
        press(page, key)
        assert vault.schedule.get(aid).status is status
        assert page.agenda.lines_shown()[0][3] == status.label.replace("Cancelled", "Cancelled by client")
    press(page, Qt.Key.Key_C, Qt.KeyboardModifier.ShiftModifier)  # it was the clinician who cancelled
    assert vault.schedule.get(aid).cancelled_by is CancelledBy.CLINICIAN
    assert page.agenda.lines_shown()[0][3] == "Cancelled by clinician"
    press(page, Qt.Key.Key_A)  # a cancelled session must be reinstated first: said, not raised
    assert vault.schedule.get(aid).status is AppointmentStatus.CANCELLED
    assert "reinstate it" in page.error.text()
    assert page.error.isVisible()


def test_every_status_change_goes_through_set_status(
    page: ScheduleView, vault: Vault, clients: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    aid = book(vault, clients["ana"], datetime.combine(TUESDAY, time(10, 0)))
    page.load(select=aid)
    seen: list[tuple[int, AppointmentStatus]] = []
    original = page._set_status

    def spy(appointment_id: int, status: AppointmentStatus, cancelled_by: CancelledBy | None = None) -> None:
        seen.append((appointment_id, status))
        original(appointment_id, status, cancelled_by)

    monkeypatch.setattr(page, "_set_status", spy)
    press(page, Qt.Key.Key_C)
    menu = page.menu_for(aid)
    next(action for action in menu.actions() if action.text().startswith("Back to")).trigger()
    assert seen == [(aid, AppointmentStatus.CANCELLED), (aid, AppointmentStatus.SCHEDULED)]


def test_enter_asks_for_the_note_of_the_selected_appointment(
    qtbot: QtBot, page: ScheduleView, vault: Vault, clients: dict[str, int]
) -> None:
    aid = book(vault, clients["ana"], datetime.combine(TUESDAY, time(10, 0)))
    page.load(select=aid)
    with qtbot.waitSignal(page.start_note_requested) as signal:
        press(page, Qt.Key.Key_Return)
    assert signal.args == [aid]
    assert any("Start note" in a.text().replace("&", "") for a in page.menu_for(aid).actions())


# -- moving ----------------------------------------------------------------------------------------------


def test_ctrl_arrows_move_by_a_quarter_hour_and_by_a_day(
    page: ScheduleView, vault: Vault, clients: dict[str, int]
) -> None:
    aid = book(vault, clients["ana"], datetime.combine(TUESDAY, time(10, 0)))
    page.load(select=aid)
    press(page, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    assert vault.schedule.get(aid).start == datetime.combine(TUESDAY, time(10, 15))
    press(page, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
    assert vault.schedule.get(aid).start == datetime.combine(TUESDAY + timedelta(days=1), time(10, 15))
    assert page.selected_id() == aid  # the moved appointment stays selected
    assert texts(page)[0].startswith("10:15 AM")


def test_drag_to_another_slot_moves_the_appointment(page: ScheduleView, vault: Vault, clients: dict[str, int]) -> None:
    aid = book(vault, clients["ana"], datetime.combine(TUESDAY, time(10, 0)))
    page.load(select=aid)
    target_row = page.week._row_of(time(15, 30))
    target = page.week.visualRect(page.week.model().index(target_row, 3)).center()
    drop = QDropEvent(
        target.toPointF(),
        Qt.DropAction.MoveAction,
        QMimeData(),
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    page.week._dragged = aid
    page.week.dropEvent(drop)
    assert vault.schedule.get(aid).start == datetime.combine(MONDAY + timedelta(days=3), time(15, 30))
    assert len(page.week.appointment_ids()) == 1  # moved, not copied


def test_a_move_into_the_skipped_hour_is_refused_with_the_sentence(
    page: ScheduleView, vault: Vault, clients: dict[str, int]
) -> None:
    spring = date(2026, 3, 8)
    if spring < TODAY:
        spring = date(TODAY.year + 1, 3, 14) - timedelta(days=(date(TODAY.year + 1, 3, 14).weekday() + 1) % 7)
    aid = book(vault, clients["ana"], datetime.combine(spring, time(9, 0)))
    page.show_day(spring)
    page.move_to(aid, datetime.combine(spring, time(2, 30)))
    assert vault.schedule.get(aid).start.time() == time(9, 0)
    assert "2:30 AM does not exist" in page.error.text()


# -- the book and edit dialog ------------------------------------------------------------------------------


def open_book(qtbot: QtBot, page: ScheduleView, start: datetime) -> AppointmentDialog:
    dialog = page.book(start=start)
    qtbot.waitExposed(dialog)
    return dialog


def pick_client(dialog: AppointmentDialog, typed: str) -> None:
    dialog.client.setFocus()
    QTest.keyClicks(dialog.client, typed)
    completer = dialog.client.completer()
    assert completer.completionCount() == 1
    dialog.client.setText(completer.currentCompletion())


def test_book_a_weekly_series_with_the_defaults(
    qtbot: QtBot, page: ScheduleView, vault: Vault, clients: dict[str, int]
) -> None:
    dialog = open_book(qtbot, page, datetime.combine(TUESDAY, time(10, 0)))
    assert dialog.duration.value() == 53
    assert dialog.service.currentData() == "90837"
    pick_client(dialog, "okaf")
    assert dialog.client.text() == "Okafor, Ana"
    dialog.repeats.setCurrentIndex(dialog.repeats.findText("Weekly"))
    dialog.until.check.setChecked(True)
    dialog.until.edit.setDate(
        dialog.until.edit.date().fromString((TUESDAY + timedelta(weeks=3)).isoformat(), "yyyy-MM-dd")
    )
    dialog.ok_button.click()
    assert dialog.saved is not None
    occurrences = vault.schedule.occurrences(dialog.saved.series_id or 0)
    assert [a.start for a in occurrences] == [
        datetime.combine(TUESDAY + timedelta(weeks=n), time(10, 0)) for n in range(4)
    ]
    assert texts(page) == ["10:00 AM Okafor, Ana\n90837 · Scheduled"]


def test_telehealth_sets_pos_10_and_modifier_95(qtbot: QtBot, page: ScheduleView, clients: dict[str, int]) -> None:
    dialog = open_book(qtbot, page, datetime.combine(TUESDAY, time(10, 0)))
    dialog.telehealth.setChecked(True)
    assert dialog.place.currentText() == "10 — Telehealth, client at home"
    assert dialog.modifiers.text() == "95"
    dialog.place.setCurrentIndex(dialog.place.findData(PlaceOfService.TELEHEALTH_NOT_HOME.value))
    dialog.telehealth.setChecked(False)
    assert dialog.place.currentText() == "11 — Office"
    assert dialog.modifiers.text() == ""


def test_a_double_click_on_book_books_once(
    qtbot: QtBot, page: ScheduleView, vault: Vault, clients: dict[str, int]
) -> None:
    dialog = open_book(qtbot, page, datetime.combine(TUESDAY, time(10, 0)))
    pick_client(dialog, "Lindq")
    dialog.save()
    dialog.save()
    QTest.mouseDClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert len(vault.schedule.range(TUESDAY, TUESDAY)) == 1


def test_an_overlap_is_a_warning_with_a_choice_to_book_anyway(
    qtbot: QtBot, page: ScheduleView, vault: Vault, clients: dict[str, int]
) -> None:
    book(vault, clients["ana"], datetime.combine(TUESDAY, time(10, 0)))
    dialog = open_book(qtbot, page, datetime.combine(TUESDAY, time(10, 30)))
    pick_client(dialog, "Lindq")
    dialog.ok_button.click()
    assert dialog.saved is None
    assert "This overlaps Okafor, Ana at 10:00 AM–10:53 AM" in dialog.warning.text()
    assert dialog.ok_button.text() == "Book &anyway"
    dialog.ok_button.click()
    assert dialog.saved is not None
    assert len(vault.schedule.range(TUESDAY, TUESDAY)) == 2


def test_end_before_start_and_no_client_are_refused_next_to_their_fields(
    qtbot: QtBot, page: ScheduleView, vault: Vault, clients: dict[str, int]
) -> None:
    dialog = open_book(qtbot, page, datetime.combine(TUESDAY, time(10, 0)))
    dialog.ok_button.click()
    assert dialog.errors.visible_messages() == ["Choose the client: type part of the name and pick it from the list."]
    pick_client(dialog, "okaf")
    dialog.end_edit.setTime(QTime(9, 30))
    assert dialog.errors.visible_messages() == ["The end time must be after the start time."]
    assert dialog.errors.label("end") is not None
    assert dialog.errors.label("end").isVisible()  # type: ignore[union-attr]
    dialog.ok_button.click()
    assert dialog.saved is None
    dialog.end_edit.setTime(QTime(10, 45))
    assert dialog.duration.value() == 45
    dialog.ok_button.click()
    assert dialog.saved is not None
    assert dialog.saved.duration_minutes == 45
    assert vault.schedule.range(TUESDAY, TUESDAY) == [dialog.saved]


def next_transition(month: int, week_day_after: int) -> date:
    """The first Sunday on or after `week_day_after` of `month` this year or next that is still ahead."""
    for year in (TODAY.year, TODAY.year + 1):
        day = date(year, month, week_day_after)
        day += timedelta(days=(6 - day.weekday()) % 7)
        if day > TODAY:
            return day
    raise AssertionError


def test_a_spring_forward_time_is_refused_and_a_fall_back_time_asked_about(
    qtbot: QtBot, page: ScheduleView, vault: Vault, clients: dict[str, int]
) -> None:
    spring = next_transition(3, 8)  # US: the second Sunday of March
    fall = next_transition(11, 1)  # US: the first Sunday of November
    dialog = open_book(qtbot, page, datetime.combine(spring, time(2, 30)))
    pick_client(dialog, "okaf")
    dialog.ok_button.click()
    assert dialog.saved is None
    (sentence,) = dialog.errors.visible_messages()
    assert sentence.startswith(f"2:30 AM does not exist on {spring:%B} {spring.day}, {spring.year} in America/New_York")
    assert "clocks jump from 2:00 AM to 3:00 AM" in sentence
    dialog.reject()
    dialog = open_book(qtbot, page, datetime.combine(fall, time(1, 30)))
    pick_client(dialog, "okaf")
    dialog.ok_button.click()
    assert dialog.saved is None
    assert "1:30 AM happens twice" in dialog.warning.text()
    dialog.ok_button.click()
    assert dialog.saved is not None


def test_editing_an_occurrence_asks_which_ones_and_all_moves_the_rest(
    qtbot: QtBot, page: ScheduleView, vault: Vault, clients: dict[str, int]
) -> None:
    first = datetime.combine(TUESDAY, time(10, 0))
    series = vault.schedule.create_series(
        AppointmentSeries(
            first, Recurrence.WEEKLY, 53, "90837", client_id=clients["ana"], until=TUESDAY + timedelta(weeks=5)
        )
    )
    page.load()
    aid = page.week.appointment_ids()[0]
    page.week.select_appointment(aid)
    dialog = page.edit()
    assert dialog is not None
    asked: list[bool] = []

    def answer() -> SeriesScope:
        asked.append(True)
        return SeriesScope.ALL

    dialog.ask_scope = answer
    dialog.start_edit.setTime(QTime(11, 0))
    dialog.ok_button.click()
    assert asked == [True]
    assert {a.start.time() for a in vault.schedule.occurrences(series.id or 0)} == {time(11, 0)}


def test_cancelling_an_occurrence_asks_which_ones(page: ScheduleView, vault: Vault, clients: dict[str, int]) -> None:
    series = vault.schedule.create_series(
        AppointmentSeries(
            datetime.combine(TUESDAY, time(10, 0)),
            Recurrence.WEEKLY,
            53,
            "90837",
            client_id=clients["ana"],
            until=TUESDAY + timedelta(weeks=3),
        )
    )
    page.load()
    page.week.select_appointment(page.week.appointment_ids()[0])
    page.ask_scope = lambda action: SeriesScope.FOLLOWING if action == "cancel" else None
    press(page, Qt.Key.Key_C)
    statuses = {a.status for a in vault.schedule.occurrences(series.id or 0)}
    assert statuses == {AppointmentStatus.CANCELLED}
    assert "4 appointments of the series cancelled." in page.message.text()


# -- the zone and the export -------------------------------------------------------------------------------


def test_the_computers_zone_is_stored_the_first_time_the_schedule_opens(
    qtbot: QtBot, vault: Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "America/Denver")
    host = QWidget()
    qtbot.addWidget(host)
    view = ScheduleView(vault, Ops(host, vault), host)
    assert vault.practice.setting("practice_time_zone") == "America/Denver"
    assert view.zone_label.text() == "Times in America/Denver"


def test_export_writes_the_range_as_ics_with_initials(
    qtbot: QtBot, page: ScheduleView, vault: Vault, clients: dict[str, int], tmp_path: Path
) -> None:
    book(vault, clients["ana"], datetime.combine(TUESDAY, time(10, 0)))
    dialog = page.export()
    assert isinstance(dialog, ExportIcsDialog)
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / "week.ics"
    dialog.path_edit.setText(str(target))
    dialog.export_button.click()
    text = target.read_bytes().decode("utf-8")
    assert "SUMMARY:Session: A. O.\r\n" in text
    assert "Okafor" not in text
    assert [p.name for p in target.parent.iterdir()] == ["week.ics"]  # no temp file left behind
    assert f"Exported to {target}." in page.message.text()


def test_export_refuses_a_missing_folder_with_a_sentence(qtbot: QtBot, page: ScheduleView, tmp_path: Path) -> None:
    dialog = page.export()
    dialog.path_edit.setText(str(tmp_path / "nowhere" / "week.ics"))
    dialog.export_button.click()
    assert dialog.errors.visible_messages() == [f"The folder {tmp_path / 'nowhere'} does not exist."]
    assert dialog.isVisible()
    QApplication.processEvents()


def test_the_export_dialog_shows_the_whole_file_path(qtbot: QtBot, page: ScheduleView) -> None:
    dialog = page.export()
    qtbot.waitUntil(dialog.isVisible)
    field = dialog.path_edit
    field.setText("/home/clinician/appointments.ics")
    assert field.width() > field.fontMetrics().horizontalAdvance(field.text()) + 8  # its frame and margins
    dialog.reject()


# -- the Good Faith Estimate offered after a self-pay client's first booking (issue 13) ---------------------


def test_booking_a_self_pay_clients_first_session_offers_a_good_faith_estimate(
    qtbot: QtBot, page: ScheduleView, vault: Vault, clients: dict[str, int], answers: Answers
) -> None:
    answers.answer = QMessageBox.StandardButton.Yes
    dialog = open_book(qtbot, page, datetime.combine(TUESDAY, time(10, 0)))
    pick_client(dialog, "okaf")
    dialog.ok_button.click()

    assert len(answers.asked) == 1
    assert "Issue a Good Faith Estimate now?" in answers.asked[0]
    assert "Ana Okafor's first session" in answers.asked[0]
    estimate = page.estimate_dialog
    assert isinstance(estimate, DocumentDialog)
    assert estimate.kind is DocumentKind.ESTIMATE
    assert estimate.isVisible()
    estimate.reject()

    second = open_book(qtbot, page, datetime.combine(TUESDAY + timedelta(days=7), time(10, 0)))
    pick_client(second, "okaf")
    second.ok_button.click()
    assert second.saved is not None
    assert len(answers.asked) == 1  # a second session is not a first: no question


def test_a_client_with_coverage_in_force_is_not_offered_an_estimate(
    qtbot: QtBot, page: ScheduleView, vault: Vault, clients: dict[str, int], answers: Answers
) -> None:
    payer = vault.billing.add_payer(Payer("Cascade Health Plan"))
    assert payer.id is not None
    vault.billing.add_coverage(Coverage(clients["ana"], payer.id, "XKB447102", TUESDAY - timedelta(days=30)))
    dialog = open_book(qtbot, page, datetime.combine(TUESDAY, time(10, 0)))
    pick_client(dialog, "okaf")
    dialog.ok_button.click()

    assert dialog.saved is not None
    assert answers.asked == []
