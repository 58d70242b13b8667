from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import PASSPHRASE
from therapy_desk.domain.clients import Client, ClientStatus
from therapy_desk.domain.measures import Instrument, MeasureResult
from therapy_desk.errors import ValidationError
from therapy_desk.storage import db
from therapy_desk.storage.vault import Vault

TODAY = date(2025, 6, 30)
PHQ9_MODERATE = [2, 2, 1, 1, 2, 1, 1, 1, 0]  # 11, no item-9 flag
PHQ9_FLAGGED = [1, 1, 1, 0, 0, 0, 0, 0, 1]  # 4, item 9 = 1
GAD7_MILD = [1, 1, 1, 1, 1, 1, 0]  # 6
ACTION = "Called the client; no current intent; safety plan reviewed."


def new_client(vault: Vault, first: str = "Ana", last: str = "Reyes") -> int:
    client = vault.clients.create(Client(first, last, date(1990, 5, 17), status=ClientStatus.ACTIVE))
    assert client.id is not None
    return client.id


def id_of(result: MeasureResult) -> int:
    assert result.id is not None
    return result.id


def record(vault: Vault, client_id: int, instrument: Instrument, answers: list[int], on: date) -> MeasureResult:
    return vault.measures.record(client_id, instrument, answers, on, today=TODAY)


def test_recording_scores_the_answers_and_keeps_them(vault: Vault) -> None:
    client_id = new_client(vault)
    result = record(vault, client_id, Instrument.PHQ9, PHQ9_MODERATE, date(2025, 6, 2))
    assert (result.total, result.band, result.flags) == (11, "moderate", ())
    assert result.answers == tuple(PHQ9_MODERATE)
    assert result.id is not None
    assert result.total_max == 27
    folder = vault.folder
    vault.close()
    with Vault.open(folder, PASSPHRASE) as reopened:
        assert reopened.measures.get(id_of(result)) == result
        assert {"measure recorded", "measure read"} <= {e.event for e in reopened.audit.recent(10)}


def test_a_result_can_name_the_note_it_was_given_in(vault: Vault) -> None:
    client_id = new_client(vault)
    result = vault.measures.record(client_id, "GAD-7", GAD7_MILD, date(2025, 6, 2), note_id=41, today=TODAY)
    assert result.instrument is Instrument.GAD7
    assert result.note_id == 41
    assert vault.measures.get(result.id or 0).note_id == 41


def test_for_client_lists_newest_first_and_filters_by_instrument(vault: Vault) -> None:
    client_id = new_client(vault)
    other = new_client(vault, "Lee", "Park")
    record(vault, client_id, Instrument.PHQ9, PHQ9_MODERATE, date(2025, 4, 1))
    record(vault, client_id, Instrument.GAD7, GAD7_MILD, date(2025, 5, 1))
    record(vault, client_id, Instrument.PHQ9, [0] * 9, date(2025, 6, 1))
    record(vault, other, Instrument.PHQ9, [3] * 8 + [0], date(2025, 6, 1))
    everything = vault.measures.for_client(client_id)
    assert [(r.instrument, r.administered_on) for r in everything] == [
        (Instrument.PHQ9, date(2025, 6, 1)),
        (Instrument.GAD7, date(2025, 5, 1)),
        (Instrument.PHQ9, date(2025, 4, 1)),
    ]
    assert [r.total for r in vault.measures.for_client(client_id, Instrument.PHQ9)] == [0, 11]
    assert len(vault.measures.for_client(client_id, limit=1)) == 1
    assert vault.audit.recent(1)[0].event == "measures read"


def test_series_runs_oldest_first_for_a_chart(vault: Vault) -> None:
    client_id = new_client(vault)
    for on, answers in [
        (date(2025, 6, 1), [1] * 9),
        (date(2025, 3, 1), [2] * 9),
        (date(2025, 4, 1), [2, 2, 2, 1, 1, 1, 1, 1, 0]),
    ]:
        record(vault, client_id, Instrument.PHQ9, answers, on)
    record(vault, client_id, Instrument.GAD7, GAD7_MILD, date(2025, 5, 1))
    series = vault.measures.series(client_id, Instrument.PHQ9)
    assert [(r.administered_on, r.total) for r in series] == [
        (date(2025, 3, 1), 18),
        (date(2025, 4, 1), 11),
        (date(2025, 6, 1), 9),
    ]


