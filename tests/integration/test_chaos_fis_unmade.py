"""An injection recorded but never made (its start failed, or stopped before its FIS id was kept)
is rolled back on AWS by what FIS knows of its key, never by passing the key as an FIS id (FIS
refuses that, and the rollback would be retried forever); a failed start leaves no guard alarm."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.moto_api import state_manager

from shared.adapters.aws.fis_guard import GuardAlarms, customer_impact
from shared.adapters.aws.fis_injector import FisFaultInjector
from shared.adapters.aws.fis_preflight import FisPreflight
from shared.chaos.models import (
    ChaosStep,
    Experiment,
    ExperimentOutcome,
    ExperimentState,
    Fault,
    Injection,
)
from shared.chaos.rollback import IN_FLIGHT, rolled_back
from shared.errors import UnavailableError
from shared.telemetry.models import ResourceKind
from tests.support import NOW
from tests.support.chaos import an_experiment
from tests.support.fis import fis_function, lambda_service

ROLE = "arn:aws:iam::123456789012:role/fis-experiments"
KEY = "chx-0a1b2c-0"
LATER = NOW + IN_FLIGHT
"""When no worker that recorded the injection at NOW can still be starting it."""


@pytest.fixture
def fis() -> Iterator[Any]:
    """moto's FIS client, with checkout-fn wired for FIS."""
    with mock_aws():
        fis_function()
        yield boto3.client("fis")


def _injector(fis: Any) -> FisFaultInjector:
    return FisFaultInjector(
        role_arn=ROLE,
        guard=GuardAlarms(error_rate=5.0, minutes=2),
        checks=FisPreflight(role_arn=ROLE, layer_arn=""),
        fis=fis,
    )


def _alarms() -> list[str]:
    alarms = boto3.client("cloudwatch").describe_alarms()["MetricAlarms"]
    return [a["AlarmName"] for a in alarms]


def _halted_unmade() -> Experiment:
    """A halted AWS experiment whose one injection was recorded, its FIS id never kept."""
    return an_experiment(
        kind=ResourceKind.AWS_LAMBDA,
        state=ExperimentState.ROLLING_BACK,
        outcome=ExperimentOutcome.HALTED,
        injections=[Injection(key=KEY, percent=1, at=NOW)],
        history=[ChaosStep(at=NOW, percent=1, what="halted", reason="halted by @rey", by="rey")],
    )


@contextmanager
def fis_lagging() -> Iterator[None]:
    """FIS's experiments keep their state until the block ends."""
    state_manager.set_transition("fis::experiment", {"progression": "manual", "times": 1_000})
    try:
        yield
    finally:
        state_manager.unset_transition("fis::experiment")


def test_an_injection_never_made_is_rolled_back_and_its_guard_alarm_deleted(fis: Any) -> None:
    injector = _injector(fis)
    # GIVEN a start that put its guard alarm and died before FIS started anything
    query = customer_impact(lambda_service())
    assert query is not None
    injector.guard.put(lambda_service(), KEY, query)
    assert _alarms() == [f"autosre-chaos-{KEY}"]
    # WHEN it is rolled back while the start may still be calling FIS
    early = rolled_back(injector, _halted_unmade(), NOW)
    # THEN it is not said removed: what FIS knows of its key may change when the call lands
    assert early.state is ExperimentState.ROLLING_BACK and not early.rollbacks
    # WHEN it is rolled back once no start can still be under way
    ended = rolled_back(injector, early, LATER)
    # THEN nothing of it is left: verified removed at once, never a failed rollback
    assert ended.state is ExperimentState.ENDED
    assert [(r.key, r.verified, r.error) for r in ended.rollbacks] == [(KEY, True, "")]
    assert ended.outcome is ExperimentOutcome.HALTED
    assert _alarms() == []


def test_an_experiment_started_whose_id_was_lost_is_found_by_its_key_and_stopped(
    fis: Any,
) -> None:
    injector = _injector(fis)
    with fis_lagging():
        # GIVEN FIS started the injection, but its id never reached the experiment's record
        handle = injector.inject(
            lambda_service(), Fault.parse("error"), Injection(key=KEY, percent=1), minutes=10
        )
        # WHEN it is rolled back THEN FIS is asked to stop that experiment, found by its tag
        stopping = rolled_back(injector, _halted_unmade(), LATER)
        assert fis.get_experiment(id=handle)["experiment"]["state"]["status"] == "stopping"
        assert stopping.state is ExperimentState.ROLLING_BACK  # asked, not verified yet
    # AND once FIS has stopped it, the next try verifies it and deletes its guard alarm
    ended = rolled_back(injector, stopping, LATER)
    assert ended.state is ExperimentState.ENDED
    assert _alarms() == []


def test_a_start_fis_refuses_leaves_no_guard_alarm(fis: Any) -> None:
    def throttled(**_: Any) -> None:
        error = {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}
        raise ClientError(error, "StartExperiment")  # type: ignore[arg-type]

    fis.meta.events.register("before-call.fis.StartExperiment", throttled)
    injector = _injector(fis)
    # WHEN FIS refuses to start the injection
    with pytest.raises(UnavailableError, match="Rate exceeded"):
        injector.inject(
            lambda_service(), Fault.parse("error"), Injection(key=KEY, percent=1), minutes=10
        )
    # THEN its guard alarm is not left behind
    assert _alarms() == []
