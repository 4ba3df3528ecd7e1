"""The canary judge on simulated canaries with known truth, against Kayenta's judge.

2,000 canaries at 5% of traffic, judged every 5 minutes on everything seen so far, for up to 30
minutes: 1,000 with a regression (errors or latency 1.5x, 2x or 5x) and 1,000 healthy, at
0.1, 1, 10 and 100 requests per second. Baseline: 1% errors, 100 ms p99.

Ours: Mann-Whitney for latency, the count test for errors, the 299-request gate (below it the
step is extended: no verdict). Kayenta: Mann-Whitney on both (errors as per-minute rates, NaN
minutes removed), no gate, a judgement at or below 75 stops the run (rollback), the last must
reach 95 to promote."""

from __future__ import annotations

import math
import random
import statistics
import time
from collections import Counter
from dataclasses import dataclass

from shared.judging.judge import (
    Judgement,
    MetricData,
    MetricSpec,
    Verdict,
    classify,
    judge,
    score,
)
from shared.judging.stats import detectable_samples

WEIGHT = 0.05
STEP = 5
LIFETIME = 30
TRAFFIC = (0.1, 1.0, 10.0, 100.0)
BASE_ERRORS = 0.01
BASE_LATENCY = 100.0
FACTORS = (1.5, 2.0, 5.0)
LATENCY = MetricSpec(name="latency", allowed_increase=1.1)
ERRORS = MetricSpec(name="errors", counts=True, critical=True)
KAYENTA_ERRORS = MetricSpec(name="errors", critical=True)


@dataclass(frozen=True)
class Case:
    """One simulated canary: its traffic and what (if anything) regressed, by how much."""

    rps: float
    metric: str  # "", "errors" or "latency"
    factor: float
    seed: int


@dataclass
class Minute:
    """One minute of one version."""

    requests: int
    errors: int
    latency: float  # NaN when it served nothing


def _poisson(rng: random.Random, mean: float) -> int:
    if mean > 50:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def _binomial(rng: random.Random, n: int, p: float) -> int:
    if n > 100:
        return max(0, round(rng.gauss(n * p, math.sqrt(n * p * (1 - p)))))
    return sum(rng.random() < p for _ in range(n))


def _minute(rng: random.Random, rps: float, share: float, errors: float, latency: float) -> Minute:
    n = _poisson(rng, rps * 60 * share)
    if n == 0:
        return Minute(0, 0, math.nan)
    spread = 0.05 + 0.3 / math.sqrt(n)
    return Minute(n, _binomial(rng, n, min(errors, 1.0)), latency * math.exp(rng.gauss(0, spread)))


def simulate(case: Case) -> tuple[list[Minute], list[Minute]]:
    """Stable and canary minutes for the canary's whole lifetime."""
    rng = random.Random(case.seed)  # noqa: S311 (a simulation)
    errors = BASE_ERRORS * (case.factor if case.metric == "errors" else 1.0)
    latency = BASE_LATENCY * (case.factor if case.metric == "latency" else 1.0)
    stable = [
        _minute(rng, case.rps, 1 - WEIGHT, BASE_ERRORS, BASE_LATENCY) for _ in range(LIFETIME)
    ]
    canary = [_minute(rng, case.rps, WEIGHT, errors, latency) for _ in range(LIFETIME)]
    return stable, canary


def _latency(stable: list[Minute], canary: list[Minute]) -> MetricData:
    return MetricData(
        control=[m.latency for m in stable if m.requests],
        experiment=[m.latency for m in canary if m.requests],
    )


