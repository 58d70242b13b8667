# pytest-qt's QtBot methods carry no annotations:
# mypy: disable-error-code="no-untyped-call"
"""The idle lock's timer: how long the app waits without input before it locks."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from therapy_desk.ui.idle import DEFAULT_MINUTES, IdleLock, minutes_from_setting

MINUTE_MS = 60_000


@pytest.mark.parametrize(("minutes", "waits"), [(0, 1), (-5, 1), (1, 1), (25, 25), (60, 60), (61, 60), (600, 60)])
def test_the_timer_itself_keeps_the_idle_time_between_1_and_60_minutes(qtbot: QtBot, minutes: int, waits: int) -> None:
    # Whatever a caller passes (the Settings page's signal, a stored value read elsewhere), the vault
    # neither locks on the next tick nor stays open for hours.
    made = IdleLock(minutes)
    assert made.interval_ms == waits * MINUTE_MS

    changed = IdleLock(DEFAULT_MINUTES)
    changed.start()
    changed.set_minutes(minutes)
    assert changed.interval_ms == waits * MINUTE_MS
    assert changed.active
    changed.stop()


def test_a_zero_minute_setting_does_not_lock_at_once(qtbot: QtBot) -> None:
    lock = IdleLock(DEFAULT_MINUTES)
    lock.start()
    lock.set_minutes(0)

    with qtbot.assertNotEmitted(lock.timed_out, wait=300):
        pass
    lock.stop()


@pytest.mark.parametrize(
    ("stored", "minutes"),
    [(None, DEFAULT_MINUTES), ("7", 7), (" 15 ", 15), ("0", 1), ("-3", 1), ("90", 60), ("", 10), ("ten", 10)],
)
def test_the_stored_setting_is_read_as_whole_minutes_in_range(stored: str | None, minutes: int) -> None:
    assert minutes_from_setting(stored) == minutes
