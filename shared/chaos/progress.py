"""The progress made at each scheduler tick: every running experiment's guard (the org's lever,
a real outage of its team, the injection's own stop conditions, a deviation of its steady state)
halts it at once; a step whose time is over is judged, extended, advanced or ended; every
rollback not yet verified is tried again. Each change a conditional write, audited as the
scheduler, and told in the experiment's one message.

Each experiment is advanced on its own: an error on one (its lever, its outages, its metrics)
is said and the others go on. One that cannot be watched (guard or metrics unreadable) is never
advanced, and is halted and rolled back once that has lasted `UNWATCHED_FOR`."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from shared.audit.models import AuditDraft, Outcome
from shared.audit.scheduled import ScheduledAction, scheduler_entry
from shared.audit.trail import AuditTrail
from shared.chaos.hypothesis import HypothesisVerdict, assess
from shared.chaos.injecting import EndedWhileInjectingError, Injecting
from shared.chaos.models import Experiment, ExperimentOutcome, ExperimentState
from shared.chaos.notices import ChaosMessages
from shared.chaos.ports import ChaosStore, Outages, SafetyLever
from shared.chaos.rollback import rolled_back
from shared.chaos.steps import (
    after_judgement,
    checked,
    current,
    ending,
    left_starting,
    looks,
    step_due,
    with_step,
)
from shared.chaos.verified import settlement
from shared.errors import ConflictError, NotFoundError
from shared.identity.models import OrgId
from shared.times import moment

log = logging.getLogger("autosre.chaos")


class _Later:
    """What the tick's first pass says of a running experiment with no reason to halt: judged
    in the second pass, after every experiment's halts."""


_JUDGE_LATER = _Later()

FAILED_STEPS = frozenset({"failed", "rollback failed"})
"""Steps the trail records as `failed` (a fault not injected, or not removed): an auditor
filtering on failed outcomes finds them."""
UNWATCHED_FOR = timedelta(minutes=3)
"""How long an experiment runs without its guard or its metrics read before it is halted."""
APPROVAL_FOR = timedelta(hours=1)
"""How long an experiment waits for its approval before it expires (it blocks other starts)."""
APPROVAL_SAID = f"{int(APPROVAL_FOR.total_seconds() // 3600)}h"
"""`APPROVAL_FOR` as said: `1h`."""
UNINSTALLED = "the app was uninstalled from the workspace"
"""Why an uninstalled org's experiments are halted."""
_HALTABLE = {ExperimentState.RUNNING, ExperimentState.AWAITING_APPROVAL}
"""What an uninstall halts (one starting is ended by its own rule, one rolling back goes on)."""


