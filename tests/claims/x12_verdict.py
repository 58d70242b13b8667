"""pyx12's verdict on an X12 file, read from its Python API (its `x12valid` exit code means nothing).

`pyx12_errors(text)` runs `pyx12.x12n_document.x12n_document` on the text and returns every error it
reports: the ones in its JSON error document (interchange, group, transaction, segment and element level),
the AK/IK error segments of the 999 it writes, the errors it only logs (a file it cannot read at all), and
its own crash on a file broken badly enough.
A file pyx12 calls invalid never comes back as an empty list. pyx12 runs with its default (extended)
character set: with the basic one it refuses 5010's own repetition separator in ISA11, so the tests check
the basic character set themselves.
"""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import pyx12.params  # type: ignore[import-untyped]
import pyx12.x12n_document  # type: ignore[import-untyped]


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def pyx12_errors(text: str) -> list[str]:
    """Every error pyx12 finds in `text`; an empty list means pyx12 calls it valid."""
    fd_json, fd_999 = io.StringIO(), io.StringIO()
    logger = logging.getLogger("pyx12")
    collect = _Collect()
    logger.addHandler(collect)
    try:
        valid = pyx12.x12n_document.x12n_document(
            pyx12.params.params(), io.StringIO(text), fd_999, None, None, fd_json=fd_json
        )
    except Exception as crash:  # pyx12 itself fails on some broken files (a GE with no ST): not valid either
        return [*collect.messages, f"pyx12 could not read the file: {type(crash).__name__}: {crash}"]
    finally:
        logger.removeHandler(collect)
    errors = list(collect.messages)
    if fd_json.getvalue():
        errors += _json_errors(json.loads(fd_json.getvalue()))
    errors += _rejections_999(fd_999.getvalue())
    if not valid and not errors:
        errors.append("pyx12 found the file invalid without naming an error")
    return errors


def _json_errors(doc: dict[str, Any]) -> list[str]:
    found: list[str] = []

    def take(where: str, items: list[dict[str, Any]]) -> None:
        found.extend(f"{where}: {item['err_cde']} {item['err_str']}" for item in items)

    for isa in doc.get("interchanges", []):
        take("ISA", isa["errors"])
        for gs in isa["groups"]:
            take("GS", gs["errors"])
            for st in gs["transactions"]:
                take("ST", st["errors"])
                for seg in st["segments"]:
                    where = f"{seg['seg_id']} (segment {seg['seg_count']}, line {seg['cur_line']})"
                    take(where, seg["errors"])
                    for ele in seg["elements"]:
                        take(f"{where} element {ele['ele_pos']}", ele["errors"])
    return found


def _rejections_999(text: str) -> list[str]:
    """The 999's error segments (IK3 segment, IK4 element) and a transaction or group not accepted."""
    found = []
    for raw in text.split("~"):
        elements = raw.strip().split("*")
        tag = elements[0]
        if tag in ("IK3", "IK4"):
            found.append(f"999 {raw.strip()}")
        elif tag == "IK5" and elements[1:2] != ["A"]:
            found.append(f"999 transaction not accepted: {raw.strip()}")
        elif tag == "AK9" and elements[1:2] != ["A"]:
            found.append(f"999 group not accepted: {raw.strip()}")
    return found
