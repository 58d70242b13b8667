"""Seal digests: one SHA-256 that binds many sealed records (signed notes, signed plans) at once.

A signed note's seal is the SHA-256 of its canonical content. One audit event per import batch
records a digest of the batch's seals, so a check can tell later whether any record of the batch
was changed, removed or slipped in: SHA-256 over one line "<id>:<seal>\\n" per record, in ascending
id order (ids as decimal integers, seals as the lowercase hex the record stores).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable


class SealDigest:
    """Builds a seal digest record by record; ids must come in ascending order."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self.count = 0
        self.first_id: int | None = None
        self.last_id: int | None = None

    def add(self, record_id: int, seal: str) -> None:
        if self.last_id is not None and record_id <= self.last_id:
            raise ValueError("seal digests take records in ascending id order")
        self._hash.update(f"{record_id}:{seal}\n".encode())
        self.count += 1
        self.first_id = record_id if self.first_id is None else self.first_id
        self.last_id = record_id

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def seal_digest(seals: Iterable[tuple[int, str]]) -> str:
    """The digest of (id, seal) pairs, sorted here by id."""
    digest = SealDigest()
    for record_id, seal in sorted(seals):
        digest.add(record_id, seal)
    return digest.hexdigest()
