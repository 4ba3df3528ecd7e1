"""The offline gate a variant passes before it gets any traffic: the replay scenarios, whose first
cause is known, each narrated k times; a run passes when the narrative names that cause and is
grounded. As promptfoo repeats its cases because model output is noisy, a scenario counts only when
it passed in all k runs (pass^k).

The rule: the variant passes, in all k, every scenario the control passes in all k (no case the
team relies on gets worse), and its failed runs are not more frequent than the control's by the
count test of `shared.judging` (the canary's, one-sided, p < 0.05).

The gate's pass rate seeds the online arm as a prior of at most `PRIOR_TRIALS` pseudo-trials: a
gate pass is not a helpful answer (the replay set is easier than a real incident), so a few dozen
investigations outweigh it, yet an arm that struggled offline starts behind one that did not."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import Field, model_validator

from shared.judging.stats import count_test
from shared.records import Frozen

PRIOR_TRIALS = 10.0
WORSE_P = 0.05


class ScenarioRuns(Frozen):
    """One replay scenario's runs: how many of them named the known cause, grounded."""

    scenario: str = Field(min_length=1)
    passes: int = Field(ge=0)
    runs: int = Field(ge=1)

    @model_validator(mode="after")
    def _at_most_runs(self) -> ScenarioRuns:
        """More passes than runs is a bookkeeping error."""
        if self.passes > self.runs:
            raise ValueError(f"{self.scenario}: {self.passes} passes out of {self.runs} runs")
        return self


class GateResult(Frozen):
    """Whether the variant may take traffic, in figures and in words, and its online prior."""

    passed: bool
    pass_rate: float
    pass_all_k: int
    scenarios: int
    reason: str
    prior_successes: float
    prior_failures: float


def gate(variant: Sequence[ScenarioRuns], control: Sequence[ScenarioRuns], *, k: int) -> GateResult:
    """The variant's gate against the control's runs of the same scenarios, `k` runs each."""
    problem = _malformed(variant, control, k=k)
    result = _figures(variant, k=k, reason=problem or "")
    if problem:
        return result
    runs, passes = _totals(variant)
    control_runs, control_passes = _totals(control)
    test = count_test(runs - passes, runs, control_runs - control_passes, control_runs)
    worse = test.p_value < WORSE_P and test.ratio > 1
    solid, control_solid = _solid(variant, k), _solid(control, k)
    lost = sorted(control_solid - solid)
    said = (
        f"named the cause in {len(solid)} of {len(variant)} scenarios in all {k} runs; "
        f"control {len(control_solid)} of {len(control)}; "
        f"{'worse' if worse else 'not worse'} by the count test ({_p(test.p_value)})"
    )
    if lost:
        said += f"; missed where the control never does: {_some(lost)}"
    return result.model_copy(update={"passed": not lost and not worse, "reason": said})


def _totals(runs: Sequence[ScenarioRuns]) -> tuple[int, int]:
    """All runs and all passes."""
    return sum(item.runs for item in runs), sum(item.passes for item in runs)


def _solid(runs: Sequence[ScenarioRuns], k: int) -> set[str]:
    """The scenarios passed in all `k` runs."""
    return {item.scenario for item in runs if item.passes == item.runs == k}


def seed(runs: Sequence[ScenarioRuns]) -> tuple[float, float]:
    """The online prior these gate runs give an arm (the variant's or the control's alike):
    successes and failures in proportion to the pass rate, at most PRIOR_TRIALS in all."""
    total, passes = _totals(runs)
    rate = passes / total if total else 0.0
    weight = min(PRIOR_TRIALS, float(total))
    return rate * weight, (1 - rate) * weight


def _figures(variant: Sequence[ScenarioRuns], *, k: int, reason: str) -> GateResult:
    """The variant's figures and prior, not (yet) passed."""
    runs, passes = _totals(variant)
    successes, failures = seed(variant)
    return GateResult(
        passed=False,
        pass_rate=passes / runs if runs else 0.0,
        pass_all_k=len(_solid(variant, k)),
        scenarios=len(variant),
        reason=reason,
        prior_successes=successes,
        prior_failures=failures,
    )


