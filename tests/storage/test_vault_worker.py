from __future__ import annotations

import threading
from datetime import date

import pytest

from tests.conftest import PASSPHRASE
from therapy_desk.domain.clients import Client
from therapy_desk.errors import VaultInUse
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
