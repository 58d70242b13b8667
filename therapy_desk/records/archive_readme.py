"""README.txt of an exit archive, written for a person with a PDF reader, a spreadsheet and a text editor:
what the archive is, how to open each part, and every table's meaning (the "The tables" section of the
vault-format document, shipped in the package as therapy_desk/resources/VAULT-FORMAT.md) with its columns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from importlib import resources

from therapy_desk import __version__
from therapy_desk.domain.text import plural

VAULT_FORMAT = "VAULT-FORMAT.md"


def vault_format_text() -> str:
    """The vault-format document as shipped with the app (identical to docs/VAULT-FORMAT.md)."""
    return resources.files("therapy_desk.resources").joinpath(VAULT_FORMAT).read_text("utf-8")


def _table_meanings(document: str) -> dict[str, str]:
    """Each table's "one row is" from the document's table of tables (a row may name several tables)."""
    meanings: dict[str, str] = {}
    section = document.partition("## The tables")[2].partition("\n## ")[0]
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 2 or "`" not in cells[0]:
            continue
        names = [name.strip().strip("`") for name in cells[0].split(",")]
        for position, name in enumerate(names):
            meaning = (
                cells[1] if len(names) == 1 else f"({position + 1} of {len(names)}: {', '.join(names)}) {cells[1]}"
            )
            meanings[name] = meaning
    return meanings


@dataclass(frozen=True)
class TableWritten:
    name: str
    columns: tuple[str, ...]
    rows: int


@dataclass(frozen=True)
class ReadmeFacts:
    practice: str
    written_at: datetime
    client_id: int | None
    clients: int
    tables: tuple[TableWritten, ...]
    charts: bool
    psychotherapy_notes: bool
    encrypted: bool


def readme_text(facts: ReadmeFacts) -> str:
    """The README.txt of an archive."""
    scope = (
        f"the record of one client (client id {facts.client_id})"
        if facts.client_id is not None
        else f"the whole practice: {plural(facts.clients, 'client')}"
    )
    if facts.charts:
        charts = "clients/<client id>/chart.pdf   each client's chart as a PDF: open it with any PDF reader."
    else:
        charts = "(no chart PDFs in this archive: the data folder holds the whole record)"
    if facts.client_id is not None:
        process = "Psychotherapy notes are never in an archive of one client."
    elif facts.psychotherapy_notes:
        process = (
            "Psychotherapy notes ARE included (data/psychotherapy_notes.*), as the clinician chose. They are kept\n"
            "apart from the record by law (45 CFR 164.501): do not hand them on with the rest."
        )
    else:
        process = "Psychotherapy notes are NOT included (the clinician did not choose them)."
    lines = [
        "THERAPY DESK EXIT ARCHIVE",
        "=========================",
        "",
        f"Practice: {facts.practice or '(no practice name recorded)'}",
        f"Written: {facts.written_at.isoformat(timespec='seconds')} by Therapy Desk {__version__}",
        f"Holds: {scope}.",
        "",
        "This folder is a complete copy of the records, readable without Therapy Desk: with a PDF reader, a",
        "spreadsheet program and a text editor. It holds health information: keep it as safe as the records.",
        "",
        "WHAT IS WHERE",
        "-------------",
        charts,
        "data/<table>.csv                 every table as a spreadsheet: open it with Excel, LibreOffice or Numbers.",
        "data/<table>.json                the same rows as JSON, one object per row, for software.",
        "VAULT-FORMAT.md                  how Therapy Desk stores a vault, every file and table (plain text).",
        "MANIFEST.sha256                  the SHA-256 of every other file, to show nothing was changed.",
        "README.txt                       this file.",
        "",
        process,
        "The full-text search index is left out: it is derived from the tables here.",
        "",
        "READING THE CSV FILES",
        "---------------------",
        "- UTF-8 text with a byte-order mark (so spreadsheets read accents and other scripts correctly), one",
        "  header row of column names, then one line per row. An empty cell is an empty or missing value (the",
        "  JSON files tell the two apart: null).",
        "- A text value starting with = + - @ (or a tab or carriage return) is written with a leading apostrophe '",
        "  so that no spreadsheet runs it as a formula (CSV injection). The JSON files hold the values unchanged.",
        "- Values are as stored: dates YYYY-MM-DD, times of day HH:MM, moments ISO 8601 with their UTC offset,",
        "  money in whole cents (12500 is $125.00), yes/no as 1/0. Some columns hold JSON (a note's sections are",
        "  [name, text] pairs; answers, mental status and risk are JSON objects).",
        "- Rows refer to each other by id: notes.client_id is clients.id, plan_goals.plan_id is plans.id, and so on.",
        "",
        "CHECKING THE ARCHIVE",
        "--------------------",
        "Linux:   cd into this folder and run   sha256sum -c MANIFEST.sha256",
        "macOS:   cd into this folder and run   shasum -a 256 -c MANIFEST.sha256",
        "Windows: Get-FileHash -Algorithm SHA256 <file> in PowerShell shows a file's SHA-256 to compare.",
        "Therapy Desk checks the whole folder with:   therapy-desk export verify <folder>",
        "",
    ]
    if facts.encrypted:
        lines[10:10] = [
            "The zip is encrypted with AES-256 (WinZip AES): open it with 7-Zip, WinZip, Keka or The Unarchiver",
            "and the password chosen when it was written (Windows' and macOS's built-in zip support cannot).",
            "",
        ]
    lines += ["THE TABLES", "----------", _tables_section(facts.tables)]
    return "\n".join(lines)


def _tables_section(tables: tuple[TableWritten, ...]) -> str:
    document = vault_format_text()
    intro = document.partition("## The tables")[2].partition("| table |")[0].strip()
    meanings = _table_meanings(document)
    parts = [intro.replace("`", ""), ""]
    for table in tables:
        parts.append(f"{table.name} ({plural(table.rows, 'row')}): data/{table.name}.csv, data/{table.name}.json")
        parts.append(f"  One row is: {meanings.get(table.name, 'see VAULT-FORMAT.md').replace('`', '')}")
        parts.append(f"  Columns: {', '.join(table.columns)}")
        parts.append("")
    return "\n".join(parts)
