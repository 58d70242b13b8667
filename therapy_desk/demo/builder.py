"""The demo vault: a realistic synthetic practice, built through the stores so it obeys every rule.

`build_demo` fills a new, empty vault with an invented clinician and payers, and clients from many
cultures (names in several scripts) with intakes, weekly or fortnightly series, signed and draft notes,
treatment plans, PHQ-9 / GAD-7 (and PCL-5) series, insurance or self-pay, charges and payments; plus
couples, one family and a DBT skills group. Everything is invented. The day it is built on looks like a
clinic day: sessions done and ahead, a no-show, this morning's notes to sign (demo/today.py).

Deterministic: the same `seed`, size and `today` give the same content. The planner
(demo/planner.py) makes every choice; the builder here stores what it plans, batch by batch, one
transaction each, through the stores' bulk imports. The only clock read is for the timestamps the stores
stamp themselves (created, updated, signed-at of plans, audit times).
"""

from __future__ import annotations

import dataclasses
import os
import random
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from therapy_desk.demo.cases import CaseBatch
from therapy_desk.demo.money import PAYERS
from therapy_desk.demo.people import CLINICIAN_FIRST, CLINICIAN_LAST, CREDENTIALS, PLACES
from therapy_desk.demo.planner import PARALLEL_FROM, PlanSetup, planner
from therapy_desk.demo.sessions import GroupDraft, SessionBatch, StoredCase
from therapy_desk.demo.today import demo_now
from therapy_desk.domain.icd10cm import code_set
from therapy_desk.domain.practice import PracticeProfile
from therapy_desk.domain.validation import npi_check_digit_ok
from therapy_desk.errors import ValidationError
from therapy_desk.storage import db

if TYPE_CHECKING:
    from therapy_desk.storage.vault import Vault

