"""Follow-ups through the whole bus (memory deployment): the investigation an alert asks for is
returned by the tick and run after it, authorized and audited as the scheduler's own command;
one that fails is reported and audited, and the others still run."""

from __future__ import annotations

from datetime import datetime

from shared.adapters.memory import InMemoryNotifier, InMemoryTaskQueue
from shared.audit.models import Outcome, StreamKey
from shared.bootstrap.memory import for_memory
from shared.bootstrap.wiring import Services
from shared.commands.follow_ups import FOLLOW_UPS_NOT_DONE
from shared.config import Settings
from shared.invocation import DeferredCommand
from shared.replies import Reply
from shared.scheduling.triggers import run_tick
from tests.support import NOW, ORG, records, run, setup_teams

TYPED = "sre investigate {0} --team payments --alert slow-{0}"
AUDITED = "sre investigation open {0} --alert=slow-{0} --team=payments"


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


class RefusingFirstQueue(InMemoryTaskQueue):
    """A task queue that refuses its first task (SQS unreachable for a moment), then takes all."""

    def __init__(self) -> None:
        super().__init__()
        self.refused: list[DeferredCommand] = []

    def enqueue(self, task: DeferredCommand) -> None:
        if not self.refused:
            self.refused.append(task)
            raise ConnectionError("the queue is unreachable")
        super().enqueue(task)


def _services(tasks: InMemoryTaskQueue, *services: str, channels: int = 1) -> Services:
    settings = Settings(org_admins=("slack:T1:root",))
    deployed = for_memory(settings, clock=Clock(NOW), tasks=tasks, notifier=InMemoryNotifier())
    setup_teams(deployed)
    if channels == 2:
        assert not run(deployed, "team bind C-ops --team payments").failed
    for service in services:
        register = f"service register {service} --sample checkout --team payments"
        assert not run(deployed, register, user="oli").failed
        alert = (
            f'alert create slow-{service} --service {service} --when "p99_latency > 800ms" '
            "--investigate --team payments"
        )
        assert not run(deployed, alert, user="oli", channel="C-unbound").failed
    return deployed


def _trail(services: Services) -> list[tuple[str, str, Outcome, dict[str, str]]]:
    return [
        (entry.actor.user, entry.command, entry.outcome, dict(entry.details))
        for entry in records(services.audit_log, StreamKey(org=ORG, team="payments"))
        if entry.command.startswith("sre investigation open")
    ]


def _tick(services: Services, trigger: str) -> Reply:
    return run_tick(services.bus, trigger=trigger, now=NOW)


def test_an_alert_with_investigate_opens_exactly_one_investigation_as_the_scheduler() -> None:
    # GIVEN an alert with --investigate, told in both of its team's channels
    tasks = InMemoryTaskQueue()
    services = _services(tasks, "checkout-api", channels=2)
    # WHEN the scheduler's tick fires it, and the tick is delivered again
    fired = _tick(services, "ev-1")
    _tick(services, "ev-1")
    _tick(services, "ev-2")  # the next minute: still firing, nothing new
    # THEN one investigation was queued, by the scheduler, to answer in the first notice's thread
    assert dict(fired.fields)["Fired"] == "slow-checkout-api"
    assert FOLLOW_UPS_NOT_DONE not in dict(fired.fields)
    notifier = services.notifier
    assert isinstance(notifier, InMemoryNotifier)
    assert sorted(str(where.channel) for where, _ in notifier.posted) == ["C-ops", "C-pay"]
    first = notifier.posted[0][0].channel
    (task,) = tasks.drain()
    assert task.invocation.actor.user == "scheduler"
    assert (task.invocation.reply_to.channel, task.invocation.reply_to.thread) == (first, "m1")
    # AND it is audited once, as requested by the scheduler, naming the alert that asked for it
    ((user, command, outcome, details),) = _trail(services)
    assert (user, command, outcome) == (
        "scheduler",
        AUDITED.format("checkout-api"),
        Outcome.REQUESTED,
    )
    assert details["trigger"].startswith("payments:slow-checkout-api:")


def test_a_follow_up_that_fails_is_reported_and_audited_and_the_others_still_run() -> None:
    # GIVEN two services whose alerts investigate (told in one channel), and a queue that
    # refuses the first task
    tasks = RefusingFirstQueue()
    services = _services(tasks, "checkout-api", "orders-api")
    # WHEN the tick fires both
    fired = _tick(services, "ev-1")
    # THEN the refused investigation is named in the tick's answer, its failure audited
    (refused,) = tasks.refused
    (queued,) = tasks.drain()
    assert {refused.command, queued.command} == {
        AUDITED.format("checkout-api"),
        AUDITED.format("orders-api"),
    }
    lost = refused.command.split()[3]
    problems = dict(fired.fields)[FOLLOW_UPS_NOT_DONE]
    assert f"`{TYPED.format(lost)}`: " in problems
    trail = _trail(services)
    assert ("scheduler", AUDITED.format(lost), Outcome.FAILED) in [t[:3] for t in trail]
    failed = next(t[3] for t in trail if t[2] is Outcome.FAILED)
    assert failed["error"] == "not queued: the queue is unreachable"
    # AND the other one still ran: queued, and audited as requested by the scheduler
    other = queued.command.split()[3]
    assert ("scheduler", AUDITED.format(other), Outcome.REQUESTED) in [t[:3] for t in trail]
