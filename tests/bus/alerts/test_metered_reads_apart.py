"""Many orgs on one deployment, with provider calls counted as deployed: the meter counts each
org's batched read on its own, so the orgs' reads of the one shared adapter run side by side (one
org's slow provider holds up no one else's alerts) and each team is counted exactly the calls its
own org's read made."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta

import pytest

from shared.adapters.memory import InMemoryAlertStore
from shared.alerts.evaluator import AlertEvaluator
from shared.alerts.scheduler import AlertScheduler
from shared.alerts.states import State
from shared.bootstrap.adapters import Adapters
from shared.bootstrap.wiring import Services, build
from shared.config import Settings
from shared.identity.models import Actor, OrgId, UserId
from shared.quotas.service import QuotaService
from shared.telemetry import provider_calls
from shared.telemetry.models import Event, MetricQuery, ResourceKind, Service
from shared.telemetry.ports import MetricsSource, Points
from tests.support import NOW, MovingClock, invocation, memory_adapters
from tests.support.alerting import team_with_alerts

T1, SLOW, T3 = OrgId("slack:T1"), OrgId("slack:T2"), OrgId("slack:T3")
PAGES = {"t1": 2, "t3": 3}
"""The provider calls (pages) each fast org's read takes."""
BOUND = 2.0
"""Seconds a read may take in the tick (the slow org's never answers)."""


class PagedProvider:
    """One CloudWatch for every org: T1's read takes 2 calls and T3's 3, each stopping after its
    first call until the other org's read is under way too (they overlap); T2's read hangs until
    the test ends."""

    def __init__(self) -> None:
        self.calls = 0
        self.released = threading.Event()
        self._both = threading.Barrier(2, timeout=BOUND)

    def read(
        self, queries: Sequence[MetricQuery], *, start: datetime, end: datetime, step: int
    ) -> list[Points]:
        org = next(iter(queries[0].dimensions.values())).split("-")[1]
        if org == "t2":
            self.released.wait()
        for page in range(PAGES.get(org, 1)):
            self.calls += 1
            provider_calls.made()
            if page == 0:
                self._both.wait()
        return [[(end - timedelta(minutes=m), 50.0) for m in range(5, 0, -1)] for _ in queries]

    def events(self, service: Service, *, start: datetime, end: datetime) -> list[Event]:
        return []


@pytest.fixture
def provider() -> Iterator[PagedProvider]:
    paged = PagedProvider()
    yield paged
    paged.released.set()


def _team_with_alerts(
    services: Services, store: InMemoryAlertStore, org: OrgId, team: str, alerts: int
) -> None:
    """`team` of `org` with a Lambda `checkout` (fn-<org>-<team>) and `alerts` alerts on it."""
    fn = f"fn-{org.split(':')[1].lower()}-{team}"
    names = [f"busy{n}" for n in range(alerts)]
    team_with_alerts(services, store, org, fn=fn, team=team, channel=f"C-{team}", names=names)


def _used(services: Services, org: OrgId, team: str) -> str:
    """`sre quota show --team <team>` as `org`'s admin says it: the provider calls used."""
    ask = invocation(f"quota show --team {team}")
    ask = ask.model_copy(
        update={"actor": Actor(platform=ask.actor.platform, org=org, user=UserId("root"))}
    )
    return dict(services.bus.handle(ask).fields)["provider-calls-per-hour"].split(" of ")[0]


def _scheduler(services: Services, adapters: Adapters, store: InMemoryAlertStore) -> AlertScheduler:
    """The alert scheduler, its evaluator metered as the deployed wiring builds it."""
    meter = QuotaService(quotas=adapters.quotas, usage=adapters.usage).meter
    evaluator = AlertEvaluator(
        directory=services.directory, sources=adapters.metrics, timeout=BOUND, meter=meter
    )
    return AlertScheduler(
        store=store,
        evaluator=evaluator,
        directory=services.directory,
        audit=services.audit,
        notifier=services.notifier,
    )


def test_with_calls_metered_one_slow_org_holds_up_no_other_and_each_team_pays_its_own(
    provider: PagedProvider,
) -> None:
    # GIVEN three orgs sharing one provider adapter, provider calls metered as deployed:
    # T1 and T3 with two teams each, T2 whose provider does not answer
    clock = MovingClock(NOW)
    store = InMemoryAlertStore()
    sources: dict[ResourceKind, MetricsSource] = {ResourceKind.AWS_LAMBDA: provider}
    adapters = memory_adapters(clock, alerts=store, metrics=sources)
    admins = tuple(f"{org}:root" for org in (T1, SLOW, T3))
    services = build(Settings(org_admins=admins), adapters)
    for org, team, alerts in [
        (T1, "payments", 1),
        (T1, "search", 1),
        (SLOW, "payments", 1),
        (T3, "payments", 2),
        (T3, "search", 1),
    ]:
        _team_with_alerts(services, store, org, team, alerts)
    # WHEN a tick runs
    report = _scheduler(services, adapters, store).tick(clock.now(), trigger="tick-1")
    # THEN T1's and T3's alerts fire; only T2's wait for the next tick
    state = {(p.org, p.team, p.name): p.status.state for p in store.every()}
    assert [key for key, s in state.items() if s is not State.FIRING] == [
        (SLOW, "payments", "busy0")
    ]
    assert sorted(report.fired) == ["busy0", "busy0", "busy0", "busy0", "busy1"]
    # AND each team is counted the calls its own org's read made, split by its policies
    # (T1: 2 calls, one policy each; T3: 3 calls, two policies to one)
    used = {(org, team): _used(services, OrgId(org), team) for org, team, _ in state}
    assert used == {
        (T1, "payments"): "1",
        (T1, "search"): "1",
        (SLOW, "payments"): "0",
        (T3, "payments"): "2",
        (T3, "search"): "1",
    }
    assert provider.calls == 5