class ChaosProgress:
    """Guards, judges, advances and rolls back experiments at each scheduler tick."""

    def __init__(
        self,
        *,
        store: ChaosStore,
        injecting: Injecting,
        lever: SafetyLever,
        outages: Outages,
        audit: AuditTrail,
        messages: ChaosMessages,
    ) -> None:
        self._store = store
        self._injecting = injecting
        self._lever = lever
        self._outages = outages
        self._audit = audit
        self._messages = messages

    def org_part(
        self,
        experiments: list[Experiment],
        now: datetime,
        trigger: str,
        uninstalled: bool,
        late: threading.Event,
    ) -> list[str]:
        """One org's experiments (an `uninstalled` org's halted); what happened, one line each:
        first every halt and rollback, then the judgements and steps (a slow step never holds
        back another experiment's halt). Read past the org's bound (`late`): no step made."""
        to_judge: list[Experiment] = []

        def guard(experiment: Experiment) -> str | None:
            if uninstalled and experiment.state in _HALTABLE:
                halted = ending(
                    experiment, now, ExperimentOutcome.HALTED, UNINSTALLED, what="halted"
                )
                return self._end(halted, now, trigger)
            line = self._one(experiment, now, trigger)
            if isinstance(line, _Later):
                to_judge.append(experiment)
                return None
            return line

        done = [self._safely(experiment, now, trigger, guard) for experiment in experiments]
        done += [
            self._safely(e, now, trigger, lambda e: self._judge(e, now, trigger, late))
            for e in to_judge
        ]
        return [line for line in done if line]

    def _safely(
        self,
        experiment: Experiment,
        now: datetime,
        trigger: str,
        work: Callable[[Experiment], str | None],
    ) -> str | None:
        """`work` on one experiment: a step another run took says nothing; any other error stops
        only this experiment (not watched: halted if it lasts)."""
        try:
            return work(experiment)
        except ConflictError:
            return None  # another run took this step
        except Exception as error:  # one experiment's error stops only it
            log.exception("experiment %s could not be guarded", experiment.id)
            return self._unwatched(experiment, now, trigger, "its guard", error)

    def _unwatched(
        self, experiment: Experiment, now: datetime, trigger: str, what: str, error: Exception
    ) -> str:
        """Not advanced while `what` cannot be read; halted and rolled back (fail safe) once
        that has lasted `UNWATCHED_FOR`."""
        said = f"{experiment.id} not watched: {what} could not be read ({error})"
        if experiment.state is not ExperimentState.RUNNING:
            return said
        since = experiment.unwatched_since or now
        try:
            if now - since < UNWATCHED_FOR:
                if experiment.unwatched_since is None:
                    self._store.save(experiment.model_copy(update={"unwatched_since": now}))
                until = moment(since + UNWATCHED_FOR, today=now)
                return f"{said}; not advanced, halted if still so at {until}"
            minutes = int(UNWATCHED_FOR.total_seconds() // 60)
            reason = f"{what} could not be read for {minutes} minutes, so it was no longer watched"
            halted = ending(experiment, now, ExperimentOutcome.HALTED, reason, what="halted")
            return self._end(halted, now, trigger)
        except Exception:  # the store too: said, tried again at the next tick
            log.exception("experiment %s: could not record it unwatched", experiment.id)
            return f"{said}; not advanced"

    def _one(self, experiment: Experiment, now: datetime, trigger: str) -> str | _Later | None:
        if experiment.state is ExperimentState.ROLLING_BACK:
            return self._roll_back(experiment, now, trigger)
        if experiment.state is ExperimentState.AWAITING_APPROVAL:
            return self.expire(experiment, now, trigger) or None
        if experiment.state is ExperimentState.STARTING and left_starting(experiment, now):
            reason = "its start was left unfinished"
            ended = ending(experiment, now, ExperimentOutcome.FAILED, reason, what="failed")
            return self._end(ended, now, trigger)
        if experiment.state is not ExperimentState.RUNNING:
            return None
        halt = self.halt_reason(experiment)
        if halt:
            ended = ending(experiment, now, ExperimentOutcome.HALTED, halt, what="halted")
            return self._end(ended, now, trigger)
        return _JUDGE_LATER

    def expire(self, experiment: Experiment, now: datetime, trigger: str) -> str:
        """One waiting for approval past `APPROVAL_FOR` ended, halted, nothing injected (audited
        as the scheduler, told in its message; at a tick, or at an approval that came too late
        when no tick did it first); what happened, empty while it may still be approved."""
        if now - experiment.started_at < APPROVAL_FOR:
            return ""
        reason = f"not approved within {APPROVAL_SAID}"
        ended = ending(experiment, now, ExperimentOutcome.HALTED, reason, what="expired")
        return self._end(ended, now, trigger)

    def stopped_by_org(self, experiment: Experiment) -> str:
        """Why nothing of its team may be faulted now (the org's lever engaged, a real outage of
        the team); empty if nothing stops it."""
        org = OrgId(experiment.org)
        lever = self._lever.state(org)
        if lever.engaged:
            return f"the org's safety lever is engaged{lever.said_by}" + (
                f": {lever.reason}" if lever.reason else ""
            )
        outage = self._outages.firing(org, experiment.team)
        return f"a real outage of team {experiment.team}: {'; '.join(outage)}" if outage else ""

    def halt_reason(self, experiment: Experiment) -> str:
        """Why it must halt now (the lever, a real outage, its service gone or another team's,
        its stop conditions); empty if not."""
        stopped = self.stopped_by_org(experiment)
        if stopped:
            return stopped
        try:
            service = self._injecting.service(experiment)
        except NotFoundError as gone:
            return str(gone)
        foreign = self._injecting.unowned(experiment, service)
        if foreign:
            return foreign
        injection = current(experiment)
        tripped = self._injecting.tripped(injection) if injection else ""
        return f"its stop condition fired: {tripped}" if tripped else ""

    def _judge(
        self, experiment: Experiment, now: datetime, trigger: str, late: threading.Event
    ) -> str | None:
        """The guard's judgement on the step so far; at the step's end, the step's. Read past
        its org's bound: a deviation still halts it (the safe side); else nothing is written,
        judged again at a later tick."""
        try:
            data = self._injecting.minutes(experiment, now)
            before = self._injecting.baseline(experiment, now) if data is not None else None
        except Exception as error:  # noqa: BLE001 (a failed read is no verdict; told)
            log.warning("experiment %s: metrics unavailable: %s", experiment.id, error)
            return self._unwatched(experiment, now, trigger, "its metrics", error)
        if data is None:
            return None  # still in the ramp-up after its injection
        experiment = experiment.model_copy(update={"unwatched_since": None})  # watched again
        conditions = self._injecting.conditions(experiment)
        found = assess(
            conditions,
            data,
            looks=looks(experiment),
            before=before,
            written=experiment.expectations,
        )
        deviated = found.verdict is HypothesisVerdict.DEVIATED
        judged = checked(experiment, found, now, kept=deviated or step_due(experiment, now))
        if deviated:
            said = found.said
            return self._end(
                ending(judged, now, ExperimentOutcome.DEVIATED, said, what="deviated"), now, trigger
            )
        if late.is_set():
            return None
        if not step_due(experiment, now):
            self._store.save(judged)
            return None  # nothing happened: `chaos status` shows the latest judgement
        after = after_judgement(judged, found, now)
        if after.state is ExperimentState.ROLLING_BACK:
            return self._end(after, now, trigger)
        return self._step(experiment, after, now, trigger)

    def _step(self, before: Experiment, after: Experiment, now: datetime, trigger: str) -> str:
        """Extended or advanced: recorded, audited (no entry, no step: halted instead, its
        fault removed), then the previous
        percent removed and the next one injected (its injection recorded first)."""
        advanced = after.step != before.step
        saved = self._store.save(after)
        try:
            self._record(saved, trigger)
        except Exception:  # no entry, no step; and no faulting unaudited: halted (fail safe)
            log.exception("could not audit experiment %s's step", before.id)
            kept = before.model_copy(update={"version": saved.version})
            reason = "the audit trail is unavailable (no faulting unaudited)"
            return self._end(
                ending(kept, now, ExperimentOutcome.HALTED, reason, what="halted"), now, trigger
            )
        if advanced:
            try:
                saved = self._injecting.next_step(saved, now)
            except EndedWhileInjectingError as meanwhile:  # its late injection removed: said
                return self._removed_late(meanwhile.experiment, now, trigger)
            if saved.state is ExperimentState.ROLLING_BACK:
                return self._end(saved, now, trigger, saved_already=True)
        self._messages.tell(saved)
        said = f"advanced to {saved.percent}%" if advanced else f"extended at {saved.percent}%"
        return f"{saved.id} {said}"

    def _removed_late(self, experiment: Experiment, now: datetime, trigger: str) -> str:
        """A step's injection that landed after a halt, removed at once (`Injecting.inject`):
        audited as the scheduler and told; a removal not verified yet is the next ticks' to
        finish, as any rollback."""
        if experiment.state is not ExperimentState.ENDED:
            return self._end(experiment, now, trigger, saved_already=True)
        self._record_after(experiment, trigger)
        self._messages.tell(experiment)
        return f"{experiment.id} {experiment.history[-1].what}"

    def _end(
        self, ending_: Experiment, now: datetime, trigger: str, *, saved_already: bool = False
    ) -> str:
        """Recorded as ending, audited (never held back by the trail: removing a fault is the
        safe side), then every injection removed and verified, and told."""
        saved = ending_ if saved_already else self._store.save(ending_)
        self._record_after(saved, trigger)
        line = self._roll_back(saved, now, trigger, told_ending=True)
        return line or f"{saved.id} {saved.history[-1].what}"

    def _roll_back(
        self, experiment: Experiment, now: datetime, trigger: str, *, told_ending: bool = False
    ) -> str | None:
        """Try every removal not yet verified; ended when all are (told and audited)."""
        after = rolled_back(self._injecting.injector, experiment, now)
        if after == experiment:
            return None
        saved = self._store.save(after)
        changed = saved.history[-1] != experiment.history[-1]
        if changed:
            self._record_after(saved, trigger)
        if saved.state is ExperimentState.ENDED:
            saved = self._settle(saved, now, trigger)
        if changed or told_ending:
            self._messages.tell(saved)
        if saved.state is ExperimentState.ENDED:
            return f"{saved.id} ended: {saved.outcome.value if saved.outcome else ''}"
        if saved.outcome is ExperimentOutcome.FAILED:
            return f"{saved.id} FAILED: its fault could not be removed yet, retried every minute"
        return f"{saved.id} removing its fault: asked, not verified yet (checked every minute)"

    def _settle(self, ended: Experiment, now: datetime, trigger: str) -> Experiment:
        """Held: its verified resilience recorded (audited first: no entry, no record);
        deviated or failed: the service's verified resilience to the fault revoked (never held
        back by the trail, as a halt). Said in its history either way."""
        found = settlement(
            ended,
            self._store.verified(OrgId(ended.org), ended.team),
            now,
            delays_fail=self._injecting.injector.delays_fail,
        )
        if found is None:
            return ended
        said = with_step(ended, now, found.what, found.said)
        if found.what == "verified":
            try:
                self._record(said, trigger)
            except Exception:
                log.exception("could not audit experiment %s's verification", ended.id)
                return ended
        else:
            self._record_after(said, trigger)
        for result in found.results:
            self._store.keep_verified(result)
        return self._store.save(said)

    def _record_after(self, experiment: Experiment, trigger: str) -> None:
        """Audit a change that is never held back by the trail (a halt, a rollback): owed,
        written when the trail is back, if it is down."""
        self._audit.append_or_owe(self._entry(experiment, trigger))

    def _record(self, experiment: Experiment, trigger: str) -> None:
        self._audit.append(self._entry(experiment, trigger))

    def _entry(self, experiment: Experiment, trigger: str) -> AuditDraft:
        step = experiment.history[-1]
        return scheduler_entry(
            experiment.org,
            experiment.team,
            time=step.at,
            command=ScheduledAction("chaos", step.what, experiment.id).command(),
            target=f"experiment:{experiment.id}",
            trigger=trigger,
            details={"percent": str(step.percent), "reason": step.reason[:500]},
            outcome=Outcome.FAILED if step.what in FAILED_STEPS else Outcome.SUCCEEDED,
        )
