"""Importing a caseload from another system's CSV export: read the file (bounded), check every row (the
dry run: rows accepted, rows rejected with their reasons), then import all of them in one transaction, or
none when any row is rejected.

Row numbers are as a spreadsheet shows them: the headings are row 1, the first client row 2. Sentences
name rows, fields and rules, never a value from the file (see domain/csv_import.py).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from therapy_desk.domain.csv_import import ClientImport, Mapping, mapping_from_json, parse_row, with_reason
from therapy_desk.domain.text import plural
from therapy_desk.errors import UserError
from therapy_desk.storage.clients_import import ImportCounts, payer_key
from therapy_desk.storage.files import os_errors_as_user_errors
from therapy_desk.storage.vault import Vault

MAX_BYTES = 50 * 1024 * 1024
MAX_ROWS = 100_000
MAX_COLUMNS = 500
MAX_HEADING = 200
MAX_MAPPING_BYTES = 64 * 1024
PREVIEW_ROWS = 5
# The encodings a file may be read in: UTF-8 (with or without a byte-order mark), or, only when the user
# says so, Windows-1252, what Excel on Windows writes when saving as plain "CSV".
UTF8, WINDOWS_1252 = "utf-8", "windows-1252"
ENCODINGS = {UTF8: "UTF-8", WINDOWS_1252: "Windows-1252 (plain “CSV” from Excel on Windows)"}
_CODECS = {UTF8: "utf-8-sig", WINDOWS_1252: "cp1252"}

Progress = Callable[[int, int], None]  # (rows checked, rows in all)


@dataclass(frozen=True)
class Table:
    """A CSV file's headings and its rows, each with its row number (blank rows left out)."""

    name: str
    headings: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]


@dataclass(frozen=True)
class Rejected:
    row: int
    reasons: tuple[str, ...]

    @property
    def sentences(self) -> list[str]:
        return [with_reason(self.row, reason) for reason in self.reasons]


@dataclass(frozen=True)
class DryRun:
    """What importing would do: the rows it would import, and those it cannot with their reasons."""

    rows: int
    accepted: tuple[ClientImport, ...]
    rejected: tuple[Rejected, ...]
    new_payers: tuple[str, ...]  # payers named that the vault does not have yet, as the file spells them

    @property
    def clean(self) -> bool:
        return not self.rejected and bool(self.accepted)

    @property
    def diagnoses(self) -> int:
        return sum(len(item.diagnoses) for item in self.accepted)

    @property
    def coverages(self) -> int:
        return sum(item.coverage is not None for item in self.accepted)

    def summary(self) -> str:
        """One sentence of counts (no names)."""
        if self.rejected:
            return (
                f"{plural(len(self.rejected), 'row')} of {self.rows:,} cannot be imported; nothing will be "
                "imported until every row is fixed."
            )
        payers = f", adding {plural(len(self.new_payers), 'payer')}" if self.new_payers else ""
        return (
            f"All {plural(self.rows, 'row')} can be imported: {plural(len(self.accepted), 'client')}, "
            f"{plural(self.diagnoses, 'diagnosis', 'diagnoses')}, {plural(self.coverages, 'insurance coverage')}"
            f"{payers}."
        )


@dataclass(frozen=True)
class Outcome:
    """An import's dry run and, when it was clean, what was imported (None: nothing was)."""

    report: DryRun
    imported: ImportCounts | None


def read_table(path: Path, encoding: str = UTF8) -> Table:
    """The file's headings and rows, or a `UserError` sentence: too large, not UTF-8 (or the encoding the user
    chose), not CSV, empty."""
    name = path.name
    if encoding not in _CODECS:
        raise UserError(f"The encoding must be {' or '.join(ENCODINGS)}.")
    with os_errors_as_user_errors(path), path.open("rb") as file:
        data = file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise UserError(f"{name} is larger than {MAX_BYTES // (1024 * 1024)} MB; split it into smaller files.")
    try:
        text = data.decode(_CODECS[encoding])
    except UnicodeDecodeError:
        if encoding == UTF8:
            raise UserError(
                f"{name} is not UTF-8 text: save it from your spreadsheet as 'CSV UTF-8' and try again. (A file "
                "Excel on Windows saved as plain 'CSV' can be read as Windows-1252 instead: check its names after.)"
            ) from None
        raise UserError(
            f"{name} is not Windows-1252 text either: save it from your spreadsheet as 'CSV UTF-8' and try again."
        ) from None
    return parse_table(name, text)


