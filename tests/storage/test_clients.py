from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from therapy_desk.domain.clients import (
    CareContact,
    Client,
    ClientStatus,
    ContactRole,
    Release,
    Unit,
    UnitKind,
    UnitMember,
)
from therapy_desk.errors import ValidationError
from therapy_desk.storage.vault import Vault


def _client(vault: Vault, first: str = "Amara", last: str = "Okonkwo", **kw: object) -> Client:
    return vault.clients.create(Client(first, last, date(1988, 5, 17), **kw))  # type: ignore[arg-type]


def _events(vault: Vault) -> list[str]:
    return [e.event for e in vault.audit.recent(50)]


def test_new_client_gets_an_account_number_and_is_audited(vault: Vault) -> None:
    first = _client(vault)
    second = _client(vault, "Björn", "Ødegaard")
    assert first.account_number == "C000001"
    assert second.account_number == "C000002"
    assert vault.clients.get(second.id or 0).legal_last == "Ødegaard"
    assert _events(vault).count("client created") == 2


def test_client_with_a_taken_account_number_is_refused(vault: Vault) -> None:
    _client(vault, account_number="A-17")
    with pytest.raises(ValidationError, match="already used") as err:
        _client(vault, "Li", "Wei", account_number="A-17")
    assert err.value.field == "account_number"
    assert vault.clients.count() == 1


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"legal_first": " "}, "legal_first", "required"),
        ({"dob": date.today() + timedelta(days=1)}, "dob", "future"),
        ({"zip": "123"}, "zip", "ZIP"),
        ({"phone": "12"}, "phone", "10 digits"),
        ({"email": "nobody"}, "email", r"name@example\.com"),
        ({"intake_date": date(2020, 1, 10), "discharge_date": date(2020, 1, 1)}, "discharge_date", "before"),
    ],
)
def test_invalid_client_fields_are_refused_by_name(
    vault: Vault, change: dict[str, object], field: str, message: str
) -> None:
    with pytest.raises(ValidationError, match=message) as err:
        vault.clients.create(replace(Client("Amara", "Okonkwo", date(1988, 5, 17)), **change))  # type: ignore[arg-type]
    assert err.value.field == field
    assert vault.clients.count() == 0


def test_discharging_records_the_date_and_reactivating_clears_it(vault: Vault) -> None:
    client = _client(vault, intake_date=date(2025, 1, 6), status=ClientStatus.ACTIVE)
    discharged = vault.clients.set_status(client.id or 0, ClientStatus.DISCHARGED, on=date(2026, 3, 2))
    assert discharged.discharge_date == date(2026, 3, 2)
    again = vault.clients.set_status(client.id or 0, ClientStatus.ACTIVE)
    assert again.discharge_date is None
    assert again.intake_date == date(2025, 1, 6)


def test_a_couple_needs_two_members_and_one_identified_client(vault: Vault) -> None:
    a, b = _client(vault), _client(vault, "Jonas", "Weiß")
    with pytest.raises(ValidationError, match="at least 2"):
        vault.clients.create_unit(Unit(UnitKind.COUPLE, "Okonkwo–Weiß", (UnitMember(a.id or 0, identified=True),)))
    with pytest.raises(ValidationError, match="exactly one"):
        vault.clients.create_unit(Unit(UnitKind.COUPLE, "Okonkwo–Weiß", (UnitMember(a.id or 0), UnitMember(b.id or 0))))
    unit = vault.clients.create_unit(
        Unit(
            UnitKind.COUPLE, "Okonkwo–Weiß", (UnitMember(a.id or 0, "partner"), UnitMember(b.id or 0, "partner", True))
        )
    )
    assert vault.clients.unit(unit.id or 0).identified_client_id == b.id
    assert [u.id for u in vault.clients.units_for(a.id or 0)] == [unit.id]


def test_a_group_may_have_many_members_and_none_identified(vault: Vault) -> None:
    members = tuple(UnitMember(_client(vault, f"Member{i}", "Group").id or 0, "member") for i in range(6))
    group = vault.clients.create_unit(Unit(UnitKind.GROUP, "Tuesday DBT skills", members))
    assert len(vault.clients.unit(group.id or 0).members) == 6


