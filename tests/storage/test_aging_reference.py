"""`aging()` sums in SQL what the domain rule `split_due` says charge by charge: over random practices
(copays collected in part, insurers' payments applied by hand, EOBs posted and reversed, charges of every
age), its rows equal a reference built from each owing charge with `split_due`."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.storage.test_ledger import TODAY, _charge, _charges_without_notes, _insured, _payer
from therapy_desk.domain.billing import Payment, PaymentMethod
from therapy_desk.domain.ledger import Aging, AgingRow, Eob, EobLine, split_due
from therapy_desk.errors import ValidationError
from therapy_desk.storage.vault import Vault

__all__ = ["_charges_without_notes"]  # the autouse fixture: charges without signed notes


def reference_aging(vault: Vault, as_of: date) -> Aging:
    """Aging charge by charge with the store's own per-charge reads and the domain's `split_due`."""
    billing = vault.billing
    owing = billing._owing()
    insured = [r for r in owing if r[4] is not None and not r[5]]
    copays = billing._copays([r[4] for r in insured])
    collected = billing._collected([r[0] for r in insured])
    rows: dict[int, AgingRow] = {}
    for charge_id, client_id, dos, due, coverage, posted, _code, fee in owing:
        copay = copays[coverage][0] if coverage is not None and not posted else 0
        left = min(copay, fee) - collected.get(charge_id, 0)
        client, insurance = split_due(due, insured=coverage is not None, eob_posted=bool(posted), copay_left_cents=left)
        rows.setdefault(client_id, AgingRow(client_id)).add((as_of - date.fromisoformat(dos)).days, client, insurance)
    for client_id, credit in billing._credits().items():
        rows.setdefault(client_id, AgingRow(client_id)).credit_cents = credit
    return Aging(as_of, tuple(rows[c] for c in sorted(rows)))


MONEY = st.integers(min_value=100, max_value=20_000)
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("charge"), MONEY, st.booleans(), st.integers(0, 150)),
        st.tuples(st.just("client pays"), st.integers(0, 9), st.integers(1, 4_000)),
        st.tuples(st.just("insurer pays"), st.integers(0, 9), st.integers(1, 9_000)),
        st.tuples(st.just("eob"), st.integers(0, 9), st.integers(0, 100)),
        st.tuples(st.just("reverse eob"), st.integers(0, 9)),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS, copay=st.sampled_from([0, 2_000, 5_000]))
@example(steps=[("charge", 14_000, True, 10), ("client pays", 0, 1_000), ("insurer pays", 0, 3_000)], copay=2_000)
@example(steps=[("charge", 14_000, True, 40), ("client pays", 0, 500), ("eob", 0, 50), ("reverse eob", 0)], copay=5_000)
@example(steps=[("charge", 9_000, False, 70), ("charge", 14_000, True, 100), ("eob", 1, 100)], copay=2_000)
def test_aging_equals_split_due_charge_by_charge(vault: Vault, steps: list[tuple[object, ...]], copay: int) -> None:
    billing = vault.billing
    payer_id = next((p.id for p in billing.payers() if p.name == "Aetna"), None) or _payer(vault)
    client_id = _insured(vault, payer_id, copay=copay, first=f"R{len(vault.caseload.ids())}")
    charges: list[int] = []
    posted: list[int] = []
    for step in steps:
        kind, *args = step
        try:
            if kind == "charge":
                fee, insured, age = (int(a) for a in args)  # type: ignore[call-overload]
                day = max(date(2025, 1, 1), TODAY - timedelta(days=age))
                charges.append(_charge(vault, client_id, fee, day=day, insured=bool(insured)))
            elif kind in ("client pays", "insurer pays") and charges:
                charge_id = charges[int(args[0]) % len(charges)]  # type: ignore[call-overload]
                cents = min(int(args[1]), billing.charge(charge_id).due_cents)  # type: ignore[call-overload]
                if cents:
                    insurer = kind == "insurer pays"
                    billing.record_payment(
                        Payment(client_id, TODAY, cents, PaymentMethod.INSURANCE if insurer else PaymentMethod.CARD,
                                payer_id if insurer else None),
                        [(charge_id, cents)], today=TODAY,
                    )  # fmt: skip
            elif kind == "eob" and charges:
                charge = billing.charge(charges[int(args[0]) % len(charges)])  # type: ignore[call-overload]
                allowed = charge.fee_cents * 80 // 100
                paid = allowed * int(args[1]) // 100  # type: ignore[call-overload]
                line = EobLine(charge.id, allowed, paid, coinsurance_cents=allowed - paid)
                posted.append(billing.post_eob(Eob(payer_id, TODAY, paid, (line,)), today=TODAY).id or 0)
            elif kind == "reverse eob" and posted:
                billing.reverse_eob(posted[int(args[0]) % len(posted)], "entered twice", today=TODAY)  # type: ignore[call-overload]
        except ValidationError:
            pass  # a refusal changes nothing; the comparison below still holds
    for as_of in (TODAY, TODAY + timedelta(days=45), TODAY - timedelta(days=20)):
        assert billing.aging(as_of) == reference_aging(vault, as_of)
