"""Preflight for FIS Lambda faults: everything that would make an injection a silent no-op (the
extension is not wired, the function streams, a fast function never finishes a poll, the role
may not write the fault configuration), then a `skip-all` dry run that resolves the targets."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import ClientError

from shared.adapters.aws.fis_dry_run import dry_run, said
from shared.adapters.aws.fis_guard import guard_problems
from shared.adapters.aws.fis_role import role_problems
from shared.adapters.aws.fis_template import action_parameters, elsewhere, function_of
from shared.adapters.aws.lambda_routing import MANAGED_TAG
from shared.chaos.models import Fault, Problem
from shared.telemetry.models import ResourceKind, Service

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_lambda import LambdaClient

WRAPPER = "/opt/aws-fis/bootstrap"
LOCATION = re.compile(r"^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/\S*\Z")
"""`AWS_FIS_CONFIGURATION_LOCATION`: an S3 ARN of a bucket and prefix (not the experiment's)."""
FAST_MS = 70.0
"""Functions faster than this at the median may end before the extension finishes a poll."""


def _layer_problem(config: dict[str, Any], layer_arn: str) -> list[Problem]:
    layers = [layer["Arn"] for layer in config.get("Layers") or []]
    wanted = layer_arn.rsplit(":", 1)[0] if layer_arn else ""
    if any("fis-extension" in a.lower() or (wanted and a.startswith(wanted)) for a in layers):
        return []
    arch = (config.get("Architectures") or ["x86_64"])[0]
    layer = layer_arn or (
        f"<the ARN in SSM /aws/service/fis/lambda-extension/AWS-FIS-extension-{arch}/1.x.x>"
    )
    name = config["FunctionName"]
    return [
        Problem(
            what=f"{name} has no FIS extension layer, so no fault would reach it",
            fix=f"attach it: `aws lambda update-function-configuration --function-name {name} "
            f"--layers {' '.join([*layers, layer])}`",
        )
    ]


def _wiring_problems(config: dict[str, Any]) -> list[Problem]:
    name = config["FunctionName"]
    env = (config.get("Environment") or {}).get("Variables") or {}
    found = []
    if env.get("AWS_LAMBDA_EXEC_WRAPPER") != WRAPPER:
        now = env.get("AWS_LAMBDA_EXEC_WRAPPER") or "unset"
        found.append(
            Problem(
                what=f"{name} does not run through the FIS extension "
                f"(AWS_LAMBDA_EXEC_WRAPPER is {now})",
                fix=f"set AWS_LAMBDA_EXEC_WRAPPER={WRAPPER} on {name}",
            )
        )
    location = env.get("AWS_FIS_CONFIGURATION_LOCATION", "")
    if not LOCATION.match(location):
        found.append(
            Problem(
                what=f"{name}'s AWS_FIS_CONFIGURATION_LOCATION is "
                f"{location or 'unset'}, not an S3 location the extension can poll",
                fix=f"set AWS_FIS_CONFIGURATION_LOCATION=arn:aws:s3:::YOUR_FIS_BUCKET/FisConfigs/ "
                f"on {name} (an S3 ARN, not the experiment's)",
            )
        )
    return found


class FisPreflight:
    """Checks a Lambda service's FIS wiring with boto3 (Lambda, CloudWatch, IAM, FIS)."""

    def __init__(
        self,
        *,
        role_arn: str,
        layer_arn: str = "",
        functions: LambdaClient | None = None,
        metrics: CloudWatchClient | None = None,
        iam: Any = None,  # no type stubs for IAM or FIS among the project's boto3-stubs extras
        fis: Any = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        sleep: Callable[[float], None] = time.sleep,
        polls: int = 20,
    ) -> None:
        self.role_arn = role_arn
        self.layer_arn = layer_arn
        self._given = {"lambda": functions, "cloudwatch": metrics, "iam": iam, "fis": fis}
        self._now = now
        self._sleep = sleep
        self._polls = polls

    def _client(self, name: str) -> Any:
        """The client given for `name`, or one made at its first use."""
        if self._given[name] is None:
            self._given[name] = boto3.client(name)  # type: ignore[call-overload]
        return self._given[name]

    def problems(self, service: Service, fault: Fault) -> list[Problem]:
        """Every problem of `service`'s function for FIS, each with its fix; empty when ready."""
        if service.kind is not ResourceKind.AWS_LAMBDA:
            return [
                Problem(
                    what=f"{service.name} is {service.kind.value}: FIS faults reach Lambda "
                    "functions only",
                    fix="run chaos on a service registered with --aws-lambda",
                )
            ]
        try:
            action_parameters(fault, percent=1, minutes=1)
        except ValueError as error:
            return [Problem(what=str(error), fix="write a fault FIS can inject, e.g. delay:1500ms")]
        config = self._configuration(service)
        if isinstance(config, Problem):
            return [config]
        env = (config.get("Environment") or {}).get("Variables") or {}
        location = env.get("AWS_FIS_CONFIGURATION_LOCATION", "")
        unqualified = ":".join(config["FunctionArn"].split(":")[:7])
        found = [
            *_layer_problem(config, self.layer_arn),
            *_wiring_problems(config),
            *self._streaming(service),
            *self._fast(config),
            *self._guard(service),
            *role_problems(
                self._client("iam"),
                self.role_arn,
                function_arn=unqualified,
                location=location if LOCATION.match(location) else "",
            ),
        ]
        if self.role_arn:
            found += dry_run(
                self._client("fis"),
                fault,
                function_arn=unqualified,
                role_arn=self.role_arn,
                polls=self._polls,
                sleep=self._sleep,
            )
        return found

    def _configuration(self, service: Service) -> dict[str, Any] | Problem:
        function, qualifier = function_of(service.resource)
        extra = {"Qualifier": qualifier} if qualifier else {}
        try:
            found = self._client("lambda").get_function_configuration(
                FunctionName=function, **extra
            )
        except ClientError as error:
            return Problem(
                what=f"{service.name}'s function {service.resource} cannot be read: {said(error)}",
                fix="check the function exists in this account and Region, and that it is tagged "
                f"for Auto SRE: `aws lambda tag-resource --resource <{function}'s ARN> --tags "
                f"{MANAGED_TAG}=true`",
            )
        other = elsewhere(service.resource, found["FunctionArn"])
        if other:
            return Problem(
                what=f"{service.name} cannot be faulted from here: {other}",
                fix="register the function of this deployment's account and Region, or run the "
                "experiment from the deployment of the function's own account",
            )
        configuration: dict[str, Any] = dict(found)
        return configuration

    def _streaming(self, service: Service) -> list[Problem]:
        function, qualifier = function_of(service.resource)
        extra = {"Qualifier": qualifier} if qualifier else {}
        try:
            url = self._client("lambda").get_function_url_config(FunctionName=function, **extra)
        except ClientError as error:
            if error.response["Error"]["Code"] == "ResourceNotFoundException":
                return []  # no function URL: nothing streams through one
            return [
                Problem(
                    what=f"Could not tell whether {function} streams its responses: {said(error)}",
                    fix=f"tag {function} {MANAGED_TAG}=true (Auto SRE's functions may call "
                    "lambda:GetFunctionUrlConfig only on functions so tagged)",
                )
            ]
        if url.get("InvokeMode") != "RESPONSE_STREAM":
            return []
        return [
            Problem(
                what=f"{function} streams its responses (its function URL's InvokeMode is "
                "RESPONSE_STREAM), which the FIS extension cannot fault",
                fix=f"run chaos on a function with InvokeMode BUFFERED, e.g. a copy of {function}",
            )
        ]

    def _fast(self, config: dict[str, Any]) -> list[Problem]:
        name = config["FunctionName"]
        env = (config.get("Environment") or {}).get("Variables") or {}
        if env.get("AWS_FIS_POLL_MAX_WAIT_MILLISECONDS"):
            return []
        fix = (
            f"set AWS_FIS_POLL_MAX_WAIT_MILLISECONDS=500 on {name}, so the extension finishes "
            "its poll before a short invocation ends"
        )
        try:
            median = self._median_ms(name)
        except ClientError as error:
            what = f"Could not read {name}'s Duration from CloudWatch: {said(error)}"
            return [Problem(what=what, fix=fix)]
        if median is None:
            return [
                Problem(
                    what=f"Could not tell whether {name} runs under {FAST_MS:g} ms: CloudWatch "
                    "has no Duration for it over the last day",
                    fix=fix,
                )
            ]
        if median >= FAST_MS:
            return []
        return [
            Problem(
                what=f"{name} runs in {median:.0f} ms at the median, under {FAST_MS:g} ms: the "
                "extension may never finish a poll, and no fault would be injected",
                fix=fix,
            )
        ]

    def _guard(self, service: Service) -> list[Problem]:
        try:
            return guard_problems(self._client("cloudwatch"), service, end=self._now())
        except ClientError as error:
            what = f"Could not read the metrics of {service.name}'s guard: {said(error)}"
            return [Problem(what=what, fix="allow Auto SRE's functions GetMetricStatistics")]

    def _median_ms(self, function: str) -> float | None:
        end = self._now()
        answer = self._client("cloudwatch").get_metric_statistics(
            Namespace="AWS/Lambda",
            MetricName="Duration",
            Dimensions=[{"Name": "FunctionName", "Value": function}],
            StartTime=end - timedelta(days=1),
            EndTime=end,
            Period=86400,
            ExtendedStatistics=["p50"],
        )
        values = [p["ExtendedStatistics"]["p50"] for p in answer["Datapoints"]]
        return min(values) if values else None
