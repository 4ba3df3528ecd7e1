"""What people see of alerts: the firing message (one per service per tick), its updates (resolved,
its data stopped: not resolved, its data back), and the escalation."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from shared.alerts.models import AlertPolicy, Severity
from shared.alerts.states import Missing, State
from shared.judging.condition import ANOMALY_SCORE
from shared.replies import Button, Ref, Reply, Tone, user_ref
from shared.times import length, moment, whole_minutes


def value_text(policy: AlertPolicy) -> str:
    """The policy's latest value with its unit (`4.2%`, `830 ms`), an anomaly condition's signal
    and its score with what it means (`6.1% (detector score 0.995; 0.99 or more is anomalous)`),
    or no data."""
    value = policy.status.value
    if value is None:
        return "no data"
    if policy.condition.anomalous:  # what was judged is the detector's score: say what it means
        score = f"detector score {value:.3f}"
        level = policy.status.level
        if level is None:  # stored before its level was kept
            return f"{score} ({ANOMALY_SCORE:g} or more is anomalous)"
        shown = policy.condition.shown(level)
        return f"{shown} ({score}; {ANOMALY_SCORE:g} or more is anomalous)"
    return policy.condition.shown(value)


def _ackers(policies: Iterable[AlertPolicy]) -> tuple[Ref, ...]:
    """Who acknowledged the policies, as references (mentioned where the platform can)."""
    return tuple(
        user_ref(who) for who in sorted({p.status.acknowledged_by or "" for p in policies} - {""})
    )


def _blind(policy: AlertPolicy) -> bool:
    """A firing alert whose data stopped: not resolved (missing data is no all-clear), and not
    judged firing either, unless missing data counts as breaching."""
    status = policy.status
    return (
        status.state is State.FIRING and status.no_data and policy.missing is not Missing.ALERTING
    )


def _line(policy: AlertPolicy, today: datetime | None = None) -> str:
    state = policy.status.state
    mark = {State.FIRING: "FIRING", State.PENDING: "pending", State.INACTIVE: "resolved"}[state]
    since = policy.status.fired_at if state is State.FIRING else policy.status.resolved_at
    today = today or policy.status.evaluated_at or since
    when = f" since {moment(since, today=today)}" if since and today else ""
    if _blind(policy):  # the time is when it fired, not when its data stopped
        mark = "NO DATA, not judged resolved"
        when = f" (firing{when})"
    ack = (
        f" · acknowledged by @{policy.status.acknowledged_by}"
        if policy.status.acknowledged_by
        else ""
    )
    return (
        f"{mark} [{policy.severity.value}] {policy.name}: `{policy.condition.text()}` "
        f"now {value_text(policy)}{when}{ack}"
    )


BUTTONED = 5
"""The alerts of one message that get buttons of their own, loudest first (Slack shows at most
25 in a row); any others are acknowledged by name (`sre alert ack NAME`)."""


def _buttons(policies: Sequence[AlertPolicy]) -> list[Button]:
    """Acknowledge and silence buttons for each of `policies` (the loudest BUTTONED; each named
    when there are several: a page acknowledged by a button for another alert escalates all
    the same), then one to investigate their service."""
    loudest = sorted(policies, key=lambda p: (list(Severity).index(p.severity), p.name))
    buttons: list[Button] = []
    for policy in loudest[:BUTTONED]:
        scope = f"{policy.name} --team={policy.team}"
        named = f" {policy.name}" if len(policies) > 1 else ""
        buttons += [
            Button(label=f"Acknowledge{named}", command=f"sre alert ack {scope}", style="primary"),
            Button(label=f"Silence 1h{named}", command=f"sre alert silence {scope} --duration 1h"),
            Button(label=f"Silence 4h{named}", command=f"sre alert silence {scope} --duration 4h"),
        ]
    if not policies:
        return buttons
    first = policies[0]
    investigate = f"sre investigate {first.service} --team={first.team}"
    return [*buttons, Button(label="Investigate", command=investigate)]


def group_notice(policies: Sequence[AlertPolicy], today: datetime | None = None) -> Reply:
    """One message for the alerts of one service that changed together: each with its state
    (a time not of the day of `today`, by default their evaluation's, with its date); buttons
    for each that still fires (or has no data)."""
    blind = [p for p in policies if _blind(p)]
    firing = [p for p in policies if p.status.state is State.FIRING and p not in blind]
    service = policies[0].service
    if firing:
        names = ", ".join(p.name for p in firing)
        title = f"FIRING {service}: {names}"
    elif blind:  # its data stopped: that is no all-clear
        title = f"NO DATA {service}: {', '.join(p.name for p in blind)}"
    else:
        title = f"RESOLVED {service}: {', '.join(p.name for p in policies)}"
    fields = [("Team", policies[0].team)]
    if any(p.investigate for p in firing):
        # the scheduler cannot know here whether one is open: words true of both outcomes
        fields.append(
            (
                "Investigation",
                "requested; the report, or the open investigation it joins, follows in this thread",
            )
        )
    return Reply(
        tone=Tone.ERROR if firing else Tone.INFO if blind else Tone.OK,
        title=title,
        text="\n".join(_line(p, today) for p in policies),
        fields=fields,
        buttons=_buttons(firing or blind),
        refs=_ackers(policies),
    )


def escalation_notice(policy: AlertPolicy, now: datetime) -> Reply:
    """The page nobody acknowledged, told to the escalation team at `now`: for as long as it has
    fired (more than `--escalate-after` when it could not be escalated before: a channel bound
    late), in whole minutes."""
    after = policy.escalate_after or timedelta(0)
    fired = policy.status.fired_at
    since = now - fired if fired is not None else after
    waited = length(max(after, whole_minutes(since)))
    return Reply(
        tone=Tone.ERROR,
        title=f"Escalated: {policy.service} alert {policy.name} of team {policy.team} "
        f"is unacknowledged after {waited}",
        text=_line(policy, now),
        fields=[("Team", policy.team)],
        refs=_ackers([policy]),
    )


def deleted_notice(policy: AlertPolicy, others: Sequence[AlertPolicy], by: str) -> Reply:
    """What a deleted alert's firing message says from then on: that it is no longer watched,
    beside the alerts that fired with it, as they stand."""
    rule = policy.condition.text()
    gone = f"DELETED [{policy.severity.value}] {policy.name}: `{rule}` by @{by}: no longer watched"
    if not others:
        return Reply(
            tone=Tone.INFO,
            title=f"DELETED {policy.service}: {policy.name}",
            text=gone,
            fields=[("Team", policy.team)],
            refs=(user_ref(by),),
        )
    shown = group_notice(others)
    return shown.model_copy(
        update={"text": f"{shown.text}\n{gone}", "refs": (*shown.refs, user_ref(by))}
    )
