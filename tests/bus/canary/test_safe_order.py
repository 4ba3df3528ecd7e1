"""Safe by order: every traffic move of a canary (each step's shift, a promote, a rollback, by the
scheduler or by hand) is recorded first, in a state the scheduler can finish, then made; a move
that fails is sent back, or left recorded for the scheduler to finish, and said."""

from __future__ import annotations

from shared.adapters.memory import InMemoryCanaryStore
from shared.audit.models import Outcome, StreamKey
from shared.bootstrap.wiring import Services, build
from shared.canary.models import Canary, CanaryState
from shared.canary.ports import TrafficRouter
from shared.canary.routing import Route
from shared.config import Settings
from shared.replies import Tone
from shared.telemetry.models import ResourceKind
from tests.support import (
    NOW,
    ORG,
    MovingClock,
    channel_messages,
    memory_adapters,
    notifier_of,
    records,
    run,
    run_deferred,
    run_scheduler,
    setup_teams,
)
from tests.support.deployments import start_canary

TARGET = "checkout:live"


class _Flaky:
    """The memory router (Lambda's rules), failing chosen calls once each: `before` ones refuse
    and move nothing; `after` ones move the traffic, then fail (a timeout after the change)."""

    def __init__(self, router: TrafficRouter, *, before: set[str], after: set[str]) -> None:
        self._router = router
        self.before = before
        self.after = after

    def _call(self, name: str, *args: object, **kwargs: object) -> Route:
        if name in self.before:
            self.before.discard(name)
            raise TimeoutError(f"{name} refused")
        route: Route = getattr(self._router, name.split(":")[0])(*args, **kwargs)
        if name in self.after:
            self.after.discard(name)
            raise TimeoutError(f"{name} timed out after the change")
        return route

    def route(self, target: str) -> Route:
        return self._call("route", target)

    def shift(self, target: str, *, canary: str, weight: float) -> Route:
        return self._call(f"shift:{weight:g}", target, canary=canary, weight=weight)

    def promote(self, target: str, *, canary: str) -> Route:
        return self._call("promote", target, canary=canary)

    def rollback(self, target: str) -> Route:
        return self._call("rollback", target)


def _services(
    clock: MovingClock,
    store: InMemoryCanaryStore,
    *,
    before: frozenset[str] = frozenset(),
    after: frozenset[str] = frozenset(),
) -> tuple[Services, _Flaky]:
    default = memory_adapters(clock).routers[ResourceKind.SAMPLE]
    router = _Flaky(default, before=set(before), after=set(after))
    adapters = memory_adapters(clock, canaries=store, routers={ResourceKind.SAMPLE: router})
    services = build(Settings(org_admins=("slack:T1:root",)), adapters)
    setup_teams(services)
    register = "service register checkout-api --sample checkout --team payments"
    assert not run(services, register, user="oli").failed
    return services, router


def _scheduled(services: Services) -> list[str]:
    stream = StreamKey(org=ORG, team="payments")
    return [e.command for e in records(services.audit_log, stream) if e.actor.user == "scheduler"]


def _canary(store: InMemoryCanaryStore, canary: str) -> Canary:
    found = store.get(ORG, canary)
    assert found is not None
    return found


def test_a_step_whose_shift_fails_after_moving_is_sent_back_recorded_and_tried_again() -> None:
    # GIVEN a healthy release at 5%, and a router that times out after it moves traffic to 25%
    clock, store = MovingClock(NOW), InMemoryCanaryStore()
    services, router = _services(clock, store, after=frozenset({"shift:0.25"}))
    canary = start_canary(services, "43")
    run_scheduler(services, clock, 5)  # extended: not enough traffic yet
    # WHEN the scheduler advances it to 25%
    reply = run_scheduler(services, clock, 5)
    # THEN the traffic is back at 5% and the canary is recorded where its traffic is
    assert router.route(TARGET).weight == 0.05
    stored = _canary(store, canary)
    assert (stored.state, stored.step, stored.weight) == (CanaryState.RUNNING, 0, 0.05)
    assert f"{canary} not advanced" in dict(reply.fields)["Canaries"]
    # AND the trail has the step, recorded before the move, then its undoing, by the scheduler
    assert _scheduled(services)[-2:] == [
        f"canary advanced {canary}",
        f"canary not advanced {canary}",
    ]
    # AND the channel's one message says why, updated in place
    ((_, last),) = [(w, r) for w, r in notifier_of(services).updated][-1:]
    assert "not advanced by @scheduler: could not be advanced (shift:0.25 timed out" in last.text
    assert "traffic back at 5%" in last.text and len(channel_messages(services)) == 1
    # AND at the next step the router works again and it advances
    run_scheduler(services, clock, 5)
    assert router.route(TARGET).weight == 0.25
    assert _canary(store, canary).step == 1


