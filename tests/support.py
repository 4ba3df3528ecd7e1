"""Small builders the tests share (no logic of the product lives here)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from shared.adapters.memory import FixedClock, InMemoryTaskQueue
from shared.audit.chain import decode
from shared.audit.models import AuditRecord, StreamKey
from shared.audit.ports import AuditLog
from shared.audit.seal import SigningKey
from shared.audit.trail import AuditTrail
from shared.bootstrap import memory
from shared.bootstrap.wiring import Adapters, Services
from shared.identity.models import Actor, OrgId, Platform, UserId
from shared.invocation import Invocation, ReplyTarget
from shared.ports import Clock
from shared.replies import Reply, Tone
from shared.telemetry.models import ResourceKind, Service
from shared.telemetry.queries import queries_for

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
ORG = OrgId("slack:T1")


def invocation(
    text: str,
    *,
    user: str = "root",
    channel: str | None = "C-general",
    delivery: str | None = None,
    platform: Platform = Platform.SLACK,
) -> Invocation:
    """An invocation as a Slack user of org T1 would send it (or a user of `platform`)."""
    return Invocation(
        actor=Actor(platform=platform, org=ORG, user=UserId(user)),
        channel=channel,
        text=text,
        correlation_id=f"ref-{abs(hash((text, user))) % 10**6}",
        delivery_id=delivery,
        received_at=NOW,
        reply_to=ReplyTarget(platform=platform, channel=channel),
    )


def run(
    services: Services,
    text: str,
    *,
    user: str = "root",
    channel: str | None = "C-general",
    delivery: str | None = None,
    platform: Platform = Platform.SLACK,
) -> Reply:
    """Send one command through the bus (from Slack unless `platform` says otherwise)."""
    return services.bus.handle(
        invocation(text, user=user, channel=channel, delivery=delivery, platform=platform)
    )


def run_deferred(services: Services, text: str, **kwargs: Any) -> Reply:
    """`run`, then, if the command was deferred, its task as the worker runs it: the worker's
    reply, posted by `Services.answer` as in production (the immediate one if not deferred)."""
    reply = run(services, text, **kwargs)
    if reply.tone is not Tone.ACCEPTED:
        return reply
    assert isinstance(services.tasks, InMemoryTaskQueue)
    (task,) = services.tasks.drain()
    return services.answer(task)


def setup_teams(services: Services) -> None:
    """Teams `payments` (a member per role) and `search` (an admin); `aud` is auditor."""
    for text in [
        "team create payments",
        "team create search",
        "team member add ann --role admin --team payments",
        "team member add oli --role operator --team payments",
        "team member add rey --role responder --team payments",
        "team member add vic --role viewer --team payments",
        "team member add sam --role admin --team search",
        "org grant aud auditor",
        "team bind C-pay --team payments",
    ]:
        reply = run(services, text)
        assert not reply.failed, (text, reply)


TEST_KEY = SigningKey(secret=b"test-audit-key")


def trail_for(log: AuditLog, *, every: int = 100) -> AuditTrail:
    """An audit trail over `log`, signing with the test key, at a fixed time."""
    return AuditTrail(log=log, key=lambda: TEST_KEY, clock=FixedClock(NOW), every=every)


def records(log: AuditLog, stream: StreamKey) -> list[AuditRecord]:
    """Every entry of a stream, parsed."""
    return [decode(entry.body) for entry in log.scan(stream)]


def service_of(kind: ResourceKind, resource: str, name: str = "checkout") -> Service:
    """A registered service of `kind`, with the catalog's queries for `resource`."""
    return Service(
        name=name,
        kind=kind,
        resource=resource,
        queries=queries_for(kind, resource),
        registered_by="u",
        registered_at=NOW,
    )


def finding_lines(report: Reply) -> list[str]:
    """The ranked findings of a report (`1. p99 latency …`), without its narrative."""
    return [line for line in report.text.splitlines() if line[:1].isdigit()]


def memory_adapters(clock: Clock, **overrides: Any) -> Adapters:
    """In-memory adapters at `clock`'s time, signing with the test key; `overrides` replace any."""
    return memory.memory_adapters(clock, TEST_KEY, **overrides)


class Overlapping:
    """Wraps a store so that two readers of `every()` wait for each other: two scheduler runs
    that read the same versions and then race to write (only one write of a step may land)."""

    def __init__(self, store: Any) -> None:
        self._store = store
        self._barrier = threading.Barrier(2, timeout=10)

    def every(self) -> Any:
        """The store's answer, once both runs have read it."""
        found = self._store.every()
        self._barrier.wait()
        return found

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)
