"""Whole canaries on the embedded default's simulation of the sample service: stepped and
promoted, or rolled back; one message updated in place; overlapping runs advance once."""

from __future__ import annotations

import dataclasses
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from shared.adapters.memory import InMemoryCanaryStore
from shared.audit.models import Outcome, StreamKey
from shared.bootstrap.wiring import build
from shared.canary.models import Canary, CanaryState
from shared.config import Settings
from shared.identity.models import Platform
from shared.judging.judge import MetricData
from shared.replies import Reply, Tone
from shared.telemetry.models import ResourceKind
from tests.support import (
    NOW,
    ORG,
    MovingClock,
    Overlapping,
    UnreachableQueue,
    channel_messages,
    foreign_run_once,
    invocation,
    memory_adapters,
    notifier_of,
    records,
    run,
    run_deferred,
    run_scheduler,
    run_worker,
    setup_teams,
)
from tests.support.deployments import ROUTERS, canary_services, router_of, start_canary


@pytest.fixture
def clock() -> MovingClock:
    return MovingClock(NOW)


def test_a_canary_command_moves_traffic_only_in_the_worker(clock: MovingClock) -> None:
    services = canary_services(clock)
    # WHEN an operator starts a canary THEN the request only queues it: no traffic moves there
    asked = run(services, "canary start checkout-api --version 43", user="oli", channel="C-pay")
    assert asked.tone is Tone.ACCEPTED and asked.ephemeral and asked.receipt
    assert router_of(services).route("checkout:live").weight == 0.0
    assert notifier_of(services).posted == []
    # AND the worker shifts 5%, posts the canary's one message, and tells the operator alone
    (started,) = run_worker(services)
    assert router_of(services).route("checkout:live").weight == 0.05
    assert started.ephemeral and started.title.endswith("version 43 takes 5%")
    assert [r.title for _, r in channel_messages(services)] == [
        "Canary checkout-api version 43: running at 5% (step 1/4)"
    ]
    # WHEN the Promote button is clicked THEN it is acknowledged at once, traffic unmoved
    canary = started.title.split()[1]
    clicked = run(services, f"canary promote {canary} --team=payments", user="oli")
    assert clicked.tone is Tone.ACCEPTED and clicked.ephemeral
    assert router_of(services).route("checkout:live").weight == 0.05
    # AND the worker promotes it and updates the one message in place, never posting a copy
    (done,) = run_worker(services)
    assert done.ephemeral and done.title == f"{canary} promoted by @oli"
    assert router_of(services).route("checkout:live").stable == "43"
    assert len(channel_messages(services)) == 1
    ((where, shown),) = notifier_of(services).updated
    assert where.message == "m1" and "promoted at 100%" in shown.title


def test_a_healthy_release_is_stepped_up_and_promoted(clock: MovingClock) -> None:
    services = canary_services(clock)
    canary = start_canary(services, "43")
    # GIVEN 5% of the sample's traffic on release 43, and the canary's message in the channel
    assert router_of(services).route("checkout:live").weight == 0.05
    ((where, first),) = channel_messages(services)
    assert where.channel == "C-pay"
    assert first.title == "Canary checkout-api version 43: running at 5% (step 1/4)"
    assert [b.label for b in first.buttons] == ["Hold", "Promote", "Roll back"]
    # WHEN the scheduler runs every five minutes
    weights = []
    for _ in range(4):
        run_scheduler(services, clock, 5)
        route = router_of(services).route("checkout:live")
        weights.append((route.stable, route.weight))
    # THEN it waited for enough traffic to see errors double, advanced to 25%, 50%, and was
    # promoted (the alias now on 43, no weights)
    assert weights == [("41", 0.05), ("41", 0.25), ("41", 0.5), ("43", 0.0)]
    shown = run(services, f"canary status {canary}", user="vic", channel="C-pay")
    assert shown.title == "Canary checkout-api version 43: promoted at 100%"
    assert "errors 1.0% vs 1.0%, about the same, may be chance (p = " in shown.text
    # AND the one message was updated in place at every step, never posted again, each time with
    # a new chart of canary against stable per metric inside it
    assert len(channel_messages(services)) == 1
    updated = notifier_of(services).updated
    assert [where.message for where, _ in updated] == ["m1"] * 4
    assert updated[-1][1].title == shown.title
    charts = [r.images for _, r in updated]
    assert all(len(c) == 1 and c[0].inline for c in charts)
    assert all(c[0].png().startswith(b"\x89PNG") for c in charts)
    assert len({c[0].name for c in charts}) == 4
    # AND every step is in the team's audit trail, by the scheduler
    steps = [
        e.command
        for e in records(services.audit_log, StreamKey(org=ORG, team="payments"))
        if e.actor.user == "scheduler"
    ]
    assert steps == [
        f"canary extended {canary}",
        f"canary advanced {canary}",
        f"canary advanced {canary}",
        f"canary promoted {canary}",
    ]


