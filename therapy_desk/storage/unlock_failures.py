"""Failed unlock attempts, counted outside the vault until the next successful unlock.

The count lives in the app's state folder, not the vault folder, so a wrong passphrase leaves
the vault's files byte-identical. The file holds a number and a time, nothing else. Its name is a
hash of the vault id, never the id's text: the id comes from a file that may have been crafted.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

from therapy_desk import paths
from therapy_desk.storage.files import atomic_write, make_private_dir

_MAX_BYTES = 4096  # the file this module writes is about 50 bytes


def _file(vault_id: str) -> Path:
    name = hashlib.sha256(f"therapy-desk:unlock-failures:{vault_id}".encode()).hexdigest()[:32]
    return paths.state_dir() / "unlock-failures" / f"{name}.json"


def count(vault_id: str) -> int:
    try:
        with _file(vault_id).open("rb") as handle:
            value = json.loads(handle.read(_MAX_BYTES)).get("count", 0)
    except (OSError, ValueError, AttributeError, RecursionError):
        return 0
    return value if isinstance(value, int) and value >= 0 else 0


def record_failure(vault_id: str) -> None:
    """Add one failure. Best effort: failing to count never blocks the user."""
    path = _file(vault_id)
    body = {"count": count(vault_id) + 1, "last": datetime.now(UTC).isoformat(timespec="seconds")}
    with contextlib.suppress(Exception):
        make_private_dir(path.parent)
        atomic_write(path, json.dumps(body).encode("ascii"))


def take(vault_id: str) -> int:
    """The failures since the last unlock, and reset the count."""
    failures = count(vault_id)
    with contextlib.suppress(OSError):
        _file(vault_id).unlink(missing_ok=True)
    return failures
