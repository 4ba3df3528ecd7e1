"""A starting prompt experiment's offline gate, run in parts: a model variant's gate (up to
k × cases calls per arm) does not fit in one run of the AWS worker (60 s), so each part runs for
at most GATE_BUDGET by the clock, keeps its runs with the experiment (`gating`), and follows
itself with `sre prompt experiment gate <id>`, a deferred command the worker runs next, until
the gate is done. Its starter is told how far it is once, then once at the end; the status
says it in between.

The cases: the canary's replay scenarios, the bundled sample where the deployment has it, and
the recorded cases of the experiment's team (an org-wide experiment: of every team of the org,
never another org's). The control runs the same cases, and its runs seed its prior as a
variant's seed its own."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from shared.commands.context import Context, Handled
from shared.errors import ConflictError, InvalidCommandError, NotFoundError
from shared.identity.models import OrgId
from shared.identity.ports import Directory
from shared.investigations.memory import MAX_READ
from shared.investigations.ports import InvestigationStore
from shared.invocation import Invocation
from shared.ports import Clock
from shared.prompts.experiment_notices import ExperimentNotices
from shared.prompts.experiments import Arm, Experiment, ExperimentState
from shared.prompts.gate import GateRuns
from shared.prompts.gating import (
    Case,
    Narrate,
    advance,
    control_seed,
    judged,
    planned,
    replay_cases,
    team_cases,
)
from shared.prompts.models import CONTROL_NAME
from shared.prompts.ports import ExperimentStore
from shared.quotas.refusal import QuotaExceededError
from shared.replies import Reply, Tone
from shared.telemetry.ports import MetricsSource

GATE_RUNS = 3
"""Runs of each case in the offline gate (pass^k with k = 3)."""
GATE_BUDGET = timedelta(seconds=15)
"""How long one part of the gate starts runs before it saves them and follows itself: the AWS
worker's 60 s timeout, less the run under way at worst (one model call that times out:
AUTOSRE_MODEL_TIMEOUT_SECONDS, 20 s by default, in each of Bedrock's 2 attempts), less the
saves and the audit entries."""
_PART = "~gate"
"""Marks the correlation id of a part the gate queued itself."""


class GateCases:
    """The cases of an experiment's scope."""

    def __init__(
        self,
        *,
        investigations: InvestigationStore,
        directory: Directory,
        sample: MetricsSource | None,
    ) -> None:
        self._investigations = investigations
        self._directory = directory
        self._sample = sample

    def of(self, org: OrgId, team: str | None) -> list[Case]:
        """The replay scenarios and the sample, then the recorded cases of `team` (None: of
        every team of the org), newest first."""
        teams = [team] if team else [t.name for t in self._directory.list_teams(org)]
        recorded = [  # each team's newest MAX_READ: the cases used are the newest MOST_CASES
            i for name in teams for i in self._investigations.recent(org, name, newest=MAX_READ)
        ]
        return replay_cases(org, team or "", sample=self._sample) + team_cases(recorded)


