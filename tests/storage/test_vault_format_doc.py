"""docs/VAULT-FORMAT.md's "Opening a vault without Therapy Desk", followed step by step with general-purpose
libraries (argon2-cffi, cryptography, sqlcipher3), never this app's code, to read a signed note: the
document is enough for someone to open their own vault if Therapy Desk were gone. Each step first finds the
sentence it follows in the document, so the two cannot drift apart."""

from __future__ import annotations

import base64
import json
from datetime import date
from pathlib import Path

import sqlcipher3
from argon2.low_level import Type, hash_secret_raw
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from tests.conftest import PASSPHRASE
from tests.storage.test_notes import SOAP, signed_note
from therapy_desk.domain.clients import Client
from therapy_desk.storage.vault import Vault

DOC = (Path(__file__).resolve().parents[2] / "docs" / "VAULT-FORMAT.md").read_text("utf-8")
SECTION = " ".join(DOC.split("## Opening a vault without Therapy Desk", 1)[1].split("\n## ", 1)[0].split())


def _says(words: str) -> None:
    assert " ".join(words.split()) in SECTION, f"VAULT-FORMAT.md no longer says: {words}"


def test_the_document_alone_opens_a_vault_and_reads_a_signed_note(created: tuple[Path, str]) -> None:
    folder, _code = created
    with Vault.open(folder, PASSPHRASE) as vault:
        client = vault.clients.create(Client("Ana", "Reyes", date(1988, 4, 2)))
        assert client.id is not None
        signed_note(vault, client.id)

    _says('take the slot whose `kind` is `"passphrase"`')
    keyslots = json.loads((folder / "keyslots.json").read_text("utf-8"))
    slot = next(s for s in keyslots["slots"] if s["kind"] == "passphrase")

    _says("Derive the key-encryption key with **Argon2id** (version 0x13)")
    _says("the output is **32 bytes**")
    kdf = slot["kdf"]
    kek = hash_secret_raw(
        secret=PASSPHRASE.encode("utf-8"), salt=base64.b64decode(kdf["salt"]), time_cost=kdf["time_cost"],
        memory_cost=kdf["memory_kib"], parallelism=kdf["parallelism"], hash_len=32, type=Type.ID, version=0x13,
    )  # fmt: skip

    _says("The additional data is the canonical JSON (keys sorted, no spaces: separators `,` and `:`, ASCII)")
    aad = json.dumps(
        {"format": "therapy-desk-keyslots", "vault_id": keyslots["vault_id"], "kind": slot["kind"],
         "time_cost": kdf["time_cost"], "memory_kib": kdf["memory_kib"], "parallelism": kdf["parallelism"],
         "salt": kdf["salt"]},
        sort_keys=True, separators=(",", ":"), ensure_ascii=True,
    ).encode("ascii")  # fmt: skip

    _says("Decrypt `wrapped_key` (base64: the 32-byte key followed by the 16-byte GCM tag) with **AES-256-GCM**")
    data_key = AESGCM(kek).decrypt(base64.b64decode(slot["nonce"]), base64.b64decode(slot["wrapped_key"]), aad)
    assert len(data_key) == 32

    _says("""Open `vault.db` with SQLCipher 4 at its default settings and `PRAGMA key = "x'<the data key as 64""")
    conn = sqlcipher3.connect(str(folder / "vault.db"))
    try:
        conn.execute("PRAGMA key = \"x'" + data_key.hex() + "'\"")
        _says("A note's text is in `notes.sections`: a JSON array of `[name, text]` pairs")
        [(sections, status)] = conn.execute("SELECT sections, status FROM notes").fetchall()
    finally:
        conn.close()
    assert status == "signed"
    assert dict(json.loads(sections)) == SOAP


def test_every_table_of_the_vault_is_described(vault: Vault) -> None:
    tables = {
        name
        for (name,) in vault.db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name NOT LIKE 'search_index_%'"
        )
    }
    described = DOC.split("## The tables", 1)[1].split("\n## ", 1)[0]
    assert tables
    assert {t for t in tables if f"`{t}`" not in described} == set()
    assert f"Schema {vault.schema_version}." in described
