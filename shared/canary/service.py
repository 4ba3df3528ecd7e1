"""The canary commands: start, show, list, and an operator's promote, rollback, hold and resume.
The scheduler's step is in `progress`, the step logic in `steps`, the messages in `notices`."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime

from shared.audit.trail import AuditTrail
from shared.canary import commands as c
from shared.canary.models import Canary, CanaryState, StepRecord
from shared.canary.no_ops import CanaryNoOps, team_canary
from shared.canary.notices import (
    CanaryMessages,
    Chart,
    decided_reply,
    named,
    not_done,
    start_left,
    started_reply,
    status_reply,
    team_list,
)
from shared.canary.ports import (
    CanaryStore,
    InvestigatorVersions,
    TargetTakenError,
    TrafficRouter,
    VersionMetrics,
)
from shared.canary.progress import CanaryProgress
from shared.canary.steps import move_of, recorded_first, started, with_step
from shared.canary.units import QuotaCountedCanaryStore, recorded
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
from shared.ports import Notifier
from shared.quotas.service import QuotaService
from shared.replies import Reply
from shared.services.catalog import unknown_service
from shared.services.ownership import owner_of, refuse_foreign
from shared.telemetry.models import ResourceKind, Service

log = logging.getLogger("autosre.canary")


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
        draw: Chart,
        investigators: InvestigatorVersions | None,
        quotas: QuotaService,
        org_seconds: float,
    ) -> None:
        """`investigators`: None where the deployment cannot run the investigator's versions
        (then `--replay` is refused); `org_seconds`: how long a tick waits for one org's
        canaries (a late org's are carried to a later tick). Every write goes through
        `QuotaCountedCanaryStore`, so whatever ends a canary gives its team's unit back."""
        self._investigators = investigators
        self._quotas = quotas
        store = QuotaCountedCanaryStore(store, quotas=quotas)
        self._store = store
        self._directory = directory
        self._routers = dict(routers)
        self._metrics = dict(metrics)
        self._messages = CanaryMessages(
            store=store, directory=directory, notifier=notifier, draw=draw
        )
        self._progress = CanaryProgress(
            store=store,
            routers=routers,
            metrics=metrics,
            audit=audit,
            messages=self._messages,
            investigators=investigators,
            org_seconds=org_seconds,
            meter=quotas.meter,
        )

    def handlers(self) -> Handlers:
        """The commands this service runs (a decision that would change nothing is said so)."""
        same = CanaryNoOps(store=self._store)
        return (
            Handlers()
            .add(c.StartCanary, self.start, check=self.can_start)
            .add(c.ShowCanary, self.show)
            .add(c.ListCanaries, self.list_for_team)
            .add(c.PromoteCanary, self.promote, unchanged=same.promote)
            .add(c.RollbackCanary, self.rollback, unchanged=same.rollback)
            .add(c.HoldCanary, self.hold, unchanged=same.hold)
            .add(c.ResumeCanary, self.resume, unchanged=same.resume)
        )

    # -- commands ------------------------------------------------------------------------------

    def start(self, command: c.StartCanary, ctx: Context) -> Reply:
        """Record the canary as starting, shift the first step's traffic to the new version,
        record it running and post the canary's message; a failure after the record sends the
        traffic back (a crash leaves it starting, and the scheduler undoes it)."""
        service = self._startable(command, ctx)
        target = f"{service.resource}:{command.alias}"
        router = self._routers[service.kind]
        stable = router.route(target).stable
        if command.version == stable:
            raise InvalidCommandError(
                f"Version {stable} is already {target}'s stable version: a canary compares a new "
                "version with it (give `--version` the version to try)."
            )
        planned = self._planned(command, ctx, service, target, stable)
        try:  # the check above and this record are not one write: the store's claim decides
            current = recorded(self._store, planned, quotas=self._quotas, now=ctx.now)
        except TargetTakenError as taken:
            raise _taken(taken.holder, planned.org, planned.team) from taken
        try:
            router.shift(target, canary=current.release, weight=current.steps[0])
            current = self._store.save(started(current))
            current = self._messages.tell(current)
        except Exception as error:  # undone, then told
            log.exception("canary %s failed to start", current.id)
            raise self._undo_start(current, router, ctx.now) from error
        return started_reply(current, command.interval)

    def can_start(self, command: c.StartCanary, ctx: Context) -> Service:
        """Before it is queued too: the team's service, one a canary can shift, or the reason
        it cannot have one (a typo, a metrics file: answered at once, not after "Working on…");
        no read beyond the team the bus already has."""
        team = ctx.team_record
        service = team.services.get(command.service) if team else None
        if service is None:  # said as `investigate` says it: the team's services, the closest
            if team is not None:
                raise unknown_service(team, command.service)
            raise NotFoundError(f"Team {ctx.team} has no service `{command.service}`.")
        if service.kind not in self._routers or service.kind not in self._metrics:
            raise InvalidCommandError(
                f"{service.name} is a {service.kind.value} service: canaries shift Lambda alias "
                "traffic (register the service with --aws-lambda)"
            )
        if service.kind is ResourceKind.AWS_LAMBDA and not command.version.isdigit():
            raise InvalidCommandError(
                f"`{command.version}` is not a version of {service.resource}: Lambda numbers the "
                "versions it publishes, and an alias weighs only those (`aws lambda "
                f"publish-version --function-name {service.resource}` prints the next one); give "
                "that number, like --version 43"
            )
        if command.replay and self._investigators is None:
            raise InvalidCommandError(
                "This deployment cannot run the investigator's versions on the replay set "
                "(`--replay` needs the AWS deployment or the embedded default's simulation)."
            )
        return service

    def _startable(self, command: c.StartCanary, ctx: Context) -> Service:
        """The service to start a canary on, or the reason it cannot have one (now: another
        canary on its alias)."""
        org = ctx.principal.actor.org
        service = self.can_start(command, ctx)
        self._refuse_unowned(org, ctx.team or "", service)  # audited as denied: not checked first
        target = f"{service.resource}:{command.alias}"
        for other in (x for x in self._store.every() if x.target == target):
            raise _taken(other, org, ctx.team or "")
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
            critical=[m for m in command.critical.split(",") if m in command.metrics.split(",")],
            replay=command.replay,
            step_started_at=ctx.now,
            started_by=user,
            started_at=ctx.now,
            kind=service.kind,
            platform=ctx.principal.actor.platform,
            state=CanaryState.STARTING,  # until its traffic has moved (safe by order)
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
        marked rolled back (or rolling back, for the scheduler to retry, when the router fails
        too); the error that tells the person what happened."""
        failed = f"Canary {canary.id} could not be started"
        reason = "could not be started; all traffic back on the stable version"
        ended = with_step(canary, now, "rolled back", reason, state=CanaryState.ROLLED_BACK)
        try:
            router.rollback(canary.target, canary=canary.release)
        except Exception:  # recorded as rolling back: the scheduler's next runs finish it
            log.exception("could not send canary %s's traffic back", canary.id)
            kept = self._saved(recorded_first(ended))
            return UnavailableError(
                f"{failed}, and its traffic could not be sent back to version {canary.stable} "
                f"yet: {start_left(canary, kept=kept)}"
            )
        back = f"{failed}: all traffic is back on version {canary.stable}."
        if not self._saved(ended):
            left = start_left(canary, kept=False)
            return UnavailableError(f"{back} {left[0].upper()}{left[1:]}")
        return UnavailableError(f"{back} Try again in a minute.")

    def _saved(self, canary: Canary) -> bool:
        """Store `canary`; whether that worked (a failure is logged: the caller says what it
        leaves)."""
        try:
            self._store.save(canary)
        except Exception:
            log.exception("could not record canary %s as %s", canary.id, canary.state.value)
            return False
        return True

    def _get(self, canary_id: str, ctx: Context) -> Canary:
        return team_canary(self._store, canary_id, ctx)

    def _refuse_unowned(self, org: OrgId, team: str, service: Service) -> None:
        """Only the team that owns a resource moves its traffic (not a team it is shared with,
        nor a later registration of it from before ownership was enforced)."""
        refuse_foreign(self._directory, service, org)
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
        return status_reply(self._get(command.id, ctx), command.page)

    def list_for_team(self, _: c.ListCanaries, ctx: Context) -> Reply:
        """The team's canaries."""
        return team_list(
            ctx.team or "", self._store.list_for(ctx.principal.actor.org, ctx.team or "")
        )

    def _decide(self, canary: Canary, ctx: Context, what: str, **changes: object) -> Reply:
        """An operator's decision: recorded, then its traffic moved (a failed move is sent back,
        or a rollback left to the scheduler, and said), then told in the canary's message."""
        if not canary.state.decidable:
            raise ConflictError(_refusal(canary))
        user = ctx.principal.actor.user
        record = StepRecord(at=ctx.now, weight=canary.weight, what=what, reason="", by=user)
        moved = canary.model_copy(update={**changes, "history": [*canary.history, record]})
        move = move_of(canary, moved)
        saved = self._store.save(recorded_first(moved) if move else moved)
        failed = None
        if move is not None:
            saved, failed = self._progress.carry_out(canary, saved, move, ctx.now, trigger=None)
        # no chart here (no metrics were read): the scheduler's next judgement draws it again
        # told after the move: a failure to tell is said in the reply, never a failed decision
        saved, told = self._messages.tell_made(saved)
        if failed is not None:
            raise not_done(saved, what, failed)
        return decided_reply(saved, what, user, told=told)

    def promote(self, command: c.PromoteCanary, ctx: Context) -> Reply:
        """Give the new version all the traffic now."""
        canary = self._get(command.id, ctx)
        return self._decide(canary, ctx, "promoted", state=CanaryState.PROMOTED)

    def rollback(self, command: c.RollbackCanary, ctx: Context) -> Reply:
        """Give the stable version all the traffic now."""
        canary = self._get(command.id, ctx)
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
        return self._decide(
            canary, ctx, "resumed", state=CanaryState.RUNNING, query_errors=0, unjudged=0
        )

    # -- the scheduler's step ------------------------------------------------------------------

    def advance(
        self,
        now: datetime,
        *,
        trigger: str,
        org: OrgId | None = None,
        uninstalled: Callable[[str], bool],
    ) -> list[str]:
        """Judge every due canary (of `org`, if given) and act on the verdict; an `uninstalled`
        org's running canaries are rolled back instead; what happened, one line each."""
        return self._progress.advance(now, trigger=trigger, org=org, uninstalled=uninstalled)


def _taken(other: Canary, org: str, team: str) -> ConflictError:
    """Why a canary cannot start on the target `other` holds (never another org's or team's
    canary said by name or id)."""
    if other.org != org:
        return ConflictError(
            f"Another organisation's canary is running on {other.target}: a resource takes "
            "one canary at a time."
        )
    if other.team != team:
        return ConflictError(
            f"Another team's canary is running on {other.target}: a resource takes "
            "one canary at a time."
        )
    return ConflictError(_refusal(other, f" on {other.target}"))


def _refusal(canary: Canary, where: str = "") -> str:
    """Why a command is refused by where `canary` stands (`where`: on which target)."""
    if canary.state is CanaryState.STARTING:
        return (
            f"{named(canary)} is still starting{where}: a start left unfinished is rolled back "
            "by the scheduler within a few minutes."
        )
    return f"{named(canary)} is already {canary.state.said}{where}."
