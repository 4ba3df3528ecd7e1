"""The embedded default's digest signing key: a random secret in AUTOSRE_HOME/audit.key (0600)."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from shared.audit.seal import SigningKey


def load_or_create(path: Path) -> SigningKey:
    """The key in `path`, made (32 random bytes, hex, owner-only) if there is none yet."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_hex(32))
    return SigningKey(secret=path.read_text().strip().encode())