def test_unit_with_an_unknown_client_writes_nothing(vault: Vault) -> None:
    a = _client(vault)
    with pytest.raises(ValidationError, match="no client"):
        vault.clients.create_unit(Unit(UnitKind.COUPLE, "X", (UnitMember(a.id or 0, identified=True), UnitMember(999))))
    assert vault.clients.units_for(a.id or 0) == []


def test_care_contacts_are_validated_and_listed(vault: Vault) -> None:
    client = _client(vault)
    contact = vault.clients.save_contact(
        CareContact(client.id or 0, ContactRole.PSYCHIATRIST, "Dr. Priya Raman", phone="212-555-0199")
    )
    assert contact.phone == "(212) 555-0199"
    vault.clients.save_contact(replace(contact, organization="Hudson Psychiatry"))
    assert [c.organization for c in vault.clients.contacts(client.id or 0)] == ["Hudson Psychiatry"]
    with pytest.raises(ValidationError) as err:
        vault.clients.save_contact(CareContact(client.id or 0, ContactRole.PCP, "Dr. Lee", fax="1"))
    assert err.value.field == "fax"


def test_releases_expire_and_can_be_revoked(vault: Vault) -> None:
    client = _client(vault)
    release = vault.clients.add_release(
        Release(
            client.id or 0,
            "Dr. Priya Raman",
            "diagnosis, treatment dates, medication coordination",
            "coordination of care",
            signed_on=date(2026, 1, 5),
            expires_on=date(2026, 12, 15),
        )
    )
    assert release.is_active(date(2026, 11, 28))
    assert [r.id for r in vault.clients.expiring_releases(date(2026, 11, 28), within_days=30)] == [release.id]
    revoked = vault.clients.revoke_release(release.id or 0, date(2026, 11, 28))
    assert not revoked.is_active(date(2026, 11, 28))
    assert vault.clients.expiring_releases(date(2026, 11, 28), within_days=30) == []
    assert vault.clients.releases(client.id or 0)[0].revoked_on == date(2026, 11, 28)


def test_release_expiring_before_it_was_signed_is_refused(vault: Vault) -> None:
    client = _client(vault)
    with pytest.raises(ValidationError) as err:
        vault.clients.add_release(
            Release(client.id or 0, "School", "attendance", "IEP", date(2026, 5, 1), date(2026, 4, 1))
        )
    assert err.value.field == "expires_on"


def test_diagnoses_are_ranked_with_the_principal_first(vault: Vault) -> None:
    client = _client(vault)
    gad = vault.clients.add_diagnosis(client.id or 0, "F41.1")
    mdd = vault.clients.add_diagnosis(client.id or 0, "f321", rank=1)
    assert mdd.code == "F32.1"
    assert mdd.description.startswith("Major depressive disorder")
    assert [d.code for d in vault.clients.diagnoses(client.id or 0)] == ["F32.1", "F41.1"]
    assert vault.clients.principal_diagnoses([client.id or 0])[client.id or 0].code == "F32.1"
    vault.clients.resolve_diagnosis(mdd.id or 0, date(2026, 6, 1))
    assert [(d.code, d.rank) for d in vault.clients.diagnoses(client.id or 0)] == [("F41.1", 1)]
    assert gad.id in [d.id for d in vault.clients.diagnoses(client.id or 0, include_resolved=True)]


def test_unknown_and_non_billable_codes_are_refused_for_claims(vault: Vault) -> None:
    client = _client(vault)
    with pytest.raises(ValidationError, match="not an ICD-10-CM code"):
        vault.clients.add_diagnosis(client.id or 0, "F99.99")
    with pytest.raises(ValidationError, match="not a billable code"):
        vault.clients.add_diagnosis(client.id or 0, "F43.1")
    category = vault.clients.add_diagnosis(client.id or 0, "F43.1", for_claims=False)
    assert not category.for_claims
    with pytest.raises(ValidationError, match="already"):
        vault.clients.add_diagnosis(client.id or 0, "F43.1", for_claims=False)
