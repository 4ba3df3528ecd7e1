"""The service catalog: each team's services (kept in its record), registered, shared and removed
(the metric behind each golden signal is overridden in `signals.py`)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from pathlib import PurePath

from shared.commands.context import Context, Handled, Handlers, acting_team
from shared.errors import (
    ConflictError,
    InvalidCommandError,
    NotFoundError,
    UnavailableError,
    did_you_mean,
)
from shared.identity.models import ChannelId, Platform, Team
from shared.identity.ports import Directory
from shared.identity.teams import known_team, teams_own
from shared.replies import Reply, Tone
from shared.services import commands as c
from shared.services.ownership import claim, owner_of, refuse_foreign
from shared.services.ports import ServiceUsers
from shared.services.query_text import query_text
from shared.services.removal import (
    count,
    listed,
    policies_of,
    refuse_not_allowed,
    refuse_used,
    sharers,
    steps,
)
from shared.telemetry.metrics_files import MetricsFiles, rows_ahead, without_paths
from shared.telemetry.models import MetricQuery, ResourceKind, Service, Signal
from shared.telemetry.queries import queries_for


def _resource(command: c.RegisterService) -> tuple[ResourceKind, str]:
    if command.aws_lambda:
        return ResourceKind.AWS_LAMBDA, command.aws_lambda
    if command.aws_alb:
        return ResourceKind.AWS_ALB, command.aws_alb
    if command.azure_resource:
        return ResourceKind.AZURE_RESOURCE, command.azure_resource
    if command.gcp_cloud_run:
        return ResourceKind.GCP_CLOUD_RUN, command.gcp_cloud_run
    if command.sample:
        return ResourceKind.SAMPLE, command.sample
    return ResourceKind.METRICS_FILE, command.metrics_file or ""


def unreadable(kind: ResourceKind) -> InvalidCommandError:
    """The refusal for a service this deployment's workers cannot read, and why."""
    return InvalidCommandError(
        f"This deployment cannot read {kind.value} metrics: its workers carry no client for that "
        "cloud (the AWS deployment reads CloudWatch; Azure and Google Cloud services are read "
        "where their SDKs run, see the README's Multi-cloud)."
    )


def unknown_service(team: Team, name: str) -> NotFoundError:
    """The refusal for a service the team does not have: its services, and the closest name."""
    hint = did_you_mean(name, team.services)
    known = ", ".join(sorted(team.services)) or "none yet"
    return NotFoundError(f"Team {team.name} has no service `{name}` (its services: {known}).{hint}")


