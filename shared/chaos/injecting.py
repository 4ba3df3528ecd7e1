"""Injecting and reading a fault for an experiment: its service found in its team, each
injection recorded on the experiment before the injector is called (safe by order), the minutes
of the current step after its ramp-up, and the steady state checked before the first one."""

from __future__ import annotations

import functools
import logging
from datetime import datetime, timedelta

from shared.chaos.expectations import expectation
from shared.chaos.guards import steady_before
from shared.chaos.hypothesis import REQUESTS
from shared.chaos.models import (
    Experiment,
    ExperimentOutcome,
    ExperimentState,
    Injection,
    SteadyState,
)
from shared.chaos.ownership import unowned
from shared.chaos.ports import ChaosStore, FaultInjector, FaultMetrics
from shared.chaos.rollback import (
    failure_said,
    injector_name,
    refusal_said,
    removal,
    rolled_back,
)
from shared.chaos.steps import EXTENSIONS, RAMP_UP, current, ending, injection_for, with_step
from shared.errors import ConflictError, NotFoundError, SreError
from shared.identity.models import OrgId
from shared.identity.ports import Directory
from shared.judging.condition import Condition
from shared.judging.judge import MetricData
from shared.quotas.metering import ProviderMeter
from shared.telemetry.models import Service

log = logging.getLogger("autosre.chaos")
BEFORE = timedelta(minutes=10)
"""How much unfaulted traffic before a start is checked against the steady state."""
LATE = timedelta(minutes=5)
"""How long past its last possible judgement an injection may outlive a stopped scheduler."""
_ENDING = {ExperimentState.ROLLING_BACK, ExperimentState.ENDED}
_ATTEMPTS = 4
"""Times a late injection's removal is recorded while the halt keeps saving the experiment."""


