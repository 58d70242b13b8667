"""keyslots.json: the vault's data key, wrapped under each way of unlocking it.

The data key is 32 random bytes handed to SQLCipher as a raw key. Each slot wraps it with
AES-256-GCM under a key-encryption key derived with Argon2id from a passphrase or a recovery
code. The additional authenticated data binds every wrap to its vault, its slot kind and its
KDF parameters, so editing any of them makes the slot fail to open rather than weaken it.
Nothing in the file is a secret in clear. A SHA-256 checksum over the content tells damage
(truncation, stray edits) apart from a wrong passphrase.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
import os
import re
import secrets
import stat
import time
import unicodedata
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from therapy_desk.errors import VaultDamaged, WrongPassphrase, WrongRecoveryCode
from therapy_desk.storage.files import atomic_write
from therapy_desk.storage.wipe import wipe

KEYSLOTS_FILE = "keyslots.json"
FORMAT = "therapy-desk-keyslots"
FORMAT_VERSION = 1
DATA_KEY_BYTES = 32
SlotKind = Literal["passphrase", "recovery", "keychain"]
_SLOT_KINDS: tuple[SlotKind, ...] = ("passphrase", "recovery", "keychain")

# Crockford base32: no I, L, O, U, so a code copied by hand survives 0/O and 1/I/L confusion.
_RECOVERY_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECOVERY_GROUPS = 7
RECOVERY_GROUP_LEN = 4  # 28 symbols x 5 bits = 140 bits
RECOVERY_CODE_BITS = RECOVERY_GROUPS * RECOVERY_GROUP_LEN * 5
_HEX_KEY = re.compile(r"[0-9a-f]{64}")
_HEX_SALT = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost. Stored with each slot so a slot opens with the cost it was made with."""

    time_cost: int
    memory_kib: int
    parallelism: int

    def to_json(self) -> dict[str, int]:
        return {"time_cost": self.time_cost, "memory_kib": self.memory_kib, "parallelism": self.parallelism}


# The weakest cost a slot may have, and the strongest this app will spend time and memory on. A slot
# outside these bounds is refused before any key derivation: a crafted file must neither weaken the
# passphrase's protection nor make the app hang or run out of memory trying to open it.
KDF_FLOOR = KdfParams(time_cost=3, memory_kib=64 * 1024, parallelism=1)
KDF_CEILING = KdfParams(time_cost=40, memory_kib=4 * 1024 * 1024, parallelism=16)
# Calibration starts from 64 MiB in 4 lanes and raises the passes until one derivation takes the target.
KDF_BASE = KdfParams(time_cost=3, memory_kib=64 * 1024, parallelism=4)
KDF_TARGET_SECONDS = 0.5
# After an unlock, a slot whose derivation took less than this share of the target is rewrapped at
# today's cost (a vault made on a slower computer, or when the machine was busy calibrating).
KDF_UPGRADE_BELOW = 0.5
SALT_BYTES = 16
KEYSLOTS_MAX_BYTES = 64 * 1024


class KdfBelowFloor(ValueError):
    """A slot's key-derivation cost is below `KDF_FLOOR`: a downgraded (tampered) key file."""


def check_kdf(params: KdfParams, salt: bytes) -> None:
    """ValueError unless `params` lie within the floor and the ceiling and the salt is 16 bytes."""
    values = (params.time_cost, params.memory_kib, params.parallelism)
    highs = (KDF_CEILING.time_cost, KDF_CEILING.memory_kib, KDF_CEILING.parallelism)
    if len(salt) != SALT_BYTES or any(value < 1 or value > high for value, high in zip(values, highs, strict=True)):
        raise ValueError("key-derivation settings out of range")
    if params.time_cost < KDF_FLOOR.time_cost or params.memory_kib < KDF_FLOOR.memory_kib:
        raise KdfBelowFloor("key-derivation cost below the floor")


def strengthened(params: KdfParams, seconds: float) -> KdfParams | None:
    """The cost to rewrap a slot at, when deriving its key took `seconds` here; None if it is strong enough.

    The time one derivation took is the calibration: passes scale linearly, so no extra derivation
    is spent finding out. Memory and lanes stay as they are.
    """
    if seconds >= KDF_TARGET_SECONDS * KDF_UPGRADE_BELOW:
        return None
    passes = math.ceil(params.time_cost * KDF_TARGET_SECONDS / max(seconds, 1e-6))
    passes = min(max(passes, KDF_FLOOR.time_cost), KDF_CEILING.time_cost)
    return replace(params, time_cost=passes) if passes > params.time_cost else None


