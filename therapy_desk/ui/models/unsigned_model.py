"""`UnsignedModel`: drafts waiting for a signature, oldest first, each with its age and whether it is overdue.

Shared by the Unsigned notes page and Today: `unsigned_rows(vault, now, limit)` reads the drafts and their
clients' names in two queries (`vault.notes.unsigned` and `vault.clients.by_ids`), and the model shows
them. A draft is overdue by `domain.notes.overdue_at` (more than 72 hours after its session ended); the
model colours that row's cells with the theme's WARNING role and says "overdue" in the Overdue column and
in every cell's accessible text, so the state never rests on colour alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

from therapy_desk.domain.notes import Note, overdue_at
from therapy_desk.storage.vault import Vault
from therapy_desk.ui import theme
from therapy_desk.ui.format import fmt_age, fmt_date
from therapy_desk.ui.models import OBJECT_ROLE, SORT_ROLE
from therapy_desk.ui.models.rows_model import RowsModel

__all__ = [
    "COL_AGE",
    "COL_CLIENT",
    "COL_DATE",
    "COL_KIND",
    "COL_OVERDUE",
    "HEADERS",
    "OVERDUE_TEXT",
    "UnsignedModel",
    "UnsignedRow",
    "draft_day",
    "unsigned_rows",
]

COL_CLIENT = 0
COL_DATE = 1
COL_KIND = 2
COL_AGE = 3
COL_OVERDUE = 4
HEADERS = ("Client", "Date of service", "Kind", "Waiting", "Overdue")
OVERDUE_TEXT = "overdue"
UNKNOWN_CLIENT = "Unknown client"

_Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class UnsignedRow:
    """One draft as the lists show it."""

    note_id: int
    client_id: int
    client: str  # the client's listed name ("Last, First")
    date_of_service: date | None
    kind: str  # "Progress", "Intake assessment", ...
    waiting_days: int  # whole days since its date of service (or since it was begun, undated)
    waiting: str  # the same in words: "today", "1 day", "12 days"
    overdue: bool

    @property
    def cells(self) -> tuple[str, ...]:
        """The words of each column, in HEADERS order."""
        return (
            self.client,
            fmt_date(self.date_of_service, "No date yet"),
            self.kind,
            self.waiting,
            OVERDUE_TEXT if self.overdue else "",
        )


def draft_day(note: Note) -> date:
    """The day a draft started waiting: its date of service, else the day it was begun."""
    if note.date_of_service is not None:
        return note.date_of_service
    try:
        return date.fromisoformat((note.created_at or "")[:10])
    except ValueError:
        return date.today()


def unsigned_rows(vault: Vault, now: datetime, limit: int) -> list[UnsignedRow]:
    """The `limit` oldest drafts across the caseload, oldest first, as rows (`now` in local time)."""
    notes = vault.notes.unsigned(limit=limit)
    clients = vault.clients.by_ids(sorted({n.client_id for n in notes}))
    rows = []
    for note in notes:
        client = clients.get(note.client_id)
        rows.append(
            UnsignedRow(
                note_id=note.id or 0,
                client_id=note.client_id,
                client=client.listed_name if client is not None else UNKNOWN_CLIENT,
                date_of_service=note.date_of_service,
                kind=note.kind.value.capitalize(),
                waiting_days=(now.date() - draft_day(note)).days,
                waiting=fmt_age(draft_day(note), now.date()),
                overdue=overdue_at(note, now),
            )
        )
    return rows


class UnsignedModel(RowsModel[UnsignedRow]):
    """The rows of `unsigned_rows`; OBJECT_ROLE gives the row, SORT_ROLE the raw value of a cell."""

    headers = HEADERS

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == OBJECT_ROLE:
            return row
        if role == Qt.ItemDataRole.DisplayRole:
            return row.cells[column]
        if role == SORT_ROLE:
            return (row.client, row.date_of_service, row.kind, row.waiting_days, row.overdue)[column]
        if role == Qt.ItemDataRole.FontRole and row.overdue and column == COL_OVERDUE:
            font = QFont(QApplication.font())
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and row.overdue:
            return theme.cell_color(theme.WARNING)
        if role == Qt.ItemDataRole.AccessibleTextRole and row.overdue and column != COL_OVERDUE:
            return f"{row.cells[column]} — {OVERDUE_TEXT}"
        return None
