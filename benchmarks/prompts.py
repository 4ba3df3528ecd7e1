"""Prompt experiments on simulated investigations with known truth: our allocation against a fixed
even split and against Langfuse-style per-request random labels, on the same investigations.

Three variants: the rule-based control (true helpful rate 0.55) and two model variants (0.62 and
0.60). In the first world the 0.62 one writes an ungrounded narrative 2% of the time; in the
second every narrative is grounded; in the third (A/A) all three are 0.60. Each run is 2,000
investigations.

Ours: the offline gate (40 replay scenarios, 3 runs each, simulated) admits a variant and seeds its
prior; Thompson sampling (`shared.prompts.selection`, 5% floor, equal shares for the first 100
investigations, shares recomputed every 100 from 300 draws) and a sticky hashed pick per
investigation; an ungrounded narrative is never posted (the rule-based one is), and it demotes its
variant to 0% at once; after every investigation the sequential test (`shared.prompts.sequential`)
stops a variant worse than the control and promotes one better than the control (all traffic to
it; two at once: the higher observed rate). The baselines post whatever their variant wrote.

Regret is in expected helpful answers lost against always using the best grounded variant."""

from __future__ import annotations

import math
import random
import statistics
import time
from dataclasses import dataclass, field

from benchmarks import prompt_gate
from shared.prompts.gate import ScenarioRuns, gate
from shared.prompts.selection import Arm, allocate, pick
from shared.prompts.sequential import Counts, Decision, compare

CONTROL = "rules"
INVESTIGATIONS = 2_000
LATE = 500
FLOOR = 0.05
BURN_IN = 100
EVERY = 100
DRAWS = 300
K = 3
SCENARIOS = 40
CONTROL_SOLVES = 36
RELIABLE = 0.9995  # a model variant's chance per run on a scenario the rules solve


@dataclass(frozen=True)
class World:
    """True helpful rates, and each variant's chance of an ungrounded narrative."""

    name: str
    rates: dict[str, float]
    ungrounded: dict[str, float] = field(default_factory=dict)

    @property
    def best(self) -> float:
        """The best rate among the variants that never write an ungrounded narrative."""
        return max(r for v, r in self.rates.items() if not self.ungrounded.get(v))


@dataclass
class Run:
    """One policy on one run of investigations."""

    regret: float = 0.0
    on_best: int = 0
    on_best_late: int = 0
    ungrounded_posted: int = 0
    promoted: str | None = None
    promoted_at: int | None = None
    demoted: int = 0
    admitted: int = 0


@dataclass
class Experiment:
    """Our experiment's state during a run."""

    arms: dict[str, list[int]]  # name -> [successes, trials] seen online
    priors: dict[str, tuple[float, float]]
    weights: dict[str, float] = field(default_factory=dict)
    promoted: str | None = None


WORLDS = (
    World(
        "the 0.62 one ungrounded 2% of the time",
        {CONTROL: 0.55, "model-a": 0.62, "model-b": 0.60},
        {"model-a": 0.02},
    ),
    World("all grounded", {CONTROL: 0.55, "model-a": 0.62, "model-b": 0.60}),
    World("A/A (all 0.60)", {CONTROL: 0.60, "model-a": 0.60, "model-b": 0.60}),
)


def _gated(world: World, rng: random.Random) -> dict[str, tuple[float, float]]:
    """The variants the simulated gate admits, with the priors it gives them."""
    control = [
        ScenarioRuns(scenario=f"s{i}", passes=K if i < CONTROL_SOLVES else 0, runs=K)
        for i in range(SCENARIOS)
    ]
    admitted = {}
    for name, rate in world.rates.items():
        runs = control if name == CONTROL else _model_runs(rate, rng)
        result = gate(runs, control, k=K)
        if result.passed:
            admitted[name] = (result.prior_successes, result.prior_failures)
    return admitted


def _model_runs(rate: float, rng: random.Random) -> list[ScenarioRuns]:
    """A model variant on the replay set: reliable where the rules are, `rate` elsewhere."""
    chances = [RELIABLE if i < CONTROL_SOLVES else rate for i in range(SCENARIOS)]
    return [
        ScenarioRuns(scenario=f"s{i}", runs=K, passes=sum(rng.random() < p for _ in range(K)))
        for i, p in enumerate(chances)
    ]


