"""A canary refused because another team of the org runs one on the same resource never names
that team's service, version or canary."""

from __future__ import annotations

from shared.replies import Tone
from tests.support import NOW, MovingClock, run, run_deferred
from tests.support.deployments import canary_services, start_canary


def test_a_resource_taken_by_another_teams_canary_is_refused_without_its_id_or_version() -> None:
    # GIVEN payments' canary of version 43 running on the sample's checkout resource
    services = canary_services(MovingClock(NOW))
    canary = start_canary(services, "43")
    # AND team search, whose admin registered the same resource under another name
    register = "service register shop --sample checkout --team search"
    assert not run(services, register, user="sam").failed
    # WHEN search's admin starts a canary there
    refused = run_deferred(services, "canary start shop --version 7 --team search", user="sam")
    # THEN it is refused without naming payments' service, canary or version
    said = f"{refused.title} {refused.text}"
    assert refused.tone is Tone.ERROR, refused
    assert "Another team's canary is running" in said, said
    assert canary not in said and "checkout-api" not in said and "43" not in said
