"""What `alert list`, `alert show` and `silence list` say: each alert's state with since when, who
acknowledged it, the silence that mutes it (until when, by whom, why), durations as people say
them (`5m`, `2 days`) and every time not of today with its date."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta

from shared.alerts.models import AlertPolicy, Severity, Silence
from shared.alerts.problems import LIMIT
from shared.alerts.states import Missing, State
from shared.times import length, moment

NO_COMMENT = "no comment"  # what silences without a comment stored before: not anyone's words

IF_MISSING = {
    Missing.MISSING: "judged on the points there are; with none, it shows no data (a firing alert "
    "stays firing: no data is no all-clear)",
    Missing.OK: "missing points count as ok (not breaching)",
    Missing.ALERTING: "missing points count as breaching",
    Missing.KEEP: "judged on the points there are; with none, it keeps its state",
}
"""What `--missing` does, in the words of Grafana's "no data" setting."""


def muting(policy: AlertPolicy, silences: Sequence[Silence], now: datetime) -> Silence | None:
    """The silence that mutes `policy` now (the one that ends last), if any."""
    found = [s for s in silences if s.mutes(policy, now)]
    return max(found, key=lambda s: s.ends_at) if found else None


def state_text(policy: AlertPolicy, now: datetime) -> str:
    """`firing since 09:12 UTC, acknowledged by @rey`, `pending since …`, `no data`."""
    status = policy.status
    since = {State.FIRING: status.fired_at, State.PENDING: status.active_at}.get(status.state)
    text = policy.shown_state()
    if since is not None:
        text += f" since {moment(since, today=now)}"
    if status.state is State.FIRING and status.acknowledged_by:
        text += f", acknowledged by @{status.acknowledged_by}"
    if status.state is State.FIRING and status.escalated_at and policy.escalate_to:
        text += f", escalated to {policy.escalate_to} at {moment(status.escalated_at, today=now)}"
    elif status.state is State.FIRING and status.escalation_problem and not status.acknowledged_by:
        text += f", {status.escalation_problem}"
    return text


def left(span: timedelta) -> str:
    """What is left of a silence as people say it, in its largest two units, the second rounded:
    `2 days` (also for 1 day 23h 59m), `1 day 6h`, `1h 30m`, `5m` (no seconds ticking)."""
    minutes = math.ceil(span.total_seconds() / 60)
    if minutes >= 24 * 60:  # days and hours: round to the hour
        return length(timedelta(hours=round(minutes / 60)))
    return length(timedelta(minutes=minutes))


def matched(silence: Silence) -> str:
    """What a silence matches, in words: `alert slow-checkout`."""
    return ", ".join(f"{key} {value}" for key, value in silence.matchers.items())


def silence_text(silence: Silence, now: datetime) -> str:
    """`until Wed 2 Dec 23:10 UTC (2 days left) by @rey: load test`."""
    remaining = silence.ends_at - now
    shown = f" ({left(remaining)} left)" if remaining > timedelta(0) else ""
    return f"until {moment(silence.ends_at, today=now)}{shown} {_by(silence)}"


def _by(silence: Silence) -> str:
    """`by @rey: load test`, or `by @rey (no comment)`: never words the person did not say."""
    if silence.comment in {"", NO_COMMENT}:  # silences stored before kept the words as a comment
        return f"by @{silence.created_by} (no comment)"
    return f"by @{silence.created_by}: {silence.comment}"


def list_field(policy: AlertPolicy, silences: Sequence[Silence], now: datetime) -> tuple[str, str]:
    """One policy of `alert list`: its state, its silence, its service and condition."""
    parts = [state_text(policy, now)]
    silence = muting(policy, silences, now)
    if silence is not None:
        parts.append(f"silenced {silence_text(silence, now)}")
    parts.append(f"{policy.service}: `{policy.condition.text()}`")
    return policy.name, " · ".join(parts)


def describe(policy: AlertPolicy, silences: Sequence[Silence], now: datetime) -> str:
    """`alert show`: what the policy watches, what it does, and where its alert stands."""
    keep = policy.keep_firing_for
    lines = [
        f"Service {policy.service} · `{policy.condition.text()}` · {policy.severity.value}",
        f"If data is missing: {IF_MISSING[policy.missing]} (`--missing {policy.missing.value}`) · "
        + (f"keep firing for {length(keep)}" if keep else "keep firing: off"),
        f"Posts to #{policy.channel}" if policy.channel else "Posts to the team's channel",
        f"State: {state_text(policy, now)}",
    ]
    evaluated = policy.status.evaluated_at
    if policy.status.problem:
        lines.append(f"Cannot be judged: {policy.status.problem[:LIMIT]}")
    elif policy.status.no_data and evaluated is not None:
        # the state is written when it changes, not each minute: this is when it began
        lines.append(f"No data to judge since {moment(evaluated, today=now)}")
    silence = muting(policy, silences, now)
    if silence is not None:
        lines.append(f"Silenced {silence_text(silence, now)} ({silence.id})")
    if policy.investigate:
        lines.append("Opens an investigation when it fires")
    if (
        policy.escalate_to
        and policy.escalate_after is not None
        and policy.severity is Severity.PAGE
    ):
        lines.append(
            f"Escalates to {policy.escalate_to} if unacknowledged after "
            f"{length(policy.escalate_after)}"
        )
    elif policy.escalate_to:
        lines.append(f"Only pages escalate: this {policy.severity.value} stays in its channel")
    return "\n".join(lines)


def silence_line(silence: Silence, now: datetime) -> str:
    """One silence of `silence list`: active or expired, what it matches, until when, by whom."""
    matchers = matched(silence)
    if silence.ends_at <= now:
        ended = moment(silence.ends_at, today=now)
        if silence.ended_by:  # not its maker's doing, unless they say so
            return (
                f"expired · {matchers} · ended {ended} by @{silence.ended_by} · made {_by(silence)}"
            )
        return f"expired · {matchers} · ended {ended} · made {_by(silence)}"
    state = "active" if silence.starts_at <= now else "scheduled"
    return f"{state} · {matchers} · {silence_text(silence, now)}"


def silence_summary(silence: Silence, now: datetime) -> str:
    """A silence in a few words, to pick it out: `alert slow, until 10:30 UTC` (or `ended …`)."""
    matchers = matched(silence)
    ends = moment(silence.ends_at, today=now)
    return f"{matchers}, {'ended' if silence.ends_at <= now else 'until'} {ends}"
