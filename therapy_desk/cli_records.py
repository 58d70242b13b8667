"""The commands that read the record: `clients list`, `notes list`, `schedule` (and `schedule export-ics`)
and `search` (cli.py builds the parser and runs them). Each opens the vault once, reads, and prints
lines or JSON; none prints a note's text or a psychotherapy note."""

from __future__ import annotations

import argparse
import dataclasses
import enum
import json
import sys
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from therapy_desk.cli_folders import vault_dir
from therapy_desk.cli_parser import EXIT_OK, CommandParser
from therapy_desk.domain.billing import format_cents
from therapy_desk.domain.clients import Client, ClientStatus, Unit
from therapy_desk.domain.codes import PlaceOfService
from therapy_desk.domain.ics import Identifier
from therapy_desk.domain.notes import NoteFormat, NoteKind, NoteStatus
from therapy_desk.domain.scheduling import Appointment, AppointmentStatus
from therapy_desk.domain.text import plural
from therapy_desk.errors import UserError
from therapy_desk.storage.calendar_export import schedule_ics
from therapy_desk.storage.files import atomic_write
from therapy_desk.storage.schedule import MAX_RANGE_DAYS
from therapy_desk.storage.search import HIGHLIGHT_END, HIGHLIGHT_START
from therapy_desk.storage.vault import Vault

if TYPE_CHECKING:
    from therapy_desk.cli import Secrets


def _told(vault: Vault) -> Vault:
    """`vault`, after saying on stderr what opening it found (history missing, files it could not make private)."""
    for warning in vault.warnings:
        print(f"therapy-desk: warning: {warning}", file=sys.stderr)
    return vault


def _jsonable(value: object) -> object:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _write_json(records: Sequence[object], out: TextIO) -> int:
    """Dataclass records as a JSON list (dates ISO, enums by value)."""
    rows = [{k: _jsonable(v) for k, v in dataclasses.asdict(r).items()} for r in records]  # type: ignore[call-overload]
    json.dump(rows, out, ensure_ascii=False, indent=2)
    out.write("\n")
    return EXIT_OK


