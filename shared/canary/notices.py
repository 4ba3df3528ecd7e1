"""What people see of canaries: the one message each canary has (posted once, updated at every
step, with its chart), and the replies to the operators' commands."""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable, Mapping, Sequence

from shared.canary.chart import ComparisonChart, comparison
from shared.canary.history import history_page, shown_entries
from shared.canary.models import Canary, CanaryState
from shared.canary.ports import CanaryStore
from shared.errors import ConflictError, SreError, UnavailableError, missing_record
from shared.identity.models import OrgId
from shared.identity.ports import Directory
from shared.judging.judge import MetricData
from shared.messages import Told, channel_targets, post_or_update
from shared.ports import Notifier
from shared.replies import Button, Image, Ref, Reply, Tone, channel_ref, user_ref

log = logging.getLogger("autosre.canary")
Chart = Callable[[ComparisonChart], bytes]
"""Draws a canary's chart (PNG)."""

_TONE = {
    CanaryState.STARTING: Tone.INFO,
    CanaryState.RUNNING: Tone.INFO,
    CanaryState.HOLDING: Tone.INFO,  # information (a person decides), not a usage error
    CanaryState.PROMOTED: Tone.OK,
    CanaryState.ROLLED_BACK: Tone.ERROR,
    CanaryState.PROMOTING: Tone.INFO,
    CanaryState.ROLLING_BACK: Tone.ERROR,
}


def _tone(canary: Canary) -> Tone:
    """The notice's tone: a rollback a person asked for is information (their decision), one the
    judge or a failed start made is an error."""
    by_hand = bool(canary.history) and canary.history[-1].by != "scheduler"
    if canary.state in {CanaryState.ROLLED_BACK, CanaryState.ROLLING_BACK} and by_hand:
        return Tone.INFO
    return _TONE[canary.state]


def named(canary: Canary) -> str:
    """A canary as people say it: its service and version first, its id after
    (`checkout-api version 43 (can-3f2a9c1d)`), as its message's title and fields do."""
    return f"{canary.service} version {canary.release} ({canary.id})"


def canary_notice(canary: Canary, chart: Image | None = None) -> Reply:
    """Title with the state and weight, the latest steps with the judge's reasons, the chart of
    canary against stable per metric (when there is one), buttons."""
    scope = f"{canary.id} --team={canary.team}"
    buttons: list[Button] = []
    if canary.state.decidable:  # a move under way takes no decision
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
    return Reply(
        tone=_tone(canary),
        title=f"Canary {canary.service} version {canary.release}: {canary.standing}",
        text="\n".join(history_page(canary)),
        fields=[
            ("Canary", f"{canary.id} (team {canary.team})"),
            ("Target", _versions(canary)),
        ],
        buttons=buttons,
        images=[chart] if chart else [],
        refs=_people(canary, 1),
    )


def status_reply(canary: Canary, page: int) -> Reply:
    """`canary status`: the canary's message with the asked page of its steps; an answer, not a
    failure, whatever the canary's state (the terminal's exit status is the command's)."""
    notice = canary_notice(canary)
    return notice.model_copy(
        update={
            "tone": Tone.INFO,
            "text": "\n".join(history_page(canary, page)),
            "refs": _people(canary, page),
        }
    )


def _people(canary: Canary, page: int) -> tuple[Ref, ...]:
    """Whoever the shown page of the history names (mentioned where the platform can)."""
    return tuple(user_ref(by) for by in sorted({r.by for r in shown_entries(canary, page)}))


def _versions(canary: Canary) -> str:
    """Which version is stable on the target: the release once promoted (the old one was)."""
    if canary.state is CanaryState.PROMOTED:
        return f"{canary.target}: stable {canary.release} (was {canary.stable})"
    if canary.state in {CanaryState.ROLLED_BACK, CanaryState.ROLLING_BACK}:
        return f"{canary.target}: stable {canary.stable} ({canary.release} {canary.state.said})"
    return f"{canary.target}: stable {canary.stable}, canary {canary.release}"


def started_reply(canary: Canary, interval: str) -> Reply:
    """What the operator who started a canary is told (alone, when the channel has its message)."""
    where = f" in #{canary.message.channel}" if canary.message else ""
    return Reply(
        tone=Tone.OK,
        title=f"Canary {canary.id} started: version {canary.release} takes {canary.weight:.0%}",
        text=f"Judged every {interval}; follow it{where}.",
        ephemeral=canary.message is not None,  # the canary's message tells the channel
        refs=(channel_ref(canary.message.channel),)
        if canary.message and canary.message.channel
        else (),
    )


