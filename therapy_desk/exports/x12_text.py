"""The text an 837P file may carry: X12's basic character set, and names that are never dropped.

The rule, for every free-text value written into an 837P (names, addresses, IDs):

- Letters are upper-cased and reduced to A-Z: accents are taken off (Unicode NFKD, then the combining marks
  dropped: É→E, ñ→N, Å→A), and letters that do not decompose are spelled with a small table (ß→SS, Æ→AE,
  Œ→OE, Ø→O, Ł→L, Đ→D, Þ→TH, ı→I). Digits of other scripts become 0-9.
- Curly quotes become ', dashes -, and the other characters of the basic set stay: A-Z, 0-9, space and
  ! " & ' ( ) + , - . / ; ? = . The delimiters the file itself uses (* : ^ ~) and every other symbol (#, %,
  @, emoji) become a space; runs of spaces collapse to one and the ends are trimmed.
- A letter with no Latin form (Chinese, Cyrillic, Arabic, Greek...) is refused with a ValidationError that
  names the field, and so is a value the rule would leave empty (such as "***"): guessing a romanisation
  could send a name the insurer does not have on file, and leaving the letter out would send a different
  name. The clinician enters the name as the insurance card spells it.
"""

from __future__ import annotations

import unicodedata

from therapy_desk.errors import ValidationError

# Letters NFKD does not take apart into a base letter and marks (upper-cased afterwards).
_SPELLED = {
    "ß": "SS",
    "ẞ": "SS",
    "Æ": "AE",
    "æ": "AE",
    "Œ": "OE",
    "œ": "OE",
    "Ø": "O",
    "ø": "O",
    "Ł": "L",
    "ł": "L",
    "Đ": "D",
    "đ": "D",
    "Ð": "D",
    "ð": "D",
    "Þ": "TH",
    "þ": "TH",
    "ı": "I",
    "ĸ": "K",
    "Ŋ": "NG",
    "ŋ": "NG",
    "Ħ": "H",
    "ħ": "H",
    "Ŧ": "T",
    "ŧ": "T",
    "ſ": "S",
    "‘": "'",
    "’": "'",
    "‚": "'",
    "‛": "'",
    "ʼ": "'",
    "`": "'",
    "´": "'",
    "“": '"',
    "”": '"',
    "„": '"',
    "«": '"',
    "»": '"',
    "‐": "-",
    "‑": "-",
    "‒": "-",
    "–": "-",
    "—": "-",
    "―": "-",
    "−": "-",
}
# X12's basic character set (005010 B.1.1.2.1), less the delimiters this file uses.
_BASIC = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 !\"&'()+,-./;?=")


def x12_text(value: str, field: str) -> str:
    """`value` in X12's basic character set (see the module's rule); `field` names it in the refusal."""
    if value.isascii():
        if not value.isprintable():
            value = "".join(c if c.isprintable() else " " for c in value)
        upper = value.upper()
        if all(c in _BASIC for c in upper):
            return " ".join(upper.split())
    out: list[str] = []
    for char in unicodedata.normalize("NFKD", value):
        char = _SPELLED.get(char, char)
        if len(char) > 1 or char.isascii():
            out.append(char.upper())
        elif unicodedata.combining(char):
            continue
        elif unicodedata.category(char).startswith("L"):
            raise ValidationError(
                f"The {field} has a letter an insurance claim file cannot carry (only A to Z); enter it in "
                "Latin letters as the insurance card spells it.",
                field,
            )
        elif unicodedata.decimal(char, None) is not None:
            out.append(str(unicodedata.decimal(char)))
        else:
            out.append(" ")
    text = " ".join("".join(c if c in _BASIC else " " for c in "".join(out)).split())
    if not text and value.strip():
        raise ValidationError(
            f"The {field} has nothing an insurance claim file can carry (only A to Z, 0 to 9).", field
        )
    return text
