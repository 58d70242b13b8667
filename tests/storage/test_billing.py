"""`vault.billing`: catalogue, payers, coverage, charges, payments, allocation, balances, ledger."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from therapy_desk.domain.billing import (
    ChargeKind,
    Coverage,
    CoverageRank,
    LedgerKind,
    Payer,
    PayerKind,
    Payment,
    PaymentMethod,
    Relationship,
)
from therapy_desk.domain.clients import AdministrativeSex, Client, Unit, UnitKind, UnitMember
from therapy_desk.domain.codes import SEED_FEES, SEED_SERVICES, PlaceOfService, ServiceCode
from therapy_desk.domain.scheduling import Appointment, AppointmentStatus
from therapy_desk.errors import ValidationError
from therapy_desk.storage.billing import CHARGE_NEEDS_SIGNED_NOTE
from therapy_desk.storage.vault import Vault

DOS = date(2025, 3, 3)
TODAY = date(2025, 3, 14)


@pytest.fixture(autouse=True)
def _charges_without_notes(vault: Vault) -> None:
    """These tests are about the ledger and the catalogue rules, not the record: sessions are charged
    without writing their notes, as a clinician who turned the setting off would (its own tests are in
    tests/storage/test_sessions.py)."""
    vault.practice.set_setting(CHARGE_NEEDS_SIGNED_NOTE, "0")


def _client(vault: Vault, first: str = "Ana", last: str = "Lopez") -> int:
    client = vault.clients.create(Client(first, last, date(1990, 1, 2), sex=AdministrativeSex.FEMALE))
    assert client.id is not None
    return client.id


def _diagnosis(vault: Vault, client_id: int, code: str = "F41.1", **kwargs: object) -> int:
    diagnosis = vault.clients.add_diagnosis(client_id, code, **kwargs)  # type: ignore[arg-type]
    assert diagnosis.id is not None
    return diagnosis.id


def book_session(
    vault: Vault,
    client_id: int | None,
    status: AppointmentStatus = AppointmentStatus.ATTENDED,
    *,
    code: str = "90834",
    minutes: int = 45,
    day: date = DOS,
    unit_id: int | None = None,
    **kwargs: object,
) -> int:
    """Book a session at 10:00 on `day` (shared with test_billing_rules)."""
    booked = vault.schedule.book(
        Appointment(
            start=datetime(day.year, day.month, day.day, 10, 0),
            duration_minutes=minutes,
            service_code=code,
            client_id=client_id,
            unit_id=unit_id,
            status=status,
            **kwargs,  # type: ignore[arg-type]
        )
    )
    assert booked.id is not None
    return booked.id


def _pay(vault: Vault, client_id: int, cents: int, allocations: list[tuple[int, int]] | None = None) -> int:
    payment = vault.billing.record_payment(
        Payment(client_id, DOS, cents, PaymentMethod.CARD), allocations or [], today=TODAY
    )
    assert payment.id is not None
    return payment.id


def _counts(vault: Vault) -> tuple[int, ...]:
    return tuple(
        vault.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 - fixed names
        for table in ("charges", "payments", "allocations", "audit_log")
    )


# -- service catalogue ---------------------------------------------------------------------------


def test_catalogue_is_seeded_with_every_code_and_fee_from_the_domain(vault: Vault) -> None:
    seeded = {s.code: s for s in vault.billing.services()}
    assert seeded == {s.code: s for s in (*SEED_SERVICES, *SEED_FEES)}
    assert seeded["90837"].description == "Psychotherapy, 60 min"


def test_fee_change_applies_to_new_charges_and_old_charges_keep_theirs(vault: Vault) -> None:
    client_id = _client(vault)
    dx = _diagnosis(vault, client_id)
    before = vault.billing.add_charge(client_id, DOS, "90834", diagnosis_ids=[dx], today=TODAY)
    vault.billing.update_service(replace(vault.billing.service("90834"), default_fee_cents=16_500, description="Talk"))
    after = vault.billing.add_charge(client_id, date(2025, 3, 10), "90834", diagnosis_ids=[dx], today=TODAY)
    assert (before.fee_cents, before.description) == (14_000, "Psychotherapy, 45 min")
    assert (after.fee_cents, after.description) == (16_500, "Talk")
    assert vault.billing.charge(before.id).fee_cents == 14_000


def test_added_service_can_be_charged_and_a_turned_off_one_cannot(vault: Vault) -> None:
    client_id = _client(vault)
    vault.billing.add_service(ServiceCode("letter", "Letter to school", None, 5000, billable_to_insurance=False))
    charge = vault.billing.add_charge(client_id, DOS, "LETTER", today=TODAY)
    assert (charge.fee_cents, charge.billable_to_insurance) == (5000, False)
    vault.billing.update_service(replace(vault.billing.service("LETTER"), active=False))
    assert "LETTER" not in {s.code for s in vault.billing.services(include_inactive=False)}
    with pytest.raises(ValidationError, match="turned off") as err:
        vault.billing.add_charge(client_id, date(2025, 3, 4), "LETTER", today=TODAY)
    assert err.value.field == "service_code"


def test_catalogue_refuses_duplicates_unknown_codes_and_negative_fees(vault: Vault) -> None:
    with pytest.raises(ValidationError, match="already"):
        vault.billing.add_service(ServiceCode("90834", "Again", 45, 100))
    with pytest.raises(ValidationError, match="not in the service catalogue"):
        vault.billing.update_service(ServiceCode("90999", "Unknown", None, 100))
    with pytest.raises(ValidationError) as err:
        vault.billing.update_service(replace(vault.billing.service("90834"), default_fee_cents=-1))
    assert err.value.field == "default_fee_cents"
    assert vault.billing.service("90834").default_fee_cents == 14_000


# -- payers and coverage -------------------------------------------------------------------------


def _payer(vault: Vault, name: str = "Blue Plan", **kwargs: object) -> int:
    payer = vault.billing.add_payer(Payer(name, electronic_id="BP001", **kwargs))  # type: ignore[arg-type]
    assert payer.id is not None
    return payer.id


def test_payers_are_listed_by_name_and_inactive_ones_hidden(vault: Vault) -> None:
    _payer(vault, "Zeta Health", kind=PayerKind.MEDICAID, state="ny", zip="10013-1234", phone="212 555 0101")
    acme = vault.billing.payer(_payer(vault, "Acme EAP", kind=PayerKind.EAP))
    assert [p.name for p in vault.billing.payers()] == ["Acme EAP", "Zeta Health"]
    vault.billing.update_payer(replace(acme, active=False))
    assert [p.name for p in vault.billing.payers()] == ["Zeta Health"]
    assert len(vault.billing.payers(include_inactive=True)) == 2
    assert vault.billing.payers()[0].state == "NY"


def test_coverage_for_a_date_and_self_pay_without_it(vault: Vault) -> None:
    client_id = _client(vault)
    payer_id = _payer(vault)
    assert vault.billing.coverage_for(client_id, DOS) == []
    coverage = vault.billing.add_coverage(
        Coverage(client_id, payer_id, "m-42", date(2025, 1, 1), copay_cents=2500, end_date=date(2025, 6, 30)),
        today=TODAY,
    )
    assert vault.billing.coverage_for(client_id, DOS) == [coverage]
    assert vault.billing.coverage_for(client_id, date(2024, 12, 31)) == []
    assert vault.billing.coverage_for(client_id, date(2025, 7, 1)) == []
    assert coverage.payer_name == "Blue Plan"
    assert coverage.member_id == "M-42"
    assert (coverage.subscriber_first, coverage.subscriber_last) == ("Ana", "Lopez")


def test_self_subscriber_follows_the_client_record(vault: Vault) -> None:
    client_id = _client(vault)
    coverage = vault.billing.add_coverage(Coverage(client_id, _payer(vault), "M1", date(2025, 1, 1)), today=TODAY)
    vault.clients.update(replace(vault.clients.get(client_id), legal_last="Lopez-Reyes"))
    assert vault.billing.coverage(coverage.id or 0).subscriber_last == "Lopez-Reyes"


def test_dependent_coverage_keeps_its_subscriber(vault: Vault) -> None:
    client_id = _client(vault)
    coverage = vault.billing.add_coverage(
        Coverage(
            client_id,
            _payer(vault),
            "M1",
            date(2025, 1, 1),
            relationship=Relationship.CHILD,
            subscriber_first="Marco",
            subscriber_last="Lopez",
            subscriber_dob=date(1961, 4, 5),
            subscriber_sex=AdministrativeSex.MALE,
            group_number="g-9",
            authorization_number="AUTH1",
            authorized_visits=12,
            authorization_start=date(2025, 1, 1),
            authorization_end=date(2025, 12, 31),
        ),
        today=TODAY,
    )
    assert vault.billing.coverages(client_id) == [coverage]
    assert coverage.subscriber_dob == date(1961, 4, 5)
    assert coverage.group_number == "G-9"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"member_id": ""}, "member_id"),
        ({"end_date": date(2024, 1, 1)}, "end_date"),
        ({"subscriber_first": "Someone", "subscriber_last": "Else"}, "relationship"),
        ({"relationship": Relationship.SPOUSE}, "subscriber_last"),
        ({"client_id": 999}, "client_id"),
        ({"payer_id": 999}, "payer_id"),
    ],
)
def test_bad_coverage_is_refused_and_nothing_is_written(vault: Vault, change: dict[str, object], field: str) -> None:
    client_id = _client(vault)
    good = Coverage(client_id, _payer(vault), "M1", date(2025, 1, 1))
    with pytest.raises(ValidationError) as err:
        vault.billing.add_coverage(replace(good, **change), today=TODAY)  # type: ignore[arg-type]
    assert err.value.field == field
    assert vault.billing.coverages(client_id) == []


def test_two_primaries_cannot_overlap_but_a_secondary_can(vault: Vault) -> None:
    client_id = _client(vault)
    first = vault.billing.add_coverage(Coverage(client_id, _payer(vault), "M1", date(2025, 1, 1)), today=TODAY)
    other = _payer(vault, "Other Plan")
    with pytest.raises(ValidationError, match="already has primary") as err:
        vault.billing.add_coverage(Coverage(client_id, other, "M2", date(2025, 3, 1)), today=TODAY)
    assert err.value.field == "rank"
    second = vault.billing.add_coverage(
        Coverage(client_id, other, "M2", date(2025, 3, 1), rank=CoverageRank.SECONDARY), today=TODAY
    )
    assert [c.id for c in vault.billing.coverage_for(client_id, DOS)] == [first.id, second.id]
    vault.billing.end_coverage(first.id or 0, date(2025, 3, 31))
    later = vault.billing.add_coverage(Coverage(client_id, other, "M3", date(2025, 4, 1)), today=TODAY)
    assert [c.member_id for c in vault.billing.coverage_for(client_id, date(2025, 4, 2))] == ["M3", "M2"]
    assert vault.billing.primary_payers([client_id, 999], date(2025, 4, 2))[client_id].name == "Other Plan"
    assert later.rank is CoverageRank.PRIMARY


def test_visits_used_counts_session_dates_within_the_authorization(vault: Vault) -> None:
    client_id = _client(vault)
    dx = _diagnosis(vault, client_id)
    coverage = vault.billing.add_coverage(
        Coverage(
            client_id,
            _payer(vault),
            "M1",
            date(2025, 1, 1),
            authorization_number="A1",
            authorized_visits=10,
            authorization_start=date(2025, 3, 1),
        ),
        today=TODAY,
    )
    for day in (date(2025, 2, 24), date(2025, 3, 3), date(2025, 3, 10)):
        vault.billing.charge_for_appointment(book_session(vault, client_id, day=day), [dx], today=TODAY)
    vault.billing.charge_missed_appointment(
        book_session(vault, client_id, AppointmentStatus.NO_SHOW, day=date(2025, 3, 12)), today=TODAY
    )
    assert vault.billing.visits_used(coverage.id or 0) == 2


# -- charges -------------------------------------------------------------------------------------


def test_attended_session_is_charged_at_the_catalogue_fee_with_its_details(vault: Vault) -> None:
    client_id = _client(vault)
    dx1, dx2 = _diagnosis(vault, client_id), _diagnosis(vault, client_id, "F33.1")
    appointment_id = book_session(
        vault, client_id, place_of_service=PlaceOfService.TELEHEALTH_HOME, modifiers=("95",), telehealth=True
    )
    charge = vault.billing.charge_for_appointment(appointment_id, [dx2, dx1], today=TODAY)
    assert charge.kind is ChargeKind.SESSION
    assert (charge.date_of_service, charge.service_code, charge.fee_cents, charge.units) == (DOS, "90834", 14_000, 1)
    assert (charge.pos, charge.modifiers, charge.diagnosis_ids) == (PlaceOfService.TELEHEALTH_HOME, ("95",), (dx2, dx1))
    assert charge.billable_to_insurance
    assert charge.appointment_id == appointment_id
    assert vault.billing.charges_for_appointment(appointment_id) == [charge]
    assert vault.billing.balance(client_id).due_cents == 14_000


def test_an_appointment_is_charged_once_until_its_charge_is_voided(vault: Vault) -> None:
    client_id = _client(vault)
    dx = _diagnosis(vault, client_id)
    appointment_id = book_session(vault, client_id)
    assert vault.billing.uncharged_appointments(client_id) == [appointment_id]
    first = vault.billing.charge_for_appointment(appointment_id, [dx], today=TODAY)
    assert vault.billing.uncharged_appointments(client_id) == []
    with pytest.raises(ValidationError, match="already charged"):
        vault.billing.charge_for_appointment(appointment_id, [dx], today=TODAY)
    with pytest.raises(ValidationError, match="already charged"):
        vault.billing.add_charge(
            client_id, DOS, "90834", diagnosis_ids=[dx], appointment_id=appointment_id, today=TODAY
        )
    vault.billing.void_charge(first.id, "wrong code")
    again = vault.billing.charge_for_appointment(appointment_id, [dx], today=TODAY)
    assert again.id != first.id
    assert vault.billing.balance(client_id).due_cents == 14_000


def test_a_line_cannot_be_linked_to_another_clients_appointment(vault: Vault) -> None:
    ana, ben = _client(vault), _client(vault, "Ben", "Ito")
    bens_session = book_session(vault, ben)
    with pytest.raises(ValidationError, match="another client") as err:
        vault.billing.add_charge(ana, DOS, "NOSHOW", appointment_id=bens_session, today=TODAY)
    assert err.value.field == "client_id"
    with pytest.raises(ValidationError, match="no appointment") as err:
        vault.billing.add_charge(ana, DOS, "NOSHOW", appointment_id=999, today=TODAY)
    assert err.value.field == "appointment_id"


@pytest.mark.parametrize(
    "status", [AppointmentStatus.SCHEDULED, AppointmentStatus.NO_SHOW, AppointmentStatus.CANCELLED]
)
def test_only_attended_sessions_are_charged_as_sessions(vault: Vault, status: AppointmentStatus) -> None:
    client_id = _client(vault)
    day = date.today() if status is AppointmentStatus.SCHEDULED else DOS
    appointment_id = book_session(vault, client_id, status, day=day)
    with pytest.raises(ValidationError, match="Only an attended session") as err:
        vault.billing.charge_for_appointment(appointment_id, [_diagnosis(vault, client_id)])
    assert err.value.field == "appointment_id"


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        (AppointmentStatus.NO_SHOW, "NOSHOW", ChargeKind.NO_SHOW),
        (AppointmentStatus.LATE_CANCEL, "LATECX", ChargeKind.LATE_CANCEL),
    ],
)
def test_missed_appointment_is_charged_the_catalogue_fee_and_not_billed_to_insurance(
    vault: Vault, status: AppointmentStatus, code: str, kind: ChargeKind
) -> None:
    client_id = _client(vault)
    vault.billing.update_service(replace(vault.billing.service(code), default_fee_cents=6_000))
    charge = vault.billing.charge_missed_appointment(book_session(vault, client_id, status), today=TODAY)
    assert (charge.service_code, charge.kind, charge.fee_cents) == (code, kind, 6_000)
    assert not charge.billable_to_insurance
    assert charge.diagnosis_ids == ()
    assert vault.billing.balance(client_id).due_cents == 6_000


def test_attended_session_carries_no_missed_appointment_fee(vault: Vault) -> None:
    client_id = _client(vault)
    with pytest.raises(ValidationError, match="no-show or late cancellation"):
        vault.billing.charge_missed_appointment(book_session(vault, client_id), today=TODAY)


def test_couple_session_bills_the_identified_client_and_group_sessions_each_member(vault: Vault) -> None:
    ana, ben, cy = _client(vault), _client(vault, "Ben", "Ito"), _client(vault, "Cy", "Moss")
    dx_ben, dx_cy = _diagnosis(vault, ben, "F43.21"), _diagnosis(vault, cy, "F43.21")
    couple = vault.clients.create_unit(
        Unit(UnitKind.COUPLE, "Ito-Lopez", (UnitMember(ana), UnitMember(ben, identified=True)))
    )
    charge = vault.billing.charge_for_appointment(
        book_session(vault, None, code="90847", unit_id=couple.id), [dx_ben], today=TODAY
    )
    assert charge.client_id == ben
    group = vault.clients.create_unit(Unit(UnitKind.GROUP, "Tuesday group", (UnitMember(ben), UnitMember(cy))))
    session = book_session(vault, None, code="90853", unit_id=group.id, day=date(2025, 3, 4))
    with pytest.raises(ValidationError, match="per member"):
        vault.billing.charge_for_appointment(session, [dx_cy], today=TODAY)
    with pytest.raises(ValidationError, match="not a member"):
        vault.billing.charge_for_appointment(session, [], client_id=ana, today=TODAY)
    for member, dx in ((ben, dx_ben), (cy, dx_cy)):
        assert vault.billing.charge_for_appointment(session, [dx], client_id=member, today=TODAY).fee_cents == 6_000


def test_diagnosis_pointers_must_be_this_clients_billable_claim_diagnoses(vault: Vault) -> None:
    client_id, other = _client(vault), _client(vault, "Ben", "Ito")
    others_dx = _diagnosis(vault, other)
    category = _diagnosis(vault, client_id, "F41", for_claims=False)
    resolved = _diagnosis(vault, client_id, "F43.21", onset=date(2024, 1, 1))
    vault.clients.resolve_diagnosis(resolved, date(2025, 2, 1))
    good = _diagnosis(vault, client_id, "F41.1")
    cases = [
        ([], "at least one"),
        ([others_dx], "another client"),
        ([category], "not marked for claims"),
        ([resolved], "resolved before"),
        ([12345], "no diagnosis"),
        ([good, good], "twice"),
        ([good, category, resolved, others_dx, 9], "at most 4"),
    ]
    before = _counts(vault)
    for pointers, message in cases:
        with pytest.raises(ValidationError, match=message) as err:
            vault.billing.add_charge(client_id, DOS, "90837", diagnosis_ids=pointers, today=TODAY)
        assert err.value.field == "diagnosis_ids"
    assert _counts(vault) == before


def test_manual_assessment_charges_units_at_the_catalogue_fee(vault: Vault) -> None:
    client_id = _client(vault)
    dx = _diagnosis(vault, client_id)
    charge = vault.billing.add_charge(client_id, DOS, "96127", diagnosis_ids=[dx], units=2, today=TODAY)
    assert (charge.units, charge.fee_cents, charge.kind) == (2, 2_000, ChargeKind.MANUAL)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"fee_cents": -100}, "fee_cents"),
        ({"units": 0}, "units"),
        ({"modifiers": ["95", "93", "GT", "59", "HO"]}, "modifiers"),
        ({"pos": "77"}, "pos"),
        ({"date_of_service": date(2025, 3, 15)}, "date_of_service"),
        ({"service_code": "99999"}, "service_code"),
        ({"service_code": "NOSHOW", "billable_to_insurance": True}, "billable_to_insurance"),
        ({"client_id": 999}, "client_id"),
    ],
)
def test_bad_charges_are_refused_and_nothing_is_written(vault: Vault, kwargs: dict[str, object], field: str) -> None:
    client_id = _client(vault)
    args: dict[str, object] = {
        "client_id": client_id,
        "date_of_service": DOS,
        "service_code": "96127",
        "diagnosis_ids": [_diagnosis(vault, client_id)],
        "today": TODAY,
        **kwargs,
    }
    before = _counts(vault)
    with pytest.raises(ValidationError) as err:
        vault.billing.add_charge(**args)  # type: ignore[arg-type]
    assert err.value.field == field
    assert _counts(vault) == before


def test_add_on_needs_its_primary_on_the_same_date(vault: Vault) -> None:
    client_id = _client(vault)
    dx = _diagnosis(vault, client_id)
    with pytest.raises(ValidationError, match="add-on"):
        vault.billing.add_charge(client_id, DOS, "90785", diagnosis_ids=[dx], today=TODAY)
    primary = vault.billing.charge_for_appointment(book_session(vault, client_id, day=date(2025, 3, 4)), [dx])
    with pytest.raises(ValidationError, match="add-on"):
        vault.billing.add_charge(client_id, DOS, "90785", diagnosis_ids=[dx], today=TODAY)
    addon = vault.billing.add_charge(
        client_id, date(2025, 3, 4), "90785", diagnosis_ids=[dx], appointment_id=primary.appointment_id, today=TODAY
    )
    assert addon.fee_cents == 2_000
    with pytest.raises(ValidationError, match="appointment's date") as err:
        vault.billing.add_charge(
            client_id, DOS, "96127", diagnosis_ids=[dx], appointment_id=primary.appointment_id, today=TODAY
        )
    assert err.value.field == "date_of_service"
    with pytest.raises(ValidationError, match="Void the add-on"):
        vault.billing.void_charge(primary.id, "wrong date")
    vault.billing.void_charge(addon.id, "wrong date")
    vault.billing.void_charge(primary.id, "wrong date")
    assert vault.billing.balance(client_id).charged_cents == 0


def test_two_psychotherapy_codes_on_one_date_are_refused(vault: Vault) -> None:
    client_id = _client(vault)
    dx = _diagnosis(vault, client_id)
    vault.billing.add_charge(client_id, DOS, "90834", diagnosis_ids=[dx], today=TODAY)
    with pytest.raises(ValidationError, match="total time"):
        vault.billing.add_charge(client_id, DOS, "90832", diagnosis_ids=[dx], today=TODAY)
    vault.billing.add_charge(client_id, DOS, "90832", diagnosis_ids=[dx], modifiers=["59"], today=TODAY)


def test_voided_charge_leaves_the_balance_and_stays_on_the_ledger(vault: Vault) -> None:
    client_id = _client(vault)
    dx = _diagnosis(vault, client_id)
    keep = vault.billing.add_charge(client_id, DOS, "90837", diagnosis_ids=[dx], today=TODAY)
    wrong = vault.billing.add_charge(client_id, DOS, "96127", diagnosis_ids=[dx], today=TODAY)
    voided = vault.billing.void_charge(wrong.id, "entered twice")
    assert voided.voided
    assert voided.void_reason == "entered twice"
    assert voided.due_cents == 0
    assert vault.billing.balance(client_id).charged_cents == keep.fee_cents
    assert [c.id for c in vault.billing.charges(client_id)] == [keep.id, wrong.id]
    assert [c.id for c in vault.billing.charges(client_id, include_voided=False)] == [keep.id]
    assert [r.voided for r in vault.billing.ledger(client_id)] == [False, True]
    with pytest.raises(ValidationError, match="already void"):
        vault.billing.void_charge(wrong.id, "again")
    with pytest.raises(ValidationError) as err:
        vault.billing.void_charge(keep.id, "  ")
    assert err.value.field == "reason"


def test_voiding_a_paid_charge_turns_its_payment_into_credit(vault: Vault) -> None:
    client_id = _client(vault)
    charge = vault.billing.add_charge(client_id, DOS, "NOSHOW", today=TODAY)
    payment_id = _pay(vault, client_id, 7_500, [(charge.id, 7_500)])
    vault.billing.void_charge(charge.id, "waived")
    balance = vault.billing.balance(client_id)
    assert (balance.charged_cents, balance.paid_cents, balance.credit_cents, balance.net_cents) == (0, 0, 7_500, -7_500)
    assert vault.billing.payment(payment_id).unallocated_cents == 7_500
    assert [a.released_at is not None for a in vault.billing.allocations(payment_id=payment_id)] == [True]


def test_charges_payments_and_allocations_cannot_be_deleted_or_edited_in_sql(vault: Vault) -> None:
    client_id = _client(vault)
    charge = vault.billing.add_charge(client_id, DOS, "NOSHOW", today=TODAY)
    _pay(vault, client_id, 1_000, [(charge.id, 1_000)])
    for statement in (
        "DELETE FROM charges",
        "DELETE FROM payments",
        "DELETE FROM allocations",
        "UPDATE charges SET fee_cents = 1",
        "UPDATE payments SET amount_cents = 99999",
        "UPDATE allocations SET amount_cents = 5",
        "UPDATE charges SET paid_cents = fee_cents + 1",
    ):
        with pytest.raises(Exception, match=r"never|CHECK"), vault.transaction():
            vault.db.execute(statement)
    assert vault.billing.charge(charge.id).fee_cents == 7_500
    assert vault.billing.balance(client_id).due_cents == 6_500


# -- payments and allocation ---------------------------------------------------------------------


def test_payment_with_allocations_pays_charges_and_leaves_the_rest_as_credit(vault: Vault) -> None:
    client_id = _client(vault)
    a = vault.billing.add_charge(client_id, DOS, "NOSHOW", today=TODAY)
    b = vault.billing.add_charge(client_id, date(2025, 3, 5), "LATECX", today=TODAY)
    payment = vault.billing.record_payment(
        Payment(client_id, DOS, 10_000, PaymentMethod.CHECK, reference=" #1042 "), [(a.id, 7_500), (b.id, 1_000)]
    )
    assert (payment.allocated_cents, payment.unallocated_cents, payment.reference) == (8_500, 1_500, "#1042")
    assert vault.billing.charge(b.id).due_cents == 6_500
    balance = vault.billing.balance(client_id)
    assert (balance.charged_cents, balance.paid_cents, balance.due_cents, balance.credit_cents) == (
        15_000,
        8_500,
        6_500,
        1_500,
    )
    assert balance.net_cents == 5_000


def test_over_allocated_payment_is_refused_with_nothing_written(vault: Vault) -> None:
    client_id = _client(vault)
    a = vault.billing.add_charge(client_id, DOS, "NOSHOW", today=TODAY)
    b = vault.billing.add_charge(client_id, date(2025, 3, 5), "LATECX", today=TODAY)
    before = _counts(vault)
    with pytest.raises(ValidationError, match="Payment over-allocated") as err:
        vault.billing.record_payment(
            Payment(client_id, DOS, 10_000, PaymentMethod.CASH), [(a.id, 7_500), (b.id, 5_000)], today=TODAY
        )
    assert err.value.field == "allocations"
    assert _counts(vault) == before
    assert vault.billing.payments(client_id) == []
    assert vault.billing.balance(client_id).due_cents == 15_000


def test_a_charge_named_twice_in_one_payment_is_paid_both_amounts(vault: Vault) -> None:
    # An EOB line can pay one date of service in two parts (say the copay and the plan's share).
    client_id = _client(vault)
    charge = vault.billing.add_charge(client_id, DOS, "NOSHOW", today=TODAY)
    other = vault.billing.add_charge(client_id, date(2025, 3, 5), "LATECX", today=TODAY)

    payment = vault.billing.record_payment(
        Payment(client_id, DOS, 9_000, PaymentMethod.CHECK),
        [(charge.id, 3_000), (other.id, 1_000), (charge.id, 2_000)],
        today=TODAY,
    )

    assert (payment.allocated_cents, payment.unallocated_cents) == (6_000, 3_000)
    assert vault.billing.charge(charge.id).due_cents == 2_500
    assert vault.billing.charge(other.id).due_cents == 6_500
    assert [a.amount_cents for a in vault.billing.allocations(charge_id=charge.id)] == [5_000]
    balance = vault.billing.balance(client_id)
    assert (balance.due_cents, balance.credit_cents) == (9_000, 3_000)


def test_a_charge_named_twice_in_one_payment_is_not_paid_beyond_its_fee(vault: Vault) -> None:
    # Each part fits the $75.00 due; together they do not.
    client_id = _client(vault)
    charge = vault.billing.add_charge(client_id, DOS, "NOSHOW", today=TODAY)
    before = _counts(vault)

    with pytest.raises(ValidationError, match=r"Charge over-paid: charge \d+ has only \$75\.00 still due\."):
        vault.billing.record_payment(
            Payment(client_id, DOS, 10_000, PaymentMethod.CASH), [(charge.id, 5_000), (charge.id, 2_501)], today=TODAY
        )
    assert _counts(vault) == before
    assert vault.billing.charge(charge.id).due_cents == 7_500


def test_an_import_that_names_a_charge_twice_pays_both_amounts(vault: Vault) -> None:
    client_id = _client(vault)
    charge = vault.billing.add_charge(client_id, DOS, "NOSHOW", today=TODAY)

    (payment_id,) = vault.billing.import_payments(
        [(Payment(client_id, DOS, 7_500, PaymentMethod.CHECK), [(charge.id, 2_500), (charge.id, 5_000)])], today=TODAY
    )

    assert vault.billing.payment(payment_id).unallocated_cents == 0
    assert vault.billing.charge(charge.id).due_cents == 0


def test_a_charge_is_never_paid_beyond_its_fee(vault: Vault) -> None:
    client_id = _client(vault)
    charge = vault.billing.add_charge(client_id, DOS, "NOSHOW", today=TODAY)
    payment_id = _pay(vault, client_id, 10_000, [(charge.id, 5_000)])
    before = _counts(vault)
    with pytest.raises(ValidationError, match="over-paid"):
        vault.billing.allocate(payment_id, charge.id, 2_501)
    with pytest.raises(ValidationError, match="over-paid"):
        vault.billing.record_payment(Payment(client_id, DOS, 9_000, PaymentMethod.CASH), [(charge.id, 9_000)])
    assert _counts(vault) == before
    vault.billing.allocate(payment_id, charge.id, 2_500)
    assert vault.billing.charge(charge.id).due_cents == 0


@pytest.mark.parametrize("cents", [-500, 0])
def test_negative_and_zero_money_is_refused(vault: Vault, cents: int) -> None:
    client_id = _client(vault)
    charge = vault.billing.add_charge(client_id, DOS, "NOSHOW", today=TODAY)
    payment_id = _pay(vault, client_id, 1_000)
    before = _counts(vault)
    with pytest.raises(ValidationError, match=r"negative|above zero") as err:
        vault.billing.record_payment(Payment(client_id, DOS, cents, PaymentMethod.CASH), today=TODAY)
    assert err.value.field == "amount_cents"
    with pytest.raises(ValidationError, match=r"negative|above zero"):
        vault.billing.allocate(payment_id, charge.id, cents)
    with pytest.raises(ValidationError, match=r"negative|above zero"):
        vault.billing.record_payment(Payment(client_id, DOS, 1_000, PaymentMethod.CASH), [(charge.id, cents)])
    if cents < 0:
        with pytest.raises(ValidationError, match="negative"):
            vault.billing.add_charge(client_id, DOS, "LATECX", fee_cents=cents, today=TODAY)
    assert _counts(vault) == before


def test_a_payment_cannot_pay_another_clients_charge(vault: Vault) -> None:
    ana, ben = _client(vault), _client(vault, "Ben", "Ito")
    bens = vault.billing.add_charge(ben, DOS, "NOSHOW", today=TODAY)
    payment_id = _pay(vault, ana, 5_000)
    with pytest.raises(ValidationError, match="not an open charge") as err:
        vault.billing.allocate(payment_id, bens.id, 1_000)
    assert err.value.field == "charge_id"


def test_auto_allocate_pays_the_oldest_charges_first(vault: Vault) -> None:
    client_id = _client(vault)
    newer = vault.billing.add_charge(client_id, date(2025, 3, 10), "NOSHOW", today=TODAY)
    older = vault.billing.add_charge(client_id, date(2025, 3, 1), "LATECX", today=TODAY)
    payment_id = _pay(vault, client_id, 10_000)
    made = vault.billing.auto_allocate(payment_id)
    assert [(a.charge_id, a.amount_cents) for a in made] == [(older.id, 7_500), (newer.id, 2_500)]
    assert vault.billing.auto_allocate(payment_id) == []
    assert vault.billing.payment(payment_id).unallocated_cents == 0


def test_insurance_payment_is_applied_only_to_charges_billable_to_insurance(vault: Vault) -> None:
    client_id = _client(vault)
    dx = _diagnosis(vault, client_id)
    fee = vault.billing.add_charge(client_id, date(2025, 3, 1), "NOSHOW", today=TODAY)
    session = vault.billing.add_charge(client_id, DOS, "90834", diagnosis_ids=[dx], today=TODAY)
    payment = vault.billing.record_payment(
        Payment(client_id, DOS, 20_000, PaymentMethod.INSURANCE, payer_id=_payer(vault), reference="ERA 77"),
        today=TODAY,
    )
    made = vault.billing.auto_allocate(payment.id or 0)
    assert [(a.charge_id, a.amount_cents) for a in made] == [(session.id, 14_000)]
    with pytest.raises(ValidationError, match="not an open charge"):
        vault.billing.allocate(payment.id or 0, fee.id, 100)
    ledger = vault.billing.ledger(client_id)
    assert ledger[-1].description == "Blue Plan ERA 77"
    assert ledger[-1].code == "insurance"


def test_voided_payment_releases_its_allocations_and_cannot_be_used(vault: Vault) -> None:
    client_id = _client(vault)
    charge = vault.billing.add_charge(client_id, DOS, "NOSHOW", today=TODAY)
    payment_id = _pay(vault, client_id, 7_500, [(charge.id, 7_500)])
    voided = vault.billing.void_payment(payment_id, "check bounced")
    assert voided.voided
    assert voided.allocated_cents == 0
    balance = vault.billing.balance(client_id)
    assert (balance.due_cents, balance.credit_cents) == (7_500, 0)
    with pytest.raises(ValidationError, match="void"):
        vault.billing.allocate(payment_id, charge.id, 100)
    with pytest.raises(ValidationError, match="already void"):
        vault.billing.void_payment(payment_id, "again")


def test_released_allocation_returns_the_money_to_credit(vault: Vault) -> None:
    client_id = _client(vault)
    charge = vault.billing.add_charge(client_id, DOS, "NOSHOW", today=TODAY)
    payment_id = _pay(vault, client_id, 5_000, [(charge.id, 5_000)])
    (allocation,) = vault.billing.allocations(charge_id=charge.id)
    released = vault.billing.release_allocation(allocation.id)
    assert released.released_at is not None
    assert (vault.billing.charge(charge.id).paid_cents, vault.billing.payment(payment_id).unallocated_cents) == (
        0,
        5_000,
    )
    with pytest.raises(ValidationError, match="already released"):
        vault.billing.release_allocation(allocation.id)


def test_balances_for_the_caseload_include_clients_with_no_activity(vault: Vault) -> None:
    ana, ben, cy = _client(vault), _client(vault, "Ben", "Ito"), _client(vault, "Cy", "Moss")
    vault.billing.add_charge(ana, DOS, "NOSHOW", today=TODAY)
    _pay(vault, ben, 2_000)
    balances = vault.billing.balances([ana, ben, cy])
    assert {cid: b.net_cents for cid, b in balances.items()} == {ana: 7_500, ben: -2_000, cy: 0}
    assert vault.billing.balances([]) == {}


def test_balance_query_uses_the_covering_indexes(vault: Vault) -> None:
    plans = [
        " ".join(str(part) for part in row)
        for sql in (
            "SELECT client_id, sum(fee_cents), sum(paid_cents) FROM charges WHERE voided_at IS NULL "
            "AND client_id IN (1, 2) GROUP BY client_id",
            "SELECT client_id, sum(amount_cents - allocated_cents) FROM payments WHERE voided_at IS NULL "
            "AND client_id IN (1, 2) GROUP BY client_id",
        )
        for row in vault.db.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()
    ]
    assert any("COVERING INDEX charges_open_by_client" in p for p in plans)
    assert any("COVERING INDEX payments_open_by_client" in p for p in plans)


def test_ledger_lists_charges_and_payments_by_date_with_a_running_balance(vault: Vault) -> None:
    client_id = _client(vault)
    vault.billing.add_charge(client_id, date(2025, 3, 1), "NOSHOW", today=TODAY)
    vault.billing.record_payment(Payment(client_id, date(2025, 3, 2), 5_000, PaymentMethod.CASH), today=TODAY)
    vault.billing.add_charge(client_id, date(2025, 3, 3), "LATECX", today=TODAY)
    ledger = vault.billing.ledger(client_id)
    assert [(r.on.day, r.kind, r.amount_cents, r.running_balance_cents) for r in ledger] == [
        (1, LedgerKind.CHARGE, 7_500, 7_500),
        (2, LedgerKind.PAYMENT, 5_000, 2_500),
        (3, LedgerKind.CHARGE, 7_500, 10_000),
    ]
    assert ledger[-1].running_balance_cents == vault.billing.balance(client_id).net_cents
    assert vault.audit.recent(1)[0].event == "ledger viewed"


def test_billing_changes_are_audited_with_ids_and_amounts_only(vault: Vault) -> None:
    client_id = _client(vault, "Zoë", "Ngata")
    charge = vault.billing.add_charge(client_id, DOS, "NOSHOW", today=TODAY)
    payment_id = _pay(vault, client_id, 7_500)
    vault.billing.auto_allocate(payment_id)
    vault.billing.void_charge(charge.id, "Zoë was ill")
    events = {e.event: e for e in vault.audit.recent(10)}
    assert events["charge created"].detail == {"client_id": client_id, "appointment_id": None, "fee_cents": 7_500}
    assert events["payment recorded"].detail == {"client_id": client_id, "amount_cents": 7_500}
    assert events["payment allocated"].detail == {
        "payment_id": payment_id,
        "charge_id": charge.id,
        "amount_cents": 7_500,
    }
    assert events["charge voided"].detail["released_cents"] == 7_500
    logged = json.dumps([(e.event, e.detail) for e in vault.audit.recent(50)], ensure_ascii=False)
    assert "Zoë" not in logged
    assert "ill" not in logged
    assert vault.audit.verify().ok


# -- property: money always adds up --------------------------------------------------------------

MONEY = st.integers(-2_000, 30_000)
INDEX = st.integers(0, 15)
OPS = st.lists(
    st.one_of(
        st.tuples(st.just("allocate"), INDEX, INDEX, st.integers(-500, 20_000)),
        # what is left on the payment or the charge, give or take a cent: the boundaries
        st.tuples(st.just("allocate the rest"), INDEX, INDEX, st.integers(-1, 1)),
        st.tuples(st.just("auto"), INDEX),
        st.tuples(st.just("charge"), MONEY),
        st.tuples(st.just("pay"), MONEY),
        st.tuples(st.just("void charge"), INDEX),
        st.tuples(st.just("void payment"), INDEX),
        st.tuples(st.just("release"), INDEX),
    ),
    max_size=16,
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fees=st.lists(MONEY, min_size=1, max_size=4), amounts=st.lists(MONEY, min_size=1, max_size=3), ops=OPS)
def test_balance_always_equals_live_charges_minus_live_allocations(
    vault: Vault, fees: list[int], amounts: list[int], ops: list[tuple[int | str, ...]]
) -> None:
    """Any sequence of charges, payments, allocations, voids and releases, valid or refused."""
    billing = vault.billing
    client_id = _client(vault)
    charges: list[int] = []
    payments: list[int] = []
    allocations: list[int] = []
    setup = [("charge", fee) for fee in fees] + [("pay", amount) for amount in amounts]
    for day, op in enumerate([*setup, *ops], start=1):
        kind, *args = op
        try:
            if kind == "charge":
                charge = billing.add_charge(
                    client_id, date(2024, 1, day), "LATECX", fee_cents=int(args[0]), today=TODAY
                )
                charges.append(charge.id)
            elif kind == "pay":
                payment = Payment(client_id, date(2024, 1, day), int(args[0]), PaymentMethod.CASH)
                payments.append(billing.record_payment(payment, today=TODAY).id or 0)
            elif kind in ("allocate", "allocate the rest") and payments and charges:
                payment_id, charge_id = payments[int(args[0]) % len(payments)], charges[int(args[1]) % len(charges)]
                payment, charge, cents = billing.payment(payment_id), billing.charge(charge_id), int(args[2])
                if kind == "allocate the rest":
                    cents += min(payment.unallocated_cents, charge.due_cents)
                refused = cents <= 0 or payment.voided or charge.voided
                refused = refused or cents > payment.unallocated_cents or cents > charge.due_cents
                try:
                    allocations.append(billing.allocate(payment_id, charge_id, cents).id)
                    assert not refused
                except ValidationError:
                    assert refused
            elif kind == "auto" and payments:
                allocations += [a.id for a in billing.auto_allocate(payments[int(args[0]) % len(payments)])]
            elif kind == "void charge" and charges:
                billing.void_charge(charges[int(args[0]) % len(charges)], "test")
            elif kind == "void payment" and payments:
                billing.void_payment(payments[int(args[0]) % len(payments)], "test")
            elif kind == "release" and allocations:
                billing.release_allocation(allocations[int(args[0]) % len(allocations)])
        except ValidationError:
            pass  # refused operations are part of the sequence; the invariants must still hold

        all_charges = [billing.charge(c) for c in charges]
        all_payments = [billing.payment(p) for p in payments]
        live = [a for p in payments for a in billing.allocations(payment_id=p) if a.released_at is None]
        balance = billing.balance(client_id)
        assert balance.charged_cents == sum(c.fee_cents for c in all_charges if not c.voided)
        assert balance.paid_cents == sum(a.amount_cents for a in live)
        assert balance.due_cents == balance.charged_cents - sum(a.amount_cents for a in live)
        assert balance.credit_cents == sum(p.amount_cents for p in all_payments if not p.voided) - balance.paid_cents
        for c in all_charges:
            paid = sum(a.amount_cents for a in live if a.charge_id == c.id)
            assert paid == c.paid_cents <= c.fee_cents
            assert not (c.voided and paid)
        for p in all_payments:
            allocated = sum(a.amount_cents for a in live if a.payment_id == p.id)
            assert allocated == p.allocated_cents <= p.amount_cents
            assert not (p.voided and allocated)
