"""The demo vault: a realistic synthetic practice, built through the stores so it obeys every rule.

`build_demo` fills a new, empty vault with an invented clinician and payers, and clients from many
cultures (names in several scripts) with intakes, weekly or fortnightly series, signed and draft notes,
treatment plans, PHQ-9 / GAD-7 (and PCL-5) series, insurance or self-pay, charges and payments; plus
couples, one family and a DBT skills group. Everything is invented.

Deterministic: the same `seed`, size and `today` give the same content. All choices come from one
`random.Random(seed)`; the only clock read is for the timestamps the stores stamp themselves (created,
updated, signed-at of plans, audit times). Clients are written in batches, one transaction each, using
the stores' bulk imports where thousands of rows arrive together.
"""

from __future__ import annotations

import dataclasses
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from therapy_desk.domain.clients import AdministrativeSex, ClientStatus, Unit, UnitKind, UnitMember
from therapy_desk.domain.codes import PlaceOfService
from therapy_desk.domain.demo_clinical import COUPLE_THEME, FAMILY_THEME, Theme, pick_theme, trajectory
from therapy_desk.domain.demo_money import PAYERS, choose_coverage
from therapy_desk.domain.demo_notes import FORMAT_WEIGHTS
from therapy_desk.domain.demo_people import (
    CLINICIAN_FIRST,
    CLINICIAN_LAST,
    CREDENTIALS,
    PLACES,
    NamePool,
    Person,
    make_person,
    pick_pool,
)
from therapy_desk.domain.practice import PracticeProfile
from therapy_desk.domain.scheduling import AppointmentSeries, AppointmentStatus, Recurrence
from therapy_desk.domain.validation import npi_check_digit_ok
from therapy_desk.errors import ValidationError
from therapy_desk.storage import db
from therapy_desk.storage.demo_sessions import Counts, Episode, SessionWriter

if TYPE_CHECKING:
    from therapy_desk.storage.vault import Vault

DEMO_SEED_SETTING = "demo.seed"
MIN_CLIENTS = 12  # room for the couples, the family and the group
MAX_CLIENTS = 50_000
MAX_YEARS = 10
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


@dataclass(frozen=True)
class DemoSummary:
    """What `build_demo` made."""

    seed: int
    today: date
    years: int
    clients: int
    units: int
    appointments: int
    notes: int
    draft_notes: int
    plans: int
    measures: int
    charges: int
    payments: int


