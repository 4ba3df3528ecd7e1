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