def ours(stable: list[Minute], canary: list[Minute]) -> Judgement:
    """Our judge on the minutes so far (the number of looks: one per step so far)."""
    errors = MetricData(
        control=[float(m.errors) for m in stable],
        experiment=[float(m.errors) for m in canary],
        control_total=sum(m.requests for m in stable),
        experiment_total=sum(m.requests for m in canary),
    )
    data = {"latency": _latency(stable, canary), "errors": errors}
    looks = max(1, len(canary) // STEP)
    return judge([LATENCY, ERRORS], data, canary_requests=errors.experiment_total, looks=looks)


def kayenta(stable: list[Minute], canary: list[Minute]) -> float:
    """Kayenta's score on the minutes so far (error rates per minute; empty minutes removed)."""
    rates = MetricData(
        control=[m.errors / m.requests for m in stable if m.requests],
        experiment=[m.errors / m.requests for m in canary if m.requests],
    )
    results = [
        classify(LATENCY, _latency(stable, canary)),
        classify(KAYENTA_ERRORS, rates),
    ]
    return score(results)


@dataclass(frozen=True)
class Result:
    """What each judge decided for one case, and after how many minutes."""

    case: Case
    ours: tuple[str, int]
    kayenta: tuple[str, int]
    gated: bool
    """Whether the canary served enough, within its lifetime, to show a doubled error rate."""


def run(case: Case) -> Result:
    """(outcome, minutes) for ours and for Kayenta: rollback, promote or held."""
    stable, canary = simulate(case)
    mine: tuple[str, int] = ("held", LIFETIME)
    theirs: tuple[str, int] = ("promote", LIFETIME)
    last = 0.0
    for end in range(STEP, LIFETIME + 1, STEP):
        if mine[0] == "held" and mine[1] == LIFETIME:
            verdict = ours(stable[:end], canary[:end]).verdict
            if verdict is Verdict.FAILED:
                mine = ("rollback", end)
            elif verdict is Verdict.SUCCESSFUL:
                mine = ("promote", end)
        if theirs == ("promote", LIFETIME):
            last = kayenta(stable[:end], canary[:end])
            if last <= 75:
                theirs = ("rollback", end)
        if mine[1] < LIFETIME and theirs[0] == "rollback":
            break
    if theirs == ("promote", LIFETIME) and last < 95:
        theirs = ("rollback", LIFETIME)
    served = sum(m.requests for m in canary)
    return Result(case, mine, theirs, gated=served >= detectable_samples(BASE_ERRORS))


def cases() -> list[Case]:
    """1,000 regressions (6 kinds x 4 traffic levels, cycled) and 1,000 healthy canaries."""
    kinds = [(metric, factor) for metric in ("errors", "latency") for factor in FACTORS]
    cells = [(rps, metric, factor) for rps in TRAFFIC for metric, factor in kinds]
    bad = [Case(*cells[i % len(cells)], seed=i) for i in range(1000)]
    good = [Case(TRAFFIC[i % len(TRAFFIC)], "", 1.0, seed=10_000 + i) for i in range(1000)]
    return bad + good


def _rate(outcomes: list[str], what: str) -> str:
    return f"{outcomes.count(what) / len(outcomes):6.1%}" if outcomes else "     -"


def _table(results: list[Result]) -> None:
    print(
        "  rps    judge     false rollbacks  2x errors caught  all regressions  held (no verdict)"
    )
    for rps in TRAFFIC:
        at = [r for r in results if r.case.rps == rps]
        for name in ("ours", "kayenta"):
            healthy = [getattr(r, name)[0] for r in at if not r.case.metric]
            regressed = [getattr(r, name)[0] for r in at if r.case.metric]
            doubled = [
                getattr(r, name)[0]
                for r in at
                if r.case.metric == "errors" and r.case.factor == 2.0
            ]
            print(
                f"  {rps:5g}  {name:8}  {_rate(healthy, 'rollback'):>15}  "
                f"{_rate(doubled, 'rollback'):>16}  {_rate(regressed, 'rollback'):>15}  "
                f"{_rate(healthy + regressed, 'held'):>17}"
            )


def main() -> None:
    """Print correct and false rollbacks and time to verdict, per traffic level, for both judges."""
    started = time.perf_counter()
    results = [run(case) for case in cases()]
    seconds = time.perf_counter() - started
    print("Canary judge: 2,000 simulated canaries at 5% (1,000 regressed, 1,000 healthy)")
    _table(results)
    doubled = [r for r in results if r.case.metric == "errors" and r.case.factor == 2.0 and r.gated]
    caught = sum(r.ours[0] == "rollback" for r in doubled)
    print(
        f"  ours: 2x error regressions caught once the gate is met: {caught}/{len(doubled)} = "
        f"{caught / len(doubled):.1%} (goal >= 95%)"
    )
    for name in ("ours", "kayenta"):
        healthy = [getattr(r, name)[0] for r in results if not r.case.metric]
        minutes = [getattr(r, name)[1] for r in results if getattr(r, name)[0] != "held"]
        outcomes = Counter(getattr(r, name)[0] for r in results)
        print(
            f"  {name}: false rollbacks {_rate(healthy, 'rollback').strip()} of healthy "
            f"(goal <= 1%); median minutes to a verdict {statistics.median(minutes):g}; "
            f"{dict(outcomes)}"
        )
    print(f"  {len(results):,} canaries judged in {seconds:.1f} s")


if __name__ == "__main__":
    main()
