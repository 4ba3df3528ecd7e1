"""The canary judge, pure: Kayenta's per-metric classification and weighted score, a count test
for error metrics, and a sample-size gate, mapped to Successful / Failed / Inconclusive /
Insufficient.

Kayenta (NetflixACAJudge): Mann-Whitney confidence interval on the shift at 98%, a tolerance band
of 0.25 x |shift|, an effect-size gate on the mean ratio, direction, NaN strategy, critical
metrics; group score 100 x Pass / counted, pass 95, marginal 75, a failing critical metric or half
the metrics without data scores 0. Ours adds, for count metrics (errors), the conditional binomial
test (a zero-error baseline is judged correctly), and two gates: below the canary traffic needed
to see a 1% error rate with 95% probability (299 requests) the step is extended, never judged;
below the traffic at which a doubled error rate would show (95% power), a failure still rolls
back but a pass does not promote yet. Unlike Kayenta, a metric without data for either version
(a count with no requests on one side included) is never a pass nor a critical failure: it is
not judged, and the step with it cannot pass."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from statistics import fmean

from shared.judging.stats import (
    can_show_shift,
    count_test,
    detectable_samples,
    mann_whitney_shift,
    minutes_to_show_shift,
    needed_samples,
)
from shared.judging.wording import certainty, compared, pair


class Direction(StrEnum):
    """Which change fails a metric."""

    INCREASE = "increase"
    DECREASE = "decrease"
    EITHER = "either"


class Label(StrEnum):
    """A metric's classification."""

    PASS = "Pass"  # noqa: S105 (a label, not a secret)
    HIGH = "High"
    LOW = "Low"
    NODATA = "Nodata"
    NODATA_FAIL = "NodataFailMetric"
    TOO_FEW = "TooFewMinutes"
    """Too few minutes yet for the test to show any shift: not judged, not counted."""


class Verdict(StrEnum):
    """What the step's judgement means for the canary."""

    SUCCESSFUL = "successful"
    """Next step (or promote at the last)."""
    FAILED = "failed"
    """Roll back."""
    INCONCLUSIVE = "inconclusive"
    """Hold the weight and ask in the channel."""
    INSUFFICIENT = "insufficient"
    """Too little canary traffic to judge: extend the step."""


@dataclass(frozen=True)
class MetricSpec:
    """How one metric is judged (Kayenta's analysisConfigurations.canary)."""

    name: str
    direction: Direction = Direction.INCREASE
    critical: bool = False
    counts: bool = False
    """A count of events (errors): judged by the count test, missing points are zero."""
    allowed_increase: float = 1.0
    allowed_decrease: float = 1.0
    must_have_data: bool = False
    group: str = "default"
    gates: bool = True
    """Whether the traffic gates apply (not to the replay of the investigator's scenarios)."""
    unit: str = ""
    """What a sample measures (`ms`), said after the values."""
    label: str = ""
    """How a person says it (`p99 latency`); the name if empty."""

    @property
    def said(self) -> str:
        """The metric in a person's words."""
        return self.label or self.name


@dataclass(frozen=True)
class MetricData:
    """One metric over the same minutes: control (stable) and experiment (canary) samples."""

    control: Sequence[float]
    experiment: Sequence[float]
    control_total: int = 0
    """For a count metric: the requests the control served (its events are the samples' sum)."""
    experiment_total: int = 0


@dataclass(frozen=True)
class MetricResult:
    """A metric's label and the reason, in words a channel can read."""

    name: str
    label: Label
    reason: str
    critical_failure: bool = False
    group: str = "default"


@dataclass(frozen=True)
class Judgement:
    """A step's verdict, its score and every metric's result."""

    verdict: Verdict
    score: float
    results: list[MetricResult] = field(default_factory=list)
    reason: str = ""
    unjudged: bool = False
    """Nothing could be judged: no canary request at all, or a metric without data (a canary
    that served some requests, not yet enough, is on its way, not stuck)."""
    no_traffic: bool = False
    """The canary served no request in the time judged."""


