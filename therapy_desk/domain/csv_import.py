"""Importing a caseload from another system's CSV export: the target fields, the mapping from them to the
file's column headings, presets for common exports, and each row parsed into a `ClientImport` or the
sentences saying why it cannot be imported.

Every value is checked by the rules the app's own forms use (`Client.validated`, `Coverage.validated`,
the ICD-10-CM code set in force today); only what a CSV adds is checked here: date and word formats,
lengths, and a row's shape. No sentence repeats a value from the file (it would be a client's PHI), except
what a rule's own sentence names, such as a US state code.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from therapy_desk.domain.billing import Coverage
from therapy_desk.domain.clients import AdministrativeSex, Client, ClientStatus
from therapy_desk.domain.icd10cm import IcdCode, code_set
from therapy_desk.errors import UserError, ValidationError

MAX_FIELD = 200  # characters in one cell a field is read from
DATE_FORMATS = "YYYY-MM-DD or MM/DD/YYYY"


@dataclass(frozen=True)
class Field:
    key: str
    label: str  # "the date of birth": a sentence's words, capitalised where a heading needs it
    required: bool = False

    @property
    def title(self) -> str:
        return self.label[4].upper() + self.label[5:] if self.label.startswith("the ") else self.label


FIELDS: tuple[Field, ...] = (
    Field("legal_first", "the legal first name", required=True),
    Field("legal_middle", "the legal middle name"),
    Field("legal_last", "the legal last name", required=True),
    Field("preferred_name", "the preferred name"),
    Field("pronouns", "the pronouns"),
    Field("dob", "the date of birth", required=True),
    Field("sex", "the sex"),
    Field("street", "the street address"),
    Field("city", "the city"),
    Field("state", "the state"),
    Field("zip", "the ZIP code"),
    Field("phone", "the phone number"),
    Field("email", "the email address"),
    Field("emergency_name", "the emergency contact's name"),
    Field("emergency_phone", "the emergency contact's phone"),
    Field("emergency_relationship", "the emergency contact's relationship"),
    Field("referral_source", "the referral source"),
    Field("status", "the status"),
    Field("intake_date", "the intake date"),
    Field("discharge_date", "the discharge date"),
    Field("account_number", "the account number"),
    Field("diagnoses", "the diagnosis codes"),
    Field("payer", "the insurance payer"),
    Field("member_id", "the insurance member ID"),
)
FIELD_BY_KEY = {f.key: f for f in FIELDS}
_DATES = ("dob", "intake_date", "discharge_date")


@dataclass(frozen=True)
class Mapping:
    """Which column heading of the file each Therapy Desk field is read from (fields left out stay blank).

    `guessed` are the optional fields whose heading came from a preset rather than from the user: a file
    without that column leaves the field blank (`unmatched` names them), where a column the user chose, or
    a required field's, must be in the file."""

    columns: dict[str, str] = field(default_factory=dict)
    guessed: frozenset[str] = frozenset()

    def with_column(self, key: str, heading: str) -> Mapping:
        columns = {k: v for k, v in self.columns.items() if k != key}
        if heading:
            columns[key] = heading
        return Mapping(columns, self.guessed - {key})

    def unmatched(self, headings: Sequence[str]) -> list[Field]:
        """The preset's optional fields whose heading the file does not have (they stay blank)."""
        present = {_heading_key(h) for h in headings}
        return [f for f in FIELDS if f.key in self.guessed and _heading_key(self.columns[f.key]) not in present]

    def indices(self, headings: Sequence[str]) -> dict[str, int]:
        """Field -> column index in a file with these headings, or `UserError` naming what is missing."""
        found: dict[str, int] = {}
        where: dict[str, list[int]] = {}
        for index, name in enumerate(headings):
            where.setdefault(_heading_key(name), []).append(index)
        problems = [
            f"Map {f.label} to one of the file's columns." for f in FIELDS if f.required and f.key not in self.columns
        ]
        absent = []
        for f in FIELDS:
            heading = self.columns.get(f.key)
            if heading is None:
                continue
            at = where.get(_heading_key(heading), [])
            if not at and f.key in self.guessed:
                continue
            if not at:
                absent.append(f"“{heading}” ({f.label})")
            elif len(at) > 1:
                problems.append(f"The file has two columns headed “{heading}”; rename one so {f.label} is clear.")
            else:
                found[f.key] = at[0]
        if absent:
            problems.insert(0, f"The file has no column headed {_join(absent)}; check the mapping.")
        if problems:
            raise UserError(" ".join(problems))
        return found


