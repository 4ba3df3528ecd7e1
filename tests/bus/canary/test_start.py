"""Starting a canary: the interval is checked before anything moves, and the canary is recorded
before its traffic moves, so a failure after the shift sends the traffic back."""

from __future__ import annotations

import threading

import pytest

from shared.adapters.memory import InMemoryCanaryStore, InMemoryTaskQueue
from shared.canary.models import Canary, CanaryState
from shared.identity.models import OrgId
from shared.replies import Reply, Tone
from tests.support import NOW, ORG, MovingClock, Overlapping, run, run_deferred, run_scheduler
from tests.support.deployments import canary_services, router_of

START = "canary start checkout-api --version 42"


class _FailingAfterFirst(InMemoryCanaryStore):
    """The memory store, whose writes after the first fail (`times` of them): the canary is
    recorded as starting, the router shifts, then the next write (running) is refused."""

    def __init__(self, times: int) -> None:
        super().__init__()
        self._writes = 0
        self._failures = times

    def save(self, canary: Canary) -> Canary:
        self._writes += 1
        if self._writes > 1 and self._failures > 0:
            self._failures -= 1
            raise OSError("the canary table is unavailable")
        return super().save(canary)


def _start(store: InMemoryCanaryStore, interval: str = "5m") -> tuple[Tone, str]:
    services = canary_services(MovingClock(NOW), store)
    text = f"{START} --interval {interval}"
    reply = run_deferred(services, text, user="oli", channel="C-pay")
    assert router_of(services).route("checkout:live").weight == (
        0.05 if reply.tone is Tone.OK else 0
    )
    return reply.tone, f"{reply.title}\n{reply.text}"


@pytest.mark.parametrize(
    ("interval", "said"),
    [
        ("30s", "`30s` is too short for --interval: at least 1m"),
        ("0m", "`0m` is too short for --interval: at least 1m"),
        ("2d", "`2d` is too long for --interval: at most 1d"),
        ("5", "`5` is not a duration for --interval"),
        ("1h30", "`1h30` is not a duration for --interval"),
        ("\uff15m", "`\uff15m` is not a duration for --interval"),  # a full-width 5
    ],
)
def test_an_interval_outside_a_minute_to_a_day_is_refused_before_anything_moves(
    interval: str, said: str
) -> None:
    # GIVEN a team with the sample service
    store = InMemoryCanaryStore()
    services = canary_services(MovingClock(NOW), store)
    # WHEN a canary is asked for with an interval shorter than the scheduler's minute (or none)
    reply = run(services, f"{START} --interval {interval}", user="oli", channel="C-pay")
    # THEN it is refused at once with the reason and the form, nothing queued for the worker
    assert reply.tone is Tone.USAGE, reply
    assert said in reply.title
    assert "Internal error" not in reply.title
    assert isinstance(services.tasks, InMemoryTaskQueue) and services.tasks.drain() == []
    # AND no traffic moved and no canary was recorded
    assert router_of(services).route("checkout:live").weight == 0.0
    assert store.list_for(OrgId(ORG), "payments") == []


@pytest.mark.parametrize(("interval", "every"), [("90s", 90), ("1m", 60), ("1d", 86400)])
def test_an_interval_in_seconds_to_days_runs_the_canary_judged_that_often(
    interval: str, every: int
) -> None:
    store = InMemoryCanaryStore()
    # WHEN a canary starts with an interval written in seconds, minutes or days
    tone, said = _start(store, interval)
    # THEN it runs (5% moved) and is judged that often
    assert tone is Tone.OK, said
    assert f"Judged every {interval}" in said
    (canary,) = store.every()
    assert canary.interval.total_seconds() == every


def test_a_start_that_fails_after_the_shift_sends_the_traffic_back_and_says_so() -> None:
    # GIVEN a canary store that records the canary, then fails the write after the shift
    store = _FailingAfterFirst(times=1)
    # WHEN the worker starts the canary
    tone, said = _start(store)
    # THEN the operator is told it did not start and that the stable version has all traffic
    assert tone is Tone.ERROR, said
    assert "could not be started: all traffic is back on version 41" in said
    assert "Internal error" not in said
    # AND (checked in _start) the alias is at 0% canary, and the canary is recorded rolled
    # back, not left running for the scheduler to step up
    assert store.every() == []
    (canary,) = store.list_for(OrgId(ORG), "payments")
    assert canary.state is CanaryState.ROLLED_BACK
    assert canary.history[-1].reason.startswith("could not be started")