def test_the_bad_release_is_rolled_back_with_the_judges_reasons(clock: MovingClock) -> None:
    services = canary_services(clock)
    canary = start_canary(services, "42")
    run_scheduler(services, clock, 5)
    assert router_of(services).route("checkout:live").weight == 0.0
    shown = run(services, f"canary status {canary}", user="vic", channel="C-pay")
    assert shown.title.startswith("Canary checkout-api version 42: rolled back")
    # in words first, the numbers after
    assert (
        "rolled back by @scheduler: score 0: errors 2.8% vs 1.0%, 2.7× worse, certain (p < 0.001"
        in shown.text
    )
    assert "→ High, critical" in shown.text
    assert shown.buttons == []


def test_a_viewer_cannot_press_the_buttons_and_a_held_canary_still_rolls_back(
    clock: MovingClock,
) -> None:
    services = canary_services(clock)
    canary = start_canary(services, "42")
    denied = run(services, f"canary promote {canary}", user="vic", channel="C-pay")
    assert denied.tone is Tone.DENIED  # at once, nothing queued
    assert "operator" in denied.text
    assert run_worker(services) == []
    held = run_deferred(services, f"canary hold {canary}", user="oli", channel="C-pay")
    assert held.tone is Tone.OK
    # a pending human decision never suppresses an automatic rollback
    run_scheduler(services, clock, 5)
    shown = run(services, f"canary status {canary}", user="vic", channel="C-pay")
    assert shown.title.startswith("Canary checkout-api version 42: rolled back")


def test_only_lambda_and_the_sample_can_be_canaried(clock: MovingClock, tmp_path: Path) -> None:
    services = build(
        Settings(org_admins=("slack:T1:root",)), memory_adapters(clock, metrics_dir=tmp_path)
    )
    setup_teams(services)
    (tmp_path / "x.csv").write_text("timestamp,p99_latency\n2026-11-22T09:00:00Z,300\n")
    csv = "service register legacy --metrics-file x.csv --team payments"
    assert not run(services, csv, user="oli", platform=Platform.LOCAL).failed
    refused = run_deferred(services, "canary start legacy --version 2", user="oli", channel="C-pay")
    assert refused.failed
    assert "register the service with --aws-lambda" in refused.title + refused.text


