"""The journal in Chaos Toolkit's shape: its status and `deviated` from the outcome, the steady
states before, during and after, the run and every rollback attempt (a failed one never
reported as a success)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.chaos.journal import journal
from shared.chaos.models import (
    ChaosStep,
    ExperimentOutcome,
    ExperimentState,
    Injection,
    RollbackAttempt,
    SteadyState,
)
from tests.support import NOW
from tests.support.chaos import an_experiment

LATER = NOW + timedelta(minutes=12)


@pytest.mark.parametrize(
    ("outcome", "status", "deviated"),
    [
        (ExperimentOutcome.HELD, "completed", False),
        (ExperimentOutcome.DEVIATED, "failed", True),
        (ExperimentOutcome.INCONCLUSIVE, "aborted", False),
        (ExperimentOutcome.HALTED, "interrupted", False),
        (ExperimentOutcome.FAILED, "failed", False),
    ],
)
def test_the_outcome_is_chaos_toolkits_status(
    outcome: ExperimentOutcome, status: str, deviated: bool
) -> None:
    ended = an_experiment(state=ExperimentState.ENDED, outcome=outcome, ended_at=LATER)
    found = journal(ended)
    assert (found["status"], found["deviated"]) == (status, deviated)
    assert found["end"] == LATER.isoformat()


def test_a_running_experiment_has_no_status_yet() -> None:
    assert journal(an_experiment(state=ExperimentState.RUNNING))["status"] is None


def test_steady_states_run_and_every_rollback_attempt_are_kept() -> None:
    before = SteadyState(at=NOW, percent=0, met=True, verdict="before", reasons=["ok"])
    during = [
        SteadyState(at=NOW + timedelta(minutes=m), percent=1, met=True, verdict="held")
        for m in (2, 3)
    ]
    experiment = an_experiment(
        state=ExperimentState.ENDED,
        outcome=ExperimentOutcome.FAILED,
        before=before,
        steady_states=during,
        history=[ChaosStep(at=NOW, percent=1, what="injected", reason="error into 1%")],
        injections=[Injection(key="chx-0a1b2c-0", percent=1, handle="h", at=NOW)],
        rollbacks=[
            RollbackAttempt(at=LATER, key="chx-0a1b2c-0", verified=False, error="throttled"),
            RollbackAttempt(at=LATER, key="chx-0a1b2c-0", verified=True),
        ],
    )
    found = journal(experiment)
    assert found["steady_states"]["before"]["probes"][0]["output"] == "ok"
    assert [s["steady_state_met"] for s in found["steady_states"]["during"]] == [True, True]
    assert found["steady_states"]["after"]["probes"][0]["end"] == during[-1].at.isoformat()
    assert [a["activity"]["name"] for a in found["run"]] == ["inject error into 1%"]
    assert [(r["status"], r["output"]) for r in found["rollbacks"]] == [
        ("failed", "throttled"),
        ("succeeded", "removed and verified"),
    ]
    assert found["status"] == "failed"


def test_every_steady_state_has_chaos_toolkits_shape_and_one_time_format() -> None:
    texts = ["p99_latency < 2s", "error_rate < 1%"]
    before = SteadyState(
        at=NOW, percent=0, met=True, verdict="before", reasons=["p99 380 ms", "errors 0.2%"]
    )
    deviated = SteadyState(
        at=LATER,
        percent=5,
        met=False,
        verdict="deviated",
        reasons=["p99 2,400 ms; faulted share breaks p99_latency < 2000ms", "errors 0.2%"],
    )
    found = journal(an_experiment(expectations=texts, before=before, steady_states=[deviated]))
    states = found["steady_states"]
    assert states["before"].keys() == states["during"][0].keys()
    assert states["before"]["steady_state_met"] is True
    (p99, errors) = states["during"][0]["probes"]
    assert p99["activity"]["tolerance"] == {
        "type": "range",
        "range": [0, 2000],
        "target": "p99_latency",
        "unit": "ms",
    }
    assert (
        errors["activity"]["tolerance"]["range"] == [0, 1]
        and errors["activity"]["tolerance"]["unit"] == "%"
    )
    assert (p99["tolerance_met"], errors["tolerance_met"]) == (False, True)
    assert p99.keys() >= {"activity", "status", "output", "start", "end", "duration"}
    assert (
        found["experiment"]["steady-state-hypothesis"]["probes"][0]["tolerance"]
        == (p99["activity"]["tolerance"])
    )
    times = [states["before"]["probes"][0]["start"], p99["start"], found["start"]]
    assert times == [NOW.isoformat(), LATER.isoformat(), NOW.isoformat()]
    assert all(t.endswith("+00:00") for t in times)


def test_each_steps_injection_is_one_action_of_the_run() -> None:
    # GIVEN three steps, each later one recorded as advanced (with the step before's verdict)
    # and then injected
    steps = [
        ChaosStep(at=NOW, percent=1, what="injected", reason="error into 1%"),
        ChaosStep(at=NOW, percent=5, what="advanced", reason="held: error rate 0.1% at 1%"),
        ChaosStep(at=NOW, percent=5, what="injected", reason="error into 5%"),
        ChaosStep(at=NOW, percent=25, what="advanced", reason="held: error rate 0.1% at 5%"),
        ChaosStep(at=NOW, percent=25, what="injected", reason="error into 25%"),
    ]
    run = journal(an_experiment(state=ExperimentState.RUNNING, history=steps))["run"]
    # THEN the run has three actions, each with its own injection's output
    assert [(a["activity"]["name"], a["output"]) for a in run] == [
        ("inject error into 1%", "error into 1%"),
        ("inject error into 5%", "error into 5%"),
        ("inject error into 25%", "error into 25%"),
    ]
    # AND an experiment recorded before injections were (advanced only) still lists its steps
    old = [s for s in steps if s.what == "advanced"]
    assert len(journal(an_experiment(state=ExperimentState.RUNNING, history=old))["run"]) == 2
