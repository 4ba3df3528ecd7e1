"""Who holds which role, by the trail alone: its membership and role changes replayed (pure).

The changes are the succeeded entries of `sre team create`, `sre team member add|remove`,
`sre team role set`, `sre team bind|unbind` and `sre org grant|revoke`, replayed in time order
across the org's trail and every team's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from shared.audit.models import ORG_STREAM, AuditRecord, Outcome, entry_name
from shared.commands.registry import CommandSet
from shared.errors import InvalidCommandError
from shared.identity.admins import ConfiguredAdmin
from shared.identity.models import ChannelId, OrgId, OrgRole, UserId
from shared.records import Frozen
from shared.teams import commands as m
from shared.times import clock

_TEAM_COMMANDS = CommandSet(m.TEAM_COMMANDS)
CHANGES = tuple(f"sre {' '.join(model.words)} " for model in m.TEAM_COMMANDS)
"""How the commands of teams, members, roles and bindings begin (`sre org bind`, the org's
channel, and `sre org model` are not among them: they change no access)."""


class Change(Frozen):
    """The entry that made something so: when, by whom, and where it is in the trail."""

    value: str
    """The role granted, or the team a channel was bound to (empty for a team created)."""
    time: datetime
    by: UserId
    stream: str
    seq: int

    @property
    def where(self) -> str:
        """The entry, as a receipt names it: `payments#12`, `org#3`."""
        return entry_name(self.stream, self.seq)

    def said(self) -> str:
        """`Sun 22 Nov 09:30 UTC by @root, payments#12`."""
        return f"{clock(self.time, days=True)} UTC by @{self.by}, {self.where}"


@dataclass
class AccessHistory:
    """What the trail says is so now: teams, members' roles, org roles and channel bindings."""

    teams: dict[str, Change] = field(default_factory=dict)
    members: dict[str, dict[UserId, Change]] = field(default_factory=dict)
    org_roles: dict[tuple[UserId, OrgRole], Change] = field(default_factory=dict)
    bindings: dict[ChannelId, Change] = field(default_factory=dict)
    unreadable: list[str] = field(default_factory=list)
    """Entries that look like changes but could not be read back as a command."""

    def apply(self, record: AuditRecord) -> None:
        """Replay one succeeded entry."""
        try:
            command = _TEAM_COMMANDS.parse(record.command)
        except InvalidCommandError:
            self.unreadable.append(f"{entry_name(record.team, record.seq)}: `{record.command}`")
            return
        change = Change(
            value="", time=record.time, by=record.actor.user, stream=record.team, seq=record.seq
        )
        if record.team == ORG_STREAM:
            self._org_change(command, change)
        else:
            self._team_change(command, change, record)

    def _org_change(self, command: object, change: Change) -> None:
        if isinstance(command, m.CreateTeam):
            self.teams[command.name] = change
        elif isinstance(command, m.GrantOrgRole):
            self.org_roles[(UserId(command.user), command.role)] = change
        elif isinstance(command, m.RevokeOrgRole):
            self.org_roles.pop((UserId(command.user), command.role), None)

    def _team_change(self, command: object, change: Change, record: AuditRecord) -> None:
        members = self.members.setdefault(record.team, {})
        channel = ChannelId(record.target.removeprefix("channel:").removeprefix("#"))
        if isinstance(command, m.AddMember | m.SetRole):
            members[UserId(command.user)] = change.model_copy(update={"value": command.role.value})
        elif isinstance(command, m.RemoveMember):
            members.pop(UserId(command.user), None)
        elif isinstance(command, m.BindChannel):
            self.bindings[channel] = change.model_copy(update={"value": record.team})
        elif isinstance(command, m.UnbindChannel):
            self.bindings.pop(channel, None)


def is_change(record: AuditRecord) -> bool:
    """Whether the entry records a change of teams, members, roles or bindings that happened."""
    return record.outcome is Outcome.SUCCEEDED and f"{record.command} ".startswith(CHANGES)


def replay(records: Iterable[AuditRecord]) -> AccessHistory:
    """The access the trail explains, from the entries of the org's trail and its teams'."""
    changes = sorted(filter(is_change, records), key=lambda r: (r.time, r.team != ORG_STREAM))
    history = AccessHistory()
    for record in changes:
        history.apply(record)
    return history


def configured_admins(org: OrgId, configured: Iterable[ConfiguredAdmin]) -> list[str]:
    """The users `AUTOSRE_ORG_ADMINS` makes org admins of `org`."""
    return sorted({admin.user for admin in configured if admin.org == org})
