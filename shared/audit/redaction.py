"""Mask secrets before text is stored, posted or audited: chat, cloud and code-host tokens,
private keys, passwords (as options, settings, JSON or prose). The one redaction of the product."""

from __future__ import annotations

import re

MASK = "***"

_SECRET_NAME = (
    r"(?:password|passphrase|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|credential)"  # noqa: S105
)
_KEY_NAME = r"(?:[A-Za-z0-9]{1,32}[_-]){0,8}(?:key|(?-i:[A-Za-z0-9]{0,32}[a-z0-9]Key))"
"""A name that is, or ends in, the word key: `key`, `signing_key`, `--license-key`, `AccountKey`
(not `monkey` or `keycloak`: key must be a whole part of the name). Every part of a name is
bounded (a name's parts at most 32 characters, 8 of them; 64 around a secret's name), so a text
of 4,000 characters is scanned in linear time: unbounded, `k-k-k-…` took 5 s."""
_PASS_NAME = r"(?:[A-Za-z0-9]{1,32}[_-]){0,8}pass"  # noqa: S105
"""A name that is, or ends in, the word pass: `pass`, `DB_PASS`, `--db-pass` (not `bypass`,
`compass` or `passport`: pass must be a whole part of the name)."""
_SECRET_LIKE = r"(?=[^\s'\",;]*\d)(?=[^\s'\",;]*[A-Za-z])[^\s'\",;]{8,}"  # noqa: S105
"""A value that looks like a secret: 8 or more characters with a letter and a digit, up to a
space, a quote, a comma or a semicolon (`Tags=[{Key=team,Value=…}]` keeps what follows)."""
_MASKED = r"(?!\*\*\*(?![A-Za-z0-9]))"
"""Not a value masked already (`***`, then no letter or digit): masking twice changes nothing,
while `***hunter2`, a secret typed after stars, is still masked."""
_VALUE = rf"{_MASKED}(?:'[^']*'|\"[^\"]*\"|[^\s'\"]+)"
"""A value as written: quoted, or up to a space; not one masked already (so masking twice
changes nothing: `password=***`` keeps its closing quote)."""
_B64 = "A-Za-z0-9/+"

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Slack bot, user, app-level, refresh, config, client (xoxc) and cookie (xoxd) tokens; keep
    # the kind, drop the secret
    (re.compile(r"\b(xox[a-z]|xapp|xoxe\.xox[bp])-[A-Za-z0-9-]{8,}"), rf"\1-{MASK}"),
    (
        re.compile(r"(?i)(hooks\.slack\.com/(?:services|workflows|triggers)/)[A-Za-z0-9/_-]+"),
        rf"\1{MASK}",
    ),
    (
        re.compile(r"(?i)(\bdiscord(?:app)?\.com/api/webhooks/)[A-Za-z0-9/_-]+"),
        rf"\1{MASK}",
    ),
    # PEM private keys (RSA, EC, OPENSSH, PKCS#8, encrypted) and PGP private key blocks, to their
    # END line or the end of text
    (
        re.compile(
            r"-----BEGIN ([A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?)-----.*?"
            r"(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|\Z)",
            re.DOTALL,
        ),
        rf"-----BEGIN \1----- {MASK} -----END \1-----",
    ),
    # GitLab, npm and Stripe tokens
    (re.compile(r"\b(glpat|gldt|glrt)-[A-Za-z0-9_-]{20,}"), rf"\1-{MASK}"),
    (re.compile(r"\bnpm_[A-Za-z0-9]{36}\b"), f"npm_{MASK}"),
    (re.compile(r"\b([sr]k_(?:live|test))_[A-Za-z0-9]{16,}"), rf"\1_{MASK}"),
    # GitHub tokens: classic and OAuth/app/refresh (36 characters after the prefix), fine-grained
    (re.compile(r"\b(gh[pousr])_[A-Za-z0-9]{36,}\b"), rf"\1_{MASK}"),
    (re.compile(r"\bgithub_pat_[A-Za-z0-9_]{22,}"), f"github_pat_{MASK}"),
    # Google API keys
    (re.compile(r"\bAIza[0-9A-Za-z_-]{35}"), f"AIza{MASK}"),
    # AWS access key ids, and secret access keys named as such
    (re.compile(r"\b(AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b"), rf"\1{MASK}"),
    (
        re.compile(
            r"(?i)\b(aws_secret_access_key|secret_access_key|aws_session_token)(\s*[=:]\s*)"
            rf"{_MASKED}\S+"
        ),
        rf"\1\2{MASK}",
    ),
    # a bare AWS secret access key: exactly 40 base64 characters with upper and lower case and a
    # digit (so a 40-character git commit id, lowercase hex, is kept)
    (
        re.compile(
            rf"(?<![{_B64}=])(?=[{_B64}]{{0,39}}[a-z])(?=[{_B64}]{{0,39}}[A-Z])"
            rf"(?=[{_B64}]{{0,39}}[0-9])[{_B64}]{{40}}(?![{_B64}=])"
        ),
        MASK,
    ),
    # Authorization headers and JSON web tokens (Teams and Bot Framework tokens are JWTs)
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"), rf"\1 {MASK}"),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"), MASK),
    # JSON or Python mappings: "token": "…", 'client_secret': '…'
    (
        re.compile(
            rf"(?i)(([\"'])[\w-]{{0,64}}{_SECRET_NAME}[\w-]{{0,64}}\2\s*:\s*)([\"'])(?:(?!\3).)*\3"
        ),
        rf"\1\3{MASK}\3",
    ),
    # in prose: "the root password is hunter2", "password for db01 was: x"
    (
        re.compile(
            r"(?i)(\b(?:pass(?:word|phrase)|passwd|pwd)(?:\s+(?:for|of)\s+\S+)?"
            rf"\s+(?:is|was|will be)(?:\s+now)?\s*:?\s+){_MASKED}(\S+)"
        ),
        rf"\1{MASK}",
    ),
    # --password=…, --client-secret …, password: …, token=… (an option may use a space)
    (
        re.compile(rf"(?i)(--[\w-]{{0,64}}{_SECRET_NAME}[\w-]{{0,64}})(=|\s+)({_VALUE})"),
        rf"\1\2{MASK}",
    ),
    (
        re.compile(rf"(?i)(\b[\w-]{{0,64}}{_SECRET_NAME}[\w-]{{0,64}})(\s*[=:]\s*)({_VALUE})"),
        rf"\1\2{MASK}",
    ),
    (re.compile(rf"(?i)(--{_PASS_NAME})(=|[ \t]+)({_VALUE})"), rf"\1\2{MASK}"),
    (re.compile(rf"(?i)(\b{_PASS_NAME})([ \t]*[=:][ \t]*)({_VALUE})"), rf"\1\2{MASK}"),
    # a secret's name, a space, then a value that looks like one: `client_secret hunter2x`;
    # not an option (`chaos start pay-secret --fault=delay:1500ms` names a service)
    (
        re.compile(
            rf"(?i)(\b[\w-]{{0,64}}{_SECRET_NAME}[\w-]{{0,64}})([ \t]+)(?!--){_SECRET_LIKE}"
        ),
        rf"\1\2{MASK}",
    ),
    # the same for names that are, or end in, the word key, but only before a value that looks
    # like a secret (a `partition_key=tenant_id`, a `Key=RequestCount` dimension, "the key:
    # restart pods" are not); an option named so (`--license-key …`) is masked whatever follows
    (
        re.compile(rf"(?i)(([\"'])(?:[\w-]{{0,64}}[_-])?key\2\s*:\s*)([\"']){_SECRET_LIKE}\3"),
        rf"\1\3{MASK}\3",
    ),
    (re.compile(rf"(?i)(--{_KEY_NAME})(=|[ \t]+)({_VALUE})"), rf"\1\2{MASK}"),
    (re.compile(rf"(?i)(\b{_KEY_NAME})([ \t]*[=:][ \t]*){_SECRET_LIKE}"), rf"\1\2{MASK}"),
    # Teams (and Office 365) incoming webhooks, Azure shared access signatures
    (
        re.compile(r"(?i)(\b[\w.-]*\.office\.com/webhook(?:b2)?/)\S+"),
        rf"\1{MASK}",
    ),
    (re.compile(r"(?i)([?&;\s]sig=)[^&\s;]+"), rf"\1{MASK}"),
    # URLs with credentials in them: the user may be empty (`redis://:pw@cache`) and the
    # password may hold `@`: the credentials end at the last `@` before the host
    (re.compile(r"(\b[a-z][a-z0-9+.-]*://[^/\s:@]*:)[^\s/]*@"), rf"\1{MASK}@"),
)


def redact(text: str) -> str:
    """`text` with every secret-looking value replaced by `***`."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text
