"""Coverage's plan name, the subscriber's address and phone, and coinsurance (issue 13): stored, read back,
refused with a sentence under the field, and kept blank when the client is the subscriber."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from therapy_desk.domain.billing import Coverage, Payer, Relationship
from therapy_desk.domain.clients import AdministrativeSex, Client
from therapy_desk.errors import ValidationError
from therapy_desk.storage import db
from therapy_desk.storage.vault import Vault

TODAY = date(2025, 3, 14)


def _client_and_payer(vault: Vault) -> tuple[int, int]:
    client = vault.clients.create(Client("Ana", "Lopez", date(1990, 1, 2), sex=AdministrativeSex.FEMALE))
    payer = vault.billing.add_payer(Payer("Blue Plan"))
    assert client.id is not None
    assert payer.id is not None
    return client.id, payer.id


def _spouse_policy(client_id: int, payer_id: int) -> Coverage:
    return Coverage(
        client_id,
        payer_id,
        "M1",
        date(2025, 1, 1),
        relationship=Relationship.SPOUSE,
        subscriber_first="Marco",
        subscriber_last="Lopez",
        subscriber_dob=date(1988, 4, 5),
        plan_name="  Gold   PPO ",
        subscriber_street="12 Alder St, Apt 3",
        subscriber_city="Portland",
        subscriber_state="or",
        subscriber_zip="972091234",
        subscriber_phone="503 555 0142",
        copay_cents=2_500,
        coinsurance_percent=20,
    )


def test_a_spouse_subscribers_address_phone_plan_and_coinsurance_are_kept(vault: Vault) -> None:
    client_id, payer_id = _client_and_payer(vault)
    added = vault.billing.add_coverage(_spouse_policy(client_id, payer_id), today=TODAY)
    read = vault.billing.coverage(added.id or 0)
    assert read == added
    assert read.plan_name == "Gold PPO"
    assert (read.subscriber_street, read.subscriber_city, read.subscriber_state, read.subscriber_zip) == (
        "12 Alder St, Apt 3",
        "Portland",
        "OR",
        "97209-1234",
    )
    assert read.subscriber_phone == "(503) 555-0142"
    assert read.coinsurance_percent == 20

    updated = vault.billing.update_coverage(
        replace(read, plan_name="Silver HMO", subscriber_city="Salem", coinsurance_percent=None), today=TODAY
    )
    again = vault.billing.coverage(added.id or 0)
    assert again == updated
    assert (again.plan_name, again.subscriber_city, again.coinsurance_percent) == ("Silver HMO", "Salem", None)


def test_a_self_policy_keeps_its_plan_name_and_coinsurance(vault: Vault) -> None:
    client_id, payer_id = _client_and_payer(vault)
    added = vault.billing.add_coverage(
        Coverage(client_id, payer_id, "M1", date(2025, 1, 1), plan_name="Bronze", coinsurance_percent=0),
        today=TODAY,
    )
    read = vault.billing.coverage(added.id or 0)
    assert (read.plan_name, read.coinsurance_percent) == ("Bronze", 0)
    assert read.subscriber_contact() == ("", "", "", "", "")


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"subscriber_zip": "9720"}, "subscriber_zip", "ZIP code is 5 digits"),
        ({"subscriber_state": "Oregon"}, "subscriber_state", "not a US state code"),
        ({"subscriber_phone": "555-0142"}, "subscriber_phone", "10 digits"),
        ({"plan_name": "P" * 81}, "plan_name", "plan name is longer than 80"),
        ({"subscriber_city": "C" * 81}, "subscriber_city", "city is longer than 80"),
        ({"coinsurance_percent": 101}, "coinsurance_percent", "percentage from 0 to 100"),
        ({"coinsurance_percent": -1}, "coinsurance_percent", "percentage from 0 to 100"),
    ],
)
def test_a_bad_field_is_refused_under_its_name_and_nothing_is_written(
    vault: Vault, change: dict[str, object], field: str, words: str
) -> None:
    client_id, payer_id = _client_and_payer(vault)
    with pytest.raises(ValidationError, match=words) as err:
        vault.billing.add_coverage(replace(_spouse_policy(client_id, payer_id), **change), today=TODAY)  # type: ignore[arg-type]
    assert err.value.field == field
    assert vault.billing.coverages(client_id) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [("subscriber_street", "1 Main St"), ("subscriber_zip", "97209"), ("subscriber_phone", "(503) 555-0142")],
)
def test_a_self_policy_with_a_subscriber_address_is_refused(vault: Vault, field: str, value: str) -> None:
    """The client is the subscriber: their own address and phone are used, so another is refused (not
    silently dropped), as a subscriber name other than the client's is."""
    client_id, payer_id = _client_and_payer(vault)
    policy = replace(Coverage(client_id, payer_id, "M1", date(2025, 1, 1)), **{field: value})  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="the subscriber is the client") as err:
        vault.billing.add_coverage(policy, today=TODAY)
    assert err.value.field == "relationship"
    assert vault.billing.coverages(client_id) == []


def test_the_table_refuses_an_address_on_a_self_policy_and_a_malformed_zip(vault: Vault) -> None:
    client_id, payer_id = _client_and_payer(vault)
    added = vault.billing.add_coverage(Coverage(client_id, payer_id, "M1", date(2025, 1, 1)), today=TODAY)
    for column, value in (("subscriber_street", "1 Main St"), ("coinsurance_percent", 150)):
        with pytest.raises(db.DatabaseError, match="CHECK constraint"):
            vault.db.conn.execute(f"UPDATE coverages SET {column} = ? WHERE id = ?", (value, added.id))  # noqa: S608
    vault.db.conn.execute("UPDATE coverages SET relationship = 'other' WHERE id = ?", (added.id,))
    with pytest.raises(db.DatabaseError, match="CHECK constraint"):
        vault.db.conn.execute("UPDATE coverages SET subscriber_zip = '9720' WHERE id = ?", (added.id,))
