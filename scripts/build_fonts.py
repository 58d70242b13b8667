"""Build the Noto fonts in therapy_desk/resources/fonts from their upstream files.

The PDFs print a client's name in whatever script it is written in, so the app ships Noto fonts (SIL OFL 1.1)
for every script the demo practice uses. reportlab embeds only TrueType outlines, so every file is TrueType.
What this script changes, and why:
- The control characters U+0000 and U+000D lose their (empty) glyphs; see `_subset`.
- TrueType hinting is dropped: it only steers low-resolution screen rasterising, never a PDF's shapes, and
  it is up to a third of each file.
- Noto Sans SC and KR come as variable fonts (weight 100-900); the regular weight is cut out as a static font.
- Noto Sans KR keeps Hangul only and Noto Sans SC keeps the Han ideographs, kana and CJK punctuation (their
  Latin duplicates Noto Sans's). Whole blocks are kept, never a list of "likely" characters: a name can hold
  any of them.

Inputs (checked against the hashes below, so a rebuild is the same font):
- Debian's `fonts-noto-core` 20201225-1 (`apt-get install fonts-noto-core`): /usr/share/fonts/truetype/noto
- Google Fonts' NotoSansSC[wght].ttf and NotoSansKR[wght].ttf (Noto Sans CJK 2.004, google/fonts
  ofl/notosanssc and ofl/notosanskr), for instance from the PyPI wheel `justmytype-intl-cjk` 0.1.0.

    pip install fonttools
    python scripts/build_fonts.py --noto /usr/share/fonts/truetype/noto --cjk DIR_WITH_THE_TWO_TTFS
"""

from __future__ import annotations

import argparse
import hashlib
import io
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont
from fontTools.varLib import instancer

OUT = Path(__file__).parents[1] / "therapy_desk" / "resources" / "fonts"

NOTO_CORE = {
    "NotoSans-Regular.ttf": "89c3c497f618fdaa0b2d1e98fef93582f28c71debd2c4a8cdf41f190ced2909d",
    "NotoSans-Bold.ttf": "e83493c945848ecd4a9ad0f6d19164541a0d3e23a9c952304a00a46e00272ac5",
    "NotoSansArabic-Regular.ttf": "504d7407d86875acf7d04dfaa0fd7524d0b8797723bc4aa18022f29db25b0b6e",
    "NotoSansArabic-Bold.ttf": "ded6fc7359ca36d15d7aab9ef0c066e21ce48b26a069994d6602fa2cb9a1b952",
    "NotoSansHebrew-Regular.ttf": "436900d5ad77d33e4234247f3076eaecd25b92b9bea0519514f684140e3566a7",
    "NotoSansHebrew-Bold.ttf": "d3b01343f71e8a93fffb84c345a1aecbaf4694b98d0eaace916cb9eac9e6dcd3",
    "NotoSansDevanagari-Regular.ttf": "79a470365ccb210fa3c7d8d8ff2e005ef9d983cfd067f735a0caf7e15070ca9f",
    "NotoSansDevanagari-Bold.ttf": "77ad688cfe1dc55185bf4edb4db3c614202c65dd23a1463ad0e23fc52bcc9a5c",
    "NotoSansThai-Regular.ttf": "dfbd5ed0f1e68c3cbc51aa08f646d1ab0e68e7c4ceab70a69e465225ff701f93",
    "NotoSansThai-Bold.ttf": "97bbc8ea98328325285f2f552228c7aac1db39d8f38f0096a61ba7df1f1f780e",
    "NotoSansGeorgian-Regular.ttf": "ba75f2154fef9beac8439f94c631dc37ef9c708d32f9254bb019afdfa9aa3138",
    "NotoSansGeorgian-Bold.ttf": "2cee22513f5c94b5577fe1a91df94836dc9825ac78e5b3a9f3c49d1f038a5f11",
    "NotoSansArmenian-Regular.ttf": "9636c32c121f4fc1fc6963dfad60ea32c41889507118a46f83a818eacf40348e",
    "NotoSansArmenian-Bold.ttf": "a0f398d0205f0b96d6637ac66d92e6e42b230f8ed3853a050d0aa5792eb9b7f7",
}
SC_SOURCE = ("NotoSansSC[wght].ttf", "a3041811a78c361b1de50f953c805e0244951c21c5bd412f7232ef0d899af0da")
KR_SOURCE = ("NotoSansKR[wght].ttf", "194018e6b2b293a7964f037b25c0249ce1418bc9ab3c971060a03aa57861e252")

