"""`vault.caseload`: the caseload list and a client's chart summary, composed from the stores' bulk reads.

The list holds client ids ordered by name (cheap for 10,000 clients); rows are built on demand a page at
a time, so a view never loads more than it shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from therapy_desk.domain.caseload import CaseloadRow, ChartSummary, SessionLine, review_overdue
from therapy_desk.domain.clients import ClientStatus, sort_key
from therapy_desk.domain.notes import SEAL_BROKEN
from therapy_desk.domain.plans import content_sha256
from therapy_desk.errors import ValidationError
from therapy_desk.storage import db
from therapy_desk.storage.audit import AuditStore
from therapy_desk.storage.billing import BillingStore
from therapy_desk.storage.clients import ClientStore
from therapy_desk.storage.measures import MeasureStore
from therapy_desk.storage.notes import NoteStore
from therapy_desk.storage.plans import PlanStore
from therapy_desk.storage.schedule import ScheduleStore

PAGE_SIZE = 200


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class CaseloadStore:
    def __init__(
        self,
        database: db.Database,
        audit: AuditStore,
        *,
        clients: ClientStore,
        schedule: ScheduleStore,
        notes: NoteStore,
        plans: PlanStore,
        billing: BillingStore,
        measures: MeasureStore,
    ) -> None:
        self._db = database
        self._audit = audit
        self._clients = clients
        self._schedule = schedule
        self._notes = notes
        self._plans = plans
        self._billing = billing
        self._measures = measures

    def ids(
        self, *, text: str = "", statuses: Sequence[ClientStatus] = (), offset: int = 0, limit: int | None = None
    ) -> list[int]:
        """Client ids ordered by last then first name, filtered by a name fragment and statuses
        (`limit` ids from `offset`, or all of them)."""
        if offset < 0 or (limit is not None and limit < 0):
            raise ValidationError("A page of the caseload starts at 0 and holds 0 or more clients.", "offset")
        where: list[str] = []
        params: list[object] = []
        if text.strip():
            # sort_name is case- and accent-folded; fold the fragment the same way.
            folded = f"%{_like_escape(sort_key(text.strip(), '').rstrip(chr(31)))}%"
            where.append("(sort_name LIKE ? ESCAPE '\\' OR preferred_name LIKE ? ESCAPE '\\')")
            params += [folded, f"%{_like_escape(text.strip())}%"]
        if statuses:
            where.append(f"status IN ({', '.join('?' for _ in statuses)})")
            params += [ClientStatus(s).value for s in statuses]
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        page = ""
        if limit is not None:  # a page reads only its own rows of the name index
            page = " LIMIT ? OFFSET ?"
            params += [limit, offset]
        elif offset:
            page = " LIMIT -1 OFFSET ?"
            params.append(offset)
        sql = f"SELECT id FROM clients {clause} ORDER BY sort_name, id{page}"  # noqa: S608 - fixed fragments
        return [int(r[0]) for r in self._db.execute(sql, params).fetchall()]

    def rows(self, client_ids: Sequence[int], *, now: datetime | None = None) -> list[CaseloadRow]:
        """The caseload columns for these clients, in the order given."""
        ids = list(client_ids)
        if not ids:
            return []
        now = now or datetime.now().replace(second=0, microsecond=0)
        today = now.date()
        clients = self._clients.by_ids(ids)
        upcoming = self._schedule.next_appointments(ids, now=now)
        attended = self._schedule.last_attended(ids)
        diagnoses = self._clients.principal_diagnoses(ids)
        payers = self._billing.primary_payers(ids, today)
        balances = self._billing.balances(ids)
        unsigned = self._notes.unsigned_count_by_client(ids)
        reviews = self._plans.review_due_by_client(ids)
        result = []
        for cid in ids:
            client = clients.get(cid)
            if client is None:
                continue
            dx = diagnoses.get(cid)
            payer = payers.get(cid)
            nxt, last = upcoming.get(cid), attended.get(cid)
            balance = balances.get(cid)
            result.append(
                CaseloadRow(
                    client_id=cid,
                    name=client.listed_name,
                    status=client.status,
                    next_appointment=nxt.start if nxt else None,
                    last_seen=last.date_of_service if last else None,
                    principal_code=dx.code if dx else None,
                    principal_description=dx.description if dx else None,
                    payer=payer.name if payer else None,
                    balance_cents=balance.net_cents if balance else 0,
                    unsigned_notes=unsigned.get(cid, 0),
                    plan_review_due=reviews.get(cid),
                )
            )
        return result

    def page(
        self,
        *,
        text: str = "",
        statuses: Sequence[ClientStatus] = (),
        offset: int = 0,
        limit: int = PAGE_SIZE,
        now: datetime | None = None,
    ) -> list[CaseloadRow]:
        """One page of the caseload by name: the query the caseload view opens with."""
        return self.rows(self.ids(text=text, statuses=statuses, offset=offset, limit=limit), now=now)

    def chart_summary(self, client_id: int, *, sessions: int = 20, now: datetime | None = None) -> ChartSummary:
        """Demographics, diagnoses, active plan, the last sessions, balance and alerts: a chart read (audited)."""
        now = now or datetime.now()
        today = now.date()
        client = self._clients.get(client_id)
        appointments = self._schedule.for_client(client_id, before=now, limit=sessions, newest_first=True)
        lines = []
        broken: list[str] = []  # what the chart shows of records whose content no longer matches their seal
        for appointment in appointments:
            notes = self._notes.for_appointment(appointment.id) if appointment.id is not None else []
            note = next((n for n in notes if n.client_id == client_id), notes[0] if notes else None)
            seal_broken = note is not None and not note.seal_intact
            if note is not None and seal_broken:
                broken.append(f"the note of {appointment.start:%b %d, %Y} (note {note.id})")
            signed = note is not None and note.is_signed and not seal_broken
            lines.append(SessionLine(appointment, note.id if note else None, signed, seal_broken))
        plan = self._plans.active(client_id)
        if plan is not None and content_sha256(plan) != plan.content_sha256:
            broken.append(f"the treatment plan (version {plan.version})")
        flags = tuple(m for m in self._measures.for_client(client_id, limit=20) if m.open_flag)
        alerts = []
        if broken:
            alerts.append(
                f"{SEAL_BROKEN}: {'; '.join(broken)}. It no longer matches what was signed. Run Check vault "
                "(Settings, Security) and restore from your most recent verified backup."
            )
        if flags:
            alerts.append("PHQ-9 item 9 answered above 0 and not yet followed up.")
        # A discharged or inactive client's plan waits for them to come back (as in `plans.due_for_review`).
        if plan is not None and review_overdue(client.status, plan.review_due, today):
            alerts.append(f"Treatment plan review was due {plan.review_due:%b %d, %Y}.")
        if plan is None and client.status is ClientStatus.ACTIVE:
            alerts.append("No signed treatment plan.")
        summary = ChartSummary(
            client=client,
            diagnoses=tuple(self._clients.diagnoses(client_id)),
            active_plan=plan,
            recent_sessions=tuple(lines),
            balance=self._billing.balance(client_id),
            coverages=tuple(self._billing.coverage_for(client_id, today)),
            open_flags=flags,
            alerts=tuple(alerts),
        )
        self._audit.record("chart read", entity="client", entity_id=client_id)
        return summary
