"""A canary judged every minute, as a new SRE lead tries it: its first judgement says what one
minute can and cannot show, its chart is drawn, and its words are the team's, in Slack."""

from __future__ import annotations

import pytest

from bots.slack.render import blocks
from shared.replies import Tone
from tests.support import (
    NOW,
    MovingClock,
    notifier_of,
    run,
    run_deferred,
    run_scheduler,
)
from tests.support.deployments import canary_services


@pytest.fixture
def clock() -> MovingClock:
    return MovingClock(NOW)


def _start(services: object, version: str, flags: str = "--interval 1m") -> str:
    reply = run_deferred(
        services,  # type: ignore[arg-type]
        f"canary start checkout-api --version {version} {flags}",
        user="oli",
        channel="C-pay",
    )
    assert reply.tone is Tone.OK, reply
    return reply.title.split()[1]


def test_one_minute_of_latency_is_not_enough_data_never_certain(clock: MovingClock) -> None:
    # GIVEN the bad release 42 judged every minute
    services = canary_services(clock)
    canary = _start(services, "42")
    # WHEN the scheduler reads it a minute later (too little traffic yet to judge)
    run_scheduler(services, clock, 1)
    # THEN its chart is drawn even so: one point a release per panel
    (_, message) = notifier_of(services).updated[-1]
    (chart,) = message.images
    assert chart.png().startswith(b"\x89PNG")
    # AND at the next minute, latency, two minutes a side, is not judged: said in the team's
    # words, with how many minutes it needs; nothing about it is called certain
    run_scheduler(services, clock, 1)
    (_, message) = notifier_of(services).updated[-1]
    shown = str(blocks(message))
    assert "p99 latency: not enough data yet: 2 of 6 minutes" in shown  # the second look
    assert "p99_latency" not in shown
    assert "n = 2 vs 2 minutes" not in shown
    # AND the next minute its errors roll it back, latency still said to be too short to judge
    run_scheduler(services, clock, 1)
    status = run(services, f"canary status {canary}", user="vic", channel="C-pay")
    assert status.title == "Canary checkout-api version 42: rolled back at step 1/4"
    (last,) = status.text.splitlines()[-1:]
    assert "→ High, critical; p99 latency: not enough data yet: 3 of 6 minutes" in last


def test_a_rolled_back_canary_reads_as_rolled_back_everywhere(clock: MovingClock) -> None:
    # GIVEN release 43 rolled back by hand
    services = canary_services(clock)
    canary = _start(services, "43")
    told = run_deferred(services, f"canary rollback {canary}", user="oli", channel="C-pay")
    # THEN the answer says rolled back in one way, never `rolled-back` or `at 0%`
    assert told.title == f"{canary} rolled back by @oli"
    assert told.text == "Canary checkout-api version 43: rolled back at step 1/4"
    # AND the channel's message names the stable release and the one rolled back
    (_, message) = notifier_of(services).updated[-1]
    assert ("Target", "checkout:live: stable 41 (43 rolled back)") in message.fields
    assert "rolled-back" not in str(blocks(message))


def test_a_held_canary_is_information_not_a_usage_error(clock: MovingClock) -> None:
    services = canary_services(clock)
    canary = _start(services, "43")
    assert not run_deferred(services, f"canary hold {canary}", user="oli", channel="C-pay").failed
    (_, message) = notifier_of(services).updated[-1]
    assert message.tone is Tone.INFO
    assert message.title == "Canary checkout-api version 43: held at 5% (step 1/4)"
    assert ":grey_question:" not in str(blocks(message))


def test_a_critical_metric_outside_the_judged_ones_is_refused(clock: MovingClock) -> None:
    services = canary_services(clock)
    refused = run(
        services,
        "canary start checkout-api --version 45 --critical p99_latency --metrics errors",
        user="oli",
        channel="C-pay",
    )
    assert refused.tone is Tone.USAGE
    assert "--critical p99_latency is not among --metrics errors" in refused.title + refused.text
    assert notifier_of(services).posted == []
    # AND the default critical metric (errors) does not stop a canary judged on latency alone
    assert _start(services, "43", "--metrics p99_latency")


def test_every_judged_metric_is_named_in_the_message_while_latency_is_too_short(
    clock: MovingClock,
) -> None:
    # GIVEN the bad release 42 judged every minute on errors and latency
    services = canary_services(clock)
    _start(services, "42")
    # WHEN the scheduler reads it at each of its first two minutes
    shown = []
    for _ in range(2):
        run_scheduler(services, clock, 1)
        (_, message) = notifier_of(services).updated[-1]
        shown.append(message.text.splitlines()[-1])
    # THEN the first names each metric with why it is not judged yet (too few requests)
    first, second = shown
    assert first.endswith(
        "extended by @scheduler: not enough requests yet to judge errors, p99 latency: 283 of 299"
    )
    # AND the second gives the errors' verdict in words beside latency's wait, not latency alone
    assert "extended ×2 by @scheduler: no failure yet; errors " in second, second
    # (the bad release's errors already look worse: a pass that says it is not proven yet)
    said = "→ Pass (not proven worse: that needs p < 0.005); p99 latency: not enough data yet"
    assert f"{said}: 2 of 6 minutes" in second, second


def test_a_rollback_asked_for_is_information_in_the_channel_and_names_only_who_asked(
    clock: MovingClock,
) -> None:
    # GIVEN release 43 held, then rolled back by hand by oli
    services = canary_services(clock)
    canary = _start(services, "43")
    assert not run_deferred(services, f"canary hold {canary}", user="oli", channel="C-pay").failed
    told = run_deferred(services, f"canary rollback {canary}", user="oli", channel="C-pay")
    # THEN oli's answer is a success
    assert told.tone is Tone.OK
    # AND the channel's message tells it as information, not as an error
    (_, message) = notifier_of(services).updated[-1]
    assert message.tone is Tone.INFO
    # AND its timeline says who decided, without a reason no one gave
    lines = message.text.splitlines()
    assert lines[-2].endswith("5% held by @oli")
    assert lines[-1].endswith("rolled back by @oli")
    assert "by hand" not in str(blocks(message))


def test_a_rollback_by_the_judge_is_still_an_error_in_the_channel(clock: MovingClock) -> None:
    # GIVEN the bad release 42 judged every minute: its errors roll it back at the third
    services = canary_services(clock)
    _start(services, "42")
    run_scheduler(services, clock, 3)
    (_, message) = notifier_of(services).updated[-1]
    assert message.title == "Canary checkout-api version 42: rolled back at step 1/4"
    assert message.tone is Tone.ERROR
