from __future__ import annotations

from datetime import date

import pytest

from therapy_desk.domain.icd10cm import code_set
from therapy_desk.errors import ValidationError


def test_shipped_index_matches_the_official_code_set_package() -> None:
    icd = pytest.importorskip("simple_icd_10_cm")
    codes = code_set()
    official = [c for c in icd.get_all_codes(True) if not icd.is_chapter_or_block(c)]
    assert len(codes) == len(official)
    for code in ("F32.1", "F43.10", "Z63.0", "F41.1", "F90.2", "F43.1"):
        entry = codes.get(code)
        assert entry is not None
        assert entry.billable == icd.is_leaf(code)
        assert entry.description == icd.get_description(code)


def test_code_prefix_lists_the_category_and_its_billable_codes() -> None:
    results = code_set().search("F43.1")
    assert [r.code for r in results] == ["F43.1", "F43.10", "F43.11", "F43.12"]
    assert [r.billable for r in results] == [False, True, True, True]


def test_words_in_any_order_find_mental_health_codes_first() -> None:
    results = code_set().search("anxiety generalized")
    assert results[0].code == "F41.1"
    depression = code_set().search("major depress single moderate")
    assert depression[0].code == "F32.1"


def test_lookup_forgives_case_and_missing_dot() -> None:
    assert code_set().require("f321").code == "F32.1"


def test_nonsense_finds_nothing() -> None:
    assert code_set().search("qqqzzz") == []
    assert code_set().search("   ") == []


def test_category_is_refused_where_a_billable_code_is_needed() -> None:
    with pytest.raises(ValidationError, match="more specific"):
        code_set().require("F32", billable=True)
    with pytest.raises(ValidationError, match="not an ICD-10-CM code"):
        code_set().require("ZZ9")


def test_each_date_of_service_has_the_release_in_force_on_it() -> None:
    from therapy_desk.domain.icd10cm import NEWEST, RELEASES, release_for

    fy2025, fy2026 = RELEASES
    assert release_for(date(2024, 9, 30)) is None
    assert release_for(date(2024, 10, 1)) is fy2025
    assert release_for(date(2025, 9, 30)) is fy2025
    assert release_for(date(2025, 10, 1)) is fy2026 is NEWEST
    assert release_for(date(2026, 10, 1)) is None  # FY2027 is not shipped yet: the scrub warns
    assert code_set(fy2025).require("G35", billable=True).billable
    assert not code_set(fy2026).require("G35").billable
    assert code_set(fy2025).get("R10.24") is None
    assert code_set(fy2025).edition == "simple-icd-10-cm 1.4.0"
