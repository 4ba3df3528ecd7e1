"""Many orgs on one deployment: each org's part of a tick (claims, audit, notices, escalations)
is waited on for a bounded time, so one org whose channel does not take its notice holds back no
other org's, and its own notice still goes out, once, when the channel takes it."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest

from shared.adapters.memory import InMemoryAlertStore
from shared.alerts.evaluator import AlertEvaluator
from shared.alerts.scheduler import AlertScheduler
from shared.alerts.states import State
from shared.bootstrap.wiring import Services, build
from shared.config import Settings
from shared.identity.models import OrgId
from shared.invocation import ReplyTarget
from shared.ports import Notifier
from shared.replies import Reply
from shared.telemetry.models import Event, MetricQuery, ResourceKind, Service
from shared.telemetry.ports import MetricsSource, Points
from tests.support import NOW, MovingClock, channel_messages, memory_adapters
from tests.support.alerting import team_with_alerts

FAST, SLOW = OrgId("slack:T1"), OrgId("slack:T2")
BOUND = 0.3
FIRING = "FIRING checkout: busy"


class Busy:
    """Every Lambda function at 50 invocations a minute."""

    def read(
        self, queries: Sequence[MetricQuery], *, start: datetime, end: datetime, step: int
    ) -> list[Points]:
        return [[(end - timedelta(minutes=m), 50.0) for m in range(5, 0, -1)] for _ in queries]

    def events(self, service: Service, *, start: datetime, end: datetime) -> list[Event]:
        return []


class OneOrgSlowToTell:
    """The deployment's notifier, except that T2's channel takes nothing until released."""

    def __init__(self, notifier: Notifier) -> None:
        self._notifier = notifier
        self.released = threading.Event()

    def post(
        self, target: ReplyTarget, reply: Reply, *, user: str | None = None
    ) -> ReplyTarget | None:
        if target.org == SLOW:
            self.released.wait(30)
        return self._notifier.post(target, reply, user=user)

    def update(self, target: ReplyTarget, reply: Reply) -> None:
        if target.org == SLOW:
            self.released.wait(30)
        self._notifier.update(target, reply)


@pytest.fixture
def deployment() -> tuple[Services, InMemoryAlertStore, MovingClock]:
    clock = MovingClock(NOW)
    store = InMemoryAlertStore()
    sources: dict[ResourceKind, MetricsSource] = {ResourceKind.AWS_LAMBDA: Busy()}
    adapters = memory_adapters(clock, alerts=store, metrics=sources)
    services = build(Settings(org_admins=("slack:T1:root",)), adapters)
    for org, fn in ((FAST, "fn-t1"), (SLOW, "fn-t2")):
        team_with_alerts(services, store, org, fn=fn)
    return services, store, clock


def _told(services: Services, org: OrgId) -> list[str]:
    return [reply.title for where, reply in channel_messages(services) if where.org == org]


def _eventually_told(services: Services, org: OrgId) -> list[str]:
    """What `org`'s channel was told, once something was (a notice finishing on its own)."""
    deadline = time.monotonic() + 30
    while not _told(services, org) and time.monotonic() < deadline:
        time.sleep(0.05)
    return _told(services, org)


def test_one_orgs_channel_not_taking_notices_holds_back_no_other_org(
    deployment: tuple[Services, InMemoryAlertStore, MovingClock],
    caplog: pytest.LogCaptureFixture,
) -> None:
    services, store, clock = deployment
    notifier = OneOrgSlowToTell(services.notifier)
    scheduler = AlertScheduler(
        store=store,
        evaluator=AlertEvaluator(
            directory=services.directory, sources={ResourceKind.AWS_LAMBDA: Busy()}
        ),
        directory=services.directory,
        audit=services.audit,
        notifier=notifier,
        org_seconds=BOUND,
    )
    try:
        # WHEN a tick fires both orgs' alerts while T2's channel takes nothing
        first = scheduler.tick(clock.now(), trigger="tick-1")
        # THEN T1's channel is told, and the tick says T2's part goes on past its bound
        assert _told(services, FAST) == [FIRING]
        assert first.fired == ["busy"]
        assert f"org {SLOW}: over {BOUND:g} s, finishing on its own" in first.problems
        assert "org slack:T2: its alert notices took over 0.3 s" in caplog.text
        # AND T2's alert is already claimed as firing (audited), only its notice waits
        slow = store.get(SLOW, "payments", "busy")
        assert slow is not None and slow.status.state is State.FIRING
        # WHEN the next tick comes while T2's notice still waits
        clock.at += timedelta(minutes=1)
        second = scheduler.tick(clock.now(), trigger="tick-2")
        # THEN T2's part is carried, and said so
        assert f"org {SLOW}: an earlier tick still runs; carried to the next" in second.problems
    finally:
        notifier.released.set()
    # WHEN T2's channel takes notices again
    # THEN its notice goes out, once, and the tick after carries nothing
    assert _eventually_told(services, SLOW) == [FIRING]
    clock.at += timedelta(minutes=1)
    third = scheduler.tick(clock.now(), trigger="tick-3")
    assert not [p for p in third.problems if p.startswith("org ")]
    assert _told(services, SLOW) == [FIRING]
    assert _told(services, FAST) == [FIRING]
