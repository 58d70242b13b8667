"""`vault.documents`: the list of documents issued and the Good Faith Estimates kept."""

from __future__ import annotations

from datetime import date

import pytest

from therapy_desk.domain.clients import Client
from therapy_desk.errors import ValidationError
from therapy_desk.storage.documents import DocumentKind, EstimateLine
from therapy_desk.storage.vault import Vault

SHA = "ab" * 32


def _client(vault: Vault) -> int:
    client = vault.clients.create(Client("Ana", "Lopez", date(1990, 1, 2)))
    assert client.id is not None
    return client.id


def test_an_issued_document_is_listed_for_its_client_and_audited(vault: Vault) -> None:
    client_id = _client(vault)
    vault.documents.record_issued(
        client_id, DocumentKind.SUPERBILL, "superbill-2025-03.pdf", SHA.upper(), recipient="Ana Lopez", pages=2,
        period_from=date(2025, 3, 1), period_to=date(2025, 3, 31), details={"sessions": 4},
    )  # fmt: skip
    vault.documents.record_issued(None, DocumentKind.OTHER, "aging.pdf", SHA)
    listed = vault.documents.issued(client_id)
    assert [(d.file_name, d.sha256, d.pages, d.details) for d in listed] == [
        ("superbill-2025-03.pdf", SHA, 2, {"sessions": 4})
    ]
    assert [d.file_name for d in vault.documents.issued(None)] == ["aging.pdf"]
    events = [r[0] for r in vault.db.execute("SELECT event FROM audit_log WHERE entity = 'document'")]
    assert events == ["document issued", "document issued"]
    with pytest.raises(Exception, match="never edited"):
        vault.db.execute("UPDATE documents_issued SET recipient = 'x'")


def test_a_document_with_a_bad_hash_or_name_is_refused_with_a_sentence(vault: Vault) -> None:
    client_id = _client(vault)
    with pytest.raises(ValidationError, match="64 hexadecimal digits"):
        vault.documents.record_issued(client_id, DocumentKind.STATEMENT, "s.pdf", "abc")
    with pytest.raises(ValidationError, match="file name"):
        vault.documents.record_issued(client_id, DocumentKind.STATEMENT, " ", SHA)
    with pytest.raises(ValidationError, match="4 KB"):
        vault.documents.record_issued(client_id, DocumentKind.STATEMENT, "s.pdf", SHA, details={"x": "y" * 5000})
    assert vault.documents.issued(client_id) == []


def test_an_estimate_is_kept_and_warns_when_charges_run_400_dollars_above_it(vault: Vault) -> None:
    client_id = _client(vault)
    vault.practice.set_setting("billing.charge_needs_signed_note", "0")
    lines = [EstimateLine("90834", "Psychotherapy, 45 min", 4, 15_000, ("F41.1",))]
    estimate = vault.documents.add_estimate(client_id, date(2025, 3, 1), date(2025, 8, 31), lines)
    assert estimate.total_cents == 60_000
    assert vault.documents.estimates(client_id) == [estimate]
    assert vault.documents.estimate_exceeded(client_id) is None
    for day in range(1, 8):  # 7 sessions at $150: $1,050, $450 above the estimate
        vault.billing.add_charge(client_id, date(2025, 3, day * 3), "90834", fee_cents=15_000,
                                 billable_to_insurance=False, today=date(2025, 4, 1))  # fmt: skip
    assert vault.documents.estimate_exceeded(client_id) == 45_000
    written = vault.documents.set_estimate_document(estimate.id, SHA)
    assert written.sha256 == SHA
    with pytest.raises(ValidationError, match="already recorded"):
        vault.documents.set_estimate_document(estimate.id, SHA)
    with pytest.raises(ValidationError, match="at most 12 months"):
        vault.documents.add_estimate(client_id, date(2025, 1, 1), date(2026, 1, 1), lines)


def test_an_estimate_covers_at_most_12_months_even_from_february_29(vault: Vault) -> None:
    client = vault.clients.create(Client("Leap", "Day", date(1990, 1, 1)))
    assert client.id is not None
    line = [EstimateLine("90834", "Psychotherapy", 12, 14_000)]
    kept = vault.documents.add_estimate(client.id, date(2028, 2, 29), date(2029, 2, 28), line)
    assert kept.id is not None
    with pytest.raises(ValidationError, match="at most 12 months"):
        vault.documents.add_estimate(client.id, date(2028, 2, 29), date(2029, 3, 1), line)
