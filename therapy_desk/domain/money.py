"""Money in integer cents: checking an amount, showing it in dollars, reading what a user typed."""

from __future__ import annotations

import re

from therapy_desk.domain.codes import MAX_FEE_CENTS
from therapy_desk.errors import ValidationError

_DOLLARS = re.compile(r"(-)?\$?(\d*)(?:\.(\d{1,2}))?")


def check_cents(amount: int, field: str, *, allow_zero: bool = True, label: str = "The amount") -> int:
    """Whole, non-negative cents (and above zero unless `allow_zero`), up to $1,000,000.00."""
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise ValidationError(f"{label} must be whole cents.", field)
    if amount < 0:
        raise ValidationError(f"{label} cannot be negative.", field)
    if amount == 0 and not allow_zero:
        raise ValidationError(f"{label} must be above zero.", field)
    if amount > MAX_FEE_CENTS:
        raise ValidationError(f"{label} is above $1,000,000.00; check the amount.", field)
    return amount


def format_cents(amount: int) -> str:
    sign = "-" if amount < 0 else ""
    dollars, cents = divmod(abs(amount), 100)
    return f"{sign}${dollars:,}.{cents:02d}"


def parse_dollars(text: str, field: str = "amount") -> int:
    """`"$1,234.50"` -> 123450. Refuses fractions of a cent and anything that is not a number."""
    match = _DOLLARS.fullmatch(text.strip().replace(",", ""))
    if not match or not (match.group(2) or match.group(3)):
        raise ValidationError(f"{text.strip() or 'An empty value'} is not an amount in dollars and cents.", field)
    sign, whole, frac = match.groups()
    cents = int(whole or "0") * 100 + int((frac or "").ljust(2, "0"))
    return -cents if sign else cents
