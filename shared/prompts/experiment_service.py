"""Prompt experiments by hand: `sre prompt experiment start|status|stop|promote` (org admins
change them; team admins read their team's, auditors every one). Each change is audited by the
bus (the experiment's id in its details) and posted to the experiment's channels."""

from __future__ import annotations

import uuid

from shared.commands.context import Context, Handled, Handlers
from shared.errors import ConflictError, NotFoundError
from shared.identity.models import OrgId
from shared.identity.ports import Directory
from shared.identity.teams import known_team
from shared.investigations.models import Investigation
from shared.investigations.ports import InvestigationStore
from shared.ports import Clock
from shared.prompts import commands as c
from shared.prompts.decisions import Tally, counts, promote, tally
from shared.prompts.experiment_gate import ExperimentGate, GateCases, live_in, scope_taken
from shared.prompts.experiment_notices import ExperimentNotices
from shared.prompts.experiment_report import status
from shared.prompts.experiments import Arm, Experiment, ExperimentState
from shared.prompts.model_arm import ModelArms, narrator
from shared.prompts.models import CONTROL_NAME, Variant, VariantKind
from shared.prompts.ports import ExperimentStore, FeedbackStore
from shared.prompts.routing import default_for, running_for
from shared.prompts.sequential import Decision, compare
from shared.prompts.service import PromptVariants
from shared.replies import Reply, Tone
from shared.teams.model_consent import model_allowed
from shared.telemetry.ports import MetricsSource


