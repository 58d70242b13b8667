"""What a statement gathers from the ledger: a reduction undone in the same period is left out with its
reversal; one undone in a later period shows there, raising the balance."""

from __future__ import annotations

from datetime import date

from tests.documents.practice import MARCH, build
from therapy_desk.documents import statement_for
from therapy_desk.domain.documents import EntryKind
from therapy_desk.domain.ledger import WriteOffReason
from therapy_desk.storage.vault import Vault

APRIL = (date(2025, 4, 1), date(2025, 4, 30))


def test_a_write_off_undone_in_the_same_month_is_not_printed(vault: Vault) -> None:
    made = build(vault)
    wrote = vault.billing.write_off(made.charges[2], 4_000, WriteOffReason.COURTESY, on=date(2025, 3, 20),
                                    today=MARCH[1])  # fmt: skip
    assert wrote.id is not None
    vault.billing.reverse_adjustment(wrote.id, on=date(2025, 3, 25), today=MARCH[1])

    march = statement_for(vault, made.insured, as_of=MARCH[1], period_from=MARCH[0], period_to=MARCH[1])

    assert EntryKind.WRITE_OFF not in {e.kind for e in march.entries}
    assert not any("Reversal" in e.description for e in march.entries)
    assert march.balance_due_cents == 28_000


def test_a_write_off_undone_a_month_later_shows_in_each_month(vault: Vault) -> None:
    made = build(vault)
    wrote = vault.billing.write_off(made.charges[2], 4_000, WriteOffReason.COURTESY, on=date(2025, 3, 20),
                                    today=MARCH[1])  # fmt: skip
    assert wrote.id is not None
    vault.billing.reverse_adjustment(wrote.id, on=date(2025, 4, 2), today=APRIL[1])

    march = statement_for(vault, made.insured, as_of=MARCH[1], period_from=MARCH[0], period_to=MARCH[1])
    april = statement_for(vault, made.insured, as_of=APRIL[1], period_from=APRIL[0], period_to=APRIL[1])

    assert [(e.kind, e.description, e.amount_cents) for e in march.entries if e.kind is EntryKind.WRITE_OFF] == [
        (EntryKind.WRITE_OFF, "Courtesy", 4_000)
    ]
    assert march.balance_due_cents == 24_000
    assert [(e.kind, e.amount_cents) for e in april.entries] == [(EntryKind.CHARGE, 4_000)]
    assert "Reversal" in april.entries[0].description
    assert (april.opening_balance_cents, april.balance_due_cents) == (24_000, 28_000)
