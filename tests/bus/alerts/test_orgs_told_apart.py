"""Many orgs on one deployment: each org's part of a tick (claims, audit, notices, escalations)
is waited on for a bounded time, so one org whose channel does not take its notice holds back no
other org's, and its own notice still goes out, once, when the channel takes it."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from shared.adapters.memory import InMemoryAlertStore
from shared.alerts.evaluator import AlertEvaluator
from shared.alerts.scheduler import AlertScheduler
from shared.alerts.states import State
from shared.bootstrap.wiring import Services
from shared.identity.models import OrgId
from shared.telemetry.models import ResourceKind
from tests.support import MovingClock, channel_messages
from tests.support.alerting import FAST, SLOW, Busy, OneOrgSlowToTell, two_orgs

BOUND = 0.3
FIRING = "FIRING checkout: busy"


@pytest.fixture
def deployment() -> tuple[Services, InMemoryAlertStore, MovingClock]:
    return two_orgs()


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
