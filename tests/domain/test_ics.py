"""The schedule as an iCalendar file: parsed back line by line, as a calendar program reads it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from therapy_desk.domain.ics import Identifier, calendar_ics, escape_text, fold, identify
from therapy_desk.domain.scheduling import Appointment, AppointmentStatus

NOW = datetime(2026, 10, 20, 12, 0, tzinfo=UTC)
NAMES = {1: "Doe, Jane"}


def appointment(aid: int, start: datetime, client_id: int = 1, **changes: object) -> Appointment:
    return Appointment(start=start, duration_minutes=53, service_code="90837", client_id=client_id, id=aid, **changes)  # type: ignore[arg-type]


def unfold(text: str) -> list[str]:
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")  # every line ends in CRLF
    physical = text.split("\r\n")[:-1]
    for line in physical:
        assert len(line.encode("utf-8")) <= 75
    logical: list[str] = []
    for line in physical:
        if line.startswith(" "):
            logical[-1] += line[1:]
        else:
            logical.append(line)
    return logical


def events(text: str) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for line in unfold(text):
        name, _colon, value = line.partition(":")
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            assert current is not None
            found.append(current)
            current = None
        elif current is not None:
            current[name] = value
    return found


def unescape(value: str) -> str:
    out, chars = "", iter(value)
    for char in chars:
        if char == "\\":
            following = next(chars)
            out += "\n" if following in "nN" else following
        else:
            out += char
    return out


def test_a_week_exports_as_a_calendar_with_one_event_per_session_in_utc() -> None:
    text = calendar_ics(
        [
            appointment(7, datetime(2026, 10, 27, 10, 0)),
            appointment(8, datetime(2026, 11, 3, 10, 0)),  # after the fall-back: one hour later in UTC
            appointment(9, datetime(2026, 11, 4, 9, 0), status=AppointmentStatus.CANCELLED),
        ],
        NAMES,
        "America/New_York",
        now=NOW,
    )
    lines = unfold(text)
    assert lines[0] == "BEGIN:VCALENDAR"
    assert lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines
    assert any(line.startswith("PRODID:") for line in lines)
    found = events(text)
    assert [e["DTSTART"] for e in found] == ["20261027T140000Z", "20261103T150000Z"]
    assert [e["DTEND"] for e in found] == ["20261027T145300Z", "20261103T155300Z"]
    assert [e["UID"] for e in found] == ["appointment-7@therapy-desk", "appointment-8@therapy-desk"]
    assert all(e["DTSTAMP"] == "20261020T120000Z" for e in found)
    assert [e["SUMMARY"] for e in found] == ["Session: J. D.", "Session: J. D."]


@pytest.mark.parametrize(
    ("identifier", "summary"),
    [
        (Identifier.INITIALS, "Session: J. D."),
        (Identifier.FIRST_NAME, "Session: Jane D."),
        (Identifier.FULL_NAME, "Session: Doe, Jane"),
        (Identifier.NONE, "Session"),
    ],
)
def test_the_clinician_chooses_what_names_the_client(identifier: Identifier, summary: str) -> None:
    text = calendar_ics(
        [appointment(1, datetime(2026, 10, 27, 10, 0))], NAMES, "America/New_York", identifier=identifier
    )
    assert [unescape(e["SUMMARY"]) for e in events(text)] == [summary]
    if identifier is Identifier.NONE:
        assert "Doe" not in text
        assert "Jane" not in text


def test_text_is_escaped_and_long_lines_fold_without_splitting_a_character() -> None:
    text = calendar_ics(
        [appointment(1, datetime(2026, 10, 27, 10, 0), client_id=2, telehealth=True)],
        {2: "Ní Bhriain-Ó Súilleabháin-Mac Giolla Phádraig, Síofra Éadaoin;, \\x"},
        "America/New_York",
        identifier=Identifier.FULL_NAME,
    )
    (event,) = events(text)
    assert unescape(event["SUMMARY"]) == (
        "Session: Ní Bhriain-Ó Súilleabháin-Mac Giolla Phádraig, Síofra Éadaoin;, \\x (telehealth)"
    )
    assert "\\;\\, \\\\x" in event["SUMMARY"]
    text.encode("utf-8").decode("utf-8")  # each folded piece is whole UTF-8


def test_fold_and_escape_by_themselves() -> None:
    assert fold("A" * 75) == "A" * 75
    assert fold("A" * 76) == "A" * 75 + "\r\n A"
    assert fold("é" * 40).split("\r\n ")[0] == "é" * 37  # 74 octets: the next é would make 76
    assert escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


def test_identify_handles_single_names() -> None:
    assert identify("Cher", Identifier.INITIALS) == "C."
    assert identify("Doe, Jane", Identifier.INITIALS) == "J. D."
    assert identify("", Identifier.FULL_NAME) == ""