def _heading_key(heading: str) -> str:
    return " ".join(heading.split()).casefold()


def _join(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


@dataclass(frozen=True)
class Preset:
    key: str
    name: str
    description: str
    mapping: Mapping


def _preset(columns: dict[str, str]) -> Mapping:
    return Mapping(columns, frozenset(key for key in columns if not FIELD_BY_KEY[key].required))


_CLIENT_COLUMNS = tuple(f.key for f in FIELDS if f.key not in ("diagnoses", "payer", "member_id"))
_CHECK = "Check these headings against your file's before importing: the export's layout may have changed."
PRESETS: tuple[Preset, ...] = (
    Preset(
        "therapy-desk-archive",
        "Therapy Desk archive",
        "The clients.csv of a Therapy Desk exit archive: its headings are the clients table's column names "
        "(diagnoses and insurance are in their own files and are not read from it).",
        _preset({key: key for key in _CLIENT_COLUMNS}),
    ),
    Preset(
        "simplepractice",
        "SimplePractice client export",
        f"A SimplePractice client list exported as CSV. {_CHECK}",
        _preset(
            {
                "legal_first": "First Name",
                "legal_middle": "Middle Name",
                "legal_last": "Last Name",
                "preferred_name": "Preferred Name",
                "pronouns": "Pronouns",
                "dob": "Date of Birth",
                "sex": "Sex",
                "street": "Address",
                "city": "City",
                "state": "State",
                "zip": "Zip",
                "phone": "Mobile Phone",
                "email": "Email",
                "status": "Status",
                "diagnoses": "Diagnosis Codes",
                "payer": "Insurance Payer",
                "member_id": "Member ID",
            }
        ),
    ),
    Preset(
        "therapynotes",
        "TherapyNotes patient export",
        f"A TherapyNotes patient list exported as CSV. {_CHECK}",
        _preset(
            {
                "legal_first": "First Name",
                "legal_middle": "Middle Name",
                "legal_last": "Last Name",
                "preferred_name": "Preferred Name",
                "dob": "DOB",
                "sex": "Gender",
                "street": "Address Line 1",
                "city": "City",
                "state": "State",
                "zip": "ZIP",
                "phone": "Phone",
                "email": "Email",
                "status": "Status",
                "intake_date": "Intake Date",
                "diagnoses": "Diagnoses",
                "payer": "Primary Insurance",
                "member_id": "Primary Insurance Member ID",
            }
        ),
    ),
)
PRESET_BY_KEY = {p.key: p for p in PRESETS}


def mapping_from_json(data: object) -> Mapping:
    """The mapping a mapping file describes: `{"preset": KEY, "columns": {FIELD: HEADING}}`, either or both
    (columns override the preset's); `UserError` for anything else."""
    if not isinstance(data, dict):
        raise UserError('The mapping file must hold one JSON object, like {"preset": "simplepractice"}.')
    unknown = sorted(str(k)[:40] for k in data if k not in ("preset", "columns"))
    if unknown:
        raise UserError(f"The mapping file may hold only “preset” and “columns”, not {_join(unknown)}.")
    if "preset" not in data and "columns" not in data:
        raise UserError("The mapping file names neither a preset nor any columns.")
    columns: dict[str, str] = {}
    guessed: frozenset[str] = frozenset()
    preset = data.get("preset")
    if preset is not None:
        if not isinstance(preset, str) or preset not in PRESET_BY_KEY:
            raise UserError(f"The mapping file's preset must be one of {_join(list(PRESET_BY_KEY))}.")
        columns.update(PRESET_BY_KEY[preset].mapping.columns)
        guessed = PRESET_BY_KEY[preset].mapping.guessed
    given = data.get("columns", {})
    if not isinstance(given, dict):
        raise UserError("The mapping file's “columns” must be an object of field names and column headings.")
    for key, heading in given.items():
        if key not in FIELD_BY_KEY:
            raise UserError(
                "The mapping file names a field Therapy Desk does not have; the fields are "
                f"{_join(list(FIELD_BY_KEY))}."
            )
        if not isinstance(heading, str) or len(heading) > MAX_FIELD:
            raise UserError(f"The column heading for {key} must be text of at most {MAX_FIELD} characters.")
        if heading.strip():
            columns[key] = heading.strip()
        else:
            columns.pop(key, None)
        guessed -= {key}
    return Mapping(columns, guessed)


@dataclass(frozen=True)
class ClientImport:
    """One row as it will be imported: the client, its diagnoses (principal first), and a primary coverage
    (with client and payer ids still 0) under the payer named `payer`."""

    row: int
    client: Client
    diagnoses: tuple[IcdCode, ...] = ()
    payer: str = ""
    coverage: Coverage | None = None

    @property
    def identity(self) -> tuple[str, str, date]:
        return identity(self.client.legal_first, self.client.legal_last, self.client.dob)


def identity(first: str, last: str, dob: date) -> tuple[str, str, date]:
    """What makes two clients the same person for an import: legal first and last name (any case) and DOB."""
    return (" ".join(first.split()).casefold(), " ".join(last.split()).casefold(), dob)


_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_US = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def parse_date(text: str) -> date:
    """YYYY-MM-DD or MM/DD/YYYY (a spreadsheet's US short date), or `ValueError`."""
    value = text.strip()
    if match := _ISO.fullmatch(value):
        year, month, day = match.groups()
    elif match := _US.fullmatch(value):
        month, day, year = match.groups()
    else:
        raise ValueError(value)
    return date(int(year), int(month), int(day))


_SEX = {
    "f": AdministrativeSex.FEMALE,
    "female": AdministrativeSex.FEMALE,
    "woman": AdministrativeSex.FEMALE,
    "m": AdministrativeSex.MALE,
    "male": AdministrativeSex.MALE,
    "man": AdministrativeSex.MALE,
    # Claims carry only F, M or U: X and the words for it are recorded as U.
    "u": AdministrativeSex.UNKNOWN,
    "unknown": AdministrativeSex.UNKNOWN,
    "x": AdministrativeSex.UNKNOWN,
    "other": AdministrativeSex.UNKNOWN,
    "nonbinary": AdministrativeSex.UNKNOWN,
    "non-binary": AdministrativeSex.UNKNOWN,
    "not specified": AdministrativeSex.UNKNOWN,
    "declined": AdministrativeSex.UNKNOWN,
}
_STATUS = {
    **{s.value: s for s in ClientStatus},
    "current": ClientStatus.ACTIVE,
    "wait list": ClientStatus.WAITLIST,
    "waiting list": ClientStatus.WAITLIST,
    "waitlisted": ClientStatus.WAITLIST,
    "prospective": ClientStatus.INQUIRY,
    "prospect": ClientStatus.INQUIRY,
    "lead": ClientStatus.INQUIRY,
    "closed": ClientStatus.DISCHARGED,
    "terminated": ClientStatus.DISCHARGED,
    "former": ClientStatus.DISCHARGED,
}
SEX_WORDS = "F, M, U or X (or female, male, unknown); X is recorded as U, as claims carry only F, M or U"
STATUS_WORDS = "active, inactive, discharged, waitlist or inquiry (blank is active)"


def parse_row(
    row: int, cells: Sequence[str], columns: dict[str, int], width: int, today: date
) -> ClientImport | list[str]:
    """Row number `row` (as a spreadsheet numbers it) of a file `width` columns wide, read through
    `columns` (from `Mapping.indices`): what it will import, or why not, one sentence each."""
    if len(cells) != width:
        return [f"it has {len(cells)} cells where the headings have {width}; check its quotes and commas."]
    value = {key: cells[at].strip() for key, at in columns.items()}
    problems = [
        f"{FIELD_BY_KEY[k].label} is longer than {MAX_FIELD} characters."
        for k, v in value.items()
        if len(v) > MAX_FIELD
    ]
    if problems:
        return problems
    dates: dict[str, date | None] = {}
    for key in _DATES:
        text = value.get(key, "")
        try:
            dates[key] = parse_date(text) if text else None
        except ValueError:
            problems.append(f"{FIELD_BY_KEY[key].label} is not a date (use {DATE_FORMATS}).")
    sex = _SEX.get(value.get("sex", "").casefold()) if value.get("sex") else AdministrativeSex.UNKNOWN
    if sex is None:
        problems.append(f"the sex is not one Therapy Desk knows (use {SEX_WORDS}).")
    status = (
        _STATUS.get(" ".join(value.get("status", "").split()).casefold())
        if value.get("status")
        else ClientStatus.ACTIVE
    )
    if status is None:
        problems.append(f"the status is not one Therapy Desk knows (use {STATUS_WORDS}).")
    codes = _diagnoses(value.get("diagnoses", ""), problems)
    dob = dates.get("dob")
    if dob is None and not value.get("dob"):
        problems.append("the date of birth is required.")
    if problems or dob is None or sex is None or status is None:
        return problems

    def cell(key: str) -> str:
        return value.get(key, "")

    try:
        client = Client(
            legal_first=cell("legal_first"),
            legal_last=cell("legal_last"),
            dob=dob,
            status=status,
            account_number=cell("account_number"),
            legal_middle=cell("legal_middle"),
            preferred_name=cell("preferred_name"),
            pronouns=cell("pronouns"),
            sex=sex,
            street=cell("street"),
            city=cell("city"),
            state=cell("state"),
            zip=cell("zip"),
            phone=cell("phone"),
            email=cell("email"),
            emergency_name=cell("emergency_name"),
            emergency_phone=cell("emergency_phone"),
            emergency_relationship=cell("emergency_relationship"),
            referral_source=cell("referral_source"),
            intake_date=dates["intake_date"],
            discharge_date=dates["discharge_date"],
        ).validated(today)
    except ValidationError as err:
        return [_sentence(err)]
    payer, member_id = " ".join(value.get("payer", "").split()), value.get("member_id", "")
    coverage = None
    if payer and not member_id:
        return ["the insurance payer is given without the member ID; add it, or clear the payer."]
    if member_id and not payer:
        return ["the member ID is given without the insurance payer's name."]
    if payer:
        try:
            coverage = Coverage(0, 0, member_id, client.intake_date or today).validated(client, today)
        except ValidationError as err:
            return [_sentence(err)]
    return ClientImport(row, client, codes, payer, coverage)


def _diagnoses(text: str, problems: list[str]) -> tuple[IcdCode, ...]:
    """The ';'-separated codes, each checked as a chart's diagnosis is (in force today, billable)."""
    found: list[IcdCode] = []
    parts = [p.strip() for p in text.split(";")] if text.strip() else []
    for n, part in enumerate(parts, start=1):
        which = "the diagnosis code" if len(parts) == 1 else f"diagnosis code {n}"
        try:
            entry = code_set().require(part, billable=True)
        except ValidationError:
            known = code_set().get(part) if part else None
            if known is None:
                problems.append(f"{which} is not an ICD-10-CM code in force today (separate codes with ';').")
            else:
                problems.append(f"{which} is a category, not a billable code; use a more specific code under it.")
            continue
        if any(e.code == entry.code for e in found):
            problems.append(f"{which} repeats a code listed before it in the row.")
        else:
            found.append(entry)
    return tuple(found)


def _sentence(err: ValidationError) -> str:
    """A rule's sentence to follow "Row 12: ": lower-case unless it starts with a code or an acronym."""
    text = str(err)
    first = text.split(maxsplit=1)[0] if text.strip() else ""
    return text if len(first) > 1 and first.isupper() else text[:1].lower() + text[1:]


def with_reason(row: int, reason: str) -> str:
    """`reason` (a sentence that may start lower-case) as said of row `row`: "Row 12: the date of …"."""
    return f"Row {row}: {reason}"
