"""A date range of appointments as an iCalendar file (RFC 5545) for the clinician's own calendar.

Times are written in UTC (`DTSTART:20261103T150000Z`), converted from the practice's wall-clock times, so no
VTIMEZONE is needed and every calendar shows them right. What names the client is the clinician's choice:
initials by default; never a diagnosis, a code's wording or anything else from the chart.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from therapy_desk.domain.scheduling import Appointment, AppointmentStatus, to_utc, zone

PRODID = "-//Therapy Desk//Schedule export//EN"
LINE_OCTETS = 75


class Identifier(enum.StrEnum):
    """How an exported event names the client."""

    INITIALS = "initials"
    FIRST_NAME = "first name and last initial"
    FULL_NAME = "full name"
    NONE = "none"

    @property
    def label(self) -> str:
        return _IDENTIFIER_LABELS[self]


_IDENTIFIER_LABELS = {
    Identifier.INITIALS: "Initials (J. D.)",
    Identifier.FIRST_NAME: "First name and last initial (Jane D.)",
    Identifier.FULL_NAME: "Full name as listed (Doe, Jane)",
    Identifier.NONE: "Nothing: every event says Session",
}


def identify(listed_name: str, identifier: Identifier) -> str:
    """The words naming a client listed as "Last, First" in an exported event's summary."""
    if identifier is Identifier.NONE or not listed_name.strip():
        return ""
    last, _comma, first = (part.strip() for part in listed_name.partition(","))
    if identifier is Identifier.FULL_NAME:
        return listed_name.strip()
    if identifier is Identifier.FIRST_NAME:
        return f"{first} {last[:1]}.".strip() if first else f"{last[:1]}."
    return " ".join(f"{word[:1].upper()}." for word in (first, last) if word)


def escape_text(text: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and newlines escaped."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """One content line folded at 75 octets (RFC 5545 3.1), never inside a UTF-8 character."""
    pieces: list[str] = []
    current, size, limit = "", 0, LINE_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            pieces.append(current)
            current, size, limit = "", 0, LINE_OCTETS - 1  # continuation lines start with a space
        current += char
        size += width
    pieces.append(current)
    return "\r\n ".join(pieces)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar_ics(
    appointments: Iterable[Appointment],
    names: Mapping[int, str],
    zone_name: str,
    *,
    identifier: Identifier = Identifier.INITIALS,
    unit_names: Mapping[int, str] | None = None,
    vault_id: str = "therapy-desk",
    now: datetime | None = None,
) -> str:
    """The appointments as a VCALENDAR text with CRLF line ends.

    `names` maps a client id to the name as listed ("Doe, Jane"), `unit_names` a couple's, family's or
    group's id to its name (shown in full unless the choice is none); cancelled appointments are left
    out. Each event's UID is stable for the appointment, so importing a newer export updates the same
    events.
    """
    zone(zone_name)  # refuse an unknown zone before writing anything
    stamp = _utc(now or datetime.now(UTC))
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH"]
    for appointment in appointments:
        if appointment.status is AppointmentStatus.CANCELLED:
            continue
        if appointment.client_id is not None:
            who = identify(names.get(appointment.client_id, ""), identifier)
        elif identifier is Identifier.NONE or appointment.unit_id is None:
            who = ""
        else:
            who = (unit_names or {}).get(appointment.unit_id, "")
        summary = f"Session: {who}" if who else "Session"
        if appointment.telehealth:
            summary += " (telehealth)"
        start = to_utc(appointment.start, zone_name)
        end = to_utc(appointment.end, zone_name)
        lines += [
            "BEGIN:VEVENT",
            f"UID:appointment-{appointment.id}@{vault_id}",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{_utc(start)}",
            f"DTEND:{_utc(end)}",
            f"SUMMARY:{escape_text(summary)}",
            "STATUS:CONFIRMED",
            "TRANSP:OPAQUE",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(f"{fold(line)}\r\n" for line in lines)
