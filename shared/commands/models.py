"""One frozen model per command: help, whoami, doctor, teams, members, roles, bindings."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from shared.alerts.commands import ALERT_COMMANDS
from shared.audit.commands import AUDIT_COMMANDS
from shared.canary.commands import CANARY_COMMANDS
from shared.commands.base import ChannelRef, Command, FreeText, OptionalTeam, UserRef
from shared.identity.models import OrgRole, Role, TeamName
from shared.identity.rbac import Permission
from shared.investigations.commands import INVESTIGATION_COMMANDS
from shared.scheduling.commands import SCHEDULER_COMMANDS
from shared.services.commands import SERVICE_COMMANDS


class ShowHelp(Command):
    words = ("help",)
    positional = ("topic",)
    permission = Permission.PUBLIC
    purpose = "Show the commands, or the commands of one topic."
    examples = ("sre help", "sre help team")
    topic: str | None = Field(default=None, pattern=r"^[a-z][a-z-]{0,30}$")


class ShowWhoami(Command):
    words = ("whoami",)
    permission = Permission.PUBLIC
    purpose = "Show who you are here, your roles and this channel's team."
    examples = ("sre whoami",)


class RunDoctor(Command):
    words = ("doctor",)
    permission = Permission.ORG_ADMIN
    deferred = True
    purpose = "Check the deployment: state store, audit trail, task queue; posts a report."
    examples = ("sre doctor",)


class CreateTeam(Command):
    words = ("team", "create")
    positional = ("name",)
    permission = Permission.ORG_ADMIN
    mutates = True
    purpose = "Create a team."
    examples = ('sre team create payments --description "Payments platform"',)
    name: TeamName
    description: FreeText = ""


class ListTeams(Command):
    words = ("team", "list")
    aliases: ClassVar[tuple[tuple[str, ...], ...]] = (("teams",), ("team", "ls"))
    permission = Permission.ORG_MEMBER
    purpose = "List the teams you belong to (every team, for org admins and auditors)."
    examples = ("sre team list",)


class ShowTeam(Command):
    words = ("team", "show")
    positional = ("team",)
    permission = Permission.TEAM_READ
    purpose = "Show a team: its members, roles and bound channels."
    examples = ("sre team show payments",)
    team: OptionalTeam = None


class AddMember(Command):
    words = ("team", "member", "add")
    positional = ("user",)
    permission = Permission.TEAM_ADMIN
    mutates = True
    purpose = "Add a person to a team with a role (viewer unless --role says otherwise)."
    examples = ("sre team member add @U024BE7LH --role responder --team payments",)
    user: UserRef
    role: Role = Role.VIEWER
    team: OptionalTeam = None


class RemoveMember(Command):
    words = ("team", "member", "remove")
    aliases: ClassVar[tuple[tuple[str, ...], ...]] = (("team", "member", "rm"),)
    positional = ("user",)
    permission = Permission.TEAM_ADMIN
    mutates = True
    purpose = "Remove a person from a team."
    examples = ("sre team member remove @U024BE7LH --team payments",)
    user: UserRef
    team: OptionalTeam = None


class ListMembers(Command):
    words = ("team", "member", "list")
    aliases: ClassVar[tuple[tuple[str, ...], ...]] = (("team", "members"),)
    permission = Permission.TEAM_READ
    purpose = "List a team's members and their roles."
    examples = ("sre team member list --team payments",)
    team: OptionalTeam = None


class SetRole(Command):
    words = ("team", "role", "set")
    positional = ("user", "role")
    permission = Permission.TEAM_ADMIN
    mutates = True
    purpose = "Change a member's role: viewer < responder < operator < admin."
    examples = ("sre team role set @U024BE7LH operator --team payments",)
    user: UserRef
    role: Role
    team: OptionalTeam = None


class BindChannel(Command):
    words = ("team", "bind")
    positional = ("channel",)
    permission = Permission.TEAM_ADMIN
    mutates = True
    purpose = "Bind this channel (or a named one) to a team: commands typed there act for it."
    examples = ("sre team bind --team payments", "sre team bind C024BE91L --team payments")
    channel: ChannelRef | None = None
    team: OptionalTeam = None


class UnbindChannel(Command):
    words = ("team", "unbind")
    positional = ("channel",)
    permission = Permission.TEAM_ADMIN
    mutates = True
    purpose = "Unbind this channel (or a named one) from its team."
    examples = ("sre team unbind", "sre team unbind C024BE91L")
    channel: ChannelRef | None = None
    team: OptionalTeam = None


class GrantOrgRole(Command):
    words = ("org", "grant")
    positional = ("user", "role")
    permission = Permission.ORG_ADMIN
    mutates = True
    purpose = (
        "Grant an org-wide role: org-admin (teams, bootstrap) or auditor (every team's audit)."
    )
    examples = ("sre org grant @U024BE7LH auditor",)
    user: UserRef
    role: OrgRole


class RevokeOrgRole(Command):
    words = ("org", "revoke")
    positional = ("user", "role")
    permission = Permission.ORG_ADMIN
    mutates = True
    purpose = "Revoke an org-wide role."
    examples = ("sre org revoke @U024BE7LH auditor",)
    user: UserRef
    role: OrgRole


COMMANDS: tuple[type[Command], ...] = (
    ShowHelp,
    ShowWhoami,
    RunDoctor,
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
    *SERVICE_COMMANDS,
    *INVESTIGATION_COMMANDS,
    *ALERT_COMMANDS,
    *SCHEDULER_COMMANDS,
    *CANARY_COMMANDS,
    *AUDIT_COMMANDS,
)
"""Every command of the grammar, in the order help lists them."""

__all__ = ["COMMANDS", "TeamName"]
