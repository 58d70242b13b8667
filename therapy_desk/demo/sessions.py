"""Planning the demo practice's sessions: the notes, measures, charges and payments of a batch of
episodes once the vault has numbered their appointments and plan goals, and the DBT skills group.

Part of the demo vault's planner (demo/planner.py), which may run in another process: it reads
nothing from the vault. Notes are checked and turned into rows here (`prepare_notes`), numbered as the
vault will number them; charges too are numbered ahead, for the payments that pay them. The builder
stores everything through the stores' bulk imports, which refuse ids out of step.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar

from therapy_desk.demo.clinical import (
    LOW_RISK,
    PASSIVE_SI,
    Theme,
    Trajectory,
    answers_for,
    mental_status,
)
from therapy_desk.demo.money import Billing, ChargeLine, payments_for
from therapy_desk.demo.note_text import (
    SessionContext,
    discharge_sections,
    intake_sections,
    missed_sections,
    session_sections,
)
from therapy_desk.demo.today import demo_now
from therapy_desk.domain.billing import PayerKind, Payment
from therapy_desk.domain.clients import ClientStatus, Unit, UnitKind, UnitMember
from therapy_desk.domain.codes import LATE_CANCEL_CODE, NO_SHOW_CODE, PlaceOfService
from therapy_desk.domain.measures import Instrument, score
from therapy_desk.domain.notes import FORMAT_SECTIONS, Note, NoteFormat, NoteKind, NoteStatus, Section
from therapy_desk.domain.plans import TreatmentPlan
from therapy_desk.domain.scheduling import Appointment, AppointmentSeries, AppointmentStatus, Recurrence
from therapy_desk.storage.billing_import import AppointmentCharge
from therapy_desk.storage.measures import MeasureEntry
from therapy_desk.storage.notes_rows import PreparedNotes, prepare_notes
from therapy_desk.storage.schedule_import import PreparedSeries, prepare_series

UTC_OFFSET = timedelta(hours=8)  # the demo practice keeps Pacific time; signing times are stored in UTC
_DRAFT_DAYS = 7  # notes of the last week may still be drafts
_RECENT_DRAFT_SHARE = 0.2  # few enough that the Today view's unsigned list reaches the clinic day's notes
_MEASURE_EVERY = 4  # PHQ-9 and GAD-7 about monthly: every fourth attended session
_FOLLOW_UP_AFTER_DAYS = 3  # a flag raised in the last few days is still open
_FULL_EXAM_SHARE = 0.1  # progress notes with a structured mental status exam


T = TypeVar("T")


def _pick(rng: random.Random, items: tuple[T, ...], count: int) -> tuple[T, ...]:
    """Up to `count` (1 or 2) different items, the first at random (cheaper than `rng.sample`)."""
    first = rng.randrange(len(items))
    if count == 1 or len(items) == 1:
        return (items[first],)
    return items[first], items[(first + 1 + rng.randrange(len(items) - 1)) % len(items)]


def _sections(note_format: NoteFormat, texts: dict[str, str]) -> tuple[Section, ...]:
    """The note's sections in its format's order (the notes store checks and normalises them)."""
    return tuple(Section(name, texts[name]) for name in FORMAT_SECTIONS[note_format])


@dataclass
class Episode:
    """One course of treatment: a client, or a couple or family billed to its identified client."""

    client_id: int
    theme: Theme
    status: ClientStatus
    intake: Appointment  # numbered by the planner
    series: AppointmentSeries
    outcomes: dict[date, AppointmentStatus]
    dx_label: str
    billing: Billing
    note_format: NoteFormat
    trajectory: Trajectory
    age: int
    referral: str
    kind: str = "individual"  # or "couple", "family"
    participants: tuple[str, ...] = ()
    flag_at: int | None = None  # which measure administration endorses PHQ-9 item 9 (-1: the latest)
    dx_ids: tuple[int, ...] = ()  # once stored
    plans: list[TreatmentPlan] = field(default_factory=list)  # with goal ids, once stored
    review_days: list[date] = field(default_factory=list)
    appointments: list[Appointment] = field(default_factory=list)  # the past sessions, numbered by the planner

    @property
    def unit_id(self) -> int | None:
        return self.series.unit_id

    @property
    def weekly(self) -> bool:
        return self.series.recurrence is Recurrence.WEEKLY


@dataclass
class _Batch:
    """What a batch accumulates before it is prepared for the vault."""

    notes: list[Note] = field(default_factory=list)
    # (note index, client, instrument, answers, date, follow the flag up)
    measures: list[tuple[int, int, Instrument, tuple[int, ...], date, bool]] = field(default_factory=list)
    charges: list[AppointmentCharge] = field(default_factory=list)
    lines: list[tuple[int, ChargeLine, bool]] = field(default_factory=list)  # (client, line, is a session)


@dataclass(frozen=True)
class StoredCase:
    """What the vault numbered for a case in treatment that its sessions refer to."""

    diagnosis_ids: tuple[int, ...]
    goal_ids: tuple[tuple[int, ...], ...]  # each plan version's goals, in order


@dataclass(frozen=True)
class SessionBatch:
    """A batch's sessions as planned, for the builder to store in this order."""

    notes: PreparedNotes
    drafts: int
    measures: tuple[MeasureEntry, ...]
    follow_ups: tuple[tuple[int, datetime], ...]  # (index in measures, when the flag was followed up)
    charges: tuple[AppointmentCharge, ...]
    first_charge_id: int  # the charges' ids follow on from here
    payments: tuple[tuple[Payment, tuple[tuple[int, int], ...]], ...]  # with (charge id, cents) allocations


