"""The `canaries` quota through the bus: a start over it is refused before anything is recorded
or moved, every way a canary ends gives its unit back exactly once, and two starts racing for
the last unit get exactly one."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from shared.adapters.memory import InMemoryCanaryStore, InMemoryTaskQueue
from shared.bootstrap.wiring import Services
from shared.canary.models import Canary
from shared.identity.models import OrgId
from shared.replies import Reply, Tone
from tests.support import NOW, ORG, MovingClock, run, run_deferred, run_scheduler
from tests.support.deployments import canary_services, router_of, start_canary

REFUSED = (
    "Team payments has used 1 of its 1 running canaries (quota `canaries`), so this was not "
    "done; one frees up when one of them is promoted or rolled back. An org admin can raise it: "
    "`sre quota set canaries 10 --team payments`."
)


def _services(clock: MovingClock, store: InMemoryCanaryStore, cap: int) -> Services:
    services = canary_services(clock, store)
    assert not run(services, f"quota set canaries {cap} --team payments").failed
    return services


def _used(services: Services) -> str:
    return dict(run(services, "quota show", user="vic", channel="C-pay").fields)["canaries"]


def _start(services: Services, version: str, alias: str) -> Reply:
    """A canary on `alias`, judged once a day (so the ticks of a test never end it)."""
    text = f"canary start checkout-api --version {version} --alias {alias} --interval 1d"
    return run_deferred(services, text, user="oli", channel="C-pay")


def test_a_start_over_the_quota_is_refused_before_anything_is_recorded_or_moved() -> None:
    store = InMemoryCanaryStore()
    services = _services(MovingClock(NOW), store, cap=1)
    start_canary(services, "43")
    # WHEN the team starts a second canary (on another alias) with its one unit in use
    refused = _start(services, "43", "blue")
    # THEN it is refused in the investigations' words: used, limit, when one frees, who raises it
    assert refused.tone is Tone.ERROR, refused
    assert refused.text == REFUSED
    # AND nothing was recorded, and no traffic moved on that alias
    assert len(store.list_for(OrgId(ORG), "payments")) == 1
    assert router_of(services).route("checkout:blue").weight == 0.0
    assert _used(services).startswith("1 of 1 running canaries")


def _promoted_by_operator(services: Services, canary: str, _: MovingClock) -> None:
    assert not run_deferred(
        services, f"canary promote {canary}", user="oli", channel="C-pay"
    ).failed


def _rolled_back_by_operator(services: Services, canary: str, _: MovingClock) -> None:
    done = run_deferred(services, f"canary rollback {canary}", user="oli", channel="C-pay")
    assert not done.failed


def _stepped_to_promotion(services: Services, _: str, clock: MovingClock) -> None:
    for _step in range(4):
        run_scheduler(services, clock, 5)
    assert router_of(services).route("checkout:live").stable == "43"


ENDS: dict[str, Callable[[Services, str, MovingClock], None]] = {
    "promoted by an operator": _promoted_by_operator,
    "rolled back by an operator": _rolled_back_by_operator,
    "promoted by the scheduler": _stepped_to_promotion,
}


@pytest.mark.parametrize("end", ENDS)
def test_a_canary_that_ends_gives_its_unit_back_exactly_once(end: str) -> None:
    clock = MovingClock(NOW)
    store = InMemoryCanaryStore()
    services = _services(clock, store, cap=2)
    first = start_canary(services, "43")
    assert not _start(services, "43", "blue").failed
    assert _used(services).startswith("2 of 2 ")
    # WHEN the first canary ends
    ENDS[end](services, first, clock)
    # THEN its unit is free again, and later ticks and a repeated decision do not free another
    # (the other canary still holds its own)
    run_scheduler(services, clock, 1)
    run_deferred(services, f"canary rollback {first}", user="oli", channel="C-pay")
    assert _used(services).startswith("1 of 2 running canaries")
    # AND a new canary can start in its place, and then the team is at its limit again
    assert not _start(services, "43", "green").failed
    assert _start(services, "43", "red").tone is Tone.ERROR


def test_a_release_the_judge_rolls_back_frees_its_unit() -> None:
    clock = MovingClock(NOW)
    services = _services(clock, InMemoryCanaryStore(), cap=1)
    start_canary(services, "42")  # the sample's bad release
    assert _used(services).startswith("1 of 1 ")
    run_scheduler(services, clock, 5)
    assert router_of(services).route("checkout:live").weight == 0.0
    assert _used(services).startswith("0 of 1 ")
    assert not _start(services, "43", "blue").failed
    assert _start(services, "43", "green").tone is Tone.ERROR  # the one unit is taken again


def test_two_starts_racing_for_the_last_unit_get_exactly_one() -> None:
    store = InMemoryCanaryStore()
    services = _services(MovingClock(NOW), store, cap=1)
    for alias in ("blue", "green"):
        text = f"canary start checkout-api --version 43 --alias {alias}"
        assert run(services, text, user="oli", channel="C-pay").tone is Tone.ACCEPTED
    queue = services.tasks
    assert isinstance(queue, InMemoryTaskQueue)
    tasks = queue.drain()
    replies: list[Reply] = []
    ready = threading.Barrier(len(tasks))

    def work(task: object) -> None:
        ready.wait()
        replies.append(services.run_task(task))  # type: ignore[arg-type]

    threads = [threading.Thread(target=work, args=(task,)) for task in tasks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # THEN exactly one starts; the other is refused by the quota, its alias untouched
    assert sorted(r.tone for r in replies) == sorted([Tone.OK, Tone.ERROR])
    (refused,) = [r for r in replies if r.tone is Tone.ERROR]
    assert "used 1 of its 1 running canaries (quota `canaries`)" in refused.text
    assert len(store.list_for(OrgId(ORG), "payments")) == 1
    weights = {router_of(services).route(f"checkout:{a}").weight for a in ("blue", "green")}
    assert weights == {0.0, 0.05}


class _RunningWriteFails(InMemoryCanaryStore):
    """Records a canary as starting, then refuses the one write after that (marking it running),
    so the start is undone: its traffic sent back and the canary recorded rolled back."""

    def __init__(self) -> None:
        super().__init__()
        self._writes = 0

    def save(self, canary: Canary) -> Canary:
        self._writes += 1
        if self._writes == 2:
            raise OSError("the canary table is unavailable")
        return super().save(canary)


def test_a_start_that_is_undone_frees_its_unit() -> None:
    services = _services(MovingClock(NOW), _RunningWriteFails(), cap=1)
    failed = _start(services, "43", "live")
    assert failed.tone is Tone.ERROR
    assert "could not be started" in failed.text
    assert _used(services).startswith("0 of 1 ")
    assert not _start(services, "43", "blue").failed
    assert _start(services, "43", "green").tone is Tone.ERROR  # the one unit is taken again
