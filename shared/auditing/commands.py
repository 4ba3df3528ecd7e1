"""The audit commands: verify, show, export and seal a team's (or the org's) trail."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from shared.commands.base import Command, OptionalTeam, UserRef
from shared.commands.duration import Since
from shared.identity.rbac import Permission


class AuditScoped(Command):
    """A command on one stream: `--team` (or the channel's team), or `--org` for the org's."""

    target_kind = "team"
    target_field = "team"

    team: OptionalTeam = None
    org: bool = Field(default=False, description="the org-wide stream instead of a team's")

    @model_validator(mode="after")
    def _one_stream(self) -> AuditScoped:
        if self.org and self.team:
            raise ValueError("--org is the org's own trail and --team a team's: give one of them")
        return self

    def required(self) -> Permission:
        """Org-wide entries are for auditors; a team's follow the command's own permission."""
        return Permission.AUDIT_ORG if self.org else self.permission

    def audit_target(self, channel: str | None, *, team: str | None) -> str:
        """The org for `--org`, else the team acted for."""
        return "org" if self.org else super().audit_target(channel, team=team)


class VerifyAudit(AuditScoped):
    words = ("audit", "verify")
    permission = Permission.AUDIT_VERIFY
    deferred = True
    purpose = (
        "Prove a trail whole: every hash, the numbering, the locks, the signed digests and the head"
        " the state store saw; --all: the org's and every team's; --state: every role, binding and"
        " team in the state store explained by the trail."
    )
    examples = (
        "sre audit verify --team payments",
        "sre audit verify --org --since 2026-11-01",
        "sre audit verify --all",
        "sre audit verify --state",
    )
    since: Since = None
    all: bool = Field(default=False, description="the org's trail and every team's")
    state: bool = Field(default=False, description="replay the trail against the state store")

    @model_validator(mode="after")
    def _one_scope(self) -> VerifyAudit:
        if (self.all or self.state) and (self.team or self.org):
            raise ValueError(
                "--all and --state cover the org and every team: leave out --team/--org"
            )
        return self

    def required(self) -> Permission:
        """Every trail at once, or the state against them, is for auditors."""
        return Permission.AUDIT_ORG if self.all or self.state else super().required()

    def audit_target(self, channel: str | None, *, team: str | None) -> str:
        """The org for `--all` and `--state` (every trail), else the one stream verified."""
        return "org" if self.all or self.state else super().audit_target(channel, team=team)


class ShowAudit(AuditScoped):
    words = ("audit", "show")
    permission = Permission.AUDIT_READ
    deferred = True
    purpose = "Show recent audit entries, filtered by actor, action or time."
    examples = ('sre audit show --team payments --action "team member add" --limit 10',)
    actor: UserRef | None = None
    action: str | None = Field(default=None, max_length=80, pattern=r"^[a-z][a-z -]*$")
    since: Since = None
    limit: int = Field(default=20, ge=1, le=200)


class ExportAudit(AuditScoped):
    words = ("audit", "export")
    permission = Permission.AUDIT_READ
    deferred = True
    purpose = "Export a trail as JSON lines or CSV: a file here, an expiring link in chat."
    examples = ("sre audit export --format csv --team payments --since 2026-11-01",)
    format: Literal["jsonl", "csv"] = "jsonl"
    since: Since = None
    until: Since = None
    before_seq: int | None = Field(
        default=None,
        ge=2,
        description="only the entries numbered below this",
        json_schema_extra={"metavar": "N"},
    )


class ReviewAccess(Command):
    words = ("audit", "access-review")
    permission = Permission.AUDIT_ORG
    target_kind = "team"
    target_field = "team"
    deferred = True
    checked_before_queueing = True
    purpose = "Who holds which role, granted when and by whom, from the trail (an access review)."
    examples = ("sre audit access-review", "sre audit access-review --team payments")
    team: OptionalTeam = Field(default=None, description="only this team (and the org roles)")


class SealAudit(Command):
    words = ("audit", "seal")
    permission = Permission.AUDIT_SEAL
    target_kind = "org"
    mutates = True
    may_change_nothing = True
    purpose = "Write a signed digest over every trail of the org that has new entries."
    examples = ("sre audit seal",)


AUDIT_COMMANDS: tuple[type[Command], ...] = (
    VerifyAudit,
    ShowAudit,
    ExportAudit,
    ReviewAccess,
    SealAudit,
)
