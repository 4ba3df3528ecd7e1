"""Safe by order: every traffic move of a canary (each step's shift, a promote, a rollback, by the
scheduler or by hand) is recorded first, in a state the scheduler can finish, then made; a move
that fails is sent back, or left recorded for the scheduler to finish, and said."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Unpack

import pytest

from shared.adapters.memory import (
    InMemoryAuditLog,
    InMemoryCanaryStore,
    InMemoryDirectory,
    InMemoryNotifier,
)
from shared.audit.models import Outcome, StreamKey
from shared.bootstrap.adapters import AdapterChoices
from shared.bootstrap.wiring import Services, build
from shared.canary.models import Canary, CanaryState
from shared.canary.ports import TrafficRouter
from shared.canary.routing import Route
from shared.config import Settings
from shared.identity.models import ChannelBinding, OrgId
from shared.invocation import ReplyTarget
from shared.replies import Reply, Tone
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


class _WorkerStopped(BaseException):
    """The worker's process ends here (a Lambda timeout, an out-of-memory kill): nothing after
    it runs, no `except Exception` either."""


class _Flaky:
    """The memory router (Lambda's rules), failing chosen calls once each: `before` ones refuse
    and move nothing; `after` ones move the traffic, then fail (a timeout after the change);
    `stops` ones end the worker (`before:NAME` before the call moves anything, `after:NAME`
    after it has)."""

    def __init__(
        self, router: TrafficRouter, *, before: set[str], after: set[str], stops: set[str]
    ) -> None:
        self._router = router
        self.before = before
        self.after = after
        self.stops = stops

    def _call(self, name: str, *args: object, **kwargs: object) -> Route:
        self._fail("before", name)
        route: Route = getattr(self._router, name.split(":")[0])(*args, **kwargs)
        self._fail("after", name)
        return route

    def _fail(self, moment: str, name: str) -> None:
        if f"{moment}:{name}" in self.stops:
            self.stops.discard(f"{moment}:{name}")
            raise _WorkerStopped(f"the worker stopped {moment} {name}")
        failing = self.before if moment == "before" else self.after
        if name in failing:
            failing.discard(name)
            raise TimeoutError(
                f"{name} {'refused' if moment == 'before' else 'timed out after the change'}"
            )

    def route(self, target: str) -> Route:
        return self._call("route", target)

    def shift(self, target: str, *, canary: str, weight: float) -> Route:
        return self._call(f"shift:{weight:g}", target, canary=canary, weight=weight)

    def promote(self, target: str, *, canary: str) -> Route:
        return self._call("promote", target, canary=canary)

    def rollback(self, target: str, *, canary: str) -> Route:
        return self._call("rollback", target, canary=canary)


def _services(
    clock: MovingClock,
    store: InMemoryCanaryStore,
    /,
    *,
    before: frozenset[str] = frozenset(),
    after: frozenset[str] = frozenset(),
    stops: frozenset[str] = frozenset(),
    **overrides: Unpack[AdapterChoices],
) -> tuple[Services, _Flaky]:
    default = memory_adapters(clock).routers[ResourceKind.SAMPLE]
    router = _Flaky(default, before=set(before), after=set(after), stops=set(stops))
    chosen: AdapterChoices = {"canaries": store, "routers": {ResourceKind.SAMPLE: router}}
    chosen.update(overrides)
    adapters = memory_adapters(clock, **chosen)
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
    assert f"checkout-api version 43 ({canary}) not advanced" in dict(reply.fields)["Canaries"]
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
    assert f"checkout-api version 43 ({canary}) promoted" in dict(reply.fields)["Canaries"]
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
    assert "rolling back" in notifier_of(services).updated[-1][1].title
    # AND the next run rolls it back: all traffic on the stable version
    run_scheduler(services, clock, 1)
    assert (router.route(TARGET).stable, router.route(TARGET).weight) == ("41", 0.0)
    assert _canary(store, canary).state is CanaryState.ROLLED_BACK
    assert "rolled back" in notifier_of(services).updated[-1][1].title


class _BindingsDown(InMemoryDirectory):
    """The memory directory, whose channel bindings cannot be read once `down` is set (the
    canary's message cannot be told; who may do what is still read)."""

    down = False

    def list_bindings(self, org: OrgId) -> Sequence[ChannelBinding]:
        if self.down:
            raise OSError("the directory table is unavailable")
        return super().list_bindings(org)


class _UpdatesRefused(InMemoryNotifier):
    """The memory notifier, whose message updates the platform refuses once `down` is set (the
    message was deleted, the bot removed from the channel)."""

    down = False

    def update(self, target: ReplyTarget, reply: Reply) -> None:
        if self.down:
            raise PermissionError("message_not_found")
        super().update(target, reply)


def _outcomes_since(services: Services, before: int) -> list[Outcome]:
    stream = StreamKey(org=ORG, team="payments")
    return [e.outcome for e in records(services.audit_log, stream)[before:]]


def _entries(services: Services) -> int:
    return len(records(services.audit_log, StreamKey(org=ORG, team="payments")))


@pytest.mark.parametrize(
    ("stop", "moved"), [("before:shift:0.05", 0.0), ("after:shift:0.05", 0.05)]
)
def test_a_start_its_worker_left_around_the_shift_is_rolled_back_and_never_judged(
    stop: str, moved: float
) -> None:
    # GIVEN a worker that stops just before (or just after) the start's first shift
    clock, store = MovingClock(NOW), InMemoryCanaryStore()
    services, router = _services(clock, store, stops=frozenset({stop}))
    start = "canary start checkout-api --version 43 --interval 1m"
    # WHEN an operator starts a canary judged every minute, and the worker stops there
    with pytest.raises(_WorkerStopped):
        run_deferred(services, start, user="oli", channel="C-pay")
    # THEN the canary is recorded as starting, wherever the router is
    (canary,) = store.every()
    assert canary.state is CanaryState.STARTING and router.route(TARGET).weight == moved
    # WHEN the scheduler runs while the start could still be under way (its interval is over)
    run_scheduler(services, clock, 2)
    # THEN it leaves it alone: nothing judged, nothing moved
    assert store.every() == [canary] and router.route(TARGET).weight == moved
    # AND an operator cannot promote it meanwhile, nor the queue's retry start it again
    promote = run_deferred(services, f"canary promote {canary.id}", user="oli", channel="C-pay")
    assert (
        promote.tone is Tone.ERROR
        and f"checkout-api version {canary.release} ({canary.id}) is still starting" in promote.text
    )
    again = run_deferred(services, start, user="oli", channel="C-pay")
    assert f"({canary.id}) is still starting on {TARGET}: a start left unfinished" in again.text
    assert store.every() == [canary] and router.route(TARGET).stable == "41"
    # WHEN it runs once the start cannot be under way any more
    reply = run_scheduler(services, clock, 2)
    # THEN the record and the router agree: all traffic on the stable version, rolled back,
    # nothing judged on traffic that never moved
    assert (router.route(TARGET).stable, router.route(TARGET).weight) == ("41", 0.0)
    ended = _canary(store, canary.id)
    assert ended.state is CanaryState.ROLLED_BACK and store.every() == []
    assert [r.what for r in ended.history] == ["started", "rolled back"]
    lines = dict(reply.fields)["Canaries"]
    assert (
        f"checkout-api version 43 ({canary.id}) rolled back: its start was left unfinished" in lines
    )
    # AND the trail has the scheduler's rollback, and the team's channel is told why
    assert _scheduled(services) == [f"canary rolled back {canary.id}"]
    ((_, told),) = channel_messages(services)
    assert "rolled back at step 1/4" in told.title and "its start was left unfinished" in told.text
    # AND later runs judge nothing more
    run_scheduler(services, clock, 10)
    assert len(_canary(store, canary.id).history) == 2


@pytest.mark.parametrize("down", ["directory", "notifier"])
@pytest.mark.parametrize(
    ("decision", "done", "state", "stable"),
    [
        ("promote", "promoted", CanaryState.PROMOTED, "43"),
        ("rollback", "rolled back", CanaryState.ROLLED_BACK, "41"),
    ],
)
def test_a_decision_made_whose_message_cannot_be_told_is_audited_as_made_and_says_so(
    decision: str, done: str, state: CanaryState, stable: str, down: str
) -> None:
    # GIVEN a canary at 5%, then its team's channels unreadable (the directory raises) or its
    # message refused by the platform (the notifier)
    clock, store = MovingClock(NOW), InMemoryCanaryStore()
    directory, notifier = _BindingsDown(), _UpdatesRefused()
    services, router = _services(clock, store, directory=directory, notifier=notifier)
    canary = start_canary(services, "43")
    before, updates = _entries(services), len(notifier.updated)
    (directory if down == "directory" else notifier).down = True
    # WHEN an operator promotes (or rolls back) the canary
    reply = run_deferred(services, f"canary {decision} {canary}", user="oli", channel="C-pay")
    # THEN the traffic moved and the canary is recorded so
    assert (router.route(TARGET).stable, router.route(TARGET).weight) == (stable, 0.0)
    assert _canary(store, canary).state is state
    # AND they are told it was done, and that the channel's message could not be updated,
    # where they asked and to everyone there (the canary's message still shows it running)
    assert reply.tone is Tone.OK, reply
    assert reply.title == f"{canary} {done} by @oli"
    assert "The canary's message in the channel could not be updated." in reply.text
    assert not reply.ephemeral and len(notifier.updated) == updates
    # AND the trail says it succeeded, not failed
    assert _outcomes_since(services, before) == [Outcome.REQUESTED, Outcome.SUCCEEDED]


def test_an_operators_rollback_the_router_refuses_stays_recorded_and_the_scheduler_ends_it() -> (
    None
):
    # GIVEN a release at 5%, and a router that refuses the first rollback
    clock, store = MovingClock(NOW), InMemoryCanaryStore()
    services, router = _services(clock, store, before=frozenset({"rollback"}))
    canary = start_canary(services, "43")
    before = _entries(services)
    # WHEN an operator rolls it back
    reply = run_deferred(services, f"canary rollback {canary}", user="oli", channel="C-pay")
    # THEN they are told it is recorded as rolling back and the scheduler will finish it
    assert reply.tone is Tone.ERROR and reply.title != "Internal error", reply
    assert "recorded as rolling back but its traffic could not be moved yet" in reply.text
    assert "(rollback refused): the scheduler tries again every minute" in reply.text
    # AND the canary is recorded rolling back (seen by the scheduler), its traffic still at 5%,
    # its message saying so, and the trail has the request and that it was not done now
    stored = _canary(store, canary)
    assert stored.state is CanaryState.ROLLING_BACK and stored in store.every()
    assert router.route(TARGET).weight == 0.05
    assert "rolling back" in notifier_of(services).updated[-1][1].title
    assert _outcomes_since(services, before) == [Outcome.REQUESTED, Outcome.FAILED]
    # WHEN the scheduler runs (the canary's interval not yet over)
    reply = run_scheduler(services, clock, 1)
    # THEN it rolls it back: all traffic on the stable version, audited as the scheduler, told
    assert (router.route(TARGET).stable, router.route(TARGET).weight) == ("41", 0.0)
    assert _canary(store, canary).state is CanaryState.ROLLED_BACK
    assert f"checkout-api version 43 ({canary}) rolled back" in dict(reply.fields)["Canaries"]
    assert _scheduled(services)[-1] == f"canary rolled back {canary}"
    assert "rolled back at step 1/4" in notifier_of(services).updated[-1][1].title


def test_a_start_whose_traffic_cannot_be_sent_back_is_left_rolling_back_for_the_scheduler() -> None:
    # GIVEN a router that times out after the start's shift, then refuses to send it back
    clock, store = MovingClock(NOW), InMemoryCanaryStore()
    services, router = _services(
        clock, store, after=frozenset({"shift:0.05"}), before=frozenset({"rollback"})
    )
    before = _entries(services)
    # WHEN an operator starts a canary
    start = "canary start checkout-api --version 43"
    reply = run_deferred(services, start, user="oli", channel="C-pay")
    # THEN they are told it did not start, its traffic is not back yet, and who ends it
    assert reply.tone is Tone.ERROR and reply.title != "Internal error", reply
    assert "could not be started, and its traffic could not be sent back to version 41" in (
        reply.text
    )
    assert "recorded as rolling back, and the scheduler tries again every minute" in reply.text
    # AND the canary is recorded so (never running: nothing judges it), the traffic at 5%,
    # and the trail has the request and its failure
    (canary,) = store.every()
    assert canary.state is CanaryState.ROLLING_BACK and router.route(TARGET).weight == 0.05
    assert _outcomes_since(services, before) == [Outcome.REQUESTED, Outcome.FAILED]
    # WHEN the scheduler runs
    reply = run_scheduler(services, clock, 1)
    # THEN all traffic is back on the stable version, the canary rolled back, audited as the
    # scheduler, and the team's channel told
    assert (router.route(TARGET).stable, router.route(TARGET).weight) == ("41", 0.0)
    ended = _canary(store, canary.id)
    assert ended.state is CanaryState.ROLLED_BACK and store.every() == []
    assert [r.what for r in ended.history] == ["started", "rolled back", "rolled back"]
    assert _scheduled(services) == [f"canary rolled back {canary.id}"]
    ((_, told),) = channel_messages(services)
    assert "rolled back at step 1/4" in told.title and "could not be started" in told.text


def test_a_step_whose_audit_entry_cannot_be_written_is_taken_back_then_taken_later() -> None:
    # GIVEN a healthy release at 5%, judged once (extended: not enough traffic yet)
    clock, store, log = MovingClock(NOW), InMemoryCanaryStore(), InMemoryAuditLog()
    services, router = _services(clock, store, audit_log=log)
    canary = start_canary(services, "43")
    run_scheduler(services, clock, 5)
    judged = _canary(store, canary)
    # WHEN the scheduler would advance it to 25% while the audit trail is unavailable
    log.failing = True
    reply = run_scheduler(services, clock, 5)
    log.failing = False
    # THEN the step is not taken: the canary is as it was, its traffic still at 5%
    assert (
        f"checkout-api version 43 ({canary}) not advanced: the audit trail is unavailable"
        in dict(reply.fields)["Canaries"]
    )
    now = _canary(store, canary)
    assert (now.state, now.step, now.history) == (judged.state, judged.step, judged.history)
    assert router.route(TARGET).weight == 0.05
    # WHEN the scheduler runs again with the trail back
    run_scheduler(services, clock, 1)
    # THEN it takes the step, audited
    assert router.route(TARGET).weight == 0.25 and _canary(store, canary).step == 1
    assert _scheduled(services)[-1] == f"canary advanced {canary}"


def test_a_step_made_whose_message_cannot_be_told_stays_made_and_the_tick_goes_on() -> None:
    # GIVEN a healthy release at 5%, then its team's channels unreadable
    clock, store = MovingClock(NOW), InMemoryCanaryStore()
    directory = _BindingsDown()
    services, router = _services(clock, store, directory=directory)
    canary = start_canary(services, "43")
    run_scheduler(services, clock, 5)  # extended: not enough traffic yet
    directory.down = True
    # WHEN the scheduler advances it to 25% (run_scheduler asserts the tick answered OK)
    reply = run_scheduler(services, clock, 5)
    # THEN the step is made and recorded, and the tick reports it
    assert router.route(TARGET).weight == 0.25
    assert _canary(store, canary).step == 1
    assert f"checkout-api version 43 ({canary}) advanced" in dict(reply.fields)["Canaries"]
    assert _scheduled(services)[-1] == f"canary advanced {canary}"


def test_a_failing_canary_is_rolled_back_while_the_trail_is_down_its_entry_owed() -> None:
    # GIVEN the bad release 42 at 5%, and the audit trail down
    clock, store, log = MovingClock(NOW), InMemoryCanaryStore(), InMemoryAuditLog()
    services, router = _services(clock, store, audit_log=log)
    canary = start_canary(services, "42")
    log.failing = True
    # WHEN the scheduler judges it failed
    for _ in range(3):
        run_scheduler(services, clock, 5)
    # THEN it is rolled back all the same (the safe side), its traffic back on the stable
    assert router.route(TARGET).weight == 0.0
    assert _canary(store, canary).state is CanaryState.ROLLED_BACK
    # AND its entry is owed, written once the trail is back
    log.failing = False
    assert f"canary rolled back {canary}" not in _scheduled(services)
    written = services.audit.settle()
    assert [e.command for e in written] == [f"canary rolled back {canary}"]
    assert _scheduled(services)[-1] == f"canary rolled back {canary}"


def test_a_promote_left_under_way_is_not_finished_until_its_entry_is_written() -> None:
    # GIVEN a promote by hand whose worker stopped once it was recorded, before any move
    clock, store, log = MovingClock(NOW), InMemoryCanaryStore(), InMemoryAuditLog()
    services, router = _services(clock, store, audit_log=log)
    canary = start_canary(services, "43")
    router.stops.add("before:promote")
    with pytest.raises(_WorkerStopped):
        run_deferred(services, f"canary promote {canary}", user="oli", channel="C-pay")
    assert _canary(store, canary).state is CanaryState.PROMOTING
    assert router.route(TARGET).stable == "41"
    # WHEN the scheduler would finish it while the trail is down
    log.failing = True
    reply = run_scheduler(services, clock, 1)
    log.failing = False
    # THEN it is not finished (a promote adds risk: no entry, no move), and says why
    assert "still promoting: the audit trail is unavailable" in dict(reply.fields)["Canaries"]
    assert router.route(TARGET).stable == "41"
    assert _canary(store, canary).state is CanaryState.PROMOTING
    # WHEN the trail is back THEN it is audited, then finished
    run_scheduler(services, clock, 1)
    assert _scheduled(services)[-1] == f"canary promoted {canary}"
    assert router.route(TARGET).stable == "43"
    assert _canary(store, canary).state is CanaryState.PROMOTED
