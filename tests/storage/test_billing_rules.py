"""`vault.billing` refuses charges the record does not support (issue 11, "The record drives billing"):
a code outside its time band, extra units on a per-session code, telehealth modifiers that contradict
each other or the place of service, codes never billed together on one day, an add-on alone and a
missed-appointment fee to a Medicaid client. Each refusal says what to fix and writes nothing; the valid
neighbour of each is charged."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest

from tests.storage.test_billing import DOS, TODAY, book_session
from therapy_desk.domain.billing import Coverage, Payer, PayerKind
from therapy_desk.domain.clients import AdministrativeSex, Client
from therapy_desk.domain.codes import PlaceOfService, ServiceCode
from therapy_desk.domain.scheduling import AppointmentStatus
from therapy_desk.errors import ValidationError
from therapy_desk.storage.billing import CHARGE_NEEDS_SIGNED_NOTE
from therapy_desk.storage.vault import Vault


@dataclass(frozen=True)
class Chart:
    vault: Vault
    client_id: int
    dx: int

    def appointment(
        self,
        code: str,
        minutes: int,
        *,
        status: AppointmentStatus = AppointmentStatus.ATTENDED,
        modifiers: tuple[str, ...] = (),
        pos: PlaceOfService = PlaceOfService.OFFICE,
        telehealth: bool = False,
    ) -> int:
        return book_session(
            self.vault,
            self.client_id,
            status,
            code=code,
            minutes=minutes,
            modifiers=modifiers,
            place_of_service=pos,
            telehealth=telehealth,
        )

    def session(self, code: str, minutes: int, **kwargs: object) -> Callable[[], object]:
        """Charging an attended appointment of `code` lasting `minutes`."""
        appointment_id = self.appointment(code, minutes, **kwargs)  # type: ignore[arg-type]
        return lambda: self.vault.billing.charge_for_appointment(appointment_id, [self.dx], today=TODAY)

    def line(self, code: str, **kwargs: object) -> Callable[[], object]:
        """Adding one line for `code` on the date of service."""
        args: dict[str, object] = {"diagnosis_ids": [self.dx], "today": TODAY, **kwargs}
        return lambda: self.vault.billing.add_charge(self.client_id, DOS, code, **args)  # type: ignore[arg-type]

    def covered_by(self, kind: PayerKind, end: date | None = None) -> None:
        payer = self.vault.billing.add_payer(Payer(f"{kind.value} plan", kind, electronic_id="P001"))
        assert payer.id is not None
        self.vault.billing.add_coverage(
            Coverage(self.client_id, payer.id, "M-1", date(2025, 1, 1), end_date=end), today=TODAY
        )

    def missed(self, status: AppointmentStatus) -> Callable[[], object]:
        appointment_id = self.appointment("90834", 45, status=status)
        return lambda: self.vault.billing.charge_missed_appointment(appointment_id, today=TODAY)


def _units(chart: Chart) -> Callable[[], object]:
    appointment_id = chart.appointment("90837", 60)
    return lambda: chart.vault.billing.charge_for_appointment(appointment_id, [chart.dx], units=4, today=TODAY)


def _after(first: Callable[[], object], then: Callable[[], object]) -> Callable[[], object]:
    """Charge `first` now (the day's earlier line); `then` is the attempt."""
    first()
    return then


def _addon_alone(chart: Chart) -> Callable[[], object]:
    chart.vault.billing.add_service(
        ServiceCode("90833", "Psychotherapy with an E/M visit, 30 min", 30, 9_000, is_addon=True)
    )
    return chart.line("90833")


def _addon_with_its_session(chart: Chart) -> Callable[[], object]:
    session = chart.vault.billing.charge_for_appointment(chart.appointment("90834", 45), [chart.dx], today=TODAY)
    return chart.line("90785", appointment_id=session.appointment_id)


def _medicaid(chart: Chart, end: date | None = None) -> Callable[[], object]:
    chart.covered_by(PayerKind.MEDICAID, end)
    return chart.missed(AppointmentStatus.NO_SHOW)


def _linked(chart: Chart, code: str, minutes: int) -> Callable[[], object]:
    """An `add_charge` line for `code` linked to an attended appointment of `minutes`, booked as 90832."""
    appointment_id = chart.appointment("90832", minutes)
    return chart.line(code, appointment_id=appointment_id)


# (what is tried, field, words the sentence must hold)
REFUSED: dict[str, tuple[Callable[[Chart], Callable[[], object]], str, tuple[str, ...]]] = {
    "20-minute session as 90837": (
        lambda c: c.session("90837", 20),
        "service_code",
        ("90837 is for 53 minutes or more", "was 20 minutes", "Use 90832 (16–37 minutes)"),
    ),
    "10-minute session as 90834": (
        lambda c: c.session("90834", 10),
        "service_code",
        ("90834 is for 38–52 minutes", "was 10 minutes", "Under 16 minutes"),
    ),
    "90837 added to a 20-minute appointment": (
        lambda c: _linked(c, "90837", 20),
        "service_code",
        ("90837 is for 53 minutes or more", "Use 90832"),
    ),
    "4 units of 90837 for a session": (_units, "units", ("one unit per session", "enter 1 unit", "had 4")),
    "4 units of 90837 on a line": (lambda c: c.line("90837", units=4), "units", ("one unit per session",)),
    "95 with 93": (
        lambda c: c.line("90834", modifiers=["95", "93"], pos=PlaceOfService.TELEHEALTH_HOME),
        "modifiers",
        ("93 (audio-only) and 95 (audio-video)", "keep the one"),
    ),
    "95 at POS 11, from the appointment": (
        lambda c: c.session("90834", 45, modifiers=("95",), telehealth=True),
        "modifiers",
        ("Modifier 95 marks a telehealth session", "place of service is 11", "POS 10", "remove 95"),
    ),
    "93 at POS 11 on a line": (
        lambda c: c.line("90834", modifiers=["93"]),
        "modifiers",
        ("Modifier 93", "place of service is 11"),
    ),
    "90834 after 90791 the same day": (
        lambda c: _after(c.line("90791"), c.line("90834")),
        "service_code",
        ("90791 and 90834 are not billed for one client on the same day", "charge only one"),
    ),
    "90791 after a 90834 session the same day": (
        lambda c: _after(c.session("90834", 45), c.line("90791")),
        "service_code",
        ("90834 and 90791 are not billed", "void the other line"),
    ),
    "+90833 without an E/M visit": (_addon_alone, "service_code", ("+90833 is an add-on", "99213")),
    "no-show fee to a Medicaid client": (
        _medicaid,
        "service_code",
        ("covered by Medicaid", "no-show or late-cancellation fees", "without a fee"),
    ),
    "late-cancel fee to a Medicaid client, added by hand": (
        lambda c: _after(lambda: c.covered_by(PayerKind.MEDICAID), c.line("LATECX", diagnosis_ids=[])),
        "service_code",
        ("covered by Medicaid",),
    ),
}

ACCEPTED: dict[str, Callable[[Chart], Callable[[], object]]] = {
    "53-minute 90837": lambda c: c.session("90837", 53),
    "16-minute 90832": lambda c: c.session("90832", 16),
    "+90785 with a 90834 session": _addon_with_its_session,
    "95 at POS 10": lambda c: c.session("90834", 45, modifiers=("95",), pos=PlaceOfService.TELEHEALTH_HOME),
    "95 at POS 02": lambda c: c.session("90834", 45, modifiers=("95",), pos=PlaceOfService.TELEHEALTH_NOT_HOME),
    "90791 alone": lambda c: c.session("90791", 60),
    "2 units of 96127": lambda c: c.line("96127", units=2),
    "no-show fee to a commercial client": lambda c: _after(
        lambda: c.covered_by(PayerKind.COMMERCIAL), c.missed(AppointmentStatus.NO_SHOW)
    ),
    "late-cancel fee after Medicaid ended": lambda c: _after(
        lambda: c.covered_by(PayerKind.MEDICAID, end=date(2025, 2, 28)), c.missed(AppointmentStatus.LATE_CANCEL)
    ),
}


@pytest.fixture
def chart(vault: Vault) -> Chart:
    vault.practice.set_setting(CHARGE_NEEDS_SIGNED_NOTE, "0")  # the catalogue's rules, not the record's
    client = vault.clients.create(Client("Ana", "Lopez", date(1990, 1, 2), sex=AdministrativeSex.FEMALE))
    assert client.id is not None
    diagnosis = vault.clients.add_diagnosis(client.id, "F41.1")
    assert diagnosis.id is not None
    return Chart(vault, client.id, diagnosis.id)


def _charge_rows(vault: Vault) -> int:
    return int(vault.db.execute("SELECT count(*) FROM charges").fetchone()[0])


@pytest.mark.parametrize("case", [*REFUSED, *ACCEPTED])
def test_charges_follow_the_catalogue_rules(chart: Chart, case: str) -> None:
    refused = REFUSED.get(case)
    attempt = (refused[0] if refused else ACCEPTED[case])(chart)
    before = _charge_rows(chart.vault)
    if refused is None:
        attempt()
        assert _charge_rows(chart.vault) == before + 1
        return
    with pytest.raises(ValidationError) as err:
        attempt()
    assert err.value.field == refused[1]
    for words in refused[2]:
        assert words in str(err.value)
    assert _charge_rows(chart.vault) == before
