"""Crafted key files: a path in the vault id, weakened or absurd key-derivation settings, files that are
not files. Each is refused with the key file's own sentence, at once, and nothing outside the vault moves.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CHEAP_KDF, PASSPHRASE
from tests.storage.tampering import file_hashes, rewrite_keyslots
from therapy_desk import paths
from therapy_desk.errors import VaultDamaged, WrongPassphrase
from therapy_desk.storage import keyslots, unlock_failures
from therapy_desk.storage.keyslots import KEYSLOTS_FILE, KdfParams, Keyslots, strengthened
from therapy_desk.storage.vault import Vault

WRONG = "not the passphrase at all"
MiB = 1024


def _vault_id(folder: Path) -> str:
    """The id as written in the key file, whether or not the file still loads."""
    return str(json.loads((folder / KEYSLOTS_FILE).read_bytes())["vault_id"])


def _open_quickly(folder: Path, passphrase: str = PASSPHRASE, budget: float = 2.0) -> BaseException:
    """Open in a thread and return what it raised; fail if it hangs or opens."""
    outcome: list[BaseException | None] = []

    def attempt() -> None:
        try:
            Vault.open(folder, passphrase).close()
        except BaseException as err:  # the test inspects whatever came out
            outcome.append(err)
        else:
            outcome.append(None)

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(budget)
    assert not worker.is_alive(), f"opening did not return within {budget} s"
    assert outcome, "opening ended without a result"
    assert outcome[0] is not None, "a crafted key file opened the vault"
    return outcome[0]


# -- the vault id is an identifier, not a path ----------------------------------------------------


def test_a_vault_id_holding_a_path_cannot_touch_files_outside_the_vault(created: tuple[Path, str]) -> None:
    folder, _ = created
    # The failed-unlock counter lives in <home>/state/unlock-failures/; this id climbs out of it.
    victim = paths.state_dir().parent / "victim" / "settings.json"
    victim.parent.mkdir(parents=True)
    victim.write_text('{"theme": "mine"}')
    rewrite_keyslots(folder / KEYSLOTS_FILE, lambda body: body.update(vault_id="../../victim/settings"))

    for passphrase in (WRONG, PASSPHRASE):
        err = _open_quickly(folder, passphrase)
        assert isinstance(err, VaultDamaged), err
        assert str(folder / KEYSLOTS_FILE) in str(err)

    assert victim.read_text() == '{"theme": "mine"}'


@pytest.mark.parametrize(
    "vault_id",
    ["", "x", "../x", "AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE", "{12345678-1234-1234-1234-123456789abc}", 7, None],
)
def test_a_vault_id_that_is_not_a_canonical_uuid_is_a_damaged_key_file(
    created: tuple[Path, str], vault_id: Any
) -> None:
    folder, _ = created
    rewrite_keyslots(folder / KEYSLOTS_FILE, lambda body: body.update(vault_id=vault_id))

    with pytest.raises(VaultDamaged, match="damaged or has been edited"):
        Keyslots.load(folder)


def test_the_failure_counter_file_is_named_by_a_hash_never_by_the_vault_id(created: tuple[Path, str]) -> None:
    folder, _ = created
    vault_id = Keyslots.load(folder).vault_id

    with pytest.raises(WrongPassphrase):
        Vault.open(folder, WRONG)

    counters = list((paths.state_dir() / "unlock-failures").iterdir())
    assert len(counters) == 1
    assert vault_id not in counters[0].name
    assert unlock_failures.count(vault_id) == 1


# -- key-derivation settings are bounded before anything is derived ---------------------------------


def _set_kdf(folder: Path, **fields: object) -> None:
    def edit(body: dict[str, Any]) -> None:
        for slot in body["slots"]:
            if "kdf" in slot:
                slot["kdf"].update(fields)

    rewrite_keyslots(folder / KEYSLOTS_FILE, edit)


ABSURD = {
    "memory 2^31 KiB": {"memory_kib": 2**31},
    "parallelism 2^24": {"parallelism": 2**24},
    "parallelism 17": {"parallelism": 17},
    "empty salt": {"salt": ""},
    "15-byte salt": {"salt": "AAAAAAAAAAAAAAAAAAAA"},
    "time 2^31": {"time_cost": 2**31},
    "time 41": {"time_cost": 41},
    "time 0": {"time_cost": 0},
    "negative memory": {"memory_kib": -1},
    "time as text": {"time_cost": "3"},
    "time as a float": {"time_cost": 3.0},
    "time as true": {"time_cost": True},
    "salt not base64": {"salt": "***"},
}


@pytest.mark.usefixtures("created", "real_kdf")
@pytest.mark.parametrize("fields", list(ABSURD.values()), ids=list(ABSURD))
def test_absurd_key_derivation_settings_are_a_damaged_key_file_at_once(
    created: tuple[Path, str], fields: dict[str, object]
) -> None:
    folder, _ = created
    _set_kdf(folder, **{"time_cost": 3, "memory_kib": 64 * MiB, "parallelism": 1, **fields})
    before = file_hashes(folder)
    started = time.monotonic()

    err = _open_quickly(folder, budget=5.0)

    assert isinstance(err, VaultDamaged), repr(err)
    assert "damaged or has been edited" in str(err)
    assert time.monotonic() - started < 1.0  # refused before any key derivation
    assert file_hashes(folder) == before
    assert unlock_failures.count(_vault_id(folder)) == 0


@pytest.mark.usefixtures("created", "real_kdf")
@pytest.mark.parametrize(
    "fields",
    [{"time_cost": 1, "memory_kib": 8}, {"time_cost": 2, "memory_kib": 64 * MiB}, {"memory_kib": 32 * MiB}],
    ids=["t=1 m=8KiB", "two passes", "32 MiB"],
)
def test_a_slot_below_the_floor_is_refused_as_tampering_not_taken_for_a_wrong_passphrase(
    created: tuple[Path, str], fields: dict[str, int]
) -> None:
    """The vault was made at CHEAP_KDF (t=1, 8 KiB); re-sign it at a weak but well-formed cost."""
    folder, _ = created
    _set_kdf(folder, **{"time_cost": 3, "memory_kib": 64 * MiB, "parallelism": 1, **fields})

    for passphrase in (PASSPHRASE, WRONG):
        err = _open_quickly(folder, passphrase)
        assert isinstance(err, VaultDamaged), repr(err)
        assert "weaker passphrase protection than Therapy Desk allows" in str(err)
        assert "passphrase does not unlock" not in str(err)
    assert unlock_failures.count(_vault_id(folder)) == 0


@pytest.mark.usefixtures("real_kdf")
def test_a_vault_created_with_a_weak_cost_is_refused_and_nothing_is_made(vault_dir: Path) -> None:
    with pytest.raises(ValueError, match="below the floor"):
        Vault.create(vault_dir, PASSPHRASE, kdf=CHEAP_KDF)
    assert not vault_dir.exists()
    assert not [p for p in vault_dir.parent.iterdir() if p.name.startswith(".vault.creating-")]


def test_a_slot_that_derives_much_faster_than_the_target_is_rewrapped_stronger_on_unlock(
    created: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, _ = created
    monkeypatch.setattr(keyslots, "KDF_UPGRADE_BELOW", 0.5)  # conftest turns strengthening off
    slot = Keyslots.load(folder).slot("passphrase")
    assert slot is not None
    assert slot.kdf == CHEAP_KDF

    with Vault.open(folder, PASSPHRASE) as vault:
        events = [e.event for e in vault.audit.recent(5)]
    stronger = Keyslots.load(folder).slot("passphrase")
    recovery = Keyslots.load(folder).slot("recovery")

    assert stronger is not None
    assert stronger.kdf is not None
    assert stronger.kdf.time_cost > CHEAP_KDF.time_cost
    assert (stronger.kdf.memory_kib, stronger.kdf.parallelism) == (CHEAP_KDF.memory_kib, CHEAP_KDF.parallelism)
    assert "passphrase protection strengthened" in events
    assert recovery is not None
    assert recovery.kdf == CHEAP_KDF
    Vault.open(folder, PASSPHRASE).close()  # the same passphrase still opens it
    again = Keyslots.load(folder).slot("passphrase")
    assert again is not None
    assert again.kdf == stronger.kdf


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(0.5, None), (0.3, None), (0.1, 15), (0.01, 40), (0.0, 40)],
)
def test_the_cost_to_strengthen_to_follows_the_time_one_derivation_took(
    monkeypatch: pytest.MonkeyPatch, seconds: float, expected: int | None
) -> None:
    monkeypatch.setattr(keyslots, "KDF_UPGRADE_BELOW", 0.5)
    monkeypatch.setattr(keyslots, "KDF_FLOOR", KdfParams(3, 64 * MiB, 1))
    params = KdfParams(time_cost=3, memory_kib=64 * MiB, parallelism=4)

    better = strengthened(params, seconds)

    assert (better.time_cost if better else None) == expected
    if better:
        assert (better.memory_kib, better.parallelism) == (params.memory_kib, params.parallelism)


# -- the key file must be a small regular file ----------------------------------------------------


def _replace_key_file(folder: Path, make: str) -> None:
    path = folder / KEYSLOTS_FILE
    path.unlink()
    if make == "directory":
        path.mkdir()
    elif make == "fifo":
        os.mkfifo(path)
    elif make == "link to /dev/zero":
        path.symlink_to("/dev/zero")
    elif make == "link to a directory":
        path.symlink_to(folder)
    elif make == "dangling link":
        path.symlink_to(folder / "nowhere")
    elif make == "100,000 nested brackets":
        path.write_bytes(b"[" * 100_000 + b"]" * 100_000)
    elif make == "30,000 nested brackets":  # small enough to be read: the parser itself must not blow up
        path.write_bytes(b"[" * 30_000 + b"]" * 30_000)
    elif make == "nested objects":
        path.write_bytes(b'{"a":' * 20_000 + b"1" + b"}" * 20_000)
    elif make == "65 KiB of spaces":
        path.write_bytes(b" " * (65 * 1024) + b"{}")
    else:  # pragma: no cover
        raise AssertionError(make)


@pytest.mark.skipif(os.name != "posix", reason="FIFOs, links and /dev/zero are POSIX")
@pytest.mark.parametrize(
    "make",
    [
        "directory",
        "fifo",
        "link to /dev/zero",
        "link to a directory",
        "100,000 nested brackets",
        "30,000 nested brackets",
        "nested objects",
        "65 KiB of spaces",
    ],
)
def test_a_key_file_that_is_not_a_small_regular_file_is_damaged_not_a_crash_or_a_hang(
    created: tuple[Path, str], make: str
) -> None:
    folder, _ = created
    _replace_key_file(folder, make)

    err = _open_quickly(folder)

    assert isinstance(err, VaultDamaged), repr(err)
    assert str(folder / KEYSLOTS_FILE) in str(err)


def test_a_dangling_key_file_link_is_a_missing_key_file(created: tuple[Path, str]) -> None:
    folder, _ = created
    _replace_key_file(folder, "dangling link")

    with pytest.raises(VaultDamaged, match="is missing"):
        Keyslots.load(folder)


def test_a_key_file_listing_one_kind_of_slot_twice_is_damaged(created: tuple[Path, str]) -> None:
    folder, _ = created
    rewrite_keyslots(folder / KEYSLOTS_FILE, lambda body: body["slots"].append(body["slots"][0]))

    with pytest.raises(VaultDamaged, match="damaged or has been edited"):
        Keyslots.load(folder)


# -- a key file from another vault ---------------------------------------------------------------------


def test_a_key_file_from_another_vault_is_named_as_such_before_any_key_derivation(
    created: tuple[Path, str], tmp_path: Path
) -> None:
    folder, _ = created
    other, _ = Vault.create(tmp_path / "other", PASSPHRASE, kdf=CHEAP_KDF)  # same passphrase: it unwraps
    other.close()
    (folder / KEYSLOTS_FILE).write_bytes((tmp_path / "other" / KEYSLOTS_FILE).read_bytes())
    before = file_hashes(folder)

    with pytest.raises(VaultDamaged) as caught:
        Vault.open(folder, PASSPHRASE)

    assert "does not belong with the key file" in str(caught.value)
    assert "restore both from a backup" in str(caught.value)
    assert file_hashes(folder) == before
    assert unlock_failures.count(_vault_id(folder)) == 0


def test_a_key_file_written_before_the_binding_gets_it_on_the_first_open(created: tuple[Path, str]) -> None:
    folder, _ = created
    rewrite_keyslots(folder / KEYSLOTS_FILE, lambda body: body.pop("database_salt"))
    assert Keyslots.load(folder).database_salt == ""

    Vault.open(folder, PASSPHRASE).close()

    assert Keyslots.load(folder).database_salt == (folder / "vault.db").read_bytes()[:16].hex()
