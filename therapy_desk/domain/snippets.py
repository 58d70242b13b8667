"""The clinician's own reusable text: typing a snippet's trigger (";mse") and Space or Tab in a note's
section puts the snippet's text there. A snippet belongs to one section or to any section ('')."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from therapy_desk.domain.notes import FORMAT_SECTIONS, KIND_SECTIONS
from therapy_desk.domain.text import clean_text
from therapy_desk.errors import ValidationError

TRIGGER_MIN, TRIGGER_MAX = 2, 20
TEXT_MAX = 5000
ANY_SECTION = ""
SECTION_NAMES: tuple[str, ...] = tuple(
    dict.fromkeys(name for names in (*FORMAT_SECTIONS.values(), *KIND_SECTIONS.values()) for name in names)
)


@dataclass(frozen=True)
class Snippet:
    trigger: str
    text: str
    section: str = ANY_SECTION
    id: int | None = None
    created_at: str | None = None
    updated_at: str | None = None

    def validated(self) -> Snippet:
        trigger = self.trigger.strip()
        if not TRIGGER_MIN <= len(trigger) <= TRIGGER_MAX or any(c.isspace() for c in trigger):
            raise ValidationError(
                f"A trigger is {TRIGGER_MIN}–{TRIGGER_MAX} characters without spaces, like ;mse.", "trigger"
            )
        text = clean_text(self.text, "text", "The snippet")
        if not text:
            raise ValidationError("A snippet needs some text to insert.", "text")
        if len(text) > TEXT_MAX:
            raise ValidationError(f"A snippet is at most {TEXT_MAX:,} characters; shorten it.", "text")
        section = self.section.strip()
        if section and section not in SECTION_NAMES:
            raise ValidationError(f"'{section}' is not a section of any note format.", "section")
        return replace(self, trigger=trigger, text=text, section=section)


def find_snippet(snippets: Iterable[Snippet], trigger: str, section: str) -> Snippet | None:
    """The snippet `trigger` inserts in `section`: that section's own first, else the any-section one."""
    fallback = None
    for snippet in snippets:
        if snippet.trigger != trigger:
            continue
        if snippet.section == section:
            return snippet
        if snippet.section == ANY_SECTION:
            fallback = snippet
    return fallback