class PromptExperiments:
    """Starts, shows, stops and promotes an org's prompt experiments."""

    def __init__(
        self,
        *,
        store: ExperimentStore,
        variants: PromptVariants,
        directory: Directory,
        investigations: InvestigationStore,
        feedback: FeedbackStore,
        notices: ExperimentNotices,
        models: ModelArms,
        clock: Clock,
        sample: MetricsSource | None = None,
    ) -> None:
        """`sample`: the bundled sample's metrics, a case of the gate where the deployment has
        it; `clock` times the gate's parts."""
        self._store = store
        self._variants = variants
        self._model = models.model.name if models.model else None
        self._directory = directory
        self._investigations = investigations
        self._feedback = feedback
        self._notices = notices
        cases = GateCases(investigations=investigations, directory=directory, sample=sample)
        self._gate = ExperimentGate(
            store=store, cases=cases, narrate=narrator(models), clock=clock, notices=notices
        )

    def handlers(self) -> Handlers:
        """The experiment commands and their handlers."""
        return (
            Handlers()
            .add(c.StartExperiment, self.start, check=self.can_start)
            .add(c.ExperimentStatus, self.status)
            .add(c.StopExperiment, self.stop)
            .add(c.PromoteVariant, self.promote)
            .add(
                c.GateExperiment,
                self.gate,
                unchanged=lambda command, ctx: self._gate.nothing_to_gate(command.experiment, ctx),
            )
        )

    def can_start(self, command: c.StartExperiment, ctx: Context) -> None:
        """Before it is queued: the team exists and every variant named may take part (an
        unknown or retired one is answered at once, neither queued nor audited)."""
        org = ctx.principal.actor.org
        if command.team is not None:
            known_team(self._directory, ctx.principal, command.team)
        for name in c.arm_names(command.variants):
            self._arm(org, name)

    def start(self, command: c.StartExperiment, ctx: Context) -> Handled:
        """A new experiment over the named variants, equal shares, once each variant passed the
        offline gate (run in parts: see `experiment_gate`); told in its channels."""
        org = ctx.principal.actor.org
        if command.team is not None:  # never a scope a team created later would inherit
            known_team(self._directory, ctx.principal, command.team)
        floor = c.floor_of(command.floor)  # checked when the command was read
        arms = [self._arm(org, name) for name in c.arm_names(command.variants)]
        running = live_in(self._store, org, command.team)
        if running is not None:  # said early; the store's claim at the first save decides races
            raise scope_taken(running)
        experiment = Experiment(
            id=f"pe-{uuid.uuid4().hex[:6]}",
            org=org,
            team=command.team,
            arms=[a.model_copy(update={"weight": 1 / len(arms)}) for a in arms],
            floor=floor,
            started_by=ctx.principal.actor.user,
            started_at=ctx.now,
        )
        return self._gate.begin(experiment, ctx)

    def gate(self, command: c.GateExperiment, ctx: Context) -> Handled:
        """The next part of a starting experiment's offline gate."""
        return self._gate.resume(command.experiment, ctx)

    def _arm(self, org: OrgId, name: str) -> Arm:
        """The variant's arm (no share yet); what cannot take part is refused, saying why."""
        variant = self._variants.history(org, name)[-1]
        if variant.retired:
            raise ConflictError(f"{variant.label} is retired: it is never chosen again")
        if variant.content.kind is VariantKind.MODEL:
            self._refuse_model(org, variant)
        return Arm(variant=variant, weight=0)

    def _refuse_model(self, org: OrgId, variant: Variant) -> None:
        if not self._model:
            raise ConflictError(
                f"{variant.name} is a model variant and no language model is configured for "
                "this deployment"
            )
        if not model_allowed(self._directory, org):
            raise ConflictError(
                f"{variant.name} is a model variant and this org does not allow sending "
                "investigation data to a model: an org admin turns it on with `sre org model on`"
            )

    def _current(self, org: OrgId, team: str | None, *, running: bool) -> Experiment:
        """The running experiment of the scope (or, unless `running`, its newest one)."""
        found = [x for x in self._store.list_for(org) if x.team == team]
        live = [x for x in found if x.live]
        chosen = live[0] if live else (None if running or not found else found[0])
        if chosen is None:
            where = f"team {team}" if team else "the org (org-wide)"
            state = "runs" if running else "has run"
            scope = f" --team {team}" if team else ""
            raise NotFoundError(
                f"No prompt experiment {state} for {where}: an org admin starts one with "
                f"`sre prompt experiment start --variants NAME{scope}`."
            )
        return chosen

    def results(self, experiment: Experiment) -> dict[str, Tally]:
        """Each arm's results from the investigations it narrated and their feedback."""
        org = OrgId(experiment.org)
        found: dict[str, Investigation] = {}
        for investigation_id in experiment.assignments:
            got = self._investigations.get(org, investigation_id)
            if got is not None:
                found[investigation_id] = got
        return tally(experiment, found, self._feedback.list_for(org))

    def status(self, command: c.ExperimentStatus, ctx: Context) -> Reply:
        """The scope's running (or last) experiment, arm by arm."""
        experiment = self._current(ctx.principal.actor.org, command.team, running=False)
        if experiment.gate_runs is not None and experiment.state is ExperimentState.GATING:
            return Reply(
                tone=Tone.INFO,
                title=f"Prompt experiment {experiment.id} ({experiment.scope}): gating",
                text=f"{experiment.gate_runs.told}: its variants take no traffic until the "
                "offline gate is done.",
            )
        return status(experiment, self.results(experiment), now=ctx.now)

    def stop(self, command: c.StopExperiment, ctx: Context) -> Handled:
        """End the running experiment; narratives go back to the scope's default."""
        org = ctx.principal.actor.org
        experiment = self._current(org, command.team, running=True)
        stopped = experiment.model_copy(
            update={"state": ExperimentState.STOPPED, "ended_at": ctx.now}
        ).noted(ctx.now, "stopped", f"stopped by @{ctx.principal.actor.user}")
        saved = self._store.save(stopped)
        self._notices.post(saved, saved.history[-1:])
        retired = {n for n, v in self._variants.newest(org).items() if v.retired}
        wider = running_for(self._store, org, command.team) if command.team else None
        if wider is not None:  # a team's own stopped: the org-wide one takes the team's over
            names = ", ".join(a.variant.label for a in wider.arms)
            said = f"the org-wide prompt experiment {wider.id} ({names})"
        else:
            said = (
                f"{default_for(self._store, org, command.team or '', retired=retired).label} again"
            )
        reply = Reply(
            tone=Tone.OK,
            title=f"Prompt experiment {saved.id} stopped",
            text=f"Narratives ({saved.scope}) are written by {said}.",
        )
        return Handled(reply, details={"experiment": saved.id})

    def promote(self, command: c.PromoteVariant, ctx: Context) -> Handled:
        """End the running experiment with `name` promoted by hand: only a variant the
        sequential test says is better than the control (or the control itself)."""
        experiment = self._current(ctx.principal.actor.org, command.team, running=True)
        if not experiment.running:
            raise ConflictError(
                f"prompt experiment {experiment.id} is still in its offline gate: wait for it "
                "to end, or stop it (`sre prompt experiment stop`)"
            )
        arm = experiment.arm(command.name)
        if arm is None:
            names = ", ".join(a.name for a in experiment.arms)
            raise ConflictError(f"{command.name} is not in {experiment.id} ({names})")
        if arm.halted:
            raise ConflictError(f"{arm.variant.label} was {arm.halted}")
        agrees = self._agreement(experiment, arm)
        user = ctx.principal.actor.user
        ended = promote(experiment, arm.name, now=ctx.now, why=f"by @{user} by hand; {agrees}")
        saved = self._store.save(ended)
        self._notices.post(saved, saved.history[-1:])
        reply = Reply(
            tone=Tone.OK,
            title=f"{arm.variant.label} promoted ({saved.scope})",
            text=f"Prompt experiment {saved.id} ended; {agrees}.",
        )
        return Handled(reply, details={"experiment": saved.id, "variant": arm.variant.label})

    def _agreement(self, experiment: Experiment, arm: Arm) -> str:
        """That the sequential test says `arm` is better than the control, in words;
        ConflictError saying what it says otherwise."""
        if arm.name == CONTROL_NAME:
            return "the control stays the narrative"
        results = self.results(experiment)
        ctl = experiment.control()
        mine, theirs = counts(arm, results[arm.name]), counts(ctl, results[CONTROL_NAME])
        said = compare(theirs, mine)
        if said is Decision.BETTER:
            return "the sequential test says it is better than the control"
        raise ConflictError(
            f"{arm.variant.label} is not promoted: the sequential test says {said.value} "
            f"against the control ({mine.trials} judged investigations, the control "
            f"{theirs.trials}). Promote it once the test says better, or stop the experiment "
            "(`sre prompt experiment stop`)."
        )
