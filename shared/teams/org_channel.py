"""The org's own channel: an org admin binds one (`sre org bind`, in it or naming it), audited in
the org's trail; every team's monthly usage summary is posted there. A channel bound to a team
is refused (a team's channel shows that team only)."""

from __future__ import annotations

from shared.commands.base import ChannelRef, Command
from shared.commands.context import Context, Handlers, NothingToChange
from shared.errors import InvalidCommandError, NotFoundError
from shared.identity.channels import unknown_channel
from shared.identity.models import ChannelId, Org, OrgChannel, OrgId
from shared.identity.ports import Directory
from shared.identity.rbac import Permission
from shared.identity.teams import teams_own
from shared.replies import Reply, Tone, channel_ref
from shared.teams.channel_names import channel_named, sentence, typed_channel

BIND_USAGE = "sre org bind [CHANNEL]   (in the channel, or naming it)"


class BindOrgChannel(Command):
    may_change_nothing = True
    words = ("org", "bind")
    positional = ("channel",)
    permission = Permission.ORG_ADMIN
    target_kind = "channel"
    target_field = "channel"
    mutates = True
    purpose = (
        "Make this channel (or a named one) the org's channel: every team's monthly usage "
        "summary is posted there."
    )
    examples = ("sre org bind", "sre org bind #sre-org")
    channel: ChannelRef | None = None


ORG_CHANNEL_COMMANDS: tuple[type[Command], ...] = (BindOrgChannel,)


def org_channel(directory: Directory, org: OrgId) -> OrgChannel | None:
    """The channel `org`'s admins bound as the org's, or None."""
    record = directory.get_org(org)
    return record.channel if record else None


class OrgChannels:
    """Binds the org's channel, over the directory."""

    def __init__(self, *, directory: Directory) -> None:
        self._directory = directory

    def handlers(self) -> Handlers:
        """The command this service runs."""
        return Handlers().add(BindOrgChannel, self.bind, unchanged=self.unchanged)

    def unchanged(self, command: BindOrgChannel, ctx: Context) -> NothingToChange | None:
        """Binding the channel that already is the org's."""
        channel = typed_channel(command.channel, ctx.invocation)
        bound = org_channel(self._directory, ctx.principal.actor.org)
        if not channel or bound is None or bound.channel != channel:
            return None
        named = channel_named(channel, ctx.invocation)
        return NothingToChange(f"{named} already is the org's channel", (channel_ref(channel),))

    def bind(self, command: BindOrgChannel, ctx: Context) -> Reply:
        """Make the channel the org's (replacing the one before), unless a team's."""
        invocation = ctx.invocation
        channel = ChannelId(typed_channel(command.channel, invocation))
        if not channel:
            raise NotFoundError("Name the channel: this command was not typed in one.")
        unknown = unknown_channel(channel, ctx.principal.actor.platform)
        if unknown and channel != invocation.channel:
            raise NotFoundError(unknown)
        org_id = ctx.principal.actor.org
        team = self._directory.get_binding(org_id, channel)
        if team is not None:
            raise InvalidCommandError(
                f"{sentence(channel_named(channel, invocation))} is {teams_own(team.team)} "
                "channel, "
                "which shows that team only: bind the org's channel in a channel of no team.",
                usage=BIND_USAGE,
                channels=[channel],
            )
        here = channel == invocation.channel
        bound = OrgChannel(
            channel=channel,
            bound_by=ctx.principal.actor.user,
            bound_at=ctx.now,
            conversation=invocation.reply_to.conversation if here else None,
        )
        org = self._directory.get_org(org_id) or Org(id=org_id)
        self._directory.save_org(org.model_copy(update={"channel": bound}))
        before = org.channel.channel if org.channel is not None else None
        replaced = (
            f" It replaces {channel_named(before, invocation)}, which gets nothing more."
            if before is not None and before != channel
            else ""
        )
        refs = [channel_ref(channel)] + ([channel_ref(before)] if before and replaced else [])
        return Reply(
            tone=Tone.OK,
            title=f"{sentence(channel_named(channel, invocation))} is the org's channel",
            text="Every team's monthly usage summary is posted there, with the org's total."
            + replaced,
            refs=tuple(refs),
        )
