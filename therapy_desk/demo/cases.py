"""Planning the demo practice's cases: the people of each case and their course of treatment (intake,
diagnoses, coverage, plan history, a weekly or fortnightly series and what happened at each past session).

Part of the demo vault's planner (demo/planner.py), which may run in another process: it reads
nothing from the vault. It numbers clients and units as a new vault numbers them, from the first ids the
builder gives it, and the builder checks every id the vault hands back against them.
"""

from __future__ import annotations

import dataclasses
import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from therapy_desk.demo.clinical import COUPLE_THEME, FAMILY_THEME, Theme, pick_theme, plan_for, trajectory
from therapy_desk.demo.money import choose_coverage
from therapy_desk.demo.note_text import FORMAT_WEIGHTS
from therapy_desk.demo.people import PLACES, NamePool, Person, make_person, pick_pool
from therapy_desk.demo.sessions import UTC_OFFSET, Episode
from therapy_desk.demo.today import ClinicDay
from therapy_desk.domain.billing import Coverage
from therapy_desk.domain.clients import AdministrativeSex, Client, ClientStatus, Unit, UnitKind, UnitMember
from therapy_desk.domain.codes import PlaceOfService
from therapy_desk.domain.icd10cm import code_set
from therapy_desk.domain.plans import TreatmentPlan
from therapy_desk.domain.scheduling import Appointment, AppointmentSeries, AppointmentStatus, Recurrence
from therapy_desk.storage.schedule_import import PreparedSeries

_STATUS_WEIGHTS = {
    ClientStatus.ACTIVE: 56,
    ClientStatus.DISCHARGED: 20,
    ClientStatus.INACTIVE: 10,
    ClientStatus.WAITLIST: 8,
    ClientStatus.INQUIRY: 6,
}
_OUTCOMES = (
    (AppointmentStatus.ATTENDED, 88.0),
    (AppointmentStatus.CANCELLED, 5.0),
    (AppointmentStatus.NO_SHOW, 3.5),
    (AppointmentStatus.LATE_CANCEL, 3.5),
)
_SESSION_CODES = (("90837", 53, 50), ("90834", 45, 45), ("90832", 30, 5))  # code, minutes, weight
_GROUP_THEMES = ("depression", "trauma", "anxiety")
_REVIEW_DAYS = 90
_MAX_VERSIONS = 3  # the first plan and up to two reviews; longer charts show a review that is due
MAX_GROUP = 8


@dataclass(frozen=True)
class CaseDraft:
    """One case as planned, for the builder to store: its clients (numbered `client_ids`), and for a
    client in treatment the unit, diagnoses of the billed client (people[0]), coverage, plan history,
    and the intake (numbered; its series comes in the batch's `PreparedSeries`)."""

    people: tuple[Client, ...]
    client_ids: tuple[int, ...]
    unit: Unit | None = None
    unit_id: int | None = None
    diagnoses: tuple[tuple[str, date], ...] = ()  # (ICD-10-CM code, onset), principal first
    coverage: Coverage | None = None
    plans: tuple[TreatmentPlan, ...] = ()
    intake: Appointment | None = None


@dataclass(frozen=True)
class CaseBatch:
    """A batch of cases, and the series of those in treatment, in order, checked and numbered."""

    cases: tuple[CaseDraft, ...]
    series: PreparedSeries


