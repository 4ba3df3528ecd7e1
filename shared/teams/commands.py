"""Team, member, role, binding and org-role commands, and `whoami`."""

from __future__ import annotations

from typing import ClassVar

from pydantic import PrivateAttr, field_validator

from shared.commands.base import ChannelRef, Command, FreeText, OptionalTeam, UserRef
from shared.errors import InvalidCommandError
from shared.identity.models import ChannelId, OrgRole, Role, TeamName
from shared.identity.ports import Directory
from shared.identity.rbac import Permission
from shared.invocation import Invocation


class ShowWhoami(Command):
    words = ("whoami",)
    permission = Permission.PUBLIC
    target_kind = "channel"
    purpose = "Show who you are here, your roles and this channel's team."
    examples = ("sre whoami",)


class CreateTeam(Command):
    words = ("team", "create")
    positional = ("name",)
    rest = "description"
    permission = Permission.ORG_ADMIN
    target_kind = "team"
    target_field = "name"
    mutates = True
    purpose = "Create a team."
    examples = ("sre team create payments --description Payments platform",)
    name: TeamName
    description: FreeText = ""

    @field_validator("name")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value == "org":  # audit receipts name the org-wide trail `org` (`audit org#4`)
            raise ValueError("`org` names the org-wide audit trail: choose another team name")
        return value


class ListTeams(Command):
    words = ("team", "list")
    aliases: ClassVar[tuple[tuple[str, ...], ...]] = (("teams",), ("team", "ls"))
    permission = Permission.ORG_MEMBER
    target_kind = "org"
    purpose = "List the teams you belong to (every team, for org admins and auditors)."
    examples = ("sre team list",)


class ShowTeam(Command):
    words = ("team", "show")
    positional = ("team",)
    permission = Permission.TEAM_READ
    target_kind = "team"
    target_field = "team"
    purpose = "Show a team: its members, roles and bound channels."
    examples = ("sre team show payments",)
    team: OptionalTeam = None


class AddMember(Command):
    may_change_nothing = True
    words = ("team", "member", "add")
    positional = ("user",)
    permission = Permission.TEAM_ADMIN
    target_kind = "user"
    target_field = "user"
    mutates = True
    purpose = "Add a person to a team with a role (viewer unless --role says otherwise)."
    examples = ("sre team member add @alice --role responder --team payments",)
    user: UserRef
    role: Role = Role.VIEWER
    team: OptionalTeam = None


class RemoveMember(Command):
    words = ("team", "member", "remove")
    aliases: ClassVar[tuple[tuple[str, ...], ...]] = (("team", "member", "rm"),)
    positional = ("user",)
    permission = Permission.TEAM_ADMIN
    target_kind = "user"
    target_field = "user"
    mutates = True
    purpose = "Remove a person from a team."
    examples = ("sre team member remove @alice --team payments",)
    user: UserRef
    team: OptionalTeam = None


class ListMembers(Command):
    words = ("team", "member", "list")
    aliases: ClassVar[tuple[tuple[str, ...], ...]] = (("team", "members"),)
    permission = Permission.TEAM_READ
    target_kind = "team"
    target_field = "team"
    purpose = "List a team's members and their roles."
    examples = ("sre team member list --team payments",)
    team: OptionalTeam = None


class SetRole(Command):
    may_change_nothing = True
    words = ("team", "role", "set")
    positional = ("user", "role")
    permission = Permission.TEAM_ADMIN
    target_kind = "user"
    target_field = "user"
    mutates = True
    purpose = "Change a member's role: viewer < responder < operator < admin."
    examples = ("sre team role set @alice operator --team payments",)
    user: UserRef
    role: Role
    team: OptionalTeam = None


class BindChannel(Command):
    may_change_nothing = True
    words = ("team", "bind")
    positional = ("channel",)
    permission = Permission.TEAM_ADMIN
    target_kind = "channel"
    target_field = "channel"
    mutates = True
    purpose = "Bind this channel (or a named one) to a team: commands typed there act for it."
    examples = ("sre team bind --team payments", "sre team bind #payments --team payments")
    channel: ChannelRef | None = None
    team: OptionalTeam = None


class UnbindChannel(Command):
    may_change_nothing = True
    words = ("team", "unbind")
    positional = ("channel",)
    permission = Permission.TEAM_ADMIN
    target_kind = "channel"
    target_field = "channel"
    mutates = True
    purpose = "Unbind this channel (or a named one) from its team."
    examples = ("sre team unbind", "sre team unbind #payments")
    channel: ChannelRef | None = None
    team: OptionalTeam = None

    _unbound: bool = PrivateAttr(default=False)
    """Set once the channel is found bound to no team: unbinding it would change nothing."""

    def required(self) -> Permission:
        """A team admin's; a member's to hear that an unbound channel has nothing to unbind."""
        return Permission.ORG_MEMBER if self._unbound else self.permission

    def own_team(self, invocation: Invocation, *, directory: Directory) -> str | None:
        """The team the channel is bound to (`--team`, if given, must agree); None, for any
        team, if it is bound to none (the command then changes nothing)."""
        channel = (self.channel or "").removeprefix("#") or invocation.channel
        binding = (
            directory.get_binding(invocation.actor.org, ChannelId(channel)) if channel else None
        )
        if binding is None:
            self._unbound = True
            return None
        if self.team and self.team != binding.team:
            raise InvalidCommandError(
                f"#{channel} is not bound to team {self.team}.",  # nor said which is
                usage="sre team unbind [CHANNEL] [--team TEAM]",
                channels=[binding.channel],
            )
        return binding.team


class GrantOrgRole(Command):
    may_change_nothing = True
    words = ("org", "grant")
    positional = ("user", "role")
    permission = Permission.ORG_ADMIN
    target_kind = "user"
    target_field = "user"
    mutates = True
    purpose = (
        "Grant an org-wide role: org-admin (teams, bootstrap) or auditor (every team's audit)."
    )
    examples = ("sre org grant @alice auditor",)
    user: UserRef
    role: OrgRole


class RevokeOrgRole(Command):
    may_change_nothing = True
    words = ("org", "revoke")
    positional = ("user", "role")
    permission = Permission.ORG_ADMIN
    target_kind = "user"
    target_field = "user"
    mutates = True
    purpose = "Revoke an org-wide role."
    examples = ("sre org revoke @alice auditor",)
    user: UserRef
    role: OrgRole


TEAM_COMMANDS: tuple[type[Command], ...] = (
    ShowWhoami,
    CreateTeam,
    ListTeams,
    ShowTeam,
    AddMember,
    RemoveMember,
    ListMembers,
    SetRole,
    BindChannel,
    UnbindChannel,
    GrantOrgRole,
    RevokeOrgRole,
)