def build_demo(
    vault: Vault,
    *,
    clients: int = 120,
    years: int = 3,
    seed: int = 1,
    today: date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DemoSummary:
    """Fill an open, new vault with a synthetic practice of `clients` clients over `years` years.

    `progress(done, total)` is called after each batch of clients (a few hundred times at most).
    Raises `ValidationError` for a size out of range, a `today` in the future, or a vault that
    already holds clients.
    """
    if isinstance(clients, bool) or not isinstance(clients, int) or not MIN_CLIENTS <= clients <= MAX_CLIENTS:
        raise ValidationError(f"A demo practice has {MIN_CLIENTS} to {MAX_CLIENTS:,} clients.", "clients")
    if isinstance(years, bool) or not isinstance(years, int) or not 1 <= years <= MAX_YEARS:
        raise ValidationError(f"A demo practice covers 1 to {MAX_YEARS} years.", "years")
    day = today or date.today()
    if day > date.today():
        raise ValidationError("The demo's 'today' cannot be in the future.", "today")
    if vault.clients.count():
        raise ValidationError("The demo goes into a new, empty vault; this one already holds clients.", "vault")
    return _Builder(vault, clients, years, seed, day, progress).run()


def is_demo(vault: Vault) -> bool:
    """Whether `build_demo` made this vault (it records its seed in the settings)."""
    return vault.practice.setting(DEMO_SEED_SETTING) is not None


def export_plain_benchmark_copy(vault: Vault, target: Path) -> None:
    """BENCHMARK ONLY: an UNENCRYPTED copy of a demo vault at `target`, for bench/ to compare query times
    with plain SQLite. Refuses any vault the demo did not build: real data never leaves the vault in clear."""
    if not is_demo(vault):
        raise ValidationError("Only a demo vault may be copied unencrypted for benchmarks.", "vault")
    if target.exists():
        raise ValidationError(f"{target} already exists; choose a new file for the plain copy.", "target")
    db.export_plain_copy(vault.db.conn, target)


class _Builder:
    def __init__(
        self,
        vault: Vault,
        clients: int,
        years: int,
        seed: int,
        today: date,
        progress: Callable[[int, int], None] | None,
    ) -> None:
        self.vault = vault
        self.total = clients
        self.years = years
        self.seed = seed
        self.today = today
        self.window_start = today - timedelta(days=365 * years)
        self.rng = random.Random(seed)  # noqa: S311 - synthetic demo data, never a secret
        self.progress = progress
        self.created = 0
        self.flagged = 0
        self.counts = Counts()
        self.group_candidates: list[Episode] = []
        self.payer_ids: list[int] = []

    def run(self) -> DemoSummary:
        with self.vault.transaction():
            writer = self._practice()
        couples = max(1, self.total // 40)
        kinds = ["couple"] * couples + ["family"] + ["individual"] * (self.total - 2 * couples - 3)
        self.rng.shuffle(kinds)
        size = max(10, math.ceil(self.total / 100))
        for start in range(0, len(kinds), size):
            with self.vault.transaction():
                episodes = [e for kind in kinds[start : start + size] if (e := self._case(kind)) is not None]
                writer.write(episodes)
            if self.progress is not None:
                self.progress(self.created, self.total)
        with self.vault.transaction():
            writer.group(self.group_candidates)
        c = self.counts
        return DemoSummary(
            self.seed, self.today, self.years, self.created, c.units, c.appointments, c.notes, c.drafts, c.plans,
            c.measures, c.charges, c.payments,
        )  # fmt: skip

    # -- the practice --------------------------------------------------------------------------

    def _practice(self) -> SessionWriter:
        """The clinician's profile and the payers; returns the writer for the clients' treatment."""
        rng = self.rng
        credentials, taxonomy = rng.choice(CREDENTIALS)
        prefix = f"1{rng.randrange(10**7, 10**8)}"
        npi = next(f"{prefix}{d}" for d in "0123456789" if npi_check_digit_ok(f"{prefix}{d}"))
        place = PLACES[0]
        profile = self.vault.practice.save_profile(
            PracticeProfile(
                name=f"{rng.choice(CLINICIAN_FIRST)} {rng.choice(CLINICIAN_LAST)}",
                credentials=credentials,
                license_number=f"{credentials}-{rng.randrange(10000, 99999)}",
                license_state="OR",
                npi=npi,
                taxonomy=taxonomy,
                tax_id=f"{rng.randrange(10, 99)}-{rng.randrange(1000000, 9999999)}",
                street=f"{rng.randrange(100, 2999)} {rng.choice(('NW Everett Street', 'SE Belmont Street'))}, Suite 2",
                city=place.city,
                state=place.state,
                zip=f"{place.zips[0]}-{rng.randrange(1000, 9999)}",
                phone=f"(503) 555-01{rng.randrange(100):02d}",
                email="office@example.com",
            )
        )
        for payer, _, _ in PAYERS:
            stored = self.vault.billing.add_payer(payer)
            assert stored.id is not None
            self.payer_ids.append(stored.id)
        self.vault.practice.set_setting(DEMO_SEED_SETTING, str(self.seed))
        self.vault.practice.set_setting("demo.today", self.today.isoformat())
        fees = {service.code: service.default_fee_cents for service in self.vault.billing.services()}
        signer = f"{profile.name}, {profile.credentials}"
        return SessionWriter(self.vault, self.rng, self.today, signer, fees, self.counts)

    # -- clients -------------------------------------------------------------------------------

    def _pool(self) -> NamePool:
        return pick_pool(self.rng, self.created)

    def _create(self, person: Person) -> int:
        client = self.vault.clients.create(person.client, today=self.today)
        assert client.id is not None
        self.created += 1
        return client.id

    def _case(self, kind: str) -> Episode | None:
        """Create the clients of one case; returns its course of treatment (None: not seen yet)."""
        rng = self.rng
        if kind == "individual":
            status = rng.choices(list(_STATUS_WEIGHTS), list(_STATUS_WEIGHTS.values()))[0]
            pool = self._pool()
            if status in (ClientStatus.INQUIRY, ClientStatus.WAITLIST):
                self._create(make_person(rng, pool, self.today, status=status))
                return None
            return self._episode(pool, status, pick_theme(rng), kind)
        status = rng.choices((ClientStatus.ACTIVE, ClientStatus.DISCHARGED), (70, 30))[0]
        return self._episode(self._pool(), status, COUPLE_THEME if kind == "couple" else FAMILY_THEME, kind)

    def _dates(self, status: ClientStatus, interval: int) -> tuple[date, date | None]:
        """(intake date, date of the series' last session, or None while it goes on)."""
        rng = self.rng
        target = max(3, int(rng.lognormvariate(math.log(25), 0.75)))
        room = (self.today - self.window_start).days // interval - 3
        if status is ClientStatus.ACTIVE:
            target = max(2, min(target, room))
            intake = self.today - timedelta(days=(target + 1) * interval - rng.randrange(1, interval))
            return _weekday(intake), None
        target = max(2, min(target, room - 3, 700 // interval))  # a series spans at most two years
        latest = self.today - timedelta(days=21 + (target + 1) * interval)
        offset = rng.randrange(max(1, (latest - self.window_start).days))
        intake = _weekday(self.window_start + timedelta(days=offset))
        return intake, intake + timedelta(days=interval * (target + 1))

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

    def _episode(self, pool: NamePool, status: ClientStatus, theme: Theme, kind: str) -> Episode:
        rng, today = self.rng, self.today
        weekly = kind != "family" and rng.random() < 0.6
        interval = 7 if weekly else 14
        intake_day, until = self._dates(status, interval)
        people = self._members(pool, status, kind)
        discharge = until if status is ClientStatus.DISCHARGED else None
        ids = [
            self._create(dataclasses.replace(p, client=dataclasses.replace(
                p.client, intake_date=intake_day, discharge_date=discharge)))
            for p in people
        ]  # fmt: skip
        billed = ids[0]
        unit_id = None
        participants: tuple[str, ...] = ()
        if kind != "individual":
            unit = self.vault.clients.create_unit(
                Unit(
                    UnitKind.COUPLE if kind == "couple" else UnitKind.FAMILY,
                    f"{people[0].latin_last} {kind}",
                    tuple(
                        UnitMember(cid, "partner" if kind == "couple" else "child" if n == 0 else "parent", n == 0)
                        for n, cid in enumerate(ids)
                    ),
                )
            )
            unit_id = unit.id
            self.counts.units += 1
            participants = tuple(p.client.display_name for p in people)
        codes = [rng.choice(theme.codes)]
        if theme.secondary and rng.random() < (1.0 if kind != "individual" else 0.3):
            codes.append(rng.choice(theme.secondary))
        onset = max(people[0].client.dob, intake_day - timedelta(days=rng.randrange(60, 700)))
        diagnoses = [self.vault.clients.add_diagnosis(billed, code, onset=onset, today=today) for code in codes]
        share = {"individual": 0.7, "couple": 0.4, "family": 1.0}[kind]
        client = self.vault.clients.get(billed)
        coverage, billing = choose_coverage(rng, client, pool, self.payer_ids, intake_day, today, insured_share=share)
        eap = coverage is not None and bool(coverage.authorization_number)
        if coverage is not None:
            self.vault.billing.add_coverage(coverage, today=today)
        if eap:  # the EAP authorised six visits: the intake and five sessions
            last = intake_day + timedelta(days=interval * 5)
            until = last if until is None else min(until, last)
        telehealth = rng.random() < 0.35
        code, minutes = ("90847", 50) if kind != "individual" else _session_code(rng)
        intake = datetime.combine(intake_day, time(rng.randrange(8, 18), 0))
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
            intake=intake,
            series=series,
            outcomes=self._outcomes(series, status),
            dx_ids=tuple(d.id for d in diagnoses if d.id is not None),
            dx_label="; ".join(f"{d.code} {d.description}" for d in diagnoses),
            billing=billing,
            note_format=rng.choices(list(FORMAT_WEIGHTS), list(FORMAT_WEIGHTS.values()))[0],
            trajectory=trajectory(rng, theme),
            age=(intake_day - people[0].client.dob).days // 365,
            referral=people[0].client.referral_source,
            kind=kind,
            participants=participants,
        )
        active = status is ClientStatus.ACTIVE
        if active and theme.key in ("depression", "trauma") and (self.flagged < 2 or rng.random() < 0.03):
            episode.flag_at = -1 if self.flagged == 0 else 1  # the first stays open for the Today view
            self.flagged += 1
        if active and kind == "individual" and theme.key in _GROUP_THEMES and len(self.group_candidates) < 8:
            self.group_candidates.append(episode)
        return episode

    def _outcomes(self, series: AppointmentSeries, status: ClientStatus) -> dict[date, AppointmentStatus]:
        """What happened at each past session; an inactive client stopped coming (the last two missed)."""
        step = timedelta(days=7 if series.recurrence is Recurrence.WEEKLY else 14)
        last = series.until or self.today
        days = []
        day = series.first_start.date()
        while day <= last and day < self.today:
            days.append(day)
            day += step
        statuses = [status for status, _ in _OUTCOMES]
        weights = [weight for _, weight in _OUTCOMES]
        outcomes = {d: self.rng.choices(statuses, weights)[0] for d in days}
        if status is ClientStatus.INACTIVE:
            for d in days[-2:]:
                outcomes[d] = AppointmentStatus.NO_SHOW
        elif status is ClientStatus.DISCHARGED and days:
            outcomes[days[-1]] = AppointmentStatus.ATTENDED
        return outcomes


def _weekday(day: date) -> date:
    """The nearest earlier weekday (clinic days are Monday to Friday)."""
    return day - timedelta(days=max(0, day.weekday() - 4))


def _session_code(rng: random.Random) -> tuple[str, int]:
    code, minutes, _ = rng.choices(_SESSION_CODES, [weight for *_, weight in _SESSION_CODES])[0]
    return code, minutes
