"""Team, role and binding commands that would change nothing: each gives the fact before it runs
(the bus answers `Nothing to change: <the fact>.`), and leaves no audit entry (nothing happened)."""

from __future__ import annotations

from shared.commands.context import Context, NothingToChange
from shared.identity.admins import ConfiguredAdmin
from shared.identity.models import ChannelId, OrgId, OrgRole, UserId
from shared.identity.ports import Directory
from shared.replies import channel_ref, user_ref
from shared.teams import commands as m
from shared.teams.channel_names import channel_named, typed_channel


class NoOps:
    """Tells, from the directory, whether a team command would leave it as it is."""

    def __init__(
        self, *, directory: Directory, configured_admins: tuple[ConfiguredAdmin, ...]
    ) -> None:
        self._directory = directory
        self._admins = configured_admins

    def _role(self, ctx: Context, user: str) -> str | None:
        team = ctx.team_record
        role = team.members.get(UserId(user)) if team else None
        return role.value if role else None

    def has_role(self, command: m.AddMember | m.SetRole, ctx: Context) -> NothingToChange | None:
        """Adding a member who already has that role in the team, or giving them the role."""
        if self._role(ctx, command.user) != command.role.value:
            return None
        said = f"@{command.user} is already {command.role.value} in {ctx.team}"
        return NothingToChange(said, (user_ref(command.user),))

    def bind(self, command: m.BindChannel, ctx: Context) -> NothingToChange | None:
        """Binding a channel to the team it is bound to, unless it is bound again from inside
        to keep how to post there (a Teams conversation it was bound without)."""
        channel = typed_channel(command.channel, ctx.invocation)
        if not channel:
            return None
        binding = self._directory.get_binding(ctx.principal.actor.org, ChannelId(channel))
        if binding is None or binding.team != ctx.team:
            return None
        here = ctx.invocation.reply_to.conversation if channel == ctx.invocation.channel else None
        if here and here != binding.conversation:
            return None
        named = channel_named(channel, ctx.invocation)
        return NothingToChange(
            f"{named} is already bound to team {ctx.team}", (channel_ref(channel),)
        )

    def unbind(self, command: m.UnbindChannel, ctx: Context) -> NothingToChange | None:
        """Unbinding a channel bound to no team."""
        channel = typed_channel(command.channel, ctx.invocation)
        if channel and self._directory.get_binding(ctx.principal.actor.org, ChannelId(channel)):
            return None
        named = channel_named(channel, ctx.invocation)
        refs = (channel_ref(channel),) if channel else ()
        return NothingToChange(f"{named} is not bound to a team", refs)

    def _held(self, ctx: Context, user: str) -> frozenset[OrgRole]:
        org = self._directory.get_org(ctx.principal.actor.org)
        return org.grants.get(UserId(user), frozenset()) if org else frozenset()

    def grant(self, command: m.GrantOrgRole, ctx: Context) -> NothingToChange | None:
        """Granting an org role the person holds."""
        if command.role not in self._held(ctx, command.user):
            return None
        said = f"@{command.user} already has {command.role.value}"
        return NothingToChange(said, (user_ref(command.user),))

    def revoke(self, command: m.RevokeOrgRole, ctx: Context) -> NothingToChange | None:
        """Revoking an org role the person does not hold (a configured admin's org admin is left
        to the command, which refuses it, audited)."""
        org = ctx.principal.actor.org
        if command.role is OrgRole.ORG_ADMIN and self._configured(org, command.user):
            return None
        if command.role in self._held(ctx, command.user):
            return None
        said = f"@{command.user} does not hold {command.role.value}"
        return NothingToChange(said, (user_ref(command.user),))

    def _configured(self, org: OrgId, user: str) -> bool:
        return ConfiguredAdmin(org=org, user=UserId(user)) in self._admins
