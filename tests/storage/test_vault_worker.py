from __future__ import annotations

import threading
import time
from datetime import date

import pytest

from tests.conftest import PASSPHRASE
from therapy_desk.domain.clients import Client
from therapy_desk.errors import VaultInUse, VaultLocked
from therapy_desk.storage.vault import Vault


def test_a_worker_handle_writes_on_its_own_thread_and_closing_it_keeps_the_vault_open(vault: Vault) -> None:
    results: list[int] = []

    def work() -> None:
        with vault.for_worker() as worker:
            results.append(worker.clients.create(Client("Ngozi", "Eze", date(1992, 1, 2))).id or 0)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()

    assert vault.clients.get(results[0]).legal_last == "Eze"
    assert vault.is_open
    with pytest.raises(VaultInUse):
        Vault.open(vault.folder, PASSPHRASE)


@pytest.mark.reliability
def test_work_that_outlives_the_lock_can_no_longer_read_or_write(vault: Vault) -> None:
    """A worker that ignored cancel keeps its connection: the lock revokes it, whatever it is doing."""
    started, locked, finished = threading.Event(), threading.Event(), threading.Event()
    outcomes: list[str] = []

    def work() -> None:
        handle = vault.for_worker()
        try:
            handle.audit.record("background work")
            started.set()
            locked.wait(10)
            for attempt in (lambda: handle.audit.record("after the lock"), lambda: handle.audit.recent(1)):
                try:
                    attempt()
                except VaultLocked:
                    outcomes.append("locked")
                else:
                    outcomes.append("went through")
        finally:
            handle.close()
            finished.set()

    thread = threading.Thread(target=work)
    thread.start()
    assert started.wait(10)
    folder = vault.folder
    vault.close()
    locked.set()
    assert finished.wait(10)
    thread.join(10)

    assert outcomes == ["locked", "locked"]
    with Vault.open_for_check(folder, PASSPHRASE) as checked:
        assert "after the lock" not in [e.event for e in checked.audit.recent(5)]


def test_a_long_query_on_a_worker_is_interrupted_by_the_lock(vault: Vault) -> None:
    started, done = threading.Event(), threading.Event()
    raised: list[BaseException] = []

    def work() -> None:
        handle = vault.for_worker()
        try:
            started.set()
            # A query that would run for minutes: a recursive count to a billion.
            handle.db.execute(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000000) "
                "SELECT count(*) FROM n"
            ).fetchone()
        except BaseException as err:  # the test inspects what the interrupted query raised
            raised.append(err)
        finally:
            handle.close()
            done.set()

    thread = threading.Thread(target=work)
    thread.start()
    assert started.wait(10)
    time.sleep(0.2)
    vault.close()

    assert done.wait(10), "the worker's query was not interrupted by the lock"
    thread.join(10)
    assert len(raised) == 1
    assert isinstance(raised[0], VaultLocked)