def _reallocate(state: Experiment, observed: int, rng: random.Random) -> None:
    """Thompson shares over the arms still in the experiment."""
    arms = [
        Arm(name=n, successes=state.priors[n][0] + s, failures=state.priors[n][1] + t - s)
        for n, (s, t) in state.arms.items()
    ]
    state.weights = allocate(
        arms,
        floor=min(FLOOR, 1 / len(arms)),
        burn_in=BURN_IN,
        observed=observed,
        rng=rng,
        draws=DRAWS,
    )


def _drop(state: Experiment, name: str) -> None:
    """A demoted or stopped variant gets no more traffic; the others share its part."""
    del state.arms[name]
    state.weights.pop(name, None)
    total = sum(state.weights.values())
    state.weights = {n: w / total for n, w in state.weights.items()}


def _judge(state: Experiment) -> str | None:
    """Stop variants worse than the control; promote the best of those better than it."""
    control = Counts(successes=state.arms[CONTROL][0], trials=state.arms[CONTROL][1])
    better = []
    for name in [n for n in state.arms if n != CONTROL]:
        s, t = state.arms[name]
        decision = compare(control, Counts(successes=s, trials=t))
        if decision is Decision.WORSE:
            _drop(state, name)
        elif decision is Decision.BETTER:
            better.append((s / t, name))
    return max(better)[1] if better else None


def _score(world: World, run: Run, i: int, arm: str, rate: float) -> None:
    """Regret and share on the best for one posted narrative."""
    run.regret += world.best - rate
    if rate == world.best and not world.ungrounded.get(arm):
        run.on_best += 1
        run.on_best_late += i >= INVESTIGATIONS - LATE


def ours(world: World, seed: int) -> Run:
    """Our allocation, gate, guardrail and sequential test over one run."""
    rng, run = random.Random(seed), Run()  # noqa: S311 (a simulation)
    priors = _gated(world, rng)
    state = Experiment(arms={n: [0, 0] for n in priors}, priors=priors)
    run.admitted = len(priors) - 1
    for i in range(INVESTIGATIONS):
        if state.promoted is None and i % EVERY == 0 and len(state.arms) > 1:
            _reallocate(state, i, rng)
        arm = state.promoted or (
            pick(state.weights, f"{seed}:{i}") if len(state.arms) > 1 else CONTROL
        )
        if rng.random() < world.ungrounded.get(arm, 0.0):
            run.demoted += 1  # the rule-based narrative is posted instead; the variant is out
            state.arms[arm][1] += 1
            _score(world, run, i, CONTROL, world.rates[CONTROL])
            if state.promoted == arm:
                state.promoted = None
            _drop(state, arm)
            continue
        _score(world, run, i, arm, world.rates[arm])
        state.arms[arm][0] += rng.random() < world.rates[arm]
        state.arms[arm][1] += 1
        if state.promoted is None and len(state.arms) > 1:
            state.promoted = _judge(state)
            if state.promoted is not None and run.promoted is None:
                run.promoted, run.promoted_at = state.promoted, i + 1
    return run


def baseline(world: World, seed: int, *, sticky: bool) -> Run:
    """An even split: hashed per investigation (sticky), or a random label per request; what a
    two-proportion z-test at p < 0.05, peeked at after every request, would have promoted."""
    rng, run = random.Random(seed), Run()  # noqa: S311 (a simulation)
    names = sorted(world.rates)
    even = dict.fromkeys(names, 1 / len(names))
    seen = {name: [0, 0] for name in names}
    for i in range(INVESTIGATIONS):
        arm = pick(even, f"{seed}:{i}") if sticky else rng.choice(names)
        run.ungrounded_posted += rng.random() < world.ungrounded.get(arm, 0.0)
        _score(world, run, i, arm, world.rates[arm])
        seen[arm][0] += rng.random() < world.rates[arm]
        seen[arm][1] += 1
        if arm != CONTROL and run.promoted is None and _peeked(seen[CONTROL], seen[arm]):
            run.promoted, run.promoted_at = arm, i + 1
    return run