def derive_kek(secret: bytes, salt: bytes, params: KdfParams) -> bytes:
    check_kdf(params, salt)  # the last line of defence: never derive at a cost no slot may have
    return hash_secret_raw(
        secret=secret,
        salt=salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_kib,
        parallelism=params.parallelism,
        hash_len=32,
        type=Type.ID,
    )


def calibrate(target_seconds: float = KDF_TARGET_SECONDS) -> KdfParams:
    """Pick Argon2id passes so one derivation takes about `target_seconds` here, never below the floor."""
    salt = secrets.token_bytes(SALT_BYTES)
    base = replace(KDF_BASE, memory_kib=max(KDF_BASE.memory_kib, KDF_FLOOR.memory_kib))
    timings = []
    for _ in range(3):  # the fastest of three is the least disturbed by other load on the machine
        started = time.perf_counter()
        derive_kek(b"calibration", salt, base)
        timings.append(time.perf_counter() - started)
    per_pass = max(min(timings), 1e-6) / base.time_cost
    passes = round(target_seconds / per_pass)
    return replace(base, time_cost=min(max(passes, KDF_FLOOR.time_cost), KDF_CEILING.time_cost))


def key_hex(data_key: bytes | bytearray) -> str:
    """The data key as the 64 lowercase hex digits SQLCipher's raw-key PRAGMA takes, validated."""
    text = data_key.hex()
    if len(data_key) != DATA_KEY_BYTES or not _HEX_KEY.fullmatch(text):
        raise ValueError("a vault data key is exactly 32 bytes")
    return text


def generate_recovery_code() -> str:
    symbols = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(RECOVERY_GROUPS * RECOVERY_GROUP_LEN))
    groups = [symbols[i : i + RECOVERY_GROUP_LEN] for i in range(0, len(symbols), RECOVERY_GROUP_LEN)]
    return "-".join(groups)


def normalize_recovery_code(text: str) -> str:
    """Canonical form of a recovery code as typed: case, spaces, dashes and look-alikes forgiven.

    NFKC first, so full-width digits from an input method count; any dash (en dash, non-breaking hyphen,
    minus sign: what a PDF viewer or autocorrect may hand over) separates like "-".
    """
    folded = unicodedata.normalize("NFKC", text[:200])
    kept = "".join(ch for ch in folded if not (ch.isspace() or unicodedata.category(ch) == "Pd" or ch == "\u2212"))
    cleaned = kept.upper().translate(str.maketrans("OILU", "011V"))
    expected = RECOVERY_GROUPS * RECOVERY_GROUP_LEN
    if len(cleaned) != expected or any(ch not in _RECOVERY_ALPHABET for ch in cleaned):
        raise WrongRecoveryCode(
            f"A recovery code is {expected} letters and digits in {RECOVERY_GROUPS} groups of "
            f"{RECOVERY_GROUP_LEN}, like the one on your Recovery Kit. Check it and try again."
        )
    return "-".join(cleaned[i : i + RECOVERY_GROUP_LEN] for i in range(0, expected, RECOVERY_GROUP_LEN))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise ValueError("expected base64 text")
    return base64.b64decode(text.encode("ascii"), validate=True)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Slot:
    kind: SlotKind
    created: str
    kdf: KdfParams | None = None
    salt: bytes = b""
    nonce: bytes = b""
    wrapped_key: bytes = b""
    keychain_service: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "created": self.created}
        if self.kind == "keychain":
            out["service"] = self.keychain_service
            return out
        assert self.kdf is not None
        out["kdf"] = {"algorithm": "argon2id", **self.kdf.to_json(), "salt": _b64(self.salt)}
        out["cipher"] = "aes-256-gcm"
        out["nonce"] = _b64(self.nonce)
        out["wrapped_key"] = _b64(self.wrapped_key)
        return out

    @classmethod
    def from_json(cls, raw: object) -> Slot:
        if not isinstance(raw, dict) or raw.get("kind") not in _SLOT_KINDS:
            raise ValueError("unknown slot")
        kind: SlotKind = raw["kind"]
        created = str(raw.get("created", ""))
        if kind == "keychain":
            service = raw.get("service")
            if not isinstance(service, str) or not service:
                raise ValueError("keychain slot without a service")
            return cls(kind=kind, created=created, keychain_service=service)
        kdf = raw["kdf"]
        if raw.get("cipher") != "aes-256-gcm" or kdf.get("algorithm") != "argon2id":
            raise ValueError("unsupported slot cipher")
        params = KdfParams(
            time_cost=_positive_int(kdf["time_cost"]),
            memory_kib=_positive_int(kdf["memory_kib"]),
            parallelism=_positive_int(kdf["parallelism"]),
        )
        salt = _unb64(kdf["salt"])
        check_kdf(params, salt)
        nonce, wrapped = _unb64(raw["nonce"]), _unb64(raw["wrapped_key"])
        if len(nonce) != 12 or len(wrapped) != DATA_KEY_BYTES + 16:
            raise ValueError("slot has the wrong size")
        return cls(kind=kind, created=created, kdf=params, salt=salt, nonce=nonce, wrapped_key=wrapped)


