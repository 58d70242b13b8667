"""The audit anchor: a MAC'd record of the audit log's latest head, kept beside vault.db.

The audit log's hash chain shows any row edited or removed in the middle, but not a chain cut short
with its head rewound, nor the whole database rolled back to an older copy, nor commits lost with a
write-ahead file deleted after a crash: each of those leaves a shorter chain that is still whole.
So after every commit that moved the head, the head's number and hash are written to
`audit-anchor.bin`, MAC'd with a key derived from the data key. Opening and checking the vault compare
the database's head with that record: a head behind it means history was lost.

What it catches: a rolled-back vault.db (an older copy put in place), a deleted or truncated -wal after
a crash (acknowledged commits gone), an audit log cut short, an anchor file edited, swapped in from
another vault or damaged. What it cannot catch: anyone holding the data key (the passphrase, the
recovery code or an unlocked app) can write a matching anchor; and an anchor rolled back together with
the database (the whole folder replaced by an older copy) agrees with it. Backups keep their own copy.

File format (fixed size, 1,024 bytes): two 512-byte slots written alternately, so a write torn by a
crash leaves the other slot intact. A slot holds, big-endian: magic "TDANCHR1", a write counter (u64),
the audit head's sequence number (u64), its SHA-256 (32 bytes), the time written (u64 Unix seconds),
then HMAC-SHA256 over the vault id and those fields, zero-padded. The slot with the highest valid
counter is the anchor.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import os
import stat
import struct
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from therapy_desk.storage.audit import AuditStore
from therapy_desk.storage.files import FILE_MODE, atomic_write
from therapy_desk.storage.wipe import wipe

ANCHOR_FILE = "audit-anchor.bin"
_MAGIC = b"TDANCHR1"
_FIELDS = struct.Struct(">8sQQ32sQ")
_MAC_BYTES = 32
_SLOT_BYTES = 512
_FILE_BYTES = 2 * _SLOT_BYTES

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AnchorRecord:
    """The audit head as last anchored."""

    seq: int
    head_hash: str
    counter: int
    written_at: datetime


class AnchorDamaged(Exception):
    """The anchor file exists but holds no slot that verifies (edited, damaged or from another vault)."""


def anchor_key(data_key: bytes | bytearray, vault_id: str) -> bytearray:
    """The anchor's MAC key: derived from the data key, bound to this vault and this use only."""
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=f"therapy-desk audit anchor v1:{vault_id}".encode()
    ).derive(bytes(data_key))
    key = bytearray(derived)
    wipe(derived)
    return key


class AuditAnchor:
    """One vault's anchor file. Shared by a vault and its worker handles; writes are serialised."""

    def __init__(self, folder: Path, vault_id: str, key: bytearray) -> None:
        self.path = folder / ANCHOR_FILE
        self._vault_id = uuid.UUID(vault_id).bytes
        self._key = key
        self._guard = threading.Lock()
        self._fd: int | None = None
        self._counter = 0
        self._seq = -1
        self._closed = False

    # -- reading -----------------------------------------------------------------------------------

    def read(self) -> AnchorRecord | None:
        """The anchored head, or None if there is no anchor file. AnchorDamaged if none of it verifies."""
        try:
            fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        except FileNotFoundError:
            return None
        except OSError as err:
            raise AnchorDamaged("unreadable") from err
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_size != _FILE_BYTES:
                raise AnchorDamaged("not an anchor file")
            data = os.pread(fd, _FILE_BYTES, 0) if hasattr(os, "pread") else os.read(fd, _FILE_BYTES)
        except OSError as err:
            raise AnchorDamaged("unreadable") from err
        finally:
            os.close(fd)
        records = [r for r in (self._parse(data[i : i + _SLOT_BYTES]) for i in (0, _SLOT_BYTES)) if r is not None]
        if not records:
            raise AnchorDamaged("no slot verifies")
        return max(records, key=lambda r: r.counter)

    def _parse(self, slot: bytes) -> AnchorRecord | None:
        body, mac = slot[: _FIELDS.size], slot[_FIELDS.size : _FIELDS.size + _MAC_BYTES]
        if len(body) != _FIELDS.size or not hmac.compare_digest(mac, self._mac(body)):
            return None
        magic, counter, seq, head, written = _FIELDS.unpack(body)
        if magic != _MAGIC:
            return None
        return AnchorRecord(seq, head.hex(), counter, datetime.fromtimestamp(written, UTC))

    def _mac(self, body: bytes) -> bytes:
        return hmac.new(bytes(self._key), self._vault_id + body, hashlib.sha256).digest()

    # -- writing -----------------------------------------------------------------------------------

    def start_from(self, record: AnchorRecord | None) -> None:
        """Continue the write counter after `record` (the one just read), so the next write wins."""
        if record is not None:
            self._counter, self._seq = record.counter, record.seq

    def write(self, seq: int, head_hash: str, *, force: bool = False) -> None:
        """Anchor the head `seq`/`head_hash`: a slot rewritten in place and flushed to disk.

        Unless `force`, a head not past the last one written is skipped: two threads that commit at once
        must not leave the older head as the anchor.
        """
        with self._guard:
            if self._closed or (seq <= self._seq and not force):
                return
            self._counter += 1
            body = _FIELDS.pack(_MAGIC, self._counter, seq, bytes.fromhex(head_hash), int(time.time()))
            slot = (body + self._mac(body)).ljust(_SLOT_BYTES, b"\0")
            if self._fd is None and not self._open_for_writing(slot):
                self._seq = seq
                return
            assert self._fd is not None
            os.pwrite(self._fd, slot, (self._counter % 2) * _SLOT_BYTES)
            if hasattr(os, "fdatasync"):
                os.fdatasync(self._fd)
            else:  # pragma: no cover - Windows and macOS
                os.fsync(self._fd)
            self._seq = seq

    def _open_for_writing(self, slot: bytes) -> bool:
        """Open the anchor for in-place writes; a missing or malformed file is first replaced whole.

        Returns False when that replacement already wrote `slot`.
        """
        flags = os.O_RDWR | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
        try:
            fd = os.open(self.path, flags)
        except OSError:
            fd = None
        if fd is not None:
            info = os.fstat(fd)
            if stat.S_ISREG(info.st_mode) and info.st_size == _FILE_BYTES:
                self._fd = fd
                return True
            os.close(fd)
        # Both slots hold the new record: a file made now has no older slot worth keeping.
        atomic_write(self.path, slot + slot)
        self._fd = os.open(self.path, flags)
        with contextlib.suppress(OSError):
            os.chmod(self.path, FILE_MODE)
        return False

    def close(self) -> None:
        """Forget the key and close the file (the vault is locking)."""
        with self._guard:
            self._closed = True
            wipe(self._key)
            if self._fd is not None:
                fd, self._fd = self._fd, None
                os.close(fd)


