"""What an alert command names must exist in its team: the alert (else "did you mean"), the
service, the escalation team, and a channel bound to the team."""

from __future__ import annotations

from shared.alerts.models import AlertPolicy
from shared.alerts.ports import AlertStore
from shared.commands.context import Context, acting_team
from shared.errors import ForbiddenError, InvalidCommandError, NotFoundError, did_you_mean
from shared.identity.channels import team_channels
from shared.identity.models import ChannelId, OrgId
from shared.identity.ports import Directory
from shared.identity.teams import team_named
from shared.services.catalog import unknown_service
from shared.services.ownership import refuse_foreign
from shared.telemetry.models import Service


class References:
    """Looks up what alert commands name, and says what exists when it is not there."""

    def __init__(self, *, store: AlertStore, directory: Directory) -> None:
        self._store = store
        self._directory = directory

    def policy(self, name: str, ctx: Context) -> AlertPolicy:
        """The team's alert `name`; NotFoundError with the closest name and the team's alerts."""
        org, team = ctx.principal.actor.org, ctx.team or ""
        found = self._store.get(org, team, name)
        if found is None:
            names = [p.name for p in self._store.list_for(org, team)]
            raise NotFoundError(
                f"Team {ctx.team} has no alert `{name}` (its alerts: "
                f"{', '.join(names) or 'none yet'}).{did_you_mean(name, names)}"
            )
        return found

    def unreachable(self, ctx: Context, escalate_to: str | None) -> str:
        """A warning when the escalation team has no channel bound: its pages could not be
        escalated there (they are tried again every minute until one is)."""
        if not escalate_to or team_channels(self._directory, ctx.principal.actor.org, escalate_to):
            return ""
        return (
            f"\nWarning: {escalate_to} has no channel bound, so a page cannot be escalated to it "
            f"until one is (`sre team bind CHANNEL --team {escalate_to}`)."
        )

    def check(self, ctx: Context, service: str, escalate_to: str | None) -> Service:
        """The team's service, once the escalation team is found to exist too (an escalation
        names another team by design, so any of the org's teams may be suggested)."""
        org = ctx.principal.actor.org
        team = acting_team(ctx, self._directory)
        if service not in team.services:
            raise unknown_service(team, service)
        if escalate_to == team.name:
            raise InvalidCommandError(
                f"`--escalate-to {escalate_to}` is the alert's own team: its page is already "
                "told to it. Escalate to another team, e.g. the one on call above it."
            )
        if escalate_to and self._directory.get_team(org, escalate_to) is None:
            teams = [t.name for t in self._directory.list_teams(org)]
            raise NotFoundError(
                f"There is no team `{escalate_to}` to escalate to."
                f"{did_you_mean(escalate_to, teams)}"
            )
        found = team.services[service]
        refuse_foreign(self._directory, found, org)
        return found

    def check_channel(self, ctx: Context, channel: str | None) -> None:
        """A team's alerts post only to channels bound to that team; a channel no team has bound
        is one the product does not know (it sees channels only through their bindings)."""
        if not channel:
            return
        org: OrgId = ctx.principal.actor.org
        name = ChannelId(channel.removeprefix("#"))
        binding = self._directory.get_binding(org, name)
        if binding is not None and binding.team == ctx.team:
            return
        own = [f"#{b.channel}" for b in team_channels(self._directory, org, ctx.team or "")]
        where = f"its channels: {', '.join(own)}" if own else "it has no channel bound yet"
        if binding is None:
            raise NotFoundError(
                f"I do not know channel #{name}: no team has bound it, so team {ctx.team}'s "
                f"alerts cannot post there ({where}). Leave out --channel to post to the team's "
                f"channels, or have a team admin bind it first (`sre team bind {name} "
                f"--team {ctx.team}`).",
                channels=[name],
            )
        raise ForbiddenError(
            f"Channel #{name} is bound to {team_named(ctx.principal, binding.team)}: team "
            f"{ctx.team}'s alerts post "
            f"only to its own channels ({where}). Leave out --channel to post to them.",
            needed=f"a channel bound to team {ctx.team}",
            channels=[name],
        )
