"""The ledger's rules in the store: EOB posting, contractual adjustments, write-offs, refunds out of a
credit, copays due at the visit, reversals, aging, and the identity
charges − payments − adjustments − write-offs + refunds = balance."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from therapy_desk.domain.billing import Coverage, LedgerKind, Payer, Payment, PaymentMethod
from therapy_desk.domain.clients import AdministrativeSex, Client
from therapy_desk.domain.ledger import AdjustmentKind, Eob, EobLine, Refund, WriteOffReason
from therapy_desk.domain.scheduling import Appointment, AppointmentStatus
from therapy_desk.errors import ValidationError
from therapy_desk.storage.billing import CHARGE_NEEDS_SIGNED_NOTE
from therapy_desk.storage.vault import Vault

DOS = date(2025, 3, 3)
TODAY = date(2025, 3, 31)


@pytest.fixture(autouse=True)
def _charges_without_notes(vault: Vault) -> None:
    vault.practice.set_setting(CHARGE_NEEDS_SIGNED_NOTE, "0")


def _client(vault: Vault, first: str = "Ana") -> int:
    client = vault.clients.create(Client(first, "Lopez", date(1990, 1, 2), sex=AdministrativeSex.FEMALE))
    assert client.id is not None
    return client.id


def _payer(vault: Vault, name: str = "Aetna") -> int:
    payer = vault.billing.add_payer(Payer(name))
    assert payer.id is not None
    return payer.id


def _insured(vault: Vault, payer_id: int, copay: int = 2_500, first: str = "Ana") -> int:
    client_id = _client(vault, first)
    vault.billing.add_coverage(
        Coverage(client_id, payer_id, "W123", date(2025, 1, 1), copay_cents=copay, authorization_number="A1",
                 authorized_visits=10),
        today=TODAY,
    )  # fmt: skip
    return client_id


def _charge(vault: Vault, client_id: int, fee: int = 14_000, day: date = DOS, insured: bool = True) -> int:
    listed = vault.clients.diagnoses(client_id)
    dx = listed[0].id if listed else vault.clients.add_diagnosis(client_id, "F41.1").id
    assert dx is not None
    charge = vault.billing.add_charge(
        client_id, day, "90834", diagnosis_ids=[dx] if insured else [], fee_cents=fee,
        billable_to_insurance=insured, today=TODAY,
    )  # fmt: skip
    return charge.id


def _session(vault: Vault, client_id: int, day: date) -> None:
    booked = vault.schedule.book(
        Appointment(start=datetime(day.year, day.month, day.day, 10), duration_minutes=45, service_code="90834",
                    client_id=client_id, status=AppointmentStatus.ATTENDED)
    )  # fmt: skip
    listed = vault.clients.diagnoses(client_id)
    vault.billing.charge_for_appointment(booked.id or 0, [listed[0].id or 0], today=TODAY)


def _client_pays(vault: Vault, client_id: int, cents: int, charge_id: int | None = None) -> int:
    allocations = [(charge_id, cents)] if charge_id is not None else []
    payment = vault.billing.record_payment(Payment(client_id, DOS, cents, PaymentMethod.CARD), allocations, today=TODAY)
    assert payment.id is not None
    return payment.id


def _identity(vault: Vault, client_id: int) -> None:
    """charges − payments − adjustments − write-offs + refunds = balance, from the ledger's rows."""
    rows = vault.billing.ledger(client_id)
    live = [r for r in rows if not r.voided]
    signed = {LedgerKind.CHARGE: 1, LedgerKind.PAYMENT: -1, LedgerKind.ADJUSTMENT: -1, LedgerKind.WRITE_OFF: -1,
              LedgerKind.REFUND: 1}  # fmt: skip
    total = 0
    for row in live:
        if row.kind is LedgerKind.REVERSAL:
            total += row.change_cents
        else:
            total += signed[row.kind] * row.amount_cents
    balance = vault.billing.balance(client_id)
    assert total == balance.net_cents
    assert (rows[-1].running_balance_cents if rows else 0) == balance.net_cents


# -- the case that must come out right -----------------------------------------------------------


