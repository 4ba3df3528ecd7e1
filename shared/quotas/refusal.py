"""How a quota refusal reads: what was used of which limit, when it resets, who can raise it."""

from __future__ import annotations

from datetime import datetime

from shared.errors import SreError
from shared.identity.teams import teams_own
from shared.quotas.models import MAX_CAP, ORG_WIDE, Limit, Refused
from shared.times import moment

_FREED = {
    Limit.ALERT_POLICIES: "one frees up when a policy is deleted",
    Limit.CANARIES: "one frees up when one of them is promoted or rolled back",
}


class QuotaExceededError(SreError):
    """A quota would be passed, so nothing was done; the message says what to do."""

    audited = True

    def __init__(self, message: str, *, refused: Refused) -> None:
        super().__init__(message)
        self.refused = refused


def refusal(refused: Refused, team: str, *, now: datetime) -> QuotaExceededError:
    """The error that tells team `team` it reached `refused`'s limit."""
    limit = refused.limit
    over = refused.used - refused.cap + 1  # what must end before one more fits
    if refused.cap == 0:  # nothing ending or resetting makes room under a cap of none
        when = "its quota allows none at all"
    elif refused.resets:
        when = f"it resets at {moment(refused.resets, today=now)}"
    elif over > 1:  # the cap was set below what the team had
        when = f"{over:,} of them must end before one more fits"
    else:
        when = _FREED.get(limit, "one frees up when one of them ends")
    if not team:  # an org-wide prompt experiment's gate: the org's default quota
        used = (
            f"The org's {ORG_WIDE} prompt experiments have used {refused.used:,} of their "
            f"{refused.cap:,} {limit.unit} (quota `{limit.value}`, the org's default)"
        )
    elif refused.cap == 0 and refused.used == 0:
        used = f"T{teams_own(team)[1:]} quota `{limit.value}` is 0 {limit.unit}"
    else:
        used = (
            f"Team {team} has used {refused.used:,} of its {refused.cap:,} {limit.unit} "
            f"(quota `{limit.value}`)"
        )
    raised = _higher(max(refused.cap, refused.used))
    return QuotaExceededError(
        f"{used}, so this was not done; {when}. An org admin can raise it: "
        f"`sre quota set {limit.value} {raised}{f' --team {team}' if team else ''}`.",
        refused=refused,
    )


def _higher(used: int) -> str:
    """A raise `sre quota set` accepts that leaves room: double what is used or allowed (at
    least 10), at most its largest value; `unlimited` once that is reached already."""
    if used >= MAX_CAP:
        return "unlimited"
    return f"{min(max(used * 2, 10), MAX_CAP):,}"
