"""Record retention: how long a client's record is kept after the last service, and when it may go.

Most states ask a mental-health record to be kept a number of years after the last service; for a client
who was a minor at the last service, until some years after they reach the age of majority, whichever is
later. The practice sets the three numbers (stored as settings, read back as hostile input). Nothing is
ever disposed of automatically: the list of records past retention only tells the clinician which ones
may go.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from therapy_desk.errors import ValidationError

YEARS_AFTER_SERVICE = "retention.years_after_service"
AGE_OF_MAJORITY = "retention.age_of_majority"
YEARS_AFTER_MAJORITY = "retention.years_after_majority"

DEFAULT_YEARS_AFTER_SERVICE = 7
DEFAULT_AGE_OF_MAJORITY = 18
DEFAULT_YEARS_AFTER_MAJORITY = 7
MAX_YEARS = 100
AGE_RANGE = (14, 25)
DISPOSAL_METHOD = "deleted from the vault"
REASON_MAX = 500


@dataclass(frozen=True)
class RetentionRules:
    years_after_service: int = DEFAULT_YEARS_AFTER_SERVICE
    age_of_majority: int = DEFAULT_AGE_OF_MAJORITY
    years_after_majority: int = DEFAULT_YEARS_AFTER_MAJORITY

    def validated(self) -> RetentionRules:
        for label, value, low, high in (
            ("Years kept after the last service", self.years_after_service, 0, MAX_YEARS),
            ("Age of majority", self.age_of_majority, *AGE_RANGE),
            ("Years kept after a minor comes of age", self.years_after_majority, 0, MAX_YEARS),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ValidationError(f"{label} must be a whole number from {low} to {high}.")
        return self


def _number(raw: str | None, default: int, low: int, high: int) -> int:
    """A stored setting read as hostile: anything but a whole number in range falls back to the default."""
    if raw is None or not raw.strip().isdigit() or len(raw.strip()) > 3:
        return default
    value = int(raw.strip())
    return value if low <= value <= high else default


def rules_from_settings(
    years_after_service: str | None, age: str | None, years_after_majority: str | None
) -> RetentionRules:
    return RetentionRules(
        _number(years_after_service, DEFAULT_YEARS_AFTER_SERVICE, 0, MAX_YEARS),
        _number(age, DEFAULT_AGE_OF_MAJORITY, *AGE_RANGE),
        _number(years_after_majority, DEFAULT_YEARS_AFTER_MAJORITY, 0, MAX_YEARS),
    )


def add_years(day: date, years: int) -> date:
    """`day` moved `years` on; 29 February lands on 28 February in a year that has none."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def last_service(
    *, attended: date | None, signed_note: date | None, charge: date | None, intake: date | None, created: date
) -> date:
    """The last service: the latest attended session, signed note or charge; with none, the intake date,
    else the day the record was created."""
    services = [d for d in (attended, signed_note, charge) if d is not None]
    if services:
        return max(services)
    return intake or created


def retention_date(rules: RetentionRules, last: date, dob: date | None) -> date:
    """The day from which the record may be disposed of: the later of `last` + the years after service
    and, for a client who was a minor at `last`, the day they came of age + the years after majority."""
    kept = add_years(last, rules.years_after_service)
    if dob is not None:
        majority = add_years(dob, rules.age_of_majority)
        if last < majority:
            kept = max(kept, add_years(majority, rules.years_after_majority))
    return kept


def clean_reason(reason: str) -> str:
    """The reason or authority the clinician typed for a disposal, one line, required."""
    text = " ".join(reason.split())
    if not text:
        raise ValidationError("Type the reason or the authority for disposing of this record.")
    if len(text) > REASON_MAX:
        raise ValidationError(f"The reason is too long ({len(text)} characters; at most {REASON_MAX}).")
    return text
