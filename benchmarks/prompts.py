"""Prompt experiments on simulated investigations with known truth: the shipped policy against a
fixed even split and against Langfuse-style per-request random labels, on the same investigations.

Three variants: the rule-based control (true helpful rate 0.55) and two model variants (0.62 and
0.60). In the first world the 0.62 one writes an ungrounded narrative 2% of the time; in the
second every narrative is grounded; in the third (A/A) all three are 0.60. Each run is 2,000
investigations, each judged (Helpful or Wrong) before the next.

Ours is the product's policy, run by the product's functions on a real `Experiment`: the offline
gate (`shared.prompts.gate.gate`, 40 replay scenarios, 3 runs each, simulated) admits a variant
and seeds its prior (the control's from its own runs of the same cases, as `sre prompt experiment
start` seeds it); the
floor is `sre prompt experiment start`'s default; after every investigation
`shared.prompts.decisions.decide` runs the sequential test (stops a variant worse than the control,
promotes one better) and, at a look (every `LOOK_EVERY` judged investigations, equal shares for
the first `BURN_IN`), recomputes the Thompson shares; each investigation's arm is the sticky
hashed `pick` from the stored shares; an ungrounded narrative is never posted (the control's is)
and `shared.prompts.routing.recorded` demotes its variant at once. After a promotion every
narrative is the winner's (an ungrounded one replaced by the control's). The baselines post
whatever their variant wrote.

Regret is in expected helpful answers lost against always using the best grounded variant."""

from __future__ import annotations

import math
import random
import statistics
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from benchmarks import prompt_gate
from shared.investigations.models import Investigation
from shared.prompts.commands import StartExperiment, floor_of
from shared.prompts.decisions import Tally, decide, scored
from shared.prompts.experiments import BURN_IN, LOOK_EVERY, Arm, Experiment
from shared.prompts.gate import ScenarioRuns, gate, seed
from shared.prompts.model_arm import Written
from shared.prompts.models import CONTROL_NAME, Variant, VariantContent, VariantKind, control
from shared.prompts.routing import recorded
from shared.prompts.selection import pick
from shared.prompts.sequential import ALPHA

CONTROL = CONTROL_NAME
FLOOR = floor_of(StartExperiment.model_fields["floor"].default)
INVESTIGATIONS = 2_000
LATE = 500
K = 3
SCENARIOS = 40
CONTROL_SOLVES = 36
RELIABLE = 0.9995  # a model variant's chance per run on a scenario the rules solve
ORG, TEAM = "local", "bench"
AT = datetime(2026, 1, 1, tzinfo=UTC)


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
    changes: list[int] = field(default_factory=list)
    """The judged investigations at each look that changed the shares."""


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
    """The variants the simulated gate admits, with the priors it gives them (the control is
    always in, seeded from its own runs of the same cases, as `start` seeds it)."""
    control_runs = [
        ScenarioRuns(scenario=f"s{i}", passes=K if i < CONTROL_SOLVES else 0, runs=K)
        for i in range(SCENARIOS)
    ]
    admitted = {CONTROL: seed(control_runs)}
    for name, rate in world.rates.items():
        if name == CONTROL:
            continue
        result = gate(_model_runs(rate, rng), control_runs, k=K)
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


def _variant(name: str) -> Variant:
    """The control, or a model variant named `name`."""
    if name == CONTROL:
        return control(ORG)
    content = VariantContent(kind=VariantKind.MODEL, model="simulated")
    return control(ORG).model_copy(update={"name": name, "content": content})


def started(priors: dict[str, tuple[float, float]], seed: int) -> Experiment:
    """The experiment `sre prompt experiment start` would save for these gated arms."""
    arms = [
        Arm(
            variant=_variant(name),
            weight=1 / len(priors),
            prior_successes=prior[0],
            prior_failures=prior[1],
        )
        for name, prior in priors.items()
    ]
    return Experiment(
        id=f"pe-{seed:06x}",
        org=ORG,
        team=TEAM,
        arms=arms,
        floor=FLOOR,
        started_by="bench",
        started_at=AT,
    )


def _investigation(i: int) -> Investigation:
    """A stand-in investigation (only its id and time matter to a demotion)."""
    return Investigation(
        id=f"inv-{i:08x}",
        org=ORG,
        team=TEAM,
        service="api",
        opened_by="bench",
        opened_at=AT,
        start=AT,
        end=AT,
        headline="simulated",
    )


def _score(world: World, run: Run, i: int, arm: str, rate: float) -> None:
    """Regret and share on the best for one posted narrative."""
    run.regret += world.best - rate
    if rate == world.best and not world.ungrounded.get(arm):
        run.on_best += 1
        run.on_best_late += i >= INVESTIGATIONS - LATE


def _narrated(
    world: World, run: Run, state: tuple[Experiment, dict[str, Tally]], i: int, rng: random.Random
) -> tuple[Experiment, dict[str, Tally]]:
    """One investigation in the running experiment: its arm, its posted narrative judged, and
    the product's decision on the evidence."""
    experiment, results = state
    name = pick(experiment.weights(), f"{ORG}:{TEAM}:inv-{i:08x}:{experiment.id}")
    arm = experiment.arm(name) or experiment.control()
    posted = name
    if rng.random() < world.ungrounded.get(name, 0.0):
        run.demoted += 1  # the control's narrative is posted; the variant is out at once
        written = Written(ungrounded=("a claim not in the findings",))
        experiment = recorded(experiment, arm, written, _investigation(i))
        posted = CONTROL
    rate = world.rates[posted]
    _score(world, run, i, posted, rate)
    results = {**results, posted: scored(results[posted], rng.random() < rate, None)}
    before = len(experiment.history)
    experiment = decide(experiment, results, now=AT)
    if any(step.what == "shares" for step in experiment.history[before:]):
        run.changes.append(experiment.looked_at)
    return experiment, results


def _promoted(world: World, run: Run, winner: str, i: int, rng: random.Random) -> None:
    """One investigation after a promotion: the winner's narrative (the control's if ungrounded)."""
    ungrounded = rng.random() < world.ungrounded.get(winner, 0.0)
    posted = CONTROL if ungrounded else winner
    _score(world, run, i, posted, world.rates[posted])


def ours(world: World, seed: int) -> Run:
    """The shipped policy over one run."""
    rng, run = random.Random(seed), Run()  # noqa: S311 (a simulation)
    priors = _gated(world, rng)
    run.admitted = len(priors) - 1
    state = (started(priors, seed), {name: Tally() for name in priors})
    for i in range(INVESTIGATIONS):
        if state[0].running:
            state = _narrated(world, run, state, i, rng)
            if not state[0].running:
                run.promoted, run.promoted_at = state[0].winner, i + 1
        else:
            _promoted(world, run, state[0].winner, i, rng)
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
        f"world; the shipped policy: floor {FLOOR:.0%}, burn-in {BURN_IN}, shares recomputed "
        f"every {LOOK_EVERY} judged investigations, the sequential test at alpha {ALPHA}"
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
