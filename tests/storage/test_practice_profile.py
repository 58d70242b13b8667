from __future__ import annotations

import pytest

from tests.conftest import PASSPHRASE
from therapy_desk.domain.practice import PracticeProfile
from therapy_desk.errors import ValidationError
from therapy_desk.storage.vault import Vault

GOOD = PracticeProfile(
    name="Maya Okafor",
    credentials="LCSW",
    license_number="LCSW-104233",
    license_state="ny",
    npi="1234567893",
    taxonomy="1041c0700x",
    tax_id="123456789",
    tax_id_kind="EIN",
    street="210 Hudson St, Suite 4",
    city="New York",
    state="NY",
    zip="10013-1234",
    phone="212 555 0148",
    email="maya@example.org",
)


def test_practice_profile_is_saved_normalised_and_survives_relock(vault: Vault) -> None:
    stored = vault.practice.save_profile(GOOD)
    assert stored.license_state == "NY"
    assert stored.tax_id == "12-3456789"
    assert stored.phone == "(212) 555-0148"
    folder = vault.folder
    vault.close()
    with Vault.open(folder, PASSPHRASE) as reopened:
        assert reopened.practice.profile() == stored
        assert reopened.practice.profile().masked_tax_id == "•••••6789"
        assert "practice profile updated" in [e.event for e in reopened.audit.recent(5)]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"npi": "1234567890"}, "npi"),
        ({"zip": "1001"}, "zip"),
        ({"license_state": "Q"}, "license_state"),
        ({"street": "PO Box 12"}, "street"),
        ({"name": "  "}, "name"),
        ({"taxonomy": "12345"}, "taxonomy"),
    ],
)
def test_invalid_profile_is_refused_naming_the_field_and_nothing_is_written(
    vault: Vault, change: dict[str, str], field: str
) -> None:
    from dataclasses import replace

    before = vault.practice.profile()
    with pytest.raises(ValidationError) as err:
        vault.practice.save_profile(replace(GOOD, **change))
    assert err.value.field == field
    assert vault.practice.profile() == before


def test_settings_round_trip(vault: Vault) -> None:
    assert vault.practice.setting("auto_lock_minutes", "10") == "10"
    vault.practice.set_setting("auto_lock_minutes", "15")
    assert vault.practice.setting("auto_lock_minutes") == "15"
