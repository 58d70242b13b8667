"""Signed notes keep their seals across the exam's and risk assessment's new fields: a vault's notes signed
before they existed still check clean, and a note signed with them seals them."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from tests.conftest import at_day_end
from tests.domain.test_assessment import FULL_RISK
from tests.storage.test_migrations import _copy_fixture, _passphrase
from tests.storage.test_notes import SIGNER, draft
from tests.storage.test_presign import DOS, new_client
from therapy_desk.domain.assessment import Attention, Memory, MentalStatusExam
from therapy_desk.domain.notes import content_hash
from therapy_desk.storage.vault import Vault


def test_notes_signed_before_the_new_fields_still_check_clean(tmp_path: Path) -> None:
    folder = _copy_fixture(10, tmp_path)
    with Vault.open(folder, _passphrase(10)) as vault:
        signed = [
            vault.notes.get(row[0])
            for row in vault.db.execute("SELECT id FROM notes WHERE status = 'signed' AND risk IS NOT NULL")
        ]
        assert signed, "the v10 fixture has signed notes with a risk assessment"
        assert all(note.seal_intact for note in signed)
        assert vault.check().clean


def test_a_note_signed_with_the_new_fields_seals_them(vault: Vault) -> None:
    client_id = new_client(vault)
    exam = MentalStatusExam(memory=(Memory.IMPAIRED_RECENT,), attention=Attention.DISTRACTIBLE)
    saved = vault.notes.save_draft(draft(client_id, risk=FULL_RISK, mental_status=exam))
    assert saved.id is not None
    signed = vault.notes.sign(saved.id, SIGNER, now=at_day_end(DOS))
    assert signed.risk == FULL_RISK.validated()
    assert signed.mental_status == exam.validated()
    assert vault.check().clean
    assert signed.risk is not None
    unplanned = dataclasses.replace(signed, risk=dataclasses.replace(signed.risk, safety_plan=None))
    assert content_hash(unplanned) != signed.content_hash
    assert not unplanned.seal_intact
