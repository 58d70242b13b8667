from __future__ import annotations

from datetime import date, datetime, time, timedelta

from tests.conftest import at_day_end
from therapy_desk.domain.billing import Coverage, Payer
from therapy_desk.domain.clients import Client, ClientStatus, Unit, UnitKind, UnitMember
from therapy_desk.domain.notes import Note, NoteFormat, sections
from therapy_desk.domain.scheduling import Appointment, AppointmentStatus
from therapy_desk.storage.vault import Vault

NOW = datetime(2026, 11, 28, 9, 0)


def _client(vault: Vault, first: str, last: str, **kw: object) -> int:
    client = vault.clients.create(
        Client(first, last, date(1985, 2, 3), status=ClientStatus.ACTIVE, **kw),  # type: ignore[arg-type]
        today=NOW.date(),
    )
    assert client.id is not None
    return client.id


def _book(vault: Vault, start: datetime, *, client_id: int | None = None, unit_id: int | None = None) -> int:
    appointment = vault.schedule.book(
        Appointment(start, 53, "90837", client_id=client_id, unit_id=unit_id), now=NOW - timedelta(days=60)
    )
    assert appointment.id is not None
    return appointment.id


def test_caseload_lists_clients_by_name_with_their_columns(vault: Vault) -> None:
    zoe = _client(vault, "Zoë", "Adeyemi")
    omar = _client(vault, "Omar", "Björklund", preferred_name="Om")
    lena = _client(vault, "Lena", "Castellanos")
    vault.clients.add_diagnosis(zoe, "F41.1")
    vault.clients.add_diagnosis(zoe, "F32.1", rank=1)

    past = _book(vault, datetime(2026, 11, 20, 10, 0), client_id=zoe)
    vault.schedule.set_status(past, AppointmentStatus.ATTENDED, now=NOW)
    _book(vault, datetime(2026, 12, 4, 10, 0), client_id=zoe)
    couple = vault.clients.create_unit(
        Unit(UnitKind.COUPLE, "Björklund–Castellanos", (UnitMember(omar, identified=True), UnitMember(lena)))
    )
    _book(vault, datetime(2026, 12, 1, 17, 0), unit_id=couple.id)

    payer = vault.billing.add_payer(Payer("Blue Harbor Health"))
    vault.billing.add_coverage(
        Coverage(zoe, payer.id or 0, "BHH-20931", date(2026, 1, 1), copay_cents=2500), today=NOW.date()
    )
    vault.billing.add_charge(zoe, date(2026, 11, 20), "90837", diagnosis_ids=(), fee_cents=18000,
                             billable_to_insurance=False, today=NOW.date())  # fmt: skip
    vault.notes.save_draft(
        Note(zoe, format=NoteFormat.DAP, date_of_service=date(2026, 11, 20), start_time=time(10), end_time=time(10, 53),
             sections=sections(NoteFormat.DAP, {"Data": "Discussed sleep and worry."}))
    )  # fmt: skip

    rows = vault.caseload.page(now=NOW)

    assert [r.name for r in rows] == ["Adeyemi, Zoë", "Björklund, Om", "Castellanos, Lena"]
    first = rows[0]
    assert first.next_appointment == datetime(2026, 12, 4, 10, 0)
    assert first.last_seen == date(2026, 11, 20)
    assert (first.principal_code, first.payer, first.balance_cents, first.unsigned_notes) == (
        "F32.1",
        "Blue Harbor Health",
        18000,
        1,
    )
    # Couple sessions count for each member.
    assert rows[1].next_appointment == rows[2].next_appointment == datetime(2026, 12, 1, 17, 0)
    assert rows[1].payer is None
    assert rows[1].balance_cents == 0


def test_caseload_filters_by_name_fragment_ignoring_accents_and_case(vault: Vault) -> None:
    _client(vault, "Zoë", "Adeyemi")
    _client(vault, "Søren", "Østergaard")
    _client(vault, "Ana", "Zapata")
    vault.clients.set_status(_client(vault, "Ana", "Zoeller"), ClientStatus.DISCHARGED, on=NOW.date())

    assert [r.name for r in vault.caseload.rows(vault.caseload.ids(text="zoe"))] == ["Adeyemi, Zoë", "Zoeller, Ana"]
    assert [r.name for r in vault.caseload.rows(vault.caseload.ids(text="OSTER"))] == ["Østergaard, Søren"]
    active = vault.caseload.ids(text="zoe", statuses=[ClientStatus.ACTIVE])
    assert [r.name for r in vault.caseload.rows(active)] == ["Adeyemi, Zoë"]
    assert vault.caseload.ids(text="100%") == []


def test_chart_summary_shows_recent_sessions_with_note_state_and_is_audited(vault: Vault) -> None:
    zoe = _client(vault, "Zoë", "Adeyemi")
    visits = [_book(vault, datetime(2026, 10, d, 10, 0), client_id=zoe) for d in (1, 8, 15)]
    for appointment_id in visits:
        vault.schedule.set_status(appointment_id, AppointmentStatus.ATTENDED, now=NOW)
    _book(vault, datetime(2026, 12, 10, 10, 0), client_id=zoe)  # upcoming: not a past session
    note = vault.notes.save_draft(
        Note(zoe, format=NoteFormat.DAP, date_of_service=date(2026, 10, 15), appointment_id=visits[-1],
             start_time=time(10), end_time=time(10, 53),
             sections=sections(NoteFormat.DAP, {"Data": "d", "Assessment": "a", "Plan": "p"}))
    )  # fmt: skip
    vault.notes.sign(note.id or 0, "Maya Okafor, LCSW", now=at_day_end(date(2026, 10, 15)))

    summary = vault.caseload.chart_summary(zoe, now=NOW)

    assert [s.appointment.start.day for s in summary.recent_sessions] == [15, 8, 1]
    assert summary.recent_sessions[0].note_signed
    assert summary.recent_sessions[1].note_id is None
    assert "No signed treatment plan." in summary.alerts
    assert vault.audit.recent(1)[0].event == "chart read"


def test_a_plan_review_is_an_alert_only_while_the_client_is_in_treatment(vault: Vault) -> None:
    from tests.storage.test_plans import SIGNER, a_plan

    ana = _client(vault, "Ana", "Reyes")
    draft = vault.plans.create_draft(ana, a_plan(NOW.date() - timedelta(days=120)))
    assert draft.id is not None
    vault.plans.sign(draft.id, SIGNER)
    assert any("review was due" in alert for alert in vault.caseload.chart_summary(ana, now=NOW).alerts)

    vault.clients.set_status(ana, ClientStatus.DISCHARGED, on=NOW.date())
    alerts = vault.caseload.chart_summary(ana, now=NOW).alerts
    assert not any("review" in alert for alert in alerts)  # the plan waits in case they come back
