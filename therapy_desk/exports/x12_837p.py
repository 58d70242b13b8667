"""The 837P file (ASC X12 005010X222A1): one payer's batch of claims as one interchange a clearinghouse takes.

`write_837p(forms, envelope)` writes ISA/GS/ST/BHT, the submitter (1000A) and receiver (1000B), then per
billing provider one 2000A level and per claim a subscriber level (2000B), a patient level (2000C) when the
patient is not the subscriber, the claim (2300 with 2310A-D) and its lines (2400), and the trailers. Every
free-text value goes through `x12_text` (X12's basic character set; a name is refused, never dropped).

`check_837p(text, forms)` checks a written file for what a structural validator (pyx12) does not: counts and
control numbers that agree, totals equal to the lines and to the claims, NPI check digits, the billing
provider's ZIP+4 and billable ICD-10-CM codes.

Where the implementation guide says "if not required, do not send", this follows it: SV105 only when the
line's place of service differs from the claim's, the subscriber's DMG only when the patient is the
subscriber, SBR04 (plan name) only when there is no group number. The ordering provider (box 17 DK) is a
2420E loop on each line; the supervising provider (DQ) is 2310D.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from therapy_desk.domain.claims import (
    MAX_DIAGNOSES,
    Address,
    ClaimForm,
    ClaimLine,
    Frequency,
    Person,
    Provider,
    ReferringQualifier,
)
from therapy_desk.domain.icd10cm import NEWEST, code_set, release_for
from therapy_desk.domain.validation import npi_check_digit_ok
from therapy_desk.errors import ValidationError
from therapy_desk.exports.x12_text import x12_text

VERSION = "005010X222A1"
ELEMENT, COMPONENT, REPETITION, TERMINATOR = "*", ":", "^", "~"
MAX_CONTROL_NUMBER = 999_999_999
_PATIENT_CODES = {"spouse": "01", "child": "19", "other": "G8"}
_CAUSES = (("employment_related", "EM"), ("auto_accident", "AA"), ("other_accident", "OA"))


@dataclass(frozen=True)
class Envelope:
    """Who sends the file to whom, and its control number (ISA13 = GS06), stored and incremented by the app."""

    control_number: int
    created: datetime
    submitter_name: str  # 1000A: the practice as the clearinghouse knows it
    submitter_id: str  # ISA06, GS02, 1000A NM109: the ID the clearinghouse assigned
    submitter_contact: str  # 1000A PER02
    submitter_phone: str  # 10 digits, or (555) 201-3344
    receiver_name: str  # 1000B: the clearinghouse
    receiver_id: str  # ISA08, GS03, 1000B NM109
    production: bool = True  # ISA15: P, or T for a clearinghouse's test

    def __post_init__(self) -> None:
        if not 1 <= self.control_number <= MAX_CONTROL_NUMBER:
            raise ValidationError("The file's control number must be from 1 to 999999999.", "control_number")
        for value, field, label in (
            (self.submitter_id, "submitter_id", "submitter ID the clearinghouse assigned"),
            (self.receiver_id, "receiver_id", "clearinghouse's receiver ID"),
        ):
            if not 2 <= len(value.strip()) <= 15:
                raise ValidationError(f"The {label} must be 2 to 15 characters.", field)
        if len(_digits(self.submitter_phone)) != 10:
            raise ValidationError("The submitter's contact phone needs its 10 digits.", "submitter_phone")
        if not self.submitter_name.strip() or not self.receiver_name.strip():
            raise ValidationError("The submitter's and the clearinghouse's names are required.", "submitter_name")


def write_837p(forms: Sequence[ClaimForm], envelope: Envelope) -> str:
    """One interchange with one 837P transaction holding `forms`, all billed to one payer."""
    if not forms:
        raise ValidationError("There are no claims to put in the file.", "claims")
    payers = {form.payer.electronic_id for form in forms}
    if len(payers) != 1:
        raise ValidationError("An 837P file holds one payer's claims; these are for several payers.", "payer")
    if not forms[0].payer.electronic_id:
        raise ValidationError(f"{forms[0].payer.name} has no electronic payer ID (Billing › Payers).", "payer")
    writer = _Writer()
    _header(writer, envelope)
    start = len(writer.segments)
    writer.add("ST", "837", "0001", VERSION)
    stamp = envelope.created
    writer.add("BHT", "0019", "00", str(envelope.control_number), f"{stamp:%Y%m%d}", f"{stamp:%H%M}", "CH")
    writer.add("NM1", "41", "2", _text(envelope.submitter_name, "submitter's name", 60), "", "", "", "", "46",
               _text(envelope.submitter_id, "submitter ID", 80))  # fmt: skip
    writer.add("PER", "IC", _text(envelope.submitter_contact, "submitter's contact", 60), "TE",
               _digits(envelope.submitter_phone))  # fmt: skip
    writer.add("NM1", "40", "2", _text(envelope.receiver_name, "clearinghouse's name", 60), "", "", "", "", "46",
               _text(envelope.receiver_id, "receiver ID", 80))  # fmt: skip
    hl = _Levels()
    # A subscriber level's parent is the billing provider level just before it: claims go by billing provider.
    by_billing: dict[tuple[Provider, str, str], list[ClaimForm]] = {}
    for form in forms:
        by_billing.setdefault((form.billing, form.tax_id, form.tax_id_kind), []).append(form)
    for batch in by_billing.values():
        level = hl.next()
        _billing_provider(writer, batch[0], level)
        for form in batch:
            _claim(writer, hl, level, form)
    writer.add("SE", str(len(writer.segments) - start + 1), "0001")
    writer.add("GE", "1", str(envelope.control_number))
    writer.add("IEA", "1", f"{envelope.control_number:09d}")
    return "".join(f"{segment}{TERMINATOR}\n" for segment in writer.segments)


class _Writer:
    def __init__(self) -> None:
        self.segments: list[str] = []

    def add(self, tag: str, *elements: str) -> None:
        values = list(elements)
        while values and not values[-1]:
            values.pop()
        self.segments.append(ELEMENT.join((tag, *values)))


class _Levels:
    def __init__(self) -> None:
        self.count = 0

    def next(self) -> int:
        self.count += 1
        return self.count


def _header(writer: _Writer, envelope: Envelope) -> None:
    stamp = envelope.created
    sender = _text(envelope.submitter_id, "submitter ID", 15)
    receiver = _text(envelope.receiver_id, "receiver ID", 15)
    writer.add("ISA", "00", " " * 10, "00", " " * 10, "ZZ", sender.ljust(15), "ZZ", receiver.ljust(15),
               f"{stamp:%y%m%d}", f"{stamp:%H%M}", REPETITION, "00501", f"{envelope.control_number:09d}", "0",
               "P" if envelope.production else "T", COMPONENT)  # fmt: skip
    writer.add("GS", "HC", sender, receiver, f"{stamp:%Y%m%d}", f"{stamp:%H%M}", str(envelope.control_number), "X",
               VERSION)  # fmt: skip


def _billing_provider(writer: _Writer, form: ClaimForm, level: int) -> None:
    billing = form.billing
    writer.add("HL", str(level), "", "20", "1")
    if billing.taxonomy:
        writer.add("PRV", "BI", "PXC", _text(billing.taxonomy, "billing provider's taxonomy", 50))
    writer.add("NM1", "85", *_provider_name(billing, "billing provider"), "XX", billing.npi)
    _address(writer, billing.address, "billing provider")
    writer.add("REF", "SY" if form.tax_id_kind == "SSN" else "EI", _digits(form.tax_id))
    if billing.phone:
        writer.add("PER", "IC", _text(_contact_name(billing), "billing provider's name", 60), "TE",
                   _digits(billing.phone))  # fmt: skip


def _claim(writer: _Writer, hl: _Levels, parent: int, form: ClaimForm) -> None:
    if len(form.diagnoses) > MAX_DIAGNOSES:
        raise ValidationError(f"Claim {form.claim_number} has more than 12 diagnoses; split it first.", "diagnoses")
    is_self = form.relationship == "self"
    subscriber = hl.next()
    writer.add("HL", str(subscriber), str(parent), "22", "0" if is_self else "1")
    group = _text(form.group_number, "group number", 50)
    plan = "" if group else _text(form.plan_name, "plan name", 60)
    writer.add("SBR", "P", "18" if is_self else "", group, plan, "", "", "", "", form.insurance_type.filing_indicator)
    writer.add("NM1", "IL", "1", *_person_name(form.insured, "insured"), "", "", "MI",
               _text(form.member_id, "member ID", 80))  # fmt: skip
    _address(writer, form.insured.address, "insured")
    if is_self:
        _demographics(writer, form.insured)
    payer = form.payer
    writer.add("NM1", "PR", "2", _text(payer.name, "payer's name", 60), "", "", "", "", "PI",
               _text(payer.electronic_id, "payer ID", 80))  # fmt: skip
    if payer.address.street:
        _address(writer, payer.address, "payer")
    if not is_self:
        writer.add("HL", str(hl.next()), str(subscriber), "23", "0")
        writer.add("PAT", _PATIENT_CODES.get(form.relationship, "G8"))
        writer.add("NM1", "QC", "1", *_person_name(form.patient, "patient"))
        _address(writer, form.patient.address, "patient")
        _demographics(writer, form.patient)
    _claim_information(writer, form)
    for number, line in enumerate(form.lines, start=1):
        _service_line(writer, form, number, line)


def _claim_information(writer: _Writer, form: ClaimForm) -> None:
    causes = [code for name, code in _CAUSES if getattr(form, name)]
    related = ""
    if causes:
        state = _text(form.auto_accident_state, "auto accident state", 2) if form.auto_accident else ""
        related = COMPONENT.join((*causes, *[""] * (3 - len(causes)), state)).rstrip(COMPONENT)  # CLM11-1..3, -4
    writer.add(
        "CLM",
        _text(form.claim_number, "claim number", 38),
        _amount(form.total_cents),
        "",
        "",
        COMPONENT.join((form.place_of_service, "B", form.frequency.value)),
        "Y" if form.provider_signed_on else "N",
        "A" if form.accept_assignment else "C",
        "Y" if form.assignment_signed_on else "N",
        "Y" if form.release_signed_on else "I",
        "",
        related,
    )
    if form.illness_onset:
        writer.add("DTP", "431", "D8", _d8(form.illness_onset))
    if form.accident_date and (form.auto_accident or form.other_accident):
        writer.add("DTP", "439", "D8", _d8(form.accident_date))
    if form.amount_paid_cents > 0:
        writer.add("AMT", "F5", _amount(form.amount_paid_cents))
    if form.prior_authorization:
        writer.add("REF", "G1", _text(form.prior_authorization, "prior authorization number", 50))
    if form.frequency is not Frequency.ORIGINAL:
        writer.add("REF", "F8", _text(form.original_reference, "original claim's reference", 50))
    if form.diagnoses:
        codes = [f"{'ABK' if i == 0 else 'ABF'}{COMPONENT}{d.x12_code}" for i, d in enumerate(form.diagnoses)]
        writer.add("HI", *codes)
    if form.claim_codes:  # box 10d: NUCC condition codes
        writer.add("HI", *(f"BG{COMPONENT}{_text(code, 'claim code', 2)}" for code in form.claim_codes.split()[:12]))
    referring = form.referring
    if referring and referring.qualifier is ReferringQualifier.REFERRING:  # 2310A
        writer.add("NM1", "DN", "1", *_names(referring.last, referring.first, "", "referring provider"), "", "", "XX",
                   referring.npi)  # fmt: skip
    if form.bills_as_group:  # 2310B
        rendering = form.rendering
        writer.add("NM1", "82", *_provider_name(rendering, "rendering clinician"), "XX", rendering.npi)
        if rendering.taxonomy:
            writer.add("PRV", "PE", "PXC", _text(rendering.taxonomy, "rendering clinician's taxonomy", 50))
    if form.facility is not None:  # 2310C
        facility = form.facility
        writer.add("NM1", "77", "2", _text(facility.last, "service facility's name", 60), "", "", "", "",
                   "XX" if facility.npi else "", facility.npi)  # fmt: skip
        _address(writer, facility.address, "service facility")
    if referring and referring.qualifier is ReferringQualifier.SUPERVISING:  # 2310D
        writer.add("NM1", "DQ", "1", *_names(referring.last, referring.first, "", "supervising provider"), "", "", "XX",
                   referring.npi)  # fmt: skip


def _service_line(writer: _Writer, form: ClaimForm, number: int, line: ClaimLine) -> None:
    writer.add("LX", str(number))
    procedure = COMPONENT.join(("HC", _text(line.code, "procedure code", 48), *line.modifiers[:4]))
    writer.add(
        "SV1",
        procedure,
        _amount(line.fee_cents),
        "UN",
        str(line.units),
        line.pos if line.pos != form.place_of_service else "",
        "",
        COMPONENT.join(str(p) for p in line.pointers[:4]),
        "",
        "Y" if line.emergency else "",
    )
    writer.add("DTP", "472", "D8", _d8(line.date_of_service))
    writer.add("REF", "6R", str(line.charge_id))  # the line's own number, echoed on the payer's remittance
    referring = form.referring
    if referring and referring.qualifier is ReferringQualifier.ORDERING:  # 2420E
        writer.add("NM1", "DK", "1", *_names(referring.last, referring.first, "", "ordering provider"), "", "", "XX",
                   referring.npi)  # fmt: skip


def _provider_name(provider: Provider, who: str) -> tuple[str, ...]:
    """NM102-NM107 of a provider: a person (1) with last, first; or an organisation (2) with its name."""
    if provider.organization:
        return ("2", _text(provider.last, f"{who}'s name", 60), "", "", "", "")
    return ("1", *_names(provider.last, provider.first, "", who), "", "")


def _person_name(person: Person, who: str) -> tuple[str, str, str]:
    return _names(person.last, person.first, person.middle, who)


def _names(last: str, first: str, middle: str, who: str) -> tuple[str, str, str]:
    return (
        _text(last, f"{who}'s last name", 60),
        _text(first, f"{who}'s first name", 35),
        _text(middle, f"{who}'s middle name", 25),
    )


def _contact_name(provider: Provider) -> str:
    return provider.last if provider.organization else " ".join(p for p in (provider.first, provider.last) if p)


def _address(writer: _Writer, address: Address, who: str) -> None:
    writer.add("N3", _text(address.street, f"{who}'s street address", 55))
    writer.add("N4", _text(address.city, f"{who}'s city", 30), _text(address.state, f"{who}'s state", 2),
               _digits(address.zip))  # fmt: skip


def _demographics(writer: _Writer, person: Person) -> None:
    writer.add("DMG", "D8", _d8(person.dob) if person.dob else "", person.sex if person.sex in ("F", "M", "U") else "U")


def _text(value: str, field: str, limit: int) -> str:
    return x12_text(value, field)[:limit].rstrip()


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def _d8(day: date) -> str:
    return f"{day:%Y%m%d}"


def _amount(cents: int) -> str:
    """X12 decimal: 150, 150.5, 150.25 (no trailing zeros, no trailing point)."""
    whole, part = divmod(abs(cents), 100)
    sign = "-" if cents < 0 else ""
    return f"{sign}{whole}" if not part else f"{sign}{whole}.{part:02d}".rstrip("0")


# -- the app's own checks of a written file ------------------------------------------------------------------


def check_837p(text: str, forms: Sequence[ClaimForm]) -> list[str]:
    """What pyx12 does not check, in sentences (empty: the file is right): counts and control numbers,
    totals, NPI check digits, the billing provider's ZIP+4, billable ICD-10-CM codes."""
    segments = _parse(text)
    return list(_envelope_findings(segments)) + list(_claim_findings(segments, forms))


