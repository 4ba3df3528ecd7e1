"""What forbids a start, in words: the org's safety lever, a real outage of the team, an
experiment already on the service, a preflight problem (each with its fix), and a steady state
that surely does not hold before it (judged on the minutes before, never on one sample)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from statistics import median, quantiles

from shared.chaos.hypothesis import CONTROLS, detectable
from shared.chaos.models import Experiment, LeverState, Problem, SteadyState
from shared.judging.condition import Condition
from shared.judging.judge import COUNT_P, MetricData
from shared.judging.stats import binomial_tail, needed_samples
from shared.telemetry.models import Signal

OVER_P = 0.05
"""How sure the minutes before a start must make it that the service is past a bound before
the start is refused (one-sided: a healthy service is refused at most 5% of the time)."""


def refusals(
    *,
    lever: LeverState,
    outage: Sequence[str],
    running: Sequence[Experiment],
    problems: Sequence[Problem],
) -> list[str]:
    """Every reason a start is refused now, each a sentence; empty when it may start."""
    found: list[str] = []
    if lever.engaged:
        found.append(
            f"The org's safety lever is engaged{lever.said_by}: an org admin releases it with "
            "`sre chaos unhalt`."
        )
    if outage:
        ends = (
            " (an investigation that is over ends with `sre investigation resolve ID SUMMARY`)"
            if any(said.startswith("investigation ") for said in outage)
            else ""
        )
        found.append(
            f"Its team is in a real outage ({'; '.join(outage)}): no chaos until it is over{ends}."
        )
    for other in running:
        found.append(f"{other.id} is already {other.standing} on {other.service}.")
    for problem in problems:
        found.append(f"Preflight: {problem.what}; fix: {problem.fix}.")
    return found


def steady_before(
    conditions: Sequence[Condition], data: Mapping[str, MetricData], now: datetime
) -> SteadyState:
    """The unfaulted minutes before a start judged against each expectation (Chaos Toolkit's
    hypothesis before the method): not met only when the service is significantly past a bound;
    past it on too little traffic to be sure, or within it on too little to see an error at the
    bound, it is met and said thin."""
    counted = data.get(Signal.ERROR_RATE.value)
    requests = counted.control_total if counted is not None else 0
    reasons: list[str] = []
    met = True
    for condition in conditions:
        found = data.get(condition.signal.value)
        holds, reason = (
            _errors_before(condition, found)
            if condition.signal is Signal.ERROR_RATE
            else _latency_before(condition, found)
        )
        met = met and holds
        reasons.append(reason)
    return SteadyState(
        at=now,
        percent=0,
        met=met,
        verdict="before",
        reasons=reasons,
        requests=requests,
        needed=_needed(conditions, data),
        errors=round(sum(counted.control)) if counted is not None else 0,
        latency={
            c.signal.value: _upper_quartile(values)
            for c in conditions
            if c.signal is not Signal.ERROR_RATE and (values := _minutes(data.get(c.signal.value)))
        },
    )


def _needed(conditions: Sequence[Condition], data: Mapping[str, MetricData]) -> int:
    """The faulted requests a step needs for a held at the error rate of the minutes before
    (the judgement's gate at its first look; at least the 299 any judgement needs)."""
    found = data.get(Signal.ERROR_RATE.value)
    needed = needed_samples()
    if found is None or not found.control_total:
        return needed
    base = sum(found.control) / found.control_total
    for condition in conditions:
        if condition.signal is Signal.ERROR_RATE:
            needed = max(needed, detectable(base, (condition.threshold or 0.0) / 100))
    return needed


def needed_at(conditions: Sequence[Condition], base: float, looks: int) -> int:
    """The faulted requests a held needs at the `looks`-th look of an experiment, at an unfaulted
    error rate `base`: enough for an error rate at each error bound (or double `base`) to show
    at that look's significance, shared among its controls as the judgement shares it."""
    needed = needed_samples()
    alpha = COUNT_P / (looks * CONTROLS)
    for condition in conditions:
        if condition.signal is Signal.ERROR_RATE:
            bound = (condition.threshold or 0.0) / 100
            needed = max(needed, detectable(base, bound, alpha=alpha))
    return needed


def _errors_before(condition: Condition, data: MetricData | None) -> tuple[bool, str]:
    """The error rate before the start: its errors against the bound (a one-sided binomial test
    that the rate exceeds it)."""
    if data is None or not data.control_total:
        return True, f"{condition.rule()}: no data"
    errors, total = round(sum(data.control)), data.control_total
    value = 100.0 * errors / total
    shown = f"{condition.signal.label} {condition.shown(value)} on {total:,} requests"
    bound = (condition.threshold or 0.0) / 100
    if condition.crosses(value):
        thin = 0 < bound < 1 and total < needed_samples(rate=bound)  # no error at it would show
        return True, f"{shown} (meets {condition.rule()}{'; a thin baseline' if thin else ''})"
    p = binomial_over(errors, total, bound)
    if p < OVER_P:
        return False, f"{shown} (breaks {condition.rule()}, {_p(p)})"
    return True, f"{shown} (over {condition.rule()} but not surely, {_p(p)}: a thin baseline)"


def _upper_quartile(values: list[float]) -> float:
    """The value a quarter of the minutes reach: above the median, as a latency drifts minute
    to minute, but not the one slowest minute of a quiet service (a single slow request)."""
    return quantiles(values, n=4)[2] if len(values) > 1 else values[0]


def _minutes(data: MetricData | None) -> list[float]:
    """The per-minute values of the unfaulted side that were read."""
    return [v for v in (data.control if data else ()) if not math.isnan(v)]


def _latency_before(condition: Condition, data: MetricData | None) -> tuple[bool, str]:
    """Latency before the start: its minutes over the bound against half of them (a sign test
    on the per-minute values; the median shown)."""
    values = _minutes(data)
    if not values:
        return True, f"{condition.rule()}: no data"
    value = median(values)
    over = sum(not condition.crosses(v) for v in values)
    shown = f"{condition.signal.label} {condition.shown(value)}"
    if condition.crosses(value):
        return True, f"{shown} (meets {condition.rule()})"
    p = binomial_tail(over, len(values), 0.5)
    if p < OVER_P:
        return False, f"{shown} (breaks {condition.rule()} in {over} of {len(values)} minutes)"
    return True, (
        f"{shown} (over {condition.rule()} in {over} of {len(values)} minutes, not surely: "
        "a thin baseline)"
    )


def binomial_over(events: int, total: int, rate: float) -> float:
    """P(X >= events) for X ~ Binomial(total, rate) when `events` is above the mean: the terms
    from `events` on only fall, so they are summed until they no longer count."""
    if events <= 0 or rate >= 1:
        return 1.0
    if rate <= 0:
        return 0.0
    log_term = (
        math.lgamma(total + 1)
        - math.lgamma(events + 1)
        - math.lgamma(total - events + 1)
        + events * math.log(rate)
        + (total - events) * math.log1p(-rate)
    )
    term, tail, k = math.exp(log_term), 0.0, events
    while k <= total and term > tail * 1e-12:
        tail += term
        term *= (total - k) / (k + 1) * rate / (1 - rate)
        k += 1
    return min(1.0, tail)


def _p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"
