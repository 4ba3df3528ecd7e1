"""Canary commands, and the scheduler's step: judge each due canary, then advance, promote, hold or
roll back, each step a conditional write, audited, and told in the canary's one message."""

from __future__ import annotations

import base64
import logging
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime

from shared.audit.scheduled import scheduler_entry
from shared.audit.trail import AuditTrail
from shared.canary import commands as c
from shared.canary.judge import Judgement, MetricData, MetricSpec, Verdict, judge
from shared.canary.models import Canary, CanaryState, StepRecord
from shared.canary.notices import canary_notice
from shared.canary.ports import CanaryStore, InvestigatorVersions, TrafficRouter, VersionMetrics
from shared.canary.replay import REPLAY_METRIC, VersionFailedError, replay, scenarios
from shared.commands.context import Context, Handlers
from shared.commands.duration import to_timedelta
from shared.errors import (
    ConflictError,
    ForbiddenError,
    InvalidCommandError,
    NotFoundError,
    SreError,
    UnavailableError,
)
from shared.identity.models import OrgId
from shared.identity.ports import Directory
from shared.invocation import ReplyTarget
from shared.ports import Notifier
from shared.replies import Image, Reply, Tone
from shared.services.ownership import owner_of
from shared.telemetry.models import ResourceKind, Service

log = logging.getLogger("autosre.canary")
Chart = Callable[[dict[str, tuple[list[float], list[float]]]], bytes]
"""Draws each metric's stable and canary series (PNG)."""
QUERY_ERROR_LIMIT = 5
"""Failed metric reads in a row before a canary is held and a person asked (never a rollback)."""


def _specs(canary: Canary) -> list[MetricSpec]:
    specs = [
        MetricSpec(
            name=name,
            counts=name == "errors",
            critical=name in canary.critical,
            allowed_increase=1.0 if name == "errors" else 1.1,
        )
        for name in canary.metrics
    ]
    if canary.replay:  # misses on the replay set, judged like errors, never gated by traffic
        specs.append(MetricSpec(name=REPLAY_METRIC, counts=True, critical=True, gates=False))
    return specs


