"""Investigations: fetch a service's golden signals, find what changed, record and report it."""

from __future__ import annotations

import base64
import math
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from shared.audit.models import StreamKey
from shared.audit.trail import AuditTrail
from shared.commands.context import Context, Handled, Handlers
from shared.commands.duration import to_timedelta
from shared.errors import InvalidCommandError, UnavailableError
from shared.identity.models import Platform, Team
from shared.identity.ports import Directory
from shared.investigations import commands as c
from shared.investigations.collaboration import with_actions
from shared.investigations.coverage import (
    baseline_notes,
    finding_line,
    missing_lines,
    unjudged_line,
    without_findings,
)
from shared.investigations.events import audited
from shared.investigations.joins import AlertJoins, report_place
from shared.investigations.models import (
    Investigation,
    InvestigationStatus,
    Narrative,
    TimelineEntry,
    ongoing_outage,
)
from shared.investigations.narrative import NarrativeSummariser
from shared.investigations.page import PageServer
from shared.investigations.ports import InvestigationStore, ServiceActivity, Summariser
from shared.investigations.report_extras import SimilarIncidents, also_open, judging, unwritten
from shared.ports import Notifier
from shared.quotas.models import Limit
from shared.quotas.refusal import QuotaExceededError
from shared.quotas.service import QuotaService
from shared.replies import Image, Reply, Tone, user_ref
from shared.services.catalog import ServiceCatalog, unreadable
from shared.telemetry import analysis
from shared.telemetry.analysis import first_movers, headline, said_together
from shared.telemetry.events import listed
from shared.telemetry.limits import check_window, read_within, window_of
from shared.telemetry.metrics_files import MetricsFiles, rows_ahead, without_paths
from shared.telemetry.models import (
    Event,
    Finding,
    Judgement,
    LogEvidence,
    ResourceKind,
    Service,
    Verdict,
)
from shared.telemetry.ports import LogSource, MetricsSource
from shared.telemetry.queries import latency_read_as, units_of
from shared.telemetry.reading import with_baseline
from shared.telemetry.wording import to_the_second
from shared.times import clock, moment, period

BASELINE = timedelta(hours=4)
"""How much history before the window each signal is judged against."""
STEP = 60
AGAIN = timedelta(minutes=1)
"""How soon the same person's same investigation is taken as the same request sent twice."""
AGAIN_READ = 2
"""How many of the team's newest investigations are read to find it (a teammate's may be newer)."""


