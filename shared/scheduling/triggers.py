"""The scheduled trigger's work, as the actor `scheduler`: sealing every org's trails and one
tick of alerts and canaries, each through the bus so it is authorized and audited like a command."""

from __future__ import annotations

import hashlib
from datetime import datetime

from shared.audit.ports import AuditLog
from shared.audit.scheduled import SCHEDULER
from shared.commands.bus import CommandBus
from shared.identity.models import Actor, OrgId, Platform
from shared.invocation import Invocation, ReplyTarget
from shared.replies import Reply


def _reference(delivery: str) -> str:
    """A scheduled invocation's correlation id: its whole trigger hashed (the worker's run-once
    and post guards are keyed by it; a cut of a long trigger made two teams' alerts of long
    names, or a Teams tenant's, one)."""
    return "sched-" + hashlib.sha256(delivery.encode()).hexdigest()[:26]


def scheduled(org: OrgId, text: str, *, trigger: str, now: datetime) -> Invocation:
    """An invocation by the scheduler; `trigger` (the event's id) makes a retry run once."""
    return Invocation(
        actor=Actor(platform=Platform.SCHEDULER, org=org, user=SCHEDULER, name="scheduler"),
        channel=None,
        text=text,
        correlation_id=_reference(f"{trigger}:{org}"),
        delivery_id=f"{trigger}:{org}",
        received_at=now,
        reply_to=ReplyTarget(platform=Platform.SCHEDULER),
    )


def seal_every_org(bus: CommandBus, log: AuditLog, *, trigger: str, now: datetime) -> list[Reply]:
    """Seal every org's trails: one audited `sre audit seal` per org that has any."""
    return [
        bus.handle(scheduled(org, "sre audit seal", trigger=trigger, now=now)) for org in log.orgs()
    ]


def run_tick(bus: CommandBus, *, trigger: str, now: datetime) -> Reply:
    """One tick of alert policies and canaries (`sre scheduler run-once` as the scheduler); the
    event's id makes a retried delivery run once."""
    return bus.handle(scheduled(OrgId("-"), "sre scheduler run-once", trigger=trigger, now=now))