class ExperimentGate:
    """Runs a starting experiment's gate part by part; starts it once every variant passed."""

    def __init__(
        self,
        *,
        store: ExperimentStore,
        cases: GateCases,
        narrate: Narrate,
        clock: Clock,
        notices: ExperimentNotices,
    ) -> None:
        self._store = store
        self._cases = cases
        self._narrate = narrate
        self._clock = clock
        self._notices = notices

    def begin(self, experiment: Experiment, ctx: Context) -> Handled:
        """The gate of `experiment` (not saved yet), its first part run now."""
        cases = self._cases.of(OrgId(experiment.org), experiment.team)
        runs = planned([a.name for a in experiment.arms], cases, k=GATE_RUNS)
        gating = experiment.model_copy(update={"state": ExperimentState.GATING, "gate_runs": runs})
        return self._part(gating, runs, cases, ctx, first=True)

    def nothing_to_gate(self, experiment_id: str, ctx: Context) -> str | None:
        """A person's gate of an experiment whose gate is over (said at once, neither queued
        nor audited); a part the gate queued itself runs, and says nothing."""
        if _a_part(ctx):
            return None
        found = self._store.get(ctx.principal.actor.org, experiment_id)
        if found is None or (found.state is ExperimentState.GATING and found.gate_runs):
            return None  # an unknown id is said by the gate itself
        return f"prompt experiment {found.id} has no gate to run: it is {found.state.value}"

    def resume(self, experiment_id: str, ctx: Context) -> Handled:
        """The next part of the gate of experiment `experiment_id`."""
        org = ctx.principal.actor.org
        experiment = self._store.get(org, experiment_id)
        if experiment is None:
            raise NotFoundError(f"There is no prompt experiment {experiment_id}.")
        runs = experiment.gate_runs
        if experiment.state is not ExperimentState.GATING or runs is None:
            reply = Reply(
                tone=Tone.INFO,
                title=f"Prompt experiment {experiment.id}: no gate to run",
                text=f"It is {experiment.state.value}.",
                unposted=_a_part(ctx),  # a part after a stop says nothing; a person is answered
            )
            return Handled(reply, details={"experiment": experiment.id})
        cases = self._cases.of(org, experiment.team)
        return self._part(experiment, runs, cases, ctx, first=False)

    def _part(
        self,
        experiment: Experiment,
        runs: GateRuns,
        cases: Sequence[Case],
        ctx: Context,
        *,
        first: bool,
    ) -> Handled:
        """Runs started for at most GATE_BUDGET after `runs`; then the gate saved and followed,
        or finished."""
        began = self._clock.now()
        arms = {a.name: a.variant for a in experiment.arms}
        try:
            runs = advance(runs, arms, self._narrate, cases, more=lambda: self._in_time(began))
        except QuotaExceededError as error:
            raise self._out_of_quota(experiment, error, ctx) from error
        if runs.finished:
            return self._finish(experiment, runs, ctx)
        saved = self._kept(experiment.model_copy(update={"gate_runs": runs}))
        reply = Reply(
            tone=Tone.INFO,
            title=f"Prompt experiment {saved.id} ({saved.scope}): offline gate under way",
            text=f"{runs.told}. You are told here when it ends; `sre prompt experiment status"
            f"{f' --team {saved.team}' if saved.team else ''}` shows how far it is.",
            unposted=not first,  # the starter is told once, then at the end
        )
        details = {"experiment": saved.id, "gate": runs.told}
        return Handled(reply, follow_ups=(_next_part(saved, runs, ctx),), details=details)

    def _out_of_quota(
        self, experiment: Experiment, error: QuotaExceededError, ctx: Context
    ) -> QuotaExceededError:
        """A gate a model token quota stopped: nothing judged (no variant failed it); one kept
        while gating is stopped, saying why."""
        why = (
            "its offline gate stopped unjudged (no variant failed it): the model was refused "
            f"its tokens. {error} Once there are tokens again, start the experiment again"
        )
        self._stop_gating(experiment, why, ctx)
        return QuotaExceededError(
            f"Prompt experiment {experiment.id}: {why}.", refused=error.refused
        )

    def _stop_gating(self, experiment: Experiment, why: str, ctx: Context) -> None:
        """An experiment kept while gating, ended, saying `why` (it took no traffic); one not
        kept yet (a gate finished in its first part) has nothing to end."""
        if experiment.version:
            ended = experiment.model_copy(
                update={"state": ExperimentState.STOPPED, "ended_at": ctx.now}
            ).noted(ctx.now, "stopped", why)
            self._store.save(ended)

    def _kept(self, experiment: Experiment) -> Experiment:
        """`experiment` saved; a new one refused, naming the experiment that took its scope
        since its start found the scope free (the store's claim decides between racers)."""
        try:
            return self._store.save(experiment)
        except ConflictError:
            holder = live_in(self._store, OrgId(experiment.org), experiment.team)
            if experiment.version or holder is None:
                raise
            raise scope_taken(holder) from None

    def _in_time(self, began: datetime) -> bool:
        return self._clock.now() - began < GATE_BUDGET

    def _finish(self, experiment: Experiment, runs: GateRuns, ctx: Context) -> Handled:
        """The experiment started with each arm's gate and prior, or refused (and, if it was
        kept while gating, stopped) naming the first variant that did not pass."""
        judged_arms = [self._judged(arm, runs) for arm in experiment.arms]
        arms = [arm for arm, _ in judged_arms]
        failed = next((arm for arm, passed in judged_arms if not passed), None)
        if failed is not None:
            why = f"{failed.variant.label} did not pass the offline gate: {failed.gate}"
            self._stop_gating(experiment, why, ctx)
            raise InvalidCommandError(why)
        labels = ", ".join(a.variant.label for a in arms)
        started = experiment.model_copy(
            update={"state": ExperimentState.RUNNING, "gate_runs": None, "arms": arms}
        ).noted(ctx.now, "started", f"started by @{experiment.started_by}: {labels}")
        saved = self._kept(started)
        self._notices.post(saved, saved.history[-1:])
        reply = Reply(
            tone=Tone.OK,
            title=f"Prompt experiment {saved.id} started ({saved.scope})",
            text=f"{labels}: equal shares for the first {saved.burn_in} investigations, then by "
            f"Thompson sampling, each at least {saved.floor:.0%}. {runs.told}.",
        )
        return Handled(reply, details={"experiment": saved.id, "variants": labels})

    @staticmethod
    def _judged(arm: Arm, runs: GateRuns) -> tuple[Arm, bool]:
        """The arm with its gate's words and prior, and whether it passed (the control does)."""
        if arm.name == CONTROL_NAME:
            successes, failures = control_seed(runs)
            said = f"the control, on the same {len(runs.cases)} cases"
            update = {"gate": said, "prior_successes": successes, "prior_failures": failures}
            return arm.model_copy(update=update), True
        result = judged(runs, arm.variant)
        update = {
            "gate": result.reason,
            "prior_successes": result.prior_successes,
            "prior_failures": result.prior_failures,
        }
        return arm.model_copy(update=update), result.passed


def _a_part(ctx: Context) -> bool:
    """Whether this invocation is a part the gate queued itself (not a person's command)."""
    return _PART in ctx.invocation.correlation_id


def _next_part(experiment: Experiment, runs: GateRuns, ctx: Context) -> Invocation:
    """`sre prompt experiment gate <id>` as its starter's, answered where the start was (each
    part its own reference, so the worker runs every one: each part makes a run at least, so
    the count of runs made, the control's among them, never repeats)."""
    asked = ctx.invocation
    root = asked.correlation_id.split(_PART)[0]
    return asked.model_copy(
        update={
            "text": f"prompt experiment gate {experiment.id}",
            "correlation_id": f"{root}{_PART}{runs.runs_made}",
            "delivery_id": None,
            "received_at": ctx.now,
        }
    )


def live_in(store: ExperimentStore, org: OrgId, team: str | None) -> Experiment | None:
    """The live (running or gating) experiment of exactly this scope (org-wide when `team` is
    None), if any."""
    return next((x for x in store.list_for(org) if x.live and x.team == team), None)


def scope_taken(holder: Experiment) -> ConflictError:
    """The refusal of a start while `holder` holds its scope."""
    stop = f"sre prompt experiment stop{f' --team {holder.team}' if holder.team else ''}"
    return ConflictError(
        f"prompt experiment {holder.id} runs already ({holder.scope}): stop it first (`{stop}`)"
    )
