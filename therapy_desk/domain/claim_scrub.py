"""The claim scrub: every check a claim passes before it is ready to print or send.

Errors block (the claim cannot be marked ready, printed for the payer or exported); warnings show. Each
finding names the CMS-1500 box it is about and says what to fix, in words a clinician can act on. The rules
are pure: they read a `ClaimForm` and the ICD-10-CM code set, nothing else.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

from therapy_desk.domain import validation as v
from therapy_desk.domain.billing import ADDON_PRIMARIES, check_same_day
from therapy_desk.domain.claims import (
    MAX_DIAGNOSES,
    MAX_LINES,
    MAX_POINTERS,
    ClaimForm,
    ClaimLine,
    Frequency,
    Provider,
)
from therapy_desk.domain.icd10cm import NEWEST, CodeSet, Release, code_set, release_for
from therapy_desk.errors import ValidationError

_ZIP_PLUS4 = re.compile(r"\d{5}-\d{4}")


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    severity: Severity
    box: str  # the CMS-1500 box, "24" for service lines
    message: str

    @property
    def blocks(self) -> bool:
        return self.severity is Severity.ERROR

    def __str__(self) -> str:
        return f"Box {self.box}: {self.message}"


def _error(box: str, message: str) -> Finding:
    return Finding(Severity.ERROR, box, message)


def _warning(box: str, message: str) -> Finding:
    return Finding(Severity.WARNING, box, message)


Rule = Callable[[ClaimForm, CodeSet], Iterator[Finding]]


def _missing(form: ClaimForm, _codes: CodeSet) -> Iterator[Finding]:
    """Boxes a payer rejects a claim for when they are empty."""
    patient, insured = form.patient, form.insured
    required = (
        ("1a", form.member_id, "The insured's member ID is missing; add it to the client's coverage."),
        ("2", patient.last and patient.first, "The patient's first and last name are missing."),
        ("3", patient.dob, "The patient's date of birth is missing."),
        ("4", insured.last and insured.first, "The insured's name is missing; add the subscriber to the coverage."),
        ("5", patient.address.street and patient.address.zip, "The patient's street address and ZIP are missing."),
        ("7", insured.address.street and insured.address.zip, "The insured's street address and ZIP are missing."),
        ("11a", insured.dob, "The insured's date of birth is missing; add it to the coverage's subscriber."),
        (
            "12",
            form.release_signed_on,
            "Record the date the client signed the release of information (the coverage's signatures on file).",
        ),
        ("21", form.diagnoses, "The claim points to no diagnosis; give each line a diagnosis pointer."),
        ("24", form.lines, "The claim has no service lines."),
        ("25", form.tax_id, "The practice's tax ID is missing; add it in Practice › Profile."),
        ("31", form.rendering.last, "The rendering clinician's name is missing; add it in Practice › Profile."),
        ("33", form.billing.last, "The billing provider's name is missing; add it in Practice › Profile."),
        ("33", form.billing.address.street, "The billing provider's street address is missing."),
        ("33", form.billing.phone, "The billing provider's phone number is missing."),
    )
    for box, value, message in required:
        if not value:
            yield _error(box, message)
    if patient.sex not in ("F", "M"):
        yield _error("3", "The patient's administrative sex is not recorded; claims need F or M.")
    if insured.sex not in ("F", "M"):
        yield _error("11a", "The insured's administrative sex is not recorded; claims need F or M.")
    if form.accept_assignment and not form.assignment_signed_on:
        yield _warning("13", "No date is recorded for the client's assignment of benefits: payment goes to the "
                             "client unless box 13 is signed on file.")  # fmt: skip
    if not form.payer.electronic_id:
        yield _warning("", f"{form.payer.name} has no electronic payer ID: the claim prints, but an 837P file "
                           "needs it (Billing › Payers).")  # fmt: skip
    if not form.payer.address.street:
        yield _warning("", f"{form.payer.name} has no mailing address for a paper claim (Billing › Payers).")


def _npi(box: str, who: str, provider_npi: str, *, required: bool) -> Iterator[Finding]:
    if not provider_npi:
        if required:
            yield _error(box, f"The {who}'s NPI is missing.")
    elif not v.npi_check_digit_ok(provider_npi):
        yield _error(box, f"{provider_npi} is not a valid NPI for the {who}: its check digit does not match.")


def _providers(form: ClaimForm, _codes: CodeSet) -> Iterator[Finding]:
    """NPI check digits everywhere one is given; ZIP+4 on the billing provider; the practice's taxonomy."""
    yield from _npi("33a", "billing provider", form.billing.npi, required=True)
    yield from _npi("24J", "rendering clinician", form.rendering.npi, required=form.bills_as_group)
    if form.billing.address.zip and not _ZIP_PLUS4.fullmatch(form.billing.address.zip):
        yield _error("33", "The billing provider's ZIP code needs all nine digits (ZIP+4, as 12345-6789).")
    if form.billing.address.street and re.search(r"\bP\.?\s*O\.?\s*BOX\b", form.billing.address.street, re.I):
        yield _error("33", "The billing provider's address must be a street address, not a PO box.")
    if form.facility is not None:
        yield from _facility(form.facility)
    if form.referring is not None:
        yield from _npi("17b", "referring provider", form.referring.npi, required=True)
        if not form.referring.last:
            yield _error("17", "The referring provider's name is missing.")
    if not form.billing.taxonomy and not form.rendering.taxonomy:
        yield _warning("33b", "No taxonomy code is recorded; many payers need it (Practice › Profile).")