def decided_reply(canary: Canary, what: str, user: str, *, told: bool) -> Reply:
    """What the operator who decided by hand is told (said where they asked, to everyone there,
    when the canary's message could not be updated: `told` False)."""
    untold = "" if told else "\nThe canary's message in the channel could not be updated."
    return Reply(
        tone=Tone.OK,
        title=f"{canary.id} {what} by @{user}",
        text=canary_notice(canary).title + untold,
        ephemeral=told and canary.message is not None,  # the updated message tells the rest
        refs=(user_ref(user),),
    )


def team_list(team: str, canaries: Sequence[Canary]) -> Reply:
    """A team's canaries, one line each."""
    if not canaries:
        return Reply(tone=Tone.INFO, title=f"Team {team} has no canaries yet")
    fields = [(x.id, f"{x.service} version {x.release}: {x.standing}") for x in canaries]
    return Reply(tone=Tone.INFO, title=f"Canaries of {team}", fields=fields)


def unknown_canary(canary_id: str, team: str, canaries: Sequence[Canary]) -> str:
    """Why `canary_id` is not found, with the id it may be a typo of, or the team's canaries."""
    return missing_record(
        f"Team {team} has no canary `{canary_id}`",
        canary_id,
        [(x.id, f"{x.service} version {x.release}, {x.state.said}") for x in canaries],
        none="`sre canary start SERVICE --version V`",
        more="`sre canary list`",
    )


def not_done(canary: Canary, what: str, error: Exception) -> SreError:
    """What the operator is told when the traffic could not be moved."""
    if canary.state.moving:
        return UnavailableError(
            f"{canary.id} is recorded as {canary.state.said} but its traffic could not be moved "
            f"yet ({error}): the scheduler tries again every minute."
        )
    return UnavailableError(
        f"{canary.id} could not be {what} ({error}): its traffic is back at "
        f"{canary.weight:.0%} on version {canary.release}. Try again in a minute."
    )


def start_left(canary: Canary, *, kept: bool) -> str:
    """What is left of a start that could not be undone in full (`kept`: recorded as rolling
    back), and who ends it."""
    if kept:
        return "it is recorded as rolling back, and the scheduler tries again every minute."
    if canary.state is CanaryState.STARTING:
        return "it is still listed as starting: the scheduler ends it within a few minutes."
    return f"it is still listed as running: end it with `sre canary rollback {canary.id}`."


class CanaryMessages:
    """Keeps each canary's one message: posted in its team's channel once, updated after, with
    the chart of the metrics so far."""

    def __init__(
        self, *, store: CanaryStore, directory: Directory, notifier: Notifier, draw: Chart | None
    ) -> None:
        self._store = store
        self._directory = directory
        self._notifier = notifier
        self._draw = draw

    def tell(self, canary: Canary, data: Mapping[str, MetricData] | None = None) -> Canary:
        """Post the canary's message the first time, update it after (with the chart of `data`,
        the metrics so far); keep where it is."""
        return self._tell(canary, data)[0]

    def tell_made(
        self, canary: Canary, data: Mapping[str, MetricData] | None = None
    ) -> tuple[Canary, bool]:
        """Tell a move already made: a failure (the channel, the directory, the store) is logged,
        never raised; the canary, and whether its message now shows the move."""
        try:
            saved, told = self._tell(canary, data)
        except Exception:
            log.exception("could not tell canary %s's %s", canary.id, canary.state.value)
            return canary, False
        return saved, not told.failed

    def _tell(self, canary: Canary, data: Mapping[str, MetricData] | None) -> tuple[Canary, Told]:
        """`tell`, with what the channels made of it."""
        chart = self._chart(canary, data) if data else None
        channels = channel_targets(self._directory, OrgId(canary.org), canary.team, canary.platform)
        told = post_or_update(
            self._notifier,
            canary_notice(canary, chart),
            message=canary.message,
            channels=channels[:1],
        )
        if not told.where or told.where[0] == canary.message:
            return canary, told
        try:
            return self._store.save(canary.model_copy(update={"message": told.where[0]})), told
        except ConflictError:
            return canary, told

    def _chart(self, canary: Canary, data: Mapping[str, MetricData]) -> Image | None:
        """Each metric's stable and canary series so far, one small panel each, to show inside
        the canary's message."""
        chart = comparison(canary, data)
        if self._draw is None or not chart.panels:
            return None
        try:
            png = self._draw(chart)
        except Exception:
            log.exception("could not chart canary %s", canary.id)
            return None
        return Image(
            name=f"{canary.id}-{sum(r.repeats for r in canary.history)}.png",
            title=(
                f"{canary.service}: canary {canary.release} vs stable {canary.stable}, per minute"
            ),
            png_base64=base64.b64encode(png).decode(),
            inline=True,
        )
