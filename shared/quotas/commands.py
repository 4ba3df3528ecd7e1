"""`sre quota show|set`: a team's limits, and an org admin setting them."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import StringConstraints

from shared.commands.base import Command, OptionalTeam
from shared.errors import InvalidCommandError, did_you_mean
from shared.identity.ports import Directory
from shared.identity.rbac import Permission
from shared.invocation import Invocation
from shared.quotas.models import Limit

LimitName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{1,40}$")]
"""A limit as typed (checked against `Limit` by the handler, which suggests the closest)."""
CapText = Annotated[str, StringConstraints(pattern=r"^[^\s]{1,30}$")]
"""A limit's value as typed: a whole number, `unlimited` or `default`."""

SET_USAGE = (
    "sre quota set LIMIT VALUE [--team TEAM]   (VALUE: a whole number, commas only between "
    "groups of three as in 1,000, unlimited, or default: the team's own removed)"
)


class ShowQuotas(Command):
    words = ("quota", "show")
    aliases: ClassVar[tuple[tuple[str, ...], ...]] = (("quotas",), ("quota", "list"))
    permission = Permission.TEAM_READ
    target_kind = "team"
    purpose = "Show a team's quotas: each limit, where it is set, and what is used of it now."
    examples = ("sre quota show", "sre quota show --team payments")
    team: OptionalTeam = None


class SetQuota(Command):
    words = ("quota", "set")
    positional = ("limit", "value")
    permission = Permission.ORG_ADMIN
    target_kind = "team"
    mutates = True
    may_change_nothing = True
    purpose = (
        "Set a quota: the org's default (for every team without its own), or a team's with "
        "--team; `unlimited` lifts it, `default` removes the team's own (or the org's default)."
    )
    examples = (
        "sre quota set investigations-per-day 50 --team payments",
        "sre quota set canaries 3",
        "sre quota set model-tokens-per-month unlimited --team search",
        "sre quota set investigations-per-day default --team payments",
    )
    limit: LimitName
    value: CapText
    team: OptionalTeam = None

    def own_team(self, invocation: Invocation, *, directory: Directory) -> str | None:  # noqa: ARG002
        """A team's quota is set in that team (audited in its trail); else the org's."""
        return self.team


QUOTA_COMMANDS: tuple[type[Command], ...] = (ShowQuotas, SetQuota)


def known_limit(typed: str) -> Limit:
    """The limit named `typed`; InvalidCommandError suggesting the closest if there is none."""
    names = [limit.value for limit in Limit]
    if typed.lower() in names:
        return Limit(typed.lower())
    guess = did_you_mean(typed.lower(), names)
    raise InvalidCommandError(
        f"There is no quota `{typed}`.{guess or ' The quotas: ' + ', '.join(names) + '.'}",
        usage=SET_USAGE,
    )