def _key_check(vault_id: str, data_key: bytes | bytearray) -> str:
    """A non-secret fingerprint of the data key, to recognise it without touching the database."""
    return hmac.new(data_key, f"{FORMAT}:key-check:{vault_id}".encode(), hashlib.sha256).hexdigest()


def _positive_int(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError("expected a positive integer")
    return value


def _canonical(obj: object) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


@dataclass(frozen=True)
class Keyslots:
    """The parsed content of keyslots.json. Immutable: changes return a new value to `save`."""

    vault_id: str
    key_check: str
    slots: tuple[Slot, ...] = field(default_factory=tuple)
    # The first 16 bytes of vault.db (SQLCipher's salt, not a secret): tells a key file that belongs to
    # another vault from a damaged database. Empty in files written before it was kept.
    database_salt: str = ""

    @classmethod
    def new(cls, data_key: bytes | bytearray) -> Keyslots:
        vault_id = str(uuid.uuid4())
        return cls(vault_id=vault_id, key_check=_key_check(vault_id, data_key))

    def is_data_key(self, candidate: bytes | bytearray) -> bool:
        """True if `candidate` is this vault's data key (for keys that come from outside, like a keychain)."""
        return hmac.compare_digest(self.key_check, _key_check(self.vault_id, candidate))

    # -- slots ---------------------------------------------------------------------------------

    def slot(self, kind: SlotKind) -> Slot | None:
        return next((s for s in self.slots if s.kind == kind), None)

    def with_slot(self, slot: Slot) -> Keyslots:
        """A copy with `slot` replacing any slot of the same kind."""
        others = tuple(s for s in self.slots if s.kind != slot.kind)
        return replace(self, slots=(*others, slot))

    def without(self, kind: SlotKind) -> Keyslots:
        return replace(self, slots=tuple(s for s in self.slots if s.kind != kind))

    def with_database_salt(self, salt: bytes) -> Keyslots:
        if len(salt) != SALT_BYTES:
            raise ValueError("a database salt is 16 bytes")
        return replace(self, database_salt=salt.hex())

    def _aad(self, kind: SlotKind, params: KdfParams, salt: bytes) -> bytes:
        return _canonical(
            {"format": FORMAT, "vault_id": self.vault_id, "kind": kind, **params.to_json(), "salt": _b64(salt)}
        )

    def wrap(self, kind: SlotKind, secret: str, data_key: bytes | bytearray, params: KdfParams) -> Slot:
        """A new slot of `kind` wrapping `data_key` under `secret`."""
        salt, nonce = secrets.token_bytes(SALT_BYTES), secrets.token_bytes(12)
        kek = derive_kek(secret.encode("utf-8"), salt, params)
        try:
            wrapped = AESGCM(kek).encrypt(nonce, data_key, self._aad(kind, params, salt))
        finally:
            wipe(kek)
        return Slot(kind=kind, created=_now(), kdf=params, salt=salt, nonce=nonce, wrapped_key=wrapped)

    def unwrap(self, kind: Literal["passphrase", "recovery"], secret: str) -> bytearray:
        """The data key, if `secret` opens the slot of `kind` (in a buffer the caller wipes after use)."""
        slot = self.slot(kind)
        wrong = (
            WrongPassphrase("That passphrase does not unlock this vault. Check Caps Lock and try again.")
            if kind == "passphrase"
            else WrongRecoveryCode("That recovery code does not unlock this vault. Check it against your Recovery Kit.")
        )
        if slot is None or slot.kdf is None:
            raise wrong
        kek = derive_kek(secret.encode("utf-8"), slot.salt, slot.kdf)
        try:
            plain = AESGCM(kek).decrypt(slot.nonce, slot.wrapped_key, self._aad(kind, slot.kdf, slot.salt))
        except InvalidTag:
            raise wrong from None
        finally:
            wipe(kek)
        key = bytearray(plain)
        wipe(plain)
        return key

    # -- file ----------------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        body = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "vault_id": self.vault_id,
            "key_check": self.key_check,
            "slots": [s.to_json() for s in self.slots],
        }
        if self.database_salt:
            body["database_salt"] = self.database_salt
        body["checksum"] = hashlib.sha256(_canonical(body)).hexdigest()
        return json.dumps(body, indent=2, sort_keys=True).encode("ascii") + b"\n"

    def save(self, folder: Path) -> None:
        atomic_write(folder / KEYSLOTS_FILE, self.to_bytes())

    @classmethod
    def load(cls, folder: Path) -> Keyslots:
        path = folder / KEYSLOTS_FILE
        advice = "Restore keyslots.json from a backup; the vault itself was not touched."
        damaged = VaultDamaged(f"The key file {path} is damaged or has been edited. {advice}")
        raw = _read_key_file(path, damaged)
        try:
            body = json.loads(raw)
            if not isinstance(body, dict) or body.get("format") != FORMAT:
                raise ValueError("not a keyslots file")
            checksum = body.pop("checksum", None)
            if checksum != hashlib.sha256(_canonical(body)).hexdigest():
                raise ValueError("checksum mismatch")
            if body.get("version") != FORMAT_VERSION:
                raise ValueError("unknown version")
            vault_id, key_check = _vault_id(body["vault_id"]), body["key_check"]
            if not isinstance(key_check, str) or not _HEX_KEY.fullmatch(key_check):
                raise ValueError("bad key check")
            database_salt = body.get("database_salt", "")
            if not isinstance(database_salt, str) or (database_salt and not _HEX_SALT.fullmatch(database_salt)):
                raise ValueError("bad database salt")
            if not isinstance(body["slots"], list) or len(body["slots"]) > len(_SLOT_KINDS):
                raise ValueError("bad slot list")
            slots = tuple(Slot.from_json(s) for s in body["slots"])
            if len({s.kind for s in slots}) != len(slots) or not any(s.kind == "passphrase" for s in slots):
                raise ValueError("no passphrase slot, or one kind twice")
        except KdfBelowFloor:
            raise VaultDamaged(
                f"The key file {path} asks for weaker passphrase protection than Therapy Desk allows, so it may "
                f"have been tampered with. {advice}"
            ) from None
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError, binascii.Error, UnicodeDecodeError):
            raise damaged from None
        return cls(vault_id=vault_id, key_check=key_check, slots=slots, database_salt=database_salt)