def _peeked(control: list[int], variant: list[int]) -> bool:
    """The fixed-horizon z-test, looked at now: variant above control at p < 0.05 two-sided."""
    if min(control[1], variant[1]) < 30:
        return False
    pooled = (control[0] + variant[0]) / (control[1] + variant[1])
    variance = pooled * (1 - pooled) * (1 / control[1] + 1 / variant[1])
    difference = variant[0] / variant[1] - control[0] / control[1]
    return variance > 0 and difference / math.sqrt(variance) > 1.96


def _percent(part: float, whole: float) -> str:
    return f"{part / whole:.1%}" if whole else "n/a"


def _report(runs: int, policy: str, results: list[Run]) -> None:
    """One policy's figures in one world."""
    regret = statistics.fmean(r.regret for r in results)
    on_best = _percent(sum(r.on_best for r in results), runs * INVESTIGATIONS)
    late = _percent(sum(r.on_best_late for r in results), runs * LATE)
    ungrounded = sum(r.ungrounded_posted for r in results) / runs
    print(
        f"    {policy:<22} regret {regret:5.1f}, on the best {on_best} (last {LATE}: {late}), "
        f"ungrounded narratives posted {ungrounded:.1f} a run"
    )


def _wrong(world: World, name: str) -> bool:
    """A promotion is wrong when the variant is not the best grounded one, or no better than the
    control (in A/A, every promotion is wrong)."""
    rate = world.rates[name]
    return bool(world.ungrounded.get(name)) or rate < world.best or rate <= world.rates[CONTROL]


def _promotions(world: World, results: list[Run]) -> bool:
    """Print how promotions went; whether a worse variant was promoted in at most 5% of runs."""
    promoted = [r for r in results if r.promoted]
    worse = [r for r in promoted if _wrong(world, r.promoted or "")]
    right = sorted(r.promoted_at or 0 for r in promoted if not _wrong(world, r.promoted or ""))
    share = len(worse) / len(results)
    when = (
        f"correct promotion after a median {statistics.median(right):,.0f} investigations, "
        f"p90 {right[math.ceil(0.9 * len(right)) - 1]:,}"
        if right
        else "no correct promotion"
    )
    admitted = statistics.fmean(r.admitted for r in results)
    print(
        f"    ours: promoted in {_percent(len(promoted), len(results))} of runs, a worse "
        f"variant in {share:.1%} (goal <= 5%: {'met' if share <= 0.05 else 'NOT met'}); "
        f"{when}; the gate admitted {admitted:.1f} "
        f"of 2 model variants a run"
    )
    return share <= 0.05


def _peeking(world: World, results: list[Run]) -> None:
    """What random labels with a z-test peeked at after every request would have promoted."""
    wrong = sum(1 for r in results if r.promoted and _wrong(world, r.promoted))
    print(
        f"    random labels with a z-test peeked at every request: a worse variant promoted in "
        f"{_percent(wrong, len(results))} of runs"
    )


def main(runs: int = 200) -> None:
    """Print each world's figures for the three policies over `runs` seeded runs."""
    began = time.process_time()
    print(
        f"Prompt experiments: {runs} runs of {INVESTIGATIONS:,} simulated investigations per "
        f"world; floor {FLOOR:.0%}, burn-in {BURN_IN}, the sequential test at alpha 0.05"
    )
    goals = []
    for world in WORLDS:
        print(
            f"  {world.name}: true helpful rates "
            + ", ".join(f"{n} {r:.2f}" for n, r in sorted(world.rates.items()))
        )
        mine = [ours(world, seed) for seed in range(runs)]
        _report(runs, "ours", mine)
        even = [baseline(world, s, sticky=True) for s in range(runs)]
        labels = [baseline(world, s, sticky=False) for s in range(runs)]
        _report(runs, "even split (hashed)", even)
        _report(runs, "random label a request", labels)
        goals.append(_promotions(world, mine))
        _peeking(world, labels)
    print(f"  goals met: {sum(goals)} of {len(goals)}; {time.process_time() - began:.0f} s of CPU")
    prompt_gate.main()  # the gate run for real on the replay cases, and retrieval's lift


if __name__ == "__main__":
    main()
