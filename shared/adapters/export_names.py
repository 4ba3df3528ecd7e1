"""The one rule every export store applies to the name it is given."""

from __future__ import annotations

import re

_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")


def file_name(name: str) -> str:
    """`name` if it is one plain file name (letters, digits, `.`, `_`, `-`; at most 200; no folder,
    no leading dot); else ValueError, so no store writes outside its folder or prefix."""
    if not _FILE_NAME.fullmatch(name):
        raise ValueError(f"an export is named by one plain file name, not {name[:60]!r}")
    return name
