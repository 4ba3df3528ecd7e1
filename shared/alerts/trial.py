"""What `alert test` says of one evaluation, in words: how many of the last N points breach the
rule (`4 of the last 5 points breach error_rate > 2%`), the signal's value with its unit (an
anomaly condition's detector score explained beside it), how long a pending alert has held; and
the chart it draws."""

from __future__ import annotations

from datetime import datetime

from shared.alerts.evaluator import ANOMALY_HISTORY, PERIOD, Evaluation
from shared.alerts.ports import EvaluationChart
from shared.alerts.states import State, counted, transition
from shared.judging.condition import ANOMALY_SCORE
from shared.telemetry.queries import UNITS
from shared.times import length, moment, whole_minutes


def outcome_text(ev: Evaluation) -> str:
    """What the evaluation would do, as people are told it (`it would FIRE and the channel
    would be told`, `it would become pending`, `it would stay pending`)."""
    policy = ev.policy
    had_data, has_data = not policy.status.no_data, ev.value is not None
    change = transition(ev.before, ev.after, had_data=had_data, has_data=has_data)
    status = policy.status.moved_to(ev.after, ev.at, ev.value, ev.level)
    shown = policy.model_copy(update={"status": status}).shown_state()
    return {
        "fired": "it would FIRE and the channel would be told",
        "resolved": "it would RESOLVE and the firing message would be updated",
        "no data": f"it would show {shown}, NOT resolved, and the firing message would say so",
        "data back": "it would go on FIRING, its data back, and the firing message would say so",
        None: f"it would show {shown}"
        if status.no_data
        else f"it would {'stay' if shown == policy.shown_state() else 'become'} {shown}",
    }[change]


def _last(ev: Evaluation) -> tuple[float | None, ...]:
    return ev.slots[-ev.policy.condition.n :]


def points_text(ev: Evaluation) -> str:
    """`4 of the last 5 points breach error_rate > 2% (it takes 4 of 5)`, or of the latest one."""
    condition = ev.policy.condition
    last = _last(ev)
    rule = f"`{condition.rule()}`"
    if condition.n == 1:
        return _latest_text(ev, rule, missing=all(v is None for v in last))
    judged = counted(ev.slots, condition.n)  # the points the judgement counts, no others
    present = [v for v in judged if v is not None]
    breach = sum(condition.crosses(v) for v in present)
    many = "are anomalous" if condition.anomalous else f"breach {rule}"
    which = "last" if judged == list(last) else "latest"
    text = f"{breach} of the {which} {condition.n} points {many}"
    missing = len(judged) - len(present)
    if missing:
        text += f", {missing} {'has' if missing == 1 else 'have'} no data"
    return f"{text} (it takes {condition.m} of {condition.n})"


def _period_text(ev: Evaluation) -> str:
    """The period judged last, in words: `the last minute`, `the last 5m`."""
    return "the last minute" if ev.period == PERIOD else f"the last {length(ev.period)}"


def _latest_text(ev: Evaluation, rule: str, *, missing: bool) -> str:
    """Whether the latest point judged breaches: the last period's, or when it has none, the
    latest before it (as CloudWatch judges within its range), if there is one."""
    judged = [v for v in ev.slots if v is not None]
    last = _period_text(ev)
    if not judged:
        return f"{last} has no point to check against {rule}"
    condition = ev.policy.condition
    crosses = condition.crosses(judged[-1])
    if condition.anomalous:
        said = "is anomalous" if crosses else "is not anomalous"
    else:
        said = f"breaches {rule}" if crosses else f"does not breach {rule}"
    if missing:
        return f"{last} has no point, so the latest before it is judged: it {said}"
    return f"the latest point {said}"


def value_text(ev: Evaluation) -> str:
    """The signal's latest judged value (the one the firing notice says) with its unit; for an
    anomaly condition, its score explained."""
    condition = ev.policy.condition
    if not ev.points:
        return f"{condition.signal.label}: no data"
    # a point of the minute under way is not judged yet: the notice would not say it
    at, value = next(((t, v) for t, v in reversed(ev.points) if t < ev.at), ev.points[-1])
    judged = ev.period * len(ev.slots)
    if at < ev.at - judged:  # the data stopped: its last value is not "now"
        gone = whole_minutes(ev.at - at)
        return (
            f"{condition.signal.label}: no point since {moment(at, today=ev.at)}, "
            f"{length(gone)} ago (the latest, {condition.shown(value)}; the last "
            f"{length(judged)} are judged)"
        )
    if at < ev.at - ev.period * condition.n:  # not of the periods the condition counts
        when = moment(at, today=ev.at)
        text = f"{condition.signal.label}: latest {condition.shown(value)}, at {when}"
    else:
        text = f"{condition.signal.label} now {condition.shown(value)}"
    if ev.period > PERIOD:
        step = length(ev.period)
        text += f" (a point every {step}, each counted for {step})"
    if condition.anomalous and ev.value is not None:
        hours = length(ANOMALY_HISTORY)
        text += (
            f"; the detector scores it {ev.value:.3f} (how unusual it is against the last "
            f"{hours}: {ANOMALY_SCORE:g} or more counts as anomalous)"
        )
    return text


def hold_text(ev: Evaluation) -> str:
    """How long a pending alert has held of the time it needs before firing, if it is pending."""
    hold = ev.policy.condition.hold
    if ev.after.state is not State.PENDING or ev.after.active_at is None:
        return ""
    held = ev.at - ev.after.active_at
    if held < PERIOD:
        return (
            f"it began to hold at this evaluation (`for` counts from the first evaluation that "
            f"sees it hold), and fires once it has held for {length(hold)}"
        )
    return f"it has held for {length(held)} of the {length(hold)} it needs before it fires"


def _breaching(ev: Evaluation, first: datetime) -> tuple[datetime, ...]:
    """The times of the charted points that fall in a judged period that breaches."""
    condition, last = ev.policy.condition, _last(ev)
    found = []
    for at, _ in ev.points:
        if first <= at < ev.at:
            judged = last[min(int((at - first) / ev.period), len(last) - 1)]
            if judged is not None and condition.crosses(judged):
                found.append(at)
    return tuple(found)


def chart_of(ev: Evaluation) -> EvaluationChart:
    """The evaluation as `alert test` draws it."""
    policy = ev.policy
    condition = policy.condition
    first = ev.at - ev.period * condition.n
    unit = UNITS[condition.signal].strip()
    return EvaluationChart(
        title=f"{policy.name} on {policy.service}",
        signal=f"{condition.signal.label} ({unit})" if unit else condition.signal.label,
        points=ev.points,
        threshold=condition.threshold,
        judged_from=first,
        end=ev.at,
        breaching=_breaching(ev, first),
    )
