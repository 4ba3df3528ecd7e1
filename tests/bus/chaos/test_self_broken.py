"""The README's first chaos plan used to be `--fault error --expect "error_rate < 1%"`: on the
simulation, which judges the faulted share alone, every faulted request fails, so it could only
end deviated. The plan and the start say so (and what to write instead), in place of how much
traffic a step needs, which no traffic would change; the start still goes ahead (a drill of the
halt and the rollback), and ends deviated as soon as its first step is judged (its first 299
faulted requests), as said."""

from __future__ import annotations

import html
import re

from bots.slack.render import blocks
from shared.replies import Tone
from tests.support import NOW, MovingClock, run_deferred
from tests.support.chaos import chaos_services, ticks

SELF_BROKEN = 'checkout-api --fault error --expect "error_rate < 1%"'
FIRST_LOOK = 5
"""The tick its first judgement comes at: the ramp-up minute, then ~60 faulted requests a
minute until the 299 a judgement needs."""
SAID = (
    "`error_rate < 1%` cannot hold: `error` fails every request of the faulted share, and each "
    "step is judged on that share alone, so it would end deviated as soon as its first step is "
    "judged"
)


def test_the_plan_says_the_fault_breaks_its_steady_state_by_itself() -> None:
    services = chaos_services(MovingClock(NOW))
    plan = run_deferred(services, f"chaos plan {SELF_BROKEN}", user="oli", channel="C-pay")
    assert plan.tone is Tone.INFO and "(would start)" in plan.title  # said, not refused
    assert SAID in plan.text
    assert '(--fault delay:1500ms --expect "p99_latency < 2s")' in plan.text
    assert "needed to judge" not in plan.text  # no traffic would make it hold
    # AND Slack shows it as written
    assert SAID in html.unescape(str(blocks(plan)))


def test_the_start_says_so_then_ends_deviated_once_its_first_step_is_judged() -> None:
    clock = MovingClock(NOW)
    services = chaos_services(clock)
    reply = run_deferred(services, f"chaos start {SELF_BROKEN}", user="oli", channel="C-pay")
    assert reply.tone is Tone.OK and SAID in reply.text, reply
    experiment = reply.title.split()[1]
    said = [ticks(services, clock, 1) for _ in range(10)]
    assert said.index([f"{experiment} ended: deviated"]) == FIRST_LOOK, said


def test_the_suggested_plan_is_not_said_to_break() -> None:
    clock = MovingClock(NOW)
    services = chaos_services(clock)
    suggested = 'checkout-api --fault delay:1500ms --expect "p99_latency < 2s"'
    plan = run_deferred(services, f"chaos plan {suggested}", user="oli", channel="C-pay")
    assert "cannot hold" not in plan.text and "(would start)" in plan.title
    assert (
        "cannot hold"
        not in run_deferred(services, f"chaos start {suggested}", user="oli", channel="C-pay").text
    )


def test_a_game_day_kept_with_such_a_steady_state_says_so_too() -> None:
    services = chaos_services(MovingClock(NOW))
    window = '--every 7d --window "Tue 10:00-12:00"'
    kept = run_deferred(
        services, f"chaos start {SELF_BROKEN} {window}", user="oli", channel="C-pay"
    )
    assert kept.tone is Tone.OK and SAID in kept.text, kept


def test_a_delay_under_the_bound_on_top_of_the_services_own_latency_is_said_and_deviates() -> None:
    clock = MovingClock(NOW)
    services = chaos_services(clock)
    slow = 'checkout-api --fault delay:1999ms --expect "p99_latency < 2s"'
    plan = run_deferred(services, f"chaos plan {slow}", user="oli", channel="C-pay")
    said = re.search(
        r"`p99_latency < 2s` cannot hold: `delay:1999ms` slows every request of the faulted "
        r"share by 1,999 ms, on top of its p99 of ~(\d+) ms in the last 10 minutes "
        r"\(([\d,]+) ms\).*delay less "
        r"\(--fault (delay:\d+ms)\) or bound it above ([\d,]+) ms\.",
        plan.text,
    )
    assert said is not None, plan.text
    # AND the delay it offers plans clean
    offered = f'checkout-api --fault {said[3]} --expect "p99_latency < 2s"'
    clean = run_deferred(services, f"chaos plan {offered}", user="oli", channel="C-pay")
    assert "cannot hold" not in clean.text and "(would start)" in clean.title
    # AND started as it was, it ends deviated, as said
    started = run_deferred(services, f"chaos start {slow}", user="oli", channel="C-pay")
    experiment = started.title.split()[1]
    assert f"{experiment} ended: deviated" in ticks(services, clock, 10)


def test_a_game_day_whose_delay_breaks_on_top_of_the_services_own_latency_says_so() -> None:
    services = chaos_services(MovingClock(NOW))
    slow = 'checkout-api --fault delay:1999ms --expect "p99_latency < 2s"'
    window = '--every 7d --window "Tue 10:00-12:00"'
    kept = run_deferred(services, f"chaos start {slow} {window}", user="oli", channel="C-pay")
    assert kept.tone is Tone.OK and kept.title.startswith("Game day chs-"), kept
    assert re.search(
        r"`p99_latency < 2s` cannot hold: `delay:1999ms` slows every request of the faulted "
        r"share by 1,999 ms, on top of its p99 of ~\d+ ms in the last 10 minutes",
        kept.text,
    ), kept.text
