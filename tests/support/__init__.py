"""Small builders the tests share (no logic of the product lives here).

This package is the one home of the tests' helpers: commands through the bus and the scheduler
here; platform payloads, signed and loaded, in `payloads`; AWS resources on moto in `aws`; requests
through the AWS handlers (and the worker as deployed versions) in `handlers`; whole deployments of
a feature in `deployments`; the local deployment in `local`; Azure's canned metrics in `azure`. A
helper two test files need lives here, never in a test file the other imports."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Unpack

from shared.adapters.memory import (
    FixedClock,
    InMemoryDirectory,
    InMemoryNotifier,
    InMemoryTaskQueue,
)
from shared.audit.chain import decode
from shared.audit.models import AuditDraft, AuditRecord, Outcome, StreamKey
from shared.audit.ports import AuditLog
from shared.audit.seal import SigningKey
from shared.audit.trail import AuditTrail
from shared.bootstrap import memory
from shared.bootstrap.adapters import AdapterChoices, Adapters
from shared.bootstrap.wiring import Services
from shared.identity.models import (
    Actor,
    ChannelBinding,
    ChannelId,
    OrgId,
    Platform,
    Team,
    UserId,
)
from shared.invocation import DeferredCommand, Invocation, ReplyTarget
from shared.ports import Clock
from shared.replies import Reply, Tone
from shared.telemetry.models import ResourceKind, Service
from shared.telemetry.queries import queries_for

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
ORG = OrgId("slack:T1")


def binding(channel: str, team: str, *, org: OrgId = ORG, by: str = "ann") -> ChannelBinding:
    """`channel` of `org` bound to `team` by `by` at NOW."""
    return ChannelBinding(
        org=org, channel=ChannelId(channel), team=team, bound_by=UserId(by), bound_at=NOW
    )


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
    reply, posted by `Services.run_task` as in production (the immediate one if not deferred)."""
    reply = run(services, text, **kwargs)
    if reply.tone is not Tone.ACCEPTED:
        return reply
    assert isinstance(services.tasks, InMemoryTaskQueue)
    (task,) = services.tasks.drain()
    return services.run_task(task)


def resume_deferred(services: Services) -> Reply:
    """The one deferred task, resumed as the worker resumes it: its reply (not posted)."""
    assert isinstance(services.tasks, InMemoryTaskQueue)
    (task,) = services.tasks.drain()
    return services.bus.resume(task)


def in_org(services: Services, org: OrgId, text: str, *, user: str, channel: str) -> Reply:
    """`text` typed by `user` of another Slack org in its `channel`, and if it was deferred, the
    worker's run of it (posted as the worker posts it): the answer they see."""
    reply = services.bus.handle(
        Invocation(
            actor=Actor(platform=Platform.SLACK, org=org, user=UserId(user)),
            channel=channel,
            text=text,
            correlation_id=f"{org}-{abs(hash(text)) % 10**6}",
            received_at=NOW,
            reply_to=ReplyTarget(platform=Platform.SLACK, channel=channel),
        )
    )
    if reply.tone is not Tone.ACCEPTED:
        return reply
    assert isinstance(services.tasks, InMemoryTaskQueue)
    (task,) = services.tasks.drain()
    return services.run_task(task)


def ask(
    services: Services, text: str, *, user: str = "aud", channel: str | None = "C-general"
) -> Reply:
    """Run a command (by the auditor `aud` unless `user` says) and, if it was deferred, the
    worker's run of it: the answer a user sees."""
    reply = run(services, text, user=user, channel=channel)
    if reply.tone is not Tone.ACCEPTED:
        return reply
    return resume_deferred(services)


def investigate(services: Services, text: str, *, user: str = "rey") -> Reply:
    """`user` asks in C-pay for the investigation `text`, accepted and deferred; the worker's
    report."""
    accepted = run(services, text, user=user, channel="C-pay")
    assert accepted.tone is Tone.ACCEPTED, accepted
    return resume_deferred(services)


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


