"""What the caseload list and a client's chart summary show: read-only views across the stores."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from therapy_desk.domain.billing import Balance, Coverage
from therapy_desk.domain.clients import Client, ClientStatus, Diagnosis
from therapy_desk.domain.measures import MeasureResult
from therapy_desk.domain.plans import TreatmentPlan
from therapy_desk.domain.scheduling import Appointment


@dataclass(frozen=True)
class CaseloadRow:
    client_id: int
    name: str
    status: ClientStatus
    next_appointment: datetime | None
    last_seen: date | None
    principal_code: str | None
    principal_description: str | None
    payer: str | None  # None: self-pay
    balance_cents: int  # due minus unapplied credit
    unsigned_notes: int
    plan_review_due: date | None


@dataclass(frozen=True)
class SessionLine:
    """One past or upcoming session in the chart, with the state of its note."""

    appointment: Appointment
    note_id: int | None
    note_signed: bool  # signed, and its content still matches its seal
    seal_broken: bool = False  # signed, but changed since: shown as such, never as signed


@dataclass(frozen=True)
class ChartSummary:
    client: Client
    diagnoses: tuple[Diagnosis, ...]
    active_plan: TreatmentPlan | None
    recent_sessions: tuple[SessionLine, ...]
    balance: Balance
    coverages: tuple[Coverage, ...]
    open_flags: tuple[MeasureResult, ...]
    alerts: tuple[str, ...]


def review_overdue(status: ClientStatus, review_due: date | None, today: date) -> bool:
    """Whether a plan review is a task today: its date has come and the client is active. A discharged
    or inactive client's plan waits for them to come back."""
    return status is ClientStatus.ACTIVE and review_due is not None and review_due <= today
