"""What a team is told when the scheduler cannot judge one of its alert policies (its service is
gone, its metrics cannot be read), and when it can again: once each, not every tick."""

from __future__ import annotations

from shared.alerts.models import AlertPolicy
from shared.replies import Reply, Tone

LIMIT = 300
"""Characters of a problem shown (a provider's error can be long)."""


def problem_notice(policy: AlertPolicy, before: str) -> Reply:
    """The notice of the policy's new problem, or of the one it had (`before`) clearing."""
    problem = policy.status.problem
    if not problem:
        return Reply(
            tone=Tone.OK,
            title=f"Alert {policy.name} can be judged again",
            text=f"It could not be: {before[:LIMIT]}.",
        )
    return Reply(
        tone=Tone.ERROR,
        title=f"Alert {policy.name} cannot be judged: {problem[:LIMIT]}",
        text=f"Until this is fixed it sees no data (told once; again when it changes or clears). "
        f"`sre alert show {policy.name} --team {policy.team}` shows it; "
        f"`sre alert delete {policy.name} --team {policy.team}` removes it.",
    )
