# pytest-qt's QtBot and ModelTester methods carry no annotations:
# mypy: disable-error-code="no-untyped-call"
"""The client form and the Add client dialog: the store's sentences next to the fields, nothing half-saved."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QPalette
from pytestqt.qtbot import QtBot

from therapy_desk.domain.clients import AdministrativeSex, Client, ClientStatus
from therapy_desk.errors import ValidationError
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import theme
from therapy_desk.ui.widgets.client_form import (
    DOB_DESCRIPTION,
    DOB_REQUIRED_MESSAGE,
    AddClientDialog,
    ClientForm,
    parse_dob,
)

TODAY = date.today()
NEXT_YEAR = f"{TODAY.month:02d}/01/{TODAY.year + 1}"


@pytest.fixture
def dialog(qtbot: QtBot, vault: Vault) -> AddClientDialog:
    widget = AddClientDialog(vault)
    qtbot.addWidget(widget)
    widget.open()
    qtbot.waitExposed(widget)
    return widget


def fill(qtbot: QtBot, form: ClientForm, **fields: str) -> None:
    for field, text in fields.items():
        widget = form.field_widget(field)
        widget.setFocus()
        qtbot.keyClicks(widget, text)


@pytest.mark.parametrize(
    ("field", "typed", "sentence"),
    [
        ("dob", NEXT_YEAR, "Date of birth cannot be in the future."),
        ("dob", "", DOB_REQUIRED_MESSAGE),
        ("dob", "31/12/1990", "Enter the date of birth as MM/DD/YYYY, like 05/17/1990."),
        ("zip", "1234", "A ZIP code is 5 digits, or ZIP+4 as 12345-6789."),
        ("phone", "555-0101", "A phone number needs 10 digits with the area code, like (555) 201-3344."),
        ("emergency_phone", "12", "A phone number needs 10 digits with the area code, like (555) 201-3344."),
        ("state", "XX", "XX is not a US state code; use two letters, like NY."),
        ("email", "ana@", "That email address is not complete; it should look like name@example.com."),
    ],
)
def test_invalid_field_shows_the_store_sentence_next_to_it_and_saves_nothing(
    qtbot: QtBot, dialog: AddClientDialog, vault: Vault, field: str, typed: str, sentence: str
) -> None:
    values = {"legal_first": "Ana", "legal_last": "Reyes", "dob": "05/17/1990", field: typed}
    fill(qtbot, dialog.form, **{k: v for k, v in values.items() if v})

    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)

    assert dialog.isVisible()
    assert dialog.form.error_text(field) == sentence
    assert dialog.form.visible_errors() == [sentence]
    assert dialog.form.field_widget(field).hasFocus()
    assert vault.clients.count() == 0


def test_names_are_reported_before_the_date_of_birth(qtbot: QtBot, dialog: AddClientDialog, vault: Vault) -> None:
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)

    assert dialog.form.visible_errors() == ["The legal first name is required."]
    assert vault.clients.count() == 0


def test_a_typo_is_caught_when_the_field_is_left(qtbot: QtBot, dialog: AddClientDialog) -> None:
    fill(qtbot, dialog.form, zip="123")
    qtbot.keyClick(dialog.form.field_widget("zip"), Qt.Key.Key_Tab)

    assert dialog.form.error_text("zip") == "A ZIP code is 5 digits, or ZIP+4 as 12345-6789."

    dialog.form.field_widget("zip").setFocus()
    qtbot.keyClicks(dialog.form.field_widget("zip"), "45")
    qtbot.keyClick(dialog.form.field_widget("zip"), Qt.Key.Key_Tab)
    assert dialog.form.error_text("zip") == ""


def test_the_date_of_birth_format_stays_in_sight_while_typing(qtbot: QtBot, dialog: AddClientDialog) -> None:
    field = dialog.form.field_widget("dob")
    hint = dialog.form.dob.hint
    assert "MM/DD/YYYY" in field.accessibleDescription()
    fill(qtbot, dialog.form, dob="05/17")  # the placeholder is gone now

    assert hint.isVisible()
    assert hint.text() == "MM/DD/YYYY"
    colour = hint.palette().color(hint.foregroundRole())
    assert theme.contrast(colour, hint.palette().color(QPalette.ColorRole.Window)) >= theme.MIN_CONTRAST


def test_a_fixed_field_says_its_format_again(qtbot: QtBot, dialog: AddClientDialog) -> None:
    fill(qtbot, dialog.form, legal_first="Ana", legal_last="Reyes", dob="31/12/1990")
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    field = dialog.form.field_widget("dob")
    assert field.accessibleDescription() == "Enter the date of birth as MM/DD/YYYY, like 05/17/1990."

    dialog.form.clear_errors()
    assert field.accessibleDescription() == DOB_DESCRIPTION


def test_a_valid_client_is_saved_normalised_and_announced(qtbot: QtBot, dialog: AddClientDialog, vault: Vault) -> None:
    fill(
        qtbot,
        dialog.form,
        legal_first="Ana",
        legal_last="Reyes",
        preferred_name="Annie",
        pronouns="she/her",
        dob="5/17/90",
        phone="555 201 3344",
        zip="10001",
        state="ny",
    )
    dialog.form.sex.setCurrentIndex(dialog.form.sex.findText("Female"))

    with qtbot.waitSignal(dialog.client_added) as added:
        qtbot.keyClick(dialog.form.field_widget("zip"), Qt.Key.Key_Return)  # Enter is the default button

    saved = added.args[0]
    assert (saved.legal_name, saved.display_name, saved.dob) == ("Ana Reyes", "Annie Reyes", date(1990, 5, 17))
    assert (saved.phone, saved.state, saved.sex, saved.status) == (
        "(555) 201-3344",
        "NY",
        AdministrativeSex.FEMALE,
        ClientStatus.INQUIRY,
    )
    assert vault.clients.get(saved.id) == saved
    assert not dialog.isVisible()


def test_closing_with_typed_details_asks_first(qtbot: QtBot, dialog: AddClientDialog, vault: Vault) -> None:
    fill(qtbot, dialog.form, legal_first="Ana")

    qtbot.keyClick(dialog, Qt.Key.Key_Escape)

    assert dialog.isVisible()
    box = dialog.confirm
    assert box is not None
    assert box.isVisible()
    assert box.text() == "Discard this new client?"
    discard = next(b for b in box.buttons() if b.text() == "&Discard")
    qtbot.mouseClick(discard, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert vault.clients.count() == 0


def test_an_untouched_dialog_closes_without_asking(qtbot: QtBot, dialog: AddClientDialog) -> None:
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)

    assert not dialog.isVisible()
    assert dialog.confirm is None


def test_form_round_trips_a_client_for_editing(qtbot: QtBot) -> None:
    form = ClientForm()
    qtbot.addWidget(form)
    client = Client(
        "Ana",
        "Reyes",
        date(1990, 5, 17),
        status=ClientStatus.ACTIVE,
        id=7,
        account_number="C000007",
        legal_middle="Lucía",
        sex=AdministrativeSex.FEMALE,
        phone="(555) 201-3344",
        zip="10001-2345",
        state="NY",
        emergency_name="Rosa Reyes",
        intake_date=date(2024, 1, 9),
    ).validated(TODAY)

    form.set_client(client)

    assert form.client() == client
    assert not form.is_modified()
    form.field_widget("legal_middle").setFocus()
    qtbot.keyClicks(form.field_widget("legal_middle"), "x")
    assert form.is_modified()
    assert form.client().legal_middle == "Lucíax"
    assert form.client().intake_date == date(2024, 1, 9)  # fields the form does not show are kept


def test_show_error_for_a_field_the_form_lacks_goes_to_the_top(qtbot: QtBot) -> None:
    form = ClientForm()
    qtbot.addWidget(form)
    form.show()

    form.show_error("discharge_date", "The discharge date cannot be before the intake date.")

    assert form.general_error.isVisible()
    assert form.error_text(None) == "The discharge date cannot be before the intake date."
    form.clear_errors()
    assert form.visible_errors() == []


def test_the_calendar_opens_decades_back_and_offers_no_future_day(qtbot: QtBot) -> None:
    form = ClientForm()
    qtbot.addWidget(form)
    form.show()

    calendar = form.dob.show_calendar()

    assert calendar.maximumDate() == QDate(TODAY.year, TODAY.month, TODAY.day)
    assert calendar.yearShown() == TODAY.year - 30
    calendar.clicked.emit(QDate(1991, 3, 14))
    assert form.dob.text() == "03/14/1991"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("05/17/1990", date(1990, 5, 17)),
        ("5/7/1990", date(1990, 5, 7)),
        ("5-7-1990", date(1990, 5, 7)),
        ("05171990", date(1990, 5, 17)),
        ("1990-05-17", date(1990, 5, 17)),
        ("5.17.90", date(1990, 5, 17)),
        (f"1/2/{(TODAY.year - 1) % 100:02d}", date(TODAY.year - 1, 1, 2)),
    ],
)
def test_dates_of_birth_are_read_as_people_type_them(typed: str, expected: date) -> None:
    assert parse_dob(typed, TODAY) == expected


def test_two_digit_years_never_land_in_the_future() -> None:
    ahead = (TODAY + timedelta(days=400)).year % 100
    assert parse_dob(f"01/01/{ahead:02d}", TODAY).year == 1900 + ahead
    with pytest.raises(ValidationError):
        parse_dob("02/30/1990", TODAY)
