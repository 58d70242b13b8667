"""Every name the demo practice can hold, for the tests that print names in every script."""

from __future__ import annotations

from itertools import cycle

from therapy_desk.demo import people


def demo_names() -> list[str]:
    """Each given and family name in every pool (native and Latin forms), then full names: every given
    name with a family name of its pool (two words: right-to-left names must keep their order), and the
    clinicians'."""
    singles: list[str] = []
    full: list[str] = []
    for pool in people.POOLS:
        for entry in (*pool.female, *pool.male, *pool.last, *pool.last_female):
            singles.extend(part for part in entry.split("|") if part)
        natives = [entry.partition("|")[0] for entry in (*pool.female, *pool.male)]
        lasts = cycle(entry.partition("|")[0] for entry in pool.last)
        full.extend(f"{first} {last}" for first, last in zip(natives, lasts, strict=False))
    full.extend(f"{first} {last}" for first, last in zip(people.CLINICIAN_FIRST, cycle(people.CLINICIAN_LAST)))
    return list(dict.fromkeys(singles + full))
