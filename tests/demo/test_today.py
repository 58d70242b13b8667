"""The demo's clinic day: built on a weekday, today looks like a day in a real practice; built at the
weekend, the Friday before does."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

import pytest

from tests.conftest import CHEAP_KDF, PASSPHRASE
from therapy_desk.demo.builder import build_demo
from therapy_desk.demo.today import AS_OF, clinic_day
from therapy_desk.domain.notes import NoteStatus
from therapy_desk.domain.scheduling import Appointment, AppointmentStatus
from therapy_desk.storage import keyslots
from therapy_desk.storage.vault import Vault

WEDNESDAY = date(2025, 6, 4)
TUESDAY = date(2025, 6, 3)  # the DBT skills group meets in the evening
FRIDAY, SATURDAY, SUNDAY = date(2025, 6, 6), date(2025, 6, 7), date(2025, 6, 8)
CLIENTS = 30


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[date, Vault]]:
    """One demo per `today` the tests look at, built once for the module (same seed each time)."""
    vaults: dict[date, Vault] = {}
    with pytest.MonkeyPatch.context() as patch:  # conftest's cheap floor is per test; these vaults outlive one
        patch.setattr(keyslots, "KDF_FLOOR", CHEAP_KDF)
        for today in (WEDNESDAY, TUESDAY, SATURDAY, SUNDAY):
            vault, _ = Vault.create(tmp_path_factory.mktemp("demo") / "vault", PASSPHRASE, kdf=CHEAP_KDF)
            vaults[today] = vault
            build_demo(vault, clients=CLIENTS, years=1, seed=3, today=today)
    try:
        yield vaults
    finally:
        for vault in vaults.values():
            vault.close()


def _over(appointment: Appointment, day: date) -> bool:
    return appointment.end <= datetime.combine(day, AS_OF)


def _notes_of(vault: Vault, appointment: Appointment) -> list[NoteStatus]:
    assert appointment.id is not None
    return [n.status for n in vault.notes.for_appointment(appointment.id)]


def test_a_weekday_demo_has_a_clinic_day_today(built: dict[date, Vault]) -> None:
    vault = built[WEDNESDAY]
    day = vault.schedule.day(WEDNESDAY)
    assert 6 <= len(day) <= 8
    done = [a for a in day if _over(a, WEDNESDAY)]
    ahead = [a for a in day if not _over(a, WEDNESDAY)]
    assert done
    assert ahead
    assert sorted(a.status for a in done) == sorted(
        [AppointmentStatus.NO_SHOW] + [AppointmentStatus.ATTENDED] * (len(done) - 1)
    )
    assert {a.status for a in ahead} == {AppointmentStatus.SCHEDULED}
    assert all(a.start.time() > AS_OF for a in ahead)
    assert len({a.start for a in day}) == len(day)  # one session at a time


def test_this_mornings_notes_are_waiting_to_be_signed(built: dict[date, Vault]) -> None:
    vault = built[WEDNESDAY]
    done = [a for a in vault.schedule.day(WEDNESDAY) if _over(a, WEDNESDAY)]
    assert done
    for appointment in done:
        assert _notes_of(vault, appointment) == [NoteStatus.DRAFT]
    unsigned = vault.notes.unsigned(limit=50)
    assert len(unsigned) < 50  # the Today view lists every draft, this morning's included
    assert sum(n.date_of_service == WEDNESDAY for n in unsigned) == len(done)


def test_the_afternoon_clients_next_appointment_is_today(built: dict[date, Vault]) -> None:
    vault = built[WEDNESDAY]
    ahead = [a for a in vault.schedule.day(WEDNESDAY) if not _over(a, WEDNESDAY)]
    clients = [a.client_id for a in ahead if a.client_id is not None]
    assert clients
    upcoming = vault.schedule.next_appointments(clients, now=datetime.combine(WEDNESDAY, AS_OF))
    assert {upcoming[c].date_of_service for c in clients} == {WEDNESDAY}


def test_on_a_tuesday_the_evening_group_is_one_of_the_days_sessions(built: dict[date, Vault]) -> None:
    day = built[TUESDAY].schedule.day(TUESDAY)
    assert 6 <= len(day) <= 8
    group = [a for a in day if a.service_code == "90853"]
    assert len(group) == 1
    assert group[0].start.time() == time(18, 0)
    assert group[0].status is AppointmentStatus.SCHEDULED


@pytest.mark.parametrize("weekend", [SATURDAY, SUNDAY])
def test_a_weekend_demo_makes_the_friday_before_its_clinic_day(built: dict[date, Vault], weekend: date) -> None:
    vault = built[weekend]
    assert vault.schedule.day(weekend) == []
    friday = vault.schedule.day(FRIDAY)
    assert 6 <= len(friday) <= 8
    statuses = sorted(a.status for a in friday)
    assert statuses == sorted([AppointmentStatus.NO_SHOW] + [AppointmentStatus.ATTENDED] * (len(friday) - 1))
    for appointment in friday:
        assert _notes_of(vault, appointment) == [NoteStatus.DRAFT]  # the weekend finds Friday's notes to finish
    assert vault.schedule.range(FRIDAY + timedelta(days=1), FRIDAY + timedelta(days=8))  # next week is booked


def test_the_clinic_day_is_today_on_a_weekday_and_the_friday_before_at_the_weekend() -> None:
    week = [date(2025, 6, 2) + timedelta(days=n) for n in range(7)]
    assert [clinic_day(d) for d in week] == [*week[:5], FRIDAY, FRIDAY]
