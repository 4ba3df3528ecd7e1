"""The audit commands: verify, show, export and seal a team's (or the org's) trail."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from shared.commands.base import Command, OptionalTeam, UserRef
from shared.identity.rbac import Permission


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Moment = Annotated[datetime, AfterValidator(_utc)]
"""A date or time (`2026-11-01`, `2026-11-01T14:00`), in UTC unless it says otherwise."""
Since = Moment | None


class AuditScoped(Command):
    """A command on one stream: `--team` (or the channel's team), or `--org` for the org's."""

    team: OptionalTeam = None
    org: bool = Field(default=False, description="the org-wide stream instead of a team's")

    def required(self) -> Permission:
        """Org-wide entries are for auditors; a team's follow the command's own permission."""
        return Permission.AUDIT_ORG if self.org else self.permission


class VerifyAudit(AuditScoped):
    words = ("audit", "verify")
    permission = Permission.AUDIT_VERIFY
    deferred = True
    purpose = "Prove a trail whole: every hash, the numbering, the locks and the signed digests."
    examples = ("sre audit verify --team payments", "sre audit verify --org --since 2026-11-01")
    since: Since = None


class ShowAudit(AuditScoped):
    words = ("audit", "show")
    permission = Permission.AUDIT_READ
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


class SealAudit(Command):
    words = ("audit", "seal")
    permission = Permission.AUDIT_SEAL
    mutates = True
    purpose = "Write a signed digest over every trail of the org that has new entries."
    examples = ("sre audit seal",)


AUDIT_COMMANDS: tuple[type[Command], ...] = (VerifyAudit, ShowAudit, ExportAudit, SealAudit)
