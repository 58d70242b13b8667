"""Billing rules: codes from minutes, add-on pairing, money, allocation plans, payers and coverage."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from therapy_desk.domain.billing import (
    ADDON_PRIMARIES,
    Coverage,
    Payer,
    Payment,
    PaymentMethod,
    Relationship,
    check_addons,
    check_cents,
    check_modifiers,
    check_pointers,
    check_same_day,
    crisis_codes,
    format_cents,
    oldest_first,
    parse_dollars,
    plan_allocations,
    psychotherapy_code,
)
from therapy_desk.domain.clients import AdministrativeSex, Client
from therapy_desk.domain.codes import SEED_FEES, SEED_SERVICES, ServiceCode, is_claim_code
from therapy_desk.errors import ValidationError

TODAY = date(2025, 3, 14)
CLIENT = Client("Ana", "Lopez", date(1990, 1, 2), sex=AdministrativeSex.FEMALE, id=7)


# -- CPT time bands ------------------------------------------------------------------------------


def _expected_band(minutes: int) -> str | None:
    """DOMAIN.md's table, written independently of the code under test."""
    bands = [(16, 37, "90832"), (38, 52, "90834"), (53, 10_000, "90837")]
    return next((code for low, high, code in bands if low <= minutes <= high), None)


def test_every_minute_from_0_to_300_maps_to_its_psychotherapy_code() -> None:
    for minutes in range(301):
        assert psychotherapy_code(minutes) == _expected_band(minutes), minutes


@pytest.mark.parametrize(
    ("minutes", "code"),
    [(15, None), (16, "90832"), (37, "90832"), (38, "90834"), (52, "90834"), (53, "90837"), (0, None)],
)
def test_psychotherapy_code_boundaries(minutes: int, code: str | None) -> None:
    assert psychotherapy_code(minutes) == code


def test_under_16_minutes_is_not_billable_as_psychotherapy() -> None:
    assert all(psychotherapy_code(m) is None for m in range(16))


@pytest.mark.parametrize("minutes", [-1, -60])
def test_negative_session_minutes_are_refused(minutes: int) -> None:
    with pytest.raises(ValidationError) as err:
        psychotherapy_code(minutes)
    assert err.value.field == "minutes"
    with pytest.raises(ValidationError):
        crisis_codes(minutes)


@pytest.mark.parametrize(
    ("minutes", "codes"),
    [
        (29, []),
        (30, ["90839"]),
        (74, ["90839"]),
        (75, ["90839", "90840"]),
        (104, ["90839", "90840"]),
        (105, ["90839", "90840", "90840"]),
        (135, ["90839", "90840", "90840", "90840"]),
    ],
)
def test_crisis_psychotherapy_codes_follow_the_time_rules(minutes: int, codes: list[str]) -> None:
    assert crisis_codes(minutes) == codes


# -- add-ons and same-day rules ------------------------------------------------------------------


@pytest.mark.parametrize("primary", ["90791", "90832", "90834", "90837", "90853"])
def test_interactive_complexity_is_accepted_with_its_primaries(primary: str) -> None:
    check_addons([primary, "90785"])


@pytest.mark.parametrize("codes", [["90785"], ["90785", "90839"], ["90785", "90846"], ["90840"], ["90840", "90837"]])
def test_add_on_without_its_primary_is_refused(codes: list[str]) -> None:
    with pytest.raises(ValidationError, match="add-on") as err:
        check_addons(codes)
    assert err.value.field == "service_code"


CODES = st.sampled_from(["90785", "90791", "90832", "90834", "90837", "90839", "90840", "90846", "90853", "96127"])


@given(st.lists(CODES, max_size=6))
def test_add_ons_pass_exactly_when_each_has_a_primary(codes: list[str]) -> None:
    ok = all(code not in ADDON_PRIMARIES or ADDON_PRIMARIES[code] & set(codes) for code in codes)
    if ok:
        check_addons(codes)
    else:
        with pytest.raises(ValidationError):
            check_addons(codes)


def test_two_psychotherapy_codes_on_one_day_are_refused_unless_marked_distinct() -> None:
    with pytest.raises(ValidationError, match="total time"):
        check_same_day([("90834", ()), ("90832", ())])
    check_same_day([("90834", ()), ("90832", ("59",))])
    check_same_day([("90834", ()), ("90785", ()), ("96127", ())])


@pytest.mark.parametrize(
    "codes",
    [
        ("90791", "90834"),
        ("90837", "90791"),
        ("90791", "90839"),
        ("90839", "90834"),
        ("90834", "90846", "90785"),
    ],
)
def test_codes_kept_apart_on_one_day_are_refused_in_either_order(codes: tuple[str, ...]) -> None:
    """DOMAIN.md's same-day rules, written here independently of the catalogue: 90791 not with
    psychotherapy or crisis codes, crisis not with psychotherapy, +90785 not with family therapy."""
    lines = [(code, ()) for code in codes]
    for ordered in (lines, lines[::-1]):
        with pytest.raises(ValidationError, match="not billed for one client on the same day"):
            check_same_day(ordered)


