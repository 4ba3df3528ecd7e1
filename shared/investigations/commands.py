"""Investigation commands: open, show, list, join, comment, escalate, resolve, cause."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints, field_validator, model_validator
from pydantic_core import PydanticCustomError

from shared.commands.base import Command, FreeText, OptionalTeam
from shared.commands.duration import Since, bounded
from shared.commands.free_text import LongText
from shared.identity.models import TeamName
from shared.identity.rbac import Permission
from shared.investigations.models import InvestigationStatus
from shared.services.commands import ServiceName
from shared.telemetry.limits import MAX_WINDOW

Window = Annotated[str, bounded(at_least=timedelta(minutes=1), at_most=MAX_WINDOW)]
"""An investigation's window: a duration of at least a minute and at most MAX_WINDOW."""


class OpenInvestigation(Command):
    words = ("investigation", "open")
    aliases = (("investigate",),)
    positional = ("service",)
    permission = Permission.INVESTIGATE
    target_kind = "service"
    target_field = "service"
    checked_before_queueing = True
    deferred = True
    mutates = True
    may_change_nothing = True  # the same request twice (a double click of Investigate)
    purpose = "Investigate a service: what changed in its golden signals, when, and after what."
    examples = ("sre investigate checkout-api", "sre investigate checkout-api --window 6h")
    service: ServiceName
    window: Window = "2h"
    since: Since = None
    alert: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9][a-z0-9._-]{0,62}$",
        json_schema_extra={"metavar": "ALERT", "scheduler_only": True},
        description="set by the scheduler: the alert that asks for it (joins an open one if any)",
    )
    team: OptionalTeam = None


UserGroup = Annotated[
    str,
    StringConstraints(pattern=r"^@?[A-Za-z0-9][A-Za-z0-9._-]{0,79}$"),
    AfterValidator(lambda value: value.removeprefix("@")),
]
"""A user group to mention: a Slack user group (`@S0123ABCD` once Slack has escaped it) or a
handle. Not a `UserRef`: a group is never a member, never given a role, never an actor in the
trail; it is only named in a message (so no `:` or `@` inside, as platform user ids have)."""


InvestigationId = Annotated[str, Field(pattern=r"^inv-[0-9a-f]{6,12}$")]


class ShowInvestigation(Command):
    words = ("investigation", "show")
    positional = ("id",)
    permission = Permission.INVESTIGATION_READ
    target_kind = "investigation"
    target_field = "id"
    purpose = "Show an investigation: its findings, participants and timeline."
    examples = ("sre investigation show inv-3f9c2a",)
    id: InvestigationId
    team: OptionalTeam = None


MAX_LISTED = 100
"""The most investigations one `investigation list` shows."""


class ListInvestigations(Command):
    words = ("investigation", "list")
    permission = Permission.INVESTIGATION_READ
    target_kind = "team"
    target_field = "team"
    purpose = "List a team's investigations, newest first."
    examples = (
        "sre investigation list",
        "sre investigation list --status open --service checkout-api --limit 20",
    )
    status: InvestigationStatus | None = None
    service: ServiceName | None = None
    limit: int = Field(default=10, ge=1, le=MAX_LISTED)
    team: OptionalTeam = None


class ReopenInvestigation(Command):
    may_change_nothing = True
    words = ("investigation", "reopen")
    positional = ("id",)
    permission = Permission.INVESTIGATE
    target_kind = "investigation"
    target_field = "id"
    mutates = True
    purpose = "Reopen a resolved investigation: it is worked again, its summary kept."
    examples = ("sre investigation reopen inv-3f9c2a",)
    id: InvestigationId
    team: OptionalTeam = None


class JoinInvestigation(Command):
    may_change_nothing = True
    words = ("investigation", "join")
    positional = ("id",)
    permission = Permission.INVESTIGATE
    target_kind = "investigation"
    target_field = "id"
    mutates = True
    purpose = "Join an investigation: you are listed as working on it."
    examples = ("sre investigation join inv-3f9c2a",)
    id: InvestigationId
    team: OptionalTeam = None


