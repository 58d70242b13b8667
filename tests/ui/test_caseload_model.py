# pytest-qt's QtBot and ModelTester methods carry no annotations:
# mypy: disable-error-code="no-untyped-call"
"""The caseload table model: Qt's model contract, paging, filters and sorts over a real vault."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QIcon
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from tests.storage.test_plans import SIGNER, a_plan
from therapy_desk.domain.billing import Coverage, Payer
from therapy_desk.domain.caseload import CaseloadRow
from therapy_desk.domain.clients import Client, ClientStatus
from therapy_desk.domain.scheduling import Appointment
from therapy_desk.storage.vault import Vault
from therapy_desk.ui.models import caseload_model
from therapy_desk.ui.models.caseload_model import (
    COL_BALANCE,
    COL_NAME,
    COL_NEXT,
    COL_PAYER,
    COL_REVIEW,
    COL_STATUS,
    OBJECT_ROLE,
    SORT_ROLE,
    CaseloadModel,
)

TODAY = date.today()
pytestmark = pytest.mark.usefixtures("qapp")  # fonts and the style's icons need the application


def make_client(vault: Vault, first: str, last: str, status: ClientStatus = ClientStatus.ACTIVE, **kw: object) -> int:
    client = vault.clients.create(Client(first, last, date(1985, 2, 3), status=status, **kw))  # type: ignore[arg-type]
    assert client.id is not None
    return client.id


def book(vault: Vault, client_id: int, in_days: int, hour: int = 10) -> None:
    start = datetime.combine(TODAY + timedelta(days=in_days), datetime.min.time()).replace(hour=hour)
    vault.schedule.book(Appointment(start, 53, "90837", client_id=client_id))


def charge(vault: Vault, client_id: int, cents: int) -> None:
    vault.billing.add_charge(
        client_id, TODAY - timedelta(days=7), "90837", fee_cents=cents, billable_to_insurance=False, today=TODAY
    )


def overdue_plan(vault: Vault, client_id: int, days_overdue: int = 5) -> None:
    plan = replace(a_plan(TODAY - timedelta(days=120)), review_due=TODAY - timedelta(days=days_overdue))
    draft = vault.plans.create_draft(client_id, plan)
    assert draft.id is not None
    vault.plans.sign(draft.id, SIGNER)


def shown_names(model: CaseloadModel) -> list[str]:
    return [model.index(row, COL_NAME).data() for row in range(model.rowCount())]


@pytest.fixture
def practice(vault: Vault) -> dict[str, int]:
    """Five clients with different statuses, appointments, balances and one overdue plan review."""
    ids = {
        "zoe": make_client(vault, "Zoë", "Adeyemi"),
        "om": make_client(vault, "Omar", "Björklund", preferred_name="Om"),
        "lena": make_client(vault, "Lena", "Castellanos", ClientStatus.WAITLIST),
        "soren": make_client(vault, "Søren", "Østergaard"),
        "ana": make_client(vault, "Ana", "Zoeller", ClientStatus.DISCHARGED),
    }
    book(vault, ids["zoe"], 6)
    book(vault, ids["om"], 2)
    book(vault, ids["soren"], 9)
    charge(vault, ids["zoe"], 18000)
    charge(vault, ids["soren"], 32000)
    charge(vault, ids["lena"], 18000)
    overdue_plan(vault, ids["om"])
    return ids


def test_caseload_model_passes_qtmodeltester(
    qtmodeltester: ModelTester, vault: Vault, practice: dict[str, int]
) -> None:
    model = CaseloadModel(vault)
    model.set_filter()

    qtmodeltester.check(model)

    model.sort(COL_BALANCE, Qt.SortOrder.DescendingOrder)
    model.set_filter("o")
    qtmodeltester.check(model)


def test_rows_are_built_a_page_at_a_time(vault: Vault, monkeypatch: pytest.MonkeyPatch) -> None:
    for n in range(12):
        make_client(vault, "Client", f"Number{n:02d}")
    monkeypatch.setattr(caseload_model, "PAGE_SIZE", 5)
    asked: list[int] = []
    real_rows = vault.caseload.rows

    def counting_rows(ids: list[int], **kw: object) -> list[CaseloadRow]:
        asked.append(len(ids))
        return real_rows(ids)

    monkeypatch.setattr(vault.caseload, "rows", counting_rows)
    model = CaseloadModel(vault)
    model.set_filter()

    assert model.rowCount() == 12
    assert asked == []  # opening the list reads only ids
    assert model.index(0, COL_NAME).data() == "Number00, Client"
    assert model.index(4, COL_STATUS).data() == "Active"
    assert asked == [5]  # the first page, once
    assert model.index(11, COL_NAME).data() == "Number11, Client"
    assert asked == [5, 2]


def test_filter_by_name_ignores_accents_and_case(vault: Vault, practice: dict[str, int]) -> None:
    model = CaseloadModel(vault)

    model.set_filter("zoe")
    assert shown_names(model) == ["Adeyemi, Zoë", "Zoeller, Ana"]

    model.set_filter("OSTER")
    assert shown_names(model) == ["Østergaard, Søren"]


@pytest.mark.parametrize("typed", ["bjork", "BJORKLUND", "jörk", "orklu", "björk"])
def test_filter_folds_an_accent_inside_a_name(vault: Vault, practice: dict[str, int], typed: str) -> None:
    # The ö of Björklund is in the middle: typing the plain letter must still find him.
    model = CaseloadModel(vault)

    model.set_filter(typed)

    assert shown_names(model) == ["Björklund, Om"]


def test_filter_by_status(vault: Vault, practice: dict[str, int]) -> None:
    model = CaseloadModel(vault)

    model.set_filter("", [ClientStatus.ACTIVE, ClientStatus.WAITLIST, ClientStatus.INQUIRY])
    assert shown_names(model) == ["Adeyemi, Zoë", "Björklund, Om", "Castellanos, Lena", "Østergaard, Søren"]

    model.set_filter("zoe", [ClientStatus.DISCHARGED])
    assert shown_names(model) == ["Zoeller, Ana"]
    assert model.index(0, COL_STATUS).data() == "Discharged"


def test_sort_by_balance_largest_first_ties_in_name_order(vault: Vault, practice: dict[str, int]) -> None:
    model = CaseloadModel(vault)
    model.set_filter()

    model.sort(COL_BALANCE, Qt.SortOrder.DescendingOrder)

    assert shown_names(model) == [
        "Østergaard, Søren",
        "Adeyemi, Zoë",
        "Castellanos, Lena",
        "Björklund, Om",
        "Zoeller, Ana",
    ]
    assert model.index(0, COL_BALANCE).data() == "$320.00"
    assert model.index(0, COL_BALANCE).data(SORT_ROLE) == 32000

    model.sort(COL_BALANCE, Qt.SortOrder.AscendingOrder)
    assert shown_names(model)[:2] == ["Björklund, Om", "Zoeller, Ana"]


def test_sort_by_next_appointment_lists_clients_without_one_last(vault: Vault, practice: dict[str, int]) -> None:
    model = CaseloadModel(vault)
    model.set_filter()

    model.sort(COL_NEXT, Qt.SortOrder.AscendingOrder)
    assert shown_names(model) == [
        "Björklund, Om",
        "Adeyemi, Zoë",
        "Østergaard, Søren",
        "Castellanos, Lena",
        "Zoeller, Ana",
    ]
    assert isinstance(model.index(0, COL_NEXT).data(SORT_ROLE), datetime)

    model.sort(COL_NEXT, Qt.SortOrder.DescendingOrder)
    assert shown_names(model) == [
        "Østergaard, Søren",
        "Adeyemi, Zoë",
        "Björklund, Om",
        "Castellanos, Lena",
        "Zoeller, Ana",
    ]

    model.sort(COL_NAME, Qt.SortOrder.DescendingOrder)
    assert shown_names(model)[0] == "Zoeller, Ana"


def test_sort_by_status_follows_the_course_of_a_case_ties_in_name_order(vault: Vault, practice: dict[str, int]) -> None:
    make_client(vault, "Ida", "Brennan", ClientStatus.INACTIVE)
    make_client(vault, "Kei", "Nakamura", ClientStatus.INQUIRY)
    model = CaseloadModel(vault)
    model.set_filter()

    model.sort(COL_STATUS, Qt.SortOrder.AscendingOrder)
    assert [(name, model.index(row, COL_STATUS).data()) for row, name in enumerate(shown_names(model))] == [
        ("Adeyemi, Zoë", "Active"),
        ("Björklund, Om", "Active"),
        ("Østergaard, Søren", "Active"),
        ("Castellanos, Lena", "Waitlist"),
        ("Nakamura, Kei", "Inquiry"),
        ("Brennan, Ida", "Inactive"),
        ("Zoeller, Ana", "Discharged"),
    ]

    model.sort(COL_STATUS, Qt.SortOrder.DescendingOrder)
    assert shown_names(model) == [
        "Zoeller, Ana",
        "Brennan, Ida",
        "Nakamura, Kei",
        "Castellanos, Lena",
        "Adeyemi, Zoë",  # equal statuses stay in name order either way
        "Björklund, Om",
        "Østergaard, Søren",
    ]


def cover(vault: Vault, payer_name: str, *client_ids: int) -> None:
    """Give these clients primary coverage by one new payer, in force today."""
    payer = vault.billing.add_payer(Payer(payer_name))
    assert payer.id is not None
    for client_id in client_ids:
        vault.billing.add_coverage(Coverage(client_id, payer.id, "M-1", TODAY - timedelta(days=30)), today=TODAY)


def test_sort_by_payer_ignores_case_ties_in_name_order_and_self_pay_last(
    vault: Vault, practice: dict[str, int]
) -> None:
    # eMedNY (New York Medicaid) is spelled with a small e; it still sorts among the E's.
    cover(vault, "Fidelis Care", practice["soren"], practice["zoe"])
    cover(vault, "eMedNY", practice["lena"])
    cover(vault, "Aetna", practice["ana"])
    model = CaseloadModel(vault)
    model.set_filter()

    model.sort(COL_PAYER, Qt.SortOrder.AscendingOrder)
    assert [(name, model.index(row, COL_PAYER).data()) for row, name in enumerate(shown_names(model))] == [
        ("Zoeller, Ana", "Aetna"),
        ("Castellanos, Lena", "eMedNY"),
        ("Adeyemi, Zoë", "Fidelis Care"),
        ("Østergaard, Søren", "Fidelis Care"),
        ("Björklund, Om", "Self-pay"),
    ]

    model.sort(COL_PAYER, Qt.SortOrder.DescendingOrder)
    assert shown_names(model) == [
        "Adeyemi, Zoë",  # the same payer: name order either way
        "Østergaard, Søren",
        "Castellanos, Lena",
        "Zoeller, Ana",
        "Björklund, Om",  # no payer: still last
    ]


def test_object_role_is_the_caseload_row_and_self_pay_is_named(vault: Vault, practice: dict[str, int]) -> None:
    model = CaseloadModel(vault)
    model.set_filter("castellanos")

    row = model.index(0, COL_NAME).data(OBJECT_ROLE)

    assert isinstance(row, CaseloadRow)
    assert row.client_id == practice["lena"]
    assert model.index(0, COL_PAYER).data() == "Self-pay"
    assert model.index(0, COL_PAYER).data(SORT_ROLE) is None


def test_overdue_plan_review_is_bold_with_a_warning_icon_and_a_tooltip(vault: Vault, practice: dict[str, int]) -> None:
    model = CaseloadModel(vault)
    model.set_filter("björklund")
    review = model.index(0, COL_REVIEW)

    assert isinstance(review.data(Qt.ItemDataRole.FontRole), QFont)
    assert review.data(Qt.ItemDataRole.FontRole).bold()
    assert isinstance(review.data(Qt.ItemDataRole.DecorationRole), QIcon)
    assert "overdue" in review.data(Qt.ItemDataRole.ToolTipRole)
    assert "5 days ago" in review.data(Qt.ItemDataRole.ToolTipRole)
    # A screen reader hears it in words, not only the eye in bold and an icon.
    assert review.data(Qt.ItemDataRole.AccessibleTextRole) == f"{review.data()} — overdue"
    # A client without a plan has nothing there.
    model.set_filter("adeyemi")
    assert model.index(0, COL_REVIEW).data() == ""
    assert model.index(0, COL_REVIEW).data(Qt.ItemDataRole.DecorationRole) is None


def test_a_discharged_clients_overdue_review_is_not_flagged(vault: Vault, practice: dict[str, int]) -> None:
    overdue_plan(vault, practice["ana"])
    model = CaseloadModel(vault)
    model.set_filter("zoeller")
    review = model.index(0, COL_REVIEW)

    assert review.data() != ""  # the date is still shown
    assert review.data(Qt.ItemDataRole.FontRole) is None
    assert review.data(Qt.ItemDataRole.DecorationRole) is None
    assert review.data(Qt.ItemDataRole.AccessibleTextRole) is None  # read as its date
    assert "overdue" not in review.data(Qt.ItemDataRole.ToolTipRole)
    assert "discharged" in review.data(Qt.ItemDataRole.ToolTipRole)


class DeferredLoader:
    """A rows loader that answers only when the test says so, like a worker would."""

    def __init__(self, vault: Vault) -> None:
        self.vault = vault
        self.pending: list[tuple[list[int], Callable[[list[CaseloadRow] | None], None]]] = []

    def __call__(self, ids: list[int], done: Callable[[list[CaseloadRow] | None], None]) -> None:
        self.pending.append((ids, done))

    def answer(self) -> None:
        ids, done = self.pending.pop(0)
        done(self.vault.caseload.rows(ids))


def test_a_sort_waits_for_its_rows_then_applies(qtbot: QtBot, vault: Vault, practice: dict[str, int]) -> None:
    loader = DeferredLoader(vault)
    model = CaseloadModel(vault, rows_loader=loader)
    model.set_filter()
    before = model.client_ids()  # no row read yet: like 10,000 clients of which a screenful was shown

    with qtbot.waitSignal(model.sorting_changed) as started:
        model.sort(COL_BALANCE, Qt.SortOrder.DescendingOrder)
    model.sort(COL_BALANCE, Qt.SortOrder.DescendingOrder)  # the header asks twice: one read serves both

    assert started.args == [True]
    assert model.is_sorting
    assert len(loader.pending) == 1
    assert model.client_ids() == before
    with qtbot.waitSignal(model.sorting_changed) as finished:
        loader.answer()
    assert finished.args == [False]
    assert shown_names(model)[0] == "Østergaard, Søren"


def test_rows_arriving_after_clear_are_dropped(vault: Vault, practice: dict[str, int]) -> None:
    loader = DeferredLoader(vault)
    model = CaseloadModel(vault, rows_loader=loader)
    model.set_filter()
    model.sort(COL_BALANCE, Qt.SortOrder.DescendingOrder)

    model.clear()
    loader.answer()  # the worker finishes after the lock began

    assert model.rowCount() == 0
    assert not model.is_sorting
    assert model.client_ids() == []


def test_refresh_shows_a_new_client_and_keeps_the_sort(vault: Vault, practice: dict[str, int]) -> None:
    model = CaseloadModel(vault)
    model.set_filter()
    model.sort(COL_BALANCE, Qt.SortOrder.DescendingOrder)

    big = make_client(vault, "Ada", "Quinn")
    charge(vault, big, 99000)
    model.refresh()

    assert shown_names(model)[0] == "Quinn, Ada"
    assert model.row_of(big) == 0
