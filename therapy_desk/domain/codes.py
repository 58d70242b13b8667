"""Code sets the practice bills with: service codes (our own wording), places of service, modifiers.

CPT numbers are listed with short descriptions of our own; the AMA's descriptors are not copied.
Every default here is editable in the app's service catalogue.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field, replace

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
class BillingRule:
    """How a code bills beyond its editable catalogue entry (DOMAIN.md "Service codes"): the session minutes
    it covers, whether it is one unit per session, the primaries an add-on needs on the same day, and the
    codes never billed with it for one client on one day."""

    min_minutes: int | None = None
    max_minutes: int | None = None
    one_unit_per_session: bool = False
    primaries: frozenset[str] = field(default_factory=frozenset)
    not_same_day: frozenset[str] = field(default_factory=frozenset)

    def covers(self, minutes: int) -> bool:
        """Whether a session of `minutes` is inside the code's band (any length when it has none)."""
        return (self.min_minutes is None or minutes >= self.min_minutes) and (
            self.max_minutes is None or minutes <= self.max_minutes
        )

    def band(self) -> str:
        """The minutes the code covers, in words: "16–37 minutes", "53 minutes or more"."""
        if self.max_minutes is None:
            return f"{self.min_minutes} minutes or more"
        return f"{self.min_minutes or 1}–{self.max_minutes} minutes"


_PSYCHOTHERAPY = frozenset({"90832", "90833", "90834", "90836", "90837", "90838"})
_CRISIS = frozenset({"90839", "90840"})
_EVALUATION = frozenset({"90791", "90792"})
# Office and outpatient E/M visits, the primaries of psychotherapy billed with an E/M visit.
_EVALUATION_AND_MANAGEMENT = frozenset({"99202", "99203", "99204", "99205", "99212", "99213", "99214", "99215"})
_WITH_EM = BillingRule(one_unit_per_session=True, primaries=_EVALUATION_AND_MANAGEMENT)

# Code -> its billing rule; a code not listed has none (96127 per instrument, the missed-appointment fees).
BILLING_RULES: dict[str, BillingRule] = {
    "90791": BillingRule(one_unit_per_session=True, not_same_day=_PSYCHOTHERAPY | _CRISIS),
    "90792": BillingRule(one_unit_per_session=True, not_same_day=_CRISIS),
    "90832": BillingRule(16, 37, one_unit_per_session=True),
    "90834": BillingRule(38, 52, one_unit_per_session=True),
    "90837": BillingRule(53, None, one_unit_per_session=True),
    "90833": _WITH_EM,
    "90836": _WITH_EM,
    "90838": _WITH_EM,
    "90839": BillingRule(
        30, 74, one_unit_per_session=True, not_same_day=_EVALUATION | _PSYCHOTHERAPY | frozenset({"90785"})
    ),
    "90840": BillingRule(75, None, primaries=frozenset({"90839"})),
    "90846": BillingRule(26, None, one_unit_per_session=True),
    "90847": BillingRule(26, None, one_unit_per_session=True),
    "90853": BillingRule(one_unit_per_session=True),
    "90785": BillingRule(
        one_unit_per_session=True,
        primaries=_EVALUATION | _PSYCHOTHERAPY | frozenset({"90853"}),
        not_same_day=_CRISIS | frozenset({"90846", "90847"}),
    ),
}


def billing_rule(code: str) -> BillingRule:
    return BILLING_RULES.get(code, BillingRule())


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

    @property
    def rule(self) -> BillingRule:
        return billing_rule(self.code)


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
MISSED_FEE_CODES = frozenset({LATE_CANCEL_CODE, NO_SHOW_CODE})
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
TELEHEALTH_MODIFIERS = frozenset({"95", "93", "GT"})
TELEHEALTH_POS = frozenset({PlaceOfService.TELEHEALTH_NOT_HOME, PlaceOfService.TELEHEALTH_HOME})
