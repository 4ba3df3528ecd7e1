"""How a quota refusal reads: what was used of which limit, when it resets, who can raise it."""

from __future__ import annotations

from datetime import datetime

from shared.errors import SreError
from shared.quotas.models import MAX_CAP, Limit, Refused
from shared.times import moment

_FREED = {
    Limit.ALERT_POLICIES: "one frees up when a policy is deleted",
    Limit.CANARIES: "one frees up when one of them is promoted or rolled back",
}


class QuotaExceededError(SreError):
    """A quota would be passed, so nothing was done; the message says what to do."""

    def __init__(self, message: str, *, refused: Refused) -> None:
        super().__init__(message)
        self.refused = refused


def refusal(refused: Refused, team: str, *, now: datetime) -> QuotaExceededError:
    """The error that tells team `team` it reached `refused`'s limit."""
    limit = refused.limit
    when = (
        f"it resets at {moment(refused.resets, today=now)}"
        if refused.resets
        else _FREED.get(limit, "one frees up when one of them ends")
    )
    return QuotaExceededError(
        f"Team {team} has used {refused.used:,} of its {refused.cap:,} {limit.unit} "
        f"(quota `{limit.value}`), so this was not done; {when}. An org admin can raise it: "
        f"`sre quota set {limit.value} {_higher(refused.cap)} --team {team}`.",
        refused=refused,
    )


def _higher(cap: int) -> str:
    """A raise `sre quota set` accepts: double the cap (at least 10), at most its largest value;
    `unlimited` once the cap is that largest value already."""
    if cap >= MAX_CAP:
        return "unlimited"
    return f"{min(max(cap * 2, 10), MAX_CAP):,}"
