from __future__ import annotations

import io
import unicodedata
from functools import cache

import pytest
from fontTools.ttLib import TTFont

from tests.templates.demo_names import demo_names
from therapy_desk.templates.fonts import font_path, markup, runs

NBSP = "\u00a0"


@cache
def _cmap(filename: str) -> dict[int, str]:
    font = TTFont(io.BytesIO(font_path(filename).read_bytes()), lazy=True)
    return dict(font.getBestCmap())


def test_every_character_of_every_demo_name_has_a_glyph_in_the_font_its_run_is_set_in() -> None:
    missing = []
    for name in demo_names():
        for run in runs(name):
            for filename in (run.face.regular, run.face.bold or run.face.regular):
                cmap = _cmap(filename)
                missing += [
                    f"U+{ord(char):04X} in {filename}"
                    for char in run.text
                    if cmap.get(ord(char), ".notdef") == ".notdef"
                ]

    assert not missing, f"{len(missing)} characters without a glyph, e.g. {missing[:5]}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Zoë Lefèvre", [("NotoSans", "Zoë Lefèvre")]),
        ("Nguyễn Đặng", [("NotoSans", "Nguyễn Đặng")]),
        ("Γιώργος Смирнов", [("NotoSans", "Γιώργος Смирнов")]),
        ("Kim 김민지", [("NotoSans", "Kim "), ("NotoSansKR", "김민지")]),
        ("李芳 (Li)", [("NotoSansSC", "李芳 "), ("NotoSans", "(Li)")]),
        ("प्रिया शर्मा", [("NotoSansDevanagari", "प्रिया शर्मा")]),
        ("فاطمة حداد-Haddad", [("NotoSansArabic", "فاطمة حداد"), ("NotoSans", "-Haddad")]),  # the hyphen is LTR
        ("נועה ნინო Անի สมศรี", [("NotoSansHebrew", "נועה"), ("NotoSans", " "), ("NotoSansGeorgian", "ნინო "),
                                 ("NotoSansArmenian", "Անի "), ("NotoSansThai", "สมศรี")]),
    ],
)  # fmt: skip
def test_text_is_cut_into_runs_where_the_current_font_lacks_a_character(
    text: str, expected: list[tuple[str, str]]
) -> None:
    assert [(run.face.name, run.text) for run in runs(text)] == expected


def test_decomposed_accents_are_composed_so_the_base_font_sets_them() -> None:
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thảo")

    assert [(run.face.name, run.text) for run in runs(decomposed)] == [("NotoSans", "Nguyễn Thảo")]


def test_a_character_no_font_has_stays_in_the_font_around_it() -> None:
    assert [(run.face.name, run.text) for run in runs("Ana \U0001f600 Kim")] == [("NotoSans", "Ana \U0001f600 Kim")]


def test_user_text_is_escaped_and_other_scripts_are_wrapped_in_their_font() -> None:
    assert markup("Tom & <b>Jerry</b>") == "Tom &amp; &lt;b&gt;Jerry&lt;/b&gt;"
    assert markup("Kim 김") == 'Kim <font face="NotoSansKR">김</font>'
    assert markup("Kim 김", bold=True) == 'Kim <font face="NotoSansKR">김</font>'  # no bold CJK face
    assert markup("Ahmed أحمد", bold=True) == 'Ahmed <font face="NotoSansArabic-Bold">أحمد</font>'


def test_right_to_left_words_are_held_together_and_left_to_right_words_are_not() -> None:
    assert markup("فاطمة حداد") == f'<font face="NotoSansArabic">فاطمة{NBSP}حداد</font>'
    assert markup("נועה כהן") == f'<font face="NotoSansHebrew">נועה{NBSP}כהן</font>'
    assert NBSP not in markup("Fatima Haddad")
    assert markup("فاطمة and حداد").count(NBSP) == 0  # a Latin word between: two separate runs
