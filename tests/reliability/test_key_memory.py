"""After lock, no copy of the data key made by Therapy Desk is left in the process's memory.

Run in a fresh child process (Linux: it reads its own memory through /proc/self/mem), so what other
tests left behind does not count. The search patterns hold one character class per byte, so the
pattern objects themselves never contain the key as one run of bytes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.children import child_env, python_code

SCAN = r"""
import gc, json, re, sys, tempfile
from pathlib import Path
from tests.conftest import CHEAP_KDF, PASSPHRASE
from therapy_desk.storage.vault import Vault


def pattern(data):
    return re.compile(b"".join(b"[\\x%02x]" % b for b in data))


def count(patterns):
    found = [0] * len(patterns)
    with open("/proc/self/maps") as maps, open("/proc/self/mem", "rb", 0) as mem:
        for line in maps.read().splitlines():
            fields = line.split()
            name = fields[5] if len(fields) > 5 else ""
            if "r" not in fields[1] or name in ("[vvar]", "[vsyscall]", "[vdso]"):
                continue
            low, high = (int(x, 16) for x in fields[0].split("-"))
            try:
                mem.seek(low)
                data = mem.read(high - low)
            except (OSError, ValueError, OverflowError):
                continue
            for i, p in enumerate(patterns):
                found[i] += len(p.findall(data))
    return found


folder = Path(sys.argv[1])
vault, _ = Vault.create(folder, PASSPHRASE, kdf=CHEAP_KDF)
vault.close()
vault = Vault.open(folder, PASSPHRASE)
key = vault._data_key
patterns = [pattern(bytes(key).hex().encode()), pattern(bytes(key).hex().upper().encode()), pattern(bytes(key))]
vault.audit.record("work")
worker = vault.for_worker()          # a second connection keyed from the same buffer
worker.audit.record("background work")
worker.close()
vault._snapshot_before_migration(vault.schema_version)  # an encrypted copy made with the key
vault.release_thread()
vault.adopt_thread()                 # a third connection, as the app makes when it unlocks on a worker
open_counts = count(patterns)
vault.close()
del vault, worker, key
gc.collect()
print(json.dumps({"open": open_counts, "locked": count(patterns)}))
"""


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/mem")
def test_after_lock_no_copy_of_the_data_key_is_left_in_memory(tmp_path: Path) -> None:
    proc = subprocess.run(
        [*python_code(SCAN), str(tmp_path / "vault")],
        capture_output=True,
        text=True,
        timeout=120,
        env=child_env(),
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    counts = json.loads(proc.stdout)
    hex_lower, hex_upper, raw = counts["locked"]

    assert counts["open"][2] >= 1  # the scan finds the key while the vault is open: it can see memory
    assert (hex_lower, hex_upper, raw) == (0, 0, 0)
