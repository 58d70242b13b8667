"""Writing the demo practice's treatment: plans, appointments, notes, measures, charges and payments
for a batch of episodes, and the DBT skills group. Part of the demo vault (storage/demo.py).

Everything goes through the stores' bulk imports, which check each row as the single-row methods do.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, TypeVar

from therapy_desk.domain.clients import ClientStatus, Unit, UnitKind, UnitMember
from therapy_desk.domain.codes import LATE_CANCEL_CODE, NO_SHOW_CODE, PlaceOfService
from therapy_desk.domain.demo_clinical import (
    LOW_RISK,
    PASSIVE_SI,
    Theme,
    Trajectory,
    answers_for,
    mental_status,
    plan_for,
)
from therapy_desk.domain.demo_money import Billing, ChargeLine, payments_for
from therapy_desk.domain.demo_notes import (
    SessionContext,
    discharge_sections,
    intake_sections,
    missed_sections,
    session_sections,
)
from therapy_desk.domain.measures import Instrument, score
from therapy_desk.domain.notes import FORMAT_SECTIONS, Note, NoteFormat, NoteKind, NoteStatus, Section
from therapy_desk.domain.plans import TreatmentPlan
from therapy_desk.domain.scheduling import Appointment, AppointmentSeries, AppointmentStatus, Recurrence
from therapy_desk.storage.billing_import import AppointmentCharge
from therapy_desk.storage.measures import MeasureEntry

if TYPE_CHECKING:
    from therapy_desk.storage.vault import Vault

_UTC_OFFSET = timedelta(hours=8)  # the demo practice keeps Pacific time; signing times are stored in UTC
_DRAFT_DAYS = 7  # notes of the last week may still be drafts
_REVIEW_DAYS = 90
_MAX_VERSIONS = 3  # the first plan and up to two reviews; longer charts show a review that is due
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
    intake: datetime
    series: AppointmentSeries
    outcomes: dict[date, AppointmentStatus]
    dx_ids: tuple[int, ...]
    dx_label: str
    billing: Billing
    note_format: NoteFormat
    trajectory: Trajectory
    age: int
    referral: str
    kind: str = "individual"  # or "couple", "family"
    participants: tuple[str, ...] = ()
    flag_at: int | None = None  # which measure administration endorses PHQ-9 item 9 (-1: the latest)
    plans: list[TreatmentPlan] = field(default_factory=list)
    review_days: list[date] = field(default_factory=list)

    @property
    def unit_id(self) -> int | None:
        return self.series.unit_id

    @property
    def weekly(self) -> bool:
        return self.series.recurrence is Recurrence.WEEKLY


@dataclass
class Counts:
    appointments: int = 0
    notes: int = 0
    drafts: int = 0
    plans: int = 0
    measures: int = 0
    charges: int = 0
    payments: int = 0
    units: int = 0


@dataclass
class _Batch:
    """What a batch accumulates before each bulk import."""

    notes: list[Note] = field(default_factory=list)
    # (note index, client, instrument, answers, date, follow the flag up)
    measures: list[tuple[int, int, Instrument, tuple[int, ...], date, bool]] = field(default_factory=list)
    charges: list[AppointmentCharge] = field(default_factory=list)
    lines: list[tuple[int, ChargeLine, bool]] = field(default_factory=list)  # (client, line, is a session)


class SessionWriter:
    def __init__(
        self, vault: Vault, rng: random.Random, today: date, signer: str, fees: dict[str, int], counts: Counts
    ) -> None:
        self.vault = vault
        self.rng = rng
        self.today = today
        self.now = datetime.combine(today, time(7, 0))  # the start of the clinic day
        self.signer = signer
        self.fees = fees
        self.counts = counts
        self.billing: dict[int, Billing] = {}

    # -- a batch of episodes -------------------------------------------------------------------

    def write(self, episodes: list[Episode]) -> None:
        """Plans, intakes, series, notes, measures, charges and payments for these episodes (one transaction)."""
        if not episodes:
            return
        stored = self.vault.plans.import_plans([self._plan_chain(e) for e in episodes], self.signer)
        for episode, chain in zip(episodes, stored, strict=True):
            episode.plans = chain
            self.counts.plans += len(chain)
            self.billing[episode.client_id] = episode.billing
        intakes = [self.vault.schedule.book(self._intake(e), now=self.now) for e in episodes]
        booked = self.vault.schedule.import_series([(e.series, e.outcomes) for e in episodes], now=self.now)
        batch = _Batch()
        for episode, intake, (_, appointments) in zip(episodes, intakes, booked, strict=True):
            self.counts.appointments += 1 + len(appointments)
            self._episode_notes(batch, episode, intake, appointments)
        self._store(batch)

    def _plan_chain(self, episode: Episode) -> list[TreatmentPlan]:
        """The first plan at intake and the latest reviews (due every 90 days); a skipped review leaves the
        plan due for review. Older reviews are left out to keep the chart's plan history short."""
        kind = {"individual": "individual", "couple": "couples", "family": "family"}[episode.kind]
        frequency = (
            f"{'weekly' if episode.weekly else 'every two weeks'} {episode.series.duration_minutes}-minute "
            f"{kind} psychotherapy ({episode.series.service_code})"
        )
        start = episode.intake.date()
        chain = [plan_for(episode.theme, start, frequency)]
        attended = sorted(d for d, s in episode.outcomes.items() if s is AppointmentStatus.ATTENDED)
        due = start + timedelta(days=_REVIEW_DAYS)
        reviews = []
        while attended and due <= attended[-1]:
            reviews.append(next(d for d in attended if d >= due))
            due = reviews[-1] + timedelta(days=_REVIEW_DAYS)
        for review in reviews[1 - _MAX_VERSIONS :]:
            if self.rng.random() < 0.85:
                chain.append(plan_for(episode.theme, review, frequency, review=len(chain)))
                episode.review_days.append(review)
        return [dataclasses.replace(plan, client_id=episode.client_id) for plan in chain]

    def _intake(self, episode: Episode) -> Appointment:
        series = episode.series
        return Appointment(
            start=episode.intake,
            duration_minutes=60,
            service_code="90791",
            client_id=series.client_id,
            unit_id=series.unit_id,
            modifiers=series.modifiers,
            place_of_service=series.place_of_service,
            telehealth=series.telehealth,
            status=AppointmentStatus.ATTENDED,
        )

    # -- notes ---------------------------------------------------------------------------------

    def _status(self, day: date) -> NoteStatus:
        """Signed, except some of the last week's notes (and, rarely, a forgotten older one)."""
        recent = (self.today - day).days <= _DRAFT_DAYS
        return NoteStatus.DRAFT if self.rng.random() < (0.5 if recent else 0.002) else NoteStatus.SIGNED

    def _note(self, batch: _Batch, episode: Episode, **fields: object) -> int:
        """Add a note to the batch (signed a little after the session, or left a draft); returns its index."""
        rng = self.rng
        day = fields["date_of_service"]
        assert isinstance(day, date)
        status = self._status(day)
        end = fields.get("end_time")
        finished = datetime.combine(day, end if isinstance(end, time) else time(17, 0))
        signed_at = (finished + _UTC_OFFSET + timedelta(minutes=rng.randrange(10, 240))).replace(tzinfo=UTC)
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
        self.counts.notes += 1
        self.counts.drafts += not signed
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

    def _episode_notes(
        self, batch: _Batch, episode: Episode, intake: Appointment, appointments: list[Appointment]
    ) -> None:
        rng, theme = self.rng, episode.theme
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
                fee = rng.random() < 0.7
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

    # -- storing -------------------------------------------------------------------------------

    def _store(self, batch: _Batch) -> None:
        vault = self.vault
        note_ids = vault.notes.import_notes(batch.notes, today=self.today)
        entries = [
            MeasureEntry(client_id, instrument, answers, day, note_ids[index])
            for index, client_id, instrument, answers, day, _ in batch.measures
        ]
        result_ids = vault.measures.import_results(entries, today=self.today)
        self.counts.measures += len(result_ids)
        for result_id, (_, _, _, _, day, follow_up) in zip(result_ids, batch.measures, strict=True):
            if follow_up:
                when = (datetime.combine(day, time(18, 30)) + _UTC_OFFSET).replace(tzinfo=UTC)
                vault.measures.mark_followed_up(result_id, when, self.signer)
        charge_ids = vault.billing.import_appointment_charges(batch.charges, today=self.today)
        self.counts.charges += len(charge_ids)
        sessions: dict[int, list[ChargeLine]] = {}
        missed: dict[int, list[ChargeLine]] = {}
        for charge_id, (client_id, line, is_session) in zip(charge_ids, batch.lines, strict=True):
            stored = ChargeLine(charge_id, line.date_of_service, line.fee_cents, line.insurable, line.next_visit)
            (sessions if is_session else missed).setdefault(client_id, []).append(stored)
        payments = []
        for client_id in sorted(set(sessions) | set(missed)):
            payments += payments_for(
                self.rng, client_id, self.billing[client_id], sessions.get(client_id, []), missed.get(client_id, []),
                self.today,
            )  # fmt: skip
        self.counts.payments += len(vault.billing.import_payments(payments, today=self.today))

    # -- the group -----------------------------------------------------------------------------

    def group(self, candidates: list[Episode]) -> None:
        """A weekly DBT skills group of up to eight active clients, running for 26 weeks to date and ahead."""
        if not candidates:
            return
        rng = self.rng
        tuesday = self.today - timedelta(weeks=20)
        tuesday += timedelta(days=(1 - tuesday.weekday()) % 7)
        members = candidates[:8]
        unit = self.vault.clients.create_unit(
            Unit(
                UnitKind.GROUP,
                "DBT skills group (Tuesday evening)",
                tuple(UnitMember(m.client_id, "member") for m in members),
            )
        )
        self.counts.units += 1
        series = AppointmentSeries(
            first_start=datetime.combine(tuesday, time(18, 0)),
            recurrence=Recurrence.WEEKLY,
            duration_minutes=90,
            service_code="90853",
            unit_id=unit.id,
            place_of_service=PlaceOfService.OFFICE,
            until=tuesday + timedelta(weeks=25),
        )
        past = [tuesday + timedelta(weeks=n) for n in range(26) if tuesday + timedelta(weeks=n) < self.today]
        outcomes = {d: rng.choices((AppointmentStatus.ATTENDED, AppointmentStatus.CANCELLED), (94, 6))[0] for d in past}
        ((stored, appointments),) = self.vault.schedule.import_series([(series, outcomes)], now=self.now)
        self.counts.appointments += len(appointments)
        batch = _Batch()
        held = [a for a in appointments if a.status is AppointmentStatus.ATTENDED]
        for member in members:
            episode = dataclasses.replace(member, kind="group", participants=(), series=stored)
            joined = member.intake.date() + timedelta(days=14)
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
        self._store(batch)
