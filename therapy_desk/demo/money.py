"""Coverage and payments for the demo practice: who pays, and when the money came in.

Part of the demo vault (demo/builder.py). Insured clients pay their copay at the session and the insurer
pays the rest once a month, one to four weeks after the month ends (so the latest claims are still owed);
self-pay clients mostly pay at the session. What was not paid at the session is mostly settled by check
from the monthly statement, or left owing. Pure: choices come from the `random.Random` passed in.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from therapy_desk.demo.people import NamePool, birth_date, pick_name
from therapy_desk.domain.billing import (
    Coverage,
    Payer,
    PayerKind,
    Payment,
    PaymentMethod,
    Relationship,
)
from therapy_desk.domain.claims import insurance_type_for
from therapy_desk.domain.clients import AdministrativeSex, Client

# Invented insurers: names, addresses and payer IDs belong to no real company.
PAYERS: tuple[tuple[Payer, int, str], ...] = (
    (
        Payer("Cascade Mutual Health", PayerKind.COMMERCIAL, "CMH01", "400 Harbor Way", "Portland", "OR", "97204",
              "(503) 555-0110"),
        25,
        "CMH",
    ),
    (
        Payer("Evergreen Shield Insurance", PayerKind.COMMERCIAL, "EVS22", "1200 Summit Plaza", "Seattle", "WA",
              "98101", "(206) 555-0121"),
        20,
        "EVS",
    ),
    (
        Payer("Northwind Health Partners", PayerKind.COMMERCIAL, "NWH07", "77 Meridian Court", "Boise", "ID",
              "83702", "(208) 555-0133"),
        15,
        "NWH",
    ),
    (
        Payer("Riverbend Community Care (Medicaid plan)", PayerKind.MEDICAID, "RBC90", "15 Mill Street", "Salem",
              "OR", "97301", "(503) 555-0144"),
        15,
        "RBC",
    ),
    (
        Payer("Lighthouse Employee Assistance Program", PayerKind.EAP, "LEAP3", "9 Beacon Road", "Portland", "OR",
              "97209", "(503) 555-0155"),
        8,
        "EAP",
    ),
)  # fmt: skip
_PAYER_WEIGHTS = [weight for _, weight, _ in PAYERS]
EAP_VISITS = 6


@dataclass(frozen=True)
class Billing:
    """How one billed client pays: their coverage (none: self-pay)."""

    payer_id: int | None
    payer_kind: PayerKind | None
    copay_cents: int

    @property
    def insured(self) -> bool:
        return self.payer_id is not None


SELF_PAY = Billing(None, None, 0)


@dataclass(frozen=True)
class ChargeLine:
    """A stored charge, as the payment plan needs it."""

    charge_id: int
    date_of_service: date
    fee_cents: int
    insurable: bool
    next_visit: date  # when a missed-appointment fee can be paid


def choose_coverage(
    rng: random.Random,
    client: Client,
    pool: NamePool,
    payer_ids: list[int],
    intake: date,
    today: date,
    *,
    insured_share: float = 0.7,
    latin_name: tuple[str, str] | None = None,
) -> tuple[Coverage | None, Billing]:
    """A policy for `client` (saved, with an id) about `insured_share` of the time, or self-pay. A client
    whose name is in another script has it on the card in Latin letters (`latin_name`: first, last), and
    so do their family's subscribers."""
    if rng.random() >= insured_share:
        return None, SELF_PAY
    index = rng.choices(range(len(PAYERS)), _PAYER_WEIGHTS)[0]
    payer, _, prefix = PAYERS[index]
    assert client.id is not None
    kind = payer.kind
    copay = rng.choice((2000, 2500, 3000, 4000)) if kind is PayerKind.COMMERCIAL else 0
    age = (intake - client.dob).days // 365
    relationship = Relationship.SELF
    subscriber: dict[str, object] = {}
    card_first, card_last = latin_name or ("", "")
    if (card_first, card_last) == (client.legal_first, client.legal_last):
        card_first = card_last = ""
    # The subscriber (a parent or spouse) lives at the client's address.
    household = {
        "subscriber_street": client.street,
        "subscriber_city": client.city,
        "subscriber_state": client.state,
        "subscriber_zip": client.zip,
        "subscriber_phone": client.phone,
    }
    if kind is not PayerKind.EAP and age < 26 and rng.random() < 0.6:
        relationship = Relationship.CHILD
        sex = AdministrativeSex.FEMALE if rng.random() < 0.5 else AdministrativeSex.MALE
        _, _, first, _ = pick_name(rng, pool, sex)
        subscriber = {
            "subscriber_first": first,
            "subscriber_last": card_last or client.legal_last,
            "subscriber_dob": birth_date(rng, client.dob, 22, 38),
            "subscriber_sex": sex,
            **household,
        }
    elif kind is PayerKind.COMMERCIAL and rng.random() < 0.12:
        relationship = Relationship.SPOUSE
        sex = AdministrativeSex.FEMALE if rng.random() < 0.5 else AdministrativeSex.MALE
        _, _, first, last = pick_name(rng, pool, sex)
        subscriber = {
            "subscriber_first": first,
            "subscriber_last": last if rng.random() < 0.4 else card_last or client.legal_last,
            "subscriber_dob": birth_date(rng, today, max(age - 5, 20), age + 8),
            "subscriber_sex": sex,
            **household,
        }
    authorization: dict[str, object] = {}
    if kind is PayerKind.EAP:
        authorization = {
            "authorization_number": f"EAP-{rng.randrange(100000, 999999)}",
            "authorized_visits": EAP_VISITS,
            "authorization_start": intake,
            "authorization_end": intake + timedelta(days=180),
        }
    coverage = Coverage(
        client_id=client.id,
        payer_id=payer_ids[index],
        member_id=f"{prefix}{rng.randrange(10**8, 10**9)}",
        start_date=intake - timedelta(days=rng.randrange(30, 1500)),
        relationship=relationship,
        group_number=f"GRP-{rng.randrange(1000, 99999)}" if kind is PayerKind.COMMERCIAL else "",
        copay_cents=copay,
        insurance_type=insurance_type_for(kind),
        card_first=card_first,
        card_last=card_last,
        # Signed at intake with the rest of the paperwork (CMS-1500 boxes 12 and 13).
        release_signed_on=intake,
        assignment_signed_on=intake,
        **subscriber,  # type: ignore[arg-type]
        **authorization,  # type: ignore[arg-type]
    )
    return coverage, Billing(payer_ids[index], kind, copay)


