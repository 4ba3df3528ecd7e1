"""Many orgs on one deployment: an org whose part of a tick runs past its bound loses nothing of
it; the investigations its alerts asked for are handed to a later tick, once, and two ticks at
once in one process never both run one org's part."""

from __future__ import annotations

import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from datetime import timedelta

import pytest

from shared.adapters.memory import InMemoryAlertStore
from shared.alerts.evaluator import AlertEvaluator
from shared.alerts.scheduler import AlertScheduler
from shared.alerts.ticks import TickReport
from shared.bootstrap.wiring import Services
from shared.identity.models import OrgId
from shared.invocation import ReplyTarget
from shared.ports import Notifier
from shared.telemetry.models import ResourceKind
from tests.support import MovingClock, Overlapping, channel_messages
from tests.support.alerting import FAST, SLOW, Busy, OneOrgSlowToTell, two_orgs

BOUND = 0.3


@pytest.fixture
def deployment() -> tuple[Services, InMemoryAlertStore, MovingClock]:
    services, store, clock = two_orgs()
    for org in (FAST, SLOW):  # each alert opens an investigation when it fires
        policy = store.get(org, "payments", "busy")
        assert policy is not None
        store.save(policy.model_copy(update={"investigate": True}))
    return services, store, clock


def _scheduler(
    services: Services, store: object, notifier: Notifier, source: Busy
) -> AlertScheduler:
    return AlertScheduler(
        store=store,  # type: ignore[arg-type]  # a wrapped store, duck-typed
        evaluator=AlertEvaluator(
            directory=services.directory, sources={ResourceKind.AWS_LAMBDA: source}
        ),
        directory=services.directory,
        audit=services.audit,
        notifier=notifier,
        org_seconds=BOUND,
    )


def _asked(report: TickReport) -> list[tuple[str, str | None]]:
    """The orgs whose investigations a tick asks for, with the channel of the thread each report
    goes to (a reply in a thread, never a new message)."""
    assert all(w.thread.thread for w in report.investigations)
    return [(w.policy.org, w.thread.channel) for w in report.investigations]


def _eventually_told(services: Services, org: OrgId) -> list[ReplyTarget]:
    """Where `org`'s notices went, once one did (a notice finishing on its own)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        told = [where for where, _ in channel_messages(services) if where.org == org]
        if told:
            return told
        time.sleep(0.05)
    return []


def test_a_late_orgs_investigation_is_asked_for_on_a_later_tick_once(
    deployment: tuple[Services, InMemoryAlertStore, MovingClock],
) -> None:
    services, store, clock = deployment
    notifier = OneOrgSlowToTell(services.notifier)
    scheduler = _scheduler(services, store, notifier, Busy())
    try:
        # WHEN a tick fires both orgs' alerts while T2's channel takes nothing
        first = scheduler.tick(clock.now(), trigger="tick-1")
        # THEN T1's investigation is asked for now; T2's part is past its bound
        assert [org for org, _ in _asked(first)] == [FAST]
        assert f"org {SLOW}: over {BOUND:g} s, finishing on its own" in first.problems
    finally:
        notifier.released.set()
    # WHEN T2's channel takes its notice, and the next tick comes
    (notice,) = _eventually_told(services, SLOW)
    assert notice.channel == "C-pay"
    clock.at += timedelta(minutes=1)
    second = _wait_for_carried(scheduler, clock)
    # THEN that tick asks for T2's investigation, in its notice's thread
    assert _asked(second) == [(SLOW, "C-pay")]
    slow = store.get(SLOW, "payments", "busy")
    assert slow is not None and slow.status.investigation == "requested"
    # AND the tick after asks for nothing again
    clock.at += timedelta(minutes=1)
    assert _asked(scheduler.tick(clock.now(), trigger="tick-4")) == []


def _wait_for_carried(scheduler: AlertScheduler, clock: MovingClock) -> TickReport:
    """The first tick that no longer carries T2 (its late part has finished)."""
    for n in range(100):
        report = scheduler.tick(clock.now(), trigger=f"tick-2-{n}")
        if not [p for p in report.problems if p.startswith("org ")]:
            return report
        time.sleep(0.05)
    raise AssertionError("T2's late part never finished")


def test_two_ticks_at_once_run_one_orgs_part_once(
    deployment: tuple[Services, InMemoryAlertStore, MovingClock],
) -> None:
    services, store, clock = deployment
    source = Busy()
    source.released.clear()  # T1's reads wait until the test has seen which tick carries T1
    scheduler = _scheduler(services, Overlapping(store), services.notifier, source)
    with ThreadPoolExecutor(2) as pool:
        # WHEN the schedule's tick and a person's run-once of T1 start at the same moment
        ticks = [
            pool.submit(scheduler.tick, clock.now(), trigger="schedule"),
            pool.submit(scheduler.tick, clock.now(), trigger="run-once", org=FAST),
        ]
        # THEN one of them carries T1 (it does not wait on the other's reads)
        done, _ = wait(ticks, timeout=10, return_when=FIRST_COMPLETED)
        source.released.set()
        reports = [t.result() for t in ticks]
    assert len(done) == 1
    (carried,) = done
    assert (
        f"org {FAST}: an earlier tick still runs; carried to the next" in carried.result().problems
    )
    # AND T1's alert is evaluated, claimed and told once in all
    assert sum(r.evaluated for r in reports) == 2  # T1's by one tick, T2's by the schedule
    assert sorted(name for r in reports for name in r.fired) == ["busy", "busy"]  # T1's, T2's
    told = [where for where, _ in channel_messages(services) if where.org == FAST]
    assert len(told) == 1
