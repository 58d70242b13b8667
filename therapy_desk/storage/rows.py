"""Conversions between domain values and column values, shared by every store."""

from __future__ import annotations

from datetime import UTC, date, datetime


def now_utc() -> str:
    """A UTC timestamp as stored in the vault (ISO-8601)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def to_date(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def to_datetime(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)