def test_eob_140_fee_25_copay_paid_allowed_105_paid_80_leaves_nothing_due(vault: Vault) -> None:
    aetna = _payer(vault)
    client_id = _insured(vault, aetna, copay=2_500)
    charge_id = _charge(vault, client_id, 14_000)
    assert [c.uncollected_cents for c in vault.billing.uncollected_copays()] == [2_500]
    _client_pays(vault, client_id, 2_500, charge_id)  # the copay, at the visit
    assert vault.billing.uncollected_copays() == []

    posted = vault.billing.post_eob(
        Eob(aetna, TODAY, 8_000, (EobLine(charge_id, 10_500, 8_000, copay_cents=2_500),), "EFT 991"), today=TODAY
    )

    balance = vault.billing.balance(client_id)
    assert balance.net_cents == 0
    assert balance.adjusted_cents == 3_500
    adjustments = vault.billing.adjustments(client_id)
    assert [(a.kind, a.amount_cents, a.group) for a in adjustments] == [(AdjustmentKind.CONTRACTUAL, 3_500, "CO")]
    assert vault.billing.charge(charge_id).due_cents == 0
    assert posted.lines[0].responsibility_cents == 2_500
    _identity(vault, client_id)


def test_eob_without_the_copay_paid_leaves_the_client_its_responsibility(vault: Vault) -> None:
    aetna = _payer(vault)
    client_id = _insured(vault, aetna)
    charge_id = _charge(vault, client_id, 14_000)
    vault.billing.post_eob(
        Eob(aetna, TODAY, 8_000, (EobLine(charge_id, 10_500, 8_000, copay_cents=2_500),)), today=TODAY
    )
    assert vault.billing.balance(client_id).net_cents == 2_500
    aging = vault.billing.aging(TODAY)
    assert aging.client_totals == [2_500, 0, 0, 0]
    assert aging.insurance_totals == [0, 0, 0, 0]


def test_client_money_beyond_its_share_becomes_credit_when_the_eob_is_posted(vault: Vault) -> None:
    aetna = _payer(vault)
    client_id = _insured(vault, aetna)
    charge_id = _charge(vault, client_id, 14_000)
    _client_pays(vault, client_id, 14_000, charge_id)  # paid the whole fee at the visit
    vault.billing.post_eob(
        Eob(aetna, TODAY, 8_000, (EobLine(charge_id, 10_500, 8_000, copay_cents=2_500),)), today=TODAY
    )
    balance = vault.billing.balance(client_id)
    assert (balance.due_cents, balance.credit_cents, balance.net_cents) == (0, 8_000 + 3_500, -11_500)
    _identity(vault, client_id)


def test_an_insurers_payment_is_refused_for_a_charge_billed_to_another_payer(vault: Vault) -> None:
    aetna, cigna = _payer(vault), _payer(vault, "Cigna")
    client_id = _insured(vault, aetna)
    charge_id = _charge(vault, client_id)
    with pytest.raises(ValidationError, match="billed to Aetna, not Cigna"):
        vault.billing.post_eob(Eob(cigna, TODAY, 8_000, (EobLine(charge_id, 10_500, 8_000, copay_cents=2_500),)),
                               today=TODAY)  # fmt: skip
    self_pay = _client(vault, "Ben")
    cash = _charge(vault, self_pay, insured=False)
    with pytest.raises(ValidationError, match="not billed to insurance"):
        vault.billing.post_eob(Eob(aetna, TODAY, 0, (EobLine(cash, 0, 0),)), today=TODAY)
    assert vault.billing.balance(client_id).net_cents == 14_000  # nothing was written


def test_eob_lines_that_do_not_add_up_are_refused_with_the_amounts(vault: Vault) -> None:
    aetna = _payer(vault)
    charge_id = _charge(vault, _insured(vault, aetna))
    with pytest.raises(ValidationError, match=r"come to \$80.00, but the allowed amount is \$105.00"):
        vault.billing.post_eob(Eob(aetna, TODAY, 8_000, (EobLine(charge_id, 10_500, 8_000),)), today=TODAY)
    with pytest.raises(ValidationError, match=r"lines pay \$80.00 but the payment's total is \$90.00"):
        vault.billing.post_eob(Eob(aetna, TODAY, 9_000, (EobLine(charge_id, 10_500, 8_000, 2_500),)), today=TODAY)
    with pytest.raises(ValidationError, match="above the charge's fee"):
        vault.billing.post_eob(Eob(aetna, TODAY, 15_000, (EobLine(charge_id, 15_000, 15_000),)), today=TODAY)


