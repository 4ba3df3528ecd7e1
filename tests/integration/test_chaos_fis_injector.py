"""Chaos faults through AWS FIS on moto: the experiment template and its start, idempotent by the
injection's key; the customer-impact guard alarm as its stop condition, fired with moto's
`set_alarm_state` (moto never stops an experiment by itself); stop and verified removal."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.moto_api import state_manager

from shared.adapters.aws.fis_injector import FisFaultInjector
from shared.chaos.models import Fault, FaultKind, Injection
from shared.config import Settings
from shared.errors import ConflictError, InvalidCommandError, UnavailableError
from shared.telemetry.models import ResourceKind, Signal
from shared.telemetry.queries import queries_for
from tests.support.fis import fis_function, lambda_service

ROLE = "arn:aws:iam::123456789012:role/fis-experiments"


@pytest.fixture
def injector() -> Iterator[FisFaultInjector]:
    """The injector as configured from the environment, on moto, with checkout-fn wired."""
    with mock_aws():
        fis_function()
        yield FisFaultInjector.configured(Settings(fis_role_arn=ROLE))


def _experiment(handle: str) -> dict[str, Any]:
    return boto3.client("fis").get_experiment(id=handle)["experiment"]  # type: ignore[no-any-return]


def _alarms() -> list[dict[str, Any]]:
    return boto3.client("cloudwatch").describe_alarms()["MetricAlarms"]  # type: ignore[return-value]


def _inject(injector: FisFaultInjector, fault: str = "delay:1500ms", key: str = "x7-1") -> str:
    return injector.inject(
        lambda_service(), Fault.parse(fault), Injection(key=key, percent=5), minutes=10
    )


def test_a_delay_becomes_an_fis_experiment_on_the_function_stopped_by_its_guard(
    injector: FisFaultInjector,
) -> None:
    handle = _inject(injector)

    experiment = _experiment(handle)
    (action,) = experiment["actions"].values()
    assert action["actionId"] == "aws:lambda:invocation-add-delay"
    assert action["parameters"] == {
        "duration": "PT10M",
        "invocationPercentage": "5",
        "startupDelayMilliseconds": "1500",
    }
    (target,) = experiment["targets"].values()
    assert target["resourceType"] == "aws:lambda:function"
    assert target["resourceArns"] == [
        boto3.client("lambda").get_function(FunctionName="checkout-fn")["Configuration"][
            "FunctionArn"
        ]
    ]
    assert experiment["roleArn"] == ROLE
    (alarm,) = _alarms()
    assert experiment["stopConditions"] == [
        {"source": "aws:cloudwatch:alarm", "value": alarm["AlarmArn"]}
    ]


def test_the_guard_watches_customers_not_the_perturbed_function(injector: FisFaultInjector) -> None:
    _inject(injector, "error")

    (alarm,) = _alarms()
    assert alarm["TreatMissingData"] == "notBreaching"
    assert alarm["Threshold"] == 5.0
    assert alarm["EvaluationPeriods"] == alarm["DatapointsToAlarm"] == 2
    read = {m["MetricStat"]["Metric"]["Namespace"] for m in alarm["Metrics"] if "MetricStat" in m}
    assert read == {"AWS/ApiGateway"}
    assert "AWS/ApiGateway 5XXError / Count above 5%" in alarm["AlarmDescription"]


def test_a_guard_on_a_load_balancer_adds_the_errors_it_answers_itself(
    injector: FisFaultInjector,
) -> None:
    # GIVEN checkout-api's error rate read at the load balancer in front of it (its default)
    service = lambda_service()
    alb = queries_for(
        ResourceKind.AWS_ALB, "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/web/1"
    )
    service = service.model_copy(
        update={"queries": {**service.queries, Signal.ERROR_RATE: alb[Signal.ERROR_RATE]}}
    )
    # WHEN a fault is injected
    injector.inject(service, Fault.parse("error"), Injection(key="x7-2", percent=5), minutes=10)
    # THEN the guard stops it on the targets' 5xx and the load balancer's own (502 for a target
    # that crashed), a minute with none of one counting 0 of it
    (alarm,) = _alarms()
    read = [m["MetricStat"]["Metric"]["MetricName"] for m in alarm["Metrics"] if "MetricStat" in m]
    assert read == ["HTTPCode_Target_5XX_Count", "HTTPCode_ELB_5XX_Count", "RequestCount"]
    (rate,) = (m for m in alarm["Metrics"] if "Expression" in m)
    failed = "(FILL(errors, 0) + FILL(more_errors, 0))"
    assert rate["Expression"] == (
        f"IF(FILL(requests, 0) > 0, 100 * {failed} / FILL(requests, 0), IF({failed} > 0, 100, 0))"
    )
    assert (
        "AWS/ApplicationELB HTTPCode_Target_5XX_Count + HTTPCode_ELB_5XX_Count / RequestCount"
        in alarm["AlarmDescription"]
    )


@pytest.mark.parametrize(
    ("fault", "action", "parameters"),
    [
        ("error", "aws:lambda:invocation-error", {"preventExecution": "true"}),
        (
            "http-status:503",
            "aws:lambda:invocation-http-integration-response",
            {
                "statusCode": "503",
                "contentTypeHeader": "application/json",
                "preventExecution": "true",
            },
        ),
    ],
)
def test_each_fault_is_its_fis_lambda_action(
    injector: FisFaultInjector, fault: str, action: str, parameters: dict[str, str]
) -> None:
    (found,) = _experiment(_inject(injector, fault))["actions"].values()

    assert found["actionId"] == action
    assert found["parameters"] == {"duration": "PT10M", "invocationPercentage": "5", **parameters}


def test_the_same_key_twice_is_one_injection(injector: FisFaultInjector) -> None:
    first = _inject(injector)
    again = _inject(injector)

    assert again == first
    fis = boto3.client("fis")
    assert len(fis.list_experiments()["experiments"]) == 1
    assert len(fis.list_experiment_templates()["experimentTemplates"]) == 1
    assert len(_alarms()) == 1


@contextmanager
def fis_lagging() -> Iterator[None]:
    """FIS's experiments keep their state until the block ends (moto otherwise moves each one a
    step on every GetExperiment)."""
    state_manager.set_transition("fis::experiment", {"progression": "manual", "times": 1_000})
    try:
        yield
    finally:
        state_manager.unset_transition("fis::experiment")


def test_a_fired_guard_trips_the_injection_and_remove_stops_it(injector: FisFaultInjector) -> None:
    with fis_lagging():
        handle = _inject(injector)
        assert injector.tripped(handle) == ""
        (alarm,) = _alarms()

        boto3.client("cloudwatch").set_alarm_state(
            AlarmName=alarm["AlarmName"], StateValue="ALARM", StateReason="5XX at 9% for 2 minutes"
        )
        reason = injector.tripped(handle)
        injector.remove(handle)

        assert f"guard alarm {alarm['AlarmName']} is in ALARM" in reason
        assert "AWS/ApiGateway 5XXError" in reason
        assert _experiment(handle)["state"]["status"] == "stopping"  # StopExperiment was called
        assert not injector.removed(handle)  # stopping is not stopped
        assert _alarms() == []
    assert injector.removed(handle)
    assert _experiment(handle)["state"]["status"] == "stopped"


def test_removing_a_finished_or_removed_injection_is_not_an_error(
    injector: FisFaultInjector,
) -> None:
    handle = _inject(injector)
    while _experiment(handle)["state"]["status"] != "completed":
        pass

    injector.remove(handle)
    injector.remove(handle)

    assert _experiment(handle)["state"]["status"] == "completed"
    assert injector.removed(handle)
    assert _alarms() == []


def test_a_service_guarded_only_by_its_own_errors_gets_no_fault(injector: FisFaultInjector) -> None:
    service = lambda_service(front_door=False)

    with pytest.raises(ConflictError, match="sre service signal set checkout-api error_rate"):
        injector.inject(service, Fault.parse("error"), Injection(key="x7-1", percent=1), minutes=5)

    assert boto3.client("fis").list_experiment_templates()["experimentTemplates"] == []
    assert _alarms() == []


def test_without_an_experiment_role_nothing_is_injected() -> None:
    with mock_aws():
        fis_function()
        injector = FisFaultInjector.configured(Settings())

        with pytest.raises(ConflictError, match="AUTOSRE_FIS_ROLE_ARN"):
            _inject(injector)
        assert _alarms() == []


def test_a_delay_longer_than_fis_allows_is_refused_before_anything_is_made(
    injector: FisFaultInjector,
) -> None:
    # `--fault` refuses it already; a stored experiment's fault is checked again
    too_long = Fault(kind=FaultKind.DELAY, delay_ms=950_000)
    with pytest.raises(InvalidCommandError, match="at most 900000 ms"):
        injector.inject(lambda_service(), too_long, Injection(key="x7-1", percent=5), minutes=10)

    assert boto3.client("fis").list_experiment_templates()["experimentTemplates"] == []
    assert _alarms() == []


def test_an_experiment_fis_does_not_know_is_said_in_words(injector: FisFaultInjector) -> None:
    with pytest.raises(UnavailableError, match="AWS could not read FIS experiment EXP404"):
        injector.removed("EXP404")


def test_an_experiment_fis_stopped_by_itself_trips_the_injection(
    injector: FisFaultInjector,
) -> None:
    handle = _inject(injector)
    fis = boto3.client("fis")
    fis.stop_experiment(id=handle)  # a stop condition, the safety lever or the console
    fis.get_experiment(id=handle)  # moto: stopping, then stopped

    assert injector.tripped(handle) == f"FIS stopped experiment {handle}: Experiment stopped"


def test_the_guard_follows_the_deployments_settings() -> None:
    environ = {
        "AUTOSRE_FIS_ROLE_ARN": ROLE,
        "AUTOSRE_CHAOS_GUARD_ERROR_RATE": "2.5",
        "AUTOSRE_CHAOS_GUARD_MINUTES": "3",
    }
    with mock_aws():
        fis_function()
        _inject(FisFaultInjector.configured(Settings.from_env(environ)))

        (alarm,) = _alarms()
    assert (alarm["Threshold"], alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (
        2.5,
        3,
        3,
    )
    assert "above 2.5% for 3 minutes" in alarm["AlarmDescription"]


def test_the_configured_injector_runs_the_fis_preflight(injector: FisFaultInjector) -> None:
    problems = injector.preflight(lambda_service(), Fault.parse("error"))

    assert [p.what.split(":")[0] for p in problems] == [
        "checkout-api's guard would never fire",  # moto's CloudWatch: no requests at the API
        "Could not read the policies of the FIS experiment role fis-experiments",  # no such role
    ]
