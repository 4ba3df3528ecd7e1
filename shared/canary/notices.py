"""The one message each canary has, updated at every step."""

from __future__ import annotations

from shared.canary.models import Canary, CanaryState
from shared.replies import Button, Image, Reply, Tone

_TONE = {
    CanaryState.RUNNING: Tone.INFO,
    CanaryState.HOLDING: Tone.USAGE,
    CanaryState.PROMOTED: Tone.OK,
    CanaryState.ROLLED_BACK: Tone.ERROR,
}


def canary_notice(canary: Canary, chart: Image | None = None) -> Reply:
    """Title with the state and weight, the latest steps with the judge's reasons, the chart of
    canary against stable per metric (when there is one), buttons."""
    scope = f"{canary.id} --team={canary.team}"
    buttons: list[Button] = []
    if not canary.state.over:
        pause = (
            Button(label="Resume", command=f"sre canary resume {scope}")
            if canary.state is CanaryState.HOLDING
            else Button(label="Hold", command=f"sre canary hold {scope}")
        )
        buttons = [
            pause,
            Button(label="Promote", command=f"sre canary promote {scope}", style="primary"),
            Button(label="Roll back", command=f"sre canary rollback {scope}", style="danger"),
        ]
    lines = [
        f"{r.at:%H:%M} {r.weight:.0%} {r.what} by @{r.by}: {r.reason}" for r in canary.history[-8:]
    ]
    return Reply(
        tone=_TONE[canary.state],
        title=(
            f"Canary {canary.service} version {canary.release}: {canary.state.value} "
            f"at {canary.weight:.0%} (step {min(canary.step + 1, len(canary.steps))}"
            f"/{len(canary.steps)})"
        ),
        text="\n".join(lines),
        fields=[
            ("Canary", f"{canary.id} (team {canary.team})"),
            ("Target", f"{canary.target}: stable {canary.stable}, canary {canary.release}"),
        ],
        buttons=buttons,
        images=[chart] if chart else [],
    )
