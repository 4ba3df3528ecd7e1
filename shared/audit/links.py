"""Signed, expiring links to one record's page (an investigation's, an experiment's): whoever
holds the link may read that one record of that org until it expires, and nothing else."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import datetime, timedelta

from shared.audit.seal import SigningKey

LINK_LIFETIME = timedelta(days=7)
PAGE_PATH = re.compile(r"/(investigations|chaos)/([^/]+)/?")
"""A page's path: its kind and record id, and nothing more."""
PAGE_STATUS = {200: "OK", 403: "Forbidden", 404: "Not Found", 503: "Service Unavailable"}
"""The reason phrase of each status a page is answered with."""
RETRY_SECONDS = 5
"""What a 503 page (`BUSY`) asks a browser to wait (its `Retry-After`)."""
PAGE_HEADERS = (
    ("Content-Type", "text/html; charset=utf-8"),
    ("Cache-Control", "no-store"),
    # the page is one self-contained document (inline style, data: images): nothing else loads,
    # no script runs, and it is never framed, nor named in a Referer (its address has the token)
    (
        "Content-Security-Policy",
        "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'",
    ),
    ("Referrer-Policy", "no-referrer"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
)
"""The headers of an investigation's or experiment's page (and of its 403), on every surface."""
_SHORT_PAGE = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    "<title>{title}</title><style>body {{ font: 16px/1.5 system-ui, sans-serif;"
    " overflow-wrap: anywhere; }}</style></head><body>{body}</body></html>"
)
_NEW_LINK = (
    "<p>For a new one, ask Auto SRE in your team's channel: <code>sre investigation show ID"
    "</code> or <code>sre chaos status ID</code>, with the id this page's address names after "
    "<code>/investigations/</code> or <code>/chaos/</code> (<code>inv-…</code>, <code>chx-…"
    "</code>).</p>"
)
FORBIDDEN = _SHORT_PAGE.format(
    title="Forbidden",
    body=f"<p>This link is not valid or has expired (links last 7 days).</p>{_NEW_LINK}",
)
NO_TOKEN = _SHORT_PAGE.format(
    title="Forbidden",
    body="<p>This link has no token: a page's link ends in <code>?token=…</code>. Copy the whole "
    f"link from its message.</p>{_NEW_LINK}",
)
"""The 403 of a page's address typed or copied without its token."""
BUSY = _SHORT_PAGE.format(
    title="Busy",
    body="<p>Too many pages are being drawn at this moment. Try again in a few seconds.</p>",
)
NOT_A_PAGE = _SHORT_PAGE.format(title="Not found", body="<p>There is no page here.</p>")
MAX_DRAWING = 2
"""Pages drawn at once: drawing one (its charts) takes about half a second of CPU, which the chat
endpoints beside it (Slack wants an answer within 3 s) need too."""
KEPT_PAGES = 32
"""Pages kept as drawn, the least recently served let go first."""
WAIT_SECONDS = 10.0
"""How long a request for a page being drawn waits for it."""


class DrawnPages:
    """Each page drawn once per version of its record, and kept: a link opened by a whole
    channel (or by anyone it was passed to, again and again) is drawn once. At most
    `MAX_DRAWING` are drawn at once; a request for one being drawn waits for it, one for another
    beyond that is answered 503 (`BUSY`) at once, keeping no worker."""

    def __init__(self) -> None:
        self._kept: OrderedDict[Hashable, str] = OrderedDict()
        self._drawing: dict[Hashable, threading.Event] = {}
        self._lock = threading.Lock()

    def page(self, key: Hashable, draw: Callable[[], str]) -> tuple[int, str]:
        """200 and the page `key` names (its record's id and version), drawn by `draw` if not
        kept; 503 and `BUSY` when too many are being drawn."""
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None:
                self._kept.move_to_end(key)
                return 200, kept
            drawing = self._drawing.get(key)
            if drawing is None:
                if len(self._drawing) >= MAX_DRAWING:
                    return 503, BUSY
                self._drawing[key] = threading.Event()
        if drawing is not None:  # drawn by another request: its result, when done
            drawing.wait(WAIT_SECONDS)
            with self._lock:
                kept = self._kept.get(key)
            return (200, kept) if kept is not None else (503, BUSY)
        return 200, self._draw(key, draw)

    def _draw(self, key: Hashable, draw: Callable[[], str]) -> str:
        try:
            page = draw()
            with self._lock:
                self._kept[key] = page
                while len(self._kept) > KEPT_PAGES:
                    self._kept.popitem(last=False)
            return page
        finally:
            with self._lock:
                self._drawing.pop(key).set()


def _signature(key: SigningKey, org: str, record_id: str, expires: int) -> str:
    message = f"page:{org}:{record_id}:{expires}".encode()
    digest = hmac.new(key.secret, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def token_for(key: SigningKey, org: str, record_id: str, now: datetime) -> str:
    """A token that opens one record's page until it expires."""
    expires = int((now + LINK_LIFETIME).timestamp())
    return f"{org}.{expires}.{_signature(key, org, record_id, expires)}"


def check_token(key: SigningKey, record_id: str, token: str, now: datetime) -> str | None:
    """The org a valid, unexpired token opens `record_id` for; None otherwise."""
    try:
        org, expires_text, signature = token.rsplit(".", 2)
        expires = int(expires_text)
    except ValueError:
        return None
    expected = _signature(key, org, record_id, expires)
    # bytes: a signature with characters beyond ASCII is wrong, not a TypeError (a 500)
    same = hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace"))
    if not same or expires < now.timestamp():
        return None
    return org
