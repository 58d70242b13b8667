"""An invented practice built through the stores, as the clinician would build it: a full practice profile,
an insured client with two diagnoses, three signed sessions (so three charges), a copay paid by card and
an EOB from the insurer; and a self-pay client."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from tests.conftest import at_day_end
from tests.storage.test_notes import SIGNER, draft
from therapy_desk.domain.billing import Coverage, Payer, Payment, PaymentMethod
from therapy_desk.domain.clients import Client
from therapy_desk.domain.codes import PlaceOfService
from therapy_desk.domain.ledger import Eob, EobLine
from therapy_desk.domain.practice import PracticeProfile
from therapy_desk.domain.scheduling import Appointment
from therapy_desk.storage.vault import Vault

PROFILE = PracticeProfile(
    name="Maya Okafor",
    credentials="LCSW",
    license_number="LCSW-104233",
    license_state="NY",
    npi="1234567893",
    tax_id="12-3456789",
    tax_id_kind="EIN",
    street="210 Hudson St, Suite 4",
    city="New York",
    state="NY",
    zip="10013",
    phone="212 555 0148",
)
SESSIONS = (date(2025, 3, 3), date(2025, 3, 10), date(2025, 3, 17))
TODAY = date(2025, 3, 31)
MARCH = (date(2025, 3, 1), date(2025, 3, 31))


@dataclass(frozen=True)
class Practice:
    insured: int  # client ids
    self_pay: int
    appointments: tuple[int, ...]  # the insured client's sessions, by date
    charges: tuple[int, ...]
    account: str


def sign_session(vault: Vault, client_id: int, day: date, *, telehealth: bool = False) -> tuple[int, int]:
    """Book a 50-minute 90834 at 9:00 on `day`, write and sign its note: (appointment id, charge id)."""
    booked = vault.schedule.book(
        Appointment(
            start=datetime(day.year, day.month, day.day, 9, 0),
            duration_minutes=50,
            service_code="90834",
            client_id=client_id,
            place_of_service=PlaceOfService.TELEHEALTH_HOME if telehealth else PlaceOfService.OFFICE,
            telehealth=telehealth,
            modifiers=("95",) if telehealth else (),
        )
    )
    assert booked.id is not None
    note = vault.notes.save_draft(draft(client_id, appointment_id=booked.id, date_of_service=day))
    assert note.id is not None
    signed = vault.sessions.sign_note(note.id, SIGNER, now=at_day_end(day))
    assert signed.charge is not None
    return booked.id, signed.charge.id


def client(vault: Vault, first: str, last: str, *, address: bool = True) -> int:
    made = vault.clients.create(
        Client(
            first, last, date(1988, 4, 2), street="12 Elm Street" if address else "",
            city="Brooklyn" if address else "", state="NY" if address else "", zip="11201" if address else "",
        )
    )  # fmt: skip
    assert made.id is not None
    return made.id


def build(vault: Vault, *, profile: PracticeProfile = PROFILE) -> Practice:
    vault.practice.save_profile(profile)
    payer = vault.billing.add_payer(Payer("Hudson Valley Health"))
    assert payer.id is not None
    insured = client(vault, "Ana", "Reyes")
    vault.billing.add_coverage(
        Coverage(insured, payer.id, "HVH778812", date(2025, 1, 1), group_number="G-55", copay_cents=2_500),
        today=TODAY,
    )
    vault.clients.add_diagnosis(insured, "F41.1", onset=date(2025, 1, 6), today=TODAY)
    vault.clients.add_diagnosis(insured, "F32.1", onset=date(2025, 1, 6), today=TODAY)
    made = [sign_session(vault, insured, day, telehealth=day == SESSIONS[1]) for day in SESSIONS]
    appointments = tuple(a for a, _ in made)
    charges = tuple(c for _, c in made)
    copay = Payment(insured, SESSIONS[0], 2_500, PaymentMethod.CARD, reference="card 4242")
    vault.billing.record_payment(copay, [(charges[0], 2_500)], today=TODAY)
    fee = vault.billing.charge(charges[1]).fee_cents
    line = EobLine(charges[1], allowed_cents=fee - 2_000, paid_cents=fee - 4_500, copay_cents=2_500)
    vault.billing.post_eob(Eob(payer.id, date(2025, 3, 24), fee - 4_500, (line,), reference="EFT 99812"), today=TODAY)
    self_pay = client(vault, "Ben", "Okoro")
    return Practice(insured, self_pay, appointments, charges, vault.clients.get(insured).account_number)