SPACES = [(0x20, 0x20), (0xA0, 0xA0)]
CJK_PUNCTUATION = [(0x3000, 0x303F), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF)]
HAN_AND_KANA = [
    (0x2E80, 0x2FDF),  # CJK and Kangxi radicals
    (0x3040, 0x30FF),  # hiragana, katakana
    (0x3190, 0x31FF),  # kanbun, CJK strokes, katakana extensions
    (0x3200, 0x33FF),  # enclosed CJK, CJK compatibility
    (0x3400, 0x4DBF),  # extension A
    (0x4E00, 0x9FFF),  # unified ideographs
    (0xF900, 0xFAFF),  # compatibility ideographs
    (0x20000, 0x2FFFF),  # the supplementary ideographic plane (what the font has of it)
]
HANGUL = [(0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xAC00, 0xD7A3), (0xD7B0, 0xD7FF)]


def _read(path: Path, sha256: str) -> bytes:
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise SystemExit(f"{path}: not the expected upstream file (sha256 differs)")
    return data


def _save(font: TTFont, name: str) -> None:
    out = OUT / name
    font.save(out)
    print(f"wrote {out.name}: {out.stat().st_size // 1024} KiB, {len(font.getBestCmap())} characters")


def _subset(font: TTFont, ranges: list[tuple[int, int]] | None) -> TTFont:
    options = subset.Options()
    options.hinting = False
    options.layout_features = ["*"]  # every shaping feature stays: harfbuzz needs them
    options.name_IDs = ["*"]  # copyright, licence and version strings stay in the file
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.drop_tables += ["vhea", "vmtx", "VORG", "BASE"]  # vertical writing: never used in our PDFs
    subsetter = subset.Subsetter(options)
    # No control characters: reportlab draws a character a font lacks with the glyph of U+0000, which
    # Noto maps to an invisible empty glyph. Unmapped, it is the font's missing-glyph box: a gap a reader
    # notices instead of a name silently short of a letter.
    keep = font.getBestCmap().keys() if ranges is None else [c for low, high in ranges for c in range(low, high + 1)]
    subsetter.populate(unicodes=[c for c in keep if c >= 0x20])
    subsetter.subset(font)
    return font


def _static_regular(data: bytes) -> TTFont:
    font = TTFont(io.BytesIO(data), recalcTimestamp=False)
    return instancer.instantiateVariableFont(font, {"wght": 400}, updateFontNames=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--noto", type=Path, required=True, help="folder of Debian's fonts-noto-core TTFs")
    parser.add_argument("--cjk", type=Path, required=True, help="folder holding NotoSansSC[wght].ttf and KR")
    args = parser.parse_args()
    for name, sha256 in NOTO_CORE.items():
        font = TTFont(io.BytesIO(_read(args.noto / name, sha256)), recalcTimestamp=False)
        _save(_subset(font, None), name)
    sc = _static_regular(_read(args.cjk / SC_SOURCE[0], SC_SOURCE[1]))
    _save(_subset(sc, SPACES + CJK_PUNCTUATION + HAN_AND_KANA), "NotoSansSC-Regular.ttf")
    kr = _static_regular(_read(args.cjk / KR_SOURCE[0], KR_SOURCE[1]))
    _save(_subset(kr, SPACES + CJK_PUNCTUATION + HANGUL), "NotoSansKR-Regular.ttf")


if __name__ == "__main__":
    main()
