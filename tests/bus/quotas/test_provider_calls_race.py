"""The `provider-calls-per-hour` quota under a race, through the bus on every quota store: twenty
investigations started together with five calls left this hour get exactly five started (each
reserved its first call atomically before reading), the other fifteen the standard refusal, and
the month's usage counts exactly the calls the provider saw."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path

import pytest

from shared.adapters.local.sample_metrics import SampleMetricsSource
from shared.adapters.memory import InMemoryTaskQueue
from shared.bootstrap.wiring import Services, build
from shared.config import Settings
from shared.invocation import DeferredCommand
from shared.quotas.models import Limit
from shared.quotas.ports import Quotas
from shared.replies import Reply, Tone
from shared.telemetry.models import MetricQuery, ResourceKind
from shared.telemetry.ports import Points
from tests.support import NOW, ORG, MovingClock, memory_adapters, run, setup_teams
from tests.support.deployments import REGISTER
from tests.support.quota_stores import KINDS, quota_store

RACERS, LEFT = 20, 5
HOURLY = Limit.PROVIDER_CALLS_PER_HOUR
REFUSED = (
    "Team payments has used 100 of its 100 provider calls this hour (quota "
    "`provider-calls-per-hour`), so this was not done; it resets at 10:00 UTC. An org admin "
    "can raise it: `sre quota set provider-calls-per-hour 200 --team payments`."
)


class _HeldProvider(SampleMetricsSource):
    """The sample provider whose reads, once held, wait until every racer has either started
    reading or been refused: no read's calls are counted before every start is decided (the
    widest window a check-then-count start could be raced through)."""

    def __init__(self, clock: MovingClock) -> None:
        super().__init__(clock=clock)
        self.reading = self._finished = 0
        self._turn = threading.Condition()
        self._held = False

    def hold(self) -> None:
        """Hold every read from now on until `let_through`."""
        self._held = True

    def finished(self) -> None:
        """A racer's work returned (refused, or done after its read was let through)."""
        with self._turn:
            self._finished += 1
            self._turn.notify_all()

    def let_through(self, racers: int) -> None:
        """Release the held reads once each of `racers` is reading or finished."""
        with self._turn:
            decided = self._turn.wait_for(lambda: self.reading + self._finished >= racers, 30)
            self._held = False
            self._turn.notify_all()
        assert decided, "a racer neither read nor finished"

    def read(
        self, queries: Sequence[MetricQuery], *, start: datetime, end: datetime, step: int
    ) -> list[Points]:
        """The sample's read, after the hold (one at a time: its call count stays exact)."""
        with self._turn:
            if self._held:
                self.reading += 1
                self._turn.notify_all()
                self._turn.wait_for(lambda: not self._held, 30)
            return super().read(queries, start=start, end=end, step=step)


@pytest.fixture(params=[k for k in KINDS if k != "memory"])  # the real stores (memory: contract)
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Quotas, Quotas]]:
    """Two handles on one quota store (each racer's deployment uses one of them)."""
    with quota_store(request.param, tmp_path) as handles:
        yield handles


def _deployments(provider: _HeldProvider, stores: tuple[Quotas, Quotas]) -> list[Services]:
    """Two functions of one memory deployment, each with its own handle on the quota store;
    payments may make 100 provider calls an hour and has 5 left."""
    adapters = memory_adapters(
        MovingClock(NOW), metrics={ResourceKind.SAMPLE: provider}, quotas=stores[0]
    )
    settings = Settings(org_admins=("slack:T1:root",))
    one = build(settings, adapters)
    setup_teams(one)
    assert not run(one, REGISTER, user="oli").failed
    assert not run(one, "quota set provider-calls-per-hour 100 --team payments").failed
    stores[0].take(ORG, "payments", HOURLY, 100 - LEFT, at=NOW, cap=None)
    return [one, build(settings, dataclasses.replace(adapters, quotas=stores[1]))]


def _queued(services: Services, count: int) -> list[DeferredCommand]:
    """`count` investigations asked in C-pay, accepted and queued (none started yet)."""
    for n in range(count):  # each its own words, so each its own correlation id
        text = f"investigate checkout-api --window {60 + n}m"
        asked = run(services, text, user="rey", channel="C-pay")
        assert asked.tone is Tone.ACCEPTED, asked
    queue = services.tasks
    assert isinstance(queue, InMemoryTaskQueue)
    return queue.drain()


def _raced(
    deployments: list[Services], tasks: list[DeferredCommand], provider: _HeldProvider
) -> list[Reply]:
    """Each task resumed by the worker in its own thread (alternating deployments), all let go
    at once, the provider's reads held until every start is decided: their replies."""
    replies: list[Reply] = []
    start = threading.Barrier(len(tasks), timeout=30)

    def work(n: int, task: DeferredCommand) -> None:
        start.wait()
        try:
            replies.append(deployments[n % 2].bus.resume(task))
        finally:
            provider.finished()

    threads = [threading.Thread(target=work, args=pair) for pair in enumerate(tasks)]
    for thread in threads:
        thread.start()
    provider.let_through(len(tasks))
    for thread in threads:
        thread.join(60)
    return replies


def _field(services: Services, field: str, *, command: str = "quota show") -> str:
    """One field of payments' answer to `command` (asked in C-pay by its viewer)."""
    return dict(run(services, command, user="vic", channel="C-pay").fields)[field]


def test_twenty_investigations_racing_for_the_last_five_calls_get_exactly_five(
    stores: tuple[Quotas, Quotas],
) -> None:
    provider = _HeldProvider(MovingClock(NOW))
    deployments = _deployments(provider, stores)
    tasks = _queued(deployments[0], RACERS)
    before = provider.calls
    provider.hold()
    # WHEN twenty investigations start at once with five provider calls left this hour
    replies = _raced(deployments, tasks, provider)
    # THEN exactly five start and read; fifteen get the standard refusal before any call
    assert len(replies) == RACERS
    assert sum(not reply.failed for reply in replies) == LEFT, replies
    refused = [reply for reply in replies if reply.failed]
    assert [(r.tone, r.text) for r in refused] == [(Tone.ERROR, REFUSED)] * (RACERS - LEFT)
    made = provider.calls - before
    assert provider.reading == LEFT
    assert made >= LEFT
    # AND the hour counts every call made (none cut), the month's usage exactly as many
    used = _field(deployments[1], "provider-calls-per-hour")
    assert used.startswith(f"{100 - LEFT + made} of 100 "), used
    usage = dict(
        p.split(" ", 1) for p in _field(deployments[0], "payments", command="usage").split("; ")
    )
    assert usage["other-provider-calls"].startswith(f"{made} "), usage
    assert usage["investigations"].startswith(f"{LEFT} "), usage
