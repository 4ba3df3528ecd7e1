"""Preflight of FIS Lambda faults on moto's Lambda (a stand-in extension layer), IAM and FIS: each
way an injection would be a silent no-op is named with its fix, and a ready function has none.
The function's median Duration, and a dry run FIS fails or refuses, come through botocore's Stubber
(moto computes no percentiles, assumes any role and has no safety lever)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws
from moto.moto_api import state_manager

from shared.adapters.aws.fis_preflight import FisPreflight
from shared.chaos.models import Fault, FaultKind, Problem
from shared.telemetry.models import ResourceKind
from tests.support import NOW, service_of
from tests.support.fis import (
    LOCATION,
    WIRED,
    experiment_role,
    extension_layer,
    fis_function,
    front_door_traffic,
    lambda_service,
)

DELAY = Fault.parse("delay:1500ms")


@pytest.fixture
def aws() -> Iterator[None]:
    """moto, with requests through checkout-api's API over the last day."""
    with mock_aws():
        front_door_traffic()
        yield


def _preflight(role: str, **kwargs: Any) -> FisPreflight:
    return FisPreflight(role_arn=role, now=lambda: NOW, sleep=lambda _: None, **kwargs)


def _problems(*, role: str | None = None, resource: str = "checkout-fn") -> list[Problem]:
    role = experiment_role() if role is None else role
    return _preflight(role).problems(lambda_service(resource), DELAY)


def _only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, problems
    return problems[0]


def test_a_function_wired_for_fis_is_ready_and_its_dry_run_skips_every_action(aws: None) -> None:
    fis_function()

    assert _problems() == []

    fis = boto3.client("fis")
    (dry_run,) = fis.list_experiments()["experiments"]
    assert dry_run["experimentOptions"]["actionsMode"] == "skip-all"
    assert fis.list_experiment_templates()["experimentTemplates"] == []  # the dry run's, deleted


def test_a_role_allowed_by_an_attached_policy_is_ready(aws: None) -> None:
    fis_function()

    assert _problems(role=experiment_role(attached=True)) == []


def test_a_function_without_the_extension_layer(aws: None) -> None:
    fis_function(layers=[])
    layer = "arn:aws:lambda:us-east-1:211125607513:layer:aws-fis-extension-x86_64:9"

    problem = _only(
        _preflight(experiment_role(), layer_arn=layer).problems(lambda_service(), DELAY)
    )

    assert problem.what == "checkout-fn has no FIS extension layer, so no fault would reach it"
    assert f"--function-name checkout-fn --layers {layer}" in problem.fix


def test_a_layer_of_another_name_is_recognised_when_configured(aws: None) -> None:
    layer = extension_layer("our-fis-copy")
    fis_function(layers=[layer])

    assert _preflight(experiment_role(), layer_arn=layer).problems(lambda_service(), DELAY) == []


def test_a_function_without_the_exec_wrapper(aws: None) -> None:
    fis_function(env={k: v for k, v in WIRED.items() if k != "AWS_LAMBDA_EXEC_WRAPPER"})

    problem = _only(_problems())

    assert "AWS_LAMBDA_EXEC_WRAPPER is unset" in problem.what
    assert problem.fix == "set AWS_LAMBDA_EXEC_WRAPPER=/opt/aws-fis/bootstrap on checkout-fn"


def test_a_configuration_location_that_is_not_an_s3_arn(aws: None) -> None:
    experiment = "arn:aws:fis:us-east-1:123456789012:experiment/EXP1"
    fis_function(env={**WIRED, "AWS_FIS_CONFIGURATION_LOCATION": experiment})

    problem = _only(_problems())

    assert experiment in problem.what
    assert "AWS_FIS_CONFIGURATION_LOCATION=arn:aws:s3:::YOUR_FIS_BUCKET/FisConfigs/" in problem.fix


def test_a_function_that_streams_its_responses(aws: None) -> None:
    fis_function()
    boto3.client("lambda").create_function_url_config(
        FunctionName="checkout-fn", AuthType="NONE", InvokeMode="RESPONSE_STREAM"
    )

    problem = _only(_problems())

    assert "RESPONSE_STREAM" in problem.what


