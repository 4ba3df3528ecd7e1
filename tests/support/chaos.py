"""An experiment record for tests of chaos's pure parts and its stores: `error` on 1, 5 and 25%
of checkout-api (the sample) for 10 minutes each, `error_rate < 1%`, started by oli at NOW."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, Unpack

from shared.adapters.local.simulated_chaos import (
    InMemoryChaosState,
    SimulatedFaultInjector,
    SimulatedFaultMetrics,
    SimulatedSafetyLever,
)
from shared.adapters.memory import InMemoryChaosStore, InMemoryTaskQueue
from shared.bootstrap.adapters import AdapterChoices, Adapters, ChaosAdapters
from shared.bootstrap.wiring import Services
from shared.chaos.models import Experiment, Fault, Injection, LeverState
from shared.chaos.ports import ChaosStore
from shared.config import Settings
from shared.identity.models import OrgId
from shared.judging.judge import MetricData
from shared.replies import Reply, Tone
from shared.telemetry.models import ResourceKind, Service
from tests.support import (
    NOW,
    MovingClock,
    invocation,
    memory_adapters,
    run,
    run_deferred,
    run_scheduler,
)
from tests.support.deployments import REGISTER, registered_services


def an_experiment(**changes: Any) -> Experiment:
    """The experiment above, with `changes` applied (e.g. `state=ExperimentState.RUNNING`)."""
    fields: dict[str, Any] = {
        "id": "chx-0a1b2c",
        "org": "slack:T1",
        "team": "payments",
        "service": "checkout-api",
        "kind": ResourceKind.SAMPLE,
        "fault": Fault.parse("error"),
        "expectations": ["error_rate < 1%"],
        "step_started_at": NOW,
        "started_by": "oli",
        "started_at": NOW,
    }
    return Experiment(**{**fields, **changes})


ADAPTERS: dict[int, Adapters] = {}


def chaos_services(
    clock: MovingClock, /, *, production: bool = False, **chosen: Unpack[AdapterChoices]
) -> Services:
    """Chaos on the sample's simulation in memory: the teams of `setup_teams` (root an org
    admin), checkout-api (the sample) registered by operator oli, `production` if asked, and
    operator opal added to payments (a second operator, for approvals)."""
    adapters = memory_adapters(clock, **chosen)
    mark = " --production" if production else ""
    settings = Settings(org_admins=("slack:T1:root",))
    services = registered_services(settings, adapters, REGISTER + mark)
    ADAPTERS[id(services)] = adapters
    assert not run(services, "team member add opal --role operator --team payments").failed
    return services


def adapters_of(services: Services) -> Adapters:
    """The adapters of services made by `chaos_services`."""
    return ADAPTERS[id(services)]


def chaos_of(services: Services) -> ChaosAdapters:
    """The chaos ports of services made by `chaos_services`."""
    chaos = ADAPTERS[id(services)].chaos
    assert chaos is not None
    return chaos


def injector_of(services: Services) -> SimulatedFaultInjector:
    """The simulation's injector of services made by `chaos_services`."""
    injector = chaos_of(services).injector
    assert isinstance(injector, SimulatedFaultInjector)
    return injector


def start_experiment(services: Services, text: str, *, user: str = "oli") -> str:
    """`sre chaos start TEXT` by `user` in C-pay, run by the worker; the experiment's id."""
    reply = run_deferred(services, f"chaos start {text}", user=user, channel="C-pay")
    assert reply.tone is Tone.OK, reply
    return reply.title.split()[1]


def ticks(services: Services, clock: MovingClock, minutes: int) -> list[str]:
    """One scheduler run a minute for `minutes`; every line they said about experiments, and
    of the audit entries owed (a halt's) written."""
    said: list[str] = []
    for _ in range(minutes):
        fields = dict(run_scheduler(services, clock, 1).fields)
        chaos = fields["Chaos"]
        said += [] if chaos == "no step due" else chaos.splitlines()
        said += fields.get("Audit", "").splitlines()
    return said


HARMLESS = 'checkout-api --fault delay:100ms --expect "p99_latency < 2s"'
"""A fault the sample's p99 holds its steady state under."""


def schedule_game_day(services: Services, window: str = "Sun 09:00-12:00") -> str:
    """A weekly game day of the harmless fault, scheduled by oli in C-pay; its id."""
    reply = run_deferred(
        services,
        f'chaos start {HARMLESS} --every 7d --window "{window}"',
        user="oli",
        channel="C-pay",
    )
    assert reply.tone is Tone.OK, reply
    return reply.title.split()[2].rstrip(":")


