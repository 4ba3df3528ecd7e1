"""Guard alarms: the customer-impact CloudWatch alarm Auto SRE creates for each injection, which
FIS stops the experiment on.

The fault perturbs the function's own metrics (an `error` fault raises its Errors, a delay its
Duration), so an alarm on them would stop every experiment at once and prove nothing. The guard
watches the service's error rate as its team registered it only when that rate is read somewhere
customers see it (the API's 5XX, the load balancer's): a service still on the function's own
Errors has no guard, and preflight and `inject` say how to point it at the front door."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

import boto3

from shared.adapters.aws.fis_template import function_of
from shared.adapters.aws.guard_config import GUARD_CALLS
from shared.chaos.models import Problem
from shared.telemetry.models import MetricQuery, Service, Signal

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient

PREFIX = "autosre-chaos-"
"""Every guard alarm's name starts so (the functions' IAM is scoped to it)."""
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


def perturbed(query: MetricQuery, function: str) -> bool:
    """Whether `query` (or what it adds or divides by) reads the faulted function's own Lambda
    metrics."""
    for part in query.parts:
        if part.namespace != "AWS/Lambda":
            continue
        if function_of(part.dimensions.get("FunctionName", ""))[0] in ("", function):
            return True
    return False


def customer_impact(service: Service) -> MetricQuery | None:
    """The service's error rate when it is read where customers see it; None otherwise."""
    query = service.queries.get(Signal.ERROR_RATE)
    function, _ = function_of(service.resource)
    if query is None or perturbed(query, function):
        return None
    return query


def missing_guard(service: Service) -> Problem:
    """Why `service` has no guard, and how to give it one."""
    function, _ = function_of(service.resource)
    return Problem(
        what=(
            f"{service.name} has no customer-impact guard: its error rate is {function}'s own "
            "Errors, which the fault perturbs, so FIS would have no stop condition worth having"
        ),
        fix=(
            f"point its error rate at the front door, e.g. `sre service signal set {service.name} "
            "error_rate --namespace AWS/ApiGateway --metric 5XXError --divide-by Count "
            "--statistic Sum --scale 100 --dimensions ApiId=YOUR_API_ID`"
        ),
    )


def guard_problems(metrics: CloudWatchClient, service: Service, *, end: datetime) -> list[Problem]:
    """Why `service`'s guard would never fire: it has none, or the requests it divides by had
    no data over the day before `end` (a dimension that names nothing, a metric misspelt)."""
    query = customer_impact(service)
    if query is None:
        return [missing_guard(service)]
    if query.divide_by is None:
        return []  # no errors is no data too: nothing to tell from it
    requests = query.divide_by
    answer = metrics.get_metric_statistics(
        Namespace=requests.namespace,
        MetricName=requests.metric,
        Dimensions=[{"Name": k, "Value": v} for k, v in requests.dimensions.items()],
        StartTime=end - timedelta(days=1),
        EndTime=end,
        Period=86400,
        Statistics=["SampleCount"],
    )
    if answer["Datapoints"]:
        return []
    dimensions = ", ".join(f"{k}={v}" for k, v in requests.dimensions.items())
    return [
        Problem(
            what=f"{service.name}'s guard would never fire: {requests.namespace} "
            f"{requests.metric} ({dimensions}) had no data over the last day",
            fix=f"check the metric and dimensions of its error rate (`sre service show "
            f"{service.name}`), then `sre service signal set {service.name} error_rate …`",
        )
    ]


def _stat(ident: str, query: MetricQuery) -> dict[str, Any]:
    metric = {
        "Namespace": query.namespace,
        "MetricName": query.metric,
        "Dimensions": [{"Name": k, "Value": v} for k, v in query.dimensions.items()],
    }
    stat = {"Metric": metric, "Period": 60, "Stat": query.statistic}
    return {"Id": ident, "MetricStat": stat, "ReturnData": False}


