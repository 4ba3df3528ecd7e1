"""The steady-state hypothesis, judged like a canary: each expectation (`p99_latency < 2s`,
`error_rate < 1%`, in the alert grammar) is a judge metric, the faulted share of the traffic the
experiment and the same minutes' unfaulted share the control, then the service's minutes
before the start (the pre-experiment baseline) the control. Held: no significant degradation
past an expectation in either comparison, the faulted share within every bound, on enough
requests for an error rate at the bound (or double the unfaulted one) to have shown; deviated: a
significant degradation that breaks one, in either; inconclusive: too few requests or minutes to
say either, or past a bound without that significance. Never a point check on one sample."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from statistics import median

from shared.chaos.models import LONGEST_DELAY_MS
from shared.judging.condition import Comparison, Condition, parse
from shared.judging.judge import COUNT_P, Label, MetricData, MetricSpec, judge
from shared.judging.stats import detectable_events, needed_samples
from shared.telemetry.models import Signal

JUDGED = (Signal.ERROR_RATE, Signal.P50_LATENCY, Signal.P99_LATENCY)
"""The signals a steady state may bound: what a fault degrades."""
REQUESTS = Signal.ERROR_RATE.value
"""The metric whose totals count the requests each share served (always read)."""
CONTROLS = 2
"""What the faulted share is judged against at each look of a running experiment (the same
minutes' unfaulted share and the minutes before the start): each look's significance is shared
among them."""


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
    over_bound: bool = False
    """Whether the faulted share's value is past a bound (then never held)."""
    broke: list[str] = field(default_factory=list)
    """The lines of the expectations that deviated (a deviation names only those)."""

    @property
    def said(self) -> str:
        """The verdict in a line: `held: ...`, `inconclusive (n below the gate): 120 of 299`
        (unless the faulted share is already past a bound: then that is said)."""
        gated = self.requests < self.needed and not self.over_bound
        if self.verdict is HypothesisVerdict.INCONCLUSIVE and gated:
            return (
                f"inconclusive (n below the gate): {self.requests:,} of {self.needed:,} "
                "faulted requests needed to judge"
            )
        shown = self.broke if self.verdict is HypothesisVerdict.DEVIATED and self.broke else None
        return f"{self.verdict.value}: {'; '.join(shown or self.reasons)}"


SMALLEST_ERROR_BOUND = 0.001
"""The smallest error-rate bound in percent (1 in 100,000 requests): below it no share of a
service's traffic could show an error rate at the bound."""
_EXAMPLES = "like `p99_latency < 2s` or `error_rate < 1%`"


def _judged_signal(text: str) -> None:
    """A signal a fault is judged on, said before its unit or bound is checked (`saturation <
    50%` is answered with a steady state, not with an alert condition's unit)."""
    word = text.split()[0] if text.split() else ""
    if word in {s.value for s in Signal} and Signal(word) not in JUDGED:
        names = ", ".join(s.value for s in JUDGED)
        raise ValueError(
            f"{Signal(word).label} is not judged under a fault: bound one of {names}, {_EXAMPLES}"
        )


def _bounded(text: str, condition: Condition) -> None:
    """A bound a healthy service can meet and a reply can write: a latency from 1 ms to FIS's
    longest delay (15 minutes), an error rate from 1 in 100,000 requests (or `<= 0%`)."""
    threshold = condition.threshold or 0.0
    if condition.signal is Signal.ERROR_RATE:
        none = threshold == 0 and condition.comparison is Comparison.AT_MOST
        if threshold < SMALLEST_ERROR_BOUND and not none:
            raise ValueError(
                f"`{text}` can never hold: an error rate bound is from {SMALLEST_ERROR_BOUND:g}% "
                f"to 100% (or `error_rate <= 0%`: none at all), {_EXAMPLES}"
            )
        return
    if not 1 <= threshold <= LONGEST_DELAY_MS:
        raise ValueError(
            f"`{text}`: a latency bound is from 1ms to {LONGEST_DELAY_MS:,}ms (15 minutes, FIS's "
            f"longest delay): a service never meets less, and more bounds nothing, {_EXAMPLES}"
        )


def expectation(text: str) -> Condition:
    """One `--expect`, parsed; ValueError saying why it is not a steady state."""
    _judged_signal(" ".join(text.split()))
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
    _bounded(text, condition)
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


DETECTABLE = 2.0
"""The multiple of the unfaulted error rate a held must have been able to show (a doubling, as
the canary's gate), when the bound is closer to that rate than this."""
SURE = 0.95
"""The probability with which an error rate at the bound would have shown before a held."""


def detectable(base: float, bound: float, *, alpha: float = COUNT_P) -> int:
    """Faulted requests at which an error rate at the `bound` (or `DETECTABLE` times the `base`
    unfaulted rate, if higher) shows against `base` with probability `SURE` at `alpha`: smooth
    in both rates (the events' search starts where a single event would show it)."""
    target = max(bound, DETECTABLE * base)
    if not 0 < target < 1:  # no bound, or one no error rate can pass (`error_rate < 100%`)
        return needed_samples()
    if base <= 0:
        return needed_samples(rate=target, probability=SURE)
    ratio = target / base
    start = -math.log(1 - SURE) / ratio  # baseline events at which one faulted event is likely
    events = detectable_events(ratio, power=SURE, alpha=alpha, start=start)
    return math.ceil(events / base)


def _powered(conditions: Sequence[Condition], data: Mapping[str, MetricData], looks: int) -> int:
    """Requests the faulted share needs before a pass means something: enough for an error rate
    at each error bound (or double the unfaulted share's, if higher) to show against the
    unfaulted share's at this look's significance (95% power)."""
    needed = needed_samples()
    for condition in conditions:
        found = data.get(condition.signal.value)
        if condition.signal is not Signal.ERROR_RATE or found is None or not found.control_total:
            continue
        base = sum(found.control) / found.control_total
        bound = (condition.threshold or 0.0) / 100
        needed = max(needed, detectable(base, bound, alpha=COUNT_P / looks))
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
    judged: list[bool] = field(default_factory=list)
    """Per expectation, whether it was judged at all (not `not enough data yet`)."""


def _side(
    conditions: Sequence[Condition], data: Mapping[str, MetricData], requests: int, looks: int
) -> _Side:
    """The faulted share judged against one control (the unfaulted share, or the baseline)."""
    specs = [spec(c) for c in conditions]
    found = {name: data[name] for name in (s.name for s in specs) if name in data}
    judgement = judge(specs, found, canary_requests=requests, looks=looks)
    if not judgement.results:  # below the requests gate: nothing judged
        return _Side(HypothesisVerdict.INCONCLUSIVE, [], [], [], needed_samples())
    lines, worse, breaks, judged = [], [], [], []
    for condition, result in zip(conditions, judgement.results, strict=True):
        value = faulted_value(condition, found.get(result.name, MetricData((), ())))
        breaks.append(value is not None and not condition.crosses(value))
        worse.append(result.label is Label.HIGH)
        lines.append(result.reason)
    needed = _powered(conditions, found, looks)
    unjudged = {Label.TOO_FEW, Label.NODATA, Label.NODATA_FAIL}
    judged = [r.label not in unjudged for r in judgement.results]
    if any(w and b for w, b in zip(worse, breaks, strict=True)):
        verdict = HypothesisVerdict.DEVIATED
    elif any(breaks) or any(r.label in unjudged for r in judgement.results) or requests < needed:
        verdict = HypothesisVerdict.INCONCLUSIVE  # past a bound yet not surely worse: never held
    else:
        verdict = HypothesisVerdict.HELD
    return _Side(verdict, lines, worse, breaks, needed, judged)


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


def _broke(side: _Side, i: int) -> bool:
    """Whether the `i`-th expectation deviated in this comparison."""
    return bool(side.lines) and side.worse[i] and side.breaks[i]


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
    tests = 1 if before is None else CONTROLS
    sides = [_side(conditions, data, requests, looks * tests)]
    if before is not None:
        sides.append(_side(conditions, _baseline(data, before), requests, looks * tests))
    needed = max(s.needed for s in sides)
    if not sides[0].lines:
        return Hypothesis(HypothesisVerdict.INCONCLUSIVE, requests=requests, needed=needed)
    reasons, broke = [], []
    for i, condition in enumerate(conditions):
        parts = [sides[0].lines[i]]
        if len(sides) > 1 and sides[1].lines:
            found = _baseline(data, before or {}).get(condition.signal.value, MetricData((), ()))
            parts.append(_before_line(condition, found, sides[1].worse[i]))
        parts.append(_bound_line(condition, data, sides, i))
        reasons.append("; ".join(parts))
        if any(_broke(side, i) for side in sides):
            judged = [side for side in sides if side.lines]
            shown = [p for p, side in zip(parts, judged, strict=False) if side.judged[i]]
            named = "" if sides[0].judged[i] else f"{condition.signal.value} "
            broke.append(named + "; ".join([*shown, parts[-1]]))
    over = any(sides[0].breaks)
    verdicts = {s.verdict for s in sides}
    for verdict in (HypothesisVerdict.DEVIATED, HypothesisVerdict.INCONCLUSIVE):
        if verdict in verdicts:
            return Hypothesis(
                verdict, reasons, requests, needed=needed, over_bound=over, broke=broke
            )
    return Hypothesis(HypothesisVerdict.HELD, reasons, requests, needed=needed)


def _bound_line(
    condition: Condition, data: Mapping[str, MetricData], sides: Sequence[_Side], i: int
) -> str:
    """The faulted share against the bound: within, breaks (surely worse), or over it but not
    yet certain (`0.36% on the faulted share, over the 0.3% bound, not yet certain`)."""
    if not sides[0].breaks[i]:
        return f"faulted share within {condition.rule()}"
    if any(side.worse[i] for side in sides if side.lines):
        return f"faulted share breaks {condition.rule()}"
    value = faulted_value(condition, data.get(condition.signal.value, MetricData((), ())))
    shown = condition.shown(value) if value is not None else "no data"
    return (
        f"{shown} on the faulted share, over the {condition.shown(condition.threshold or 0.0)} "
        "bound, not yet certain"
    )