CONFIDENCE = 0.98
TOLERANCE = 0.25
PASS_SCORE = 95.0
MARGINAL_SCORE = 75.0
COUNT_P = 0.01
COUNT_RATIO = 1.5
SUSPECT_P = 0.05
"""A worse count below this p-value that does not fail the count test (COUNT_P) is a pass that
says so: `Pass (not proven worse…)`, never a bare `Pass` beside `2.7× worse, likely`."""
CERTAIN = 0.999
"""The confidence at which a shift is called certain (p < 0.001, as for counts)."""


def _mean_ratio(experiment: Sequence[float], control: Sequence[float]) -> float:
    control_mean = fmean(control)
    return math.nan if control_mean == 0 else fmean(experiment) / control_mean


def _beyond(
    experiment: Sequence[float], control: Sequence[float], label: Label, confidence: float
) -> str:
    """How sure a shift beyond the tolerance band is, in the words `_certainty` gives a p-value:
    the interval at `confidence` leaves it out (p < 1 - confidence), and at 99.9% too: certain."""
    if not can_show_shift(len(experiment), len(control), confidence=CERTAIN):
        return certainty((1 - confidence) * 0.999)  # too few minutes for a 99.9% interval
    strict = mann_whitney_shift(experiment, control, confidence=CERTAIN)
    band = TOLERANCE * abs(strict.estimate)
    if (label is Label.HIGH and strict.lower > band) or (
        label is Label.LOW and strict.upper < -band
    ):
        return "certain"
    return certainty((1 - confidence) * 0.999)


def _no_data(spec: MetricSpec, *, stable: bool, canary: bool) -> MetricResult:
    """A metric one version (or both) has no data for: not judged, never a pass, and (unlike
    Kayenta) never a critical failure either; the reason says whose data is missing."""
    whose = "either version" if not stable and not canary else "the canary"
    whose = "the stable version" if canary else whose
    label = Label.NODATA_FAIL if spec.must_have_data and not spec.critical else Label.NODATA
    return MetricResult(spec.name, label, f"{spec.said}: no data for {whose}", group=spec.group)


def classify(spec: MetricSpec, data: MetricData, *, looks: int = 1) -> MetricResult:
    """Kayenta's Mann-Whitney classification (NaN strategy `remove`) of one gauge metric; with
    `looks` > 1 (the same growing data judged again) the confidence is raised accordingly."""
    control = [v for v in data.control if not math.isnan(v)]
    experiment = [v for v in data.experiment if not math.isnan(v)]
    if not control or not experiment:
        return _no_data(spec, stable=bool(control), canary=bool(experiment))
    if sorted(control) == sorted(experiment) or len(set(control) | set(experiment)) == 1:
        return MetricResult(spec.name, Label.PASS, f"{spec.said}: identical", group=spec.group)
    if len(set(control)) == 1 and len(set(experiment)) == 1:
        jitter = random.Random(spec.name)  # noqa: S311 (Kayenta breaks ties with tiny noise)
        control = [v + jitter.gauss(0, abs(v) * 1e-5 or 1e-9) for v in control]
        experiment = [v + jitter.gauss(0, abs(v) * 1e-5 or 1e-9) for v in experiment]
    confidence = 1 - (1 - CONFIDENCE) / looks
    shift = mann_whitney_shift(experiment, control, confidence=confidence)
    band = TOLERANCE * abs(shift.estimate)
    effect = _mean_ratio(experiment, control)
    up = spec.direction in {Direction.INCREASE, Direction.EITHER}
    down = spec.direction in {Direction.DECREASE, Direction.EITHER}
    label = Label.PASS
    if up and shift.lower > band and (math.isnan(effect) or effect >= spec.allowed_increase):
        label = Label.HIGH
    elif down and shift.upper < -band and (math.isnan(effect) or effect <= spec.allowed_decrease):
        label = Label.LOW
    if label is not Label.PASS:
        sure = _beyond(experiment, control, label, confidence)
    elif shift.lower > 0 or shift.upper < 0:
        sure = "a small shift, within tolerance"
    else:
        sure = "may be chance"
    unit = f" {spec.unit}" if spec.unit else ""
    against = compared(effect, worse_below=spec.direction is Direction.DECREASE)
    reason = (
        f"{spec.said} {pair(fmean(experiment), fmean(control))}{unit}, "
        f"{against}, {sure} (shift {shift.estimate:+,.4g}{unit} of the first over the "
        f"second, minute by minute, {confidence:.1%} CI {shift.lower:+,.4g} to "
        f"{shift.upper:+,.4g}{unit}; "
        f"n = {len(experiment)} vs {len(control)} minutes) → {label.value}"
    )
    failed = spec.critical and label is not Label.PASS
    return MetricResult(
        spec.name, label, reason + (", critical" if failed else ""), failed, spec.group
    )