def _metrics(query: MetricQuery) -> list[dict[str, Any]]:
    """The alarm's metric math: `scale × errors / requests` (or `scale × errors`); errors read
    in two places are added, a minute with none in one being 0 there, and a minute with errors
    and no request counted is all failed (`scale`), as the investigation reads it."""
    parts = [_stat("errors", query)]
    expression = f"{query.scale:g} * errors"
    if query.plus is not None:
        parts.append(_stat("more_errors", query.plus))
        failed = "(FILL(errors, 0) + FILL(more_errors, 0))"
        expression = f"{query.scale:g} * {failed}"
        if query.divide_by is not None:
            parts.append(_stat("requests", query.divide_by))
            served = "FILL(requests, 0)"
            expression = (
                f"IF({served} > 0, {query.scale:g} * {failed} / {served}, "
                f"IF({failed} > 0, {query.scale:g}, 0))"
            )
    elif query.divide_by is not None:
        parts.append(_stat("requests", query.divide_by))
        expression += " / requests"
    rate = {"Id": "rate", "Expression": expression, "Label": "error rate (%)", "ReturnData": True}
    return [*parts, rate]


def written(query: MetricQuery) -> str:
    """The guard's metric as a person reads it: `AWS/ApiGateway 5XXError / Count`."""
    more = f" + {query.plus.metric}" if query.plus else ""
    divisor = f" / {query.divide_by.metric}" if query.divide_by else ""
    return f"{query.namespace} {query.metric}{more}{divisor}"


class GuardAlarms:
    """Puts, reads and deletes guard alarms with boto3's CloudWatch client."""

    def __init__(
        self, *, error_rate: float, minutes: int, client: CloudWatchClient | None = None
    ) -> None:
        self._given = client
        self.error_rate = error_rate
        self.minutes = minutes

    @cached_property
    def _client(self) -> CloudWatchClient:
        """The client given, or one made at first use."""
        return self._given or boto3.client("cloudwatch", config=GUARD_CALLS)

    def put(self, service: Service, key: str, query: MetricQuery) -> str:
        """The guard alarm of injection `key` on `service` (the same key twice is one alarm);
        returns its ARN, FIS's stop condition."""
        name = _named(key)
        self._client.put_metric_alarm(
            AlarmName=name,
            AlarmDescription=(
                f"Stops Auto SRE's chaos injection {key} on {service.name}: {written(query)} "
                f"above {self.error_rate:g}% for {self.minutes} minutes"
            ),
            Metrics=_metrics(query),  # type: ignore[arg-type]  # built as plain dicts
            ComparisonOperator="GreaterThanThreshold",
            Threshold=self.error_rate,
            EvaluationPeriods=self.minutes,
            DatapointsToAlarm=self.minutes,
            TreatMissingData="notBreaching",  # no traffic is no customer impact
        )
        (alarm,) = self._client.describe_alarms(AlarmNames=[name])["MetricAlarms"]
        return alarm["AlarmArn"]

    def fired(self, arns: Sequence[str]) -> str:
        """Why any of the alarms is in ALARM, naming it and its metric; empty while none is."""
        names = [_name(arn) for arn in arns]
        if not names:
            return ""
        alarms = self._client.describe_alarms(AlarmNames=names)["MetricAlarms"]
        return "; ".join(
            f"guard alarm {a['AlarmName']} is in ALARM: {a.get('AlarmDescription', '')}"
            for a in alarms
            if a["StateValue"] == "ALARM"
        )

    def delete(self, arns: Sequence[str]) -> None:
        """Delete the guard alarms among `arns` (never another alarm a stop condition names;
        deleting one already gone is not an error)."""
        names = [name for arn in arns if (name := _name(arn)).startswith(PREFIX)]
        if names:
            self._client.delete_alarms(AlarmNames=names)

    def delete_for(self, key: str) -> None:
        """Delete the guard alarm of injection `key`, if there is one (CloudWatch refuses to
        delete an alarm it does not have)."""
        name = _named(key)
        if self._client.describe_alarms(AlarmNames=[name])["MetricAlarms"]:
            self._client.delete_alarms(AlarmNames=[name])


def _named(key: str) -> str:
    """The guard alarm's name of injection `key`."""
    return PREFIX + _UNSAFE.sub("_", key)[:200]


def _name(arn: str) -> str:
    return arn.split(":alarm:", 1)[-1]
