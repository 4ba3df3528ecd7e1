"""`python -m benchmarks.prompts` runs the product's policy, not a copy: the experiment it runs is
the one `sre prompt experiment start` saves (burn-in, default floor), the product's `decide` moves
its shares only at the product's looks, and it says so in its first line."""

from __future__ import annotations

import pytest

from benchmarks import prompts
from shared.prompts.commands import StartExperiment, floor_of
from shared.prompts.experiments import BURN_IN, LOOK_EVERY, Experiment
from shared.prompts.models import CONTROL_NAME
from shared.prompts.sequential import ALPHA

OLD_CADENCE = 100
"""The bench's own burn-in and recomputation period before it ran the product's."""


def test_the_bench_runs_the_experiment_the_product_starts() -> None:
    experiment = prompts.started({CONTROL_NAME: (0.0, 0.0), "model-a": (10.0, 0.0)}, seed=7)
    assert isinstance(experiment, Experiment)
    assert (experiment.burn_in, experiment.floor, experiment.looked_at) == (
        BURN_IN,
        floor_of(StartExperiment.model_fields["floor"].default),
        0,
    )
    assert experiment.weights() == {CONTROL_NAME: 0.5, "model-a": 0.5}
    assert prompts.CONTROL == CONTROL_NAME


def test_the_bench_moves_the_shares_only_at_the_products_looks() -> None:
    for world in prompts.WORLDS:
        run = prompts.ours(world, seed=3)
        assert run.changes, world.name
        assert all(judged % LOOK_EVERY == 0 for judged in run.changes), run.changes
        # the first change comes at the first look past the product's burn-in
        assert BURN_IN <= run.changes[0] < OLD_CADENCE, run.changes


def test_the_bench_prints_the_policy_it_runs(capsys: pytest.CaptureFixture[str]) -> None:
    prompts.main(runs=1)
    first = capsys.readouterr().out.splitlines()[0]
    assert (
        f"the shipped policy: floor 5%, burn-in {BURN_IN}, shares recomputed every {LOOK_EVERY} "
        f"judged investigations, the sequential test at alpha {ALPHA}"
    ) in first