def _facility(facility: Provider) -> Iterator[Finding]:
    yield from _npi("32a", "service facility", facility.npi, required=False)
    if not (facility.last and facility.address.street and facility.address.zip):
        yield _error("32", "The service facility needs a name, street address and ZIP (Practice › Profile).")


def _conditions(form: ClaimForm, _codes: CodeSet) -> Iterator[Finding]:
    if form.auto_accident and not form.auto_accident_state:
        yield _error("10b", "An auto accident needs the state where it happened.")
    if (form.auto_accident or form.other_accident) and not form.accident_date:
        yield _error("15", "An accident needs its date (box 15, qualifier 439).")
    if form.frequency is not Frequency.ORIGINAL and not form.original_reference:
        kind = "corrected" if form.frequency is Frequency.CORRECTED else "void"
        yield _error("22", f"A {kind} claim needs the payer's claim number of the original claim.")
    if form.illness_onset and form.first_date and form.illness_onset > form.first_date:
        yield _error("14", "The date of the current illness is after the first date of service.")


def _diagnoses(form: ClaimForm, codes: CodeSet) -> Iterator[Finding]:
    """Billable ICD-10-CM codes of the release in force on each date of service that points to them (`codes`
    where no shipped release is: with a warning); at most 12."""
    if len(form.diagnoses) > MAX_DIAGNOSES:
        yield _error("21", f"The claim has {len(form.diagnoses)} diagnoses; a claim carries at most 12. "
                           "Split it (create the claims again from its charges).")  # fmt: skip
    releases: dict[int, set[Release | None]] = {}
    for line in form.lines:
        for pointer in line.pointers:
            releases.setdefault(pointer, set()).add(release_for(line.date_of_service))
    for position, diagnosis in enumerate(form.diagnoses, start=1):
        for release in sorted(releases.get(position) or {None}, key=lambda r: r.in_force_from if r else date.max):
            try:
                (codes if release is None else code_set(release)).require(diagnosis.code, billable=True)
            except ValidationError as error:
                where = f" (ICD-10-CM {release.name}, in force on its dates of service)" if release else ""
                yield _error("21", f"{str(error).rstrip('.')}{where}.")
    outside = sorted({line.date_of_service for line in form.lines if release_for(line.date_of_service) is None})
    if outside:
        yield _warning("21", f"No shipped ICD-10-CM release is in force on {outside[0]:%m/%d/%Y}: the codes were "
                             f"checked against {NEWEST.name}; check them against that year's release.")  # fmt: skip


def _lines(form: ClaimForm, _codes: CodeSet) -> Iterator[Finding]:
    if len(form.lines) > MAX_LINES:
        yield _error("24", f"The claim has {len(form.lines)} lines; an electronic claim holds at most {MAX_LINES}.")
    for number, line in enumerate(form.lines, start=1):
        yield from _line(form, number, line)
    yield from _same_day(form)
    if form.total_cents <= 0 and form.frequency is not Frequency.VOID:
        yield _error("28", "The claim's total charge is zero; an insurer is billed the full fee.")


def _line(form: ClaimForm, number: int, line: ClaimLine) -> Iterator[Finding]:
    where = f"Line {number} ({line.date_of_service:%m/%d/%Y}, {line.code})"
    if not line.covered:
        yield _error("24A", f"{where}: no coverage with {form.payer.name} is in force on that date.")
    if not line.pointers:
        yield _error("24E", f"{where} points to no diagnosis.")
    if len(line.pointers) > MAX_POINTERS or any(not 1 <= p <= len(form.diagnoses) for p in line.pointers):
        yield _error("24E", f"{where} points to a diagnosis the claim does not list.")
    for pointer in line.pointers:
        if not 1 <= pointer <= len(form.diagnoses):
            continue
        diagnosis = form.diagnoses[pointer - 1]
        if diagnosis.onset and diagnosis.onset > line.date_of_service:
            yield _error("24E", f"{where} points to {diagnosis.code}, whose onset is after that date.")
        if diagnosis.resolved and diagnosis.resolved < line.date_of_service:
            yield _warning("24E", f"{where} points to {diagnosis.code}, resolved before that date.")
    if line.fee_cents <= 0:
        yield _error("24F", f"{where} has no charge.")
    if not 1 <= line.units <= 99:
        yield _error("24G", f"{where}: units are a whole number from 1 to 99.")


def _same_day(form: ClaimForm) -> Iterator[Finding]:
    """The same-day code rules per date of service, and add-ons with their primary on this claim."""
    by_day: dict[date, list[ClaimLine]] = {}
    for line in form.lines:
        by_day.setdefault(line.date_of_service, []).append(line)
    for day, lines in sorted(by_day.items()):
        try:
            check_same_day([(line.code, line.modifiers) for line in lines])
        except ValidationError as error:
            codes = {line.code for line in lines}
            if any(code in ADDON_PRIMARIES and not (ADDON_PRIMARIES[code] & codes) for code in codes):
                yield _error("24D", f"{day:%m/%d/%Y}: an add-on code is on the claim without its primary code.")
            else:
                yield _error("24D", f"{day:%m/%d/%Y}: {error}")


RULES: tuple[Rule, ...] = (_missing, _providers, _conditions, _diagnoses, _lines)


def scrub(form: ClaimForm, codes: CodeSet) -> list[Finding]:
    """Every finding on `form`, errors first, in box order within each severity."""
    findings = [finding for rule in RULES for finding in rule(form, codes)]
    return sorted(findings, key=lambda f: (f.severity is not Severity.ERROR, _box_key(f.box)))


def _box_key(box: str) -> tuple[int, str]:
    digits = re.match(r"\d+", box)
    return (int(digits.group()) if digits else 99, box)


def blocking(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.blocks]