class GateRuns(Frozen):
    """An offline gate under way, kept with its experiment between invocations: the cases it
    runs (by name), `k`, the arms (the control first) and each arm's runs so far, case by case
    in the cases' order, with the first failure of each case that had one."""

    k: int = Field(ge=1)
    cases: list[str]
    arms: list[str]
    done: dict[str, list[ScenarioRuns]] = Field(default_factory=dict)
    misses: dict[str, list[str]] = Field(default_factory=dict)

    @property
    def total(self) -> int:
        """The variants' runs (the control's besides: the same cases, made first): variants ×
        cases × k."""
        return (len(self.arms) - 1) * len(self.cases) * self.k

    @property
    def runs_done(self) -> int:
        """The variants' runs made so far."""
        return sum(item.runs for arm in self.arms[1:] for item in self.done.get(arm, []))

    @property
    def runs_made(self) -> int:
        """Every run made so far, the control's among them (one more at least with each part)."""
        return sum(item.runs for runs in self.done.values() for item in runs)

    @property
    def finished(self) -> bool:
        """Whether every run was made, the control's too."""
        return self.next_run() is None

    @property
    def told(self) -> str:
        """`Gate: 57 of 123 runs done` (the variants' runs, a model's calls among them)."""
        return f"Gate: {self.runs_done} of {self.total} runs done"

    def next_run(self) -> tuple[str, str] | None:
        """The arm and case of the next run (None when finished)."""
        for arm in self.arms:
            runs = self.done.get(arm, [])
            if runs and runs[-1].runs < self.k:
                return arm, runs[-1].scenario
            if len(runs) < len(self.cases):
                return arm, self.cases[len(runs)]
        return None

    def with_run(self, arm: str, case: str, why: str) -> GateRuns:
        """One more run of `case` by `arm`, passed when `why` is empty (else why it failed)."""
        runs = list(self.done.get(arm, []))
        if runs and runs[-1].scenario == case:
            last = runs.pop()
            passes, made = last.passes, last.runs
        else:
            passes, made = 0, 0
        runs.append(ScenarioRuns(scenario=case, passes=passes + (not why), runs=made + 1))
        misses = list(self.misses.get(arm, []))
        if why and not any(m.startswith(f"{case}: ") for m in misses):
            misses.append(f"{case}: {why}")
        update = {"done": {**self.done, arm: runs}, "misses": {**self.misses, arm: misses}}
        return self.model_copy(update=update)


def _malformed(
    variant: Sequence[ScenarioRuns], control: Sequence[ScenarioRuns], *, k: int
) -> str | None:
    """Why these runs cannot be judged (none, a scenario twice, the wrong number of runs, a
    scenario the control ran and the variant did not), or None."""
    if k < 1:
        return "the gate needs at least one run per scenario"
    if not variant or not control:
        return "no scenarios were run" if not variant else "the control ran no scenarios"
    for side, runs in (("variant", variant), ("control", control)):
        names = [item.scenario for item in runs]
        if len(set(names)) != len(names):
            return f"the {side} ran a scenario twice"
        short = [item.scenario for item in runs if item.runs != k]
        if short:
            return f"the {side} did not run {_some(short)} {k} times each"
    missing = sorted({item.scenario for item in control} - {item.scenario for item in variant})
    if missing:
        return f"the variant did not run {_some(missing)}"
    return None


def _p(value: float) -> str:
    """A p-value as the canary's reasons say it."""
    return "p < 0.01" if value < 0.01 else f"p = {value:.2f}"


def _some(names: Sequence[str]) -> str:
    """The first three names, and how many more."""
    shown = ", ".join(names[:3])
    return shown + (f" and {len(names) - 3} more" if len(names) > 3 else "")
