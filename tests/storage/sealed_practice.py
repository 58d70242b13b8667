"""A small practice holding one of every sealed or append-only record, and a raw way in to tamper with it.

The practice is the 12-client demo (imported signed notes and plans, measures, charges with their
diagnosis pointers, payments, allocations) plus what the demo does not make: a note signed in the
app, an addendum, a plan draft, and a charge paid in part. `raw_connection` opens its database the
way someone holding the data key would with a sqlcipher shell: no settings changed, so
`recursive_triggers` stays off.
"""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path

import pytest
import sqlcipher3.dbapi2 as sqlcipher

from tests.conftest import CHEAP_KDF, PASSPHRASE, at_day_end
from tests.storage.tampering import raw_connection  # noqa: F401  (re-exported for the seal tests)
from therapy_desk.demo.builder import build_demo
from therapy_desk.domain.notes import Note, NoteFormat, NoteKind, content_hash, sections
from therapy_desk.storage.notes_rows import COLUMNS, note_from_row
from therapy_desk.storage.vault import Vault

TODAY = date(2025, 6, 2)
SIGNER = "Maya Okafor, LCSW"


@dataclass(frozen=True)
class Practice:
    folder: Path
    signed_note: int  # signed in the app ("note signed" event)
    imported_note: int  # signed by the demo's import (bound by the import's digest)
    draft_note: int
    addendum: int
    signed_plan: int
    draft_plan: int


def build(folder: Path) -> Practice:
    """Make the practice in `folder` (new) and close it."""
    vault, _ = Vault.create(folder, PASSPHRASE, kdf=CHEAP_KDF)
    with vault:
        build_demo(vault, clients=20, years=1, seed=1, today=TODAY)  # enough signed notes to check (> 300)
        client_id = next(c for c in vault.caseload.ids() if vault.plans.active(c) is not None)  # one in treatment
        texts = {"Data": "Reviewed the week.", "Assessment": "Stable.", "Plan": "Meet again next week."}
        note = vault.notes.save_draft(
            Note(
                client_id=client_id,
                kind=NoteKind.PROGRESS,
                format=NoteFormat.DAP,
                date_of_service=date(2025, 5, 30),
                start_time=time(10, 0),
                end_time=time(10, 50),
                sections=sections(NoteFormat.DAP, texts),
            )
        )
        assert note.id is not None
        signed = vault.notes.sign(note.id, SIGNER, now=at_day_end(date(2025, 5, 30)))
        addendum = vault.notes.add_addendum(note.id, "Client called to confirm the next session.", SIGNER)
        draft = vault.notes.save_draft(Note(client_id=client_id, date_of_service=date(2025, 6, 1)))
        imported = vault.db.execute(
            "SELECT min(id) FROM notes WHERE status = 'signed' AND id <> ?", (signed.id,)
        ).fetchone()[0]
        active = vault.plans.active(client_id)
        assert active is not None
        assert active.id is not None
        plan_draft = vault.plans.revise(active.id, effective_date=TODAY)
        # A charge paid in part: an allocation whose charge and payment have room to spare.
        allocation, payment_id, charge_id = vault.db.execute(
            "SELECT id, payment_id, charge_id FROM allocations WHERE released_at IS NULL AND amount_cents > 200 "
            "ORDER BY id LIMIT 1"
        ).fetchone()
        vault.billing.release_allocation(allocation)
        vault.billing.allocate(payment_id, charge_id, 100)
    assert draft.id is not None
    assert addendum.id is not None
    assert plan_draft.id is not None
    return Practice(folder, note.id, int(imported), draft.id, addendum.id, active.id, plan_draft.id)


_templates: dict[str, Practice] = {}


def copy(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Practice:
    """A closed copy of the practice for one test (the practice itself is built once per test run)."""
    if "practice" not in _templates:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("THERAPY_DESK_HOME", str(tmp_path_factory.mktemp("practice-home")))
            _templates["practice"] = build(tmp_path_factory.mktemp("practice") / "vault")
    template = _templates["practice"]
    folder = tmp_path / "practice"
    shutil.copytree(template.folder, folder)
    return dataclasses.replace(template, folder=folder)


@contextlib.contextmanager
def triggers_lifted(conn: sqlcipher.Connection) -> Iterator[None]:
    """Drop every trigger for the block and put each back as it was: what a careful attacker holding the
    key does, so that only the seals can tell."""
    triggers = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
    for name, _sql in triggers:
        conn.execute(f'DROP TRIGGER "{name}"')
    try:
        yield
    finally:
        for _name, sql in triggers:
            conn.execute(sql)


def reseal_note(conn: sqlcipher.Connection, note_id: int) -> None:
    """Give a tampered note the seal of its new content (the domain's own hash)."""
    row = conn.execute(f"SELECT {COLUMNS} FROM notes WHERE id = ?", (note_id,)).fetchone()  # noqa: S608
    conn.execute("UPDATE notes SET content_hash = ? WHERE id = ?", (content_hash(note_from_row(row)), note_id))