class JammedInjector(SimulatedFaultInjector):
    """The simulation's injector whose removals fail (a throttled or unreachable FIS) while
    `jammed`, whose injections fail while `refusing`, and whose removals are asked without error
    but not verified while `stopping` (FIS reading `stopping`)."""

    jammed = True
    refusing = False
    stopping = False

    def removed(self, handle: str) -> bool:
        """Not yet while stopping; else whether it is gone."""
        return False if self.stopping else super().removed(handle)

    def inject(self, service: Service, fault: Fault, injection: Injection, *, minutes: int) -> str:
        """Fail while refusing; else inject."""
        if self.refusing:
            raise RuntimeError("AccessDeniedException: fis:StartExperiment")
        return super().inject(service, fault, injection, minutes=minutes)

    def remove(self, handle: str) -> None:
        """Fail while jammed; else remove."""
        if self.jammed:
            raise RuntimeError("ThrottlingException: rate exceeded")
        super().remove(handle)


def simulated_over(store: ChaosStore, clock: MovingClock) -> ChaosAdapters:
    """Chaos on the sample's simulation, its experiments kept in `store`."""
    state = InMemoryChaosState()
    return ChaosAdapters(
        store=store,
        injector=SimulatedFaultInjector(state=state, clock=clock),
        lever=SimulatedSafetyLever(state=state),
        metrics=SimulatedFaultMetrics(state=state),
    )


def sent_again(services: Services, text: str, *, user: str, ref: str) -> Reply:
    """`text` sent once more by `user` in C-pay as a new chat message (its own correlation id
    `ref`), run by the worker when deferred."""
    sent = invocation(text, user=user, channel="C-pay").model_copy(update={"correlation_id": ref})
    reply = services.bus.handle(sent)
    if reply.tone is not Tone.ACCEPTED:
        return reply
    assert isinstance(services.tasks, InMemoryTaskQueue)
    (task,) = services.tasks.drain()
    return services.run_task(task)


def jammed_chaos(clock: MovingClock) -> ChaosAdapters:
    """Chaos on the sample's simulation in memory, its removals failing until unjammed."""
    state = InMemoryChaosState()
    return ChaosAdapters(
        store=InMemoryChaosStore(),
        injector=JammedInjector(state=state, clock=clock),
        lever=SimulatedSafetyLever(state=state),
        metrics=SimulatedFaultMetrics(state=state),
    )


class UnreadableLever(SimulatedSafetyLever):
    """The simulation's lever that can be neither read nor engaged while `unreadable` (FIS
    throttled)."""

    unreadable = False

    def state(self, org: OrgId) -> LeverState:
        """Fail while unreadable; else its state."""
        if self.unreadable:
            raise RuntimeError("ThrottlingException: GetSafetyLever")
        return super().state(org)

    def engage(self, org: OrgId, *, by: str, reason: str, at: datetime) -> LeverState:
        """Fail while unreadable; else engage it."""
        if self.unreadable:
            raise RuntimeError("ThrottlingException: UpdateSafetyLeverState")
        return super().engage(org, by=by, reason=reason, at=at)


class FlakyMetrics(SimulatedFaultMetrics):
    """The simulation's metrics that cannot be read while `blind` (CloudWatch throttled), and
    whose unfaulted p99 is 5 s while `broken` (the service itself in trouble)."""

    blind = False
    broken = False

    def compare(
        self, service: Service, signals: Sequence[str], *, start: datetime, end: datetime
    ) -> dict[str, MetricData]:
        """Fail while blind; else the simulation's minutes (slow while broken)."""
        if self.blind:
            raise RuntimeError("ThrottlingException: GetMetricData")
        found = super().compare(service, signals, start=start, end=end)
        slow = found.get("p99_latency")
        if self.broken and slow is not None:
            found["p99_latency"] = replace(slow, control=[5000.0] * len(slow.control))
        return found


def flaky_chaos(clock: MovingClock) -> ChaosAdapters:
    """Chaos on the sample's simulation in memory, its lever and metrics failing when asked."""
    state = InMemoryChaosState()
    return ChaosAdapters(
        store=InMemoryChaosStore(),
        injector=SimulatedFaultInjector(state=state, clock=clock),
        lever=UnreadableLever(state=state),
        metrics=FlakyMetrics(state=state),
    )
