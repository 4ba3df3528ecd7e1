"""An alert's transitions while the audit trail is down: a page that fires, and its escalation,
are told once, their entries owed and written by a later tick once the trail is back; never told
by a later tick without an entry, nor lost. On a deployment without chaos (whose tick writes
owed entries elsewhere) as on one with it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from shared.adapters.memory import InMemoryAuditLog
from shared.audit.models import StreamKey
from shared.bootstrap.wiring import Services, build
from shared.config import Settings
from tests.support import (
    NOW,
    ORG,
    MovingClock,
    memory_adapters,
    notifier_of,
    records,
    run,
    run_scheduler,
    setup_teams,
)
from tests.support.deployments import REGISTER

PAGE = (
    'alert create slow --service checkout-api --when "p99_latency > 800ms"'
    " --escalate-after 5m --escalate-to search"
)


def _alerting(clock: MovingClock, log: InMemoryAuditLog, *, chaos: bool) -> Services:
    adapters = memory_adapters(clock, audit_log=log)
    adapters = adapters if chaos else replace(adapters, chaos=None)
    services = build(Settings(org_admins=("slack:T1:root",)), adapters)
    setup_teams(services)
    assert not run(services, "team bind C-search --team search").failed
    assert not run(services, REGISTER, user="oli").failed
    assert not run(services, PAGE, user="oli", channel="C-pay").failed
    return services


def _scheduler_steps(services: Services) -> list[str]:
    entries = records(services.audit_log, StreamKey(org=ORG, team="payments"))
    return [e.command for e in entries if e.actor.user == "scheduler"]


def _posted(services: Services) -> list[tuple[str | None, str]]:
    return [(target.channel, reply.title) for target, reply in notifier_of(services).posted]


@pytest.mark.parametrize("chaos", [False, True])
def test_a_page_and_its_escalation_while_the_trail_is_down_are_told_once_and_audited_later(
    chaos: bool,
) -> None:
    clock, log = MovingClock(NOW), InMemoryAuditLog()
    services = _alerting(clock, log, chaos=chaos)
    # GIVEN the audit trail down
    log.failing = True
    # WHEN the page fires, and five minutes later escalates
    fired = run_scheduler(services, clock)
    assert dict(fired.fields)["Fired"].startswith("slow"), fired
    escalated = run_scheduler(services, clock, 5)
    assert dict(escalated.fields)["Escalated"] == "slow", escalated
    # THEN each is told once, to its team and to the team it escalates to
    firing = [p for p in _posted(services) if p[1].startswith("FIRING")]
    assert [channel for channel, _ in firing] == ["C-pay"]
    assert [c for c, title in _posted(services) if "scalated" in title] == ["C-search"]
    # WHEN the trail is back (nothing of theirs in it yet) and the scheduler ticks on
    log.failing = False
    assert _scheduler_steps(services) == []
    settled = run_scheduler(services, clock, 1)
    for _ in range(3):
        run_scheduler(services, clock, 1)
    # THEN both entries are written once, in order, and nothing was told again
    said = dict(settled.fields)["Audit"]
    assert "2 owed audit entries written" in said
    assert _scheduler_steps(services) == ["alert fired slow", "alert escalated to search slow"]
    assert len([p for p in _posted(services) if p[1].startswith("FIRING")]) == 1