def test_a_measure_cannot_be_dated_in_the_future_or_before_birth(vault: Vault) -> None:
    client_id = new_client(vault)
    with pytest.raises(ValidationError, match="cannot be in the future") as err:
        record(vault, client_id, Instrument.PHQ9, PHQ9_MODERATE, TODAY + timedelta(days=1))
    assert err.value.field == "administered_on"
    with pytest.raises(ValidationError, match="date of birth"):
        record(vault, client_id, Instrument.PHQ9, PHQ9_MODERATE, date(1980, 1, 1))
    assert vault.measures.for_client(client_id) == []


@pytest.mark.parametrize(
    ("instrument", "answers", "field"),
    [
        (Instrument.PHQ9, [0] * 8, "answers"),
        (Instrument.GAD7, [0, 0, 0, 0, 0, 0, 4], "answers"),
        (Instrument.PCL5, [5] * 20, "answers"),
        ("HAM-D", [0] * 17, "instrument"),
    ],
)
def test_bad_answers_are_refused_and_nothing_is_written(
    vault: Vault, instrument: Any, answers: list[int], field: str
) -> None:
    client_id = new_client(vault)
    with pytest.raises(ValidationError) as err:
        vault.measures.record(client_id, instrument, answers, TODAY, today=TODAY)
    assert err.value.field == field
    assert vault.measures.for_client(client_id) == []


def test_a_measure_for_an_unknown_client_is_refused(vault: Vault) -> None:
    with pytest.raises(ValidationError, match="no client") as err:
        vault.measures.record(404, Instrument.PHQ9, PHQ9_MODERATE, TODAY, today=TODAY)
    assert err.value.field == "client_id"


def test_item9_flag_is_listed_until_followed_up(vault: Vault) -> None:
    ana = new_client(vault)
    lee = new_client(vault, "Lee", "Park")
    flagged = record(vault, ana, Instrument.PHQ9, PHQ9_FLAGGED, date(2025, 6, 20))
    record(vault, ana, Instrument.PHQ9, PHQ9_MODERATE, date(2025, 6, 21))
    later = record(vault, lee, Instrument.PHQ9, [3] * 9, date(2025, 6, 25))
    assert flagged.needs_immediate_follow_up
    assert flagged.open_flag

    assert [r.id for r in vault.measures.unreviewed_flags()] == [flagged.id, later.id]
    assert vault.audit.recent(1)[0].event == "open measure flags listed"

    when = datetime.now(UTC)
    done = vault.measures.mark_followed_up(id_of(flagged), when, "Maya Okafor, LCSW", action=ACTION)
    assert done.followed_up_by == "Maya Okafor, LCSW"
    assert done.followed_up_at == when.replace(microsecond=0)
    assert not done.open_flag
    assert done.needs_immediate_follow_up
    assert [r.id for r in vault.measures.unreviewed_flags()] == [later.id]
    assert vault.audit.recent(1)[0].event == "open measure flags listed"
    assert "measure flag followed up" in {e.event for e in vault.audit.recent(5)}


def test_a_flag_is_followed_up_once_and_only_flagged_results_need_it(vault: Vault) -> None:
    client_id = new_client(vault)
    flagged = record(vault, client_id, Instrument.PHQ9, PHQ9_FLAGGED, date(2025, 6, 20))
    plain = record(vault, client_id, Instrument.PHQ9, PHQ9_MODERATE, date(2025, 6, 21))
    with pytest.raises(ValidationError, match="no flag"):
        vault.measures.mark_followed_up(id_of(plain), datetime.now(UTC), "Maya Okafor", action=ACTION)
    vault.measures.mark_followed_up(id_of(flagged), datetime.now(UTC), "Maya Okafor", action=ACTION)
    with pytest.raises(ValidationError, match="already been followed up"):
        vault.measures.mark_followed_up(id_of(flagged), datetime.now(UTC), "Someone else", action=ACTION)
    assert vault.measures.get(id_of(flagged)).followed_up_by == "Maya Okafor"


