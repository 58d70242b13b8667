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
import os
import re
import secrets
import time
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


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost. Stored with each slot so a slot opens with the cost it was made with."""

    time_cost: int
    memory_kib: int
    parallelism: int

    def to_json(self) -> dict[str, int]:
        return {"time_cost": self.time_cost, "memory_kib": self.memory_kib, "parallelism": self.parallelism}


KDF_FLOOR = KdfParams(time_cost=3, memory_kib=64 * 1024, parallelism=4)
KDF_TARGET_SECONDS = 0.5
_KDF_MAX_TIME_COST = 40


def derive_kek(secret: bytes, salt: bytes, params: KdfParams) -> bytes:
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
    salt = secrets.token_bytes(16)
    timings = []
    for _ in range(3):  # the fastest of three is the least disturbed by other load on the machine
        started = time.perf_counter()
        derive_kek(b"calibration", salt, KDF_FLOOR)
        timings.append(time.perf_counter() - started)
    per_pass = max(min(timings), 1e-6) / KDF_FLOOR.time_cost
    passes = round(target_seconds / per_pass)
    return replace(KDF_FLOOR, time_cost=min(max(passes, KDF_FLOOR.time_cost), _KDF_MAX_TIME_COST))


def key_hex(data_key: bytes) -> str:
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
    """Canonical form of a recovery code as typed: case, spaces, dashes and look-alikes forgiven."""
    cleaned = re.sub(r"[\s\-]", "", text).upper().translate(str.maketrans("OILU", "011V"))
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
        nonce, wrapped = _unb64(raw["nonce"]), _unb64(raw["wrapped_key"])
        if len(nonce) != 12 or len(wrapped) != DATA_KEY_BYTES + 16:
            raise ValueError("slot has the wrong size")
        return cls(kind=kind, created=created, kdf=params, salt=_unb64(kdf["salt"]), nonce=nonce, wrapped_key=wrapped)


def _key_check(vault_id: str, data_key: bytes) -> str:
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

    @classmethod
    def new(cls, data_key: bytes) -> Keyslots:
        vault_id = str(uuid.uuid4())
        return cls(vault_id=vault_id, key_check=_key_check(vault_id, data_key))

    def is_data_key(self, candidate: bytes) -> bool:
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

    def _aad(self, kind: SlotKind, params: KdfParams, salt: bytes) -> bytes:
        return _canonical(
            {"format": FORMAT, "vault_id": self.vault_id, "kind": kind, **params.to_json(), "salt": _b64(salt)}
        )

    def wrap(self, kind: SlotKind, secret: str, data_key: bytes, params: KdfParams) -> Slot:
        """A new slot of `kind` wrapping `data_key` under `secret`."""
        salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
        kek = derive_kek(secret.encode("utf-8"), salt, params)
        wrapped = AESGCM(kek).encrypt(nonce, data_key, self._aad(kind, params, salt))
        return Slot(kind=kind, created=_now(), kdf=params, salt=salt, nonce=nonce, wrapped_key=wrapped)

    def unwrap(self, kind: Literal["passphrase", "recovery"], secret: str) -> bytes:
        """The data key, if `secret` opens the slot of `kind`."""
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
            return AESGCM(kek).decrypt(slot.nonce, slot.wrapped_key, self._aad(kind, slot.kdf, slot.salt))
        except InvalidTag:
            raise wrong from None

    # -- file ----------------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        body = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "vault_id": self.vault_id,
            "key_check": self.key_check,
            "slots": [s.to_json() for s in self.slots],
        }
        body["checksum"] = hashlib.sha256(_canonical(body)).hexdigest()
        return json.dumps(body, indent=2, sort_keys=True).encode("ascii") + b"\n"

    def save(self, folder: Path) -> None:
        atomic_write(folder / KEYSLOTS_FILE, self.to_bytes())

    @classmethod
    def load(cls, folder: Path) -> Keyslots:
        path = folder / KEYSLOTS_FILE
        advice = "Restore keyslots.json from a backup; the vault itself was not touched."
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise VaultDamaged(f"The key file {path} is missing, so the vault cannot be opened. {advice}") from None
        try:
            body = json.loads(raw)
            if not isinstance(body, dict) or body.get("format") != FORMAT:
                raise ValueError("not a keyslots file")
            checksum = body.pop("checksum", None)
            if checksum != hashlib.sha256(_canonical(body)).hexdigest():
                raise ValueError("checksum mismatch")
            if body.get("version") != FORMAT_VERSION:
                raise ValueError("unknown version")
            vault_id, key_check = body["vault_id"], body["key_check"]
            if not isinstance(vault_id, str) or not vault_id or not isinstance(key_check, str):
                raise ValueError("missing vault id")
            slots = tuple(Slot.from_json(s) for s in body["slots"])
            if not any(s.kind == "passphrase" for s in slots):
                raise ValueError("no passphrase slot")
        except (ValueError, KeyError, TypeError, AttributeError, binascii.Error, UnicodeDecodeError):
            raise VaultDamaged(f"The key file {path} is damaged or has been edited. {advice}") from None
        return cls(vault_id=vault_id, key_check=key_check, slots=slots)


def new_data_key() -> bytes:
    return os.urandom(DATA_KEY_BYTES)
