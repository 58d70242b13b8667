"""Amounts as a clinician types them into the payment and fee fields (`parse_dollars`, the one parser)."""

from __future__ import annotations

import pytest

from therapy_desk.domain.billing import parse_dollars
from therapy_desk.errors import ValidationError


@pytest.mark.parametrize(
    ("text", "cents"),
    [("125", 12500), ("125.00", 12500), ("$125", 12500), (" $125.5 ", 12550), ("1,250", 125000), ("$0.99", 99)],
)
def test_a_payment_typed_as_125_or_125_00_or_dollar_125_is_the_same_amount(text: str, cents: int) -> None:
    assert parse_dollars(text) == cents


@pytest.mark.parametrize("text", ["", "$", "12.345", "twelve", "12.3.4", "$ 12x"])
def test_what_is_not_an_amount_is_a_sentence_naming_the_field(text: str) -> None:
    with pytest.raises(ValidationError) as err:
        parse_dollars(text, "amount_cents")
    assert err.value.field == "amount_cents"
    assert str(err.value).endswith("is not an amount in dollars and cents.")
