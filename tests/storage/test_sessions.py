"""The record drives billing (`vault.sessions`): signing a session note charges it, a no-show or late
cancellation charges the missed fee where allowed, and a session is not charged without a signed note."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from tests.conftest import at_day_end
from tests.storage.test_billing import book_session
from tests.storage.test_notes import SIGNER, draft
from therapy_desk.domain.billing import ChargeKind, Coverage, Payer, PayerKind, format_cents
from therapy_desk.domain.clients import Client
from therapy_desk.domain.codes import PlaceOfService
from therapy_desk.domain.notes import NoteStatus
from therapy_desk.domain.scheduling import AppointmentStatus, CancelledBy
from therapy_desk.errors import ValidationError
from therapy_desk.storage.billing import CHARGE_MISSED_FEES, CHARGE_NEEDS_SIGNED_NOTE
from therapy_desk.storage.vault import Vault

DOS = date(2025, 3, 10)  # `draft`'s date of service; its session runs 09:00-09:50
ON_TIME = at_day_end(DOS)


def _client(vault: Vault, *, diagnosed: bool = True) -> tuple[int, int | None]:
    client = vault.clients.create(Client("Ana", "Reyes", date(1988, 4, 2)))
    assert client.id is not None
    if not diagnosed:
        return client.id, None
    diagnosis = vault.clients.add_diagnosis(client.id, "F41.1", onset=date(2025, 1, 6))
    return client.id, diagnosis.id


def _draft(vault: Vault, client_id: int, appointment_id: int, **changes: object) -> int:
    note = vault.notes.save_draft(draft(client_id, appointment_id=appointment_id, **changes))
    assert note.id is not None
    return note.id


def _session_charges(vault: Vault, appointment_id: int) -> list[tuple[str, bool]]:
    return [(c.service_code, c.voided) for c in vault.billing.charges_for_appointment(appointment_id)]


def test_signing_charges_the_session_from_the_note(vault: Vault) -> None:
    client_id, diagnosis_id = _client(vault)
    appointment_id = book_session(
        vault,
        client_id,
        AppointmentStatus.SCHEDULED,
        code="90834",
        minutes=50,
        day=DOS,
        place_of_service=PlaceOfService.TELEHEALTH_HOME,
        telehealth=True,
        modifiers=("95",),
    )
    note_id = _draft(vault, client_id, appointment_id)

    signed = vault.sessions.sign_note(note_id, SIGNER, now=ON_TIME)

    assert signed.note.status is NoteStatus.SIGNED
    assert vault.schedule.get(appointment_id).status is AppointmentStatus.ATTENDED  # it was still scheduled
    charge = signed.charge
    assert charge is not None
    assert (charge.kind, charge.service_code, charge.units, charge.pos, charge.modifiers) == (
        ChargeKind.SESSION,
        "90834",
        1,
        PlaceOfService.TELEHEALTH_HOME,
        ("95",),
    )
    assert charge.diagnosis_ids == (diagnosis_id,)
    assert charge.fee_cents == vault.billing.service("90834").default_fee_cents
    assert signed.sentence == f"Charged 90834, {format_cents(charge.fee_cents)}."


def test_the_notes_own_code_with_its_reason_replaces_an_unpaid_charge(vault: Vault) -> None:
    client_id, dx = _client(vault)
    assert dx is not None
    appointment_id = book_session(vault, client_id, code="90834", minutes=50, day=DOS)
    vault.practice.set_setting(CHARGE_NEEDS_SIGNED_NOTE, "0")
    vault.billing.charge_for_appointment(appointment_id, [dx], today=DOS)  # charged before the note, as booked
    vault.practice.set_setting(CHARGE_NEEDS_SIGNED_NOTE, "1")
    note_id = _draft(vault, client_id, appointment_id, service_code="90846", code_reason="Parents only.")

    signed = vault.sessions.sign_note(note_id, SIGNER, now=ON_TIME)

    assert signed.charge is not None
    assert signed.charge.service_code == "90846"
    assert sorted(_session_charges(vault, appointment_id)) == [("90834", True), ("90846", False)]


def test_a_charge_the_rules_refuse_leaves_the_note_a_draft(vault: Vault) -> None:
    client_id, dx = _client(vault)
    assert dx is not None
    appointment_id = book_session(vault, client_id, code="90834", minutes=50, day=DOS)
    vault.practice.set_setting(CHARGE_NEEDS_SIGNED_NOTE, "0")
    vault.billing.add_charge(
        client_id, DOS, "90791", diagnosis_ids=[dx], today=DOS
    )  # an evaluation billed the same day
    note_id = _draft(vault, client_id, appointment_id)

    with pytest.raises(ValidationError, match="90791"):
        vault.sessions.sign_note(note_id, SIGNER, now=ON_TIME)

    assert vault.notes.get(note_id).status is NoteStatus.DRAFT
    assert _session_charges(vault, appointment_id) == []


def test_a_note_without_an_appointment_bills_nothing(vault: Vault) -> None:
    client_id, _ = _client(vault)
    note = vault.notes.save_draft(draft(client_id))
    assert note.id is not None
    assert vault.sessions.sign_note(note.id, SIGNER, now=ON_TIME).charge is None


def test_a_session_is_not_charged_without_a_signed_note_while_the_setting_is_on(vault: Vault) -> None:
    client_id, dx = _client(vault)
    assert dx is not None
    appointment_id = book_session(vault, client_id, minutes=50, day=DOS)
    with pytest.raises(ValidationError, match="no signed note yet"):
        vault.billing.charge_for_appointment(appointment_id, [dx], today=DOS)
    vault.practice.set_setting(CHARGE_NEEDS_SIGNED_NOTE, "0")
    assert vault.billing.charge_for_appointment(appointment_id, [dx], today=DOS).service_code == "90834"


def test_a_session_billed_to_insurance_without_a_diagnosis_is_signed_and_left_uncharged(vault: Vault) -> None:
    client_id, _ = _client(vault, diagnosed=False)
    appointment_id = book_session(vault, client_id, minutes=50, day=DOS)

    signed = vault.sessions.sign_note(_draft(vault, client_id, appointment_id), SIGNER, now=ON_TIME)

    assert signed.note.is_signed
    assert signed.charge is None
    assert "no diagnosis marked for claims" in signed.sentence
    assert _session_charges(vault, appointment_id) == []


def _medicaid(vault: Vault, client_id: int) -> None:
    payer = vault.billing.add_payer(Payer("State Medicaid", PayerKind.MEDICAID, electronic_id="MCD01"))
    assert payer.id is not None
    vault.billing.add_coverage(Coverage(client_id, payer.id, "M-1", date(2025, 1, 1)), today=DOS)


@pytest.mark.parametrize(
    ("status", "setup", "fee", "sentence"),
    [
        (AppointmentStatus.NO_SHOW, None, 7500, "Missed-appointment fee of $75.00 charged."),
        (AppointmentStatus.LATE_CANCEL, None, 7500, "Missed-appointment fee of $75.00 charged."),
        (AppointmentStatus.NO_SHOW, _medicaid, None, "Medicaid does not allow missed-appointment fees"),
        (AppointmentStatus.LATE_CANCEL, "off", None, "turned off in Settings"),
        (AppointmentStatus.CANCELLED, None, None, ""),
    ],
)
def test_a_missed_session_charges_the_fee_where_allowed(
    vault: Vault, status: AppointmentStatus, setup: object, fee: int | None, sentence: str
) -> None:
    client_id, _ = _client(vault)
    if setup == "off":
        vault.practice.set_setting(CHARGE_MISSED_FEES, "0")
    elif callable(setup):
        setup(vault, client_id)
    appointment_id = book_session(vault, client_id, AppointmentStatus.SCHEDULED, minutes=50, day=DOS)

    change = vault.sessions.set_status(appointment_id, status, now=datetime.combine(DOS, time(11)))

    assert change.appointment.status is status
    assert (None if change.charge is None else change.charge.fee_cents) == fee
    assert sentence in change.sentence if sentence else change.sentence == ""
    assert len(vault.billing.charges_for_appointment(appointment_id)) == (fee is not None)


def test_marking_a_missed_session_twice_charges_once(vault: Vault) -> None:
    client_id, _ = _client(vault)
    appointment_id = book_session(vault, client_id, AppointmentStatus.SCHEDULED, minutes=50, day=DOS)
    later = datetime.combine(DOS, time(11))
    vault.sessions.set_status(appointment_id, AppointmentStatus.NO_SHOW, now=later)
    vault.sessions.set_status(appointment_id, AppointmentStatus.LATE_CANCEL, now=later + timedelta(minutes=1))
    assert len(vault.billing.charges_for_appointment(appointment_id)) == 1


def test_who_cancelled_is_kept_and_can_be_corrected(vault: Vault) -> None:
    client_id, _ = _client(vault)
    appointment_id = book_session(vault, client_id, AppointmentStatus.SCHEDULED, minutes=50, day=DOS)
    at = datetime.combine(DOS, time(8))

    by_client = vault.sessions.set_status(appointment_id, AppointmentStatus.CANCELLED, cancelled_by=CancelledBy.CLIENT,
                                          now=at)  # fmt: skip
    corrected = vault.schedule.set_status(appointment_id, AppointmentStatus.CANCELLED,
                                          cancelled_by=CancelledBy.CLINICIAN, now=at)  # fmt: skip
    reinstated = vault.schedule.set_status(appointment_id, AppointmentStatus.SCHEDULED, now=at)

    assert by_client.appointment.status_label == "Cancelled by client"
    assert by_client.charge is None
    assert corrected.status_label == "Cancelled by clinician"
    assert vault.schedule.get(appointment_id).cancelled_by is None  # reinstated: nobody cancelled it
    assert reinstated.status_label == "Scheduled"
    with pytest.raises(Exception, match="cancelled_by"):  # SQL refuses a canceller on a live appointment
        vault.db.execute("UPDATE appointments SET cancelled_by = 'client' WHERE id = ?", (appointment_id,))
