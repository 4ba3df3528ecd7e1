"""The team a command acts for is read once, by the bus before it authorizes, and handed to the
handler on the context: one command, one read of its team record (a second read could see a
different team than the one authorized, and costs a database round trip on every command)."""

from __future__ import annotations

import pytest

from shared.bootstrap.wiring import Services, build
from shared.config import Settings
from shared.replies import Reply, Tone
from tests.support import (
    NOW,
    CountingDirectory,
    MovingClock,
    memory_adapters,
    resume_deferred,
    run,
    setup_teams,
)

REGISTER = "service register checkout-api --sample checkout --team payments"


def _services(directory: CountingDirectory) -> Services:
    services = build(
        Settings(org_admins=("slack:T1:root",)),
        memory_adapters(MovingClock(NOW), directory=directory),
    )
    setup_teams(services)
    assert not run(services, REGISTER, user="oli").failed
    return services


def _reads_of_payments(text: str, *, user: str) -> tuple[Reply, int]:
    """`user` types `text` in payments' channel: the answer, and how often payments was read."""
    directory = CountingDirectory()
    services = _services(directory)
    directory.team_reads.clear()
    reply = run(services, text, user=user, channel="C-pay")
    return reply, directory.team_reads.get("payments", 0)


@pytest.mark.parametrize(
    ("text", "user"),
    [
        ("service show checkout-api", "vic"),
        ("service list", "vic"),
        ("team member list", "vic"),
        ("team member add U9 --role responder", "ann"),
        ('alert create slow --service checkout-api --when "p99_latency > 800ms"', "oli"),
        ("investigation list --service checkout-api", "vic"),
    ],
)
def test_one_command_reads_its_team_once(text: str, user: str) -> None:
    # GIVEN team payments with checkout-api, and a directory that counts reads of a team
    # WHEN a member types a command in payments' channel
    reply, reads = _reads_of_payments(text, user=user)
    # THEN it is answered, having read the team record once
    assert not reply.failed, reply
    assert reads == 1


def test_a_deferred_command_reads_its_team_once_when_asked_and_once_when_run() -> None:
    # GIVEN team payments with checkout-api
    directory = CountingDirectory()
    services = _services(directory)
    directory.team_reads.clear()
    # WHEN an operator starts a canary (deferred), and the worker runs it
    accepted = run(services, "canary start checkout-api --version 43", user="oli", channel="C-pay")
    asked = directory.team_reads.get("payments", 0)
    started = resume_deferred(services)
    # THEN the bus read the team once for each: when it was asked, and when it ran
    assert accepted.tone is Tone.ACCEPTED, accepted
    assert started.tone is Tone.OK, started
    assert (asked, directory.team_reads["payments"]) == (1, 2)


def test_a_typo_in_the_team_is_still_refused_with_the_closest_name() -> None:
    # GIVEN team payments
    directory = CountingDirectory()
    services = _services(directory)
    # WHEN a member of it names `paymnets`
    reply = run(services, "service list --team paymnets", user="vic", channel="C-pay")
    # THEN it is refused, suggesting payments
    assert reply.tone is Tone.ERROR
    assert "There is no team `paymnets`" in reply.text and "payments" in reply.text
