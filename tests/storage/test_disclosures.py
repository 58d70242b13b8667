"""The disclosures log: what left the practice, to whom and why, kept for the client's accounting."""

from __future__ import annotations

from datetime import date

import pytest

from therapy_desk.domain.clients import Client, Release
from therapy_desk.domain.disclosures import Disclosure, DisclosureBasis, accounting_window
from therapy_desk.errors import ValidationError
from therapy_desk.storage import db
from therapy_desk.storage.vault import Vault

TODAY = date(2026, 12, 3)


def client(vault: Vault, first: str = "Dana") -> int:
    made = vault.clients.create(Client(first, "Reyes", date(1990, 4, 2)), today=TODAY)
    assert made.id is not None
    return made.id


def subpoena(cid: int, **changes: object) -> Disclosure:
    values: dict[str, object] = {
        "client_id": cid,
        "disclosed_on": date(2026, 11, 20),
        "recipient": "Clerk of the Court, County of Kings",
        "basis": DisclosureBasis.COURT,
        "purpose": "Subpoena duces tecum, index 1234/2026",
        "what": "Chart copy, 2026-01-01 to 2026-06-30: diagnoses, signed notes",
    }
    values.update(changes)
    return Disclosure(**values)  # type: ignore[arg-type]


def test_a_disclosure_is_logged_and_read_back_with_the_audit_naming_no_recipient(vault: Vault) -> None:
    cid = client(vault)
    logged = vault.disclosures.record(subpoena(cid, recipient="  Clerk of the Court,\n County of Kings "), today=TODAY)
    assert logged.recipient == "Clerk of the Court, County of Kings"
    assert vault.disclosures.for_client(cid) == [logged]
    event = vault.audit.named("disclosure logged")[0]
    assert event.detail == {"client_id": cid, "basis": "court"}
    assert "Clerk" not in repr(event)


def test_the_accounting_period_filters_by_date(vault: Vault) -> None:
    cid = client(vault)
    old = vault.disclosures.record(subpoena(cid, disclosed_on=date(2019, 1, 5)), today=TODAY)
    new = vault.disclosures.record(subpoena(cid), today=TODAY)
    since, until = accounting_window(TODAY)
    assert since == date(2020, 12, 3)
    assert until == TODAY
    assert vault.disclosures.for_client(cid, since=since, until=until) == [new]
    assert vault.disclosures.for_client(cid) == [old, new]
    assert accounting_window(date(2028, 2, 29))[0] == date(2022, 2, 28)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"recipient": "  "}, "recipient"),
        ({"purpose": ""}, "purpose"),
        ({"what": "x" * 501}, "what"),
        ({"disclosed_on": date(2026, 12, 4)}, "disclosed_on"),
        ({"basis": DisclosureBasis.AUTHORIZATION}, "release_id"),
        ({"psychotherapy_notes": True}, "release_id"),
        ({"client_id": 999}, "client_id"),
    ],
)
def test_what_cannot_be_logged_is_refused_with_a_sentence(vault: Vault, changes: dict[str, object], field: str) -> None:
    cid = client(vault)
    with pytest.raises(ValidationError) as refused:
        vault.disclosures.record(subpoena(cid, **changes), today=TODAY)
    assert refused.value.field == field
    assert str(refused.value).endswith(".")
    assert vault.disclosures.for_client(cid) == []


def test_psychotherapy_notes_need_a_release_of_this_client_that_names_them(vault: Vault) -> None:
    cid, other = client(vault), client(vault, "Sam")
    plain = vault.clients.add_release(Release(cid, "Dr. Lee", "chart", "care", date(2026, 1, 5)))
    theirs = vault.clients.add_release(
        Release(other, "Dr. Lee", "chart", "care", date(2026, 1, 5), covers_psychotherapy_notes=True)
    )
    named = vault.clients.add_release(
        Release(
            cid, "Dr. Lee", "chart and psychotherapy notes", "care", date(2026, 1, 5), covers_psychotherapy_notes=True
        )
    )
    authorized = {"basis": DisclosureBasis.AUTHORIZATION, "psychotherapy_notes": True}
    for release, why in ((plain, "does not cover psychotherapy notes"), (theirs, "not this client's")):
        with pytest.raises(ValidationError, match=why):
            vault.disclosures.record(subpoena(cid, release_id=release.id, **authorized), today=TODAY)
    logged = vault.disclosures.record(subpoena(cid, release_id=named.id, **authorized), today=TODAY)
    assert logged.psychotherapy_notes
    assert logged.release_id == named.id


def test_a_logged_disclosure_is_never_edited_nor_deleted(vault: Vault) -> None:
    logged = vault.disclosures.record(subpoena(client(vault)), today=TODAY)
    for sql in ("UPDATE disclosures SET recipient = 'someone else'", "DELETE FROM disclosures"):
        with pytest.raises(db.DatabaseError, match="never"):
            vault.db.execute(sql)
    assert vault.disclosures.get(logged.id or 0) == logged


def test_which_bases_the_accounting_must_list() -> None:
    exempt = {b for b in DisclosureBasis if not b.accountable}
    assert exempt == {DisclosureBasis.CLIENT, DisclosureBasis.AUTHORIZATION, DisclosureBasis.TREATMENT_PAYMENT}
    assert all(b.label for b in DisclosureBasis)
