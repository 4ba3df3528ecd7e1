"""Signed, expiring links to one record's page (an investigation's, an experiment's): whoever
holds the link may read that one record of that org until it expires, and nothing else."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta

from shared.audit.seal import SigningKey

LINK_LIFETIME = timedelta(days=7)
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
FORBIDDEN = (
    "<!doctype html><title>Forbidden</title><p>This link is not valid or has expired (links last"
    " 7 days).</p><p>For a new one, ask Auto SRE in your team's channel: <code>sre investigation"
    " show ID</code> or <code>sre chaos status ID</code>, with the id at the end of this page's"
    " address.</p>"
)


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