def _parse(text: str) -> list[list[str]]:
    return [part.strip().split(ELEMENT) for part in text.split(TERMINATOR) if part.strip()]


def _element(segment: list[str], position: int) -> str:
    return segment[position] if position < len(segment) else ""


def _number(value: str) -> int | None:
    return int(value) if value.strip().isdigit() else None


def _envelope_findings(segments: list[list[str]]) -> Iterator[str]:
    tags = [segment[0] for segment in segments]
    for tag in ("ISA", "GS", "ST", "SE", "GE", "IEA"):
        if tags.count(tag) != 1:
            yield f"The file should have one {tag} segment; it has {tags.count(tag)}."
    if any(tags.count(tag) != 1 for tag in ("ISA", "GS", "ST", "SE", "GE", "IEA")):
        return
    isa, gs, st, se, ge, iea = (segments[tags.index(tag)] for tag in ("ISA", "GS", "ST", "SE", "GE", "IEA"))
    counted = tags.index("SE") - tags.index("ST") + 1
    if _number(_element(se, 1)) != counted:
        yield f"The transaction's segment count (SE01) is {_element(se, 1)}, but it has {counted} segments."
    if _element(se, 2) != _element(st, 2):
        yield f"The transaction's control number in SE02 ({_element(se, 2)}) differs from ST02 ({_element(st, 2)})."
    if _element(isa, 13) != _element(iea, 2):
        yield f"The interchange control number in IEA02 ({_element(iea, 2)}) differs from ISA13 ({_element(isa, 13)})."
    if _number(_element(gs, 6)) is None or _number(_element(gs, 6)) != _number(_element(ge, 2)):
        yield f"The group control number in GE02 ({_element(ge, 2)}) differs from GS06 ({_element(gs, 6)})."
    if _number(_element(isa, 13)) != _number(_element(gs, 6)):
        yield f"The group control number GS06 ({_element(gs, 6)}) differs from ISA13 ({_element(isa, 13)})."
    if _number(_element(ge, 1)) != 1:
        yield f"GE01 says the group holds {_element(ge, 1)} transactions; it holds 1."
    if _number(_element(iea, 1)) != 1:
        yield f"IEA01 says the interchange holds {_element(iea, 1)} groups; it holds 1."