# -- comparing the log with its anchor -------------------------------------------------------------

STARTED_EVENT = "audit anchor started"
LOSS_EVENT = "audit history loss found"


def compare(audit_anchor: AuditAnchor, audit: AuditStore) -> tuple[AnchorRecord | None, list[str]]:
    """The anchor as read, and sentences naming what the log lacks against it (none when it holds)."""
    name = audit_anchor.path.name
    try:
        record = audit_anchor.read()
    except AnchorDamaged:
        return None, [
            f"The audit anchor ({name}) is damaged, was edited or comes from another vault, so the end of the "
            "audit log cannot be confirmed."
        ]
    seq, head_hash = audit.head()
    if record is None:
        if audit.first(STARTED_EVENT) is None:
            return None, []  # a vault from before anchors were kept: nothing to compare with yet
        return None, [
            f"The audit anchor ({name}) is missing although this vault keeps one, so the end of the audit log "
            "cannot be confirmed: history may have been cut off or rolled back."
        ]
    when = record.written_at.strftime("%Y-%m-%d %H:%M UTC")
    if seq < record.seq:
        missing = f"event {record.seq} is" if seq + 1 == record.seq else f"events {seq + 1}–{record.seq} are"
        return record, [
            f"Recent work may be missing: this vault had saved its audit log up to event {record.seq} ({when}), "
            f"but the log now ends at event {seq}: {missing} missing. An older copy of vault.db was put in place, "
            "or its write-ahead file (vault.db-wal) was lost after a crash. Restore your most recent verified "
            "backup if it holds that work."
        ]
    found = head_hash if seq == record.seq else audit.hash_at(record.seq)
    if found != record.head_hash:
        return record, [
            f"The audit log's event {record.seq} is not the one this vault recorded ({when}): the log was "
            "rewritten or replaced from there on."
        ]
    return record, []


def settle(audit_anchor: AuditAnchor, audit: AuditStore) -> list[str]:
    """On open: compare the log with its anchor, record any loss in the log, and anchor the head again.

    Returns the sentences for the user. A vault from before anchors starts keeping one here.
    """
    record, problems = compare(audit_anchor, audit)
    audit_anchor.start_from(record)
    if problems:
        found, _ = audit.head()
        audit.record(LOSS_EVENT, detail={"anchored_seq": record.seq if record else None, "found_seq": found})
    elif record is None and audit.first(STARTED_EVENT) is None:
        audit.record(STARTED_EVENT)
    audit_anchor.write(*audit.head(), force=True)
    return problems


def recorded_losses(audit: AuditStore) -> list[str]:
    """Sentences for history that earlier opens found missing and recorded: it stays reported until a restore."""
    return [
        f"on {e.at[:10]}, events up to {e.detail.get('anchored_seq')} were found missing (the log had ended "
        f"at event {e.detail.get('found_seq')}); restore the most recent verified backup to get them back"
        for e in audit.named(LOSS_EVENT)
    ]
