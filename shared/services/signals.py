"""A service's golden signals pointed at other metrics than its resource type's defaults, and
back."""

from __future__ import annotations

from shared.commands.context import Context, Handlers
from shared.errors import InvalidCommandError
from shared.identity.models import Team
from shared.identity.ports import Directory
from shared.replies import Reply, Tone
from shared.services import commands as c
from shared.services.catalog import ServiceCatalog
from shared.services.columns import require_columns
from shared.services.query_text import query_text
from shared.telemetry.metrics_files import MetricsFiles
from shared.telemetry.models import MetricQuery, ResourceKind, Service
from shared.telemetry.queries import override, queries_for


class SignalOverrides:
    """Sets and resets the metric behind one signal of a service."""

    def __init__(
        self, *, catalog: ServiceCatalog, directory: Directory, files: MetricsFiles | None
    ) -> None:
        self._catalog = catalog
        self._directory = directory
        self._files = files

    def handlers(self) -> Handlers:
        """The commands this service runs."""
        return (
            Handlers()
            .add(c.SetSignal, self.set_signal)
            .add(c.ResetSignal, self.reset_signal, unchanged=self._no_override)
        )

    def set_signal(self, command: c.SetSignal, ctx: Context) -> Reply:
        """Point one signal of a service at another metric."""
        team = self._catalog.team(ctx)
        service = self._catalog.service(team, command.name)
        if service.kind is ResourceKind.METRICS_FILE and command.namespace:
            raise InvalidCommandError(
                "A metrics file's signals read columns of that file: --namespace (another "
                "file) is not allowed; register the other file as a service of its own."
            )
        try:
            query = override(
                service.kind,
                queries_for(service.kind, service.resource)[command.signal],
                metric=command.metric,
                namespace=command.namespace,
                statistic=command.statistic,
                dimensions=c.parse_dimensions(command.dimensions) if command.dimensions else None,
                divide_by=command.divide_by,
                scale=command.scale,
            )
        except ValueError as error:
            raise InvalidCommandError(str(error)) from error
        if service.kind is ResourceKind.METRICS_FILE:
            self._has_columns(service, [command.metric, command.divide_by or command.metric])
        self._save_query(team, service, query)
        default = queries_for(service.kind, service.resource)[command.signal]
        dropped = (
            f"{default.plus.metric} is no longer added to it (the default adds it). "
            if default.plus is not None and default.plus.metric != query.metric
            else ""
        )
        return Reply(
            tone=Tone.OK,
            title=f"{service.name}: {command.signal.label} now reads {query_text(query)}",
            text=f"{dropped}`sre service signal reset {service.name} {command.signal.value}` "
            "undoes it.",
        )

    def _has_columns(self, service: Service, wanted: list[str]) -> None:
        """InvalidCommandError unless the service's metrics file has every `wanted` column."""
        fix = "Add the column to the file, or name one of these."
        require_columns(self._files, service, wanted, fix=fix)

    def reset_signal(self, command: c.ResetSignal, ctx: Context) -> Reply:
        """Point a signal back at its default metric."""
        team = self._catalog.team(ctx)
        service = self._catalog.service(team, command.name)
        query = queries_for(service.kind, service.resource)[command.signal]
        self._save_query(team, service, query)
        return Reply(
            tone=Tone.OK,
            title=f"{service.name}: {command.signal.label} reads {query_text(query)} again",
        )

    def _no_override(self, command: c.ResetSignal, ctx: Context) -> str | None:
        """Resetting a signal that reads its default metric already changes nothing."""
        team = ctx.team_record
        service = team.services.get(command.name) if team else None
        if service is None:
            return None  # the command itself says what is missing
        default = queries_for(service.kind, service.resource)[command.signal]
        if service.queries.get(command.signal) != default:
            return None
        return f"{service.name} has no override for {command.signal.value}"

    def _save_query(self, team: Team, service: Service, query: MetricQuery) -> None:
        changed = service.model_copy(update={"queries": {**service.queries, query.signal: query}})
        self._directory.save_team(
            team.model_copy(update={"services": {**team.services, service.name: changed}})
        )