def test_a_buffered_function_url_is_fine(aws: None) -> None:
    fis_function()
    boto3.client("lambda").create_function_url_config(
        FunctionName="checkout-fn", AuthType="NONE", InvokeMode="BUFFERED"
    )

    assert _problems() == []


def _median(milliseconds: float | None) -> Stubber:
    """CloudWatch answering the function's p50 Duration over the last day, then the guard's
    requests."""
    metrics = boto3.client("cloudwatch")
    stub = Stubber(metrics)
    points = (
        []
        if milliseconds is None
        else [{"Timestamp": NOW, "ExtendedStatistics": {"p50": milliseconds}}]
    )
    stub.add_response(
        "get_metric_statistics",
        {"Label": "Duration", "Datapoints": points},
        {
            "Namespace": "AWS/Lambda",
            "MetricName": "Duration",
            "Dimensions": [{"Name": "FunctionName", "Value": "checkout-fn"}],
            "StartTime": NOW - timedelta(days=1),
            "EndTime": NOW,
            "Period": 86400,
            "ExtendedStatistics": ["p50"],
        },
    )
    guarded = {"Label": "Count", "Datapoints": [{"Timestamp": NOW, "SampleCount": 60.0}]}
    stub.add_response("get_metric_statistics", guarded)  # the guard's requests (its own test)
    stub.activate()
    return stub


def _without_poll_wait() -> dict[str, str]:
    return {k: v for k, v in WIRED.items() if k != "AWS_FIS_POLL_MAX_WAIT_MILLISECONDS"}


def test_a_fast_function_without_a_poll_wait(aws: None) -> None:
    fis_function(env=_without_poll_wait())
    stub = _median(12.0)

    problems = _preflight(experiment_role(), metrics=stub.client).problems(lambda_service(), DELAY)

    problem = _only(problems)
    assert problem.what.startswith("checkout-fn runs in 12 ms at the median, under 70 ms")
    assert problem.fix.startswith("set AWS_FIS_POLL_MAX_WAIT_MILLISECONDS=500 on checkout-fn")
    stub.assert_no_pending_responses()


def test_a_slow_function_needs_no_poll_wait(aws: None) -> None:
    fis_function(env=_without_poll_wait())
    stub = _median(250.0)

    assert (
        _preflight(experiment_role(), metrics=stub.client).problems(lambda_service(), DELAY) == []
    )


def test_no_duration_data_is_said_not_passed(aws: None) -> None:
    fis_function(env=_without_poll_wait())

    problem = _only(_problems())  # moto's CloudWatch: no Duration for checkout-fn

    assert problem.what.startswith("Could not tell whether checkout-fn runs under 70 ms")
    assert "AWS_FIS_POLL_MAX_WAIT_MILLISECONDS" in problem.fix


def test_a_role_without_the_permissions_fis_documents(aws: None) -> None:
    fis_function()

    problem = _only(_problems(role=experiment_role(["s3:PutObject", "lambda:GetFunction"])))

    assert (
        problem.what
        == "The FIS experiment role fis-experiments lacks s3:DeleteObject, tag:GetResources"
    )
    assert f'"Action": ["s3:DeleteObject"], "Resource": "{LOCATION}*"' in problem.fix
    assert '"Action": ["tag:GetResources"], "Resource": "*"' in problem.fix


def test_wildcards_in_the_role_grant_what_they_match(aws: None) -> None:
    fis_function()

    assert _problems(role=experiment_role(["s3:*", "lambda:Get*", "tag:GetResources"])) == []


def test_a_deny_in_the_role_outweighs_its_allow(aws: None) -> None:
    fis_function()

    problem = _only(_problems(role=experiment_role(denied=["s3:Delete*"])))

    assert problem.what == "The FIS experiment role fis-experiments lacks s3:DeleteObject"


