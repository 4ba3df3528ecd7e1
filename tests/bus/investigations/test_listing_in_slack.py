"""Listing and reopening investigations as Slack shows them: a service name with a typo is
answered with the one meant, the "more" line comes after the list, and whoever reopened one is
a mention."""

from __future__ import annotations

from bots.slack.render import blocks
from shared.adapters.memory import FixedClock
from shared.bootstrap.wiring import Services
from shared.replies import Reply, Tone
from tests.support import resume_deferred, run
from tests.support.deployments import SLACK_ALICE, SLACK_CHANNEL, slack_id_services


def _investigated(services: Services, service: str, window: str = "1h") -> str:
    """An investigation of `service` over the last `window` by alice in the team's channel."""
    text = f"investigate {service} --window {window}"
    accepted = run(services, text, user=SLACK_ALICE, channel=SLACK_CHANNEL)
    assert accepted.tone is Tone.ACCEPTED, accepted
    return dict(resume_deferred(services).fields)["Investigation"].split()[0]


def _alice(services: Services, text: str) -> Reply:
    return run(services, text, user=SLACK_ALICE, channel=SLACK_CHANNEL)


def _checkout(clock: FixedClock) -> Services:
    services = slack_id_services(clock)
    registered = _alice(services, "service register checkout-api --sample checkout")
    assert registered.tone is Tone.OK, registered
    return services


def test_a_service_the_team_does_not_have_is_answered_with_the_one_meant(
    clock: FixedClock,
) -> None:
    # GIVEN team demo with checkout-api, investigated once
    services = _checkout(clock)
    _investigated(services, "checkout-api")
    # WHEN its investigations are listed with the service's name mistyped
    reply = _alice(services, "investigation list --service chekout-api")
    # THEN it is refused with the name meant, not "no investigations of chekout-api yet"
    assert reply.failed, reply
    said = str(blocks(reply))
    assert "Did you mean `checkout-api`?" in said, said
    assert "no investigations" not in said, said


def test_the_more_line_comes_after_the_list(clock: FixedClock) -> None:
    # GIVEN three investigations of checkout-api
    services = _checkout(clock)
    ids = [_investigated(services, "checkout-api", window) for window in ("1h", "2h", "3h")]
    # WHEN two are listed
    said = str(blocks(_alice(services, "investigation list --limit 2")))
    # THEN Slack shows the two listed first, then how to see the one more
    more = said.index("1 more")
    listed = [said.index(i) for i in ids if i in said]
    assert len(listed) == 2 and max(listed) < more, said
    assert "sre investigation list --limit 3" in said[more:], said


def test_whoever_reopened_an_investigation_is_a_mention(clock: FixedClock) -> None:
    # GIVEN a resolved investigation
    services = _checkout(clock)
    inv = _investigated(services, "checkout-api")
    assert _alice(services, f"investigation resolve {inv} rolled back").tone is Tone.OK
    # WHEN alice reopens it
    reopened = _alice(services, f"investigation reopen {inv}")
    # THEN Slack names her with a mention, never her raw id
    said = str(blocks(reopened))
    assert f"{inv} reopened by <@{SLACK_ALICE}>" in said, said
    assert f"@{SLACK_ALICE}" not in said.replace(f"<@{SLACK_ALICE}>", ""), said
