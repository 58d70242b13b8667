"""`therapy-desk ledger` and `therapy-desk aging`: money as $1,234.56, JSON in cents."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.conftest import PASSPHRASE
from tests.test_cli import therapy_desk
from therapy_desk import cli
from therapy_desk.domain.billing import Payment, PaymentMethod
from therapy_desk.domain.clients import Client
from therapy_desk.domain.ledger import WriteOffReason
from therapy_desk.storage.billing import CHARGE_NEEDS_SIGNED_NOTE
from therapy_desk.storage.vault import Vault


@pytest.fixture
def with_ledger(created: tuple[Path, str]) -> tuple[Path, int]:
    folder, _code = created
    today = date.today()
    with Vault.open(folder, PASSPHRASE) as vault:
        vault.practice.set_setting(CHARGE_NEEDS_SIGNED_NOTE, "0")
        client = vault.clients.create(Client("Ana", "Lopez", date(1990, 1, 2)))
        assert client.id is not None
        charge = vault.billing.add_charge(client.id, today - timedelta(days=40), "90834", fee_cents=140_000,
                                          billable_to_insurance=False, today=today)  # fmt: skip
        vault.billing.record_payment(Payment(client.id, today, 2_500, PaymentMethod.CARD), [(charge.id, 2_500)])
        vault.billing.write_off(charge.id, 1_000, WriteOffReason.COURTESY, today=today)
    return folder, client.id


def test_ledger_prints_rows_with_dollars_and_the_balance(
    capsys: pytest.CaptureFixture[str], with_ledger: tuple[Path, int]
) -> None:
    folder, client_id = with_ledger
    run = therapy_desk(capsys, "ledger", "--client", str(client_id), "--vault", str(folder), "--passphrase-stdin",
                       stdin=PASSPHRASE + "\n")  # fmt: skip
    assert run.code == cli.EXIT_OK
    assert "$1,400.00" in run.out
    assert "write-off" in run.out
    assert "balance $1,365.00" in run.out


def test_ledger_and_aging_json_are_in_cents(capsys: pytest.CaptureFixture[str], with_ledger: tuple[Path, int]) -> None:
    folder, client_id = with_ledger
    run = therapy_desk(capsys, "ledger", "--client", str(client_id), "--json", "--vault", str(folder),
                       "--passphrase-stdin", stdin=PASSPHRASE + "\n")  # fmt: skip
    data = json.loads(run.out)
    assert data["balance_cents"] == 136_500
    assert [r["kind"] for r in data["rows"]] == ["charge", "payment", "write-off"]
    run = therapy_desk(capsys, "aging", "--json", "--vault", str(folder), "--passphrase-stdin", stdin=PASSPHRASE + "\n")
    aging = json.loads(run.out)
    assert aging["totals_cents"] == [0, 136_500, 0, 0]
    assert aging["net_cents"] == 136_500
    run = therapy_desk(capsys, "aging", "--vault", str(folder), "--passphrase-stdin", stdin=PASSPHRASE + "\n")
    assert "$1,365.00" in run.out


def test_ledger_of_a_missing_client_is_one_sentence(
    capsys: pytest.CaptureFixture[str], with_ledger: tuple[Path, int]
) -> None:
    folder, _client_id = with_ledger
    run = therapy_desk(capsys, "ledger", "--client", "999", "--vault", str(folder), "--passphrase-stdin",
                       stdin=PASSPHRASE + "\n")  # fmt: skip
    assert run.code == cli.EXIT_USER_ERROR
    assert "no client with id 999" in run.err
