"""A chaos store that loses races to the scheduler's tick on purpose: before a save of a chosen
experiment, the tick's own save of it lands first (its stored copy saved again, its version
moved on), so the save that read it earlier conflicts, as when a tick saves between a halt's
read and write. An injector that lets another worker act while an injection is being made (a
halt landing between its record and its injection), and a worker that dies right after it."""

from __future__ import annotations

from collections.abc import Callable

from shared.adapters.local.simulated_chaos import (
    InMemoryChaosState,
    SimulatedFaultInjector,
    SimulatedFaultMetrics,
    SimulatedInjection,
    SimulatedSafetyLever,
)
from shared.adapters.memory import InMemoryChaosStore
from shared.bootstrap.adapters import ChaosAdapters
from shared.chaos.models import Experiment, Fault, Injection
from shared.identity.models import OrgId
from shared.telemetry.models import Service
from tests.support import MovingClock


class RacingChaosStore(InMemoryChaosStore):
    """The in-memory chaos store; `race(id, times)` makes the next `times` saves of it lose."""

    def __init__(self) -> None:
        super().__init__()
        self._races: dict[str, int] = {}
        self._ticks: dict[str, Callable[[Experiment], Experiment]] = {}

    def race(
        self,
        experiment_id: str,
        times: int,
        *,
        tick: Callable[[Experiment], Experiment] = lambda stored: stored,
    ) -> None:
        """The next `times` saves of `experiment_id` each find the tick saved it meanwhile
        (as `tick` changes the stored copy: unchanged unless said)."""
        self._races[experiment_id] = times
        self._ticks[experiment_id] = tick

    def save(self, experiment: Experiment) -> Experiment:
        """The tick's save first while a race is left, then this one (which then conflicts)."""
        left = self._races.get(experiment.id, 0)
        current = self.get(OrgId(experiment.org), experiment.id)
        if left and current is not None:
            self._races[experiment.id] = left - 1
            super().save(self._ticks[experiment.id](current))
        return super().save(experiment)


class WorkerDiedError(BaseException):
    """The injecting worker's process ended right after its call to the injector (a Lambda
    timeout, a crash): none of its code runs after, so nothing of the injection is saved."""


class HookedInjector(SimulatedFaultInjector):
    """The simulation's injector that runs `during` once while an injection is being made, just
    before it lands (another worker's halt between the record and the injection); when
    `refuses`, the injection is then refused (FIS denied it); when `dies`, the injecting
    worker's process then ends (`WorkerDiedError`) before it saves anything."""

    during: Callable[[], object] | None = None
    refuses = False
    dies = False

    def inject(self, service: Service, fault: Fault, injection: Injection, *, minutes: int) -> str:
        """`during` first (once), then the injection made (or refused); then the worker dies if
        told."""
        hook, self.during = self.during, None
        if hook is not None:
            hook()
        if self.refuses:
            raise RuntimeError("AccessDeniedException: fis:StartExperiment")
        handle = super().inject(service, fault, injection, minutes=minutes)
        if self.dies:
            raise WorkerDiedError(injection.key)
        return handle


def hooked_chaos(clock: MovingClock) -> tuple[ChaosAdapters, HookedInjector, InMemoryChaosState]:
    """Chaos on the sample's simulation in memory, its injections made by a `HookedInjector`;
    the simulation's state too (what is really injected)."""
    state = InMemoryChaosState()
    injector = HookedInjector(state=state, clock=clock)
    chaos = ChaosAdapters(
        store=InMemoryChaosStore(),
        injector=injector,
        lever=SimulatedSafetyLever(state=state),
        metrics=SimulatedFaultMetrics(state=state),
    )
    return chaos, injector, state


def live_injections(state: InMemoryChaosState, resource: str = "checkout") -> list[str]:
    """The keys of the injections the simulation still applies to any registration of
    `resource`."""
    return [i.handle for i in sample_injections(state, resource) if i.removed_at is None]


def sample_injections(
    state: InMemoryChaosState, resource: str = "checkout"
) -> list[SimulatedInjection]:
    """Every injection on any registration of the sample `resource` (the simulation keeps each
    registration's apart: `checkout:<service>:<registered at>`)."""
    return [i for i in state.every() if i.resource.split(":", 1)[0] == resource]
