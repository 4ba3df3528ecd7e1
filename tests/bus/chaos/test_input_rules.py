"""What `sre chaos plan` and `start` refuse, through the bus with the Slack renderer: a step
faulting more than half the traffic (nothing unfaulted to judge against), no-op faults,
latency bounds without a unit, repeated or too many `--expect`s, a malformed one or one past
100% (answered with steady-state examples), a daily game day in a weekly window, and a game
day's id given to `halt`."""

from __future__ import annotations

import html

import pytest

from bots.slack.render import blocks
from shared.replies import Reply, Tone
from tests.support import NOW, MovingClock, run, run_deferred
from tests.support.chaos import chaos_services

ERRORS = 'checkout-api --fault error --expect "error_rate < 1%"'


def said(command: str) -> tuple[Reply, str]:
    """The reply to `sre <command>` by operator oli in C-pay, and what Slack shows of it
    (unescaped)."""
    reply = run(chaos_services(MovingClock(NOW)), command, user="oli", channel="C-pay")
    return reply, html.unescape(str(blocks(reply)))


@pytest.mark.parametrize("percent", ["100", "5,25,60", "1,2,3,4,5,6"])
def test_a_step_past_half_the_traffic_or_a_sixth_step_is_refused(percent: str) -> None:
    reply, shown = said(f"chaos plan {ERRORS} --percent {percent}")
    assert reply.tone is Tone.USAGE
    assert "(would start)" not in shown
    assert "1,5,25" in shown


FULL_WIDTH_5, ARABIC_1, ARABIC_5 = "\uff15", "\u0661", "\u0665"
"""Digits of other scripts, which Python's `int` reads as 5, 1 and 5."""


@pytest.mark.parametrize(
    "option",
    [
        f"--percent {FULL_WIDTH_5}",
        f'--percent "{ARABIC_1},{ARABIC_5}"',
        "--percent +5",
        "--percent 5_0",
        f"--fault delay:1{FULL_WIDTH_5}0ms",
        f'--expect "p99_latency < {ARABIC_5}s"',
        f'--expect "error_rate < {ARABIC_1}%"',
    ],
)
def test_digits_other_than_ascii_are_refused_as_everywhere_else(option: str) -> None:
    fault = "" if "--fault" in option else "--fault error "
    reply, shown = said(f'chaos plan checkout-api {fault}--expect "error_rate < 1%" {option}')
    assert reply.tone is Tone.USAGE, reply
    assert "(would start)" not in shown


def test_spaces_after_the_commas_of_percent_steps_are_dropped() -> None:
    services = chaos_services(MovingClock(NOW))
    command = f'chaos plan {ERRORS} --percent "1, 5, 25"'
    reply = run_deferred(services, command, user="oli", channel="C-pay")
    assert "(would start)" in reply.title, reply
    assert "1%, then 5%, then 25%" in reply.text or "1%, 5%" in reply.text, reply.text


def test_the_refusal_of_100_percent_says_why() -> None:
    _, shown = said(f"chaos plan {ERRORS} --percent 100")
    assert "each from 1 to 50" in shown
    assert "unfaulted share" in shown


def test_50_percent_in_five_steps_is_planned() -> None:
    services = chaos_services(MovingClock(NOW))
    command = f"chaos plan {ERRORS} --percent 1,5,10,25,50"
    reply = run_deferred(services, command, user="oli", channel="C-pay")
    assert "(would start)" in reply.title, reply


@pytest.mark.parametrize(
    ("fault", "why"),
    [
        ("http-status:200", "5xx counts as an error"),
        ("http-status:302", "400 to 599"),
        ("delay:0ms", "a delay is 1 to 900,000 ms"),
        ("delay:900001ms", "a delay is 1 to 900,000 ms"),
    ],
)
def test_a_fault_that_does_nothing_or_more_than_fis_can_is_refused(fault: str, why: str) -> None:
    reply, shown = said(f'chaos start checkout-api --fault {fault} --expect "error_rate < 1%"')
    assert reply.tone is Tone.USAGE
    assert why in shown


def test_a_latency_bound_without_a_unit_is_refused() -> None:
    reply, shown = said('chaos plan checkout-api --fault delay:100ms --expect "p99_latency < 2"')
    assert reply.tone is Tone.USAGE
    assert "p99 latency is a time: use ms or s, e.g. `p99_latency < 2s`" in shown


def test_the_same_expectation_twice_is_refused() -> None:
    reply, shown = said(f'chaos plan {ERRORS} --expect "error_rate  <  1%"')
    assert reply.tone is Tone.USAGE
    assert "given twice" in shown


def test_six_expectations_are_refused_and_why() -> None:
    more = " ".join(f'--expect "p99_latency < {s}s"' for s in range(2, 7))
    reply, shown = said(f"chaos plan {ERRORS} {more}")
    assert reply.tone is Tone.USAGE
    assert "at most 5 --expect" in shown
    assert "false deviation" in shown


def test_a_malformed_expectation_is_shown_steady_states_not_alert_rules() -> None:
    reply, shown = said('chaos plan checkout-api --fault error --expect "p99 under 2s"')
    assert reply.tone is Tone.USAGE
    assert "`p99_latency < 2s`" in shown
    assert "for 5m" not in shown
    assert "> 800ms" not in shown


def test_an_error_rate_past_100_percent_is_shown_a_bound_not_a_breach() -> None:
    reply, shown = said('chaos plan checkout-api --fault error --expect "error_rate < 200%"')
    assert reply.tone is Tone.USAGE
    assert "`error_rate < 2%`" in shown
    assert "error_rate > 2%" not in shown


@pytest.mark.parametrize(("every", "use"), [("1d", "7d"), ("10d", "7d"), ("15d", "14d")])
def test_a_game_day_in_a_weekly_window_runs_whole_weeks_apart(every: str, use: str) -> None:
    reply, shown = said(f'chaos start {ERRORS} --every {every} --window "Tue 10:00-12:00"')
    assert reply.tone is Tone.USAGE
    assert "opens once a week" in shown
    assert f"use --every {use}" in shown


def test_halting_a_game_day_points_to_unschedule() -> None:
    reply, shown = said("chaos halt chs-3f9c2a")
    assert reply.tone is Tone.USAGE
    assert "`sre chaos unschedule chs-3f9c2a`" in shown
