"""Reading a vault.db page by page the way SQLCipher 4 lays it out, to aim bit flips at each page class.

A page is 4,096 bytes: AES-256-CBC ciphertext, then a 16-byte IV and a 64-byte HMAC-SHA512 over the
ciphertext, the IV and the page number. Page 1 starts with the 16-byte salt in clear. With a raw key
the key itself encrypts; the HMAC key is PBKDF2-HMAC-SHA512(key, salt XOR 0x3a, 2 rounds). Decrypting
tells what each page is: the file header, an interior or leaf page of a table or index b-tree, an
overflow page, or a freelist trunk or leaf page.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

PAGE = 4096
RESERVE = 80  # IV (16) + HMAC-SHA512 (64)
SALT = 16
BTREE_KINDS = {0x02: "index interior", 0x05: "table interior", 0x0A: "index leaf", 0x0D: "table leaf"}


def _plain(data: bytes, number: int, key: bytes) -> bytes:
    page = data[(number - 1) * PAGE : number * PAGE]
    start = SALT if number == 1 else 0
    iv = page[PAGE - RESERVE : PAGE - RESERVE + 16]
    body = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor().update(page[start : PAGE - RESERVE])
    return bytes(start) + body  # page offsets stay as SQLite numbers them


def classify(db_file: Path, key: bytes) -> dict[int, str]:
    """Page number -> its class, for every page of a checkpointed SQLCipher 4 database."""
    data = db_file.read_bytes()
    count = len(data) // PAGE
    plain = {n: _plain(data, n, key) for n in range(1, count + 1)}
    kinds: dict[int, str] = {1: "file header and schema"}
    first_trunk = int.from_bytes(plain[1][32:36], "big")
    trunk = first_trunk
    while trunk:
        kinds[trunk] = "freelist trunk"
        page = plain[trunk]
        leaves = int.from_bytes(page[4:8], "big")
        for i in range(leaves):
            kinds[int.from_bytes(page[8 + 4 * i : 12 + 4 * i], "big")] = "freelist leaf"
        trunk = int.from_bytes(page[0:4], "big")
    for number in range(2, count + 1):
        if number not in kinds:
            kinds[number] = BTREE_KINDS.get(plain[number][0], "overflow")
    return kinds


def tally(kinds: dict[int, str]) -> Counter[str]:
    return Counter(kinds.values())