class Injecting:
    """Makes and reads an experiment's injections."""

    def __init__(
        self,
        *,
        store: ChaosStore,
        directory: Directory,
        injector: FaultInjector,
        metrics: FaultMetrics,
        ramp_up: timedelta = RAMP_UP,
        meter: ProviderMeter | None = None,
    ) -> None:
        """`meter`: counts each read's provider calls to the experiment's team (never refused:
        a running experiment is always judged)."""
        self._store = store
        self._directory = directory
        self.injector = injector
        self._metrics = metrics
        self.fault_alone = metrics.fault_alone
        """What a fault alone makes the judged side show (`FaultMetrics`)."""
        self.splits = metrics.splits_shares
        """Whether the judged side is the faulted share alone (`FaultMetrics`)."""
        self._ramp_up = ramp_up
        self._meter = meter

    def service(self, experiment: Experiment) -> Service:
        """The experiment's service, as its team has it registered now."""
        team = self._directory.get_team(OrgId(experiment.org), experiment.team)
        found = team.services.get(experiment.service) if team else None
        if found is None:
            raise NotFoundError(
                f"{experiment.service} is no longer registered in team {experiment.team}"
            )
        return found

    def unowned(self, experiment: Experiment, service: Service) -> str:
        """Why its team may not fault `service` (the resource is another team's); empty if it
        may."""
        foreign = unowned(self._directory, OrgId(experiment.org), experiment.team, service)
        return str(foreign).rstrip(".") if foreign else ""

    @staticmethod
    def conditions(experiment: Experiment) -> list[Condition]:
        """Its steady state, parsed."""
        return [expectation(text) for text in experiment.expectations]

    def minutes(self, experiment: Experiment, now: datetime) -> dict[str, MetricData] | None:
        """The current step's minutes after its ramp-up, per signal; None before one is whole."""
        start = experiment.step_started_at + self._ramp_up
        if now - start < timedelta(minutes=1):
            return None
        return self._read(experiment, self.service(experiment), start, now, at=now)

    def baseline(self, experiment: Experiment, now: datetime) -> dict[str, MetricData]:
        """The service's minutes before its first injection (each signal's control): the
        pre-experiment baseline the faulted share is also judged against (read at `now`)."""
        first = next((i.at for i in experiment.injections if i.at), experiment.started_at)
        return self._read(experiment, self.service(experiment), first - BEFORE, first, at=now)

    def _read(
        self,
        experiment: Experiment,
        service: Service,
        start: datetime,
        end: datetime,
        *,
        at: datetime,
    ) -> dict[str, MetricData]:
        """The service's minutes from `start` to `end` per signal of the experiment, their
        provider calls counted to its team in `at`'s hour."""
        metrics = self._metrics
        read = functools.partial(
            metrics.compare, service, _signals(experiment), start=start, end=end
        )
        if self._meter is None:
            return read()
        return self._meter.judged(metrics, read, (OrgId(experiment.org), experiment.team), at=at)

    def tripped(self, injection: Injection) -> str:
        """Why the injection's stop conditions fired (a failed read is logged, not a halt)."""
        try:
            return self.injector.tripped(injection.handle or injection.key)
        except Exception:
            log.exception("could not read the stop conditions of %s", injection.key)
            return ""

    def before(self, experiment: Experiment, service: Service, now: datetime) -> SteadyState:
        """The unfaulted traffic of the last minutes judged against each expectation (Chaos
        Toolkit's hypothesis before the method; `guards.steady_before`)."""
        data = self._read(experiment, service, now - BEFORE, now, at=now)
        return steady_before(self.conditions(experiment), data, now)

    @staticmethod
    def recorded(experiment: Experiment, now: datetime) -> Experiment:
        """The experiment with its current step's injection recorded (before it is made)."""
        injection = injection_for(experiment, now)
        if current(experiment) is not None:
            return experiment
        return experiment.model_copy(update={"injections": [*experiment.injections, injection]})

    def inject(self, saved: Experiment, now: datetime, *, by: str = "scheduler") -> Experiment:
        """Make the current step's recorded injection; the experiment as stored after (running,
        or failed and rolling back when the injector refused). Halted or ended meanwhile:
        `EndedWhileInjectingError`, what landed removed at once and recorded."""
        injection = current(saved)
        assert injection is not None, "recorded before it is made"  # noqa: S101
        # the injection ends by itself if nothing removes it: its step, extended, and a margin
        longest = saved.step_duration * (1 + EXTENSIONS) + LATE
        try:
            handle = self.injector.inject(
                self.service(saved),
                saved.fault,
                injection,
                minutes=int(longest.total_seconds() // 60),
            )
        except Exception as error:  # noqa: BLE001 (ended failed, rolled back, said)
            log.warning("experiment %s: injection failed: %s", saved.id, error)
            reason = f"the fault could not be injected ({_said(saved, error)})"
            refused = injection.model_copy(update={"refused": True})
            failed = ending(
                _with(saved, refused), now, ExperimentOutcome.FAILED, reason, what="failed", by=by
            )
            try:
                return self._store.save(failed)
            except ConflictError:  # halted meanwhile: nothing of it landed, said so
                raise self._removed_late(saved, refused, now, by=by) from None
        made = injection.model_copy(update={"handle": handle, "at": now})
        said = f"{saved.fault.written} into {injection.percent}% of {saved.service}"
        running = with_step(
            saved,
            now,
            "injected",
            said,
            by=by,
            injections=_with(saved, made).injections,
            state=ExperimentState.RUNNING,
            step_started_at=now,
        )
        try:
            return self._store.save(running)
        except ConflictError:  # halted or ended while it was being made: removed at once
            raise self._removed_late(saved, made, now, by=by) from None

    def _removed_late(
        self, saved: Experiment, landed: Injection, now: datetime, *, by: str
    ) -> ConflictError:
        """`landed` (made, or refused) after the experiment was halted or ended (read again):
        made, removed at once by its handle (the rollback that cannot be skipped: verified, else
        retried by the scheduler and said failed); refused, the halt's wait for it ended; either
        recorded and said. The conflict itself when it still runs."""
        for _ in range(_ATTEMPTS):
            stored = self._store.get(OrgId(saved.org), saved.id)
            if stored is None or stored.state not in _ENDING:
                return ConflictError(f"experiment {saved.id} changed since it was read")
            if not landed.handle and stored.state is ExperimentState.ENDED:
                return EndedWhileInjectingError(stored, was=stored, landed=landed)
            late = self._late(stored, landed, now, by=by)
            try:
                after = self._store.save(rolled_back(self.injector, late, now))
            except ConflictError:  # the halt saving its own removal meanwhile: read again
                continue
            return EndedWhileInjectingError(after, was=stored, landed=landed)
        return ConflictError(
            f"experiment {saved.id} kept changing while its late injection was removed: the "
            "scheduler finishes its rollback"
        )

    def _late(self, stored: Experiment, landed: Injection, now: datetime, *, by: str) -> Experiment:
        """`stored` (ending or ended) with `landed` recorded, rolling back again; a made one
        said, and tried at once if it was said removed by its key before it landed."""
        late = _with(stored, landed).model_copy(
            update={"state": ExperimentState.ROLLING_BACK, "ended_at": None}
        )
        if not landed.handle:
            return late
        outcome = stored.outcome.value if stored.outcome else "ending"
        late = with_step(
            late,
            now,
            "injected",
            f"{stored.fault.written} into {landed.percent}% of {stored.service}, landed as it "
            f"ended ({outcome}): removed at once",
            by=by,
        )
        if landed.key in {i.key for i in late.pending()}:
            return late
        tried = [*late.rollbacks, removal(self.injector, landed, now)]  # said removed too soon
        return late.model_copy(update={"rollbacks": tried})

    def next_step(self, saved: Experiment, now: datetime) -> Experiment:
        """After an advance: the previous step's injection removed (verified), then the next
        one recorded and made; a removal that fails ends the experiment failed instead, the
        next step's injection neither recorded nor made."""
        attempts = [
            removal(self.injector, i, now)
            for i in saved.pending()
            if i.key != f"{saved.id}-{saved.step}"
        ]
        tried = saved.model_copy(update={"rollbacks": [*saved.rollbacks, *attempts]})
        failed = [a for a in attempts if not a.verified]
        if failed:
            was = next((i.percent for i in saved.injections if i.key == failed[0].key), None)
            reason = (
                f"the {was}% step's fault could not be removed "
                f"({failure_said(saved, failed[0])}); retrying every minute"
            )
            return self._store.save(
                ending(tried, now, ExperimentOutcome.FAILED, reason, what="failed")
            )
        return self.inject(self._store.save(self.recorded(tried, now)), now)


class EndedWhileInjectingError(ConflictError):
    """The experiment was halted or ended while its injection was being made: that injection
    was removed at once (`experiment`, as stored after); `was` is how it was ending."""

    def __init__(self, experiment: Experiment, *, was: Experiment, landed: Injection) -> None:
        super().__init__(_ended_said(experiment, was, landed), users=_people(was))
        self.experiment = experiment


def _ended_said(experiment: Experiment, was: Experiment, landed: Injection) -> str:
    """`Chaos chx-1 halted by @rey while it was starting: its fault was removed.`; `was`: as
    it was ending when its injection `landed` (made or refused), `experiment`: after."""
    outcome = was.outcome.value if was.outcome else "ended"
    by = was.reason.removeprefix(f"{outcome} ")
    named = by.startswith("by @")
    how = f"{outcome} {by}" if named else outcome
    why = f" ({was.reason})" if was.reason and not named else ""
    doing = "starting" if was.step == 0 else f"moving to its {was.percents[was.step]}% step"
    if not landed.handle:
        removed = "nothing was injected (the injector refused the fault)"
    elif experiment.state is ExperimentState.ENDED:
        removed = "its fault was removed"
    elif experiment.outcome is ExperimentOutcome.FAILED:
        removed = "its fault could not be removed yet: the scheduler retries every minute"
    else:
        removed = "its fault is being removed, verified at the next ticks (every minute)"
    return f"Chaos {experiment.id} {how} while it was {doing}{why}: {removed}."


def _people(experiment: Experiment) -> list[str]:
    """Who ended it, if a person did (named in the answer)."""
    return [s.by for s in experiment.history[-1:] if s.by != "scheduler"]


def _with(experiment: Experiment, injection: Injection) -> Experiment:
    """The experiment with `injection` in place of its record of the same key."""
    injections = [injection if i.key == injection.key else i for i in experiment.injections]
    return experiment.model_copy(update={"injections": injections})


def _said(experiment: Experiment, error: Exception) -> str:
    """Why an injection failed, in words: Auto SRE's own errors as they are (they say what
    could not be done), an injector's raw one classified (it stays in the log)."""
    if isinstance(error, SreError):
        return str(error)[:200]
    return refusal_said(injector_name(experiment), str(error))


def _signals(experiment: Experiment) -> list[str]:
    """What the experiment reads: each expectation's signal and the requests."""
    named = [expectation(text).signal.value for text in experiment.expectations]
    return sorted({*named, REQUESTS})
