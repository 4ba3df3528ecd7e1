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
    assert journal(an_experiment(state=ExperimentState.RUNNING))["status"] == "running"


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
    assert found["steady_states"]["before"]["reasons"] == ["ok"]
    assert [s["verdict"] for s in found["steady_states"]["during"]] == ["held", "held"]
    assert found["steady_states"]["after"]["at"] == during[-1].at.isoformat()
    assert [a["activity"]["name"] for a in found["run"]] == ["inject error into 1%"]
    assert [(r["status"], r["output"]) for r in found["rollbacks"]] == [
        ("failed", "throttled"),
        ("succeeded", "removed and verified"),
    ]
    assert found["status"] == "failed"
