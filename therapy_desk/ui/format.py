"""How values read on screen: dates, times, money, relative ages, statuses. Shared by every view.
Counts go through `therapy_desk.domain.text.plural` ("1 minute", "2 minutes"), here and in the views.

Plain Python on purpose (no Qt): the same strings appear in tables, labels and tooltips, and tests can
compare against them directly. The app is US-facing (claims, ZIP codes), so dates read "Mar 4, 2026".
"""

from __future__ import annotations

from datetime import date, datetime, time

from therapy_desk.domain.billing import format_cents
from therapy_desk.domain.clients import ClientStatus
from therapy_desk.domain.text import plural

SELF_PAY = "Self-pay"

_STATUS_LABELS = {
    ClientStatus.ACTIVE: "Active",
    ClientStatus.WAITLIST: "Waitlist",
    ClientStatus.INQUIRY: "Inquiry",
    ClientStatus.INACTIVE: "Inactive",
    ClientStatus.DISCHARGED: "Discharged",
}


def fmt_date(day: date | None, empty: str = "") -> str:
    """A date as people read it: Mar 4, 2026."""
    return empty if day is None else f"{day:%b} {day.day}, {day.year}"


def fmt_time(moment: time | datetime) -> str:
    """A wall-clock time: 2:05 PM."""
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"


def fmt_datetime(moment: datetime | None, empty: str = "") -> str:
    """A date and time: Mar 4, 2026, 2:05 PM."""
    return empty if moment is None else f"{fmt_date(moment.date())}, {fmt_time(moment)}"


def fmt_stored_utc(utc_text: str | None) -> str:
    """A UTC time as the vault stores it (ISO text), in this computer's local time: "Dec 2, 2026, 2:53 PM"."""
    if not utc_text:
        return ""
    moment = datetime.fromisoformat(utc_text.replace("Z", "+00:00"))
    return fmt_datetime(moment.astimezone().replace(tzinfo=None))


def fmt_upcoming(moment: datetime | None, today: date, empty: str = "") -> str:
    """A coming date and time, without the year when it is within the next six months: Dec 4, 1:00 PM."""
    if moment is None:
        return empty
    if 0 <= (moment.date() - today).days <= 180:
        return f"{moment:%b} {moment.day}, {fmt_time(moment)}"
    return fmt_datetime(moment)


def fmt_money(cents: int) -> str:
    """Integer cents as dollars: $1,234.50 (negative: -$12.00)."""
    return format_cents(cents)


def fmt_size(size: int) -> str:
    """A file's or a drive's size: "812 KB", "3.4 MB", "1.25 GB" (decimal units, as file managers show them)."""
    for unit, scale in (("GB", 1000**3), ("MB", 1000**2)):
        if size >= scale:
            return f"{size / scale:.{2 if unit == 'GB' else 1}f} {unit}"
    return f"{max(size, 0) / 1000:.0f} KB" if size >= 1000 else f"{max(size, 0)} bytes"


def fmt_days(days: int) -> str:
    """A length of time in whole days: "1 day", "3 days"."""
    return plural(days, "day")


def fmt_age(since: date, today: date) -> str:
    """How long ago `since` was, for lists of things waiting: "today", "1 day", "12 days"."""
    days = (today - since).days
    return "today" if days == 0 else fmt_days(days) if days > 0 else f"in {fmt_days(-days)}"


def fmt_relative(day: date, today: date) -> str:
    """A date relative to today: "today", "tomorrow", "in 5 days", "3 days ago"."""
    days = (day - today).days
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days == -1:
        return "yesterday"
    return f"in {fmt_days(days)}" if days > 0 else f"{fmt_days(-days)} ago"


def fmt_status(status: ClientStatus) -> str:
    return _STATUS_LABELS[ClientStatus(status)]


def fmt_payer(payer: str | None) -> str:
    """The payer's name; no payer in force means the client pays."""
    return payer or SELF_PAY
