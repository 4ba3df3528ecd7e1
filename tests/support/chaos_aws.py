"""Chaos on the AWS deployment on moto: checkout-fn wired for FIS, the experiment role, requests
through its API in the last hour, and the account's safety lever, which moto lacks, answered at
botocore's level (the lever's own requests are checked against FIS's model with Stubber in
test_chaos_fis_lever.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders
from moto.moto_api import state_manager

from handlers import aws_runtime
from tests.support.fis import experiment_role, fis_function

START = 'chaos start checkout-api --fault delay:1500ms --expect "p99_latency < 2s" --team payments'
GUARD = (
    "service signal set checkout-api error_rate --namespace AWS/ApiGateway --metric 5XXError "
    "--divide-by Count --statistic Sum --scale 100 --dimensions ApiId=a1b2c3 --team payments"
)
"""checkout-api's error rate read where customers see it (the guard alarm's metric)."""
_LEVER_CALLS = ("GetSafetyLever", "UpdateSafetyLeverState")


class AccountLever:
    """The account's FIS safety lever as FIS answers it, for moto, which has none."""

    def __init__(self) -> None:
        self.state = {"status": "disengaged", "reason": ""}

    def __call__(self, model: Any, params: dict[str, Any], **_: Any) -> Any:
        """`params`: the serialised request (the lever's id is in its path, the state its body)."""
        if model.name == "UpdateSafetyLeverState":
            self.state = dict(json.loads(params["body"])["state"])
        lever = {"id": "default", "arn": "arn:aws:fis:us-east-1:123456789012:safety-lever/default"}
        return AWSResponse("", 200, HTTPHeaders(), None), {
            "safetyLever": {**lever, "state": self.state}
        }


@contextmanager
def fis_deployment(monkeypatch: pytest.MonkeyPatch) -> Iterator[AccountLever]:
    """Inside moto and the handlers' environment: FIS configured for checkout-fn; its lever."""
    fis_function()
    monkeypatch.setenv("AUTOSRE_FIS_ROLE_ARN", experiment_role())
    aws_runtime.settings.cache_clear()
    aws_runtime.services.cache_clear()
    lever = AccountLever()
    session = boto3.DEFAULT_SESSION  # every client the handlers make comes from it
    assert session is not None
    for operation in _LEVER_CALLS:
        session.events.register(f"before-call.fis.{operation}", lever, unique_id=operation)
    boto3.client("cloudwatch").put_metric_data(
        Namespace="AWS/ApiGateway",
        MetricData=[
            {
                "MetricName": "Count",
                "Dimensions": [{"Name": "ApiId", "Value": "a1b2c3"}],
                "Timestamp": datetime.now(UTC) - timedelta(hours=1),
                "Value": 1200.0,
            }
        ],
    )
    try:
        yield lever
    finally:
        state_manager.unset_transition("fis::experiment")
        for operation in _LEVER_CALLS:
            session.events.unregister(f"before-call.fis.{operation}", unique_id=operation)


def injections() -> list[str]:
    """The FIS experiments that inject (preflight's `skip-all` dry runs left out)."""
    fis = boto3.client("fis")
    found = [
        fis.get_experiment(id=x["id"])["experiment"] for x in fis.list_experiments()["experiments"]
    ]
    return [str(x["id"]) for x in found if "autosre:injection" in x.get("tags", {})]


def status(handle: str) -> str:
    """The FIS experiment's status (moto moves it a step at each read unless held)."""
    found = boto3.client("fis").get_experiment(id=handle)["experiment"]
    return str(found["state"]["status"])


def running(handle: str) -> None:
    """The experiment brought to `running`, then held in each state until `fis_catches_up` (as a
    real stop takes a while)."""
    while status(handle) != "running":
        pass
    state_manager.set_transition("fis::experiment", {"progression": "manual", "times": 1_000})


def fis_catches_up() -> None:
    """FIS finishes what it was asked (a stopping experiment becomes stopped)."""
    state_manager.unset_transition("fis::experiment")