class InvestigationService:
    """Investigates a team's services with the right metrics source for each."""

    def __init__(
        self,
        *,
        directory: Directory,
        sources: Mapping[ResourceKind, MetricsSource],
        audit: AuditTrail,
        store: InvestigationStore,
        pages: PageServer,
        logs: Mapping[ResourceKind, LogSource],
        summariser: Summariser | None,
        files: MetricsFiles | None,
        notifier: Notifier,
        activity: ServiceActivity | None = None,
        quotas: QuotaService,
    ) -> None:
        self._quotas = quotas
        self._directory = directory
        self._activity = activity
        self._sources = dict(sources)
        self._logs = dict(logs)
        self._summariser = summariser or NarrativeSummariser()
        self._audit = audit
        self._store = store
        self._pages = pages
        self._catalog = ServiceCatalog(directory=directory, readable=self._sources, files=files)
        self._files = files
        self._similar = SimilarIncidents(store=store, link=pages.link)
        self._joins = AlertJoins(
            store=store, directory=directory, notifier=notifier, link=pages.link
        )

    def _rows_ahead(self, service: Service, *, now: datetime) -> str:
        """What to say of a metrics file whose rows run past now (a time zone's times written
        without their offset: the window before now holds the wrong rows); empty otherwise."""
        if service.kind is not ResourceKind.METRICS_FILE or self._files is None:
            return ""
        try:
            span = self._files.span(service.resource)
        except UnavailableError:  # the report says why it could not be read
            return ""
        name = without_paths(service.resource, service)
        return rows_ahead(name, span[1], now) if span else ""

    def _file_span(self, reply: Reply, service: Service, *, now: datetime) -> Reply:
        """A metrics file with no row in the window: when its rows are, so a window inside them
        can be named (a file of a past incident has none in the hours before now)."""
        if service.kind is not ResourceKind.METRICS_FILE or self._files is None:
            return reply
        span = self._files.span(service.resource)
        name = without_paths(service.resource, service)
        if span is None:
            said = f"{name} has no rows."
        else:
            first, last = span
            since, hours = _covering(first, last)
            said = (
                f"{name} has rows only in {period(first, last, today=now)}: name a window inside "
                f"them, e.g. `sre investigate {service.name} --since {since:%Y-%m-%dT%H:%MZ} "
                f"--window {hours}h`."
            )
        return reply.model_copy(update={"text": f"{reply.text}\n{said}".strip()})

    def handlers(self) -> Handlers:
        """The commands this service runs."""
        return Handlers().add(
            c.OpenInvestigation,
            self.investigate,
            check=self.can_investigate,
            unchanged=self.opened_just_now,
        )

    def opened_just_now(self, command: c.OpenInvestigation, ctx: Context) -> str | None:
        """The same person's investigation of the same service and window, asked in the same
        channel under a minute ago (a double click of Investigate, the same command sent
        twice): named, not opened again. Another person, window or channel opens a new one; so
        does a terminal (a person typing it again means it, say after changing their CSV)."""
        if command.alert or ctx.principal.actor.platform is Platform.LOCAL:
            return None  # (the scheduler's ask joins an open one instead)
        start, end = window_of(command.since, to_timedelta(command.window), now=ctx.now)
        team, place = self._catalog.team(ctx), report_place(ctx.invocation.reply_to)
        again = [
            i
            for i in self._store.recent(team.org, team.name, newest=AGAIN_READ)
            if i.status is InvestigationStatus.OPEN
            and i.service == command.service
            and i.opened_by == ctx.principal.actor.user
            and ctx.now - i.opened_at <= AGAIN
            and abs(i.end - end) <= AGAIN
            and i.end - i.start == end - start
            and i.reported_in is not None
            and i.reported_in.channel == place.channel
        ]
        if not again:
            return None
        inv = again[0]
        return (
            f"you opened {inv.id} of {inv.service} over the same window at "
            f"{moment(inv.opened_at, today=ctx.now)}: `sre investigation show {inv.id}`"
        )

    def can_investigate(self, command: c.OpenInvestigation, ctx: Context) -> None:
        """Before it is queued, what `investigate` checks first: its service exists and is read
        here, its window is one the provider keeps, and the team has an investigation left
        today (a typo or a spent quota is answered at once, not after "Working on…"). An
        alert's ask is left to the worker: it may join an open investigation, and its outcome is
        audited."""
        _refuse_typed_alert(command, ctx)
        if not command.alert:
            team = self._catalog.team(ctx)
            self._readable(command, self._catalog.readable(team, command.service), ctx.now)
            limit = Limit.INVESTIGATIONS_PER_DAY  # spent: answered at once, not after queueing
            if refused := self._quotas.spent(team.org, team.name, limit, at=ctx.now):
                raise refused

    def _readable(
        self, command: c.OpenInvestigation, service: Service, now: datetime
    ) -> tuple[MetricsSource, datetime, datetime]:
        """The service's metrics source and the window to read, or why it cannot be read."""
        start, end = window_of(command.since, to_timedelta(command.window), now=now)
        source = self._sources.get(service.kind)
        if source is None:  # registered before this deployment stopped reading its cloud
            raise unreadable(service.kind)
        check_window(service.kind, start=start, baseline=BASELINE, now=now)
        if ahead := self._rows_ahead(service, now=now):  # never judged over the wrong rows
            raise UnavailableError(
                f"Cannot judge {service.name}: its file's times are not UTC. {ahead}. Nothing "
                "was judged or recorded."
            )
        return source, start, end

    def investigate(self, command: c.OpenInvestigation, ctx: Context) -> Reply | Handled:
        """Fetch the golden signals, find what changed, rank it, and say what it lines up with."""
        _refuse_typed_alert(command, ctx)
        team = self._catalog.team(ctx)
        service = self._catalog.readable(team, command.service)
        already = self._open_of(team, service.name)
        if command.alert and already and ongoing_outage(already):
            return self._joins.join(command.alert, already, ctx)
        source, start, end = self._readable(command, service, ctx.now)
        # counted (or refused) before any provider call
        try:
            source, log_source = self._quotas.metered(
                source,
                self._logs.get(service.kind),
                team.org,
                team.name,
                at=ctx.now,
                starting=Limit.INVESTIGATIONS_PER_DAY,
            )
        except QuotaExceededError as refused:  # an alert's ask is told once per quota window
            if command.alert:
                self._quotas.said_once(refused, team.org, team.name, at=ctx.now)
            raise
        series = with_baseline(
            source, service, start=start, end=end, hours=BASELINE, step=STEP, now=ctx.now
        )
        events = [
            *read_within(lambda: source.events(service, start=start - BASELINE, end=end)),
            *self._changes(team, service, start - BASELINE, end),
            *self._done_to(team, service, start - BASELINE, end),
        ]
        units = units_of(service)
        judged = analysis.findings(
            series,
            signals=service.queries,
            start=start,
            end=end,
            step=STEP,
            events=events,
            today=ctx.now,
            read_from=start - BASELINE,
            units=units,
        )
        verdicts, findings = judged.verdicts, judged.ranked
        logs, note = self._log_evidence(service, log_source, start=start, end=end)
        reply = report(
            service, findings, start=start, end=end, events=events, verdicts=verdicts, now=ctx.now
        )
        reply = self._while(reply, team, service)
        if verdicts and all(v.judgement is Judgement.NO_DATA for v in verdicts):
            reply = self._file_span(reply, service, now=ctx.now)
        if logs or note:
            lines = [e.describe(ctx.now) for e in logs[:8]] or [note]
            reply = reply.model_copy(update={"fields": [*reply.fields, ("Logs", "\n".join(lines))]})
        actor = ctx.principal.actor.user
        opened = Investigation(
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
            verdicts=verdicts,
            logs=logs,
            participants=[actor],
            series={s: [(t, v) for t, v in pts if t >= start] for s, pts in series.items()},
            units=units,
            timeline=[TimelineEntry(time=ctx.now, actor=actor, kind="opened", text=reply.title)],
            events=listed(events, findings),
            reported_in=report_place(ctx.invocation.reply_to),
        )
        narrated = self._narrative(opened)
        investigation = self._store.save(
            opened.model_copy(update={"narrative": narrated.text, "narrated_by": narrated.by})
        )
        said = unwritten(
            narrated, self._quotas, team.org, team.name, alert=bool(command.alert), now=ctx.now
        )
        told = f"{said}\n{narrated.text}" if said else narrated.text
        reply = reply.model_copy(update={"text": f"{told}\n{reply.text}".strip()})
        reply = with_actions(reply, investigation)
        reply = reply.model_copy(update={"buttons": [*reply.buttons, *judging(investigation)]})
        reply = self._similar.added(reply, investigation, ctx.now)
        link = self._pages.link(investigation, ctx.now)
        chart = Image(
            name=f"{investigation.id}.png",
            title=f"{service.name}: golden signals",
            png_base64=base64.b64encode(self._pages.chart(investigation)).decode(),
        )
        reply = reply.model_copy(
            update={
                "fields": [*reply.fields, ("Page", link), ("Narrative", narrated.by)],
                "images": [chart],
            }
        )
        reply = also_open(reply, already, now=ctx.now) if already else reply
        # the audit entry records which variant (and experiment) wrote the narrative
        return Handled(reply, details={"investigation": investigation.id, "narrative": narrated.by})

    def _open_of(self, team: Team, service: str) -> Investigation | None:
        """The team's newest open investigation of `service` that found something, else its
        newest open one, if it has any (one that could judge nothing must not hide the one
        that found the change)."""
        found = [i for i in self._store.open_for(team.org, team.name) if i.service == service]
        return next((i for i in found if i.findings), found[0] if found else None)

    def _narrative(self, investigation: Investigation) -> Narrative:
        """The summariser's account; the rule-based one if it fails (a model may time out)."""
        try:
            return self._summariser.summarise(investigation)
        except Exception:  # noqa: BLE001 (the report must not depend on an optional model)
            return NarrativeSummariser().summarise(investigation)

    @staticmethod
    def _log_evidence(
        service: Service, source: LogSource | None, *, start: datetime, end: datetime
    ) -> tuple[list[LogEvidence], str]:
        """What the service's logs say (read from `source`, its calls counted), or why they could
        not be read (never fatal: the metrics are the investigation, the logs its evidence)."""
        if not service.log_workspace or source is None:
            return [], ""
        try:
            found = read_within(
                lambda: source.evidence(
                    service, baseline_start=start - BASELINE, start=start, end=end
                )
            )
        except Exception as error:  # noqa: BLE001 (any provider failure is reported, not raised)
            return [], f"log evidence unavailable: {error}"
        return found, "" if found else "no failed requests or error lines in the window"

    def _done_to(self, team: Team, service: Service, start: datetime, end: datetime) -> list[Event]:
        """What other features did to the service in the window (its chaos runs)."""
        if self._activity is None:
            return []
        return list(self._activity.events(team.org, team.name, service.name, start=start, end=end))

    def _while(self, reply: Reply, team: Team, service: Service) -> Reply:
        """The headline, saying what is being done to the service as it is investigated (a chaos
        experiment injecting a fault into it)."""
        ongoing = (
            self._activity.ongoing(team.org, team.name, service.name) if self._activity else []
        )
        if not ongoing:
            return reply
        return reply.model_copy(update={"title": f"{reply.title}, while {' and '.join(ongoing)}"})

    def _changes(self, team: Team, service: Service, start: datetime, end: datetime) -> list[Event]:
        """Changes of the service the team's audit trail recorded in the window (no bookkeeping)."""
        stream = StreamKey(org=team.org, team=team.name)
        return audited(self._audit.records(stream), service, start=start, end=end)


