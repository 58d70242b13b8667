"""Text as the record keeps it (normalised, bounded, storable as UTF-8) and counts as people read them."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from therapy_desk.errors import ValidationError

MAX_SECTION_CHARS = 100_000
MAX_LIST_ITEMS = 50
MAX_ITEM_CHARS = 200


def clean_text(text: str, field_name: str, label: str) -> str:
    """NFC, Unix line endings, no surrounding whitespace; refuses text no one could have typed."""
    unix = text.replace("\r\n", "\n").replace("\r", "\n")
    cleaned = (unix if unix.isascii() else unicodedata.normalize("NFC", unix)).strip()  # ASCII is already NFC
    if len(cleaned) > MAX_SECTION_CHARS:
        raise ValidationError(f"{label} is longer than {MAX_SECTION_CHARS:,} characters; shorten it.", field_name)
    check_plain_text(cleaned, field_name, label)
    return cleaned


def check_plain_text(text: str, field_name: str, label: str) -> None:
    """Refuse what cannot be stored or hashed as UTF-8 text (a NUL, a lone surrogate from a bad paste)."""
    valid = "\x00" not in text
    if valid and not text.isascii():  # ASCII always encodes
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            valid = False
    if not valid:
        raise ValidationError(
            f"{label} contains characters that are not text; paste it again as plain text.", field_name
        )


def clean_list(items: Iterable[str], field_name: str, label: str) -> tuple[str, ...]:
    cleaned: list[str] = []
    for item in items:
        text = " ".join(unicodedata.normalize("NFC", str(item)).split())
        check_plain_text(text, field_name, label)
        if len(text) > MAX_ITEM_CHARS:
            raise ValidationError(f"{label}: each entry is at most {MAX_ITEM_CHARS} characters.", field_name)
        if text and text not in cleaned:
            cleaned.append(text)
    if len(cleaned) > MAX_LIST_ITEMS:
        raise ValidationError(f"{label}: at most {MAX_LIST_ITEMS} entries.", field_name)
    return tuple(cleaned)


def noun(count: int, one: str, many: str | None = None) -> str:
    """The word for `count` things: "minute" for 1, "minutes" for 0, 2 or -3 (`many` for irregular plurals)."""
    return one if abs(count) == 1 else many or f"{one}s"


def plural(count: int, one: str, many: str | None = None) -> str:
    """A count with its word, digits grouped: "1 minute", "0 minutes", "1,204 clients", "2 addenda"."""
    return f"{count:,} {noun(count, one, many)}"
