"""The first org admins from `AUTOSRE_ORG_ADMINS`, each keyed by platform, org and user.

An entry is `slack:<workspace or grid org id>:<user id>`, `teams:<tenant id>:<AAD object id>` or
`local:<login>`. Entries of the older form without a platform (`T0123:U0456`) are read once, at
start-up: a Slack-shaped org id (`T…`/`E…`) becomes `slack:`, a tenant GUID becomes `teams:`,
with a warning asking for the new form; anything else (a bare `USER`, which used to mean "in any
org") grants nothing and is named in a warning.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from shared.identity.models import LOCAL_ORG, Actor, OrgId, Platform, UserId, org_id
from shared.records import Frozen

log = logging.getLogger("autosre.identity")

_SLACK_ORG = re.compile(r"^[TE][A-Z0-9]+\Z")
_TENANT = re.compile(r"^[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}\Z")
FORM = "slack:T…:U…, teams:<tenant id>:<AAD object id> or local:<login>"
"""How an entry is written, for warnings and errors."""


def configured_by(org: OrgId) -> str:
    """Where an org's configured admins come from, as a reply names it: the terminal makes its
    own user org admin when AUTOSRE_ORG_ADMINS is unset (`make run` sets nothing)."""
    if org == LOCAL_ORG:
        return "configuration (AUTOSRE_ORG_ADMINS, or the terminal's own user when it is unset)"
    return "configuration (AUTOSRE_ORG_ADMINS)"


class ConfiguredAdmin(Frozen):
    """One configured org admin: a user of one org."""

    org: OrgId
    user: UserId

    def is_actor(self, actor: Actor) -> bool:
        """Whether `actor` is this admin (same org, platform included, and same user)."""
        return actor.org == self.org and actor.user == self.user


def parse_admin(entry: str) -> ConfiguredAdmin | None:
    """The admin an entry of the current form names, or None if it is not of that form."""
    platform, _, rest = entry.strip().partition(":")
    if platform == Platform.LOCAL.value:
        return ConfiguredAdmin(org=LOCAL_ORG, user=UserId(rest)) if rest else None
    if platform not in (Platform.SLACK.value, Platform.TEAMS.value):
        return None
    org, _, user = rest.partition(":")
    if not org or not user or ":" in user:
        return None
    return ConfiguredAdmin(org=org_id(Platform(platform), org), user=UserId(user))


def migrated(entry: str) -> str | None:
    """The current form of an entry written without a platform, when its org id tells which
    platform it is (`T0123:U0456` -> `slack:T0123:U0456`); None when it does not."""
    org, _, user = entry.strip().partition(":")
    if not user or ":" in user:
        return None
    if _SLACK_ORG.match(org):
        return f"{Platform.SLACK.value}:{org}:{user}"
    if _TENANT.match(org):
        return f"{Platform.TEAMS.value}:{org}:{user}"
    return None


def configured_admins(entries: Iterable[str]) -> tuple[ConfiguredAdmin, ...]:
    """Read the configured admins once: old entries migrated, unreadable ones dropped, both
    with a warning that says what to write instead."""
    admins, problems = read_admins(entries)
    for problem in problems:
        log.warning("AUTOSRE_ORG_ADMINS entry %s", problem)
    return admins


def read_admins(entries: Iterable[str]) -> tuple[tuple[ConfiguredAdmin, ...], list[str]]:
    """The admins the entries name (old entries migrated), and what is wrong with the others
    or with how they are written (`'U2' grants nothing: write it as …`)."""
    admins: list[ConfiguredAdmin] = []
    problems: list[str] = []
    for entry in entries:
        if any(ch.isspace() for ch in entry.strip()):  # no id has a space: it would match nobody
            problems.append(f"{entry!r} grants nothing: it has a space inside")
            continue
        admin = parse_admin(entry)
        if admin is None and (new := migrated(entry)) is not None:
            problems.append(f"{entry!r} read as {new!r}: write it so")
            admin = parse_admin(new)
        if admin is None:
            problems.append(f"{entry!r} grants nothing: write it as {FORM}")
            continue
        admins.append(admin)
    return tuple(admins), problems
