"""The clients table's editable columns, shared by `vault.clients` and its bulk import."""

from __future__ import annotations

from datetime import date
from typing import Any

from therapy_desk.domain.clients import Client
from therapy_desk.storage.rows import iso

EDITABLE = (
    "status",
    "legal_first",
    "legal_middle",
    "legal_last",
    "preferred_name",
    "pronouns",
    "dob",
    "sex",
    "street",
    "city",
    "state",
    "zip",
    "phone",
    "email",
    "emergency_name",
    "emergency_phone",
    "emergency_relationship",
    "referral_source",
    "intake_date",
    "discharge_date",
)


def editable_values(client: Client) -> list[Any]:
    values = []
    for name in EDITABLE:
        value = getattr(client, name)
        values.append(iso(value) if isinstance(value, date) else str(value) if value is not None else None)
    return values


# A client with its id and account number, as an import stores it (`editable_values` in between).
INSERT_CLIENT = (
    f"INSERT INTO clients (id, account_number, {', '.join(EDITABLE)}, sort_name, created_at, updated_at) "  # noqa: S608
    f"VALUES (?, ?, {', '.join('?' for _ in EDITABLE)}, ?, ?, ?)"
)