def test_an_eob_is_posted_once_and_reversed_by_a_reversing_posting(vault: Vault) -> None:
    aetna = _payer(vault)
    client_id = _insured(vault, aetna)
    charge_id = _charge(vault, client_id)
    eob = Eob(aetna, TODAY, 8_000, (EobLine(charge_id, 10_500, 8_000, copay_cents=2_500),))
    posted = vault.billing.post_eob(eob, today=TODAY)
    with pytest.raises(ValidationError, match="already has Aetna's EOB posted"):
        vault.billing.post_eob(eob, today=TODAY)
    assert posted.id is not None
    reversal = vault.billing.reverse_eob(posted.id, "posted to the wrong client", today=TODAY)
    assert reversal.reverses_id == posted.id
    assert vault.billing.balance(client_id).net_cents == 14_000
    with pytest.raises(ValidationError, match="already reversed"):
        vault.billing.reverse_eob(posted.id, "again", today=TODAY)
    vault.billing.post_eob(eob, today=TODAY)  # posted again, correctly
    assert vault.billing.balance(client_id).net_cents == 2_500
    _identity(vault, client_id)


# -- adjustments, write-offs, refunds ------------------------------------------------------------


def test_a_write_off_needs_a_reason_and_is_reversed_once_by_a_reversing_row(vault: Vault) -> None:
    client_id = _client(vault)
    charge_id = _charge(vault, client_id, 14_000, insured=False)
    with pytest.raises(ValidationError, match=r"only \$140.00 still due"):
        vault.billing.write_off(charge_id, 14_001, WriteOffReason.HARDSHIP, today=TODAY)
    write_off = vault.billing.write_off(charge_id, 4_000, WriteOffReason.HARDSHIP, note="lost job", today=TODAY)
    assert vault.billing.balance(client_id).net_cents == 10_000
    assert write_off.id is not None
    reversal = vault.billing.reverse_adjustment(write_off.id, "entered on the wrong charge", today=TODAY)
    assert reversal.reverses_id == write_off.id
    assert vault.billing.balance(client_id).net_cents == 14_000
    assert vault.billing.adjustment(write_off.id).reversed_by == reversal.id
    with pytest.raises(ValidationError, match="already reversed"):
        vault.billing.reverse_adjustment(write_off.id, today=TODAY)
    assert reversal.id is not None
    with pytest.raises(ValidationError, match="itself a reversal"):
        vault.billing.reverse_adjustment(reversal.id, today=TODAY)
    kinds = [(r.kind, r.change_cents, r.reversed) for r in vault.billing.ledger(client_id)]
    assert kinds == [(LedgerKind.CHARGE, 14_000, False), (LedgerKind.WRITE_OFF, -4_000, True),
                     (LedgerKind.REVERSAL, 4_000, False)]  # fmt: skip
    events = [r[0] for r in vault.db.execute("SELECT event FROM audit_log WHERE entity = 'adjustment'")]
    assert events == ["write-off recorded", "write-off reversed"]


def test_rows_are_never_edited_or_deleted(vault: Vault) -> None:
    client_id = _client(vault)
    charge_id = _charge(vault, client_id, insured=False)
    vault.billing.write_off(charge_id, 1_000, WriteOffReason.COURTESY, today=TODAY)
    with pytest.raises(Exception, match="never edited"):
        vault.db.execute("UPDATE adjustments SET amount_cents = 1")
    with pytest.raises(Exception, match="never deleted"):
        vault.db.execute("DELETE FROM adjustments")


def test_a_refund_larger_than_the_credit_is_refused_naming_both_amounts(vault: Vault) -> None:
    client_id = _client(vault)
    charge_id = _charge(vault, client_id, 10_000, insured=False)
    _client_pays(vault, client_id, 15_000)
    vault.billing.auto_allocate(vault.billing.payments(client_id)[0].id or 0)
    with pytest.raises(ValidationError, match=r"refund of \$60.00 is more than the client's credit.*only \$50.00"):
        vault.billing.refund(Refund(client_id, 6_000, TODAY), today=TODAY)
    refund = vault.billing.refund(Refund(client_id, 5_000, TODAY, reference="check 1001"), today=TODAY)
    assert vault.billing.balance(client_id).net_cents == 0
    assert vault.billing.charge(charge_id).due_cents == 0
    with pytest.raises(ValidationError, match="no credit"):
        vault.billing.refund(Refund(client_id, 1, TODAY), today=TODAY)
    assert refund.id is not None
    vault.billing.reverse_refund(refund.id, "check never cashed", today=TODAY)
    assert vault.billing.balance(client_id).net_cents == -5_000
    with pytest.raises(ValidationError, match="already reversed"):
        vault.billing.reverse_refund(refund.id, today=TODAY)
    _identity(vault, client_id)


