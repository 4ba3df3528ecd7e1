"""A slow command naming what its team has not (a service, an experiment, a prompt variant) is
answered at once, as `investigate` and `canary start` answer one: neither queued ("Working
on…", then Not found) nor audited."""

from __future__ import annotations

import pytest

from shared.adapters.memory import InMemoryTaskQueue
from shared.audit.models import ORG_STREAM, StreamKey
from shared.replies import Tone
from tests.support import NOW, ORG, MovingClock, records, run
from tests.support.chaos import chaos_services


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('chaos plan chekout-api --fault delay:100ms --expect "p99_latency < 2s"', "chekout-api"),
        ('chaos start chekout-api --fault delay:100ms --expect "p99_latency < 2s"', "chekout-api"),
        ("chaos approve chx-0a1b2c3d", "chx-0a1b2c3d"),
        ("prompt experiment start --variants nosuch", "nosuch"),
    ],
)
def test_a_slow_command_naming_nothing_is_answered_at_once(text: str, said: str) -> None:
    services = chaos_services(MovingClock(NOW))
    trail = [
        records(services.audit_log, StreamKey(org=ORG, team=t)) for t in ("payments", ORG_STREAM)
    ]
    user = "root" if text.startswith("prompt") else "oli"
    reply = run(services, text, user=user, channel="C-pay")
    assert reply.tone is not Tone.ACCEPTED, reply.title
    assert reply.failed and said in reply.title + reply.text, reply
    assert isinstance(services.tasks, InMemoryTaskQueue) and services.tasks.drain() == []
    assert [
        records(services.audit_log, StreamKey(org=ORG, team=t)) for t in ("payments", ORG_STREAM)
    ] == trail


@pytest.mark.parametrize(
    "text",
    [
        "canary start chekout-api --version 44",
        'chaos start chekout-api --fault delay:100ms --expect "p99_latency < 2s"',
    ],
)
def test_an_unknown_service_is_said_with_the_teams_services_as_investigate_says_it(
    text: str,
) -> None:
    services = chaos_services(MovingClock(NOW))
    reply = run(services, text, user="oli", channel="C-pay")
    said = reply.title + reply.text
    assert "Team payments has no service `chekout-api` (its services: checkout-api)." in said
    assert "Did you mean `checkout-api`?" in said
