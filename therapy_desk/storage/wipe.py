"""Overwriting key material in memory once it has served, as far as Python allows.

The data key lives in one `bytearray` per open vault, zeroed on lock. A few copies cannot be avoided:
AES-GCM returns the unwrapped key as `bytes` and the SQLCipher key PRAGMA must be a `str`: `wipe` zeroes
those objects in place right after use. An OS keychain takes and returns text that its backend may keep,
so that text is the keychain's and is left alone.

What Python cannot guarantee, and this module does not claim:
- `bytes` and `str` are immutable by contract; zeroing them goes through their CPython memory layout
  (checked below; on another interpreter `wipe` only clears what is mutable).
- Copies made inside C libraries are theirs: SQLite parses the PRAGMA text into memory it frees without
  zeroing (SQLCipher zeroes its own key buffers), argon2 and OpenSSL keep work buffers, and a keychain
  backend may hold the text it returned.
- Memory can be swapped to disk or written into a core dump while the vault is open.
So a locked app holds no copy of the key that this code made; it cannot promise more than that.
"""

from __future__ import annotations

import ctypes
import sys

# CPython stores a bytes object's content after a fixed header (its size minus the trailing NUL);
# a compact ASCII str likewise. Measured here rather than hard-coded, so a layout change is caught.
_BYTES_HEADER = sys.getsizeof(b"") - 1
_ASCII_HEADER = sys.getsizeof("") - 1
_CPYTHON = sys.implementation.name == "cpython"


def wipe(value: bytes | bytearray | memoryview | str) -> None:
    """Overwrite `value`'s content with zeros (in place). Only ever pass an object nothing else shares."""
    if isinstance(value, bytearray):
        value[:] = bytes(len(value))
        return
    if isinstance(value, memoryview):
        if not value.readonly:
            value[:] = bytes(value.nbytes)
        return
    if not _CPYTHON or not value:
        return
    header = _BYTES_HEADER if isinstance(value, bytes) else _ASCII_HEADER if value.isascii() else None
    # The size check proves the content sits where the layout says (and nothing else is there).
    if header is not None and sys.getsizeof(value) == header + len(value) + 1:
        ctypes.memset(id(value) + header, 0, len(value))