def count_classify(spec: MetricSpec, data: MetricData, *, looks: int = 1) -> MetricResult:
    """Errors and other counts: canary events against stable events given their traffic (the
    significance divided among `looks`). With no requests on either side there is nothing to
    compare against: not judged (the test would put the whole share on the other side)."""
    if not data.control_total or not data.experiment_total:
        return _no_data(spec, stable=bool(data.control_total), canary=bool(data.experiment_total))
    canary, stable = round(sum(data.experiment)), round(sum(data.control))
    test = count_test(canary, data.experiment_total, stable, data.control_total)
    high = test.p_value < COUNT_P / looks and test.ratio > COUNT_RATIO
    label = Label.HIGH if high else Label.PASS
    canary_rate = canary / data.experiment_total if data.experiment_total else 0.0
    stable_rate = stable / data.control_total if data.control_total else 0.0
    p = "p < 0.001" if test.p_value < 0.001 else f"p = {test.p_value:.3f}"
    failed = spec.critical and high
    against = "none on stable" if math.isinf(test.ratio) else compared(test.ratio)
    verdict = label.value
    if not high and test.ratio > 1 and test.p_value < SUSPECT_P:  # worse, not past the gate
        verdict += f" (not proven worse: that needs p < {COUNT_P / looks:.3g})"
    reason = (
        f"{spec.said} {canary_rate:.1%} vs {stable_rate:.1%}, {against}, "
        f"{certainty(test.p_value)} ({p}; n = {data.experiment_total:,} vs "
        f"{data.control_total:,} requests) → {verdict}" + (", critical" if failed else "")
    )
    return MetricResult(spec.name, label, reason, failed, spec.group)


def score(results: Sequence[MetricResult], weights: dict[str, float] | None = None) -> float:
    """Kayenta's weighted sum of group scores; 0 when a critical metric fails or half lack data."""
    if any(r.critical_failure for r in results):
        return 0.0
    if results and sum(r.label is Label.NODATA for r in results) * 100 >= 50 * len(results):
        return 0.0
    groups: dict[str, list[MetricResult]] = {}
    for result in results:
        groups.setdefault(result.group, []).append(result)
    weights = weights or {}
    explicit = sum(weights.get(g, 0.0) for g in groups)
    unweighted = [g for g in groups if g not in weights]
    share = (100.0 - explicit) / len(unweighted) if unweighted else 0.0
    total = 0.0
    for name, members in groups.items():
        counted = [r for r in members if r.label not in {Label.NODATA, Label.TOO_FEW}]
        passed = sum(r.label is Label.PASS for r in counted)
        group_score = 100.0 * passed / len(counted) if counted else 100.0
        total += group_score * weights.get(name, share) / 100.0
    return round(total, 2)


def _powered(specs: Sequence[MetricSpec], data: dict[str, MetricData]) -> int:
    """Canary requests needed before a pass means something: enough for each count metric to
    show its baseline rate doubled (95% power at p < 0.01)."""
    needed = 0
    for spec in specs:
        found = data.get(spec.name)
        if spec.counts and spec.gates and found is not None and found.control_total:
            rate = sum(found.control) / found.control_total
            needed = max(needed, detectable_samples(rate))
    return needed


