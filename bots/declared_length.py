"""The length a WSGI request declares for its body, checked before a byte of the body is read."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_COUNT = re.compile(r"[0-9]{1,12}")


def declared_length(environ: Mapping[str, Any]) -> int | None:
    """The body's declared length (0 if none is declared); None if `Content-Length` is no count
    of bytes (negative, not a number): reading with -1 reads until the client hangs up, with no
    limit on the body's size."""
    text = environ.get("CONTENT_LENGTH") or "0"
    return int(text) if isinstance(text, str) and _COUNT.fullmatch(text) else None


UNREAD = "the body did not arrive whole (the client went silent or hung up before its length)"
"""Why a body that was declared is not read: answered 408, never a server error."""


def read_declared(environ: Mapping[str, Any], length: int) -> bytes | None:
    """The body of `length` bytes; None if the client stops sending before its end (the
    server's read times out) or hangs up: a slow client never becomes a 500 and a trace."""
    if not length:
        return b""
    try:
        body: bytes = environ["wsgi.input"].read(length)
    except OSError:  # TimeoutError: the socket's timeout; ConnectionResetError
        return None
    return body if len(body) == length else None