def test_a_start_whose_record_cannot_be_ended_says_the_scheduler_ends_it_and_it_does() -> None:
    # GIVEN a store that fails the two writes after the first (the record cannot be marked)
    store = _FailingAfterFirst(times=2)
    clock = MovingClock(NOW)
    services = canary_services(clock, store)
    # WHEN the worker starts the canary
    reply = run_deferred(services, f"{START} --interval 1m", user="oli", channel="C-pay")
    # THEN the traffic is back, and the operator is told the canary still listed as starting
    # is ended by the scheduler
    assert reply.tone is Tone.ERROR, reply
    assert router_of(services).route("checkout:live").weight == 0
    (canary,) = store.every()
    assert canary.state is CanaryState.STARTING
    assert "all traffic is back on version 41" in reply.text
    assert "still listed as starting: the scheduler ends it within a few minutes" in reply.text
    # AND the scheduler, once the start cannot still be under way, ends it unjudged
    run_scheduler(services, clock, 1)
    assert store.every() == [canary]
    run_scheduler(services, clock, 3)
    assert store.every() == []
    ended = store.get(OrgId(ORG), canary.id)
    assert ended is not None and ended.state is CanaryState.ROLLED_BACK
    assert [r.what for r in ended.history] == ["started", "rolled back"]


def test_of_two_starts_on_one_service_at_once_one_runs_and_the_other_is_refused() -> None:
    # GIVEN two starts of checkout-api queued, run by two workers at once, each having read
    # that no canary runs on its target
    clock, real = MovingClock(NOW), InMemoryCanaryStore()
    services = canary_services(clock, Overlapping(real))  # type: ignore[arg-type]
    for version in ("43", "44"):
        start = f"canary start checkout-api --version {version}"
        asked = run(services, start, user="oli", channel="C-pay")
        assert asked.tone is Tone.ACCEPTED
    assert isinstance(services.tasks, InMemoryTaskQueue)
    tasks = services.tasks.drain()
    replies: list[Reply] = []
    workers = [
        threading.Thread(target=lambda t=t: replies.append(services.run_task(t))) for t in tasks
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    # THEN one runs, the other is refused naming it, and the router has the one running
    (running,) = [c for c in real.every() if c.target == "checkout:live"]
    assert running.state is CanaryState.RUNNING
    (refused,) = [r for r in replies if r.failed]
    # (said as starting or running: the refusal may come while the other still starts)
    assert f"({running.id}) is " in refused.text and "on checkout:live" in refused.text
    assert router_of(services).route("checkout:live").canary == running.release


@pytest.mark.parametrize(
    ("steps", "said"),
    [
        ("100", "a canary needs a step below 100 to be judged on before all traffic moves"),
        ("0,100", "`0` is not a step: each is a percentage from 1 to 100"),
        ("0.0001,100", "write steps as whole percentages"),
        ("1e-30,100", "write steps as whole percentages"),
        ("5,NaN,100", "write steps as whole percentages"),
        # before: taken, and 5.5% said as 6% in every notice
        ("5.5,50,100", "write steps as whole percentages"),
    ],
)
def test_steps_that_could_never_be_judged_are_refused_at_once(steps: str, said: str) -> None:
    # GIVEN a team with the sample service
    store = InMemoryCanaryStore()
    services = canary_services(MovingClock(NOW), store)
    # WHEN a canary is asked for with steps no judgement could guard
    reply = run(services, f"{START} --steps {steps}", user="oli", channel="C-pay")
    # THEN it is refused at once with the real reason, nothing queued, recorded or moved
    assert reply.tone is Tone.USAGE, reply
    assert said in reply.title
    assert isinstance(services.tasks, InMemoryTaskQueue) and services.tasks.drain() == []
    assert store.list_for(OrgId(ORG), "payments") == []


def test_the_stable_version_itself_is_refused_as_a_canary_before_anything_is_recorded() -> None:
    # GIVEN the sample service, whose alias runs version 41
    store = InMemoryCanaryStore()
    services = canary_services(MovingClock(NOW), store)
    # WHEN version 41 is started as a canary of itself
    reply = run_deferred(
        services, "canary start checkout-api --version 41", user="oli", channel="C-pay"
    )
    # THEN the worker refuses it saying so (not "could not be started ... try again")
    assert reply.tone is Tone.USAGE, reply
    assert "Version 41 is already checkout:live's stable version" in reply.title
    assert store.list_for(OrgId(ORG), "payments") == []
    assert router_of(services).route("checkout:live").weight == 0.0