class ServiceCatalog:
    """Registers, shows, shares and removes services."""

    def __init__(
        self,
        *,
        directory: Directory,
        readable: Collection[ResourceKind],
        files: MetricsFiles | None = None,
        users: ServiceUsers | None = None,
    ) -> None:
        self._directory = directory
        self._readable = frozenset(readable)
        self._files = files
        self._users = users
        """What uses each service; None for a catalog that only looks services up (it removes
        none)."""

    def handlers(self) -> Handlers:
        """The commands this service runs."""
        return (
            Handlers()
            .add(c.RegisterService, self.register)
            .add(c.ListServices, self.catalog)
            .add(c.ShowService, self.show)
            .add(c.RemoveService, self.remove)
            .add(c.ShareService, self.share, unchanged=self.shared_already)
        )

    def team(self, ctx: Context) -> Team:
        """The team the command acts for; NotFoundError if there is none."""
        return acting_team(ctx, self._directory)

    def service(self, team: Team, name: str) -> Service:
        """One of the team's services; NotFoundError naming the ones it has."""
        service = team.services.get(name)
        if service is None:
            raise unknown_service(team, name)
        return service

    def readable(self, team: Team, name: str) -> Service:
        """One of the team's services to read (investigate): refused if another org of the
        deployment holds its resource (both registered it before claims existed)."""
        service = self.service(team, name)
        refuse_foreign(self._directory, service, team.org)
        return service

    def register(self, command: c.RegisterService, ctx: Context) -> Reply:
        """Add a service with the queries for its resource type."""
        team = self.team(ctx)
        if command.name in team.services:
            raise ConflictError(f"Team {team.name} already has a service `{command.name}`.")
        kind, resource = _resource(command)
        if kind is ResourceKind.METRICS_FILE:
            resource = self._metrics_file(resource, ctx)
        elif kind not in self._readable:
            raise unreadable(kind)
        service = Service(
            name=command.name,
            kind=kind,
            resource=resource,
            queries=queries_for(kind, resource),
            registered_by=ctx.principal.actor.user,
            registered_at=ctx.now,
            log_workspace=command.azure_workspace,
            production=command.production,
        )
        self._refuse_owned(team, service)
        claim(self._directory, service, team.org)
        self._directory.save_team(
            team.model_copy(update={"services": {**team.services, service.name: service}})
        )
        return Reply(
            tone=Tone.OK,
            title=f"Service {service.name} registered in team {team.name}",
            text=f"Investigate it with `sre investigate {service.name}`.",
        )

    def _metrics_file(self, path: str, ctx: Context) -> str:
        """A metrics file's absolute path, if the terminal names a valid one in the folder."""
        if ctx.invocation.actor.platform is not Platform.LOCAL:
            raise InvalidCommandError(
                "--metrics-file reads a file on the server, so only the terminal may name one "
                "(`sre service register NAME --metrics-file FILE` on the machine that runs Auto "
                "SRE); from chat, register a cloud resource such as --aws-lambda."
            )
        if self._files is None or ResourceKind.METRICS_FILE not in self._readable:
            raise InvalidCommandError("This deployment reads no metrics files.")
        admitted = self._files.admit(path)
        span = self._files.span(admitted)
        ahead = rows_ahead(PurePath(path).name, span[1], ctx.now) if span else ""
        if ahead:  # every investigation of it would judge the wrong rows
            raise InvalidCommandError(f"Cannot use `{path}` as a metrics file: {ahead}.")
        return admitted

    def _refuse_owned(self, team: Team, service: Service) -> None:
        """ConflictError naming the owner if another team of the org owns the resource."""
        found = owner_of(self._directory.list_teams(team.org), service)
        if found is None or found[0].name == team.name:
            return
        owner, theirs = found
        raise ConflictError(
            f"`{service.resource}` belongs to team {owner.name} (its service {theirs.name}): a "
            "cloud resource has one owning team. An org admin can share it with this team "
            f"read-only: `sre service share {theirs.name} --to {team.name} --team {owner.name}`."
        )

    def share(self, command: c.ShareService, ctx: Context) -> Reply:
        """Give another team a read-only copy of a service (org admins): it may investigate and
        alert on it; only the owner's canaries move its traffic."""
        owner = self.team(replace(ctx, team=self._owner(command, ctx)))
        service = self.service(owner, command.name)
        if service.shared_from:
            raise ConflictError(
                f"{service.name} is shared with team {owner.name} from team "
                f"{service.shared_from}: share it from there."
            )
        if command.to == owner.name:
            raise ConflictError(
                f"Team {owner.name} owns {service.name} already: share it with another team."
            )
        target = known_team(self._directory, ctx.principal, command.to)
        if service.name in target.services:
            raise ConflictError(
                f"Team {target.name} already has a service `{service.name}` "
                f"(`sre service remove {service.name} --team {target.name}` frees the name)."
            )
        copy = service.model_copy(
            update={
                "shared_from": owner.name,
                "registered_by": ctx.principal.actor.user,
                "registered_at": ctx.now,
            }
        )
        self._directory.save_team(
            target.model_copy(update={"services": {**target.services, copy.name: copy}})
        )
        return Reply(
            tone=Tone.OK,
            title=f"Service {service.name} of team {owner.name} shared read-only with team "
            f"{target.name}",
            text=f"Team {target.name} may investigate it and alert on it; only "
            f"{teams_own(owner.name)} canaries move its traffic. "
            f"`sre service remove {service.name} --team {target.name}` ends the share.",
        )

    def _owner(self, command: c.ShareService, ctx: Context) -> str:
        """The team that owns the shared service: `--team`, else the channel's team (an
        org-wide command has no team of its own, so the bus leaves this to the handler)."""
        if command.team:
            return command.team
        channel = ctx.invocation.channel
        binding = (
            self._directory.get_binding(ctx.principal.actor.org, ChannelId(channel))
            if channel
            else None
        )
        if binding is None:
            raise InvalidCommandError(
                f"This channel is not bound to a team, so say which team owns {command.name} "
                "with `--team NAME`.",
                usage=f"sre service share {command.name} --to {command.to} --team NAME",
            )
        return binding.team

    def shared_already(self, command: c.ShareService, ctx: Context) -> str | None:
        """Sharing a service with a team that already sees it (nothing to change)."""
        target = self._directory.get_team(ctx.principal.actor.org, command.to)
        copy = target.services.get(command.name) if target else None
        if copy is None or copy.shared_from != self._owner(command, ctx):
            return None
        return f"team {command.to} already sees {command.name}"

    def catalog(self, _: c.ListServices, ctx: Context) -> Reply:
        """The team's services."""
        team = self.team(ctx)
        fields = [
            (s.name, _seen(f"{s.kind.value} {s.resource}", s, ctx) + _shared(s))
            for s in team.services.values()
        ]
        if not fields:
            return Reply(
                tone=Tone.INFO,
                title=f"Team {team.name} has no services yet",
                text="`sre service register NAME --aws-lambda FUNCTION` adds one.",
            )
        return Reply(
            tone=Tone.INFO, title=f"Services of {team.name} ({len(fields)})", fields=fields
        )

    def show(self, command: c.ShowService, ctx: Context) -> Reply:
        """A service and its signal queries."""
        service = self.service(self.team(ctx), command.name)
        defaults = queries_for(service.kind, service.resource)
        present = self._columns(service)

        def said(signal: Signal, query: MetricQuery) -> str:
            text = (
                query_text(query, dimensions=False)
                if query == defaults.get(signal)
                else f"{query_text(query)} (override)"
            )
            if present is not None and query.metric not in present:
                text += f": the file has no `{query.metric}` column (no data)"
            return _seen(text, service, ctx)

        fields = [(s.label, said(s, q)) for s, q in service.queries.items()]
        return Reply(
            tone=Tone.INFO,
            title=f"Service {service.name} ({service.kind.value})",
            text=f"Resource: `{_seen(service.resource, service, ctx)}`{_shared(service)}"
            + (f"\nLogs: workspace `{service.log_workspace}`" if service.log_workspace else ""),
            fields=fields,
        )

    def _columns(self, service: Service) -> list[str] | None:
        """A metrics file's columns now (None for another kind, or a file that cannot be read:
        the investigation says why)."""
        if service.kind is not ResourceKind.METRICS_FILE or self._files is None:
            return None
        try:
            return self._files.columns(service.resource)
        except (InvalidCommandError, UnavailableError):
            return None

    def remove(self, command: c.RemoveService, ctx: Context) -> Handled:
        """Take a service out of the catalog, unless something uses it; with --force, its alert
        policies and shares go first, each by its own audited command, the service last."""
        team = self.team(ctx)
        service = self.service(team, command.name)
        if self._users is None:
            raise RuntimeError("this catalog only looks services up")
        uses = self._users.uses(team.org, team.name, command.name)
        shared = {
            other: policies_of(self._users.uses(team.org, other, command.name))
            for other in (
                []
                if service.shared_from
                else sharers(self._directory.list_teams(team.org), team.name, command.name)
            )
        }
        refuse_used(command, uses, shared, team=team.name)
        policies = policies_of(uses)
        refuse_not_allowed(
            ctx.principal, command.name, team=team.name, policies=policies, shared=shared
        )
        if policies or shared:
            plan = steps(
                ctx.invocation, command.name, team=team.name, policies=policies, shared=shared
            )
            return Handled(
                _taking_apart(command.name, team.name, policies, shared),
                plan,
                then=f"Service {command.name} removed from team {team.name}.",
                details={"planned": "; ".join(step.text for step in plan)},
            )
        services = {k: v for k, v in team.services.items() if k != command.name}
        self._directory.save_team(team.model_copy(update={"services": services}))
        return Handled(
            Reply(tone=Tone.OK, title=f"Service {command.name} removed from team {team.name}")
        )


def _taking_apart(name: str, team: str, policies: list[str], shared: dict[str, list[str]]) -> Reply:
    """The answer to a forced removal: what goes first, then the service."""
    first = (
        [f"its {count(len(policies), 'alert policy', 'alert policies')} {listed(policies)}"]
        if policies
        else []
    )
    for other, theirs in sorted(shared.items()):
        # another team's policies by number only: their names are that team's
        also = f" and its {count(len(theirs), 'alert policy', 'alert policies')}"
        first.append(f"the share with team {other}" + (also if theirs else ""))
    return Reply(
        tone=Tone.OK,
        title=f"Removing service {name} from team {team}",
        text=f"First {'; '.join(first)}; then the service. Each step is its own audited "
        "command; a step not done is listed below, and then the service stays.",
    )


def _seen(text: str, service: Service, ctx: Context) -> str:
    """`text` as the caller may see it: the terminal sees a metrics file's path, chat its name."""
    local = ctx.invocation.actor.platform is Platform.LOCAL
    return text if local else without_paths(text, service)


def _shared(service: Service) -> str:
    return f" (shared read-only by team {service.shared_from})" if service.shared_from else ""
