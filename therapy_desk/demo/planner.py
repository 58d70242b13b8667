"""The demo practice's planner: every random choice of the demo vault, made in a fixed order, and the
notes and series checked and turned into rows, so that the builder (demo/builder.py) only stores.

A large demo plans in a worker process while the builder writes the batch before: on two cores the
planning then costs almost no time. The planner reads nothing from the vault: what the vault numbers
(diagnoses, plan goals) comes back to it in `StoredCase`s, and what it numbers ahead (clients, units,
series, appointments, notes, charges) the builder checks. Its choices come from one `random.Random`,
and calls reach it in the same order however it runs, so a seed gives one practice.

The worker is spawned (a fresh interpreter, safe beside Qt's threads), so a script that builds a large
demo must guard its main code with `if __name__ == "__main__":`, as `multiprocessing` requires.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import math
import multiprocessing
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from therapy_desk.demo.cases import CaseBatch, CasePlanner, case_kinds
from therapy_desk.demo.sessions import (
    Episode,
    GroupDraft,
    SessionBatch,
    SessionPlanner,
    StoredCase,
)
from therapy_desk.demo.today import ClinicDay, demo_now
from therapy_desk.domain.scheduling import Appointment, AppointmentSeries
from therapy_desk.storage.schedule_import import prepare_series

PARALLEL_FROM = 1000  # clients; below this a worker process costs more than it saves


@dataclass(frozen=True)
class PlanSetup:
    """What the planner needs from the builder: the size, the practice, and the next ids of a new vault."""

    seed: int
    clients: int
    years: int
    today: date
    payer_ids: tuple[int, ...]
    fees: dict[str, int]
    signer: str
    first_client_id: int
    first_unit_id: int
    first_series_id: int
    first_appointment_id: int
    first_note_id: int
    first_charge_id: int


class DemoPlanner:
    def __init__(self, setup: PlanSetup) -> None:
        rng = random.Random(f"therapy desk demo {setup.seed}")  # noqa: S311 - synthetic data, never a secret
        self._kinds = case_kinds(rng, setup.clients)
        self._batch_size = max(10, math.ceil(setup.clients / 100))
        clinic = ClinicDay(rng, setup.today)
        self._cases = CasePlanner(
            rng,
            years=setup.years,
            today=setup.today,
            clinic=clinic,
            payer_ids=list(setup.payer_ids),
            first_client_id=setup.first_client_id,
            first_unit_id=setup.first_unit_id,
        )
        self._sessions = SessionPlanner(
            rng,
            setup.today,
            clinic.day,
            setup.signer,
            setup.fees,
            first_note_id=setup.first_note_id,
            first_charge_id=setup.first_charge_id,
        )
        self._today = setup.today
        self._next_series_id = setup.first_series_id
        self._next_appointment_id = setup.first_appointment_id
        self._episodes: dict[int, list[Episode]] = {}
        self._group: tuple[AppointmentSeries, list[Appointment]] | None = None

    def batch_count(self) -> int:
        return math.ceil(len(self._kinds) / self._batch_size)

    def cases(self, batch: int) -> CaseBatch:
        """The cases of one batch, with their intakes and series numbered as the vault will number them
        (intakes first); their episodes wait here for `sessions`."""
        kinds = self._kinds[batch * self._batch_size : (batch + 1) * self._batch_size]
        drafts, episodes = [], []
        for kind in kinds:
            draft, episode = self._cases.case(kind)
            if episode is not None:
                episode.intake = dataclasses.replace(episode.intake, id=self._next_appointment_id)
                self._next_appointment_id += 1
                draft = dataclasses.replace(draft, intake=episode.intake)
                episodes.append(episode)
            drafts.append(draft)
        series, booked = prepare_series(
            [(e.series, e.outcomes) for e in episodes],
            self._next_series_id,
            self._next_appointment_id,
            now=demo_now(self._today),
        )
        self._next_series_id += len(series.series_rows)
        self._next_appointment_id += len(series.appointment_rows)
        for episode, (_, appointments) in zip(episodes, booked, strict=True):
            episode.appointments = [a for a in appointments if a.occurrence_date in episode.outcomes]
        self._episodes[batch] = episodes
        return CaseBatch(tuple(drafts), series)

    def sessions(self, batch: int, stored: list[StoredCase]) -> SessionBatch:
        """The sessions of a batch whose cases are stored (`stored`: the cases in treatment, in order)."""
        return self._sessions.sessions(self._episodes.pop(batch), stored)

    def group(self) -> GroupDraft | None:
        """The DBT skills group of active clients, if the practice has any who fit."""
        members = self._cases.group_candidates
        if not members:
            return None
        draft, series, held = self._sessions.group(
            members, self._cases.next_unit_id, self._next_series_id, self._next_appointment_id
        )
        self._group = (series, held)
        return draft

    def group_sessions(self) -> SessionBatch:
        assert self._group is not None, "group() comes first"
        return self._sessions.group_sessions(self._cases.group_candidates, *self._group)


class Runner(Protocol):
    """Calls to a planner, answered in the order they are made: here, or in a worker process."""

    def submit(self, method: str, *args: Any) -> concurrent.futures.Future[Any]: ...


class _Inline:
    def __init__(self, setup: PlanSetup) -> None:
        self._planner = DemoPlanner(setup)

    def submit(self, method: str, *args: Any) -> concurrent.futures.Future[Any]:
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        try:
            future.set_result(getattr(self._planner, method)(*args))
        except Exception as err:  # handed to whoever waits for the result, as a worker would
            future.set_exception(err)
        return future


class _Worker:
    def __init__(self, pool: concurrent.futures.ProcessPoolExecutor) -> None:
        self._pool = pool

    def submit(self, method: str, *args: Any) -> concurrent.futures.Future[Any]:
        return self._pool.submit(_call, method, *args)


@contextmanager
def planner(setup: PlanSetup, *, parallel: bool) -> Iterator[Runner]:
    """A planner for `setup`: in one worker process (calls answered in order) when `parallel`."""
    if not parallel:
        yield _Inline(setup)
        return
    # spawn: a clean interpreter, safe from a program with threads (the desktop app, Qt).
    context = multiprocessing.get_context("spawn")
    pool = concurrent.futures.ProcessPoolExecutor(1, mp_context=context, initializer=_start, initargs=(setup,))
    try:
        yield _Worker(pool)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


_planner: DemoPlanner | None = None  # the worker process's planner


def _start(setup: PlanSetup) -> None:
    global _planner
    _planner = DemoPlanner(setup)


def _call(method: str, *args: Any) -> Any:
    assert _planner is not None, "the worker starts its planner first"
    return getattr(_planner, method)(*args)
