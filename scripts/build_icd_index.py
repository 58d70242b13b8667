"""Build therapy_desk/resources/icd10cm.tsv.gz from the official code set in `simple-icd-10-cm`.

Run when the package is upgraded to a new code-set release (every 1 April and 1 October):
    .venv/bin/python scripts/build_icd_index.py [OUT]
The app reads the small index instead of importing the package (about 2 s) at run time. A claim is checked
against the release in force on its dates of service (domain/icd10cm.RELEASES), so the previous year's
index stays: icd10cm-fy2025.tsv.gz was built from simple-icd-10-cm 1.4.0 (the April 2025 code set) with
    pip install --target /tmp/icd14 simple-icd-10-cm==1.4.0
    PYTHONPATH=/tmp/icd14 .venv/bin/python scripts/build_icd_index.py therapy_desk/resources/icd10cm-fy2025.tsv.gz
When a new fiscal year's package ships, keep the last index under its year's name and add both to RELEASES.
"""

from __future__ import annotations

import gzip
import importlib.metadata
import sys
from pathlib import Path

import simple_icd_10_cm as icd

OUT = (
    Path(sys.argv[1])
    if len(sys.argv) > 1
    else Path(__file__).parents[1] / "therapy_desk" / "resources" / "icd10cm.tsv.gz"
)


def main() -> None:
    version = importlib.metadata.version("simple-icd-10-cm")
    lines = [f"#simple-icd-10-cm {version}\n"]
    for code in icd.get_all_codes(True):
        if icd.is_chapter_or_block(code):
            continue
        description = icd.get_description(code).replace("\t", " ").replace("\n", " ")
        lines.append(f"{code}\t{int(icd.is_leaf(code))}\t{description}\n")
    # mtime=0 keeps the file byte-identical across rebuilds of the same release.
    OUT.write_bytes(gzip.compress("".join(lines).encode("utf-8"), compresslevel=9, mtime=0))
    print(f"wrote {OUT} ({len(lines) - 1} codes, {OUT.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