def parse_table(name: str, text: str) -> Table:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[tuple[int, tuple[str, ...]]] = []
    headings: tuple[str, ...] | None = None
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            if headings is None:
                headings = tuple(cell.strip() for cell in cells)
                if len(headings) > MAX_COLUMNS or any(len(h) > MAX_HEADING for h in headings):
                    raise UserError(
                        f"{name}'s first row is not a row of column headings (more than {MAX_COLUMNS} columns, "
                        f"or headings longer than {MAX_HEADING} characters)."
                    )
                continue
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise UserError(f"{name} has more than {MAX_ROWS:,} rows; split it into smaller files.")
            rows.append((number, tuple(cells)))
    except csv.Error:
        raise UserError(
            f"Row {number + 1} of {name} cannot be read as CSV (a quote is not closed, or a cell is too long)."
        ) from None
    if headings is None or not any(headings):
        raise UserError(f"{name} is empty: its first row should be the column headings.")
    return Table(name, headings, tuple(rows))


def read_mapping(path: Path) -> Mapping:
    """A mapping file (JSON `{"preset": ..., "columns": {...}}`), checked as hostile input."""
    with os_errors_as_user_errors(path), path.open("rb") as file:
        data = file.read(MAX_MAPPING_BYTES + 1)
    if len(data) > MAX_MAPPING_BYTES:
        raise UserError(f"The mapping file {path.name} is larger than {MAX_MAPPING_BYTES // 1024} KB.")
    try:
        parsed = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise UserError(f"The mapping file {path.name} is not JSON text.") from None
    return mapping_from_json(parsed)


def preview(
    table: Table, mapping: Mapping, today: date, limit: int = PREVIEW_ROWS
) -> list[tuple[int, ClientImport | list[str]]]:
    """The first rows as they will be imported (or why not); `UserError` when mapped columns are missing.
    Checks each row alone: duplicates and the vault are the dry run's."""
    columns = mapping.indices(table.headings)
    width = len(table.headings)
    return [(row, parse_row(row, cells, columns, width, today)) for row, cells in table.rows[:limit]]


def dry_run(
    vault: Vault, table: Table, mapping: Mapping, *, today: date | None = None, progress: Progress | None = None
) -> DryRun:
    """Check every row as the import will (the vault unchanged); `UserError` when the mapping does not fit."""
    day = today or date.today()
    columns = mapping.indices(table.headings)
    if not table.rows:
        raise UserError(f"{table.name} has column headings but no rows to import.")
    width = len(table.headings)
    existing = vault.clients.identities()
    accounts = vault.clients.account_numbers()
    payers = vault.clients.payers_by_name()
    first_row: dict[tuple[str, str, date], int] = {}
    account_row: dict[str, int] = {}
    new_payers: dict[str, str] = {}
    accepted: list[ClientImport] = []
    rejected: list[Rejected] = []
    for done, (row, cells) in enumerate(table.rows):
        if progress is not None and done % 500 == 0:
            progress(done, len(table.rows))
        parsed = parse_row(row, cells, columns, width, day)
        if isinstance(parsed, list):
            rejected.append(Rejected(row, tuple(parsed)))
            continue
        reasons = []
        earlier = first_row.setdefault(parsed.identity, row)
        if earlier != row:
            reasons.append(f"it duplicates row {earlier} (the same legal name and date of birth).")
        elif parsed.identity in existing:
            reasons.append("it duplicates a client already in Therapy Desk (the same legal name and date of birth).")
        account = parsed.client.account_number.strip()
        if account:
            if account in accounts:
                reasons.append("its account number is already used by a client in Therapy Desk.")
            elif account_row.setdefault(account, row) != row:
                reasons.append(f"its account number is also row {account_row[account]}'s.")
        if parsed.payer:
            known = payers.get(payer_key(parsed.payer))
            if known is None:
                new_payers.setdefault(payer_key(parsed.payer), parsed.payer)
            elif not known.active:
                reasons.append("its insurance payer is marked inactive in Therapy Desk; reactivate it under Billing.")
        if reasons:
            rejected.append(Rejected(row, tuple(reasons)))
        else:
            accepted.append(parsed)
    if progress is not None:
        progress(len(table.rows), len(table.rows))
    return DryRun(len(table.rows), tuple(accepted), tuple(rejected), tuple(new_payers.values()))


def import_table(
    vault: Vault, table: Table, mapping: Mapping, *, today: date | None = None, progress: Progress | None = None
) -> Outcome:
    """The dry run, then, only when no row is rejected, every row imported in one transaction (audited)."""
    report = dry_run(vault, table, mapping, today=today, progress=progress)
    if not report.clean:
        return Outcome(report, None)
    return Outcome(report, vault.clients.import_clients(report.accepted))


def import_csv(
    vault: Vault, path: Path, mapping: Mapping, *, today: date | None = None, encoding: str = UTF8
) -> Outcome:
    """Read the CSV file at `path` and import it (see `import_table`)."""
    return import_table(vault, read_table(path, encoding), mapping, today=today)