class CanaryService:
    """Runs the canary commands and advances canaries for the scheduler."""

    def __init__(
        self,
        *,
        store: CanaryStore,
        directory: Directory,
        routers: Mapping[ResourceKind, TrafficRouter],
        metrics: Mapping[ResourceKind, VersionMetrics],
        audit: AuditTrail,
        notifier: Notifier,
        draw: Chart | None = None,
        investigators: InvestigatorVersions | None = None,
    ) -> None:
        self._investigators = investigators
        self._draw = draw
        self._store = store
        self._directory = directory
        self._routers = dict(routers)
        self._metrics = dict(metrics)
        self._audit = audit
        self._notifier = notifier

    def handlers(self) -> Handlers:
        """The commands this service runs."""
        return (
            Handlers()
            .add(c.StartCanary, self.start)
            .add(c.ShowCanary, self.show)
            .add(c.ListCanaries, self.list_for_team)
            .add(c.PromoteCanary, self.promote)
            .add(c.RollbackCanary, self.rollback)
            .add(c.HoldCanary, self.hold)
            .add(c.ResumeCanary, self.resume)
        )

    # -- commands ------------------------------------------------------------------------------

    def start(self, command: c.StartCanary, ctx: Context) -> Reply:
        """Record the canary, then shift the first step's traffic to the new version and post
        the canary's message; a failure after the shift sends the traffic back."""
        service = self._startable(command, ctx)
        target = f"{service.resource}:{command.alias}"
        router = self._routers[service.kind]
        # recorded before the shift: a crash after it leaves a canary the scheduler judges
        # (and rolls back if it fails), never traffic on a version nothing watches
        planned = self._planned(command, ctx, service, target, router.route(target).stable)
        recorded = self._store.save(planned)
        try:
            router.shift(target, canary=recorded.release, weight=recorded.steps[0])
            saved = self._tell(recorded)
        except Exception as error:  # undone, then told
            log.exception("canary %s failed to start", recorded.id)
            raise self._undo_start(recorded, router, ctx.now) from error
        where = f" in #{saved.message.channel}" if saved.message else ""
        return Reply(
            tone=Tone.OK,
            title=f"Canary {saved.id} started: version {saved.release} takes {saved.weight:.0%}",
            text=f"Judged every {command.interval}; follow it{where}.",
            ephemeral=saved.message is not None,  # the canary's message tells the channel
        )

    def _startable(self, command: c.StartCanary, ctx: Context) -> Service:
        """The service to start a canary on, or the reason it cannot have one."""
        org = ctx.principal.actor.org
        team = self._directory.get_team(org, ctx.team or "")
        service = team.services.get(command.service) if team else None
        if service is None:
            raise NotFoundError(f"Team {ctx.team} has no service `{command.service}`.")
        if service.kind not in self._routers or service.kind not in self._metrics:
            raise InvalidCommandError(
                f"{service.name} is a {service.kind.value} service: canaries shift Lambda alias "
                "traffic (register the service with --aws-lambda)"
            )
        self._refuse_unowned(org, ctx.team or "", service)
        if command.replay and self._investigators is None:
            raise InvalidCommandError(
                "This deployment cannot run the investigator's versions on the replay set "
                "(`--replay` needs the AWS deployment or the embedded default's simulation)."
            )
        target = f"{service.resource}:{command.alias}"
        if any(x.target == target for x in self._store.every()):
            raise ConflictError(f"A canary is already running on {target}.")
        return service

    @staticmethod
    def _planned(
        command: c.StartCanary, ctx: Context, service: Service, target: str, stable: str
    ) -> Canary:
        """The canary as it starts: at its first step, judged every `--interval`."""
        steps = [float(step) / 100 for step in command.steps.split(",")]
        user = ctx.principal.actor.user
        return Canary(
            id=f"can-{uuid.uuid4().hex[:8]}",
            org=ctx.principal.actor.org,
            team=ctx.team or "",
            service=service.name,
            target=target,
            stable=stable,
            release=command.version,
            steps=steps,
            interval=to_timedelta(command.interval),
            metrics=command.metrics.split(","),
            critical=command.critical.split(","),
            replay=command.replay,
            step_started_at=ctx.now,
            started_by=user,
            started_at=ctx.now,
            kind=service.kind,
            platform=ctx.principal.actor.platform,
            history=[
                StepRecord(
                    at=ctx.now,
                    weight=steps[0],
                    what="started",
                    reason=f"{steps[0]:.0%} of traffic to version {command.version}",
                    by=user,
                )
            ],
        )

    def _undo_start(self, canary: Canary, router: TrafficRouter, now: datetime) -> SreError:
        """After a start failed: all the traffic back on the stable version and the canary
        marked rolled back; the error that tells the person what happened."""
        failed = f"Canary {canary.id} could not be started"
        try:
            router.rollback(canary.target)
        except Exception:  # the record stays: the scheduler or a person ends it
            log.exception("could not send canary %s's traffic back", canary.id)
            return UnavailableError(
                f"{failed}, and its traffic could not be sent back to version {canary.stable}: "
                f"roll it back with `sre canary rollback {canary.id}`."
            )
        back = f"{failed}: all traffic is back on version {canary.stable}."
        reason = "could not be started; all traffic back on the stable version"
        try:
            self._store.save(
                self._with(canary, now, "rolled back", reason, state=CanaryState.ROLLED_BACK)
            )
        except Exception:  # traffic is back; the scheduler sees no canary traffic
            log.exception("could not mark canary %s rolled back", canary.id)
            return UnavailableError(
                f"{back} It is still listed as running: end it with "
                f"`sre canary rollback {canary.id}` before trying again."
            )
        return UnavailableError(f"{back} Try again in a minute.")

    def _get(self, canary_id: str, ctx: Context) -> Canary:
        found = self._store.get(ctx.principal.actor.org, canary_id)
        if found is None or found.team != ctx.team:
            raise NotFoundError(f"There is no canary {canary_id} in team {ctx.team}.")
        return found

    def _refuse_unowned(self, org: OrgId, team: str, service: Service) -> None:
        """Only the team that owns a resource moves its traffic (not a team it is shared with,
        nor a later registration of it from before ownership was enforced)."""
        found = owner_of(self._directory.list_teams(org), service)
        owner = service.shared_from or (found[0].name if found else team)
        if owner != team:
            raise ForbiddenError(
                f"{service.name} reads `{service.resource}`, which belongs to team {owner}: "
                f"only team {owner}'s canaries move its traffic.",
                needed=f"ownership of the resource (team {owner})",
            )

    def show(self, command: c.ShowCanary, ctx: Context) -> Reply:
        """The canary's message, as it stands."""
        return canary_notice(self._get(command.id, ctx))

    def list_for_team(self, _: c.ListCanaries, ctx: Context) -> Reply:
        """The team's canaries."""
        found = self._store.list_for(ctx.principal.actor.org, ctx.team or "")
        if not found:
            return Reply(tone=Tone.INFO, title=f"Team {ctx.team} has no canaries")
        fields = [
            (x.id, f"{x.service} {x.release}: {x.state.value} at {x.weight:.0%}") for x in found
        ]
        return Reply(tone=Tone.INFO, title=f"Canaries of {ctx.team}", fields=fields)

    def _decide(self, canary: Canary, ctx: Context, what: str, **changes: object) -> Reply:
        if canary.state.over:
            raise ConflictError(f"{canary.id} is already {canary.state.value}.")
        user = ctx.principal.actor.user
        record = StepRecord(at=ctx.now, weight=canary.weight, what=what, reason="by hand", by=user)
        moved = canary.model_copy(update={**changes, "history": [*canary.history, record]})
        # no chart here (no metrics were read): the scheduler's next judgement draws it again
        saved = self._tell(self._store.save(moved))
        return Reply(
            tone=Tone.OK,
            title=f"{saved.id} {what} by @{user}",
            text=canary_notice(saved).title,
            ephemeral=saved.message is not None,  # the canary's message, updated, tells the rest
        )

    def promote(self, command: c.PromoteCanary, ctx: Context) -> Reply:
        """Give the new version all the traffic now."""
        canary = self._get(command.id, ctx)
        self._routers[canary.kind].promote(canary.target, canary=canary.release)
        return self._decide(canary, ctx, "promoted", state=CanaryState.PROMOTED)

    def rollback(self, command: c.RollbackCanary, ctx: Context) -> Reply:
        """Give the stable version all the traffic now."""
        canary = self._get(command.id, ctx)
        self._routers[canary.kind].rollback(canary.target)
        return self._decide(canary, ctx, "rolled back", state=CanaryState.ROLLED_BACK)

    def hold(self, command: c.HoldCanary, ctx: Context) -> Reply:
        """Keep the weight (still judged; still rolled back if it fails)."""
        canary = self._get(command.id, ctx)
        if canary.state is CanaryState.HOLDING:
            raise ConflictError(f"{canary.id} is already held.")
        return self._decide(canary, ctx, "held", state=CanaryState.HOLDING)

    def resume(self, command: c.ResumeCanary, ctx: Context) -> Reply:
        """Go on from a hold: the next judgement may advance it again."""
        canary = self._get(command.id, ctx)
        if canary.state is not CanaryState.HOLDING:
            raise ConflictError(f"{canary.id} is not held.")
        return self._decide(canary, ctx, "resumed", state=CanaryState.RUNNING, query_errors=0)

    # -- the scheduler's step ------------------------------------------------------------------

    def advance(self, now: datetime, *, trigger: str, org: OrgId | None = None) -> list[str]:
        """Judge every due canary (of `org`, if given) and act on the verdict; what happened,
        one line each."""
        done: list[str] = []
        for canary in self._store.every():
            if not canary.due(now) or org not in (None, canary.org):
                continue
            moved, data = self._step(canary, now)
            try:
                saved = self._store.save(moved)
            except ConflictError:
                continue  # another run took this step
            latest = saved.history[-1]
            self._record(saved, latest, trigger)
            self._tell(saved, data)
            done.append(f"{saved.id} {latest.what}")
        return done

    def _chart(self, canary: Canary, data: Mapping[str, MetricData]) -> Image | None:
        """Each metric's stable and canary series so far, as one small chart per metric (error
        counts scaled to the stable version's traffic), to show inside the canary's message."""
        series = {}
        for name, found in data.items():
            if len(found.control) < 2 and len(found.experiment) < 2:
                continue  # a single count (the replay set's misses) is in the reasons
            scale = (
                found.control_total / found.experiment_total
                if found.control_total and found.experiment_total
                else 1.0
            )
            label = f"{name} (canary x{scale:.0f})" if round(scale) != 1 else name
            series[label] = (list(found.control), [v * scale for v in found.experiment])
        if self._draw is None or not series:
            return None
        try:
            png = self._draw(series)
        except Exception:
            log.exception("could not chart canary %s", canary.id)
            return None
        return Image(
            name=f"{canary.id}-{len(canary.history)}.png",
            title=(
                f"{canary.service}: canary {canary.release} vs stable {canary.stable}, per minute"
            ),
            png_base64=base64.b64encode(png).decode(),
            inline=True,
        )

    def _step(self, canary: Canary, now: datetime) -> tuple[Canary, dict[str, MetricData]]:
        """The canary after judging its data so far (and moving its traffic), and the data."""
        try:
            data = self._metrics[canary.kind].compare(canary, start=canary.started_at, end=now)
            if canary.replay and self._investigators is not None:
                data[REPLAY_METRIC] = self._replay(canary, self._investigators)
        except Exception as error:  # noqa: BLE001 (a query error is not a failure)
            errors = canary.query_errors + 1
            held = errors >= QUERY_ERROR_LIMIT
            reason = f"metrics unavailable ({error}); {errors} in a row"
            return self._with(
                canary,
                now,
                "held" if held else "query error",
                reason + ("; held, decide by hand" if held else ""),
                query_errors=errors,
                state=CanaryState.HOLDING if held else canary.state,
            ), {}
        served = data["errors"].experiment_total if "errors" in data else 10**9
        looks = 1 + sum(r.by == "scheduler" and r.what != "query error" for r in canary.history)
        verdict = judge(_specs(canary), data, canary_requests=served, looks=looks)
        return self._act(canary, verdict, now), data

    @staticmethod
    def _replay(canary: Canary, versions: InvestigatorVersions) -> MetricData:
        """Both versions of the investigator on the replay set: each one's misses. The stable
        version must answer (else this is a query error); a canary whose code fails on the set
        missed every scenario."""
        cases = scenarios()
        stable = versions.findings(canary.target, canary.stable, cases)
        try:
            tried = versions.findings(canary.target, canary.release, cases)
        except VersionFailedError as failure:
            log.warning("version %s failed the replay set: %s", canary.release, failure)
            tried = None
        return replay(stable, tried, cases)

    def _act(self, canary: Canary, verdict: Judgement, now: datetime) -> Canary:
        reasons = "; ".join(r.reason for r in verdict.results) or verdict.reason
        router = self._routers[canary.kind]
        if verdict.verdict is Verdict.FAILED:
            router.rollback(canary.target)
            return self._with(
                canary,
                now,
                "rolled back",
                f"{verdict.reason}: {reasons}",
                state=CanaryState.ROLLED_BACK,
            )
        if canary.state is CanaryState.HOLDING or verdict.verdict is Verdict.INSUFFICIENT:
            what = "judged while held" if canary.state is CanaryState.HOLDING else "extended"
            return self._with(canary, now, what, verdict.reason, query_errors=0)
        if verdict.verdict is Verdict.INCONCLUSIVE:
            return self._with(
                canary,
                now,
                "held",
                f"inconclusive ({verdict.reason}): {reasons}; decide by hand",
                state=CanaryState.HOLDING,
                query_errors=0,
            )
        following = canary.step + 1
        if following >= len(canary.steps) or canary.steps[following] >= 1.0:
            router.promote(canary.target, canary=canary.release)
            return self._with(
                canary,
                now,
                "promoted",
                f"{verdict.reason}: {reasons}",
                state=CanaryState.PROMOTED,
                step=len(canary.steps) - 1,
            )
        router.shift(canary.target, canary=canary.release, weight=canary.steps[following])
        advanced = canary.model_copy(update={"step": following})
        return self._with(advanced, now, "advanced", f"{verdict.reason}: {reasons}", query_errors=0)

    def _with(
        self, canary: Canary, now: datetime, what: str, reason: str, **changes: object
    ) -> Canary:
        moved = canary.model_copy(update={"step_started_at": now, **changes})
        record = StepRecord(at=now, weight=moved.weight, what=what, reason=reason)
        return moved.model_copy(update={"history": [*canary.history, record]})

    def _record(self, canary: Canary, record: StepRecord, trigger: str) -> None:
        self._audit.append(
            scheduler_entry(
                canary.org,
                canary.team,
                time=record.at,
                command=f"canary {record.what} {canary.id}",
                target=canary.target,
                trigger=trigger,
                details={"weight": f"{record.weight:g}", "reason": record.reason[:500]},
            )
        )

    def _tell(self, canary: Canary, data: Mapping[str, MetricData] | None = None) -> Canary:
        """Post the canary's message the first time, update it after (with the chart of `data`,
        the metrics so far); keep where it is."""
        chart = self._chart(canary, data) if data else None
        notice = canary_notice(canary, chart)
        try:
            if canary.message and canary.message.message:
                self._notifier.update(canary.message, notice)
                return canary
            bindings = [
                b for b in self._directory.list_bindings(OrgId(canary.org)) if b.team == canary.team
            ]
            if not bindings:
                return canary
            target = ReplyTarget(
                platform=canary.platform,
                channel=bindings[0].channel,
                conversation=bindings[0].conversation,
            )
            posted = self._notifier.post(target, notice) or target
        except Exception:
            log.exception("could not tell canary %s", canary.id)
            return canary
        try:
            return self._store.save(canary.model_copy(update={"message": posted}))
        except ConflictError:
            return canary
