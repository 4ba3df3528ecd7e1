"""Audit entries for what the scheduler does itself (an alert fires, a canary steps), as the actor
`scheduler`."""

from __future__ import annotations

import uuid
from datetime import datetime

from shared.audit.models import AuditDraft, Outcome
from shared.identity.models import Actor, OrgId, Platform, UserId

SCHEDULER = UserId("scheduler")


def scheduler_entry(
    org: str,
    team: str,
    *,
    time: datetime,
    command: str,
    target: str,
    trigger: str,
    details: dict[str, str],
) -> AuditDraft:
    """An audit entry for something the scheduler did itself (an alert fired, a canary stepped);
    `trigger` (the schedule event's id) is its correlation id."""
    return AuditDraft(
        id=uuid.uuid4().hex,
        time=time,
        org=OrgId(org),
        team=team,
        actor=Actor(platform=Platform.SCHEDULER, org=OrgId(org), user=SCHEDULER, name="scheduler"),
        command=command,
        target=target,
        outcome=Outcome.SUCCEEDED,
        correlation_id=trigger[-64:],
        details={"trigger": trigger, **details},
    )
