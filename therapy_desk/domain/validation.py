"""Field rules shared by every store and form. Each `check_*` returns the normalised value or
raises `ValidationError` with a sentence naming the field."""

from __future__ import annotations

import re
from datetime import date, datetime

from therapy_desk.errors import ValidationError

US_STATES = frozenset(
    {
        "AL",
        "AK",
        "AZ",
        "AR",
        "CA",
        "CO",
        "CT",
        "DE",
        "DC",
        "FL",
        "GA",
        "HI",
        "ID",
        "IL",
        "IN",
        "IA",
        "KS",
        "KY",
        "LA",
        "ME",
        "MD",
        "MA",
        "MI",
        "MN",
        "MS",
        "MO",
        "MT",
        "NE",
        "NV",
        "NH",
        "NJ",
        "NM",
        "NY",
        "NC",
        "ND",
        "OH",
        "OK",
        "OR",
        "PA",
        "RI",
        "SC",
        "SD",
        "TN",
        "TX",
        "UT",
        "VT",
        "VA",
        "WA",
        "WV",
        "WI",
        "WY",
        "AS",
        "GU",
        "MP",
        "PR",
        "VI",
    }
)
_ZIP = re.compile(r"(\d{5})(?:-?(\d{4}))?")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def npi_check_digit_ok(npi: str) -> bool:
    """Luhn over the prefix 80840 and the first nine digits (CMS NPI standard)."""
    if not re.fullmatch(r"[12]\d{9}", npi):
        return False
    total = 24  # the Luhn contribution of the 80840 prefix
    for index, char in enumerate(reversed(npi[:9])):
        digit = int(char)
        if index % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return (10 - total % 10) % 10 == int(npi[9])


def check_npi(value: str, field: str = "npi") -> str:
    npi = re.sub(r"\s", "", value)
    if not re.fullmatch(r"\d{10}", npi):
        raise ValidationError("The NPI must be exactly 10 digits.", field)
    if npi[0] not in "12" or not npi_check_digit_ok(npi):
        raise ValidationError(f"{npi} is not a valid NPI: its check digit does not match. Check it for a typo.", field)
    return npi


def check_zip(value: str, field: str = "zip", *, require_plus4: bool = False) -> str:
    match = _ZIP.fullmatch(value.strip())
    if not match:
        raise ValidationError("A ZIP code is 5 digits, or ZIP+4 as 12345-6789.", field)
    if require_plus4 and not match.group(2):
        raise ValidationError("Claims need the full ZIP+4 here, as 12345-6789.", field)
    return f"{match.group(1)}-{match.group(2)}" if match.group(2) else match.group(1)


def check_state(value: str, field: str = "state") -> str:
    state = value.strip().upper()
    if state not in US_STATES:
        raise ValidationError(
            f"{value.strip() or 'An empty value'} is not a US state code; use two letters, like NY.", field
        )
    return state


def check_phone(value: str, field: str = "phone") -> str:
    digits = re.sub(r"\D", "", value)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10 or digits[0] in "01":
        raise ValidationError("A phone number needs 10 digits with the area code, like (555) 201-3344.", field)
    return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"


def check_email(value: str, field: str = "email") -> str:
    email = value.strip()
    if not _EMAIL.fullmatch(email):
        raise ValidationError("That email address is not complete; it should look like name@example.com.", field)
    return email


def check_tax_id(value: str, kind: str, field: str = "tax_id") -> str:
    digits = re.sub(r"\D", "", value)
    if kind not in ("EIN", "SSN"):
        raise ValidationError("The tax ID type is EIN or SSN.", "tax_id_kind")
    if len(digits) != 9:
        raise ValidationError(f"An {kind} has 9 digits.", field)
    return f"{digits[:2]}-{digits[2:]}" if kind == "EIN" else f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"


def check_required(value: str, field: str, label: str) -> str:
    text = value.strip()
    if not text:
        raise ValidationError(f"{label} is required.", field)
    return text


def check_length(value: str, limit: int, field: str, label: str) -> str:
    """`value` with its runs of whitespace made single spaces, refused when longer than `limit` characters."""
    text = " ".join(value.split())
    if len(text) > limit:
        raise ValidationError(f"{label} is longer than {limit} characters; shorten it.", field)
    return text


def check_not_future(value: date | None, today: date, field: str, label: str) -> None:
    if value is not None and value > today:
        raise ValidationError(f"{label} cannot be in the future.", field)


def check_order(
    earlier: date | datetime | None, later: date | datetime | None, field: str, label: str, after: str
) -> None:
    """Refuse `later` before `earlier` (when both are given); `field` names `later`."""
    if earlier is not None and later is not None and later < earlier:
        raise ValidationError(f"{label} cannot be before {after}.", field)