def test_a_refund_to_a_payer_comes_only_out_of_that_payers_credit(vault: Vault) -> None:
    aetna = _payer(vault)
    client_id = _insured(vault, aetna)
    _charge(vault, client_id)
    vault.billing.record_payment(Payment(client_id, DOS, 3_000, PaymentMethod.INSURANCE, aetna), today=TODAY)
    _client_pays(vault, client_id, 1_000)
    with pytest.raises(ValidationError, match=r"more than Aetna's credit: Aetna has only \$30.00"):
        vault.billing.refund(Refund(client_id, 3_500, TODAY, payer_id=aetna), today=TODAY)
    vault.billing.refund(Refund(client_id, 3_000, TODAY, payer_id=aetna), today=TODAY)
    assert vault.billing.party_credit(client_id, aetna) == 0
    assert vault.billing.party_credit(client_id, None) == 1_000
    # Refunded money is never applied to a charge afterwards.
    insurer_payment = next(p for p in vault.billing.payments(client_id) if p.payer_id == aetna)
    assert vault.billing.auto_allocate(insurer_payment.id or 0) == []
    with pytest.raises(ValidationError, match="refunded; reverse the refund first"):
        vault.billing.void_payment(insurer_payment.id or 0, "bounced")
    _identity(vault, client_id)


def test_voiding_a_charge_reverses_its_adjustments(vault: Vault) -> None:
    client_id = _client(vault)
    charge_id = _charge(vault, client_id, insured=False)
    vault.billing.write_off(charge_id, 2_000, WriteOffReason.SMALL_BALANCE, today=TODAY)
    vault.billing.void_charge(charge_id, "wrong client")
    assert vault.billing.balance(client_id).net_cents == 0
    assert [a.reversed_by is not None or a.reversal for a in vault.billing.adjustments(client_id)] == [True, True]
    _identity(vault, client_id)


# -- copays, visits, aging, unpaid lines ---------------------------------------------------------


def test_visits_used_count_per_policy(vault: Vault) -> None:
    aetna, cigna = _payer(vault), _payer(vault, "Cigna")
    client_id = _insured(vault, aetna)
    vault.clients.add_diagnosis(client_id, "F41.1")
    _session(vault, client_id, date(2025, 2, 3))
    old = vault.billing.coverages(client_id)[0]
    vault.billing.end_coverage(old.id or 0, date(2025, 2, 28))
    new = vault.billing.add_coverage(
        Coverage(client_id, cigna, "C9", date(2025, 3, 1), authorization_number="B2", authorized_visits=5),
        today=TODAY,
    )
    _session(vault, client_id, date(2025, 3, 3))
    _session(vault, client_id, date(2025, 3, 10))
    assert vault.billing.visits_used(old.id or 0) == 1
    assert vault.billing.visits_used(new.id or 0) == 2


def test_aging_buckets_split_client_and_insurance_and_match_the_balances(vault: Vault) -> None:
    aetna = _payer(vault)
    insured = _insured(vault, aetna, copay=2_000)
    _charge(vault, insured, 14_000, day=date(2025, 3, 20))  # 11 days: 0-30
    self_pay = _client(vault, "Ben")
    _charge(vault, self_pay, 10_000, day=date(2025, 1, 15), insured=False)  # 75 days: 61-90
    _client_pays(vault, self_pay, 2_500)  # unapplied: credit
    aging = vault.billing.aging(TODAY)
    assert aging.client_totals == [2_000, 0, 10_000, 0]
    assert aging.insurance_totals == [12_000, 0, 0, 0]
    assert aging.credit_cents == 2_500
    balances = vault.billing.balances([insured, self_pay])
    assert aging.net_cents == sum(b.net_cents for b in balances.values())
    unpaid = vault.billing.unpaid_insurance_lines(TODAY, older_than_days=7)
    assert [(u.client_id, u.payer_name, u.due_cents) for u in unpaid] == [(insured, "Aetna", 14_000)]
    assert vault.billing.unpaid_insurance_lines(TODAY, older_than_days=30) == []


# -- the identity over random sequences ----------------------------------------------------------