def _cmd_clients_list(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    passphrase = secrets.ask("Passphrase: ")
    statuses = [ClientStatus(s) for s in args.status]
    with _told(Vault.open(vault_dir(args.vault), passphrase)) as vault:
        rows = vault.caseload.rows(vault.caseload.ids(statuses=statuses))
    if args.json:
        return _write_json(rows, out)
    for row in rows:
        upcoming = f"{row.next_appointment:%Y-%m-%d %H:%M}" if row.next_appointment else "—"
        out.write(
            f"{row.client_id:>6}  {row.name:<32.32} {row.status.value:<10} next {upcoming:<16} "
            f"{row.principal_code or '':<8} {row.payer or 'self-pay':<20.20} {format_cents(row.balance_cents):>11}\n"
        )
    out.write(f"{plural(len(rows), 'client')}\n")
    return EXIT_OK


@dataclasses.dataclass(frozen=True)
class NoteLine:
    """What `notes list` shows of a note: never its text."""

    note_id: int
    date_of_service: date | None
    kind: NoteKind
    format: NoteFormat
    status: NoteStatus
    signed_by: str | None
    signed_at: str | None  # UTC ISO-8601
    addenda: int
    appointment_id: int | None


def _cmd_notes_list(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    folder = vault_dir(args.vault)
    passphrase = secrets.ask("Passphrase: ")
    with _told(Vault.open(folder, passphrase)) as vault:
        notes = vault.notes.listing(args.client, drafts_only=args.unsigned)
    lines = [
        NoteLine(n.id or 0, n.date_of_service, n.kind, n.format, n.status, n.signed_by, n.signed_at,
                 len(n.addenda), n.appointment_id)
        for n in notes
    ]  # fmt: skip
    if args.json:
        return _write_json(lines, out)
    for line in lines:
        day = line.date_of_service.isoformat() if line.date_of_service else "undated"
        signed = f"by {line.signed_by:<32.32} {_utc_minute(line.signed_at)}" if line.signed_by else ""
        addenda = plural(line.addenda, "addendum", "addenda") if line.addenda else ""
        out.write(
            f"{line.note_id:>6}  {day:<10}  {line.kind.value:<20} {line.format.value:<9} {line.status.value:<6}  "
            f"{signed:<56} {addenda}".rstrip()
            + "\n"
        )
    out.write(f"{plural(len(lines), 'note')}\n")
    return EXIT_OK


def _utc_minute(stamp: str | None) -> str:
    """A stored UTC time to the minute, marked as UTC: 2025-02-03 14:05 UTC."""
    return "" if stamp is None else f"{datetime.fromisoformat(stamp):%Y-%m-%d %H:%M} UTC"


@dataclasses.dataclass(frozen=True)
class ScheduleLine:
    """One appointment as `schedule` lists it; `name` is the client's as the caseload lists it, or the unit's."""

    appointment_id: int
    start: datetime
    end: datetime
    client_id: int | None
    unit_id: int | None
    name: str
    service_code: str
    modifiers: tuple[str, ...]
    status: AppointmentStatus
    telehealth: bool
    place_of_service: PlaceOfService


def _date_range_options(parser: CommandParser) -> None:
    parser.add_argument("--from", dest="from_date", metavar="DATE", help="first day, YYYY-MM-DD (required)")
    parser.add_argument(
        "--to", dest="to_date", metavar="DATE",
        help=f"last day, YYYY-MM-DD, included (required; at most {MAX_RANGE_DAYS} days in all)",
    )  # fmt: skip


def _date_range(args: argparse.Namespace) -> tuple[date, date]:
    if args.from_date is None or args.to_date is None:
        raise UserError("Give the days with --from DATE and --to DATE (YYYY-MM-DD).")
    first, last = _date_option(args.from_date, "--from"), _date_option(args.to_date, "--to")
    if last < first:
        raise UserError("--to is before --from; give the earlier date to --from.")
    if (last - first).days >= MAX_RANGE_DAYS:
        raise UserError(f"--from and --to span more than {MAX_RANGE_DAYS} days; ask for a year or less at a time.")
    return first, last


def _cmd_schedule_ics(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    first, last = _date_range(args)
    target = Path(args.output).expanduser()
    if target.is_dir() or not target.parent.is_dir():
        raise UserError(f"-o names a folder or a file in a folder that does not exist: {target}. Give a file name.")
    identifier = Identifier(args.identify.replace("-", " "))
    folder = vault_dir(args.vault)
    passphrase = secrets.ask("Passphrase: ")
    with _told(Vault.open(folder, passphrase)) as vault:
        body = schedule_ics(vault, first, last, identifier)
    atomic_write(target, body.encode("utf-8"))
    events = body.count("BEGIN:VEVENT")
    out.write(f"Wrote {plural(events, 'appointment')} to {target}.\n")
    return 0


def _cmd_schedule(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    first, last = _date_range(args)
    folder = vault_dir(args.vault)
    passphrase = secrets.ask("Passphrase: ")
    with _told(Vault.open(folder, passphrase)) as vault:
        appointments = vault.schedule.range(first, last)
        clients = vault.clients.by_ids(sorted({a.client_id for a in appointments if a.client_id is not None}))
        units = {uid: vault.clients.unit(uid) for uid in {a.unit_id for a in appointments if a.unit_id is not None}}
    lines = [
        ScheduleLine(a.id or 0, a.start, a.end, a.client_id, a.unit_id, _party_name(a, clients, units),
                     a.service_code, a.modifiers, a.status, a.telehealth, a.place_of_service)
        for a in appointments
    ]  # fmt: skip
    if args.json:
        return _write_json(lines, out)
    for line in lines:
        where = ("telehealth " if line.telehealth else "") + f"POS {line.place_of_service.value}"
        code = "-".join((line.service_code, *line.modifiers))
        out.write(
            f"{line.start:%Y-%m-%d}  {line.start:%H:%M}–{line.end:%H:%M}  {line.name:<32.32} {code:<12} "
            f"{line.status.value:<11} {where}\n"
        )
    out.write(f"{plural(len(lines), 'appointment')}\n")
    return EXIT_OK


def _date_option(text: str, flag: str) -> date:
    """A YYYY-MM-DD date given to `flag`; what was typed is not repeated in the sentence."""
    try:
        if len(text) == len("YYYY-MM-DD") and text[4] == text[7] == "-":
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise UserError(f"{flag} needs a real date written as YYYY-MM-DD, such as 2025-02-03.")


def _party_name(appointment: Appointment, clients: dict[int, Client], units: dict[int, Unit]) -> str:
    if appointment.client_id is not None:
        client = clients.get(appointment.client_id)
        return client.listed_name if client is not None else "Unknown client"
    unit = units[appointment.unit_id] if appointment.unit_id is not None else None
    return f"{unit.name} ({unit.kind})" if unit is not None else "Unknown group"


def _cmd_search(args: argparse.Namespace, secrets: Secrets, out: TextIO) -> int:
    if (args.query is None) == (not args.query_stdin):
        raise UserError(
            "Give the words to find either as QUERY or, to keep them out of `ps` and the shell history, "
            "on standard input with --query-stdin; not both."
        )
    folder = vault_dir(args.vault)
    passphrase = secrets.ask("Passphrase: ")
    query = args.query if args.query is not None else _query_from_stdin(secrets)
    with _told(Vault.open(folder, passphrase)) as vault:
        hits = vault.search.search(query, limit=args.limit, prefix=True)
    if args.json:
        return _write_json(hits, out)
    for hit in hits:
        where = f"note {hit.note_id} ({hit.date})" if hit.note_id else "client"
        out.write(f"client {hit.client_id:>6}  {where:<24} {_plain_snippet(hit.snippet)}\n")
    out.write(f"{plural(len(hits), 'match', 'matches')}\n")
    return EXIT_OK


def _query_from_stdin(secrets: Secrets) -> str:
    # After the passphrase line when both come on standard input; at a terminal, say what is awaited.
    if secrets.at_terminal:
        print("Search for: ", end="", file=sys.stderr, flush=True)
    return secrets.line("search query")


def _plain_snippet(snippet: str) -> str:
    return snippet.replace(HIGHLIGHT_START, "[").replace(HIGHLIGHT_END, "]").replace("\n", " ")
