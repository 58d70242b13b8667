"""Monthly batches: a document for every client with activity in the period, the incomplete ones skipped
with their lists, and a cancel (or a failure) at the third client leaving no partial file."""

from __future__ import annotations

import hashlib
import os
from datetime import date
from pathlib import Path

import pytest

from tests.documents.practice import MARCH, SESSIONS, TODAY, Practice, build, client, sign_session
from therapy_desk.documents import clients_with_activity, issue_batch
from therapy_desk.domain.billing import Coverage, Payment, PaymentMethod
from therapy_desk.errors import UserError
from therapy_desk.storage.documents import DocumentKind
from therapy_desk.storage.vault import Vault


class Cancel(Exception):
    pass


@pytest.fixture
def out(tmp_path: Path) -> Path:
    folder = tmp_path / "March"
    folder.mkdir()
    return folder


@pytest.fixture
def practice(vault: Vault) -> tuple[Practice, list[int]]:
    """The insured client, and four more with a session in March (two on 03/03, two on 03/10)."""
    made = build(vault)
    others = []
    for number, name in enumerate(("Cole", "Diaz", "Eze", "Fox")):
        client_id = client(vault, "Kim", name)
        vault.clients.add_diagnosis(client_id, "F41.1", today=TODAY)
        payer = vault.billing.payers()[0].id
        assert payer is not None
        vault.billing.add_coverage(Coverage(client_id, payer, f"M{number}", date(2025, 1, 1)), today=TODAY)
        sign_session(vault, client_id, SESSIONS[number % 2])
        others.append(client_id)
    return made, others


def test_clients_with_activity_are_those_charged_or_paying_in_the_period(
    vault: Vault, practice: tuple[Practice, list[int]]
) -> None:
    made, others = practice
    assert clients_with_activity(vault, *MARCH) == sorted([made.insured, *others])
    assert clients_with_activity(vault, date(2025, 4, 1), date(2025, 4, 30)) == []
    vault.billing.record_payment(Payment(made.self_pay, date(2025, 4, 2), 5_000, PaymentMethod.CASH), [],
                                 today=date(2025, 4, 2))  # fmt: skip
    assert clients_with_activity(vault, date(2025, 4, 1), date(2025, 4, 30)) == [made.self_pay]


def test_a_monthly_batch_writes_one_superbill_each_and_skips_the_incomplete(
    vault: Vault, practice: tuple[Practice, list[int]], out: Path
) -> None:
    made, others = practice
    vault.billing.record_payment(Payment(made.self_pay, SESSIONS[0], 5_000, PaymentMethod.CASH), [], today=TODAY)
    seen: list[tuple[int, int]] = []

    result = issue_batch(vault, DocumentKind.SUPERBILL, out, date_from=MARCH[0], date_to=MARCH[1], today=TODAY,
                         progress=lambda done, total: seen.append((done, total)))  # fmt: skip

    assert not result.cancelled
    assert [d.client_id for d in result.issued] == sorted([made.insured, *others])
    assert [(s.client_id, [m.what for m in s.missing]) for s in result.skipped] == [
        (made.self_pay, ["Member ID", "Diagnosis code (ICD-10-CM)", "A session with a charge in the period"])
    ]
    assert seen == [(n, 6) for n in range(7)]
    assert sorted(p.name for p in out.iterdir()) == sorted(d.file_name for d in result.issued)
    for issued in result.issued:
        assert hashlib.sha256((out / issued.file_name).read_bytes()).hexdigest() == issued.sha256
        assert vault.documents.issued(issued.client_id) == [issued]


def test_a_cancel_at_the_third_client_keeps_the_first_two_and_leaves_no_partial_file(
    vault: Vault, practice: tuple[Practice, list[int]], out: Path
) -> None:
    def progress(done: int, total: int) -> None:
        if done == 2:
            raise Cancel

    result = issue_batch(vault, DocumentKind.STATEMENT, out, date_from=MARCH[0], date_to=MARCH[1], today=TODAY,
                         progress=progress)  # fmt: skip

    assert result.cancelled
    assert len(result.issued) == 2
    assert result.total == 5
    assert sorted(p.name for p in out.iterdir()) == sorted(d.file_name for d in result.issued)
    listed = [d for cid in clients_with_activity(vault, *MARCH) for d in vault.documents.issued(cid)]
    assert sorted(d.id for d in listed) == sorted(d.id for d in result.issued)


def test_a_write_failing_at_the_third_client_stops_with_a_sentence_and_no_partial_file(
    vault: Vault, practice: tuple[Practice, list[int]], out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_fsync = os.fsync
    calls = {"files": 0}

    def fsync(fd: int) -> None:
        if os.path.isfile(f"/proc/self/fd/{fd}") and ".partial" in os.readlink(f"/proc/self/fd/{fd}"):
            calls["files"] += 1
            if calls["files"] == 3:
                raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)

    with pytest.raises(UserError, match="full"):
        issue_batch(vault, DocumentKind.SUPERBILL, out, date_from=MARCH[0], date_to=MARCH[1], today=TODAY)

    monkeypatch.undo()
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 2
    assert all(n.startswith("Superbill 2025-03 C") and n.endswith(".pdf") for n in names)
    listed = [d.file_name for cid in clients_with_activity(vault, *MARCH) for d in vault.documents.issued(cid)]
    assert sorted(listed) == names


def test_a_batch_of_estimates_is_refused(vault: Vault, out: Path) -> None:
    with pytest.raises(UserError, match="superbills or statements"):
        issue_batch(vault, DocumentKind.ESTIMATE, out, date_from=MARCH[0], date_to=MARCH[1], today=TODAY)