# -- modifiers, pointers, money ------------------------------------------------------------------


def test_modifiers_are_normalised_and_limited_to_four_known_distinct_ones() -> None:
    assert check_modifiers([" 95", "hj", ""]) == ("95", "HJ")
    for bad in (["95", "93", "GT", "59", "HO"], ["XX"], ["95", "95"]):
        with pytest.raises(ValidationError) as err:
            check_modifiers(bad)
        assert err.value.field == "modifiers"


def test_diagnosis_pointers_are_one_to_four_distinct_and_required_for_insurance() -> None:
    assert check_pointers([3, 1], billable_to_insurance=True) == (3, 1)
    assert check_pointers([], billable_to_insurance=False) == ()
    for bad, insurable in (([], True), ([1, 2, 3, 4, 5], True), ([2, 2], False)):
        with pytest.raises(ValidationError) as err:
            check_pointers(bad, billable_to_insurance=insurable)
        assert err.value.field == "diagnosis_ids"


@pytest.mark.parametrize("amount", [-1, -10_000, 1.5, True, 100_000_001])
def test_negative_fractional_or_absurd_amounts_are_refused(amount: int) -> None:
    with pytest.raises(ValidationError) as err:
        check_cents(amount, "fee_cents", label="The fee")
    assert err.value.field == "fee_cents"
    assert "fee" in str(err.value).lower()


def test_zero_is_refused_where_an_amount_must_be_positive() -> None:
    assert check_cents(0, "copay_cents") == 0
    with pytest.raises(ValidationError, match="above zero"):
        check_cents(0, "amount_cents", allow_zero=False)


@given(st.integers(min_value=-(10**9), max_value=10**9))
def test_formatted_cents_parse_back_to_the_same_amount(cents: int) -> None:
    assert parse_dollars(format_cents(cents)) == cents


@pytest.mark.parametrize(("text", "cents"), [("$1,234.50", 123450), ("12", 1200), ("0.5", 50), (".07", 7)])
def test_dollars_are_parsed_to_cents(text: str, cents: int) -> None:
    assert parse_dollars(text) == cents


@pytest.mark.parametrize("text", ["", "abc", "1.234", "$", "1.2.3"])
def test_text_that_is_not_money_is_refused(text: str) -> None:
    with pytest.raises(ValidationError):
        parse_dollars(text)


# -- allocation plans ----------------------------------------------------------------------------

DUES = st.dictionaries(st.integers(1, 20), st.integers(1, 50_000), max_size=8)


@given(st.integers(0, 200_000), DUES)
def test_oldest_first_never_exceeds_the_payment_or_any_charge(left: int, dues: dict[int, int]) -> None:
    plan = oldest_first(left, dues.items())
    assert sum(cents for _, cents in plan) == min(left, sum(dues.values()))
    assert all(0 < cents <= dues[charge_id] for charge_id, cents in plan)
    # oldest first: every charge before the last one touched is paid in full
    for charge_id, cents in plan[:-1]:
        assert cents == dues[charge_id]


@given(
    st.integers(0, 100_000),
    DUES,
    st.lists(st.tuples(st.integers(0, 22), st.integers(-100, 60_000)), max_size=6),
)
def test_allocation_plans_are_accepted_only_when_nothing_is_over_allocated_or_over_paid(
    left: int, dues: dict[int, int], requests: list[tuple[int, int]]
) -> None:
    merged: dict[int, int] = {}
    for charge_id, cents in requests:
        merged[charge_id] = merged.get(charge_id, 0) + cents
    valid = (
        all(cents > 0 and charge_id in dues for charge_id, cents in requests)
        and all(cents <= dues[charge_id] for charge_id, cents in merged.items())
        and sum(merged.values()) <= left
    )
    if valid:
        assert dict(plan_allocations(left, requests, dues)) == merged
    else:
        with pytest.raises(ValidationError):
            plan_allocations(left, requests, dues)


def test_allocating_exactly_what_is_left_is_accepted_and_one_cent_more_is_refused() -> None:
    assert plan_allocations(1000, [(1, 400), (2, 600)], {1: 400, 2: 5000}) == [(1, 400), (2, 600)]
    with pytest.raises(ValidationError, match="over-allocated"):
        plan_allocations(1000, [(1, 400), (2, 601)], {1: 400, 2: 5000})
    with pytest.raises(ValidationError, match="over-paid"):
        plan_allocations(1000, [(1, 401)], {1: 400})


def test_over_allocating_a_payment_names_it() -> None:
    with pytest.raises(ValidationError, match="Payment over-allocated"):
        plan_allocations(1000, [(1, 800), (2, 300)], {1: 5000, 2: 5000})
    with pytest.raises(ValidationError, match="over-paid"):
        plan_allocations(10_000, [(1, 600)], {1: 500})


# -- catalogue, payers, coverage, payments -------------------------------------------------------


