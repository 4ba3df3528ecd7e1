"""Audit entries for what the scheduler does itself (an alert fires, a canary steps), as the actor
`scheduler`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import NamedTuple

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
    outcome: Outcome = Outcome.SUCCEEDED,
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
        outcome=outcome,
        correlation_id=trigger[-64:],
        details={"trigger": trigger, **details},
    )


class ScheduledAction(NamedTuple):
    """What a scheduler entry says was done: by which feature, what, to which of its things."""

    feature: str
    """`alert` or `canary`."""
    what: str
    """`fired`, `resolved`, `escalated to TEAM`, `advanced`, `rolled back`, …"""
    subject: str
    """The alert policy's name or the canary's id."""

    def command(self) -> str:
        """The entry's command text: `alert fired p99-high`, `canary rolled back can-1a2b`."""
        return f"{self.feature} {self.what} {self.subject}"


def scheduled_action(command: str) -> ScheduledAction | None:
    """A scheduler entry's command read back (None for a typed command, `sre …`): the one
    wording that features write with `ScheduledAction.command` and others read (an
    investigation lists an alert firing or a canary step as an event)."""
    words = command.split()
    if len(words) < 3 or words[0] == "sre":
        return None
    return ScheduledAction(words[0], " ".join(words[1:-1]), words[-1])
