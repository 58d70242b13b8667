"""Code sets the practice bills with: service codes (our own wording), places of service, modifiers.

CPT numbers are listed with short descriptions of our own; the AMA's descriptors are not copied.
Every default here is editable in the app's service catalogue.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, replace

from therapy_desk.errors import ValidationError

# CPT (five digits, or four digits and a letter for Category II/III) or HCPCS Level II (a letter and four digits).
_CLAIM_CODE = re.compile(r"\d{4}[0-9A-Z]|[A-Z]\d{4}")
_ANY_CODE = re.compile(r"[A-Z0-9]{3,10}")
MAX_FEE_CENTS = 100_000_000  # $1,000,000.00: anything above is a typo, and keeps sums far from 64-bit limits
MAX_DESCRIPTION = 120


def is_claim_code(code: str) -> bool:
    """Whether `code` has the shape of a CPT/HCPCS code an insurer can be billed for."""
    return bool(_CLAIM_CODE.fullmatch(code))


@dataclass(frozen=True)
class ServiceCode:
    """A catalogue entry: a code with our own wording, its default length and fee, and how it bills."""

    code: str
    description: str
    default_minutes: int | None
    default_fee_cents: int
    is_addon: bool = False
    billable_to_insurance: bool = True
    active: bool = True

    def validated(self) -> ServiceCode:
        """A normalised copy, or `ValidationError` naming the field."""
        code = self.code.strip().upper()
        if not _ANY_CODE.fullmatch(code):
            raise ValidationError("A service code is 3 to 10 letters or digits, like 90834.", "code")
        description = " ".join(self.description.split())
        if not description:
            raise ValidationError("The service wording is required.", "description")
        if len(description) > MAX_DESCRIPTION:
            raise ValidationError(f"The service wording is longer than {MAX_DESCRIPTION} characters.", "description")
        minutes = self.default_minutes
        if minutes is not None and (
            isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= 600
        ):
            raise ValidationError("Default minutes are a whole number from 1 to 600, or blank.", "default_minutes")
        fee = self.default_fee_cents
        if isinstance(fee, bool) or not isinstance(fee, int) or fee < 0:
            raise ValidationError("The fee is a whole number of cents and cannot be negative.", "default_fee_cents")
        if fee > MAX_FEE_CENTS:
            raise ValidationError("The fee is above $1,000,000.00; check the amount.", "default_fee_cents")
        if self.billable_to_insurance and not is_claim_code(code):
            raise ValidationError(
                f"{code} is not a CPT or HCPCS code, so it cannot be billed to insurance.", "billable_to_insurance"
            )
        return replace(self, code=code, description=description)


SEED_SERVICES: tuple[ServiceCode, ...] = (
    ServiceCode("90791", "Diagnostic evaluation", 60, 20000),
    ServiceCode("90832", "Psychotherapy, 30 min", 30, 10000),
    ServiceCode("90834", "Psychotherapy, 45 min", 45, 14000),
    ServiceCode("90837", "Psychotherapy, 60 min", 60, 18000),
    ServiceCode("90839", "Crisis psychotherapy, first 60 min", 60, 20000),
    ServiceCode("90840", "Crisis psychotherapy, each extra 30 min", 30, 9000, is_addon=True),
    ServiceCode("90846", "Family therapy without the client", 50, 15000),
    ServiceCode("90847", "Family therapy with the client", 50, 15000),
    ServiceCode("90853", "Group therapy", 90, 6000),
    ServiceCode("90785", "Interactive complexity", None, 2000, is_addon=True),
    ServiceCode("96127", "Brief scored assessment", None, 1000),
)

# Fees charged for missed appointments; not sent to insurers.
LATE_CANCEL_CODE = "LATECX"
NO_SHOW_CODE = "NOSHOW"
SEED_FEES: tuple[ServiceCode, ...] = (
    ServiceCode(LATE_CANCEL_CODE, "Late cancellation fee", None, 7500, billable_to_insurance=False),
    ServiceCode(NO_SHOW_CODE, "Missed appointment fee", None, 7500, billable_to_insurance=False),
)


class PlaceOfService(enum.StrEnum):
    OFFICE = "11"
    TELEHEALTH_NOT_HOME = "02"
    TELEHEALTH_HOME = "10"
    HOME = "12"
    SCHOOL = "03"
    OTHER = "99"

    @property
    def label(self) -> str:
        return _POS_LABELS[self]


_POS_LABELS = {
    PlaceOfService.OFFICE: "Office",
    PlaceOfService.TELEHEALTH_NOT_HOME: "Telehealth, client not at home",
    PlaceOfService.TELEHEALTH_HOME: "Telehealth, client at home",
    PlaceOfService.HOME: "Client's home",
    PlaceOfService.SCHOOL: "School",
    PlaceOfService.OTHER: "Other",
}

MODIFIERS: dict[str, str] = {
    "95": "Audio-video telehealth",
    "93": "Audio-only telehealth",
    "GT": "Telehealth (legacy, some payers)",
    "59": "Distinct service",
    "AH": "Clinical psychologist",
    "AJ": "Clinical social worker",
    "HO": "Master's degree level",
    "HP": "Doctoral level",
    "HN": "Bachelor's degree level",
    "HJ": "Employee assistance program",
}
MAX_MODIFIERS = 4