def test_no_experiment_role_configured(aws: None) -> None:
    fis_function()

    problem = _only(_problems(role=""))

    assert problem.what == "No FIS experiment role is configured"
    assert problem.fix.startswith(
        "set AUTOSRE_FIS_ROLE_ARN to a role that trusts fis.amazonaws.com"
    )


def test_a_service_without_a_customer_impact_guard(aws: None) -> None:
    fis_function()

    service = lambda_service(front_door=False)
    problem = _only(_preflight(experiment_role()).problems(service, DELAY))

    assert "has no customer-impact guard" in problem.what
    assert "sre service signal set checkout-api error_rate" in problem.fix


def test_a_guard_on_a_metric_without_data(aws: None) -> None:
    fis_function()

    service = lambda_service(api="no-such-api")
    problem = _only(_preflight(experiment_role()).problems(service, DELAY))

    assert problem.what == (
        "checkout-api's guard would never fire: AWS/ApiGateway Count (ApiId=no-such-api) had no "
        "data over the last day"
    )
    assert "sre service show checkout-api" in problem.fix


def test_a_missing_function(aws: None) -> None:
    problem = _only(_problems(resource="checkout-gone"))

    assert problem.what.startswith("checkout-api's function checkout-gone cannot be read")


def test_a_service_that_is_not_a_lambda_function(aws: None) -> None:
    service = service_of(
        ResourceKind.AWS_ALB, "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/web/1"
    )

    problem = _only(_preflight(experiment_role()).problems(service, DELAY))

    assert "FIS faults reach Lambda functions only" in problem.what


def test_a_dry_run_that_does_not_resolve_in_time_is_said(aws: None) -> None:
    fis_function()
    state_manager.set_transition("fis::experiment", {"progression": "manual", "times": 1_000})
    try:
        problem = _only(_preflight(experiment_role(), polls=2).problems(lambda_service(), DELAY))
    finally:
        state_manager.unset_transition("fis::experiment")

    assert "had not resolved its targets after 2 s" in problem.what


def test_a_delay_longer_than_fis_allows(aws: None) -> None:
    fis_function()

    problem = _only(
        _preflight(experiment_role()).problems(
            lambda_service(), Fault(kind=FaultKind.DELAY, delay_ms=950_000)
        )
    )

    assert problem.what == "FIS delays an invocation by at most 900000 ms"


def _refusing_fis(*, failed: str = "", refused: str = "") -> Stubber:
    """FIS as moto cannot be: a dry run that fails (`failed`, its reason) or a start refused
    (`refused`, its message); moto assumes any role and starts under any lever."""
    stub = Stubber(boto3.client("fis"))
    stub.add_response("create_experiment_template", {"experimentTemplate": {"id": "EXT1"}})
    if refused:
        stub.add_client_error(
            "start_experiment", "ConflictException", refused, http_status_code=409
        )
    else:
        state = {"status": "failed", "reason": failed}
        stub.add_response("start_experiment", {"experiment": {"id": "EXP1", "state": state}})
    stub.add_response(
        "delete_experiment_template", {"experimentTemplate": {"id": "EXT1"}}, {"id": "EXT1"}
    )
    stub.activate()
    return stub


def test_a_dry_run_that_fails_names_why(aws: None) -> None:
    fis_function()
    fis = _refusing_fis(failed="Unable to assume role fis-experiments")

    problem = _only(_preflight(experiment_role(), fis=fis.client).problems(lambda_service(), DELAY))

    assert problem.what == "FIS's dry run EXP1 failed: Unable to assume role fis-experiments"
    fis.assert_no_pending_responses()  # its template deleted


def test_a_dry_run_fis_refuses_names_why(aws: None) -> None:
    fis_function()
    fis = _refusing_fis(refused="The safety lever is engaged")

    problem = _only(_preflight(experiment_role(), fis=fis.client).problems(lambda_service(), DELAY))

    assert problem.what == "FIS refused the dry run: The safety lever is engaged"
    assert "safety lever is disengaged" in problem.fix
    fis.assert_no_pending_responses()
