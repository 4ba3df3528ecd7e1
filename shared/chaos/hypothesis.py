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

from shared.chaos.verdict_words import Compared, said_for
from shared.judging.condition import Condition
from shared.judging.judge import COUNT_P, Label, MetricData, MetricSpec, judge
from shared.judging.stats import detectable_events, needed_samples
from shared.telemetry.models import Signal

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
        """The verdict in a line: `held: ...`, `inconclusive: too few faulted requests to judge:
        120 of the 299 needed` (unless the faulted share is already past a bound: then that is
        said)."""
        gated = self.requests < self.needed and not self.over_bound
        if self.verdict is HypothesisVerdict.INCONCLUSIVE and gated:
            return (
                f"inconclusive: too few faulted requests to judge: {self.requests:,} of the "
                f"{self.needed:,} needed"
            )
        shown = self.broke if self.verdict is HypothesisVerdict.DEVIATED and self.broke else None
        return f"{self.verdict.value}: {'; '.join(shown or self.reasons)}"


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


def _line(
    condition: Condition,
    typed: str,
    data: Mapping[str, MetricData],
    before: Mapping[str, MetricData] | None,
    sides: Sequence[_Side],
    i: int,
) -> str:
    """The `i`-th expectation's line, from both comparisons (the judge's `not enough data yet`
    only when neither judged it)."""
    empty = MetricData((), ())
    found = data.get(condition.signal.value, empty)
    base = _baseline(data, before).get(condition.signal.value) if before is not None else None
    values = Compared(
        faulted=faulted_value(condition, found),
        unfaulted=faulted_value(condition, _control(found)),
        before=faulted_value(condition, _control(base)) if base is not None else None,
        before_read=len(sides) > 1 and bool(sides[1].lines),
    )
    return said_for(
        condition,
        typed,
        values,
        unjudged=None if any(s.judged[i] for s in sides if s.lines) else sides[0].lines[i],
        breaks=sides[0].breaks[i],
        worse=any(side.worse[i] for side in sides if side.lines),
    )


def _control(data: MetricData) -> MetricData:
    """A comparison's control as if it were the experiment (for `faulted_value`)."""
    return MetricData((), data.control, 0, data.control_total)


def assess(
    conditions: Sequence[Condition],
    data: Mapping[str, MetricData],
    *,
    looks: int = 1,
    before: Mapping[str, MetricData] | None = None,
    written: Sequence[str] | None = None,
) -> Hypothesis:
    """Judge the steady state on `data` (per signal: unfaulted control, faulted experiment),
    the `looks`-th time this experiment is judged (the canary's correction for repeated looks).
    With `before` (the service's minutes before the start), the faulted share is also judged
    against them: deviated when either comparison shows a significant rise past a bound, held
    only when both held, inconclusive otherwise; the looks correction covers both tests. Each
    line names an expectation as `written` (as the user typed it; its rule otherwise)."""
    requests = data[REQUESTS].experiment_total if REQUESTS in data else 0
    tests = 1 if before is None else CONTROLS
    sides = [_side(conditions, data, requests, looks * tests)]
    if before is not None:
        sides.append(_side(conditions, _baseline(data, before), requests, looks * tests))
    needed = max(s.needed for s in sides)
    if not sides[0].lines:
        return Hypothesis(HypothesisVerdict.INCONCLUSIVE, requests=requests, needed=needed)
    typed = list(written) if written is not None else [c.rule() for c in conditions]
    reasons, broke = [], []
    for i, condition in enumerate(conditions):
        line = _line(condition, typed[i], data, before, sides, i)
        reasons.append(line)
        if any(_broke(side, i) for side in sides):
            broke.append(line)
    over = any(sides[0].breaks)
    verdicts = {s.verdict for s in sides}
    for verdict in (HypothesisVerdict.DEVIATED, HypothesisVerdict.INCONCLUSIVE):
        if verdict in verdicts:
            return Hypothesis(
                verdict, reasons, requests, needed=needed, over_bound=over, broke=broke
            )
    return Hypothesis(HypothesisVerdict.HELD, reasons, requests, needed=needed)