def memory_adapters(
    clock: Clock, /, *, metrics_dir: Path | None = None, **chosen: Unpack[AdapterChoices]
) -> Adapters:
    """In-memory adapters at `clock`'s time, signing with the test key; `chosen` replace any."""
    return memory.memory_adapters(clock, TEST_KEY, metrics_dir=metrics_dir, **chosen)


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


class MovingClock:
    """A clock the test moves (the sample's incident stays 40 minutes before `NOW`)."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        """Where the test has put it."""
        return self.at


def run_scheduler_at(services: Services, at: datetime) -> Reply:
    """One scheduler run (`sre scheduler run-once`) at `at`, which must succeed."""
    run_once = invocation("scheduler run-once", channel=None).model_copy(update={"received_at": at})
    reply = services.bus.handle(run_once)
    assert reply.tone is Tone.OK, reply
    return reply


def run_scheduler(services: Services, clock: MovingClock, minutes: int = 0) -> Reply:
    """Move `clock` on by `minutes`, then one scheduler run at its time."""
    clock.at = clock.at + timedelta(minutes=minutes)
    return run_scheduler_at(services, clock.at)


def overlapping_runs(services: Services, clock: MovingClock) -> list[Reply]:
    """Two scheduler runs at once, at `clock`'s time; their replies."""
    replies: list[Reply] = []
    threads = [
        threading.Thread(target=lambda: replies.append(run_scheduler(services, clock)))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return replies


def foreign_run_once(at: datetime) -> Invocation:
    """`sre scheduler run-once` at `at` from Teams, by eve, the admin of tenant-x (another org)."""
    return Invocation(
        actor=Actor(platform=Platform.TEAMS, org=OrgId("teams:tenant-x"), user=UserId("eve")),
        channel="19:x",
        text="scheduler run-once",
        correlation_id="ref-eve",
        received_at=at,
        reply_to=ReplyTarget(platform=Platform.TEAMS, channel="19:x"),
    )


def notifier_of(services: Services) -> InMemoryNotifier:
    """The memory notifier of in-memory services: what was posted, where."""
    assert isinstance(services.notifier, InMemoryNotifier)
    return services.notifier


def channel_messages(services: Services) -> list[tuple[ReplyTarget, Reply]]:
    """What the channel sees (the ephemeral answers to the person who asked left out)."""
    return [(where, reply) for where, reply in notifier_of(services).posted if not reply.ephemeral]


def run_worker(services: Services) -> list[Reply]:
    """Run what was deferred as the worker does: each reply is posted where it was asked."""
    assert isinstance(services.tasks, InMemoryTaskQueue)
    return [services.run_task(task) for task in services.tasks.drain()]


class UnreachableQueue(InMemoryTaskQueue):
    """The memory queue, down: every enqueue is refused as SQS would refuse it unreachable."""

    def enqueue(self, task: DeferredCommand) -> None:
        """Refuse the task."""
        raise ConnectionError("queue unreachable")


def audit_draft(command: str) -> AuditDraft:
    """A succeeded entry of team payments of org T1, by U1, at `NOW`."""
    return AuditDraft(
        id=str(uuid.uuid4()),
        time=NOW,
        org=OrgId("T1"),
        team="payments",
        actor=Actor(platform=Platform.SLACK, org=OrgId("T1"), user=UserId("U1")),
        command=command,
        outcome=Outcome.SUCCEEDED,
        correlation_id="c1",
    )


def queued_task(text: str, *, user: str = "root") -> DeferredCommand:
    """A deferred command of team payments, as the bus queues it."""
    return DeferredCommand(invocation=invocation(text, user=user), command=text, team="payments")


def never_abandoned(task: DeferredCommand, reason: str) -> None:
    """A worker's `abandon` for a test in which no task may be given up."""
    raise AssertionError(f"{task.command} abandoned: {reason}")


class CountingDirectory(InMemoryDirectory):
    """The memory directory, counting how often each team record is read (`get_team`)."""

    def __init__(self) -> None:
        super().__init__()
        self.team_reads: dict[str, int] = {}

    def get_team(self, org: OrgId, name: str) -> Team | None:
        """The team, its read counted."""
        self.team_reads[name] = self.team_reads.get(name, 0) + 1
        return super().get_team(org, name)
