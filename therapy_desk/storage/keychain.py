"""Quick unlock through the OS keychain (`keyring`).

The data key goes only to a backend that really is a keychain, and only after a write and a
read-back of the key succeed. Plaintext, null and failing backends are refused with the
reason. There is never a plaintext fallback.
"""

from __future__ import annotations

import re

import keyring
from keyring.backend import KeyringBackend
from keyring.errors import KeyringError, PasswordDeleteError

from therapy_desk.errors import KeychainUnavailable

SERVICE = "Therapy Desk vault key"
_HEX_KEY = re.compile(r"[0-9a-f]{64}")


def _backends(backend: KeyringBackend) -> list[KeyringBackend]:
    """The backends a write may land in: a chainer writes to whichever of its own accepts."""
    chained = getattr(backend, "backends", None)
    return list(chained) if isinstance(chained, list | tuple) else [backend]


def unsafe_reason(backend: KeyringBackend | None = None) -> str | None:
    """Why the keychain may not hold a vault key, or None when it may."""
    backend = backend or keyring.get_keyring()
    candidates = _backends(backend)
    if not candidates:
        return "This computer has no OS keychain that Therapy Desk can use."
    for candidate in candidates:
        module = type(candidate).__module__
        name = type(candidate).__name__
        if module == "keyring.backends.fail":
            return "This computer has no OS keychain that Therapy Desk can use."
        if module == "keyring.backends.null":
            return "The keychain is switched off on this computer (keyring's null backend is active)."
        if module.startswith("keyrings.alt") or "plaintext" in name.lower() or "plaintext" in module.lower():
            return (
                "The only keychain available stores secrets in a plain file, so Therapy Desk will not "
                "put your vault key there."
            )
        try:
            priority = float(candidate.priority)
        except Exception:  # keyring raises from `priority` when a backend is unusable here
            return "This computer's keychain is not usable right now."
        if priority <= 0:
            return "This computer has no OS keychain that Therapy Desk can use."
    return None


def store_key(vault_id: str, key: bytes | bytearray, backend: KeyringBackend | None = None) -> None:
    """Put the key in the keychain and prove it comes back; otherwise remove it and refuse.

    The keychain takes and returns text, which the keychain backend may keep: those strings are the
    keychain's, and are not wiped here (see wipe.py).
    """
    backend = backend or keyring.get_keyring()
    reason = unsafe_reason(backend)
    if reason:
        raise KeychainUnavailable(reason)
    key_hex = key.hex()
    try:
        backend.set_password(SERVICE, vault_id, key_hex)
    except (KeyringError, OSError, RuntimeError):
        delete_key(vault_id, backend)
        raise KeychainUnavailable(
            "The keychain would not store the vault key (it may be locked), so quick unlock stays off. "
            "Unlock the keychain and try again, or keep unlocking with your passphrase."
        ) from None
    try:
        read_back = backend.get_password(SERVICE, vault_id)
    except (KeyringError, OSError, RuntimeError):
        read_back = None
    if read_back != key_hex:
        delete_key(vault_id, backend)
        raise KeychainUnavailable(
            "The keychain did not give the vault key back correctly, so quick unlock stays off. "
            "Unlock with your passphrase."
        )


def load_key(vault_id: str, backend: KeyringBackend | None = None) -> bytearray:
    """The vault key the keychain holds; refuses, saying why, if it cannot be had from a safe keychain."""
    backend = backend or keyring.get_keyring()
    reason = unsafe_reason(backend)
    if reason:
        raise KeychainUnavailable(f"{reason} Unlock with your passphrase.")
    try:
        value = backend.get_password(SERVICE, vault_id)
    except (KeyringError, OSError, RuntimeError):
        raise KeychainUnavailable(
            "The keychain could not be read (it may be locked). Unlock it, or unlock with your passphrase."
        ) from None
    if value is None:
        raise KeychainUnavailable(
            "The keychain no longer holds this vault's key. Unlock with your passphrase, then turn quick "
            "unlock on again in Settings if you want it."
        )
    if not _HEX_KEY.fullmatch(value):
        raise KeychainUnavailable(
            "The keychain holds a key that does not open this vault. Unlock with your passphrase."
        )
    return bytearray.fromhex(value)


def delete_key(vault_id: str, backend: KeyringBackend | None = None, *, strict: bool = False) -> None:
    """Remove the key. With `strict`, a keychain that refuses (say, locked) raises instead of passing silently."""
    backend = backend or keyring.get_keyring()
    try:
        backend.delete_password(SERVICE, vault_id)
    except PasswordDeleteError:
        return  # nothing stored: already gone
    except (KeyringError, OSError, RuntimeError):
        if strict:
            raise KeychainUnavailable(
                "The keychain would not remove the vault key (it may be locked), so quick unlock stays on. "
                "Unlock the keychain and try again."
            ) from None