def _month_end(day: date) -> date:
    first_next = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def payments_for(
    rng: random.Random,
    client_id: int,
    billing: Billing,
    sessions: list[ChargeLine],
    missed: list[ChargeLine],
    today: date,
) -> list[tuple[Payment, list[tuple[int, int]]]]:
    """The payments one client's charges drew, each with its allocations, in the order received."""
    made: list[tuple[date, int, Payment, list[tuple[int, int]]]] = []
    unpaid_by_month: dict[date, list[tuple[int, int]]] = {}
    for line in sessions:
        at_session = billing.copay_cents if billing.insured else line.fee_cents
        if at_session > 0 and rng.random() < (0.93 if billing.insured else 0.88):
            method = rng.choices((PaymentMethod.CARD, PaymentMethod.CASH, PaymentMethod.CHECK), (70, 10, 20))[0]
            made.append(
                (line.date_of_service, len(made), Payment(client_id, line.date_of_service, at_session, method),
                 [(line.charge_id, at_session)])
            )  # fmt: skip
        elif at_session > 0:  # settled later from the monthly statement, or left owing
            unpaid_by_month.setdefault(_month_end(line.date_of_service), []).append((line.charge_id, at_session))
    if billing.insured:
        assert billing.payer_id is not None
        by_month: dict[date, list[tuple[int, int]]] = {}
        for line in sessions:
            share = line.fee_cents - billing.copay_cents
            if line.insurable and share > 0:
                by_month.setdefault(_month_end(line.date_of_service), []).append((line.charge_id, share))
        for month_end, lines in sorted(by_month.items()):
            received = month_end + timedelta(days=rng.randrange(7, 25))
            if received < today:
                payment = Payment(
                    client_id,
                    received,
                    sum(cents for _, cents in lines),
                    PaymentMethod.INSURANCE,
                    payer_id=billing.payer_id,
                    reference=f"EFT {rng.randrange(10**7, 10**8)}",
                )
                made.append((received, len(made), payment, lines))
    for month_end, lines in sorted(unpaid_by_month.items()):
        received = month_end + timedelta(days=rng.randrange(8, 25))
        if received < today and rng.random() < 0.75:
            reference = f"Check {rng.randrange(1000, 9999)}"
            payment = Payment(client_id, received, sum(c for _, c in lines), PaymentMethod.CHECK, reference=reference)
            made.append((received, len(made), payment, lines))
    for line in missed:
        if rng.random() < 0.5 and line.next_visit < today:
            made.append(
                (line.next_visit, len(made), Payment(client_id, line.next_visit, line.fee_cents, PaymentMethod.CARD),
                 [(line.charge_id, line.fee_cents)])
            )  # fmt: skip
    made.sort(key=lambda item: (item[0], item[1]))
    return [(payment, allocations) for _, _, payment, allocations in made]
