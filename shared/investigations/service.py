"""The service catalog (in each team's record) and investigations over it."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta

from shared.audit.models import Outcome, StreamKey
from shared.audit.trail import AuditTrail
from shared.commands.base import Command
from shared.commands.context import Context, Handler
from shared.errors import ConflictError, InvalidCommandError, NotFoundError
from shared.identity.models import Team
from shared.investigations import commands as c
from shared.investigations.analysis import first_to_move, headline, onset, rank
from shared.investigations.catalog import UNITS, queries_for
from shared.investigations.collaboration import with_actions
from shared.investigations.models import (
    Event,
    Finding,
    Investigation,
    ResourceKind,
    Service,
    TimelineEntry,
)
from shared.investigations.page import PageServer
from shared.ports import Directory, InvestigationStore, MetricsSource
from shared.replies import Image, Reply, Tone

BASELINE = timedelta(hours=4)
"""How much history before the window each signal is judged against."""
STEP = 60


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


class InvestigationService:
    """Registers services and investigates them with the right metrics source for each."""

    def __init__(
        self,
        *,
        directory: Directory,
        sources: Mapping[ResourceKind, MetricsSource],
        audit: AuditTrail,
        store: InvestigationStore,
        pages: PageServer,
    ) -> None:
        self._directory = directory
        self._sources = dict(sources)
        self._audit = audit
        self._store = store
        self._pages = pages

    def handlers(self) -> dict[type[Command], Handler]:
        """The commands this service runs."""
        return {
            c.RegisterService: self.register,
            c.ListServices: self.catalog,
            c.ShowService: self.show,
            c.RemoveService: self.remove,
            c.OpenInvestigation: self.investigate,
        }

    def _team(self, ctx: Context) -> Team:
        team = self._directory.get_team(ctx.principal.actor.org, ctx.team or "")
        if team is None:
            raise NotFoundError(f"There is no team `{ctx.team}`.")
        return team

    def _service(self, team: Team, name: str) -> Service:
        service = team.services.get(name)
        if service is None:
            known = ", ".join(sorted(team.services)) or "none yet"
            raise NotFoundError(
                f"Team {team.name} has no service `{name}` (its services: {known})."
            )
        return service

    def register(self, command: c.RegisterService, ctx: Context) -> Reply:
        """Add a service with the queries for its resource type."""
        team = self._team(ctx)
        if command.name in team.services:
            raise ConflictError(f"Team {team.name} already has a service `{command.name}`.")
        kind, resource = _resource(command)
        if kind not in self._sources:
            raise InvalidCommandError(f"This deployment cannot read {kind.value} metrics.")
        service = Service(
            name=command.name,
            kind=kind,
            resource=resource,
            queries=queries_for(kind, resource),
            registered_by=ctx.principal.actor.user,
            registered_at=ctx.now,
        )
        self._directory.save_team(
            team.model_copy(update={"services": {**team.services, service.name: service}})
        )
        return Reply(
            tone=Tone.OK,
            title=f"Service {service.name} registered in team {team.name}",
            text=f"Investigate it with `sre investigate {service.name}`.",
        )

    def catalog(self, _: c.ListServices, ctx: Context) -> Reply:
        """The team's services."""
        team = self._team(ctx)
        fields = [(s.name, f"{s.kind.value} {s.resource}") for s in team.services.values()]
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
        service = self._service(self._team(ctx), command.name)
        fields = [
            (s.label, _describe(q.namespace, q.metric, q.statistic))
            for s, q in service.queries.items()
        ]
        return Reply(
            tone=Tone.INFO,
            title=f"Service {service.name} ({service.kind.value})",
            text=f"Resource: `{service.resource}`",
            fields=fields,
        )

    def remove(self, command: c.RemoveService, ctx: Context) -> Reply:
        """Take a service out of the catalog."""
        team = self._team(ctx)
        self._service(team, command.name)
        services = {k: v for k, v in team.services.items() if k != command.name}
        self._directory.save_team(team.model_copy(update={"services": services}))
        return Reply(tone=Tone.OK, title=f"Service {command.name} removed from team {team.name}")

    def investigate(self, command: c.OpenInvestigation, ctx: Context) -> Reply:
        """Fetch the golden signals, find what changed, rank it, and say what it lines up with."""
        team = self._team(ctx)
        service = self._service(team, command.service)
        end = command.since + c.to_timedelta(command.window) if command.since else ctx.now
        end = end.replace(second=0, microsecond=0)  # whole minutes, as providers report them
        start = end - c.to_timedelta(command.window)
        source = self._sources[service.kind]
        series = source.fetch(service, start=start - BASELINE, end=end, step=STEP)
        events = [
            *source.events(service, start=start - BASELINE, end=end),
            *self._changes(team, start - BASELINE, end),
        ]
        findings = rank(
            [
                f
                for signal, points in series.items()
                if (f := onset(signal, points, start, events, UNITS[signal]))
            ]
        )
        reply = report(service, findings, start=start, end=end, events=events)
        actor = ctx.principal.actor.user
        investigation = self._store.save(
            Investigation(
                id=f"inv-{uuid.uuid4().hex[:8]}",
                org=team.org,
                team=team.name,
                service=service.name,
                opened_by=actor,
                opened_at=ctx.now,
                start=start,
                end=end,
                headline=reply.title,
                findings=findings,
                participants=[actor],
                series={s: [(t, v) for t, v in pts if t >= start] for s, pts in series.items()},
                timeline=[
                    TimelineEntry(time=ctx.now, actor=actor, kind="opened", text=reply.title)
                ],
            )
        )
        reply = with_actions(reply, investigation)
        link = self._pages.link(investigation, ctx.now)
        chart = Image(
            name=f"{investigation.id}.png",
            title=f"{service.name}: golden signals",
            png_base64=base64.b64encode(self._pages.chart(investigation)).decode(),
        )
        return reply.model_copy(
            update={"fields": [*reply.fields, ("Page", link)], "images": [chart]}
        )

    def _changes(self, team: Team, start: datetime, end: datetime) -> list[Event]:
        """Changes the audit trail recorded for the team in the window."""
        stream = StreamKey(org=team.org, team=team.name)
        return [
            Event(time=r.time, kind="change", summary=f"`{r.command}` by @{r.actor.user}")
            for r in self._audit.records(stream)
            if r.outcome is Outcome.SUCCEEDED and start <= r.time <= end
        ]