def _read_key_file(path: Path, damaged: VaultDamaged) -> bytes:
    """keyslots.json's bytes: a regular file of at most 64 KiB, or `damaged` (or missing).

    Opened without blocking, so a FIFO in its place cannot hang the app, and checked with fstat on the
    open file, so what is read is what was checked.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise VaultDamaged(
            f"The key file {path} is missing, so the vault cannot be opened. "
            "Restore keyslots.json from a backup; the vault itself was not touched."
        ) from None
    except OSError:
        raise damaged from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > KEYSLOTS_MAX_BYTES:
            raise damaged
        chunks, size = [], 0
        while chunk := os.read(fd, KEYSLOTS_MAX_BYTES + 1 - size):
            chunks.append(chunk)
            size += len(chunk)
            if size > KEYSLOTS_MAX_BYTES:
                raise damaged
        return b"".join(chunks)
    except OSError:
        raise damaged from None
    finally:
        os.close(fd)


def _vault_id(value: object) -> str:
    """A vault id as `Keyslots.new` makes it (a UUID in canonical form), or ValueError.

    File names outside the vault are derived from a hash of it, but it is still refused unless it is
    exactly what this app writes.
    """
    if not isinstance(value, str) or len(value) != 36 or str(uuid.UUID(value)) != value:
        raise ValueError("bad vault id")
    return value


def new_data_key() -> bytearray:
    return bytearray(os.urandom(DATA_KEY_BYTES))