def case_kinds(rng: random.Random, total: int) -> list[str]:
    """The practice's cases in the order they are planned: couples, one family and individuals."""
    couples = max(1, total // 40)
    kinds = ["couple"] * couples + ["family"] + ["individual"] * (total - 2 * couples - 3)
    rng.shuffle(kinds)
    return kinds


class CasePlanner:
    def __init__(
        self,
        rng: random.Random,
        *,
        years: int,
        today: date,
        clinic: ClinicDay,
        payer_ids: list[int],
        first_client_id: int,
        first_unit_id: int,
    ) -> None:
        self.rng = rng
        self.today = today
        self.clinic = clinic
        self.window_start = today - timedelta(days=365 * years)
        self.payer_ids = payer_ids
        self.next_client_id = first_client_id
        self.next_unit_id = first_unit_id
        self.planned = 0  # clients planned so far
        self.flagged = 0
        self.group_candidates: list[Episode] = []

    def case(self, kind: str) -> tuple[CaseDraft, Episode | None]:
        """The clients of one case, and its course of treatment (None: not seen yet)."""
        rng = self.rng
        if kind == "individual":
            status = rng.choices(list(_STATUS_WEIGHTS), list(_STATUS_WEIGHTS.values()))[0]
            pool = self._pool()
            if status in (ClientStatus.INQUIRY, ClientStatus.WAITLIST):
                person = make_person(rng, pool, self.today, status=status)
                return CaseDraft((person.client,), self._number(1)), None
            return self._episode(pool, status, pick_theme(rng), kind)
        status = rng.choices((ClientStatus.ACTIVE, ClientStatus.DISCHARGED), (70, 30))[0]
        return self._episode(self._pool(), status, COUPLE_THEME if kind == "couple" else FAMILY_THEME, kind)

    def _pool(self) -> NamePool:
        return pick_pool(self.rng, self.planned)

    def _number(self, count: int) -> tuple[int, ...]:
        ids = tuple(range(self.next_client_id, self.next_client_id + count))
        self.next_client_id += count
        self.planned += count
        return ids

    def _dates(self, status: ClientStatus, interval: int) -> tuple[date, date | None, bool]:
        """(intake date, date of the series' last session or None while it goes on, whether it meets on the
        clinic day). The first courses in treatment fill the clinic day; the others meet on other weekdays."""
        rng = self.rng
        target = max(3, int(rng.lognormvariate(math.log(25), 0.75)))
        room = (self.today - self.window_start).days // interval - 3
        if status is ClientStatus.ACTIVE:
            target = max(2, min(target, room))
            on_day = self.clinic.has_room()
            offset = 0 if on_day else rng.choice(self.clinic.offsets(interval))
            return self.clinic.day - timedelta(days=(target + 1) * interval - offset), None, on_day
        target = max(2, min(target, room - 3, 700 // interval))  # a series spans at most two years
        latest = self.today - timedelta(days=21 + (target + 1) * interval)
        offset = rng.randrange(max(1, (latest - self.window_start).days))
        intake = _weekday(self.window_start + timedelta(days=offset))
        return intake, intake + timedelta(days=interval * (target + 1)), False

    def _members(self, pool: NamePool, status: ClientStatus, kind: str) -> list[Person]:
        """The people of a case, identified client first (a family shares a surname and a home)."""
        rng, today = self.rng, self.today
        if kind == "individual":
            return [make_person(rng, pool, today, status=status)]
        if kind == "couple":
            first = make_person(rng, pool, today, status=status, ages=(24, 70))
            home = next(p for p in PLACES if p.city == first.client.city)
            other = pool if rng.random() < 0.7 else self._pool()
            second = make_person(
                rng, other, today, status=status, ages=(24, 70), place=home, street=first.client.street
            )
            return [first, second]
        teen = make_person(rng, pool, today, status=status, ages=(13, 17))
        home = next(p for p in PLACES if p.city == teen.client.city)
        surname = (teen.client.legal_last, teen.latin_last)
        parents = [
            make_person(rng, pool, today, status=status, sex=sex, last_name=surname, ages=(38, 55), place=home,
                        street=teen.client.street)
            for sex in (AdministrativeSex.FEMALE, AdministrativeSex.MALE)
        ]  # fmt: skip
        return [teen, *parents]

    def _episode(self, pool: NamePool, status: ClientStatus, theme: Theme, kind: str) -> tuple[CaseDraft, Episode]:
        rng, today = self.rng, self.today
        weekly = kind != "family" and rng.random() < 0.6
        interval = 7 if weekly else 14
        intake_day, until, on_day = self._dates(status, interval)
        people = self._members(pool, status, kind)
        discharge = until if status is ClientStatus.DISCHARGED else None
        clients = tuple(dataclasses.replace(p.client, intake_date=intake_day, discharge_date=discharge) for p in people)
        ids = self._number(len(clients))
        billed = ids[0]
        unit = unit_id = None
        participants: tuple[str, ...] = ()
        if kind != "individual":
            unit = Unit(
                UnitKind.COUPLE if kind == "couple" else UnitKind.FAMILY,
                f"{people[0].latin_last} {kind}",
                tuple(
                    UnitMember(cid, "partner" if kind == "couple" else "child" if n == 0 else "parent", n == 0)
                    for n, cid in enumerate(ids)
                ),
            )
            unit_id = self.next_unit_id
            self.next_unit_id += 1
            participants = tuple(c.display_name for c in clients)
        codes = [rng.choice(theme.codes)]
        if theme.secondary and rng.random() < (1.0 if kind != "individual" else 0.3):
            codes.append(rng.choice(theme.secondary))
        onset = max(clients[0].dob, intake_day - timedelta(days=rng.randrange(60, 700)))
        share = {"individual": 0.7, "couple": 0.4, "family": 1.0}[kind]
        coverage, billing = choose_coverage(
            rng, dataclasses.replace(clients[0], id=billed), pool, self.payer_ids, intake_day, today,
            insured_share=share, latin_name=(people[0].latin_first, people[0].latin_last),
        )  # fmt: skip
        eap = coverage is not None and bool(coverage.authorization_number)
        if eap:  # the EAP authorised six visits: the intake and five sessions
            last = intake_day + timedelta(days=interval * 5)
            until = last if until is None else min(until, last)
            if until < today and status is not ClientStatus.DISCHARGED:  # the visits are used up: discharged
                status = ClientStatus.DISCHARGED
                clients = tuple(dataclasses.replace(c, status=status, discharge_date=until) for c in clients)
        telehealth = rng.random() < 0.35
        code, minutes = ("90847", 50) if kind != "individual" else _session_code(rng)
        on_day = on_day and (until is None or until >= self.clinic.day)  # not when the EAP visits end before
        hour = self.clinic.take() if on_day else rng.randrange(8, 18)
        intake = datetime.combine(intake_day, time(hour, 0))
        series = AppointmentSeries(
            first_start=intake + timedelta(days=interval),
            recurrence=Recurrence.WEEKLY if weekly else Recurrence.BIWEEKLY,
            duration_minutes=minutes,
            service_code=code,
            client_id=billed if unit_id is None else None,
            unit_id=unit_id,
            modifiers=(("95",) if telehealth else ()) + (("HJ",) if eap else ()),
            place_of_service=PlaceOfService.TELEHEALTH_HOME if telehealth else PlaceOfService.OFFICE,
            telehealth=telehealth,
            until=until,
        )
        episode = Episode(
            client_id=billed,
            theme=theme,
            status=status,
            intake=_intake(series, intake),
            series=series,
            outcomes=self._outcomes(series, status),
            dx_label="; ".join(f"{c} {code_set().require(c).description}" for c in codes),
            billing=billing,
            note_format=rng.choices(list(FORMAT_WEIGHTS), list(FORMAT_WEIGHTS.values()))[0],
            trajectory=trajectory(rng, theme),
            age=(intake_day - clients[0].dob).days // 365,
            referral=clients[0].referral_source,
            kind=kind,
            participants=participants,
        )
        active = status is ClientStatus.ACTIVE
        if active and theme.key in ("depression", "trauma") and (self.flagged < 2 or rng.random() < 0.03):
            episode.flag_at = -1 if self.flagged == 0 else 1  # the first stays open for the Today view
            self.flagged += 1
        if active and kind == "individual" and theme.key in _GROUP_THEMES and len(self.group_candidates) < MAX_GROUP:
            self.group_candidates.append(episode)
        plans = episode.plans = self._plan_chain(episode)
        draft = CaseDraft(
            people=clients,
            client_ids=ids,
            unit=unit,
            unit_id=unit_id,
            diagnoses=tuple((c, onset) for c in codes),
            coverage=coverage,
            plans=tuple(plans),
            intake=episode.intake,
        )
        return draft, episode

    def _outcomes(self, series: AppointmentSeries, status: ClientStatus) -> dict[date, AppointmentStatus]:
        """What happened at each session that is over; an inactive client stopped coming (the last two
        missed); the clinic day's sessions went as that day has it."""
        step = timedelta(days=7 if series.recurrence is Recurrence.WEEKLY else 14)
        last = series.until or self.today
        days = []
        start = series.first_start
        while start.date() <= last and self.clinic.is_over(start, series.duration_minutes):
            days.append(start.date())
            start += step
        statuses = [status for status, _ in _OUTCOMES]
        weights = [weight for _, weight in _OUTCOMES]
        outcomes = {d: self.rng.choices(statuses, weights)[0] for d in days}
        if status is ClientStatus.INACTIVE:
            for d in days[-2:]:
                outcomes[d] = AppointmentStatus.NO_SHOW
        elif status is ClientStatus.DISCHARGED and days:
            outcomes[days[-1]] = AppointmentStatus.ATTENDED
        if self.clinic.day in outcomes:
            outcomes[self.clinic.day] = self.clinic.outcome(series.first_start)
        return outcomes

    def _plan_chain(self, episode: Episode) -> list[TreatmentPlan]:
        """The first plan at intake and the latest reviews (due every 90 days); a skipped review leaves the
        plan due for review. Older reviews are left out to keep the chart's plan history short."""
        kind = {"individual": "individual", "couple": "couples", "family": "family"}[episode.kind]
        frequency = (
            f"{'weekly' if episode.weekly else 'every two weeks'} {episode.series.duration_minutes}-minute "
            f"{kind} psychotherapy ({episode.series.service_code})"
        )
        start = episode.intake.date_of_service
        chain = [plan_for(episode.theme, start, frequency)]
        # A review is signed the evening it takes effect (Pacific time), an evening that must be over wherever
        # the demo is built: none on the clinic day or the day before.
        cutoff = min(self.clinic.day, self.today - timedelta(days=1))
        attended = sorted(d for d, s in episode.outcomes.items() if s is AppointmentStatus.ATTENDED and d < cutoff)
        due = start + timedelta(days=_REVIEW_DAYS)
        reviews = []
        while attended and due <= attended[-1]:
            reviews.append(next(d for d in attended if d >= due))
            due = reviews[-1] + timedelta(days=_REVIEW_DAYS)
        for review in reviews[1 - _MAX_VERSIONS :]:
            if self.rng.random() < 0.85:
                chain.append(plan_for(episode.theme, review, frequency, review=len(chain)))
                episode.review_days.append(review)
        # Signed at the end of the day it takes effect (Pacific time, stored in UTC).
        return [
            dataclasses.replace(
                plan,
                client_id=episode.client_id,
                signed_at=(datetime.combine(plan.effective_date, time(17, 30)) + UTC_OFFSET).replace(tzinfo=UTC),
            )
            for plan in chain
        ]


def _intake(series: AppointmentSeries, start: datetime) -> Appointment:
    """The hour-long intake (90791) that opens a course of treatment, attended."""
    return Appointment(
        start=start,
        duration_minutes=60,
        service_code="90791",
        client_id=series.client_id,
        unit_id=series.unit_id,
        modifiers=series.modifiers,
        place_of_service=series.place_of_service,
        telehealth=series.telehealth,
        status=AppointmentStatus.ATTENDED,
    )


def _weekday(day: date) -> date:
    """The nearest earlier weekday (clinic days are Monday to Friday)."""
    return day - timedelta(days=max(0, day.weekday() - 4))


def _session_code(rng: random.Random) -> tuple[str, int]:
    code, minutes, _ = rng.choices(_SESSION_CODES, [weight for *_, weight in _SESSION_CODES])[0]
    return code, minutes
