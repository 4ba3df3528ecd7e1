"""Many orgs on one deployment: one org whose metrics never answer holds back no other org's
canary or chaos steps; its own are carried whole (nothing written) and made at a later tick once
its provider answers."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta

import pytest

from shared.adapters.local.simulated_canary import SimulatedVersionMetrics
from shared.adapters.local.simulated_chaos import (
    InMemoryChaosState,
    SimulatedFaultInjector,
    SimulatedFaultMetrics,
    SimulatedSafetyLever,
)
from shared.adapters.memory import InMemoryCanaryStore, InMemoryChaosStore
from shared.bootstrap.adapters import ChaosAdapters
from shared.bootstrap.wiring import Services
from shared.canary.models import Canary, CanaryState
from shared.config import Settings
from shared.identity.models import OrgId
from shared.judging.judge import MetricData
from shared.replies import Reply, Tone
from shared.scheduling.triggers import run_tick
from shared.telemetry.models import ResourceKind, Service
from tests.support import NOW, ORG, MovingClock, invocation, memory_adapters, run_worker, service_of
from tests.support.chaos import start_experiment
from tests.support.deployments import registered_services, start_canary

SLOW = OrgId("slack:T2")
"""The org whose service (the simulation's `checkout-b`) has metrics that never answer."""
BOUND = 5.0
"""Seconds the tick waits for one org's canary or chaos steps: room for an answering org's steps
on a loaded machine (at 2 s, CI's four workers on two cores once ran them past it)."""
HARMLESS = 'checkout-api --fault delay:100ms --expect "p99_latency < 2s"'


class Silent:
    """Whether SLOW's reads answer: not until `answering` is set (or twice the bound passes)."""

    def __init__(self) -> None:
        self.answering = threading.Event()

    def wait_if_slow(self, resource: str) -> None:
        """Hold a read of SLOW's resource until the provider answers."""
        if resource.startswith("checkout-b"):
            self.answering.wait(2 * BOUND)


class SilentVersions(SimulatedVersionMetrics):
    """The simulation's canary metrics; SLOW's hang until its provider answers."""

    def __init__(self, silent: Silent) -> None:
        self._silent = silent

    def compare(self, canary: Canary, *, start: datetime, end: datetime) -> dict[str, MetricData]:
        """The simulation's minutes, once answering."""
        self._silent.wait_if_slow(canary.target)
        return super().compare(canary, start=start, end=end)


class SilentFaultMetrics(SimulatedFaultMetrics):
    """The simulation's chaos metrics; SLOW's hang until its provider answers."""

    silent = Silent()

    def compare(
        self, service: Service, signals: Sequence[str], *, start: datetime, end: datetime
    ) -> dict[str, MetricData]:
        """The simulation's minutes, once answering."""
        self.silent.wait_if_slow(service.resource)
        return super().compare(service, signals, start=start, end=end)


@pytest.fixture
def silent() -> Iterator[Silent]:
    held = Silent()
    yield held
    held.answering.set()


def _as_slow(services: Services, text: str, *, user: str = "root") -> Reply:
    """`text` said in SLOW's C-pay by its `user`, run by the worker when deferred."""
    said = invocation(text, user=user, channel="C-pay")
    actor = said.actor.model_copy(update={"org": SLOW})
    said = said.model_copy(update={"actor": actor, "correlation_id": f"slow-{abs(hash(text))}"})
    reply = services.bus.handle(said)
    if reply.tone is Tone.ACCEPTED:
        (reply,) = run_worker(services)
    return reply


class Stores:
    """The two orgs' deployment and where it keeps canaries and experiments."""

    def __init__(
        self, services: Services, canaries: InMemoryCanaryStore, chaos: InMemoryChaosStore
    ):
        self.services, self.canaries, self.chaos = services, canaries, chaos

    def canary(self, org: OrgId) -> Canary:
        """`org`'s one canary, as stored."""
        (canary,) = self.canaries.list_for(org, "payments")
        return canary

    def percent(self, org: OrgId) -> int:
        """The share `org`'s one experiment faults now."""
        (experiment,) = [e for e in self.chaos.every() if e.org == org]
        return experiment.percent


def _two_orgs(silent: Silent, clock: MovingClock) -> Stores:
    """T1 (the sample's checkout) and SLOW (`checkout-b`), each with team payments running a
    canary of version 42 (rolled back at its first judgement) and a harmless experiment."""
    state = InMemoryChaosState()
    metrics = SilentFaultMetrics(state=state)
    metrics.silent = silent
    store = InMemoryChaosStore()
    chaos = ChaosAdapters(
        store=store,
        injector=SimulatedFaultInjector(state=state, clock=clock),
        lever=SimulatedSafetyLever(state=state),
        metrics=metrics,
    )
    versions = {ResourceKind.SAMPLE: SilentVersions(silent)}
    canaries = InMemoryCanaryStore()
    adapters = memory_adapters(clock, chaos=chaos, version_metrics=versions, canaries=canaries)
    settings = Settings(org_admins=("slack:T1:root", f"{SLOW}:root"), tick_org_seconds=BOUND)
    services = registered_services(settings, adapters)
    for text in (
        "team create payments",
        "team member add oli --role operator --team payments",
        "team bind C-pay --team payments",
    ):
        assert not _as_slow(services, text).failed, text
    team = services.directory.get_team(SLOW, "payments")
    assert team is not None
    checkout = service_of(ResourceKind.SAMPLE, "checkout-b", name="checkout-api")
    services.directory.save_team(team.model_copy(update={"services": {"checkout-api": checkout}}))
    start_canary(services, "42")
    start_experiment(services, HARMLESS)
    for text in ("canary start checkout-api --version 42", f"chaos start {HARMLESS}"):
        assert _as_slow(services, text, user="oli").tone is Tone.OK, text
    return Stores(services, canaries, store)


def _tick(services: Services, clock: MovingClock, minutes: int) -> dict[str, str]:
    """One scheduled tick of every org, `minutes` on; its Canaries and Chaos lines."""
    clock.at += timedelta(minutes=minutes)
    reply = run_tick(services.bus, trigger=f"tick-{clock.at:%H%M}", now=clock.at)
    assert reply.tone is Tone.OK, reply
    return dict(reply.fields)


def test_an_org_whose_metrics_never_answer_holds_back_no_others_canary_or_chaos_steps(
    silent: Silent,
) -> None:
    # GIVEN two orgs, each with a canary and an experiment due to be stepped 11 minutes on,
    # SLOW's metrics never answering
    clock = MovingClock(NOW)
    orgs = _two_orgs(silent, clock)
    # WHEN the scheduled tick runs
    said = _tick(orgs.services, clock, 11)
    # THEN T1's canary is rolled back and its experiment steps up, in that tick
    assert orgs.canary(ORG).state is CanaryState.ROLLED_BACK
    assert orgs.percent(ORG) == 5
    # AND SLOW's are carried whole, said so: nothing written, nothing moved
    carried = f"not stepped this tick: {SLOW} (over {BOUND:g} s), carried"
    assert said["Canaries"].splitlines()[-1] == carried
    assert said["Chaos"].splitlines()[-1] == carried
    slow = orgs.canary(SLOW)
    assert (slow.state, slow.weight, len(slow.history)) == (CanaryState.RUNNING, 0.05, 1)
    assert orgs.percent(SLOW) == 1
    # WHEN SLOW's provider answers again, and the next tick runs
    silent.answering.set()
    said = _tick(orgs.services, clock, 1)
    # THEN SLOW's canary is judged and rolled back, and its experiment steps up, in that tick
    assert orgs.canary(SLOW).state is CanaryState.ROLLED_BACK
    assert orgs.percent(SLOW) == 5
    assert "carried" not in said["Canaries"] + said["Chaos"]
