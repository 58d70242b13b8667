"""Draw Therapy Desk's app icon with Qt and write it in every size and format the installers want.

    .venv/bin/python scripts/make_icon.py        # rewrites resources/icons/*

A rounded square in a calm teal, with a white speech bubble (the conversation) holding three lines of a
note (the chart). Drawn as vectors at each size, so the small sizes are not blurred downscales. Writes:

- resources/icons/therapy-desk-<N>.png for N in 16, 32, 48, 64, 128, 256, 512 (Linux hicolor theme, the
  .tar.gz, the window icon);
- resources/icons/therapy-desk.ico (Windows: 16 to 256 px, PNG-compressed entries, Vista and later);
- resources/icons/therapy-desk.icns (macOS: PNG entries icp4..ic10, read by macOS 10.7 and later; the
  same file `iconutil -c icns` makes from an .iconset folder, written here without needing a Mac).

The ICO and ICNS containers are written by hand (a header and a table of PNGs), so no Pillow is needed.
Run offscreen: QT_QPA_PLATFORM=offscreen is set when no display is.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QLinearGradient, QPainter, QPainterPath, QPen

ROOT = Path(__file__).resolve().parent.parent
ICONS = ROOT / "resources" / "icons"
PNG_SIZES = (16, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 32, 48, 64, 128, 256)
# ICNS entry types holding PNG data, by pixel size (Apple's icns types, macOS 10.7 and later).
ICNS_TYPES = ((b"icp4", 16), (b"icp5", 32), (b"icp6", 64), (b"ic07", 128), (b"ic08", 256), (b"ic09", 512))
TOP, BOTTOM = QColor(44, 122, 123), QColor(29, 78, 107)  # teal to deep blue-teal
INK = QColor(44, 122, 123)


def draw(size: int) -> QImage:
    """The icon at `size` pixels square, transparent outside the rounded square."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.scale(size / 100, size / 100)  # draw on a 100 x 100 canvas
    margin = 4 if size >= 32 else 1  # small sizes use the whole square: every pixel counts
    tile = QRectF(margin, margin, 100 - 2 * margin, 100 - 2 * margin)
    gradient = QLinearGradient(QPointF(0, margin), QPointF(0, 100 - margin))
    gradient.setColorAt(0, TOP)
    gradient.setColorAt(1, BOTTOM)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(gradient)
    p.drawRoundedRect(tile, 22, 22)

    bubble = QPainterPath()
    bubble.addRoundedRect(QRectF(20, 22, 60, 44), 12, 12)
    tail = QPainterPath()
    tail.moveTo(32, 60)
    tail.lineTo(28, 80)
    tail.lineTo(48, 63)
    tail.closeSubpath()
    p.setBrush(QColor(255, 255, 255))
    p.drawPath(bubble.united(tail))

    pen = QPen(INK, 5 if size >= 32 else 7)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    p.setPen(pen)
    lines = ((31, 35, 69), (31, 44, 69), (31, 53, 56)) if size >= 32 else ((31, 37, 69), (31, 51, 58))
    for x0, y, x1 in lines:
        p.drawLine(QPointF(x0, y), QPointF(x1, y))
    p.end()
    return image


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise RuntimeError("Qt could not encode a PNG")
    buffer.close()
    return bytes(data.data())


def ico(pngs: dict[int, bytes]) -> bytes:
    """A Windows .ico holding `pngs` (size -> PNG bytes); 256 is written as 0, as the format says."""
    sizes = sorted(pngs)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = 6 + 16 * len(sizes)
    entries, blobs = b"", b""
    for size in sizes:
        blob = pngs[size]
        side = 0 if size >= 256 else size
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(blob), offset)
        offset += len(blob)
        blobs += blob
    return header + entries + blobs


def icns(pngs: dict[int, bytes]) -> bytes:
    """A macOS .icns holding PNG entries for the sizes in ICNS_TYPES (plus 1024 if given, as ic10)."""
    types = [*ICNS_TYPES, (b"ic10", 1024)]
    body = b"".join(kind + struct.pack(">I", 8 + len(pngs[size])) + pngs[size] for kind, size in types if size in pngs)
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def main() -> int:
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _app = QGuiApplication(sys.argv[:1])
    ICONS.mkdir(parents=True, exist_ok=True)
    pngs = {size: png_bytes(draw(size)) for size in (*PNG_SIZES, 1024)}
    for size in PNG_SIZES:
        (ICONS / f"therapy-desk-{size}.png").write_bytes(pngs[size])
    (ICONS / "therapy-desk.ico").write_bytes(ico({size: pngs[size] for size in ICO_SIZES}))
    (ICONS / "therapy-desk.icns").write_bytes(icns(pngs))
    print(f"Wrote {len(PNG_SIZES)} PNGs, therapy-desk.ico and therapy-desk.icns to {ICONS.relative_to(ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
