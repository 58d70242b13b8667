"""The clinician's practice profile: what every claim and superbill says about the provider."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from therapy_desk.domain import validation as v
from therapy_desk.errors import ValidationError

_PO_BOX = re.compile(r"\bP\.?\s*O\.?\s*BOX\b|\bPOST OFFICE BOX\b", re.IGNORECASE)


@dataclass(frozen=True)
class PracticeProfile:
    name: str = ""
    credentials: str = ""
    license_number: str = ""
    license_state: str = ""
    npi: str = ""
    taxonomy: str = ""
    tax_id: str = ""
    tax_id_kind: str = "EIN"
    street: str = ""
    city: str = ""
    state: str = ""
    zip: str = ""
    phone: str = ""
    email: str = ""
    # Billing as a group practice (CMS-1500 box 33, 837P 2010AA): the group's Type 2 NPI and name; the
    # clinician above is then the rendering provider (24J). Blank: the clinician bills under their own NPI.
    group_name: str = ""
    group_npi: str = ""
    # Where sessions happen when it is not the practice address above (box 32); blank: the practice address.
    facility_name: str = ""
    facility_street: str = ""
    facility_city: str = ""
    facility_state: str = ""
    facility_zip: str = ""
    facility_npi: str = ""

    @property
    def is_complete(self) -> bool:
        return all((self.name, self.license_number, self.npi, self.tax_id, self.street, self.zip, self.phone))

    @property
    def masked_tax_id(self) -> str:
        """The tax ID as it may be shown on screen: last four digits only."""
        digits = re.sub(r"\D", "", self.tax_id)
        return f"•••••{digits[-4:]}" if digits else ""

    def validated(self) -> PracticeProfile:
        """A normalised copy, or `ValidationError` naming the first bad field."""
        if self.street and _PO_BOX.search(self.street):
            raise ValidationError("The practice address must be a street address, not a PO box.", "street")
        if bool(self.group_npi.strip()) != bool(self.group_name.strip()):
            raise ValidationError("Billing as a group needs both the group's name and its NPI.", "group_npi")
        if self.taxonomy and not re.fullmatch(r"[0-9]{3}[0-9A-Z]{6}X", self.taxonomy.strip().upper()):
            raise ValidationError("A taxonomy code is 10 characters ending in X, like 1041C0700X.", "taxonomy")
        return replace(
            self,
            name=v.check_required(self.name, "name", "The name (as on your NPI record)"),
            credentials=self.credentials.strip(),
            license_number=self.license_number.strip(),
            license_state=v.check_state(self.license_state, "license_state") if self.license_state.strip() else "",
            npi=v.check_npi(self.npi) if self.npi.strip() else "",
            taxonomy=self.taxonomy.strip().upper(),
            tax_id=v.check_tax_id(self.tax_id, self.tax_id_kind) if self.tax_id.strip() else "",
            street=self.street.strip(),
            city=self.city.strip(),
            state=v.check_state(self.state) if self.state.strip() else "",
            zip=v.check_zip(self.zip) if self.zip.strip() else "",
            phone=v.check_phone(self.phone) if self.phone.strip() else "",
            email=v.check_email(self.email) if self.email.strip() else "",
            group_name=v.check_length(self.group_name, 120, "group_name", "The group's name"),
            group_npi=v.check_npi(self.group_npi, "group_npi") if self.group_npi.strip() else "",
            facility_name=v.check_length(self.facility_name, 120, "facility_name", "The facility's name"),
            facility_street=v.check_length(self.facility_street, 200, "facility_street", "The facility's street"),
            facility_city=v.check_length(self.facility_city, 80, "facility_city", "The facility's city"),
            facility_state=v.check_state(self.facility_state, "facility_state") if self.facility_state.strip() else "",
            facility_zip=v.check_zip(self.facility_zip, "facility_zip") if self.facility_zip.strip() else "",
            facility_npi=v.check_npi(self.facility_npi, "facility_npi") if self.facility_npi.strip() else "",
        )
