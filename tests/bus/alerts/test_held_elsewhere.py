"""Alert policies of an org that registered another org's cloud resource before claims existed:
once the resource is claimed for the org that registered it first, they are skipped unread."""

from __future__ import annotations

from shared.identity.models import OrgId
from shared.services.ownership import record_claims
from tests.support import NOW
from tests.support.alerting import RecordedReads, reading_lambda, team_with_alerts

FIRST, LATER = OrgId("slack:T1"), OrgId("slack:T2")


def test_a_later_orgs_alerts_on_a_resource_another_org_holds_are_not_read() -> None:
    # GIVEN two orgs whose teams both registered fn-1, with an alert each, before claims existed
    provider = RecordedReads()
    services, store, evaluator = reading_lambda(provider)
    team_with_alerts(services, store, FIRST, fn="fn-1")
    team_with_alerts(services, store, LATER, fn="fn-1", team="ops", channel="C-ops")
    # WHEN the claims are recorded (the first tick after the upgrade does it)
    record_claims(services.directory)
    ops = services.directory.get_team(LATER, "ops")
    assert ops is not None and ops.services["checkout"].held_elsewhere
    # THEN the later org's alert is judged on nothing read, saying why; the first org's is read
    (theirs,) = evaluator.evaluate(store.list_for(LATER, "ops"), NOW)
    assert theirs.problem == "checkout's resource is held by another organisation"
    assert provider.spans == []
    (ours,) = evaluator.evaluate(store.list_for(FIRST, "payments"), NOW)
    assert ours.active is True and len(provider.spans) == 1