def test_two_overlapping_scheduler_runs_advance_a_canary_once(clock: MovingClock) -> None:
    store = InMemoryCanaryStore()
    services = canary_services(clock, store)
    canary = start_canary(services, "43")
    overlapping = canary_services(clock, Overlapping(store))  # type: ignore[arg-type]
    clock.at = clock.at + timedelta(minutes=10)  # enough traffic to judge
    replies: list[Reply] = []

    def tick() -> None:
        at = invocation("scheduler run-once", channel=None).model_copy(
            update={"received_at": clock.at}
        )
        replies.append(overlapping.bus.handle(at))

    threads = [threading.Thread(target=tick) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    moved = [line for r in replies for line in dict(r.fields)["Canaries"].splitlines()]
    assert moved.count(f"checkout-api version 43 ({canary}) advanced") == 1
    saved = store.get(ORG, canary)
    assert saved is not None and saved.step == 1 and saved.state is CanaryState.RUNNING


class _Down:
    """Per-version metrics that cannot be read (the provider is down)."""

    def compare(self, canary: Canary, *, start: object, end: object) -> dict[str, MetricData]:
        raise ConnectionError("CloudWatch did not answer")


def test_a_metrics_outage_is_counted_never_a_rollback_and_five_in_a_row_hold(
    clock: MovingClock,
) -> None:
    adapters = memory_adapters(clock, version_metrics={ResourceKind.SAMPLE: _Down()})
    services = build(Settings(org_admins=("slack:T1:root",)), adapters)
    setup_teams(services)
    run(services, "service register checkout-api --sample checkout --team payments", user="oli")
    canary = start_canary(services, "42")
    for _ in range(4):
        run_scheduler(services, clock, 5)
    shown = run(services, f"canary status {canary}", user="vic", channel="C-pay")
    assert shown.title.startswith("Canary checkout-api version 42: running at 5%")
    assert (
        "query error ×4 by @scheduler: metrics unavailable (CloudWatch did not answer); 4 in a row"
        in (shown.text)
    )
    run_scheduler(services, clock, 5)
    shown = run(services, f"canary status {canary}", user="vic", channel="C-pay")
    assert shown.title.startswith("Canary checkout-api version 42: held at 5%")
    assert "5 in a row; held, decide by hand" in shown.text
    assert adapters.routers[ResourceKind.SAMPLE].route("checkout:live").weight == 0.05
    # AND an outage that goes on while it is held adds one line, however long it lasts
    run_scheduler(services, clock, 5)
    lines = run(services, f"canary status {canary}", user="vic", channel="C-pay").text
    for _ in range(30):
        run_scheduler(services, clock, 5)
    shown = run(services, f"canary status {canary}", user="vic", channel="C-pay")
    assert shown.title.startswith("Canary checkout-api version 42: held at 5%")
    assert len(shown.text.splitlines()) == len(lines.splitlines())
    assert shown.text.count("held, decide by hand") == 1
    assert "query error ×31 by @scheduler" in shown.text
    assert "36 in a row" in shown.text


def test_another_orgs_admin_cannot_step_this_orgs_canary(clock: MovingClock) -> None:
    # GIVEN org T1's canary at 5%, and the admin of a Teams tenant configured too
    adapters = memory_adapters(clock, canaries=InMemoryCanaryStore())
    services = build(Settings(org_admins=("slack:T1:root", "teams:tenant-x:eve")), adapters)
    ROUTERS[id(services)] = adapters.routers[ResourceKind.SAMPLE]
    setup_teams(services)
    register = "service register checkout-api --sample checkout --team payments"
    assert not run(services, register, user="oli").failed
    canary = start_canary(services, "43")
    # WHEN, each five minutes, the tenant's admin runs `sre scheduler run-once` from Teams
    for _ in range(4):
        clock.at = clock.at + timedelta(minutes=5)
        other = foreign_run_once(clock.at)
        reply = services.bus.handle(other)
        # THEN T1's canary is neither stepped nor named, and its traffic stays at 5%
        assert dict(reply.fields)["Canaries"] == "none due", reply
        assert canary not in str(reply.fields)
    assert router_of(services).route("checkout:live").weight == 0.05
    # AND a run by its own org (T1's admin) steps it
    assert dict(run_scheduler(services, clock, 0).fields)["Canaries"] != "none due"


@pytest.mark.parametrize(
    ("decision", "done", "state", "stable", "shown"),
    [
        ("promote", "promoted", CanaryState.PROMOTED, "43", "promoted at 100%"),
        ("rollback", "rolled back", CanaryState.ROLLED_BACK, "41", "rolled back"),
    ],
)
def test_an_operators_promote_or_rollback_moves_the_traffic_and_is_audited_as_done(
    clock: MovingClock, decision: str, done: str, state: CanaryState, stable: str, shown: str
) -> None:
    # GIVEN release 43 running at 5% with its one message in the team's channel
    store = InMemoryCanaryStore()
    services = canary_services(clock, store)
    canary = start_canary(services, "43")
    stream = StreamKey(org=ORG, team="payments")
    before = len(records(services.audit_log, stream))
    # WHEN an operator of the team decides by hand (queued, then run by the worker)
    reply = run_deferred(services, f"canary {decision} {canary}", user="oli", channel="C-pay")
    # THEN the operator is told who did what, with the receipt of the audit entry
    assert reply.tone is Tone.OK and reply.title == f"{canary} {done} by @oli", reply
    # AND the traffic moved: all on the new version, or all back on the stable one
    route = router_of(services).route("checkout:live")
    assert (route.stable, route.weight) == (stable, 0.0)
    saved = store.get(ORG, canary)
    assert saved is not None and saved.state is state and saved.history[-1].by == "oli"
    # AND the channel's one message was updated in place to say so, never posted again
    assert len(channel_messages(services)) == 1
    ((where, message),) = notifier_of(services).updated
    assert where.channel == "C-pay" and shown in message.title
    # AND the team's trail holds the request and its success, by the operator, one reference
    entries = records(services.audit_log, stream)[before:]
    assert [(e.outcome, e.command, e.actor.user) for e in entries] == [
        (Outcome.REQUESTED, f"sre canary {decision} {canary}", "oli"),
        (Outcome.SUCCEEDED, f"sre canary {decision} {canary}", "oli"),
    ]
    assert entries[0].correlation_id == entries[1].correlation_id == reply.correlation_id
    assert reply.receipt == entries[1].receipt


def test_a_promote_the_queue_cannot_take_moves_nothing_and_is_audited_as_failed(
    clock: MovingClock,
) -> None:
    # GIVEN release 43 at 5%, and then the task queue goes down
    store = InMemoryCanaryStore()
    adapters = memory_adapters(clock, canaries=store)
    services = build(Settings(org_admins=("slack:T1:root",)), adapters)
    ROUTERS[id(services)] = adapters.routers[ResourceKind.SAMPLE]
    setup_teams(services)
    register = "service register checkout-api --sample checkout --team payments"
    assert not run(services, register, user="oli").failed
    canary = start_canary(services, "43")
    down = dataclasses.replace(adapters, tasks=UnreachableQueue())
    services = build(Settings(org_admins=("slack:T1:root",)), down)
    ROUTERS[id(services)] = adapters.routers[ResourceKind.SAMPLE]
    stream = StreamKey(org=ORG, team="payments")
    before = len(records(services.audit_log, stream))
    # WHEN an operator presses Promote
    reply = run(services, f"canary promote {canary}", user="oli", channel="C-pay")
    # THEN they are told it was not done and to try again, not an internal error
    assert reply.tone is Tone.ERROR and reply.title != "Internal error", reply
    assert "so nothing was done" in reply.text and reply.correlation_id in reply.text
    # AND nothing moved: 5% still on 43, the canary still running, no message changed
    assert router_of(services).route("checkout:live").weight == 0.05
    saved = store.get(ORG, canary)
    assert saved is not None and saved.state is CanaryState.RUNNING
    assert notifier_of(services).updated == []
    # AND the trail has the request and its failure, nothing left without an outcome
    entries = records(services.audit_log, stream)[before:]
    assert [(e.outcome, e.command) for e in entries] == [
        (Outcome.REQUESTED, f"sre canary promote {canary}"),
        (Outcome.FAILED, f"sre canary promote {canary}"),
    ]
    assert entries[1].details["error"] == "not queued: queue unreachable"


@pytest.mark.parametrize("verb", ["promote", "rollback", "hold", "resume"])
def test_a_decision_on_a_mistyped_canary_is_answered_at_once(clock: MovingClock, verb: str) -> None:
    # GIVEN team payments with one canary
    services = canary_services(clock)
    canary = start_canary(services, "42")
    before = records(services.audit_log, StreamKey(org=ORG, team="payments"))
    # WHEN an operator decides on an id one character off
    typo = canary[:-1] + ("0" if canary[-1] != "0" else "1")
    reply = run(services, f"canary {verb} {typo}", user="oli", channel="C-pay")
    # THEN it is answered at once, naming the canary it may be, neither queued nor audited
    assert reply.tone is Tone.ERROR, reply
    assert f"Team payments has no canary `{typo}`" in reply.text + reply.title
    assert canary in reply.text + reply.title
    assert records(services.audit_log, StreamKey(org=ORG, team="payments")) == before


@pytest.mark.parametrize("said", ["v42", "042", "v042"])
def test_a_version_said_as_a_deploy_is_the_version_numbered(clock: MovingClock, said: str) -> None:
    # GIVEN the report that says "deploy v42 of checkout-api"
    services = canary_services(clock)
    # WHEN an operator starts a canary of `v42` (or of 042: no version is numbered so)
    canary = start_canary(services, said)
    # THEN it is version 42's canary, as the investigation meant
    shown = run(services, f"canary status {canary}", user="vic", channel="C-pay")
    assert shown.title.startswith("Canary checkout-api version 42:"), shown.title


def test_an_on_call_responder_may_roll_back_or_hold_a_canary_but_not_promote_it(
    clock: MovingClock,
) -> None:
    # GIVEN release 43 running at 5%
    services = canary_services(clock)
    canary = start_canary(services, "43")
    # WHEN the on-call responder promotes it, THEN that is refused at once: it needs an operator
    denied = run(services, f"canary promote {canary}", user="rey", channel="C-pay")
    assert denied.tone is Tone.DENIED and "operator" in denied.text
    # AND holding it and rolling it back (the safe way) are theirs to do, without waiting for one
    held = run_deferred(services, f"canary hold {canary}", user="rey", channel="C-pay")
    assert held.tone is Tone.OK, held
    rolled = run_deferred(services, f"canary rollback {canary}", user="rey", channel="C-pay")
    assert rolled.tone is Tone.OK and rolled.title == f"{canary} rolled back by @rey", rolled
    route = router_of(services).route("checkout:live")
    assert (route.stable, route.weight) == ("41", 0.0)  # all back on the stable version