def _refuse_typed_alert(command: c.OpenInvestigation, ctx: Context) -> None:
    """`--alert` is the scheduler's alone: typed by a person, it is refused."""
    if command.alert and ctx.principal.actor.platform is not Platform.SCHEDULER:
        raise InvalidCommandError(
            "--alert is given by the scheduler when an alert asks for an investigation; "
            "leave it out (`sre investigate SERVICE` names an open one to join).",
            usage="sre investigate SERVICE [--window WINDOW] [--since DATE] [--team TEAM]",
        )


def report(
    service: Service,
    findings: list[Finding],
    *,
    start: datetime,
    end: datetime,
    events: list[Event],
    verdicts: Sequence[Verdict] = (),
    now: datetime | None = None,
) -> Reply:
    """The investigation as a reply: headline, ranked findings, what could not be judged, first
    mover, baseline notes, events (the chosen ones in time order, oldest first). A time not of
    the day of `now` (the reader's; default the window's end) carries its date."""
    now = now or end
    window = period(start, end, today=now)
    cannot = [unjudged_line(v, window, now) for v in verdicts if not v.judgement.judged]
    fields = [
        # posted in chat too, and kept: a metrics file by its name, never its path on the server
        (
            "Service",
            without_paths(f"{service.name} ({service.kind.value} {service.resource})", service),
        ),
        ("Window", window),
    ]
    if read_as := latency_read_as(service):
        fields.append(("Latency", read_as))
    if notes := baseline_notes(verdicts):
        fields.append(("Baseline", "\n".join(notes)))
    if not findings:
        return without_findings(service, verdicts, cannot, window, fields, now)
    if gaps := missing_lines(verdicts, now):
        fields.append(("Missing data", "\n".join(gaps)))
    lines = [finding_line(i, f, now) for i, f in enumerate(findings, 1)]
    falls = [f"{v.signal.label} {v.fall}" for v in verdicts if v.fall]  # failing fast, say
    lines += ["Fell, not counted as a change:", *falls] if falls else []
    lines += ["Could not judge:", *cannot] if cannot else []
    if movers := first_movers(findings):
        at = moment(movers[0].onset, today=now, seconds=to_the_second(movers[0]))
        together = " together" if len(movers) > 1 else ""
        fields.append(("First to move", f"{said_together(movers)}{together} at {at}"))
    if events:
        shown = sorted(listed(events, findings), key=lambda e: e.time)
        days = any(e.time.date() != now.date() for e in shown)
        dated = [f"{clock(e.time, days=days)} {e.summary}" for e in shown]
        fields.append(("Events", "\n".join(dated)))
    near = [f.near for f in findings if f.near]
    return Reply(
        tone=Tone.INFO,
        title=f"{service.name}: {headline(findings[0], now)}",
        text="\n".join(lines),
        fields=fields,
        refs=tuple(user_ref(by) for by in sorted({e.by for e in [*events, *near]} - {""})),
    )


SUGGESTED_HOURS = 72
"""The longest window suggested for a file's rows: its last three days, if it has more."""


def _covering(first: datetime, last: datetime) -> tuple[datetime, int]:
    """A window over a file's rows (its last 3 days at most): its start, and its length in whole
    hours. A window of the first rows alone would leave out where a file of an incident has it,
    and (its hours before it missing) be judged against its own first part."""
    hours = min(SUGGESTED_HOURS, max(1, math.ceil((last - first) / timedelta(hours=1) + 1e-9)))
    return max(first, last - timedelta(hours=hours)).replace(second=0, microsecond=0), hours