def test_seeded_catalogue_uses_our_wording_and_keeps_fees_off_insurance() -> None:
    codes = {s.code: s for s in (*SEED_SERVICES, *SEED_FEES)}
    assert codes["90834"].description == "Psychotherapy, 45 min"
    assert codes["90785"].is_addon
    assert codes["90840"].is_addon
    assert not codes["NOSHOW"].billable_to_insurance
    assert not codes["LATECX"].billable_to_insurance
    assert all(s.validated() == s for s in codes.values())


def test_only_cpt_or_hcpcs_shaped_codes_can_go_to_insurance() -> None:
    assert is_claim_code("90834")
    assert is_claim_code("H0004")
    assert is_claim_code("0362T")
    assert not is_claim_code("NOSHOW")
    with pytest.raises(ValidationError) as err:
        ServiceCode("ADMIN", "Letter writing", None, 5000).validated()
    assert err.value.field == "billable_to_insurance"
    with pytest.raises(ValidationError) as err:
        ServiceCode("90834", "Psychotherapy", 45, -1).validated()
    assert err.value.field == "default_fee_cents"


def test_payer_is_normalised_and_refuses_a_bad_address() -> None:
    payer = Payer(" Blue Plan ", electronic_id=" bc123 ", state="ny", zip="10013", phone="2125550100").validated()
    assert (payer.name, payer.electronic_id, payer.state, payer.phone) == ("Blue Plan", "BC123", "NY", "(212) 555-0100")
    for field, bad in (("name", " "), ("zip", "123"), ("electronic_id", "A/B")):
        with pytest.raises(ValidationError) as err:
            replace(payer, **{field: bad}).validated()  # type: ignore[arg-type]
        assert err.value.field == field


GOOD_COVERAGE = Coverage(client_id=7, payer_id=1, member_id="xyz 123", start_date=date(2025, 1, 1))


def test_self_coverage_takes_the_client_as_subscriber() -> None:
    clean = GOOD_COVERAGE.validated(CLIENT, TODAY)
    assert clean.member_id == "XYZ 123"
    assert (clean.subscriber_first, clean.subscriber_last, clean.subscriber_dob, clean.subscriber_sex) == (
        "Ana",
        "Lopez",
        date(1990, 1, 2),
        AdministrativeSex.FEMALE,
    )


def test_self_coverage_with_someone_else_as_subscriber_is_refused() -> None:
    with pytest.raises(ValidationError) as err:
        replace(GOOD_COVERAGE, subscriber_first="Marco", subscriber_last="Lopez").validated(CLIENT, TODAY)
    assert err.value.field == "relationship"


def test_dependent_coverage_needs_the_subscriber() -> None:
    child = replace(GOOD_COVERAGE, relationship=Relationship.CHILD)
    with pytest.raises(ValidationError) as err:
        child.validated(CLIENT, TODAY)
    assert err.value.field == "subscriber_last"
    with pytest.raises(ValidationError) as err:
        replace(child, subscriber_first="Marco", subscriber_last="Lopez").validated(CLIENT, TODAY)
    assert err.value.field == "subscriber_dob"
    clean = replace(child, subscriber_first="Marco", subscriber_last="Lopez", subscriber_dob=date(1960, 5, 5))
    assert clean.validated(CLIENT, TODAY).subscriber_first == "Marco"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"member_id": "  "}, "member_id"),
        ({"end_date": date(2024, 12, 31)}, "end_date"),
        ({"copay_cents": -500}, "copay_cents"),
        ({"authorized_visits": 12}, "authorization_number"),
        (
            {
                "authorization_number": "A1",
                "authorization_start": date(2025, 2, 1),
                "authorization_end": date(2025, 1, 1),
            },
            "authorization_end",
        ),
        ({"authorization_number": "A1", "authorized_visits": -1}, "authorized_visits"),
    ],
)
def test_bad_coverage_is_refused_naming_the_field(change: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as err:
        replace(GOOD_COVERAGE, **change).validated(CLIENT, TODAY)  # type: ignore[arg-type]
    assert err.value.field == field


def test_coverage_covers_its_dates_inclusive() -> None:
    coverage = replace(GOOD_COVERAGE, end_date=date(2025, 6, 30))
    assert coverage.covers(date(2025, 1, 1))
    assert coverage.covers(date(2025, 6, 30))
    assert not coverage.covers(date(2024, 12, 31))
    assert not coverage.covers(date(2025, 7, 1))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount_cents": -100}, "amount_cents"),
        ({"amount_cents": 0}, "amount_cents"),
        ({"received_on": date(2025, 3, 15)}, "received_on"),
        ({"method": PaymentMethod.INSURANCE}, "payer_id"),
    ],
)
def test_bad_payments_are_refused(change: dict[str, object], field: str) -> None:
    payment = Payment(client_id=7, received_on=TODAY, amount_cents=5000, method=PaymentMethod.CARD)
    with pytest.raises(ValidationError) as err:
        replace(payment, **change).validated(TODAY)  # type: ignore[arg-type]
    assert err.value.field == field
