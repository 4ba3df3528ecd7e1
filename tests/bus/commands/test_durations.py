"""Durations typed back as replies print them: `1h30m`, `2d12h` are read in every duration option
and in a condition's `for`, and every limit is refused in one wording with a limit people read."""

from __future__ import annotations

import pytest

from bots.slack.render import blocks
from shared.replies import Reply, Tone
from tests.support import NOW, MovingClock, run
from tests.support.deployments import alerting_services

SLOW = 'alert create slow --service checkout-api --when "p99_latency > 800ms"'


def _slack(reply: Reply) -> str:
    """What the Slack message shows."""
    return str(blocks(reply))


def test_a_compound_duration_as_replies_print_it_is_accepted_everywhere() -> None:
    services = alerting_services(MovingClock(NOW))
    created = run(
        services,
        'alert create slow --service checkout-api --when "p99_latency > 800ms for 1h30m" '
        "--keep-firing-for 2h15m --escalate-after 1h30m --escalate-to search",
        user="oli",
        channel="C-pay",
    )
    assert created.tone is Tone.OK, created
    shown = _slack(run(services, "alert show slow", user="oli", channel="C-pay"))
    assert "keep firing for 2h 15m" in shown
    silenced = run(services, "alert silence slow --duration 1h30m", user="rey", channel="C-pay")
    assert silenced.tone is Tone.OK, silenced
    assert "slow silenced for 1h 30m, until 11:00 UTC" in _slack(silenced)


@pytest.mark.parametrize(
    ("option", "said"),
    [
        ("--duration 91d", "`91d` is too long for --duration: at most 90d"),
        ("--duration 2d12h", None),
        ("--duration 0m", "`0m` is too short for --duration: at least 1m"),
        ("--duration 1h30", "`1h30` is not a duration for --duration: write it like 30m, 2h"),
    ],
)
def test_a_silence_is_limited_to_90_days_in_one_wording(option: str, said: str | None) -> None:
    services = alerting_services(MovingClock(NOW))
    assert run(services, SLOW, user="oli", channel="C-pay").tone is Tone.OK
    reply = run(services, f"alert silence slow {option}", user="rey", channel="C-pay")
    if said is None:
        assert reply.tone is Tone.OK, reply
        assert "for 2 days 12h" in _slack(reply)
    else:
        assert reply.tone is Tone.USAGE, reply
        assert said in _slack(reply)
        assert "9999h" not in _slack(reply)
