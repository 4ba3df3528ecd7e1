"""What an audit entry names as its target, written through the whole bus: the thing the command
acted on (`alert:NAME`, `service:NAME`), never a guess from a field called `name`."""

from __future__ import annotations

from shared.audit.models import Outcome, StreamKey
from shared.identity.models import OrgId
from tests.support import NOW, ORG, MovingClock, records, run
from tests.support.deployments import alerting_services


def test_an_alert_and_a_service_are_audited_as_what_they_are() -> None:
    # GIVEN payments with the service checkout-api (alerting_services registers it)
    services = alerting_services(MovingClock(NOW))
    create = 'alert create p99-high --service checkout-api --when "p99_latency > 800ms for 5m"'
    # WHEN an operator creates an alert, a responder silences it, an admin adds a member
    assert not run(services, create, user="oli", channel="C-pay").failed
    assert not run(
        services, "alert silence p99-high --duration 1d", user="rey", channel="C-pay"
    ).failed
    assert not run(services, "team member add U024BE7LH", user="ann", channel="C-pay").failed
    # THEN the trail names each target by its kind
    done = [
        (r.command.split()[1:3], r.target)
        for r in records(services.audit_log, StreamKey(org=OrgId(ORG), team="payments"))
        if r.outcome is Outcome.SUCCEEDED
    ]
    assert (["service", "register"], "service:checkout-api") in done
    assert (["alert", "create"], "alert:p99-high") in done
    assert (["alert", "silence"], "alert:p99-high") in done
    assert (["team", "member"], "user:U024BE7LH") in done
    assert not [target for _, target in done if target.startswith("team:")]
