"""The VersionMetrics port on CloudWatch: each Lambda version's invocations, errors and p99
duration through the alias (dimensions FunctionName, Resource = FUNCTION:ALIAS, ExecutedVersion),
per minute, both versions in one GetMetricData call."""

from __future__ import annotations

from datetime import datetime

from shared.adapters.aws.cloudwatch_metrics import CloudWatchMetricsSource
from shared.canary.models import Canary
from shared.judging.judge import MetricData
from shared.services.lambda_names import function_name
from shared.telemetry.models import MetricQuery, Signal
from shared.telemetry.ports import Points
from shared.telemetry.queries import arn_home

_READS = (("Invocations", "Sum"), ("Errors", "Sum"), ("Duration", "p99"))


def _minutes(points: Points) -> dict[datetime, float]:
    return {at.replace(second=0, microsecond=0): value for at, value in points}


class CloudWatchVersionMetrics:
    """Reads both versions of a canary's target with one batched call."""

    def __init__(self, source: CloudWatchMetricsSource | None = None) -> None:
        self._source = source or CloudWatchMetricsSource()

    def _queries(self, target: str, version: str) -> list[MetricQuery]:
        given, _, alias = target.rpartition(":")
        function = function_name(given)  # a function registered by ARN before it was its name
        resource = f"{function}:{alias}"
        dimensions = {"FunctionName": function, "Resource": resource, "ExecutedVersion": version}
        return [
            MetricQuery(
                signal=Signal.TRAFFIC,
                namespace="AWS/Lambda",
                metric=metric,
                dimensions=dimensions,
                statistic=statistic,
                **arn_home(given),  # a function of another account is read there
            )
            for metric, statistic in _READS
        ]

    def compare(self, canary: Canary, *, start: datetime, end: datetime) -> dict[str, MetricData]:
        """Errors (per-minute counts; a minute Lambda did not report is zero) and p99 duration
        per minute that served requests, each with each side's invocations (the requests a
        judgement is gated on, whichever metrics are judged)."""
        queries = self._queries(canary.target, canary.stable)
        queries += self._queries(canary.target, canary.release)
        series = self._source.read(queries, start=start, end=end, step=60)
        invocations_s, errors_s, p99_s, invocations_c, errors_c, p99_c = map(_minutes, series)
        minutes_s, minutes_c = sorted(invocations_s), sorted(invocations_c)
        data = {
            "errors": MetricData(
                control=[errors_s.get(m, 0.0) for m in minutes_s],
                experiment=[errors_c.get(m, 0.0) for m in minutes_c],
                control_total=round(sum(invocations_s.values())),
                experiment_total=round(sum(invocations_c.values())),
            ),
            "p99_latency": MetricData(
                control=[p99_s[m] for m in minutes_s if m in p99_s],
                experiment=[p99_c[m] for m in minutes_c if m in p99_c],
                control_total=round(sum(invocations_s.values())),
                experiment_total=round(sum(invocations_c.values())),
            ),
        }
        return {name: data[name] for name in canary.metrics if name in data}
