"""Org ids keyed by platform (`slack:T1`, `teams:<tenant>`) are stored and listed as they are, by
every audit log and directory: a colon in the key neither breaks nor merges orgs."""

from __future__ import annotations

from shared.audit.models import StreamKey
from shared.audit.ports import AuditLog
from shared.identity.models import OrgId, Role, Team, UserId
from shared.identity.ports import Directory
from tests.support import NOW, audit_draft, trail_for

SLACK, TEAMS = OrgId("slack:T1"), OrgId("teams:T1")


def test_the_same_native_id_on_two_platforms_is_two_orgs_in_the_audit_log(
    audit_log: AuditLog,
) -> None:
    trail = trail_for(audit_log)
    for org in (SLACK, TEAMS):
        trail.append(audit_draft(f"sre team create in {org}").model_copy(update={"org": org}))
    assert list(audit_log.orgs()) == [SLACK, TEAMS]
    assert audit_log.streams(SLACK) == [StreamKey(org=SLACK, team="payments")]
    assert [e.position for e in audit_log.scan(StreamKey(org=TEAMS, team="payments"))] == [1]


def test_the_same_native_id_on_two_platforms_is_two_orgs_in_the_directory(
    directory: Directory,
) -> None:
    team = Team(
        org=SLACK,
        name="payments",
        created_at=NOW,
        created_by=UserId("root"),
        members={UserId("root"): Role.ADMIN},
    )
    directory.save_team(team)
    assert [t.name for t in directory.list_teams(SLACK)] == ["payments"]
    assert directory.list_teams(TEAMS) == []
    assert directory.get_team(TEAMS, "payments") is None