def _cents(value: str) -> int | None:
    match = re.fullmatch(r"(-?)(\d*)(?:\.(\d{1,2}))?", value)
    if not match or not (match.group(2) or match.group(3)):
        return None
    cents = int(match.group(2) or "0") * 100 + int((match.group(3) or "0").ljust(2, "0"))
    return -cents if match.group(1) else cents


def _claim_findings(segments: list[list[str]], forms: Sequence[ClaimForm]) -> Iterator[str]:
    by_number = {form.claim_number: form for form in forms}
    claims: dict[str, tuple[int | None, int]] = {}  # CLM01: (CLM02, sum of SV1 charges)
    current = ""
    entity = ""
    for segment in segments:
        tag = segment[0]
        if tag == "NM1":
            entity = _element(segment, 1)
            if _element(segment, 8) == "XX" and not npi_check_digit_ok(_element(segment, 9)):
                yield f"The NPI {_element(segment, 9)} (NM1*{entity}) is not valid: its check digit does not match."
        elif tag == "N4" and entity == "85" and not re.fullmatch(r"\d{9}", _element(segment, 3)):
            yield "The billing provider's ZIP code needs all nine digits (ZIP+4)."
        elif tag == "CLM":
            current = _element(segment, 1)
            if current in claims:
                yield f"Claim {current} is in the file twice."
            claims[current] = (_cents(_element(segment, 2)), 0)
        elif tag == "SV1" and current:
            total, lines = claims[current]
            charge = _cents(_element(segment, 2))
            if charge is None:
                yield f"Claim {current} has a service line whose charge ({_element(segment, 2)}) is not an amount."
            claims[current] = (total, lines + (charge or 0))
        elif tag == "HI":
            for composite in segment[1:]:
                qualifier, _, code = composite.partition(COMPONENT)
                if qualifier not in ("ABK", "ABF"):  # condition codes (BG), not diagnoses
                    continue
                form = by_number.get(current)
                release = release_for(form.first_date) if form is not None and form.first_date else None
                entry = code_set(release or NEWEST).get(code)
                if entry is None or not entry.billable:
                    yield f"Claim {current}: {code or 'an empty code'} ({qualifier}) is not a billable ICD-10-CM code."
    for number, (total, lines) in claims.items():
        form = by_number.get(number)
        if total != lines:
            yield f"Claim {number}'s total (CLM02) does not equal the sum of its service lines."
        if form is None:
            yield f"Claim {number} is in the file but not among the claims exported."
        elif total != form.total_cents:
            yield f"Claim {number}'s total in the file does not equal the claim's total."
    for number in by_number.keys() - claims.keys():
        yield f"Claim {number} is missing from the file."
