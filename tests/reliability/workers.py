"""The child side of the kill tests: a writer that acknowledges each commit, and a `therapy-desk demo` run.

Started through multiprocessing's fork server with this module preloaded, so a child is running within
milliseconds; the parent SIGKILLs it at a random moment. Each child lowers the KDF floor for itself only:
the vaults are made with the cheap test KDF.
"""

from __future__ import annotations

import io
from multiprocessing.connection import Connection
from pathlib import Path

from tests.conftest import CHEAP_KDF, PASSPHRASE
from therapy_desk.storage.vault import Vault

PARTS = 3  # audit rows per transaction
EVENT = "kill-test"


def commit_loop(folder: Path, run: int, acks: Connection) -> None:
    """Open the vault, then commit transactions of PARTS rows forever; send n only after n committed."""
    import tests.cheap_kdf_child  # noqa: F401

    vault = Vault.open(folder, PASSPHRASE)
    acks.send(-1)  # opened
    n = 0
    while True:
        with vault.transaction():
            for part in range(PARTS):
                vault.audit.record(EVENT, detail={"run": run, "n": n, "part": part})
        acks.send(n)
        n += 1


def demo_command(folder: Path) -> None:
    """`therapy-desk demo --vault FOLDER` for a small practice, as the command line runs it."""
    import tests.cheap_kdf_child  # noqa: F401
    from therapy_desk import cli
    from therapy_desk.storage import vault

    setattr(vault, "calibrate", lambda *_args, **_kwargs: CHEAP_KDF)  # noqa: B010  (no 0.5 s KDF per run)
    argv = ["demo", "--vault", str(folder), "--clients", str(DEMO_CLIENTS), "--years", "1", "--passphrase-stdin"]
    code = cli.main(argv, stdin=io.StringIO(f"{PASSPHRASE}\n{PASSPHRASE}\n"), stdout=io.StringIO())
    raise SystemExit(code)


DEMO_CLIENTS = 12