@dataclass(frozen=True)
class GroupDraft:
    """The DBT skills group: its unit (numbered `unit_id`) and its weekly series, checked and numbered."""

    unit: Unit
    unit_id: int
    series: PreparedSeries


class SessionPlanner:
    def __init__(
        self,
        rng: random.Random,
        today: date,
        clinic_day: date,
        signer: str,
        fees: dict[str, int],
        *,
        first_note_id: int,
        first_charge_id: int,
    ) -> None:
        self.rng = rng
        self.today = today
        self.clinic_day = clinic_day
        self.signer = signer
        self.fees = fees
        self.next_note_id = first_note_id
        self.next_charge_id = first_charge_id
        self.billing: dict[int, Billing] = {}

    # -- a batch of episodes -------------------------------------------------------------------

    def sessions(self, episodes: list[Episode], stored: list[StoredCase]) -> SessionBatch:
        """Notes, measures, charges and payments for these episodes, given what the vault numbered."""
        batch = _Batch()
        for episode, ids in zip(episodes, stored, strict=True):
            self._number(episode, ids)
            self.billing[episode.client_id] = episode.billing
            self._episode_notes(batch, episode)
        return self._finish(batch)

    def _number(self, episode: Episode, stored: StoredCase) -> None:
        """Give the episode's diagnoses and plan goals their vault ids."""
        episode.dx_ids = stored.diagnosis_ids
        episode.plans = [
            dataclasses.replace(plan, problems=tuple(
                dataclasses.replace(problem, goals=tuple(
                    dataclasses.replace(goal, id=next(goal_ids)) for goal in problem.goals))
                for problem in plan.problems))
            for plan, goal_ids in zip(episode.plans, map(iter, stored.goal_ids), strict=True)
        ]  # fmt: skip

    # -- notes ---------------------------------------------------------------------------------

    def _status(self, day: date) -> NoteStatus:
        """Signed, except the clinic day's notes (still to be signed), some of the last week's (and, rarely,
        a forgotten older one)."""
        if day == self.clinic_day:
            return NoteStatus.DRAFT
        recent = (self.today - day).days <= _DRAFT_DAYS
        return NoteStatus.DRAFT if self.rng.random() < (_RECENT_DRAFT_SHARE if recent else 0.002) else NoteStatus.SIGNED

    def _note(self, batch: _Batch, episode: Episode, **fields: object) -> int:
        """Add a note to the batch (signed a little after the session, or left a draft); returns its index."""
        rng = self.rng
        day = fields["date_of_service"]
        assert isinstance(day, date)
        status = self._status(day)
        end = fields.get("end_time")
        finished = datetime.combine(day, end if isinstance(end, time) else time(17, 0))
        signed_at = (finished + UTC_OFFSET + timedelta(minutes=rng.randrange(10, 240))).replace(tzinfo=UTC)
        signed = status is NoteStatus.SIGNED
        batch.notes.append(
            Note(
                client_id=episode.client_id,
                unit_id=episode.unit_id,
                participants=episode.participants,
                status=status,
                signed_by=self.signer if signed else None,
                signed_at=signed_at.isoformat(timespec="seconds") if signed else None,
                **fields,  # type: ignore[arg-type]
            )
        )
        return len(batch.notes) - 1

    def _measure_text(
        self, episode: Episode, progress: float, flagged: bool, *, pcl5: bool
    ) -> tuple[str, list[tuple[Instrument, tuple[int, ...], bool]]]:
        """Scores given this session, and the sentence the note uses for them."""
        parts, given = [], []
        instruments = [Instrument.PHQ9, Instrument.GAD7] + ([Instrument.PCL5] if pcl5 else [])
        for instrument in instruments:
            total = episode.trajectory.total(self.rng, instrument, progress)
            item9 = 1 if flagged and instrument is Instrument.PHQ9 else 0
            answers = answers_for(self.rng, instrument, total + item9, item9=item9)
            result = score(instrument, answers)
            parts.append(f"{instrument} total {result.total} ({result.band})")
            given.append((instrument, answers, flagged and instrument is Instrument.PHQ9))
        return "Measures today: " + "; ".join(parts) + ".", given

    def _episode_notes(self, batch: _Batch, episode: Episode) -> None:
        rng, theme = self.rng, episode.theme
        intake, appointments = episode.intake, episode.appointments
        attended = [a for a in appointments if a.status is AppointmentStatus.ATTENDED]
        administrations = [-1] + [i for i in range(len(attended)) if i % _MEASURE_EVERY == _MEASURE_EVERY - 1]
        flagged_at = None
        if episode.flag_at is not None:
            flagged_at = (
                administrations[-1] if episode.flag_at == -1 else administrations[min(1, len(administrations) - 1)]
            )
        frequency = "weekly" if episode.weekly else "every two weeks"
        # Intake assessment.
        assert intake.id is not None
        text, given = self._measure_text(episode, 0.0, flagged_at == -1, pcl5=theme.pcl5)
        start = intake.start.time()
        index = self._note(
            batch,
            episode,
            kind=NoteKind.INTAKE,
            format=NoteFormat.NARRATIVE,
            date_of_service=intake.date_of_service,
            start_time=start,
            end_time=(intake.start + timedelta(minutes=60)).time(),
            sections=_sections(
                NoteFormat.NARRATIVE,
                intake_sections(
                    rng,
                    theme,
                    age=episode.age,
                    referral=episode.referral,
                    diagnosis=episode.dx_label,
                    frequency=frequency,
                    measures=text,
                ),
            ),
            mental_status=mental_status(rng, theme.mood, False),
            risk=PASSIVE_SI if flagged_at == -1 else rng.choice(LOW_RISK),
            appointment_id=intake.id,
        )
        self._given(batch, episode, index, intake.date_of_service, given)
        self._charge(batch, episode, intake, [])
        # Series sessions.
        dates = [a.date_of_service for a in appointments]
        seen = 0
        for appointment in appointments:
            day = appointment.date_of_service
            if appointment.status is AppointmentStatus.ATTENDED:
                progress = (seen + 1) / max(1, len(attended))
                measured = seen in administrations
                text, given = ("", [])
                flagged = measured and seen == flagged_at
                if measured:
                    pcl5 = theme.pcl5 and administrations.index(seen) % 2 == 0
                    text, given = self._measure_text(episode, progress, flagged, pcl5=pcl5)
                index = self._session_note(batch, episode, appointment, progress, text, flagged, frequency)
                self._given(batch, episode, index, day, given)
                self._charge(batch, episode, appointment, dates)
                seen += 1
            elif appointment.status in (AppointmentStatus.NO_SHOW, AppointmentStatus.LATE_CANCEL):
                # Medicaid does not allow missed-appointment fees (DOMAIN.md "Service codes"; the store refuses them).
                fee = rng.random() < 0.7 and episode.billing.payer_kind is not PayerKind.MEDICAID
                self._note(
                    batch,
                    episode,
                    kind=NoteKind.CANCELLATION,
                    format=NoteFormat.NARRATIVE,
                    date_of_service=day,
                    sections=_sections(
                        NoteFormat.NARRATIVE,
                        missed_sections(
                            rng,
                            no_show=appointment.status is AppointmentStatus.NO_SHOW,
                            at=f"{appointment.start:%H:%M}",
                            fee=fee,
                        ),
                    ),
                    appointment_id=appointment.id,
                )
                if fee:
                    self._charge(batch, episode, appointment, dates)
        if episode.status is ClientStatus.DISCHARGED and attended:
            last = attended[-1].date_of_service
            self._note(
                batch,
                episode,
                kind=NoteKind.DISCHARGE,
                format=NoteFormat.NARRATIVE,
                date_of_service=last,
                sections=_sections(
                    NoteFormat.NARRATIVE,
                    discharge_sections(
                        rng,
                        theme,
                        sessions=len(attended) + 1,
                        first=intake.date_of_service,
                        last=last,
                        measures="",
                        goals_met=episode.trajectory.change < 0.7,
                    ),
                ),
            )

    def _session_note(
        self,
        batch: _Batch,
        episode: Episode,
        appointment: Appointment,
        progress: float,
        measures: str,
        flagged: bool,
        frequency: str,
    ) -> int:
        rng, theme = self.rng, episode.theme
        day = appointment.date_of_service
        plan = next((p for p in reversed(episode.plans) if p.effective_date <= day), episode.plans[0])
        goals = _pick(rng, plan.goals, rng.randint(1, 2))
        review = day in episode.review_days
        unit = "" if episode.kind == "individual" else episode.kind
        ctx = SessionContext(
            progress=progress,
            telehealth=appointment.telehealth,
            frequency=frequency,
            goal=goals[0].statement,
            measures=measures,
            flagged=flagged,
            unit=unit,
            plan_review=review,
        )
        end = appointment.start + timedelta(minutes=appointment.duration_minutes + rng.randint(0, 4))
        return self._note(
            batch,
            episode,
            kind=NoteKind.PLAN_REVIEW if review else NoteKind.PROGRESS,
            format=episode.note_format,
            date_of_service=day,
            start_time=appointment.start.time(),
            end_time=end.time(),
            sections=_sections(episode.note_format, session_sections(rng, episode.note_format, theme, ctx)),
            # A structured exam when it matters; most progress notes describe the client in the text.
            mental_status=mental_status(rng, theme.mood, progress > 0.5 and episode.trajectory.change < 0.8)
            if review or flagged or rng.random() < _FULL_EXAM_SHARE
            else None,
            risk=PASSIVE_SI if flagged else rng.choice(LOW_RISK),
            goal_ids=tuple(g.id for g in goals if g.id is not None),
            interventions=_pick(rng, theme.techniques, 2),
            appointment_id=appointment.id,
        )

    def _given(
        self,
        batch: _Batch,
        episode: Episode,
        note_index: int,
        day: date,
        given: list[tuple[Instrument, tuple[int, ...], bool]],
    ) -> None:
        """Queue the scores given in a session; a flag is followed up unless it is recent or the episode
        keeps its flag open (for the Today view)."""
        for instrument, answers, flagged in given:
            follow_up = flagged and episode.flag_at != -1 and (self.today - day).days > _FOLLOW_UP_AFTER_DAYS
            batch.measures.append((note_index, episode.client_id, instrument, answers, day, follow_up))

    def _charge(
        self, batch: _Batch, episode: Episode, appointment: Appointment, dates: list[date], member: int | None = None
    ) -> None:
        """Queue the charge for an attended session or a missed-appointment fee."""
        assert appointment.id is not None
        client_id = member or episode.client_id
        day = appointment.date_of_service
        if appointment.status is AppointmentStatus.ATTENDED:
            batch.charges.append(AppointmentCharge(appointment.id, episode.dx_ids, member))
            fee = self.fees[appointment.service_code]
            batch.lines.append((client_id, ChargeLine(0, day, fee, True, day), True))
        else:
            code = NO_SHOW_CODE if appointment.status is AppointmentStatus.NO_SHOW else LATE_CANCEL_CODE
            later = [d for d in dates if d > day]
            batch.charges.append(AppointmentCharge(appointment.id, (), member))
            next_visit = later[0] if later else day + timedelta(days=7)
            batch.lines.append((client_id, ChargeLine(0, day, self.fees[code], False, next_visit), False))

    # -- for the vault -------------------------------------------------------------------------

    def _finish(self, batch: _Batch) -> SessionBatch:
        """The batch's notes checked and numbered, its measures tied to their notes, and the payments
        its charges drew (charges numbered as the vault will number them)."""
        notes = prepare_notes(batch.notes, self.next_note_id, today=self.today)
        self.next_note_id += len(notes.rows)
        measures: list[MeasureEntry] = []
        follow_ups: list[tuple[int, datetime]] = []
        for index, client_id, instrument, answers, day, follow_up in batch.measures:
            if follow_up:
                when = (datetime.combine(day, time(18, 30)) + UTC_OFFSET).replace(tzinfo=UTC)
                follow_ups.append((len(measures), when))
            measures.append(MeasureEntry(client_id, instrument, answers, day, notes.first_id + index))
        first_charge_id = self.next_charge_id
        self.next_charge_id += len(batch.charges)
        sessions: dict[int, list[ChargeLine]] = {}
        missed: dict[int, list[ChargeLine]] = {}
        for charge_id, (client_id, line, is_session) in enumerate(batch.lines, start=first_charge_id):
            stored = ChargeLine(charge_id, line.date_of_service, line.fee_cents, line.insurable, line.next_visit)
            (sessions if is_session else missed).setdefault(client_id, []).append(stored)
        payments = []
        for client_id in sorted(set(sessions) | set(missed)):
            payments += payments_for(
                self.rng, client_id, self.billing[client_id], sessions.get(client_id, []), missed.get(client_id, []),
                self.today,
            )  # fmt: skip
        return SessionBatch(
            notes=notes,
            drafts=sum(1 for note in batch.notes if note.status is NoteStatus.DRAFT),
            measures=tuple(measures),
            follow_ups=tuple(follow_ups),
            charges=tuple(batch.charges),
            first_charge_id=first_charge_id,
            payments=tuple((payment, tuple(allocations)) for payment, allocations in payments),
        )

    # -- the group -----------------------------------------------------------------------------

    def group(
        self, members: list[Episode], unit_id: int, first_series_id: int, first_appointment_id: int
    ) -> tuple[GroupDraft, AppointmentSeries, list[Appointment]]:
        """A weekly DBT skills group of up to eight active clients, running for 26 weeks to date and ahead;
        returns it, its series, and the sessions held so far."""
        rng = self.rng
        tuesday = self.today - timedelta(weeks=20)
        tuesday += timedelta(days=(1 - tuesday.weekday()) % 7)
        unit = Unit(
            UnitKind.GROUP,
            "DBT skills group (Tuesday evening)",
            tuple(UnitMember(m.client_id, "member") for m in members),
        )
        series = AppointmentSeries(
            first_start=datetime.combine(tuesday, time(18, 0)),
            recurrence=Recurrence.WEEKLY,
            duration_minutes=90,
            service_code="90853",
            unit_id=unit_id,
            place_of_service=PlaceOfService.OFFICE,
            until=tuesday + timedelta(weeks=25),
        )
        past = [tuesday + timedelta(weeks=n) for n in range(26) if tuesday + timedelta(weeks=n) < self.today]
        outcomes = {d: rng.choices((AppointmentStatus.ATTENDED, AppointmentStatus.CANCELLED), (94, 6))[0] for d in past}
        prepared, ((_, appointments),) = prepare_series(
            [(series, outcomes)], first_series_id, first_appointment_id, now=demo_now(self.today)
        )
        held = [a for a in appointments if a.status is AppointmentStatus.ATTENDED]
        return GroupDraft(unit, unit_id, prepared), series, held

    def group_sessions(
        self, members: list[Episode], series: AppointmentSeries, held: list[Appointment]
    ) -> SessionBatch:
        """Each member's notes and charges for the group sessions they came to (from two weeks after
        their intake, most weeks)."""
        rng = self.rng
        batch = _Batch()
        for member in members:
            episode = dataclasses.replace(member, kind="group", participants=(), series=series)
            joined = member.intake.date_of_service + timedelta(days=14)
            for number, appointment in enumerate(held):
                if appointment.date_of_service < joined or rng.random() >= 0.85:
                    continue
                ctx = SessionContext(
                    progress=number / len(held),
                    telehealth=False,
                    frequency="weekly",
                    goal="Build DBT skills to manage distress",
                    unit="group",
                )
                self._note(
                    batch,
                    episode,
                    kind=NoteKind.PROGRESS,
                    format=NoteFormat.BIRP,
                    date_of_service=appointment.date_of_service,
                    start_time=appointment.start.time(),
                    end_time=(appointment.start + timedelta(minutes=90)).time(),
                    sections=_sections(NoteFormat.BIRP, session_sections(rng, NoteFormat.BIRP, member.theme, ctx)),
                    risk=rng.choice(LOW_RISK),
                    interventions=("DBT skills training",),
                    appointment_id=appointment.id,
                )
                self._charge(batch, member, appointment, [], member=member.client_id)
        return self._finish(batch)
