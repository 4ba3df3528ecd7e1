"""The chaos commands: plan, start, approve, status, list, halt (one, or all with the lever)
and unhalt. The scheduler's step is in `progress`, the step logic in `steps`, the messages in
`notices`, the reads in `reading`, an experiment's design in `design`, a start's checks in
`checks`, halts in `halting`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from shared.audit.seal import SigningKey
from shared.audit.trail import AuditTrail
from shared.chaos import commands as c
from shared.chaos.checks import StartChecks
from shared.chaos.design import designed, held_before, team_service
from shared.chaos.game_days import GameDays
from shared.chaos.halting import ChaosHalts
from shared.chaos.injecting import EndedWhileInjectingError, Injecting
from shared.chaos.lever import RecordedLever
from shared.chaos.models import (
    Experiment,
    ExperimentOutcome,
    ExperimentState,
    SteadyState,
)
from shared.chaos.notices import (
    ChaosMessages,
    Chart,
    after_colon,
    steps_said,
)
from shared.chaos.ownership import OUR_ORGS, production_twin, unowned
from shared.chaos.page import ChaosPages
from shared.chaos.planning import plan_reply, start_notes
from shared.chaos.ports import (
    ChaosStore,
    FaultInjector,
    FaultMetrics,
    Outages,
    SafetyLever,
    ServiceTakenError,
)
from shared.chaos.progress import APPROVAL_SAID, ChaosProgress
from shared.chaos.reading import ChaosReads, ended_said
from shared.chaos.rollback import rolled_back
from shared.chaos.steps import ending
from shared.chaos.tick import ChaosTick
from shared.chaos.units import QuotaCountedChaosStore
from shared.commands.context import Context, Handlers
from shared.errors import (
    ConflictError,
    ForbiddenError,
    SreError,
    UnavailableError,
)
from shared.identity.models import OrgId, Role, UserId
from shared.identity.ports import Directory
from shared.ports import Notifier
from shared.quotas.models import Limit
from shared.quotas.running import first_recorded
from shared.quotas.service import QuotaService
from shared.replies import Reply, Tone
from shared.telemetry.models import Service
from shared.times import moment


class ChaosService:
    """Runs the chaos commands and advances experiments for the scheduler."""

    def __init__(
        self,
        *,
        store: ChaosStore,
        directory: Directory,
        injector: FaultInjector,
        lever: SafetyLever,
        metrics: FaultMetrics,
        outages: Outages,
        audit: AuditTrail,
        notifier: Notifier,
        quotas: QuotaService,
        draw: Chart | None = None,
        key: Callable[[], SigningKey] | None = None,
        public_url: str = "",
        org_seconds: float,
    ) -> None:
        """`org_seconds`: how long a tick waits for one org's experiments (a late org's steps
        are carried to a later tick). Every write goes through `QuotaCountedChaosStore`, so
        whatever ends an experiment gives its team's `chaos-experiments` unit back."""
        store = QuotaCountedChaosStore(store, quotas=quotas)
        self._quotas = quotas
        self._store = store
        self._directory = directory
        self._lever = RecordedLever(store=store, lever=lever)  # a halt holds if the lever fails
        self._injecting = Injecting(
            store=store, directory=directory, injector=injector, metrics=metrics, meter=quotas.meter
        )
        self._checks = StartChecks(
            store=store,
            directory=directory,
            lever=self._lever,
            outages=outages,
            injecting=self._injecting,
            quotas=quotas,
        )
        self._game_days = GameDays(
            store=store, starter=self, audit=audit, directory=directory, notifier=notifier
        )
        self._messages = ChaosMessages(
            store=store,
            directory=directory,
            notifier=notifier,
            metrics=metrics,
            draw=draw,
            meter=quotas.meter,
        )
        self.pages = (
            ChaosPages(store=store, key=key, chart=self._messages.chart_png, public_url=public_url)
            if key is not None
            else None
        )
        """Each experiment's shareable page (where the deployment signs links)."""
        self._reads = ChaosReads(store=store, game_days=self._game_days, pages=self.pages)
        self._progress = progress = ChaosProgress(
            store=store,
            injecting=self._injecting,
            lever=self._lever,
            outages=outages,
            audit=audit,
            messages=self._messages,
        )
        self._tick = ChaosTick(store=store, progress=progress, org_seconds=org_seconds)

    def handlers(self) -> Handlers:
        """The commands this service runs (a halt or unhalt that changes nothing is said so)."""
        halts = ChaosHalts(
            store=self._store,
            lever=self._lever,
            injector=self._injecting.injector,
            messages=self._messages,
            find=self._reads.get,
        )
        return (
            Handlers()
            .add(c.PlanExperiment, self.plan, check=self.named_service)
            .add(
                c.StartExperiment,
                self.start,
                unchanged=self.kept_already,
                check=self.named_service,
            )
            .add(c.ApproveExperiment, self.approve, check=self.named_experiment)
            .add(c.ShowExperiment, self._reads.show)
            .add(c.ListExperiments, self._reads.list_for_team)
            .add(c.HaltExperiment, halts.halt, unchanged=halts.halt_unchanged, check=halts.named)
            .add(c.UnhaltChaos, halts.unhalt, unchanged=halts.unhalt_unchanged)
            .add(c.UnscheduleGameDay, self._game_days.unschedule)
        )

    # -- designing and starting --------------------------------------------------------------

    def _designed(
        self, command: c.PlanExperiment | c.StartExperiment, ctx: Context, service: Service
    ) -> Experiment:
        """The experiment `command` asks for, production when any registration of its resource
        in the org is (a function's staging alias is the same function as its live one)."""
        draft = designed(command, ctx, service)
        twin = production_twin(self._directory, ctx.principal.actor.org, service)
        return draft.model_copy(update={"production": twin is not None})

    def named_service(self, command: c.PlanExperiment | c.StartExperiment, ctx: Context) -> None:
        """Before it is queued: the team has the service (a typo is answered at once, neither
        queued nor audited, as `investigate` answers one)."""
        team_service(self._directory, command.service, ctx)

    def named_experiment(self, command: c.ApproveExperiment, ctx: Context) -> None:
        """Before it is queued: the team has the experiment."""
        self._reads.get(command.id, ctx)

    def plan(self, command: c.PlanExperiment, ctx: Context) -> Reply:
        """What a start would do, and what stops it now; nothing injected, no experiment kept."""
        service = team_service(self._directory, command.service, ctx)
        draft = self._designed(command, ctx, service)
        org = ctx.principal.actor.org
        foreign = unowned(self._directory, org, draft.team, service)
        blocked = [str(foreign)] if foreign else []
        blocked += self._checks.refusals(draft, service)
        try:
            if foreign is not None and foreign.needed == OUR_ORGS:  # never read another org's
                raise UnavailableError(str(foreign))
            before: SteadyState | str = self._injecting.before(draft, service, ctx.now)
        except UnavailableError as unread:  # said, never another service's figures
            before = str(unread)
        planned = plan_reply(
            draft,
            service,
            blocked,
            before,
            splits=self._injecting.splits,
            stops=self._injecting.injector.has_stop_conditions,
            broken=self._checks.broken(
                draft.model_copy(update={"before": before})
                if isinstance(before, SteadyState)
                else draft
            ),
        )
        blind = self._checks.blind(draft) if isinstance(before, SteadyState) else []
        return (
            planned.model_copy(update={"text": "\n".join([planned.text, *blind])})
            if blind
            else planned
        )

    def kept_already(self, command: c.StartExperiment, ctx: Context) -> str | None:
        """A game day whose plan the team keeps already (kept twice, it would run twice a
        period); a start that is refused is said by the start itself."""
        if command.every is None:
            return None
        try:
            draft = self._designed(
                command, ctx, team_service(self._directory, command.service, ctx)
            )
        except SreError:
            return None
        return self._game_days.kept_already(command, draft)

    def start(self, command: c.StartExperiment, ctx: Context) -> Reply:
        """Refused while anything forbids it; on a production service, recorded to wait for a
        second operator; else recorded, then its first injection made."""
        service = team_service(self._directory, command.service, ctx)
        draft = self._designed(command, ctx, service)
        self._checks.refuse_unowned(draft, service)  # audited as denied
        if command.every is not None:
            kept = self._game_days.schedule(command, draft, ctx)
            now = self._read_now(draft, service, ctx.now)
            said = "\n".join([kept.text, *self._checks.broken(now)])
            return kept.model_copy(update={"text": said})
        self._checks.refuse(draft, service)
        draft = held_before(self._injecting, draft, service, ctx.now)
        if draft.production:
            waiting = self._first_recorded(
                draft.model_copy(update={"state": ExperimentState.AWAITING_APPROVAL}), ctx.now
            )
            waiting = self._messages.tell(waiting)
            why = f"{service.name} is production"
            if not service.production:  # another registration of its resource is
                why = f"{service.name}'s resource is production"
            return Reply(
                tone=Tone.OK,
                title=f"Chaos {waiting.id} waits for approval: {why}",
                text=f"Another operator of team {waiting.team} approves it with the Approve "
                f"button or `sre chaos approve {waiting.id}`; nothing is injected until then.",
                ephemeral=waiting.message is not None,  # its message tells the channel
            )
        return self._begin(draft, ctx.now, by=ctx.principal.actor.user, new=True)

    def _read_now(self, draft: Experiment, service: Service, now: datetime) -> Experiment:
        """`draft` with its steady state as read now, where it can be read: a game day's delay
        comes on top of its service's own latency, which its runs read again."""
        try:
            return draft.model_copy(update={"before": self._injecting.before(draft, service, now)})
        except UnavailableError:
            return draft

    def _first_recorded(self, experiment: Experiment, now: datetime) -> Experiment:
        """Recorded for the first time, after taking a unit of its team's `chaos-experiments`
        quota (QuotaExceededError, nothing recorded, when none is left), its service claimed
        in the same write (ConflictError, nothing recorded, when another experiment holds it:
        two starts that both passed the checks before)."""
        try:
            return first_recorded(
                self._store.save,
                experiment,
                quotas=self._quotas,
                limit=Limit.CHAOS_EXPERIMENTS,
                now=now,
            )
        except ServiceTakenError as taken:
            raise ConflictError(
                f"Chaos on {experiment.service} cannot start: {after_colon([str(taken)])}"
            ) from taken

    def _still_allowed(self, recorded: Experiment, now: datetime) -> None:
        """Checked again once the start is recorded, before anything is injected: a lever
        engaged (`halt --all`) or a page fired while its checks ran ends it, nothing injected
        (a halt from now on finds it recorded)."""
        why = self._progress.stopped_by_org(recorded)
        if not why:
            return
        unmade = [i.model_copy(update={"refused": True}) for i in recorded.injections]  # untried
        halted = ending(recorded, now, ExperimentOutcome.HALTED, why, what="halted")
        ended = self._store.save(halted.model_copy(update={"injections": unmade}))
        self._messages.tell(self._store.save(rolled_back(self._injecting.injector, ended, now)))
        raise ConflictError(f"Chaos {recorded.id} did not start: {why}. Nothing was injected.")

    def ready(self, experiment: Experiment, now: datetime) -> tuple[Experiment, list[str]]:
        """A scheduled start's checks, as a person's start has them (`StartChecks.ready`)."""
        return self._checks.ready(experiment, now)

    def launch(self, experiment: Experiment, now: datetime, *, by: str) -> Experiment:
        """A checked experiment started (its fault injected), or, on a production service,
        recorded waiting for a second operator; as stored."""
        if experiment.production:
            waiting = experiment.model_copy(update={"state": ExperimentState.AWAITING_APPROVAL})
            return self._messages.tell(self._first_recorded(waiting, now))
        return self._started(experiment, now, by=by, new=True)

    def _started(self, experiment: Experiment, now: datetime, *, by: str, new: bool) -> Experiment:
        """Recorded starting with its first injection (safe by order; when `new`, its quota
        unit taken first), then injected; an injection refused is rolled back, told, and
        raised; one that landed after a halt is removed at once, told, and raised."""
        starting = self._injecting.recorded(
            experiment.model_copy(
                update={"state": ExperimentState.STARTING, "step_started_at": now}
            ),
            now,
        )
        saved = self._first_recorded(starting, now) if new else self._store.save(starting)
        self._still_allowed(saved, now)
        try:
            saved = self._injecting.inject(saved, now, by=by)
        except EndedWhileInjectingError as meanwhile:  # its late injection removed: said
            self._messages.tell(meanwhile.experiment)
            raise
        if saved.state is ExperimentState.ROLLING_BACK:
            saved = self._store.save(rolled_back(self._injecting.injector, saved, now))
            self._messages.tell(saved)
            raise UnavailableError(f"Chaos {saved.id} could not start: {saved.reason}.")
        return self._messages.tell(saved)

    def _begin(self, experiment: Experiment, now: datetime, *, by: str, new: bool) -> Reply:
        """Started, and said (`new`: first recorded now, not approved after waiting)."""
        saved = self._started(experiment, now, by=by, new=new)
        where = f" in #{saved.message.channel}" if saved.message and saved.message.channel else ""
        return Reply(
            tone=Tone.OK,
            title=f"Chaos {saved.id} started: {saved.fault.written} into {saved.percent}% of "
            f"{saved.service}",
            text="\n".join(
                [
                    f"Steps {steps_said(saved)}, judged every minute; follow it{where}.",
                    *start_notes(
                        saved, splits=self._injecting.splits, broken=self._checks.broken(saved)
                    ),
                    *self._checks.blind(saved),
                ]
            ),
            ephemeral=saved.message is not None,
        )

    def approve(self, command: c.ApproveExperiment, ctx: Context) -> Reply:
        """A second operator of the team starts an experiment waiting for approval."""
        experiment = self._reads.get(command.id, ctx)
        user = ctx.principal.actor.user
        if experiment.state is ExperimentState.ENDED:
            when = (
                f" at {moment(experiment.ended_at, today=ctx.now)}" if experiment.ended_at else ""
            )
            raise ConflictError(
                f"{experiment.id} has already ended ({ended_said(experiment)}{when}): "
                "nothing to approve."
            )
        if experiment.state is not ExperimentState.AWAITING_APPROVAL:
            raise ConflictError(
                f"{experiment.id} is not waiting for approval: it is {experiment.standing}."
            )
        if self._progress.expire(experiment, ctx.now, ctx.invocation.correlation_id):
            raise ConflictError(  # no tick expired it first (a terminal with no `sre serve`)
                f"{experiment.id} was not approved within {APPROVAL_SAID} of its start "
                f"({moment(experiment.started_at, today=ctx.now)}): its approval expired, so it "
                f"has ended and nothing was injected. `sre chaos start {experiment.service} …` "
                "asks for a new approval."
            )
        if user == experiment.started_by:
            raise ForbiddenError(
                f"@{user} started {experiment.id}: another operator of team "
                f"{experiment.team} approves it.",
                needed=f"another operator of team {experiment.team}",
            )
        self._refuse_gone_starter(experiment)
        service = self._injecting.service(experiment)
        self._checks.refuse_unowned(experiment, service)
        self._checks.refuse(experiment, service)
        held = held_before(self._injecting, experiment, service, ctx.now)  # judged now
        approved = held.model_copy(update={"approved_by": user})
        return self._begin(approved, ctx.now, by=user, new=False)

    def _refuse_gone_starter(self, experiment: Experiment) -> None:
        """ConflictError unless its starter is still an operator of the team: approval is two
        operators' decision, and a starter removed or demoted since is no longer one."""
        team = self._directory.get_team(OrgId(experiment.org), experiment.team)
        role = team.members.get(UserId(experiment.started_by)) if team else None
        if role is not None and role.rank >= Role.OPERATOR.rank:
            return
        raise ConflictError(
            f"@{experiment.started_by}, who started {experiment.id}, is no longer an operator "
            f"of team {experiment.team}, so it cannot be approved: it needs two operators. "
            f"`sre chaos halt {experiment.id}` ends it now (nothing was injected); an operator "
            f"may start it again."
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
        """Guard, judge and roll back every experiment under way, then start the game days due;
        what happened, one line each. An `uninstalled` org's experiments are halted, its game
        days not started."""
        done = self._tick.advance(now, trigger=trigger, org=org, uninstalled=uninstalled)
        return done + self._game_days.tick(now, trigger=trigger, org=org, uninstalled=uninstalled)