@pytest.mark.parametrize(
    ("when", "by", "field"),
    [
        (datetime(2025, 6, 21, 9, 0), "Maya Okafor", "when"),  # no time zone
        (datetime.now(UTC) + timedelta(days=1), "Maya Okafor", "when"),
        (datetime(2025, 6, 1, 9, 0, tzinfo=UTC), "Maya Okafor", "when"),  # before it was given
        (datetime.now(UTC), "  ", "by"),
    ],
)
def test_follow_up_needs_a_real_time_and_a_name(vault: Vault, when: datetime, by: str, field: str) -> None:
    client_id = new_client(vault)
    flagged = record(vault, client_id, Instrument.PHQ9, PHQ9_FLAGGED, date(2025, 6, 20))
    with pytest.raises(ValidationError) as err:
        vault.measures.mark_followed_up(id_of(flagged), when, by, action=ACTION)
    assert err.value.field == field
    assert [r.id for r in vault.measures.unreviewed_flags()] == [flagged.id]


def test_latest_by_client_gives_each_clients_most_recent_result(vault: Vault) -> None:
    ana = new_client(vault)
    lee = new_client(vault, "Lee", "Park")
    kim = new_client(vault, "Kim", "Ngo")
    record(vault, ana, Instrument.PHQ9, [2] * 9, date(2025, 3, 1))
    newest = record(vault, ana, Instrument.PHQ9, [1] * 9, date(2025, 6, 1))
    record(vault, ana, Instrument.GAD7, GAD7_MILD, date(2025, 6, 15))
    same_day_first = record(vault, lee, Instrument.PHQ9, [0] * 9, date(2025, 6, 1))
    same_day_last = record(vault, lee, Instrument.PHQ9, [1] * 9, date(2025, 6, 1))
    latest = vault.measures.latest_by_client([ana, lee, kim], Instrument.PHQ9)
    assert latest == {ana: newest, lee: same_day_last}
    assert same_day_first.id != same_day_last.id
    assert vault.measures.latest_by_client([], Instrument.PHQ9) == {}
    assert vault.audit.recent(1)[0].event == "measures read"


def test_a_recorded_result_cannot_be_changed_or_deleted_through_raw_sql(vault: Vault) -> None:
    client_id = new_client(vault)
    result = record(vault, client_id, Instrument.PHQ9, PHQ9_FLAGGED, date(2025, 6, 20))
    with pytest.raises(db.DatabaseError, match="cannot be changed"):
        vault.db.conn.execute("UPDATE measure_results SET total = 0, item9_flag = 0 WHERE id = ?", (result.id,))
    with pytest.raises(db.DatabaseError, match="cannot be deleted"):
        vault.db.conn.execute("DELETE FROM measure_results WHERE id = ?", (result.id,))
    vault.measures.mark_followed_up(id_of(result), datetime.now(UTC), "Maya Okafor", action=ACTION)
    with pytest.raises(db.DatabaseError, match="cannot be changed"):
        vault.db.conn.execute("UPDATE measure_results SET followed_up_by = 'Someone else' WHERE id = ?", (result.id,))
    assert vault.measures.get(id_of(result)).total == 4


@pytest.mark.parametrize(
    ("sql", "index"),
    [
        (
            "SELECT id FROM measure_results WHERE client_id = 1 AND instrument = 'PHQ-9' "
            "ORDER BY administered_on DESC, id DESC LIMIT 1",
            "measure_results_by_client",
        ),
        (
            "SELECT id FROM measure_results WHERE item9_flag = 1 AND followed_up_at IS NULL "
            "AND entered_in_error_at IS NULL ORDER BY administered_on, client_id LIMIT 200",
            "measure_results_open_flags",
        ),
    ],
)
def test_measure_queries_use_their_indexes(vault: Vault, sql: str, index: str) -> None:
    plan = vault.db.conn.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()
    assert index in " ".join(str(row) for row in plan)
