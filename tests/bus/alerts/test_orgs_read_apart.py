"""Many orgs on one deployment: each org's policies are read in their own batch, so one org's slow
provider answers only for its own policies and the other orgs' alerts are judged and told."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta

import pytest

from shared.adapters.memory import InMemoryAlertStore
from shared.alerts.evaluator import AlertEvaluator
from shared.alerts.scheduler import AlertScheduler
from shared.alerts.states import State
from shared.bootstrap.wiring import build
from shared.config import Settings
from shared.identity.models import OrgId
from shared.telemetry.models import Event, MetricQuery, ResourceKind, Service
from shared.telemetry.ports import MetricsSource, Points
from tests.support import NOW, MovingClock, channel_messages, memory_adapters
from tests.support.alerting import team_with_alerts

FAST, SLOW = OrgId("slack:T1"), OrgId("slack:T2")


class OneSlowOrg:
    """CloudWatch as two orgs see it: a read that asks for T2's function hangs (until the test
    ends); any other read answers 50 invocations a minute."""

    def __init__(self) -> None:
        self.released = threading.Event()

    def read(
        self, queries: Sequence[MetricQuery], *, start: datetime, end: datetime, step: int
    ) -> list[Points]:
        if any("fn-t2" in q.dimensions.values() for q in queries):
            self.released.wait()
        return [[(end - timedelta(minutes=m), 50.0) for m in range(5, 0, -1)] for _ in queries]

    def events(self, service: Service, *, start: datetime, end: datetime) -> list[Event]:
        return []


@pytest.fixture
def provider() -> Iterator[OneSlowOrg]:
    slow = OneSlowOrg()
    yield slow
    slow.released.set()


def test_one_orgs_slow_provider_does_not_hold_back_another_orgs_alert(
    provider: OneSlowOrg, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN two orgs on one deployment, each with an alert on a Lambda function's traffic
    clock = MovingClock(NOW)
    store = InMemoryAlertStore()
    sources: dict[ResourceKind, MetricsSource] = {ResourceKind.AWS_LAMBDA: provider}
    adapters = memory_adapters(clock, alerts=store, metrics=sources)
    services = build(Settings(org_admins=("slack:T1:root",)), adapters)
    team_with_alerts(services, store, FAST, fn="fn-t1")
    team_with_alerts(services, store, SLOW, fn="fn-t2")
    scheduler = AlertScheduler(
        store=store,
        evaluator=AlertEvaluator(directory=services.directory, sources=sources, timeout=0.3),
        directory=services.directory,
        audit=services.audit,
        notifier=services.notifier,
    )
    # WHEN a tick runs while T2's provider does not answer
    report = scheduler.tick(clock.now(), trigger="tick-1")
    # THEN T1's alert fires and its channel is told; T2's team is told its alert cannot be judged
    told = [(where.org, reply.title) for where, reply in channel_messages(services)]
    assert sorted(told) == [
        (FAST, "FIRING checkout: busy"),
        (
            SLOW,
            "Alert busy cannot be judged: metrics unavailable: the metrics provider did not "
            "answer within 0.3 s",
        ),
    ]
    fast, slow = store.get(FAST, "payments", "busy"), store.get(SLOW, "payments", "busy")
    assert fast is not None and fast.status.state is State.FIRING
    assert slow is not None and slow.status.state is State.INACTIVE
    assert slow.status.problem == (
        "metrics unavailable: the metrics provider did not answer within 0.3 s"
    )
    assert report.fired == ["busy"]
    # AND the log says which org's read was carried to the next tick
    assert "org slack:T2: the aws-lambda read failed" in caplog.text
    assert "its 1 policy is judged again next tick" in caplog.text