class CommentInvestigation(Command):
    words = ("investigation", "comment")
    positional = ("id", "text")
    rest = "text"
    permission = Permission.INVESTIGATE
    target_kind = "investigation"
    target_field = "id"
    mutates = True
    purpose = "Add a comment to an investigation's timeline."
    examples = ("sre investigation comment inv-3f9c2a rolled back v42",)
    id: InvestigationId
    text: LongText
    team: OptionalTeam = None

    @field_validator("text")
    @classmethod
    def _said(cls, text: str) -> str:
        if not text:  # after the cleaning: spaces and invisible characters are no comment
            raise PydanticCustomError("missing", "no text")  # refused as if nothing was typed
        return text


class ResolveInvestigation(Command):
    may_change_nothing = True
    words = ("investigation", "resolve")
    positional = ("id", "summary")
    rest = "summary"
    permission = Permission.INVESTIGATE
    target_kind = "investigation"
    target_field = "id"
    mutates = True
    purpose = (
        "Resolve an investigation with a summary of what it was and its cause (default: the "
        "signal that moved first; on a resolved one: replace its summary)."
    )
    examples = (
        "sre investigation resolve inv-3f9c2a v42 exhausted the DB pool",
        "sre investigation resolve inv-3f9c2a v42 exhausted the DB pool --cause saturation",
    )
    id: InvestigationId
    summary: LongText = ""
    cause: FreeText | None = Field(
        default=None,
        json_schema_extra={"metavar": "CAUSE"},
        description="what the cause was (default: the signal that moved first)",
    )
    team: OptionalTeam = None


class CauseInvestigation(Command):
    may_change_nothing = True
    words = ("investigation", "cause")
    positional = ("id", "cause")
    rest = "cause"
    permission = Permission.INVESTIGATE
    target_kind = "investigation"
    target_field = "id"
    mutates = True
    purpose = "Say (or change) what the cause of an investigation was."
    examples = ("sre investigation cause inv-3f9c2a deploy v43 of checkout-api",)
    id: InvestigationId
    cause: FreeText
    team: OptionalTeam = None

    @field_validator("cause")
    @classmethod
    def _said(cls, cause: str) -> str:
        if not cause:  # after the cleaning: spaces and invisible characters are no cause
            raise PydanticCustomError("missing", "no cause")
        return cause


class EscalateInvestigation(Command):
    words = ("investigation", "escalate")
    positional = ("id", "note")
    rest = "note"
    permission = Permission.INVESTIGATE
    target_kind = "investigation"
    target_field = "id"
    deferred = True
    mutates = True
    may_change_nothing = True  # the same ask again (a second click, a retyped command)
    checked_before_queueing = True
    purpose = (
        "Ask another team for help in its channel (it may then see and join this investigation), "
        "or mention a user group."
    )
    examples = (
        "sre investigation escalate inv-3f9c2a --to databases",
        "sre investigation escalate inv-3f9c2a --group @db-oncall pool exhausted, please look",
    )
    id: InvestigationId
    to: TeamName | None = Field(default=None, json_schema_extra={"metavar": "TEAM"})
    group: UserGroup | None = Field(default=None, json_schema_extra={"metavar": "@GROUP"})
    note: FreeText = ""
    team: OptionalTeam = None

    @model_validator(mode="after")
    def _somebody(self) -> EscalateInvestigation:
        if not (self.to or self.group):
            raise ValueError("say who to escalate to: --to TEAM, --group @GROUP or both")
        return self


INVESTIGATION_COMMANDS: tuple[type[Command], ...] = (
    OpenInvestigation,
    ShowInvestigation,
    ListInvestigations,
    JoinInvestigation,
    CommentInvestigation,
    EscalateInvestigation,
    ResolveInvestigation,
    ReopenInvestigation,
    CauseInvestigation,
)
