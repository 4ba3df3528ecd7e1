"""Team, member, role and binding commands, over the Directory port."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from shared.commands.base import Command
from shared.commands.context import Context, Handlers, acting_team
from shared.commands.usage import usage
from shared.errors import ConflictError, InvalidCommandError, NotFoundError
from shared.identity.admins import ConfiguredAdmin, configured_by
from shared.identity.channels import team_channels, unknown_channel
from shared.identity.models import (
    LOCAL_ORG,
    Actor,
    ChannelBinding,
    ChannelId,
    Org,
    OrgId,
    OrgRole,
    Platform,
    Role,
    Team,
    UserId,
)
from shared.identity.people import not_a_person
from shared.identity.ports import Directory
from shared.identity.teams import team_named, visible_teams
from shared.replies import Ref, Reply, Tone, channel_ref, user_ref
from shared.teams import commands as m
from shared.teams.channel_names import channel_named, sentence, typed_channel
from shared.teams.no_ops import NoOps
from shared.times import moment


def _mention(user: str) -> str:
    return f"@{user}"


def _where(actor: Actor) -> str:
    """`slack, org slack:T1`; a terminal acting on a deployment's org says so (`from a terminal,
    org slack:T1`), not `local`, which is the embedded default's own platform."""
    if actor.platform is Platform.LOCAL and actor.org != LOCAL_ORG:
        return f"from a terminal, org {actor.org}"
    return f"{actor.platform.value}, org {actor.org}"


def _told(title: str, user: str, ctx: Context) -> Reply:
    """A change to `user` done: the title names them (mentioned where the platform can)."""
    return Reply(tone=Tone.OK, title=title, refs=(_person(user, ctx),))


def _person(user: str, ctx: Context) -> Ref:
    """A reference to `user`, with their name where the platform told us (the caller, or a
    person the command mentions)."""
    actor = ctx.principal.actor
    return user_ref(user, actor.name if user == actor.user else ctx.invocation.names.get(user, ""))


class TeamService:
    """Reads and changes the org's directory; every method is one command."""

    def __init__(
        self,
        *,
        directory: Directory,
        configured_admins: Iterable[ConfiguredAdmin],
        posting: Callable[[OrgId, str], Sequence[str]] | None = None,
    ) -> None:
        """`posting`: what tells a team in its channels (its alerts, by name), warned of when
        its last channel is unbound; None: nothing."""
        self._directory = directory
        self._admins = tuple(configured_admins)
        self._posting = posting

    def handlers(self) -> Handlers:
        """The commands this service runs."""
        same = NoOps(directory=self._directory, configured_admins=self._admins)
        return (
            Handlers()
            .add(m.ShowWhoami, self.whoami)
            .add(m.CreateTeam, self.create)
            .add(m.ListTeams, self.list)
            .add(m.ShowTeam, self.show)
            .add(m.AddMember, self.add_member, unchanged=same.has_role)
            .add(m.RemoveMember, self.remove_member)
            .add(m.ListMembers, self.list_members)
            .add(m.SetRole, self.set_role, unchanged=same.has_role)
            .add(m.BindChannel, self.bind, unchanged=same.bind)
            .add(m.UnbindChannel, self.unbind, unchanged=same.unbind)
            .add(m.GrantOrgRole, self.grant, unchanged=same.grant)
            .add(m.RevokeOrgRole, self.revoke, unchanged=same.revoke)
        )

    def team(self, ctx: Context) -> Team:
        """The team the command acts for; NotFoundError if it does not exist."""
        return acting_team(ctx, self._directory)

    def whoami(self, _: m.ShowWhoami, ctx: Context) -> Reply:
        """Who the caller is, their roles and the channel's team."""
        principal = ctx.principal
        actor = principal.actor
        binding = self._binding(ctx, None)
        roles = ", ".join(f"{role.value} in {team}" for team, role in principal.team_roles.items())
        fields = [
            ("You", f"{_mention(actor.user)} ({_where(actor)})"),
            ("Org roles", ", ".join(sorted(r.value for r in principal.org_roles)) or "none"),
            ("Team roles", roles or "none yet: ask a team admin to add you"),
            ("This channel", f"bound to team {binding.team}" if binding else "not bound to a team"),
            ("Org channel", self._org_channel(ctx)),
        ]
        return Reply(
            tone=Tone.INFO,
            title="Who you are",
            fields=fields,
            ephemeral=True,
            refs=(_person(actor.user, ctx),),
        )

    def create(self, command: m.CreateTeam, ctx: Context) -> Reply:
        """Create a team, empty but for nobody: add its first admin next."""
        actor = ctx.principal.actor
        team = Team(
            org=actor.org,
            name=command.name,
            description=command.description,
            created_at=ctx.now,
            created_by=actor.user,
        )
        try:
            self._directory.save_team(team)
        except ConflictError as error:
            raise ConflictError(f"Team `{command.name}` already exists.") from error
        next_step = f"sre team member add @USER --role admin --team {command.name}"
        return Reply(
            tone=Tone.OK,
            title=f"Team {command.name} created",
            text=f"Next: give it an admin with `{next_step}`, then bind a channel with "
            f"`sre team bind --team {command.name}`.",
        )

    def list(self, _: m.ListTeams, ctx: Context) -> Reply:
        """The teams the caller belongs to, or every team for org-wide roles."""
        principal = ctx.principal
        visible = set(visible_teams(self._directory, principal))
        teams = [t for t in self._directory.list_teams(principal.actor.org) if t.name in visible]
        if not teams:
            return Reply(
                tone=Tone.INFO, title="No teams yet", text="`sre team create NAME` makes one."
            )
        fields = [
            (
                t.name,
                f"{t.description or 'no description'} · {_count(len(t.members), 'member')}"
                + (
                    f" · you: {principal.team_roles[t.name].value}"
                    if t.name in principal.team_roles
                    else ""
                ),
            )
            for t in teams
        ]
        return Reply(tone=Tone.INFO, title=f"Teams ({len(teams)})", fields=fields)

    def show(self, _: m.ShowTeam, ctx: Context) -> Reply:
        """A team with its members and bound channels."""
        team = self.team(ctx)
        channels = [b.channel for b in team_channels(self._directory, team.org, team.name)]
        fields = [
            ("Description", team.description or "none"),
            ("Members", _members(team) or "nobody yet"),
            ("Channels", ", ".join(f"#{c}" for c in channels) or "none bound"),
            ("Created", f"{moment(team.created_at, today=ctx.now)} by {_mention(team.created_by)}"),
        ]
        refs = (*_member_refs(team), user_ref(team.created_by), *map(channel_ref, channels))
        return Reply(tone=Tone.INFO, title=f"Team {team.name}", fields=fields, refs=refs)

    def list_members(self, _: m.ListMembers, ctx: Context) -> Reply:
        """A team's members and their roles."""
        team = self.team(ctx)
        return Reply(
            tone=Tone.INFO,
            title=f"Members of {team.name} ({len(team.members)})",
            text=_members(team)
            or f"Nobody yet: `sre team member add @USER --role admin --team {team.name}`.",
            refs=_member_refs(team),
        )

    def add_member(self, command: m.AddMember, ctx: Context) -> Reply:
        """Add a person with a role; ConflictError if they are already a member."""
        team = self.team(ctx)
        user = UserId(command.user)
        _a_person(user, command, ctx)
        if user in team.members:
            raise ConflictError(
                f"{_mention(user)} is already {team.members[user].value} in {team.name}; "
                f"use `sre team role set {user} ROLE --team {team.name}` to change it.",
                users=[user],
            )
        self._save_members(team, {**team.members, user: command.role})
        return _told(f"{_mention(user)} added to {team.name} as {command.role.value}", user, ctx)

    def remove_member(self, command: m.RemoveMember, ctx: Context) -> Reply:
        """Remove a person from the team."""
        team = self.team(ctx)
        user = UserId(command.user)
        if user not in team.members:
            raise NotFoundError(f"{_mention(user)} is not a member of {team.name}.", users=[user])
        members = {k: v for k, v in team.members.items() if k != user}
        _keeps_an_admin(team, members)
        self._save_members(team, members)
        return _told(f"{_mention(user)} removed from {team.name}", user, ctx)

    def set_role(self, command: m.SetRole, ctx: Context) -> Reply:
        """Change a member's role."""
        team = self.team(ctx)
        user = UserId(command.user)
        if user not in team.members:
            raise NotFoundError(
                f"{_mention(user)} is not a member of {team.name}; add them with "
                f"`sre team member add {user} --role {command.role.value} --team {team.name}`.",
                users=[user],
            )
        before = team.members[user]
        members = {**team.members, user: command.role}
        _keeps_an_admin(team, members)
        self._save_members(team, members)
        return _told(
            f"{_mention(user)} is now {command.role.value} in {team.name} (was {before.value})",
            user,
            ctx,
        )

    def bind(self, command: m.BindChannel, ctx: Context) -> Reply:
        """Bind a channel to the team."""
        team = self.team(ctx)
        channel = self._channel(command.channel, ctx)
        unknown = unknown_channel(channel, ctx.principal.actor.platform)
        if unknown and channel != ctx.invocation.channel:
            raise NotFoundError(unknown)
        org = self._directory.get_org(team.org)
        if org is not None and org.channel is not None and org.channel.channel == channel:
            raise InvalidCommandError(
                f"{sentence(channel_named(channel, ctx.invocation))} is the org's channel, where "
                "every team's monthly usage summary goes: bind a channel of the team's own (an org "
                "admin moves the org's channel with `sre org bind`).",
                usage=usage(m.BindChannel),
                channels=[channel],
            )
        binding = ChannelBinding(
            org=team.org,
            channel=channel,
            team=team.name,
            bound_by=ctx.principal.actor.user,
            bound_at=ctx.now,
            conversation=(
                ctx.invocation.reply_to.conversation if channel == ctx.invocation.channel else None
            ),
        )
        try:
            self._directory.bind(binding)
        except ConflictError as taken:  # said as the store says it to who may see that team
            held = self._directory.get_binding(team.org, channel)
            if held is None or team_named(ctx.principal, held.team) != "another team":
                raise
            raise ConflictError(
                f"{sentence(channel_named(channel, ctx.invocation))} is bound to another team; "
                "an admin of that team unbinds it there first.",
                channels=[channel],
            ) from taken
        return Reply(
            tone=Tone.OK,
            title=f"{sentence(channel_named(channel, ctx.invocation))} is bound to team "
            f"{team.name}",
            text="Commands typed there act for this team unless `--team` says otherwise.",
            refs=(channel_ref(channel),),
        )

    def unbind(self, command: m.UnbindChannel, ctx: Context) -> Reply:
        """Remove a channel's binding."""
        channel = self._channel(command.channel, ctx)
        self._directory.unbind(ctx.principal.actor.org, channel)
        return Reply(
            tone=Tone.OK,
            title=f"{sentence(channel_named(channel, ctx.invocation))} is no longer bound to team "
            f"{ctx.team}",
            text=self._told_nowhere(ctx.principal.actor.org, ctx.team or ""),
            refs=(channel_ref(channel),),
        )

    def _told_nowhere(self, org: OrgId, team: str) -> str:
        """The warning when `team` is left with no channel while its alerts still post."""
        if self._posting is None or team_channels(self._directory, org, team):
            return ""
        names = list(self._posting(org, team))
        if not names:
            return ""
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        return (
            f"Warning: team {team} has no channel left, so its alerts ({shown}) are told "
            f"nowhere: bind one with `sre team bind CHANNEL --team {team}`."
        )

    def grant(self, command: m.GrantOrgRole, ctx: Context) -> Reply:
        """Grant an org-wide role."""
        org = self._org(ctx)
        user = UserId(command.user)
        _a_person(user, command, ctx)
        held = org.grants.get(user, frozenset())
        if command.role in held:
            raise ConflictError(f"{_mention(user)} already has {command.role.value}.", users=[user])
        self._directory.save_org(
            org.model_copy(update={"grants": {**org.grants, user: held | {command.role}}})
        )
        return _told(f"{_mention(user)} is now {command.role.value}", user, ctx)

    def revoke(self, command: m.RevokeOrgRole, ctx: Context) -> Reply:
        """Revoke an org-wide role; ConflictError for a configured admin's org admin, whom no
        command can make less than org admin."""
        org = self._org(ctx)
        user = UserId(command.user)
        if (
            command.role is OrgRole.ORG_ADMIN
            and ConfiguredAdmin(org=org.id, user=user) in self._admins
        ):
            raise ConflictError(
                f"{_mention(user)} is org admin by {configured_by(org.id)}: change it there.",
                users=[user],
            )
        held = org.grants.get(user, frozenset())
        if command.role not in held:
            raise NotFoundError(
                f"{_mention(user)} does not hold {command.role.value} in this org"
                " (configured admins are changed in AUTOSRE_ORG_ADMINS).",
                users=[user],
            )
        grants = {**org.grants, user: held - {command.role}}
        self._directory.save_org(
            org.model_copy(update={"grants": {k: v for k, v in grants.items() if v}})
        )
        return _told(f"{_mention(user)} no longer has {command.role.value}", user, ctx)

    def _org(self, ctx: Context) -> Org:
        org_id = ctx.principal.actor.org
        return self._directory.get_org(org_id) or Org(id=org_id)

    def _save_members(self, team: Team, members: dict[UserId, Role]) -> None:
        try:
            self._directory.save_team(team.model_copy(update={"members": members}))
        except ConflictError as error:
            raise ConflictError(
                f"Team {team.name} changed while you were editing it; run the command again."
            ) from error

    def _channel(self, named: str | None, ctx: Context) -> ChannelId:
        channel = typed_channel(named, ctx.invocation)
        if not channel:
            raise NotFoundError("Name the channel: this command was not typed in one.")
        return ChannelId(channel)

    def _org_channel(self, ctx: Context) -> str:
        """Where every team's monthly usage summary goes (`sre org bind`), or how to bind it."""
        org = self._directory.get_org(ctx.principal.actor.org)
        if org is None or org.channel is None:
            return "none: an org admin binds one with `sre org bind`"
        return channel_named(org.channel.channel, ctx.invocation)

    def _binding(self, ctx: Context, named: str | None) -> ChannelBinding | None:
        channel = typed_channel(named, ctx.invocation)
        return (
            self._directory.get_binding(ctx.principal.actor.org, ChannelId(channel))
            if channel
            else None
        )


def _keeps_an_admin(team: Team, members: dict[UserId, Role]) -> None:
    """ConflictError if the change would take the team's last admin away (nobody could then
    manage its members but an org admin)."""
    if Role.ADMIN in team.members.values() and Role.ADMIN not in members.values():
        raise ConflictError(
            f"Team {team.name} always keeps an admin: make someone else admin first "
            f"(`sre team role set @USER admin --team {team.name}`)."
        )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _member_refs(team: Team) -> tuple[Ref, ...]:
    return tuple(user_ref(user) for user in team.members)


def _members(team: Team) -> str:
    ordered = sorted(team.members.items(), key=lambda item: (-item[1].rank, item[0]))
    return "\n".join(f"{_mention(user)} · {role.value}" for user, role in ordered)


def _a_person(user: UserId, command: Command, ctx: Context) -> None:
    """InvalidCommandError if `user` can be no person of the caller's platform (a user group)."""
    actor = ctx.principal.actor
    why = not_a_person(user, actor.platform, caller=actor.user)
    if why:
        raise InvalidCommandError(why, usage=usage(type(command)))