def test_an_operators_promote_the_router_refuses_moves_nothing_and_says_so() -> None:
    # GIVEN a release at 5%, and a router that refuses to promote (once)
    clock, store = MovingClock(NOW), InMemoryCanaryStore()
    services, router = _services(clock, store, before=frozenset({"promote"}))
    canary = start_canary(services, "43")
    stream = StreamKey(org=ORG, team="payments")
    before = len(records(services.audit_log, stream))
    # WHEN an operator promotes it
    reply = run_deferred(services, f"canary promote {canary}", user="oli", channel="C-pay")
    # THEN they are told it was not promoted and where the traffic is, not an internal error
    assert reply.tone is Tone.ERROR and reply.title != "Internal error", reply
    assert "could not be promoted (promote refused): its traffic is back at 5%" in reply.text
    # AND the canary runs on at 5% as recorded, its message saying what happened
    assert (router.route(TARGET).stable, router.route(TARGET).weight) == ("41", 0.05)
    stored = _canary(store, canary)
    assert (stored.state, stored.weight, stored.history[-1].what) == (
        CanaryState.RUNNING,
        0.05,
        "not promoted",
    )
    assert "running at 5%" in notifier_of(services).updated[-1][1].title
    # AND the trail has the request and its failure
    entries = records(services.audit_log, stream)[before:]
    assert [e.outcome for e in entries] == [Outcome.REQUESTED, Outcome.FAILED]


def test_a_promote_that_fails_after_moving_is_left_recorded_and_the_scheduler_finishes_it() -> None:
    # GIVEN a release at 5%, and a router that times out after it promotes (once)
    clock, store = MovingClock(NOW), InMemoryCanaryStore()
    services, router = _services(clock, store, after=frozenset({"promote"}))
    canary = start_canary(services, "43")
    # WHEN an operator promotes it (the alias is on 43 now, so it cannot be sent back)
    reply = run_deferred(services, f"canary promote {canary}", user="oli", channel="C-pay")
    # THEN they are told it is recorded as promoting and the scheduler will finish it
    assert reply.tone is Tone.ERROR and reply.title != "Internal error", reply
    assert "recorded as promoting" in reply.text and "scheduler tries again" in reply.text
    stored = _canary(store, canary)
    assert stored.state is CanaryState.PROMOTING and stored in store.every()
    # WHEN the scheduler runs (the canary's interval not yet over)
    reply = run_scheduler(services, clock, 1)
    # THEN it finishes the promote: all traffic on 43, the canary promoted, audited, told
    assert (router.route(TARGET).stable, router.route(TARGET).weight) == ("43", 0.0)
    assert _canary(store, canary).state is CanaryState.PROMOTED
    assert f"{canary} promoted" in dict(reply.fields)["Canaries"]
    assert _scheduled(services)[-1] == f"canary promoted {canary}"
    assert "promoted at 100%" in notifier_of(services).updated[-1][1].title


def test_a_rollback_the_router_refuses_stays_recorded_and_the_next_run_finishes_it() -> None:
    # GIVEN a bad release at 5%, and a router that refuses the first rollback
    clock, store = MovingClock(NOW), InMemoryCanaryStore()
    services, router = _services(clock, store, before=frozenset({"rollback"}))
    canary = start_canary(services, "42")
    # WHEN the scheduler judges it failed
    run_scheduler(services, clock, 5)
    # THEN it is recorded as rolling back (still seen by the scheduler), audited, and told
    stored = _canary(store, canary)
    assert stored.state is CanaryState.ROLLING_BACK and stored in store.every()
    assert router.route(TARGET).weight == 0.05
    assert _scheduled(services)[-1] == f"canary rolled back {canary}"
    assert "rolling-back" in notifier_of(services).updated[-1][1].title
    # AND the next run rolls it back: all traffic on the stable version
    run_scheduler(services, clock, 1)
    assert (router.route(TARGET).stable, router.route(TARGET).weight) == ("41", 0.0)
    assert _canary(store, canary).state is CanaryState.ROLLED_BACK
    assert "rolled-back" in notifier_of(services).updated[-1][1].title
