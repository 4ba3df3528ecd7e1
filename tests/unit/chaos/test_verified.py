"""What an ended experiment changes in its team's verified resilience: held records one at the
largest share it held at, deviated or failed revokes those of the same service and fault, a
halted or inconclusive run, or another fault, changes nothing; a held run whose fault its steady
state cannot see records nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.chaos.models import ExperimentOutcome, ExperimentState, Fault, SteadyState
from shared.chaos.verified import settlement, verified_by
from tests.support import NOW
from tests.support.chaos import an_experiment

LATER = NOW + timedelta(days=3)


def test_held_records_the_largest_share_it_held_at_valid_for_its_period() -> None:
    held = an_experiment(
        id="chx-000001",
        state=ExperimentState.ENDED,
        outcome=ExperimentOutcome.HELD,
        valid_for=timedelta(days=7),
        steady_states=[
            SteadyState(at=NOW, percent=1, met=True, verdict="held"),
            SteadyState(at=NOW, percent=5, met=True, verdict="held"),
        ],
    )
    found = settlement(held, [], NOW)
    assert found is not None and found.what == "verified"
    (result,) = found.results
    assert (result.percent, result.expires_at, result.experiment) == (
        5,
        NOW + timedelta(days=7),
        "chx-000001",
    )
    assert result.standing(NOW + timedelta(days=7)) == "expired"


@pytest.mark.parametrize("outcome", [ExperimentOutcome.DEVIATED, ExperimentOutcome.FAILED])
def test_a_deviated_or_failed_run_revokes_the_same_fault_only(outcome: ExperimentOutcome) -> None:
    same = verified_by(an_experiment(id="chx-000001"), NOW)
    other = verified_by(an_experiment(id="chx-000002", fault=Fault.parse("delay:100ms")), NOW)
    later = an_experiment(
        id="chx-000003", state=ExperimentState.ENDED, outcome=outcome, started_at=LATER
    )
    found = settlement(later, [same, other], LATER)
    assert found is not None and found.what == "revoked"
    assert [(r.experiment, r.revoked_by) for r in found.results] == [("chx-000001", "chx-000003")]
    assert found.results[0].standing(LATER) == "revoked"
    assert "verified by chx-000001" in found.said


@pytest.mark.parametrize("outcome", [ExperimentOutcome.HALTED, ExperimentOutcome.INCONCLUSIVE])
def test_a_halted_or_inconclusive_run_changes_nothing(outcome: ExperimentOutcome) -> None:
    same = verified_by(an_experiment(id="chx-000001"), NOW)
    later = an_experiment(id="chx-000003", state=ExperimentState.ENDED, outcome=outcome)
    assert settlement(later, [same], LATER) is None


@pytest.mark.parametrize(
    ("fault", "expect"),
    [("http-status:404", "error_rate < 1%"), ("error", "p99_latency < 2s")],
)
def test_a_held_run_whose_fault_no_expectation_sees_records_nothing(
    fault: str, expect: str
) -> None:
    # GIVEN a run that held, its fault one its steady state cannot see (designed before that
    # was refused)
    held = an_experiment(
        fault=Fault.parse(fault),
        expectations=[expect],
        state=ExperimentState.ENDED,
        outcome=ExperimentOutcome.HELD,
    )
    # WHEN it is settled THEN no verified resilience is recorded, and why is said
    found = settlement(held, [], NOW)
    assert found is not None and found.what == "not verified"
    assert found.results == []
    assert f"`{fault}`" in found.said and "a held would verify nothing" in found.said
