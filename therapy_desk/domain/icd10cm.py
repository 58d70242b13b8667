"""ICD-10-CM: validation and a fast completer over the official code set.

The code set is the CDC's (public domain), shipped offline by `simple-icd-10-cm` and condensed at
build time into resources/icd10cm.tsv.gz (scripts/build_icd_index.py), with the previous fiscal year's
release beside it for claims dated then (`RELEASES`). Each is read once, lazily, the first time one of its
codes is looked up; after that lookups are in-memory.
"""

from __future__ import annotations

import bisect
import gzip
import re
import threading
from dataclasses import dataclass
from datetime import date
from importlib import resources

from therapy_desk.errors import ValidationError

ATTRIBUTION = "ICD-10-CM code set: Centers for Disease Control and Prevention (CDC), public domain."


@dataclass(frozen=True)
class Release:
    """One shipped ICD-10-CM release and the dates of service it is the one in force for (a fiscal year runs
    October 1 to September 30; each file holds that year's code set with its April 1 update)."""

    name: str
    resource: str
    in_force_from: date
    in_force_to: date

    def covers(self, day: date) -> bool:
        return self.in_force_from <= day <= self.in_force_to


# Oldest first; the last is the newest, what new diagnoses are checked against. A claim's diagnoses are
# checked against the release in force on each date of service; dates no shipped release covers are checked
# against the newest with a warning (claim scrub), until the next release ships.
RELEASES = (
    Release("FY2025 with the April 2025 update", "icd10cm-fy2025.tsv.gz", date(2024, 10, 1), date(2025, 9, 30)),
    Release("FY2026 with the April 2026 update", "icd10cm.tsv.gz", date(2025, 10, 1), date(2026, 9, 30)),
)
NEWEST = RELEASES[-1]


def release_for(day: date) -> Release | None:
    """The shipped release in force on `day`, or None when none is."""
    return next((release for release in RELEASES if release.covers(day)), None)


_CODE_LIKE = re.compile(r"[A-Za-z]\d[0-9A-Za-z.]*")
_WORD = re.compile(r"[a-z0-9]+")
# Chapters a therapist reaches for first: mental and behavioural (F), then social factors (Z), then R.
_CHAPTER_RANK = {"F": 0, "Z": 1, "R": 2}


@dataclass(frozen=True)
class IcdCode:
    code: str
    description: str
    billable: bool


def _compact(code: str) -> str:
    return code.replace(".", "").strip().upper()


class CodeSet:
    def __init__(self, entries: list[IcdCode], edition: str) -> None:
        self.edition = edition
        self._entries = sorted(entries, key=lambda e: _compact(e.code))
        self._keys = [_compact(e.code) for e in self._entries]
        self._rank = [(_CHAPTER_RANK.get(e.code[0], 3), not e.billable, len(e.description)) for e in self._entries]
        postings: dict[str, list[int]] = {}
        for index, entry in enumerate(self._entries):
            for word in set(_WORD.findall(entry.description.lower())):
                postings.setdefault(word, []).append(index)
        self._vocabulary = sorted(postings)
        self._postings = postings

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, code: str) -> IcdCode | None:
        key = _compact(code)
        at = bisect.bisect_left(self._keys, key)
        return self._entries[at] if at < len(self._keys) and self._keys[at] == key else None

    def require(self, code: str, *, billable: bool = False, field: str = "icd10_code") -> IcdCode:
        """The code, or `ValidationError`: unknown, or (when `billable`) not a billable leaf code."""
        entry = self.get(code)
        if entry is None:
            raise ValidationError(f"{code.strip() or 'An empty code'} is not an ICD-10-CM code.", field)
        if billable and not entry.billable:
            raise ValidationError(
                f"{entry.code} is a category, not a billable code; claims need a more specific code under it.", field
            )
        return entry

    def _words_matching(self, prefix: str) -> set[int]:
        start = bisect.bisect_left(self._vocabulary, prefix)
        found: set[int] = set()
        for word in self._vocabulary[start:]:
            if not word.startswith(prefix):
                break
            found.update(self._postings[word])
        return found

    def search(self, query: str, limit: int = 20) -> list[IcdCode]:
        """Codes whose code starts with `query`, or whose description has words starting with each query word."""
        text = query.strip()
        if not text:
            return []
        if _CODE_LIKE.fullmatch(text):
            key = _compact(text)
            start = bisect.bisect_left(self._keys, key)
            end = bisect.bisect_left(self._keys, key + "\uffff")
            hits = list(range(start, end))
            hits.sort(key=lambda i: (len(self._keys[i]), self._keys[i]))
            return [self._entries[i] for i in hits[:limit]]
        words = _WORD.findall(text.lower())
        if not words:
            return []
        matches = self._words_matching(words[0])
        for word in words[1:]:
            matches &= self._words_matching(word)
            if not matches:
                return []
        ordered = sorted(matches, key=lambda i: (*self._rank[i], self._keys[i]))
        return [self._entries[i] for i in ordered[:limit]]


def _load(release: Release) -> CodeSet:
    raw = resources.files("therapy_desk.resources").joinpath(release.resource).read_bytes()
    lines = gzip.decompress(raw).decode("utf-8").splitlines()
    edition = lines[0].lstrip("#").strip()
    entries = []
    for line in lines[1:]:
        code, billable, description = line.split("\t", 2)
        entries.append(IcdCode(code, description, billable == "1"))
    return CodeSet(entries, edition)


_lock = threading.Lock()
_cached: dict[Release, CodeSet] = {}


def code_set(release: Release = NEWEST) -> CodeSet:
    """A release's code set (the newest by default), loaded on first use (thread-safe; call early on a worker
    to prewarm)."""
    with _lock:
        if release not in _cached:
            _cached[release] = _load(release)
        return _cached[release]
