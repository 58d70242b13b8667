from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from therapy_desk.domain import validation as v
from therapy_desk.errors import ValidationError


def _luhn_ok(digits: str) -> bool:
    """Textbook Luhn over the full 15-digit number 80840 + NPI (an independent oracle)."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        digit = int(char)
        if index % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def test_npi_from_the_cms_example_is_valid_and_its_neighbour_is_not() -> None:
    assert v.check_npi("1234567893") == "1234567893"
    with pytest.raises(ValidationError, match="check digit") as err:
        v.check_npi("1234567890")
    assert err.value.field == "npi"


@given(st.from_regex(r"[12][0-9]{9}", fullmatch=True))
def test_npi_check_digit_agrees_with_luhn_over_the_80840_prefix(npi: str) -> None:
    assert v.npi_check_digit_ok(npi) == _luhn_ok("80840" + npi)


@given(st.from_regex(r"[12][0-9]{8}", fullmatch=True))
def test_exactly_one_check_digit_completes_each_npi_prefix(prefix: str) -> None:
    assert sum(v.npi_check_digit_ok(prefix + str(d)) for d in range(10)) == 1


@pytest.mark.parametrize(
    ("value", "message"),
    [("123456789", "10 digits"), ("3234567893", "not a valid NPI"), ("12345abc93", "10 digits")],
)
def test_bad_npis_are_refused_with_a_sentence(value: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        v.check_npi(value)


@pytest.mark.parametrize(
    ("value", "expected"), [("10001", "10001"), ("10001-1234", "10001-1234"), ("100011234", "10001-1234")]
)
def test_zip_and_zip_plus_four_are_normalised(value: str, expected: str) -> None:
    assert v.check_zip(value) == expected


@pytest.mark.parametrize("value", ["1000", "10001-12", "ABCDE", ""])
def test_malformed_zip_is_refused(value: str) -> None:
    with pytest.raises(ValidationError, match="ZIP"):
        v.check_zip(value)


def test_claims_can_require_zip_plus_four() -> None:
    with pytest.raises(ValidationError, match="ZIP\\+4"):
        v.check_zip("10001", require_plus4=True)


def test_state_codes_are_checked_and_upper_cased() -> None:
    assert v.check_state("ny") == "NY"
    with pytest.raises(ValidationError, match="not a US state"):
        v.check_state("XX")


@pytest.mark.parametrize(
    ("value", "expected"), [("555-201-3344", "(555) 201-3344"), ("+1 555 201 3344", "(555) 201-3344")]
)
def test_phone_numbers_are_normalised(value: str, expected: str) -> None:
    assert v.check_phone(value) == expected


@pytest.mark.parametrize("value", ["201-3344", "055-201-3344", "555-201-33445"])
def test_incomplete_phone_numbers_are_refused(value: str) -> None:
    with pytest.raises(ValidationError, match="10 digits"):
        v.check_phone(value)


def test_email_needs_a_domain() -> None:
    assert v.check_email(" dr@example.org ") == "dr@example.org"
    with pytest.raises(ValidationError, match=r"name@example\.com"):
        v.check_email("dr@example")


def test_tax_ids_are_formatted_by_kind() -> None:
    assert v.check_tax_id("123456789", "EIN") == "12-3456789"
    assert v.check_tax_id("123456789", "SSN") == "123-45-6789"
    with pytest.raises(ValidationError, match="9 digits"):
        v.check_tax_id("12345", "EIN")
