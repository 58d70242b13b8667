"""Clients, the units they are seen in, their care contacts and releases of information."""

from __future__ import annotations

import enum
import unicodedata
from dataclasses import dataclass, replace
from datetime import date

from therapy_desk.domain import validation as v
from therapy_desk.errors import ValidationError


class ClientStatus(enum.StrEnum):
    INQUIRY = "inquiry"
    WAITLIST = "waitlist"
    ACTIVE = "active"
    INACTIVE = "inactive"
    DISCHARGED = "discharged"


class AdministrativeSex(enum.StrEnum):
    """Administrative sex as claims carry it (CMS-1500 box 3, 837P DMG)."""

    FEMALE = "F"
    MALE = "M"
    UNKNOWN = "U"


class UnitKind(enum.StrEnum):
    COUPLE = "couple"
    FAMILY = "family"
    GROUP = "group"


class ContactRole(enum.StrEnum):
    PCP = "primary care"
    PSYCHIATRIST = "psychiatrist"
    SCHOOL = "school"
    AGENCY = "agency"
    THERAPIST = "therapist"
    OTHER = "other"


# Letters that carry no combining mark to strip, folded to what a person would type.
_FOLD_LETTERS = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ł": "l", "þ": "th", "ð": "d", "ı": "i"})


def sort_key(last: str, first: str) -> str:
    """Case- and accent-insensitive key so Ö and Ø sort with O and names in any script sort stably."""
    text = f"{last}\x1f{first}".casefold().translate(_FOLD_LETTERS)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@dataclass(frozen=True)
class Client:
    legal_first: str
    legal_last: str
    dob: date
    status: ClientStatus = ClientStatus.INQUIRY
    id: int | None = None
    account_number: str = ""
    legal_middle: str = ""
    preferred_name: str = ""
    pronouns: str = ""
    sex: AdministrativeSex = AdministrativeSex.UNKNOWN
    street: str = ""
    city: str = ""
    state: str = ""
    zip: str = ""
    phone: str = ""
    email: str = ""
    emergency_name: str = ""
    emergency_phone: str = ""
    emergency_relationship: str = ""
    referral_source: str = ""
    intake_date: date | None = None
    discharge_date: date | None = None

    @property
    def display_name(self) -> str:
        """How the clinician addresses the client: preferred first name, legal last name."""
        return f"{self.preferred_name or self.legal_first} {self.legal_last}".strip()

    @property
    def listed_name(self) -> str:
        """The name as the caseload lists it: legal last name, then preferred (or legal) first name."""
        return f"{self.legal_last}, {self.preferred_name or self.legal_first}"

    @property
    def legal_name(self) -> str:
        return " ".join(p for p in (self.legal_first, self.legal_middle, self.legal_last) if p)

    def validated(self, today: date) -> Client:
        """A normalised copy, or `ValidationError` naming the field."""
        first = v.check_required(self.legal_first, "legal_first", "The legal first name")
        last = v.check_required(self.legal_last, "legal_last", "The legal last name")
        v.check_not_future(self.dob, today, "dob", "Date of birth")
        if self.dob.year < 1900:
            raise ValidationError("Date of birth is before 1900; check the year.", "dob")
        v.check_order(self.dob, self.intake_date, "intake_date", "The intake date", "the date of birth")
        v.check_order(self.intake_date, self.discharge_date, "discharge_date", "The discharge date", "the intake date")
        return replace(
            self,
            legal_first=first,
            legal_last=last,
            legal_middle=self.legal_middle.strip(),
            preferred_name=self.preferred_name.strip(),
            pronouns=self.pronouns.strip(),
            street=self.street.strip(),
            city=self.city.strip(),
            state=v.check_state(self.state) if self.state.strip() else "",
            zip=v.check_zip(self.zip) if self.zip.strip() else "",
            phone=v.check_phone(self.phone) if self.phone.strip() else "",
            email=v.check_email(self.email) if self.email.strip() else "",
            emergency_name=self.emergency_name.strip(),
            emergency_phone=v.check_phone(self.emergency_phone, "emergency_phone")
            if self.emergency_phone.strip()
            else "",
            emergency_relationship=self.emergency_relationship.strip(),
            referral_source=self.referral_source.strip(),
        )


@dataclass(frozen=True)
class UnitMember:
    client_id: int
    role: str = ""  # "partner", "parent", "child", "member"
    identified: bool = False  # the identified client billed for the unit's sessions


@dataclass(frozen=True)
class Unit:
    kind: UnitKind
    name: str
    members: tuple[UnitMember, ...] = ()
    id: int | None = None
    active: bool = True

    @property
    def identified_client_id(self) -> int | None:
        return next((m.client_id for m in self.members if m.identified), None)


@dataclass(frozen=True)
class CareContact:
    client_id: int
    role: ContactRole
    name: str
    organization: str = ""
    phone: str = ""
    fax: str = ""
    email: str = ""
    notes: str = ""
    id: int | None = None
    npi: str = ""  # a provider's NPI, for a claim's referring provider (CMS-1500 box 17b)


@dataclass(frozen=True)
class Release:
    """A release of information (authorisation to disclose)."""

    client_id: int
    recipient: str
    scope: str
    purpose: str
    signed_on: date
    expires_on: date | None = None
    revoked_on: date | None = None
    covers_psychotherapy_notes: bool = False
    contact_id: int | None = None
    id: int | None = None

    def is_active(self, on: date) -> bool:
        if self.revoked_on is not None and self.revoked_on <= on:
            return False
        return self.expires_on is None or on <= self.expires_on


@dataclass(frozen=True)
class Diagnosis:
    """An ICD-10-CM diagnosis on a client's chart; rank 1 is the principal diagnosis."""

    client_id: int
    code: str
    description: str
    rank: int = 1
    for_claims: bool = True
    onset: date | None = None
    resolved: date | None = None
    id: int | None = None

    @property
    def is_active(self) -> bool:
        return self.resolved is None