MONEY = st.integers(min_value=1, max_value=30_000)
OPS = st.lists(
    st.one_of(
        st.tuples(st.just("charge"), MONEY, st.booleans()),
        st.tuples(st.just("pay"), MONEY, st.booleans()),
        st.tuples(st.just("eob"), st.integers(0, 9), st.integers(0, 100), st.integers(0, 100)),
        st.tuples(st.just("adjust"), st.integers(0, 9), MONEY),
        st.tuples(st.just("write-off"), st.integers(0, 9), MONEY),
        st.tuples(st.just("refund"), MONEY, st.booleans()),
        st.tuples(st.just("reverse"), st.integers(0, 20)),
        st.tuples(st.just("void"), st.integers(0, 20)),
    ),
    min_size=1,
    max_size=14,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_the_identity_holds_and_nothing_is_allocated_beyond_a_payment_or_a_charge(
    vault: Vault, ops: list[tuple[object, ...]]
) -> None:
    billing = vault.billing
    payer_id = next((p.id for p in billing.payers() if p.name == "Aetna"), None) or _payer(vault)
    client_id = _insured(vault, payer_id, copay=2_000, first=f"P{len(vault.caseload.ids())}")
    charges: list[int] = []
    reversible: list[tuple[str, int]] = []
    refusals: list[str] = []
    for op in ops:
        try:
            if op[0] == "charge":
                day = date(2025, 1, 1 + len(charges) % 28)
                charges.append(_charge(vault, client_id, int(op[1]), day=day, insured=bool(op[2])))  # type: ignore[call-overload]
            elif op[0] == "pay":
                payment = billing.record_payment(
                    Payment(client_id, DOS, int(op[1]), PaymentMethod.INSURANCE if op[2] else PaymentMethod.CASH,  # type: ignore[call-overload]
                            payer_id if op[2] else None), today=TODAY)  # fmt: skip
                billing.auto_allocate(payment.id or 0)
            elif op[0] == "eob" and charges:
                charge = billing.charge(charges[int(op[1]) % len(charges)])  # type: ignore[call-overload]
                allowed = charge.fee_cents * int(op[2]) // 100  # type: ignore[call-overload]
                paid = allowed * int(op[3]) // 100  # type: ignore[call-overload]
                line = EobLine(charge.id, allowed, paid, deductible_cents=allowed - paid)
                posted = billing.post_eob(Eob(payer_id, TODAY, paid, (line,)), today=TODAY)
                reversible.append(("eob", posted.id or 0))
            elif op[0] in ("adjust", "write-off") and charges:
                charge_id = charges[int(op[1]) % len(charges)]  # type: ignore[call-overload]
                if op[0] == "adjust":
                    made = billing.adjust(charge_id, int(op[2]), today=TODAY)  # type: ignore[call-overload]
                else:
                    made = billing.write_off(charge_id, int(op[2]), WriteOffReason.BAD_DEBT, today=TODAY)  # type: ignore[call-overload]
                reversible.append(("adjustment", made.id or 0))
            elif op[0] == "refund":
                party = payer_id if op[2] else None
                refund = billing.refund(Refund(client_id, int(op[1]), TODAY, payer_id=party), today=TODAY)  # type: ignore[call-overload]
                reversible.append(("refund", refund.id or 0))
            elif op[0] == "reverse" and reversible:
                kind, row_id = reversible[int(op[1]) % len(reversible)]  # type: ignore[call-overload]
                if kind == "eob":
                    billing.reverse_eob(row_id, "error", today=TODAY)
                elif kind == "adjustment":
                    billing.reverse_adjustment(row_id, today=TODAY)
                else:
                    billing.reverse_refund(row_id, today=TODAY)
            elif op[0] == "void" and charges:
                billing.void_charge(charges[int(op[1]) % len(charges)], "error")  # type: ignore[call-overload]
        except ValidationError as refused:
            refusals.append(str(refused))
        _identity(vault, client_id)
    assert all(sentence.endswith(".") for sentence in refusals), refusals
    db = vault.db
    assert db.execute("SELECT count(*) FROM charges WHERE paid_cents + adjusted_cents > fee_cents").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM payments WHERE allocated_cents > amount_cents").fetchone()[0] == 0
    over = db.execute(
        "SELECT count(*) FROM charges c WHERE paid_cents <> (SELECT coalesce(sum(amount_cents), 0) FROM allocations a "
        "WHERE a.charge_id = c.id AND a.released_at IS NULL) OR adjusted_cents <> (SELECT coalesce(sum(CASE WHEN "
        "reverses_id IS NULL THEN amount_cents ELSE -amount_cents END), 0) FROM adjustments j WHERE j.charge_id = c.id)"
    ).fetchone()[0]
    assert over == 0
    for party in (None, payer_id):
        assert billing.party_credit(client_id, party) >= 0
    # Practice-wide: the aging's net equals the sum of every client's balance.
    ids = vault.caseload.ids()
    assert billing.aging(TODAY).net_cents == sum(b.net_cents for b in billing.balances(ids).values())
