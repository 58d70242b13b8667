"""Quick unlock ("Remember on this computer") through the OS keychain.

The OS keychain is the edge: the backends here are real `keyring` backends (subclasses of
`KeyringBackend`, with a `priority` classproperty) standing in for the OS, next to keyring's own
null and fail backends. The vault on the other side is real.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

import keyring
import keyring.core
import pytest
from keyring.backend import KeyringBackend
from keyring.compat import properties
from keyring.errors import KeyringLocked, PasswordDeleteError, PasswordSetError

from tests.conftest import PASSPHRASE
from therapy_desk.errors import KeychainUnavailable
from therapy_desk.storage import keychain
from therapy_desk.storage.keyslots import KEYSLOTS_FILE, Keyslots
from therapy_desk.storage.vault import Vault

# -- backends standing in for the OS keychain ------------------------------------------------------


class _TestBackend(KeyringBackend):
    """Base of this module's backends.

    keyring registers every backend class it sees and, the first time anything calls
    `keyring.get_keyring()`, picks the highest-priority viable one. Like a real backend on the
    wrong OS, these raise from `priority` unless a test has switched them on, so they can never
    become the session's default keyring behind another test's back.
    """

    present: ClassVar[bool] = False
    native_priority: ClassVar[float] = 5

    @properties.classproperty
    def priority(cls) -> float:
        if not cls.present:
            raise RuntimeError("this test keychain exists only while a keychain test runs")
        return cls.native_priority


class MemoryKeychain(_TestBackend):
    """A working OS keychain: keeps what it is given and hands it back."""

    def __init__(self) -> None:
        self.set_properties_from_env()  # all KeyringBackend.__init__ does (it is untyped)
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.items.pop((service, username), None) is None:
            raise PasswordDeleteError("no such item")


class LockedKeychain(MemoryKeychain):
    """A keychain that is locked: reads and writes are refused."""

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("the keychain is locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise PasswordSetError("the keychain is locked")


class TruncatingKeychain(MemoryKeychain):
    """Accepts the write, but gives back only the first 32 characters of a secret."""

    def get_password(self, service: str, username: str) -> str | None:
        value = super().get_password(service, username)
        return None if value is None else value[:32]


class ForgetfulKeychain(MemoryKeychain):
    """Accepts the write without an error and keeps nothing."""

    def set_password(self, service: str, username: str, password: str) -> None:
        return None


class PlaintextKeyring(_TestBackend):
    """Like keyrings.alt.file.PlaintextKeyring: secrets in clear in a file, at a low priority."""

    native_priority = 0.5

    def __init__(self, file_path: Path) -> None:
        self.set_properties_from_env()  # all KeyringBackend.__init__ does (it is untyped)
        self.file_path = file_path

    def _read(self) -> dict[str, str]:
        if not self.file_path.exists():
            return {}
        data: dict[str, str] = json.loads(self.file_path.read_text("utf-8"))
        return data

    def get_password(self, service: str, username: str) -> str | None:
        return self._read().get(f"{service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._read()
        data[f"{service}/{username}"] = password
        self.file_path.write_text(json.dumps(data), "utf-8")

    def delete_password(self, service: str, username: str) -> None:
        data = self._read()
        if data.pop(f"{service}/{username}", None) is None:
            raise PasswordDeleteError("no such item")
        self.file_path.write_text(json.dumps(data), "utf-8")


class ChainedKeychains(_TestBackend):
    """Like keyring.backends.chainer.ChainerBackend: writes to the first backend that takes it."""

    native_priority = 10

    def __init__(self, *backends: KeyringBackend) -> None:
        self.set_properties_from_env()  # all KeyringBackend.__init__ does (it is untyped)
        self.backends = list(backends)

    def get_password(self, service: str, username: str) -> str | None:
        for backend in self.backends:
            value = backend.get_password(service, username)
            if value is not None:
                return value
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        for backend in self.backends:
            try:
                return backend.set_password(service, username, password)
            except NotImplementedError:
                pass

    def delete_password(self, service: str, username: str) -> None:
        for backend in self.backends:
            try:
                return backend.delete_password(service, username)
            except NotImplementedError:
                pass


def _secrets_held(backend: KeyringBackend) -> list[str]:
    """Every secret the backend keeps, wherever it keeps them."""
    if isinstance(backend, MemoryKeychain):
        return list(backend.items.values())
    if isinstance(backend, PlaintextKeyring):
        return [backend.file_path.read_text("utf-8")] if backend.file_path.exists() else []
    if isinstance(backend, ChainedKeychains):
        return [s for b in backend.backends for s in _secrets_held(b)]
    return []  # keyring's null and fail backends keep nothing


@pytest.fixture(autouse=True)
def keychains_present(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_TestBackend, "present", True)


@pytest.fixture
def default_keyring(monkeypatch: pytest.MonkeyPatch) -> Callable[[KeyringBackend], None]:
    """`keyring.set_keyring`, with the previous default backend (even none yet) put back after the test."""
    monkeypatch.setattr(keyring.core, "_keyring_backend", keyring.core._keyring_backend)
    return keyring.set_keyring


def _data_key_hex(folder: Path) -> str:
    return Keyslots.load(folder).unwrap("passphrase", PASSPHRASE).hex()


def _file_hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _slot_kinds(folder: Path) -> list[str]:
    return [s["kind"] for s in json.loads((folder / KEYSLOTS_FILE).read_text("ascii"))["slots"]]


# -- a working keychain --------------------------------------------------------------------------


def test_quick_unlock_opens_the_vault_without_the_passphrase(vault: Vault) -> None:
    backend = MemoryKeychain()
    folder = vault.folder

    vault.enable_keychain(backend)
    vault.close()

    key = _data_key_hex(folder)
    assert backend.items == {(keychain.SERVICE, vault.vault_id): key}
    assert "keychain" in _slot_kinds(folder)
    with Vault.open_with_keychain(folder, backend) as reopened:
        assert reopened.keychain_enabled
        assert reopened.check().clean


def test_keyslots_file_never_holds_the_key_the_keychain_holds(vault: Vault) -> None:
    backend = MemoryKeychain()
    vault.enable_keychain(backend)
    vault.close()

    key = _data_key_hex(vault.folder)
    keyslots_text = (vault.folder / KEYSLOTS_FILE).read_text("ascii")
    assert key not in keyslots_text.lower()
    assert bytes.fromhex(key).hex().upper() not in keyslots_text
    keychain_slot = next(s for s in json.loads(keyslots_text)["slots"] if s["kind"] == "keychain")
    assert set(keychain_slot) == {"kind", "created", "service"}


def test_turning_quick_unlock_off_removes_the_key_from_the_keychain_and_the_slot(vault: Vault) -> None:
    backend = MemoryKeychain()
    vault.enable_keychain(backend)

    vault.disable_keychain(backend)
    vault.close()

    assert backend.items == {}
    assert "keychain" not in _slot_kinds(vault.folder)
    with pytest.raises(KeychainUnavailable, match="not turned on"):
        Vault.open_with_keychain(vault.folder, backend)
    Vault.open(vault.folder, PASSPHRASE).close()


def test_quick_unlock_through_a_chain_of_real_keychains_works(vault: Vault) -> None:
    first, second = MemoryKeychain(), MemoryKeychain()
    chain = ChainedKeychains(first, second)

    vault.enable_keychain(chain)
    vault.close()

    assert list(first.items.values()) == [_data_key_hex(vault.folder)]
    assert second.items == {}
    Vault.open_with_keychain(vault.folder, chain).close()


# -- keychains that may not hold a vault key -------------------------------------------------------

UNSAFE_KEYCHAINS: list[tuple[str, Callable[[Path], KeyringBackend], list[str]]] = [
    (
        "null backend",
        lambda _: keyring.core.load_keyring("keyring.backends.null.Keyring"),
        ["keychain", "switched off"],
    ),
    ("fail backend", lambda _: keyring.core.load_keyring("keyring.backends.fail.Keyring"), ["no os keychain"]),
    ("plaintext file", lambda tmp: PlaintextKeyring(tmp / "keyring_pass.cfg"), ["plain file", "will not"]),
    ("locked, writes refused", lambda _: LockedKeychain(), ["would not store the vault key", "locked"]),
    ("gives back a different value", lambda _: TruncatingKeychain(), ["did not give the vault key back"]),
    ("keeps nothing", lambda _: ForgetfulKeychain(), ["did not give the vault key back"]),
    (
        "chain holding a plaintext file",
        lambda tmp: ChainedKeychains(MemoryKeychain(), PlaintextKeyring(tmp / "keyring_pass.cfg")),
        ["plain file"],
    ),
    ("empty chain", lambda _: ChainedKeychains(), ["no os keychain"]),
]


@pytest.mark.parametrize(
    ("make_backend", "reason_words"),
    [pytest.param(make, words, id=name) for name, make, words in UNSAFE_KEYCHAINS],
)
def test_quick_unlock_is_refused_with_the_reason_when_the_keychain_is_unsafe(
    vault: Vault, tmp_path: Path, make_backend: Callable[[Path], KeyringBackend], reason_words: list[str]
) -> None:
    backend = make_backend(tmp_path)
    keyslots_before = (vault.folder / KEYSLOTS_FILE).read_bytes()
    key = _data_key_hex(vault.folder)

    with pytest.raises(KeychainUnavailable) as refused:
        vault.enable_keychain(backend)

    reason = str(refused.value)
    for word in reason_words:
        assert word in reason.lower()
    assert reason.endswith(".")
    assert (vault.folder / KEYSLOTS_FILE).read_bytes() == keyslots_before
    assert not vault.keychain_enabled
    assert not any(key in secret for secret in _secrets_held(backend))


def test_unsafe_reason_accepts_a_working_keychain_and_names_a_plaintext_one(tmp_path: Path) -> None:
    assert keychain.unsafe_reason(MemoryKeychain()) is None
    reason = keychain.unsafe_reason(PlaintextKeyring(tmp_path / "keyring_pass.cfg"))
    assert reason is not None
    assert "plain file" in reason


def test_a_keychain_missing_from_this_computer_is_refused() -> None:
    class AbsentKeychain(MemoryKeychain):
        present = False  # `priority` raises, as keyring's backends do on the wrong OS

    assert "not usable" in (keychain.unsafe_reason(AbsentKeychain()) or "")


# -- what the keychain gives back at unlock --------------------------------------------------------


@pytest.mark.parametrize(
    ("stored", "reason_words"),
    [
        pytest.param(lambda key: os.urandom(32).hex(), ["does not open this vault"], id="another vault's key"),
        pytest.param(lambda key: key[:-2], ["does not open this vault"], id="truncated key"),
        pytest.param(lambda key: "not a key at all", ["does not open this vault"], id="garbage"),
        pytest.param(lambda key: None, ["no longer holds"], id="removed by someone else"),
    ],
)
def test_quick_unlock_refuses_a_wrong_key_and_leaves_the_vault_untouched(
    created: tuple[Path, str], stored: Callable[[str], str | None], reason_words: list[str]
) -> None:
    folder = created[0]
    backend = MemoryKeychain()
    with Vault.open(folder, PASSPHRASE) as opened:
        opened.enable_keychain(backend)
        vault_id = opened.vault_id
    value = stored(_data_key_hex(folder))
    if value is None:
        backend.delete_password(keychain.SERVICE, vault_id)
    else:
        backend.set_password(keychain.SERVICE, vault_id, value)
    before = _file_hashes(folder)

    with pytest.raises(KeychainUnavailable) as refused:
        Vault.open_with_keychain(folder, backend)

    for word in reason_words:
        assert word in str(refused.value)
    assert "passphrase" in str(refused.value)
    assert _file_hashes(folder) == before
    Vault.open(folder, PASSPHRASE).close()  # the refusal released the vault


def test_quick_unlock_says_the_keychain_is_unsafe_when_it_became_so_after_turning_on(
    created: tuple[Path, str], tmp_path: Path
) -> None:
    folder = created[0]
    with Vault.open(folder, PASSPHRASE) as opened:
        opened.enable_keychain(MemoryKeychain())

    with pytest.raises(KeychainUnavailable) as refused:
        Vault.open_with_keychain(folder, PlaintextKeyring(tmp_path / "keyring_pass.cfg"))

    assert "plain file" in str(refused.value)
    assert "no longer holds" not in str(refused.value)


def test_quick_unlock_says_the_keychain_could_not_be_read_when_it_is_locked(created: tuple[Path, str]) -> None:
    folder = created[0]
    backend = MemoryKeychain()
    with Vault.open(folder, PASSPHRASE) as opened:
        opened.enable_keychain(backend)
    locked = LockedKeychain()
    locked.items = dict(backend.items)

    with pytest.raises(KeychainUnavailable) as refused:
        Vault.open_with_keychain(folder, locked)

    assert "could not be read" in str(refused.value)
    assert "no longer holds" not in str(refused.value)


# -- the process-wide default keyring --------------------------------------------------------------


def test_unsafe_reason_without_a_backend_judges_the_default_keyring(
    default_keyring: Callable[[KeyringBackend], None], tmp_path: Path
) -> None:
    default_keyring(MemoryKeychain())
    assert keychain.unsafe_reason() is None

    default_keyring(PlaintextKeyring(tmp_path / "keyring_pass.cfg"))
    assert "plain file" in (keychain.unsafe_reason() or "")

    default_keyring(keyring.core.load_keyring("keyring.backends.null.Keyring"))
    assert "switched off" in (keychain.unsafe_reason() or "")


def test_quick_unlock_uses_the_default_keyring_when_none_is_given(
    default_keyring: Callable[[KeyringBackend], None], vault: Vault
) -> None:
    backend = MemoryKeychain()
    default_keyring(backend)

    vault.enable_keychain()
    vault.close()
    assert list(backend.items.values()) == [_data_key_hex(vault.folder)]
    Vault.open_with_keychain(vault.folder).close()

    with Vault.open(vault.folder, PASSPHRASE) as reopened:
        reopened.disable_keychain()
    assert backend.items == {}
