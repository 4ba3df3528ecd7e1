"""Build the Teams app package (manifest + icons) to upload in Teams' Developer Portal.

Usage: TEAMS_APP_ID=<your bot's app id> python infra/teams/package.py -> .build/teams/autosre.zip
"""

from __future__ import annotations

import os
import struct
import sys
import zipfile
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE.parents[1] / ".build" / "teams"


def png(size: int, rgba: tuple[int, int, int, int]) -> bytes:
    """A square PNG of one colour (Teams wants a 192 px colour icon and a 32 px outline icon)."""
    row = b"\x00" + bytes(rgba) * size
    raw = zlib.compress(row * size)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def build(app_id: str) -> Path:
    """The zip Teams accepts: manifest.json with the bot's id, color.png, outline.png."""
    manifest = (HERE / "manifest.json").read_text().replace("${TEAMS_APP_ID}", app_id)
    OUT.mkdir(parents=True, exist_ok=True)
    package = OUT / "autosre.zip"
    with zipfile.ZipFile(package, "w") as bundle:
        bundle.writestr("manifest.json", manifest)
        bundle.writestr("color.png", png(192, (0x1D, 0x35, 0x57, 0xFF)))
        bundle.writestr("outline.png", png(32, (0xFF, 0xFF, 0xFF, 0xFF)))
    return package


if __name__ == "__main__":
    app = os.environ.get("TEAMS_APP_ID")
    if not app:
        sys.exit("Set TEAMS_APP_ID to your bot's Microsoft app id.")
    print(build(app))  # noqa: T201 (a build script reports what it made)