def _judged(spec: MetricSpec, data: MetricData, looks: int) -> MetricResult:
    """One metric's result; a gauge with too few minutes yet for its test to show any shift at
    this look's confidence is not judged (`not enough data yet`), never called certain."""
    if spec.counts:
        return count_classify(spec, data, looks=looks)
    confidence = 1 - (1 - CONFIDENCE) / looks
    have = [sum(not math.isnan(v) for v in side) for side in (data.experiment, data.control)]
    if all(have) and not can_show_shift(*have, confidence=confidence):
        need = minutes_to_show_shift(confidence=confidence)
        reason = f"{spec.said}: not enough data yet: {min(have)} of {need} minutes"
        return MetricResult(spec.name, Label.TOO_FEW, reason, group=spec.group)
    return classify(spec, data, looks=looks)


def _without_data(
    results: Sequence[MetricResult], missing: Sequence[MetricResult], total: float
) -> Judgement:
    """A step with a metric that has no data (and no failure among the others): not judged, so
    never a pass; the reason names each metric without data first."""
    others = [r.reason for r in results if r not in missing]
    said = "; ".join([r.reason for r in missing] + others)
    return Judgement(
        verdict=Verdict.INSUFFICIENT,
        score=total if len(missing) < len(results) else math.nan,
        results=list(results),
        reason=f"not judged: {said}",
        unjudged=True,
    )


def judge(
    specs: Sequence[MetricSpec],
    data: dict[str, MetricData],
    *,
    canary_requests: int,
    needed: int | None = None,
    looks: int = 1,
) -> Judgement:
    """One step's judgement: the sample gate first, then every metric, then the score; its reason
    names every metric (its result, or why it is not judged yet). A metric without data for
    either version is not judged, so the step cannot pass (a failure of the others still fails
    it). `looks`
    is how many times this canary's growing data has been judged, this time included: each
    test's significance is shared among them (Bonferroni), so judging every step does not
    multiply false rollbacks."""
    needed = needed if needed is not None else needed_samples()
    if canary_requests < needed:
        return Judgement(
            verdict=Verdict.INSUFFICIENT,
            score=math.nan,
            reason=f"not enough requests yet to judge {', '.join(s.said for s in specs)}: "
            f"{canary_requests:,} of {needed:,}",
            unjudged=canary_requests == 0,
            no_traffic=canary_requests == 0,
        )
    results = [_judged(spec, data.get(spec.name, MetricData((), ())), looks) for spec in specs]
    missing = [r for r in results if r.label is Label.NODATA]
    total = score([r for r in results if r not in missing]) if len(missing) < len(results) else 0
    if missing and (total >= MARGINAL_SCORE or len(missing) == len(results)):
        return _without_data(results, missing, total)
    early = [r for r in results if r.label is Label.TOO_FEW]
    if total >= PASS_SCORE and early:
        return Judgement(
            verdict=Verdict.INSUFFICIENT,
            score=total,
            results=results,
            reason="no failure yet; " + "; ".join(r.reason for r in results),
        )
    powered = _powered(specs, data)
    if total >= PASS_SCORE and canary_requests < powered:
        return Judgement(
            verdict=Verdict.INSUFFICIENT,
            score=total,
            results=results,
            reason=f"no failure yet; {'; '.join(r.reason for r in results)}; not enough "
            f"traffic to promote ({canary_requests:,} of the {powered:,} canary requests that "
            "would show errors doubled)",
        )
    if total >= PASS_SCORE:
        verdict = Verdict.SUCCESSFUL
    elif total >= MARGINAL_SCORE:
        verdict = Verdict.INCONCLUSIVE
    else:
        verdict = Verdict.FAILED
    return Judgement(verdict=verdict, score=total, results=results, reason=f"score {total:g}")