def _describe(namespace: str, metric: str, statistic: str) -> str:
    return f"{namespace}/{metric} ({statistic})" if namespace else metric


def report(
    service: Service,
    findings: list[Finding],
    *,
    start: datetime,
    end: datetime,
    events: list[Event],
) -> Reply:
    """The investigation as a reply: headline, ranked findings, first mover, events."""
    window = f"{start:%Y-%m-%d %H:%M} to {end:%H:%M} UTC"
    if not findings:
        return Reply(
            tone=Tone.OK,
            title=f"{service.name}: no significant change in {window}",
            text="Latency, errors, traffic and saturation stayed within their baseline.",
        )
    lines = [
        f"{i}. {f.evidence}"
        + (f" · after {f.near.summary}" if f.near else "")
        + f" · confidence {f.confidence:.2f}"
        for i, f in enumerate(findings, 1)
    ]
    first = first_to_move(findings)
    fields = [
        ("Service", f"{service.name} ({service.kind.value} {service.resource})"),
        ("Window", window),
    ]
    if first:
        fields.append(("First to move", f"{first.signal.label} at {first.onset:%H:%M} UTC"))
    if events:
        fields.append(("Events", "\n".join(f"{e.time:%H:%M} {e.summary}" for e in events[-5:])))
    return Reply(
        tone=Tone.INFO,
        title=f"{service.name}: {headline(findings[0])}",
        text="\n".join(lines),
        fields=fields,
    )
