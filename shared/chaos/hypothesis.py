"""The steady-state hypothesis, judged like a canary: each expectation (`p99_latency < 2s`,
`error_rate < 1%`, in the alert grammar) is a judge metric, the faulted share of the traffic the
experiment and the same minutes' unfaulted share the control, then the service's minutes
before the start (the pre-experiment baseline) the control. Held: no significant degradation
past an expectation in either comparison; deviated: a significant degradation that breaks one,
in either; inconclusive: too few requests or minutes to say either. Never a point check on one
sample."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from statistics import median

from shared.judging.condition import Comparison, Condition, parse
from shared.judging.judge import Label, MetricData, MetricSpec, judge
from shared.judging.stats import detectable_samples, needed_samples
from shared.telemetry.models import Signal

JUDGED = (Signal.ERROR_RATE, Signal.P50_LATENCY, Signal.P99_LATENCY)
"""The signals a steady state may bound: what a fault degrades."""
REQUESTS = Signal.ERROR_RATE.value
"""The metric whose totals count the requests each share served (always read)."""


class HypothesisVerdict(StrEnum):
    """What the faulted share's minutes say about the steady state."""

    HELD = "held"
    DEVIATED = "deviated"
    INCONCLUSIVE = "inconclusive"


@dataclass(frozen=True)
class Hypothesis:
    """The verdict, a line per expectation, and the requests it had and needs."""

    verdict: HypothesisVerdict
    reasons: list[str] = field(default_factory=list)
    requests: int = 0
    needed: int = 0

    @property
    def said(self) -> str:
        """The verdict in a line: `held: ...`, `inconclusive (n below the gate): 120 of 299`."""
        if self.verdict is HypothesisVerdict.INCONCLUSIVE and self.requests < self.needed:
            return (
                f"inconclusive (n below the gate): {self.requests:,} of {self.needed:,} "
                "faulted requests needed to judge"
            )
        return f"{self.verdict.value}: {'; '.join(self.reasons)}"


def expectation(text: str) -> Condition:
    """One `--expect`, parsed; ValueError saying why it is not a steady state."""
    condition = parse(text)
    if condition.anomalous or condition.n > 1 or condition.hold:
        raise ValueError(
            f"`{text}` is an alert rule, not a steady state: write a bound the faulted traffic "
            "must stay within, like `p99_latency < 2s` or `error_rate < 1%` (no `anomalous`, "
            "`for` or `M of N`: every minute of the faulted share is judged)"
        )
    if condition.signal not in JUDGED:
        names = ", ".join(s.value for s in JUDGED)
        raise ValueError(f"{condition.signal.label} is not judged under a fault: use {names}")
    if condition.comparison not in {Comparison.BELOW, Comparison.AT_MOST}:
        raise ValueError(
            f"`{text}` describes a breach: a steady state says what must hold, with < or <= "
            f"(`{condition.signal.value} < ...`)"
        )
    return condition


def spec(condition: Condition) -> MetricSpec:
    """How the judge compares one expectation's signal: errors by the count test, latency by
    Mann-Whitney; a rise fails it (the requests gate is this module's, from the bound)."""
    counts = condition.signal is Signal.ERROR_RATE
    return MetricSpec(
        name=condition.signal.value,
        counts=counts,
        allowed_increase=1.0 if counts else 1.1,
        gates=False,
        unit="" if counts else "ms",
        label=condition.signal.label,
    )


def faulted_value(condition: Condition, data: MetricData) -> float | None:
    """The faulted share's value in the expectation's unit: its error rate in percent over the
    minutes, or its median per-minute latency; None without data."""
    if condition.signal is Signal.ERROR_RATE:
        if not data.experiment_total:
            return None
        return 100.0 * sum(data.experiment) / data.experiment_total
    return median(data.experiment) if data.experiment else None


def _powered(conditions: Sequence[Condition], data: Mapping[str, MetricData]) -> int:
    """Requests the faulted share needs before a pass means something: enough for an error rate
    at each error bound to show against the unfaulted share's (95% power, p < 0.01)."""
    needed = needed_samples()
    for condition in conditions:
        found = data.get(condition.signal.value)
        if condition.signal is not Signal.ERROR_RATE or found is None or not found.control_total:
            continue
        base = sum(found.control) / found.control_total
        bound = (condition.threshold or 0.0) / 100
        if base > 0 and bound > 1.5 * base:
            needed = max(needed, detectable_samples(base, ratio=bound / base))
        elif bound > 0:
            needed = max(needed, needed_samples(rate=bound))
    return needed


