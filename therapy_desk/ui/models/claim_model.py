"""The Claims page's tables: the claims (newest first) and the selected claim's history."""

from __future__ import annotations

from typing import Any

from therapy_desk.domain.claims import ClaimEvent, ClaimState, ClaimSummary, Frequency
from therapy_desk.ui.format import fmt_date, fmt_datetime, fmt_money
from therapy_desk.ui.models.billing_models import RecordsModel

CLAIM_COL_NUMBER, CLAIM_COL_CLIENT, CLAIM_COL_PAYER, CLAIM_COL_DATES, CLAIM_COL_LINES, CLAIM_COL_TOTAL = range(6)
CLAIM_COL_STATE = 6
_FREQUENCY_WORDS = {Frequency.ORIGINAL: "", Frequency.CORRECTED: " (corrected)", Frequency.VOID: " (void claim)"}
_CLOSED = frozenset({ClaimState.REPLACED, ClaimState.VOIDED})


def dates_text(summary: ClaimSummary) -> str:
    """The dates of service, first–last (one date when they are the same)."""
    if summary.first_date == summary.last_date:
        return fmt_date(summary.first_date)
    return f"{fmt_date(summary.first_date)} – {fmt_date(summary.last_date)}"


class ClaimModel(RecordsModel):
    headers = ("Claim", "Client", "Payer", "Dates of service", "Lines", "Total", "State")
    money_columns = (CLAIM_COL_TOTAL,)

    def text(self, item: ClaimSummary, column: int) -> str:
        values = (
            item.number + _FREQUENCY_WORDS[item.frequency],
            item.client_name,
            item.payer_name,
            dates_text(item),
            str(item.lines),
            fmt_money(item.total_cents),
            item.state.label,
        )
        return values[column]

    def sort_value(self, item: ClaimSummary, column: int) -> Any:
        if column == CLAIM_COL_TOTAL:
            return item.total_cents
        if column == CLAIM_COL_DATES:
            return item.first_date
        return super().sort_value(item, column)

    def is_muted(self, item: ClaimSummary) -> bool:
        return item.state in _CLOSED  # a replaced or voided claim is history: greyed, and its State says why

    def muted_because(self, item: ClaimSummary) -> str:
        return item.state.value

    def replace_row(self, number: int, item: ClaimSummary) -> None:
        """Show a claim's new state in place (its scrub marked it ready) without resetting the selection."""
        self._rows[number] = item
        self.dataChanged.emit(self.index(number, 0), self.index(number, len(self.headers) - 1))


class ClaimEventModel(RecordsModel):
    headers = ("When", "State", "What happened")

    def text(self, item: ClaimEvent, column: int) -> str:
        values = (fmt_datetime(item.at.astimezone().replace(tzinfo=None)), item.state.label, item.detail)
        return values[column]
