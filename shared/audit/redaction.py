"""Mask secrets before they reach an audit entry: chat tokens, AWS keys, bearer tokens."""

from __future__ import annotations

import re

MASK = "***"

_SECRET_NAME = r"(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|credential)"  # noqa: S105
_VALUE = r"'[^']*'|\"[^\"]*\"|[^\s'\"]+"

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Slack bot, user, app-level, refresh and config tokens; keep the kind, drop the secret
    (re.compile(r"\b(xox[abposre]|xapp|xoxe\.xox[bp])-[A-Za-z0-9-]{8,}"), rf"\1-{MASK}"),
    (
        re.compile(r"(hooks\.slack\.com/(?:services|workflows|triggers)/)[A-Za-z0-9/_-]+"),
        rf"\1{MASK}",
    ),
    # AWS access key ids, and secret access keys named as such
    (re.compile(r"\b(AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b"), rf"\1{MASK}"),
    (
        re.compile(
            r"(?i)\b(aws_secret_access_key|secret_access_key|aws_session_token)(\s*[=:]\s*)\S+"
        ),
        rf"\1\2{MASK}",
    ),
    # Authorization headers and JSON web tokens (Teams and Bot Framework tokens are JWTs)
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"), rf"\1 {MASK}"),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"), MASK),
    # --password=…, --client-secret …, password: …, token=… (an option may use a space)
    (re.compile(rf"(?i)(--[\w-]*{_SECRET_NAME}[\w-]*)(=|\s+)({_VALUE})"), rf"\1\2{MASK}"),
    (re.compile(rf"(?i)(\b[\w-]*{_SECRET_NAME}[\w-]*)(\s*[=:]\s*)({_VALUE})"), rf"\1\2{MASK}"),
    # URLs with credentials in them
    (re.compile(r"(\b[a-z][a-z0-9+.-]*://[^/\s:@]+:)[^@\s/]+@"), rf"\1{MASK}@"),
)


def redact(text: str) -> str:
    """`text` with every secret-looking value replaced by `***`."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text
