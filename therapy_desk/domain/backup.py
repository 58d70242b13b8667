"""A backup file's manifest, and the record of the last verified backup: their JSON forms, read as hostile input.

A `.tdbackup` file is a ZIP archive (members STORED) of exactly the members in `MEMBERS`; `manifest.json`
describes the rest (docs/BACKUP-FORMAT.md). A manifest read from a drive may have been damaged or written
by anyone, so parsing is bounded (size, depth of nothing: a flat shape) and every field is checked for
its type and range; anything else is `ManifestInvalid` with a sentence naming what is wrong.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

FORMAT = "therapy-desk-backup"
FORMAT_VERSION = 1

MANIFEST = "manifest.json"
DATABASE = "vault.db"
KEYSLOTS = "keyslots.json"
ANCHOR = "audit-anchor.bin"
# The members a backup may hold; the anchor only when the vault kept one.
MEMBERS = (MANIFEST, DATABASE, KEYSLOTS, ANCHOR)
REQUIRED = (MANIFEST, DATABASE, KEYSLOTS)

MANIFEST_MAX_BYTES = 1024 * 1024
MAX_TABLES = 1000
_SHA256 = re.compile(r"[0-9a-f]{64}")
_TABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")
_MAX_COUNT = 2**53  # JSON numbers above this lose precision in other readers
LAST_VERIFIED_KEY = "backup.last_verified"


class ManifestInvalid(ValueError):
    """A manifest (or a last-backup record) that is not what this app writes; `str()` says what is wrong."""


@dataclass(frozen=True)
class MemberInfo:
    size: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    """What a backup holds. `members` covers every member but the manifest itself."""

    app_version: str
    schema_version: int
    created_at: datetime  # UTC, to the second
    vault_id: str
    row_counts: dict[str, int]
    audit_seq: int
    audit_hash: str
    members: dict[str, MemberInfo]
    format_version: int = FORMAT_VERSION

    def to_json(self) -> bytes:
        body: dict[str, Any] = {
            "format": FORMAT,
            "format_version": self.format_version,
            "app_version": self.app_version,
            "schema_version": self.schema_version,
            "created_at": _utc_text(self.created_at),
            "vault_id": self.vault_id,
            "row_counts": dict(sorted(self.row_counts.items())),
            "audit_head": {"seq": self.audit_seq, "sha256": self.audit_hash},
            "members": {
                name: {"size": info.size, "sha256": info.sha256} for name, info in sorted(self.members.items())
            },
        }
        return json.dumps(body, indent=2, ensure_ascii=True).encode("ascii") + b"\n"


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _utc(value: object, what: str) -> datetime:
    if not isinstance(value, str) or len(value) > 40 or not value.endswith("Z"):
        raise ManifestInvalid(f"its {what} is not a UTC time")
    try:
        moment = datetime.fromisoformat(value[:-1] + "+00:00")
    except ValueError:
        raise ManifestInvalid(f"its {what} is not a UTC time") from None
    return moment.astimezone(UTC)


def _count(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < _MAX_COUNT:
        raise ManifestInvalid(f"its {what} is not a whole number in range")
    return value


def _sha(value: object, what: str) -> str:
    if not isinstance(value, str) or not _SHA256.fullmatch(value):
        raise ManifestInvalid(f"its {what} is not a SHA-256 in hex")
    return value


def _object(value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ManifestInvalid(f"its {what} is missing or not a JSON object")
    return value


def parse_manifest(raw: bytes) -> Manifest:
    """The manifest in `raw`, or ManifestInvalid. A newer format version is returned as read (with whatever
    fields this app knows) only if its shape holds; callers refuse it by `format_version`."""
    if len(raw) > MANIFEST_MAX_BYTES:
        raise ManifestInvalid(f"it is larger than {MANIFEST_MAX_BYTES // 1024} KiB")
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ManifestInvalid("it is not readable JSON") from None
    body = _object(body, "content")
    if body.get("format") != FORMAT:
        raise ManifestInvalid("it is not a Therapy Desk backup manifest")
    version = _count(body.get("format_version"), "format version")
    app_version = body.get("app_version")
    if not isinstance(app_version, str) or not 0 < len(app_version) <= 40:
        raise ManifestInvalid("its app version is missing")
    vault_id = body.get("vault_id")
    try:
        if not isinstance(vault_id, str) or str(uuid.UUID(vault_id)) != vault_id:
            raise ValueError
    except ValueError:
        raise ManifestInvalid("its vault id is not a vault id") from None
    counts = _object(body.get("row_counts"), "row counts")
    if len(counts) > MAX_TABLES or not all(isinstance(t, str) and _TABLE.fullmatch(t) for t in counts):
        raise ManifestInvalid("its row counts name tables that are not table names")
    head = _object(body.get("audit_head"), "audit head")
    members_raw = _object(body.get("members"), "member list")
    members: dict[str, MemberInfo] = {}
    for name, info in members_raw.items():
        if name not in MEMBERS or name == MANIFEST:
            raise ManifestInvalid("it lists a member a backup does not hold")
        info = _object(info, f"entry for {name}")
        members[name] = MemberInfo(_count(info.get("size"), f"size of {name}"), _sha(info.get("sha256"), name))
    missing = [m for m in REQUIRED if m != MANIFEST and m not in members]
    if missing:
        raise ManifestInvalid(f"it does not list {', '.join(missing)}")
    return Manifest(
        app_version=app_version,
        schema_version=_count(body.get("schema_version"), "schema version"),
        created_at=_utc(body.get("created_at"), "time"),
        vault_id=vault_id,
        row_counts={t: _count(n, f"row count of {t}") for t, n in counts.items()},
        audit_seq=_count(head.get("seq"), "audit head"),
        audit_hash=_sha(head.get("sha256"), "audit head hash"),
        members=members,
        format_version=version,
    )


@dataclass(frozen=True)
class LastBackup:
    """The last backup written and verified from its drive, as the vault's settings record it.

    `audit_seq` and `audit_hash` are the audit head its snapshot holds (its manifest's); a record written
    before they were kept has None, and then the vault counts as changed since it."""

    verified_at: datetime  # UTC
    folder: str
    file_name: str
    size: int
    sha256: str
    audit_seq: int | None = None
    audit_hash: str | None = None

    def to_json(self) -> str:
        body: dict[str, Any] = {
            "time": _utc_text(self.verified_at),
            "folder": self.folder,
            "file_name": self.file_name,
            "size": self.size,
            "sha256": self.sha256,
        }
        if self.audit_seq is not None and self.audit_hash is not None:
            body["audit_head"] = {"seq": self.audit_seq, "sha256": self.audit_hash}
        return json.dumps(body, sort_keys=True)


# Audit events that change nothing a backup would bring back: opening and closing the vault, and reading it.
# Anything else (an event this list does not know included) counts as a change since the last backup.
UNCHANGING_EVENTS = frozenset(
    {
        "unlock",
        "lock",
        "chart read",
        "note read",
        "notes listed",
        "notes read for export",
        "psychotherapy note read",
        "psychotherapy notes read",
        "plan read",
        "plan history read",
        "plans due for review listed",
        "measure read",
        "measures read",
        "open measure flags listed",
        "ledger viewed",
        "search",
    }
)
SETTING_CHANGED = "setting changed"
# Settings whose change is the backups' own bookkeeping (the last verified backup, targets, the warning's
# days, automatic backups on or off): recording a backup must not make the vault "changed" again.
BOOKKEEPING_SETTINGS = "backup."


def is_change(event: str, entity_id: str | None) -> bool:
    """Whether an audit event (its name, and the setting's key for a setting changed) changes the vault."""
    if event == SETTING_CHANGED:
        return not (entity_id or "").startswith(BOOKKEEPING_SETTINGS)
    return event not in UNCHANGING_EVENTS


def parse_last_backup(text: str) -> LastBackup:
    """The record `LastBackup.to_json` wrote, or ManifestInvalid."""
    if len(text) > 64 * 1024:
        raise ManifestInvalid("the record is too long")
    try:
        body = json.loads(text)
    except (ValueError, RecursionError):
        raise ManifestInvalid("the record is not readable JSON") from None
    body = _object(body, "record")
    folder, name = body.get("folder"), body.get("file_name")
    if not isinstance(folder, str) or not isinstance(name, str):
        raise ManifestInvalid("the record names no file")
    seq: int | None = None
    head_hash: str | None = None
    head = body.get("audit_head")
    if head is not None:  # a record written before the audit head was kept has none
        head = _object(head, "audit head")
        seq, head_hash = _count(head.get("seq"), "audit head"), _sha(head.get("sha256"), "audit head hash")
    return LastBackup(
        _utc(body.get("time"), "time"),
        folder,
        name,
        _count(body.get("size"), "size"),
        _sha(body.get("sha256"), "hash"),
        seq,
        head_hash,
    )