@dataclass(frozen=True)
class _Side:
    """One comparison of the faulted share: its verdict and, per expectation, the judge's line,
    whether it rose significantly and whether the faulted value breaks the bound."""

    verdict: HypothesisVerdict
    lines: list[str]
    worse: list[bool]
    breaks: list[bool]
    needed: int


def _side(
    conditions: Sequence[Condition], data: Mapping[str, MetricData], requests: int, looks: int
) -> _Side:
    """The faulted share judged against one control (the unfaulted share, or the baseline)."""
    specs = [spec(c) for c in conditions]
    found = {name: data[name] for name in (s.name for s in specs) if name in data}
    judgement = judge(specs, found, canary_requests=requests, looks=looks)
    if not judgement.results:  # below the requests gate: nothing judged
        return _Side(HypothesisVerdict.INCONCLUSIVE, [], [], [], needed_samples())
    lines, worse, breaks = [], [], []
    for condition, result in zip(conditions, judgement.results, strict=True):
        value = faulted_value(condition, found.get(result.name, MetricData((), ())))
        breaks.append(value is not None and not condition.crosses(value))
        worse.append(result.label is Label.HIGH)
        lines.append(result.reason)
    needed = _powered(conditions, found)
    unjudged = {Label.TOO_FEW, Label.NODATA, Label.NODATA_FAIL}
    if any(w and b for w, b in zip(worse, breaks, strict=True)):
        verdict = HypothesisVerdict.DEVIATED
    elif any(r.label in unjudged for r in judgement.results) or requests < needed:
        verdict = HypothesisVerdict.INCONCLUSIVE
    else:
        verdict = HypothesisVerdict.HELD
    return _Side(verdict, lines, worse, breaks, needed)


def _baseline(
    data: Mapping[str, MetricData], before: Mapping[str, MetricData]
) -> dict[str, MetricData]:
    """The faulted share's minutes against the service's minutes before the start (control)."""
    empty = MetricData((), ())
    return {
        name: MetricData(
            control=before.get(name, empty).control,
            experiment=faulted.experiment,
            control_total=before.get(name, empty).control_total,
            experiment_total=faulted.experiment_total,
        )
        for name, faulted in data.items()
    }


def _before_line(condition: Condition, data: MetricData, worse: bool) -> str:
    """`before the start 380 ms → Pass`: the baseline's value and how the faulted share compares."""
    value = faulted_value(condition, MetricData((), data.control, 0, data.control_total))
    if value is None:
        return "before the start: no data, not judged"
    label = Label.HIGH if worse else Label.PASS
    return f"before the start {condition.shown(value)} → {label.value}"


def assess(
    conditions: Sequence[Condition],
    data: Mapping[str, MetricData],
    *,
    looks: int = 1,
    before: Mapping[str, MetricData] | None = None,
) -> Hypothesis:
    """Judge the steady state on `data` (per signal: unfaulted control, faulted experiment),
    the `looks`-th time this experiment is judged (the canary's correction for repeated looks).
    With `before` (the service's minutes before the start), the faulted share is also judged
    against them: deviated when either comparison shows a significant rise past a bound, held
    only when both held, inconclusive otherwise; the looks correction covers both tests."""
    requests = data[REQUESTS].experiment_total if REQUESTS in data else 0
    tests = 1 if before is None else 2
    sides = [_side(conditions, data, requests, looks * tests)]
    if before is not None:
        sides.append(_side(conditions, _baseline(data, before), requests, looks * tests))
    needed = max(s.needed for s in sides)
    if not sides[0].lines:
        return Hypothesis(HypothesisVerdict.INCONCLUSIVE, requests=requests, needed=needed)
    reasons = []
    for i, condition in enumerate(conditions):
        parts = [sides[0].lines[i]]
        if len(sides) > 1 and sides[1].lines:
            found = _baseline(data, before or {}).get(condition.signal.value, MetricData((), ()))
            parts.append(_before_line(condition, found, sides[1].worse[i]))
        broken = sides[0].breaks[i]
        parts.append(f"faulted share {'breaks' if broken else 'within'} {condition.rule()}")
        reasons.append("; ".join(parts))
    verdicts = {s.verdict for s in sides}
    for verdict in (HypothesisVerdict.DEVIATED, HypothesisVerdict.INCONCLUSIVE):
        if verdict in verdicts:
            return Hypothesis(verdict, reasons, requests, needed=needed)
    return Hypothesis(HypothesisVerdict.HELD, reasons, requests, needed=needed)
