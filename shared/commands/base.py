"""The base of every command model and the value types commands share."""

# No `from __future__ import annotations` here: pydantic reads a model's annotations and those of
# every model it derives from, so the ClassVars below, if strings, would be compiled and evaluated
# again for each of the dozens of commands (860 of the 1,326 evaluations when the command models
# load: ~20-40 ms of CPU on the Slack function's cold start, see README's Benchmarks).
from datetime import datetime
from typing import Annotated, ClassVar, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from shared.commands.free_text import FreeText
from shared.identity.models import TeamName
from shared.identity.ports import Directory
from shared.identity.rbac import Permission
from shared.invocation import Invocation
from shared.times import clock


def _plain_user(value: str) -> str:
    return value.removeprefix("@")


UserRef = Annotated[
    str,
    StringConstraints(pattern=r"^@?[A-Za-z0-9][A-Za-z0-9._:@-]{0,99}$"),
    AfterValidator(_plain_user),
]
"""A user as their platform names them (`U024BE7LH`, an AAD object id, a login); `@` optional."""

ChannelRef = Annotated[str, StringConstraints(pattern=r"^#?[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}$")]
"""A channel id (`C024BE91L`, a Teams conversation id, `local`)."""


OptionalTeam = Annotated[
    TeamName | None, Field(description="the team to act for (default: the channel's team)")
]

TargetKind = Literal[
    "alert",
    "silence",
    "service",
    "canary",
    "experiment",
    "investigation",
    "team",
    "user",
    "channel",
    "org",
    "variant",
]
"""The kind of thing a command acts on, as its audit entry names it (`alert:p99-high`)."""

__all__ = ["ChannelRef", "Command", "FreeText", "OptionalTeam", "TargetKind", "UserRef"]


class Command(BaseModel):
    """A parsed command: its words, the permission it needs and how it runs."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    words: ClassVar[tuple[str, ...]]
    """The words that name the command, e.g. ("team", "member", "add")."""
    aliases: ClassVar[tuple[tuple[str, ...], ...]] = ()
    positional: ClassVar[tuple[str, ...]] = ()
    """Fields given by position, in order."""
    rest: ClassVar[str | None] = None
    """The free-text field that takes the rest of the line, unquoted (`comment ID rolled back
    v7`): the last positional, and as an option all the words up to the next option."""
    permission: ClassVar[Permission]
    purpose: ClassVar[str]
    mutates: ClassVar[bool] = False
    """Whether it changes anything: audited before and after, run at most once per delivery."""
    deferred: ClassVar[bool] = False
    """Whether it is slow: answered at once, run by the worker, its result posted later."""
    checked_before_queueing: ClassVar[bool] = False
    """Whether its feature checks, before it is queued (a slow command), that it can run at all
    (its service exists and can be read): one that cannot is answered at once, and neither
    queued nor audited (registered with `Handlers.add(..., check=...)`)."""
    may_change_nothing: ClassVar[bool] = False
    """Whether its feature tells, before it is audited (or queued), that it would change nothing
    (registered with `Handlers.add(..., unchanged=...)`); only these load a lazy feature to ask."""
    safe_without_audit: ClassVar[bool] = False
    """Whether it runs while the audit trail is down (a kill switch): its entries are then owed,
    written when the trail is back. Every other change is refused without its entry."""
    examples: ClassVar[tuple[str, ...]] = ()
    target_kind: ClassVar[TargetKind]
    """The kind of thing it acts on, named in its audit entry."""
    target_field: ClassVar[str | None] = None
    """The field that names that thing (None: the team acted for, the channel, or the org)."""
    needs_caller: ClassVar[bool] = True
    """Whether answering needs who the caller is (roles, a team). `help` does not: it is answered
    without reading the directory, a delivery guard or an audit entry (public, changes nothing)."""

    @model_validator(mode="after")
    def _in_order(self) -> Self:
        """A span (`--since`, `--until`) ends after it starts, whatever the command."""
        values = self.__dict__  # the fields set (a missing attribute costs pydantic a raise)
        since, until = values.get("since"), values.get("until")
        if isinstance(since, datetime) and isinstance(until, datetime) and until <= since:
            raise ValueError(
                f"--until ({clock(until, days=True)} UTC) is not after --since"
                f" ({clock(since, days=True)} UTC): the span would be empty"
            )
        return self

    @classmethod
    def phrase(cls) -> str:
        """The command's words as typed, e.g. `team member add`."""
        return " ".join(cls.words)

    def required(self) -> Permission:
        """The permission this command needs (some depend on their options)."""
        return self.permission

    def said_as(self) -> str:
        """The command as a refusal names it: its words and the flags given (`chaos halt
        --all`: a flag may change who may run it)."""
        flags = [f"--{name.replace('_', '-')}" for name, value in self if value is True]
        return " ".join([self.phrase(), *flags])

    def team_option(self) -> str | None:
        """The team named by `--team` (or positionally), if the command has one."""
        value = getattr(self, "team", None)
        return value if isinstance(value, str) else None

    def audit_target(self, channel: str | None, *, team: str | None) -> str:
        """What the audit entry names as the target: `kind:value` (`alert:p99-high`), the value
        read from `target_field`; a team or channel command without one names the team acted for
        or the channel typed in; with no value at all, the kind alone (`org`: the whole org)."""
        value = getattr(self, self.target_field, None) if self.target_field else None
        if not value:
            value = {"team": team, "channel": channel}.get(self.target_kind)
        return f"{self.target_kind}:{value}" if value else self.target_kind

    def own_team(self, invocation: Invocation, *, directory: Directory) -> str | None:  # noqa: ARG002
        """The team this command acts for when it decides that itself (unbinding a channel acts
        for the team the channel is bound to); None to follow `--team` or the channel."""
        return None
