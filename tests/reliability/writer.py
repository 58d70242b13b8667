"""The child side of the kill tests: a process that commits as fast as it can and acknowledges each commit.

Started through multiprocessing's fork server with this module preloaded, so a child is running within
milliseconds; the parent SIGKILLs it at a random moment.
"""

from __future__ import annotations

from multiprocessing.connection import Connection
from pathlib import Path

from tests.conftest import PASSPHRASE
from therapy_desk.storage.vault import Vault

PARTS = 3  # audit rows per transaction
EVENT = "kill-test"


def commit_loop(folder: Path, run: int, acks: Connection) -> None:
    """Open the vault, then commit transactions of PARTS rows forever; send n only after n committed."""
    import tests.cheap_kdf_child  # noqa: F401  (in the child only: the vaults are made with the cheap test KDF)

    vault = Vault.open(folder, PASSPHRASE)
    acks.send(-1)  # opened
    n = 0
    while True:
        with vault.transaction():
            for part in range(PARTS):
                vault.audit.record(EVENT, detail={"run": run, "n": n, "part": part})
        acks.send(n)
        n += 1
