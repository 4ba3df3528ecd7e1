"""Sharing a service with a team that already sees it changes nothing, and says so."""

from __future__ import annotations

from bots.slack.render import blocks
from shared.audit.models import ORG_STREAM, StreamKey
from shared.replies import Tone
from tests.support import NOW, ORG, MovingClock, records, run
from tests.support.deployments import alerting_services

SHARE = "service share checkout-api --to search --team payments"


def test_sharing_twice_says_there_is_nothing_to_change_and_audits_nothing() -> None:
    # GIVEN payments' checkout-api shared with search once
    services = alerting_services(MovingClock(NOW))
    assert run(services, SHARE).tone is Tone.OK
    streams = [StreamKey(org=ORG, team=t) for t in ("payments", "search", ORG_STREAM)]
    before = [len(records(services.audit_log, stream)) for stream in streams]
    # WHEN the org admin shares it again
    reply = run(services, SHARE)
    # THEN nothing to change (not a conflict), and no audit entry anywhere
    assert reply.tone is Tone.INFO, reply
    assert "Nothing to change: team search already sees checkout-api" in str(blocks(reply))
    assert reply.receipt is None
    assert [len(records(services.audit_log, stream)) for stream in streams] == before


def test_sharing_in_a_bound_channel_shares_the_channels_teams_service() -> None:
    # GIVEN channel C-pay bound to payments, which owns checkout-api
    services = alerting_services(MovingClock(NOW))
    # WHEN the org admin shares it there without --team
    reply = run(services, "service share checkout-api --to search", channel="C-pay")
    # THEN payments' service is shared with search, as with `--team payments`
    assert reply.tone is Tone.OK, reply
    assert "Service checkout-api of team payments shared read-only with team search" in str(
        blocks(reply)
    )
    search = services.directory.get_team(ORG, "search")
    assert search is not None
    assert search.services["checkout-api"].shared_from == "payments"


def test_sharing_in_an_unbound_channel_without_team_says_how_to_name_it() -> None:
    # GIVEN channel C-general, bound to no team
    services = alerting_services(MovingClock(NOW))
    # WHEN the org admin shares a service there without --team
    reply = run(services, "service share checkout-api --to search")
    # THEN a usage answer asks which team owns it, with this very command as the example
    assert reply.tone is Tone.USAGE, reply
    shown = str(blocks(reply))
    assert "say which team owns checkout-api with `--team NAME`" in shown
    assert "sre service share checkout-api --to search --team NAME" in shown