DEMO_SEED_SETTING = "demo.seed"
MIN_CLIENTS = 12  # room for the couples, the family and the group
MAX_CLIENTS = 50_000
MAX_YEARS = 10
FOLLOW_UP_ACTION = "Safety check in session: no current intent or plan; safety plan reviewed."


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
    parallel: bool | None = None,
) -> DemoSummary:
    """Fill an open, new vault with a synthetic practice of `clients` clients over `years` years.

    `progress(done, total)` is called after each batch of clients (a hundred times at most).
    `parallel` plans in a worker process while this one writes (by default from PARALLEL_FROM
    clients on a machine with more than one core); the practice is the same either way.
    Raises `ValidationError` for a size out of range, a `today` in the future, or a vault that
    already holds clients (before writing anything). The build writes without a journal
    (`db.bulk_load`), so a build that fails part way leaves a vault to delete.
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
    if parallel is None:
        parallel = clients >= PARALLEL_FROM and (os.cpu_count() or 1) > 1
    return _Builder(vault, clients, years, seed, day, progress).run(parallel=parallel)


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


@dataclass
class _Counts:
    units: int = 0
    appointments: int = 0
    notes: int = 0
    drafts: int = 0
    plans: int = 0
    measures: int = 0
    charges: int = 0
    payments: int = 0


class _Builder:
    """Stores what the planner plans: a batch's cases, then (while the planner writes the next batch's
    sessions) the sessions of the batch before."""

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
        self.progress = progress
        self.created = 0
        self.counts = _Counts()
        self.signer = ""

    def run(self, *, parallel: bool) -> DemoSummary:
        with self.vault.transaction():
            setup = self._practice()
        with db.bulk_load(self.vault.db.conn, self.vault.db.path), planner(setup, parallel=parallel) as plan:
            batches = plan.submit("batch_count").result()
            cases = {batch: plan.submit("cases", batch) for batch in range(min(2, batches))}
            code_set()  # load the ICD-10-CM index the diagnoses need while the planner plans the first cases
            previous: tuple[int, Future[SessionBatch]] | None = None  # (clients so far, the last batch's sessions)
            for batch in range(batches):
                planned: CaseBatch = cases.pop(batch).result()
                # One transaction stores this batch's cases and the batch before's sessions, which the planner
                # wrote while the vault stored those cases. The planner's calls, in the order it answers them:
                # this batch's sessions, then the cases two batches on (ready when the next batch comes).
                with self.vault.transaction():
                    sessions = plan.submit("sessions", batch, self._store_cases(planned))
                    if batch + 2 < batches:
                        cases[batch + 2] = plan.submit("cases", batch + 2)
                    if previous is not None:
                        self._store_sessions(previous[1].result())
                self._report(previous)
                previous = (self.created, sessions)
            group: Future[GroupDraft | None] = plan.submit("group")
            with self.vault.transaction():
                if previous is not None:
                    self._store_sessions(previous[1].result())
                if (drafted := group.result()) is not None:
                    self._store_group(drafted)
                    self._store_sessions(plan.submit("group_sessions").result())
            self._report(previous)
        c = self.counts
        return DemoSummary(
            self.seed, self.today, self.years, self.created, c.units, c.appointments, c.notes, c.drafts, c.plans,
            c.measures, c.charges, c.payments,
        )  # fmt: skip

    def _report(self, stored: tuple[int, object] | None) -> None:
        """Report the clients whose whole treatment is stored."""
        if stored is not None and self.progress is not None:
            self.progress(stored[0], self.total)

    # -- the practice --------------------------------------------------------------------------

    def _practice(self) -> PlanSetup:
        """The clinician's profile and the payers; returns what the planner needs to know of them."""
        rng = random.Random(self.seed)  # noqa: S311 - synthetic demo data, never a secret
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
        payer_ids = []
        for payer, _, _ in PAYERS:
            stored = self.vault.billing.add_payer(payer)
            assert stored.id is not None
            payer_ids.append(stored.id)
        self.vault.practice.set_setting(DEMO_SEED_SETTING, str(self.seed))
        self.vault.practice.set_setting("demo.today", self.today.isoformat())
        self.signer = f"{profile.name}, {profile.credentials}"
        return PlanSetup(
            seed=self.seed,
            clients=self.total,
            years=self.years,
            today=self.today,
            payer_ids=tuple(payer_ids),
            fees={service.code: service.default_fee_cents for service in self.vault.billing.services()},
            signer=self.signer,
            first_client_id=self.vault.db.next_id("clients"),
            first_unit_id=self.vault.db.next_id("units"),
            first_series_id=self.vault.db.next_id("appointment_series"),
            first_appointment_id=self.vault.db.next_id("appointments"),
            first_note_id=self.vault.db.next_id("notes"),
            first_charge_id=self.vault.db.next_id("charges"),
        )

    # -- storing -------------------------------------------------------------------------------

    def _store_cases(self, planned: CaseBatch) -> list[StoredCase]:
        """The batch's clients, units, diagnoses, coverage and intakes, then its plans and series in bulk;
        returns what the vault numbered for each case in treatment."""
        vault, today = self.vault, self.today
        treated, diagnosis_ids = [], []
        for draft in planned.cases:
            for client, expected in zip(draft.people, draft.client_ids, strict=True):
                _check_numbered("client", vault.clients.create(client, today=today).id, expected)
                self.created += 1
            if draft.intake is None:
                continue
            if draft.unit is not None:
                _check_numbered("unit", vault.clients.create_unit(draft.unit).id, draft.unit_id)
                self.counts.units += 1
            billed = draft.client_ids[0]
            diagnosis_ids.append(
                tuple(
                    _id(vault.clients.add_diagnosis(billed, code, onset=onset, today=today))
                    for code, onset in draft.diagnoses
                )
            )
            if draft.coverage is not None:
                vault.billing.add_coverage(draft.coverage, today=today)
            intake = vault.schedule.book(dataclasses.replace(draft.intake, id=None), now=demo_now(today))
            _check_numbered("appointment", intake.id, draft.intake.id)
            treated.append(draft)
        if not treated:
            return []
        chains = vault.plans.import_plans([d.plans for d in treated], self.signer)
        self.counts.plans += sum(len(chain) for chain in chains)
        vault.schedule.import_prepared_series(planned.series)
        self.counts.appointments += len(treated) + len(planned.series.appointment_rows)
        return [
            StoredCase(dx_ids, tuple(tuple(_id(goal) for goal in plan.goals) for plan in chain))
            for dx_ids, chain in zip(diagnosis_ids, chains, strict=True)
        ]

    def _store_sessions(self, batch: SessionBatch) -> None:
        vault, today, counts = self.vault, self.today, self.counts
        counts.notes += len(vault.notes.import_prepared(batch.notes))
        counts.drafts += batch.drafts
        result_ids = vault.measures.import_results(batch.measures, today=today)
        counts.measures += len(result_ids)
        for index, when in batch.follow_ups:
            vault.measures.mark_followed_up(result_ids[index], when, self.signer, action=FOLLOW_UP_ACTION)
        charge_ids = vault.billing.import_appointment_charges(batch.charges, today=today)
        for offset, charge_id in enumerate(charge_ids):
            _check_numbered("charge", charge_id, batch.first_charge_id + offset)
        counts.charges += len(charge_ids)
        counts.payments += len(vault.billing.import_payments(batch.payments, today=today))

    def _store_group(self, group: GroupDraft) -> None:
        _check_numbered("unit", self.vault.clients.create_unit(group.unit).id, group.unit_id)
        self.counts.units += 1
        self.vault.schedule.import_prepared_series(group.series)
        self.counts.appointments += len(group.series.appointment_rows)


def _id(record: object) -> int:
    record_id = getattr(record, "id", None)
    assert isinstance(record_id, int), "stored records have ids"
    return record_id


def _check_numbered(kind: str, got: int | None, expected: int | None) -> None:
    """The planner numbers some records ahead; a vault that numbers them otherwise is a bug here."""
    if got != expected:
        raise RuntimeError(f"The demo planner numbered a {kind} {expected}, but the vault numbered it {got}.")
