"""Which provider metric stands behind each golden signal, by resource type."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from shared.telemetry.models import Finding, MetricQuery, ResourceKind, Service, Signal
from shared.telemetry.omitted import COUNTS, errors_where_requests
from shared.telemetry.ports import MetricsSource, Points


def signal_values(query: MetricQuery, read: Callable[[MetricQuery], Points]) -> Points:
    """A signal's points from the provider's raw series: scaled, and divided for a rate."""
    values = read(query)
    if query.plus is not None:
        values = added(values, read(query.plus))
    if query.divide_by is None:
        return [(t, v * query.scale) for t, v in values]
    totals = dict(read(query.divide_by))
    if query.statistic in COUNTS:  # errors are left out where there were none: 0, not missing
        values = errors_where_requests(values, sorted(totals.items()))
    # scaled before dividing: 7 * 100 / 100 is 7.0, where 7 / 100 * 100 is 7.000000000000001
    if query.plus is None:
        return [(t, v * query.scale / totals[t]) for t, v in values if totals.get(t)]
    # failures of the same requests seen in two places: at most all of them; and a minute of
    # failures with no request counted is all failed (a load balancer that found no target
    # answers 503 to requests its RequestCount leaves out)
    return [
        (t, min(v * query.scale / totals[t], query.scale) if totals.get(t) else query.scale)
        for t, v in values
        if totals.get(t) or v > 0
    ]


def added(counts: Points, more: Points) -> Points:
    """Two counts added point by point. A count with points in the read but none at a step
    saw nothing there (0); one with no point at all adds nothing, so the sum is as unknown as
    both are only when neither has a point."""
    if not counts or not more:
        return counts or more
    total = dict(counts)
    for t, v in more:
        total[t] = total.get(t, 0.0) + v
    return sorted(total.items())


def signal_series(
    source: MetricsSource, service: Service, *, start: datetime, end: datetime, step: int
) -> dict[Signal, Points]:
    """Every signal of `service` that has data, read in one `source.read` (one batched call
    where the provider allows)."""
    series = source.read(list(service.queries.values()), start=start, end=end, step=step)
    return {s: points for s, points in zip(service.queries, series, strict=True) if points}


def arn_home(resource: str) -> dict[str, Any]:
    """The Region and account an AWS ARN names (`arn:aws:lambda:REGION:ACCOUNT:…`), as a
    MetricQuery's `region` and `account`; none for a resource given by its name."""
    parts = resource.split(":")
    if parts[0] != "arn" or len(parts) < 6:
        return {}
    return {"region": parts[3], "account": parts[4]}


def _lambda(function: str) -> dict[Signal, MetricQuery]:
    # Lambda publishes under the function's name: one registered by its ARN is read by its name,
    # in the Region and account its ARN says
    dims = {"FunctionName": function.rsplit(":function:", 1)[-1].split(":", 1)[0]}

    def q(signal: Signal, metric: str, statistic: str) -> MetricQuery:
        return MetricQuery(
            signal=signal,
            namespace="AWS/Lambda",
            metric=metric,
            dimensions=dims,
            statistic=statistic,
            **arn_home(function),
        )

    invocations = q(Signal.TRAFFIC, "Invocations", "Sum")
    errors = q(Signal.ERROR_RATE, "Errors", "Sum")
    return {
        Signal.P50_LATENCY: q(Signal.P50_LATENCY, "Duration", "p50"),
        Signal.P99_LATENCY: q(Signal.P99_LATENCY, "Duration", "p99"),
        Signal.ERROR_RATE: errors.model_copy(update={"divide_by": invocations, "scale": 100.0}),
        Signal.TRAFFIC: invocations,
        Signal.SATURATION: q(Signal.SATURATION, "ConcurrentExecutions", "Maximum"),
    }


def _alb(arn: str) -> dict[Signal, MetricQuery]:
    # CloudWatch names a load balancer by the part of its ARN after "loadbalancer/"
    dims = {"LoadBalancer": arn.split(":loadbalancer/", 1)[-1]}

    def q(signal: Signal, metric: str, statistic: str, scale: float = 1.0) -> MetricQuery:
        return MetricQuery(
            signal=signal,
            namespace="AWS/ApplicationELB",
            metric=metric,
            dimensions=dims,
            statistic=statistic,
            scale=scale,
            **arn_home(arn),
        )

    requests = q(Signal.TRAFFIC, "RequestCount", "Sum")
    # a target that crashed, refused or timed out answers nothing: the load balancer answers
    # 502, 503 or 504 itself, which only its own count sees
    errors = q(Signal.ERROR_RATE, "HTTPCode_Target_5XX_Count", "Sum").model_copy(
        update={"plus": q(Signal.ERROR_RATE, "HTTPCode_ELB_5XX_Count", "Sum")}
    )
    return {
        Signal.P50_LATENCY: q(Signal.P50_LATENCY, "TargetResponseTime", "p50", 1000.0),
        Signal.P99_LATENCY: q(Signal.P99_LATENCY, "TargetResponseTime", "p99", 1000.0),
        Signal.ERROR_RATE: errors.model_copy(update={"divide_by": requests, "scale": 100.0}),
        Signal.TRAFFIC: requests,
        Signal.SATURATION: q(Signal.SATURATION, "ActiveConnectionCount", "Sum"),
    }


def _azure(resource_id: str) -> dict[Signal, MetricQuery]:
    """An App Service app (Microsoft.Web/sites): Azure Monitor has no percentiles for it, so p50
    is the average response time and p99 the maximum per interval."""
    namespace = "Microsoft.Web/sites"

    def q(signal: Signal, metric: str, statistic: str, scale: float = 1.0) -> MetricQuery:
        return MetricQuery(
            signal=signal,
            namespace=namespace,
            metric=metric,
            dimensions={"resource": resource_id},
            statistic=statistic,
            scale=scale,
        )

    requests = q(Signal.TRAFFIC, "Requests", "Total")
    errors = q(Signal.ERROR_RATE, "Http5xx", "Total")
    return {
        Signal.P50_LATENCY: q(Signal.P50_LATENCY, "HttpResponseTime", "Average", 1000.0),
        Signal.P99_LATENCY: q(Signal.P99_LATENCY, "HttpResponseTime", "Maximum", 1000.0),
        Signal.ERROR_RATE: errors.model_copy(update={"divide_by": requests, "scale": 100.0}),
        Signal.TRAFFIC: requests,
        Signal.SATURATION: q(Signal.SATURATION, "CpuTime", "Total"),
    }


def _cloud_run(resource: str) -> dict[Signal, MetricQuery]:
    """A Cloud Run service, `PROJECT/REGION/SERVICE`."""
    project, region, name = resource.split("/", 2)
    labels = {
        "resource.labels.project_id": project,
        "resource.labels.service_name": name,
        "resource.labels.location": region,
    }

    def q(
        signal: Signal,
        metric: str,
        statistic: str,
        scale: float = 1.0,
        extra: dict[str, str] | None = None,
    ) -> MetricQuery:
        return MetricQuery(
            signal=signal,
            namespace=f"run.googleapis.com/{metric}",
            metric=metric,
            dimensions={**labels, **(extra or {})},
            statistic=statistic,
            scale=scale,
        )

    requests = q(Signal.TRAFFIC, "request_count", "Sum")
    errors = q(
        Signal.ERROR_RATE,
        "request_count",
        "Sum",
        extra={"metric.labels.response_code_class": "5xx"},
    )
    return {
        Signal.P50_LATENCY: q(Signal.P50_LATENCY, "request_latencies", "p50"),
        Signal.P99_LATENCY: q(Signal.P99_LATENCY, "request_latencies", "p99"),
        Signal.ERROR_RATE: errors.model_copy(update={"divide_by": requests, "scale": 100.0}),
        Signal.TRAFFIC: requests,
        Signal.SATURATION: q(Signal.SATURATION, "container/cpu/utilizations", "p99", 100.0),
    }


def _named(prefix: str) -> dict[Signal, MetricQuery]:
    """Sample scenarios and metrics files name each signal's column after the signal."""
    return {s: MetricQuery(signal=s, namespace=prefix, metric=s.value) for s in Signal}


def queries_for(kind: ResourceKind, resource: str) -> dict[Signal, MetricQuery]:
    """The golden-signal queries of a resource of `kind`."""
    if kind is ResourceKind.AWS_LAMBDA:
        return _lambda(resource)
    if kind is ResourceKind.AWS_ALB:
        return _alb(resource)
    if kind is ResourceKind.AZURE_RESOURCE:
        return _azure(resource)
    if kind is ResourceKind.GCP_CLOUD_RUN:
        return _cloud_run(resource)
    return _named(resource)


def resource_key(kind: ResourceKind, resource: str) -> str | None:
    """What one team may own: a Lambda function (every alias and version of it), a load balancer,
    an Azure resource (ids are case-insensitive), a Cloud Run service, a metrics file; None for
    the bundled sample, which every team may read."""
    if kind is ResourceKind.SAMPLE:
        return None
    if kind is ResourceKind.AWS_LAMBDA:
        resource = resource.rsplit(":function:", 1)[-1].split(":", 1)[0]
    elif kind is ResourceKind.AWS_ALB:
        resource = resource.split(":loadbalancer/", 1)[-1]
    elif kind is ResourceKind.AZURE_RESOURCE:
        resource = resource.lower()
    return f"{kind.value}:{resource}"


_CLOUDWATCH = ("Average", "Sum", "Minimum", "Maximum", "SampleCount", "pNN")
STATISTICS: dict[ResourceKind, tuple[str, ...]] = {
    ResourceKind.AWS_LAMBDA: _CLOUDWATCH,
    ResourceKind.AWS_ALB: _CLOUDWATCH,
    ResourceKind.AZURE_RESOURCE: ("Average", "Maximum", "Minimum", "Total", "Count"),
    ResourceKind.GCP_CLOUD_RUN: ("p50", "p99", "Sum", "Average", "Maximum"),
    ResourceKind.SAMPLE: ("Average",),
    ResourceKind.METRICS_FILE: ("Average",),
}
"""The statistics each provider computes (`pNN`: any percentile, as p95 or p99.9)."""
_PERCENTILE = re.compile(r"^p\d{1,2}(\.\d{1,3})?\Z", re.ASCII)


_WHICH_RESOURCE = frozenset({"resource", "resource.labels.project_id"})
"""The dimensions that name the resource itself (Azure's resource id, the Cloud Run project):
an override of the dimensions keeps them, or the signal would be read from nowhere."""


def override(
    kind: ResourceKind,
    default: MetricQuery,
    *,
    metric: str,
    namespace: str | None = None,
    statistic: str | None = None,
    dimensions: dict[str, str] | None = None,
    divide_by: str | None = None,
    scale: float | None = None,
) -> MetricQuery:
    """A signal's query with the given parts replaced; the rest as the default query has them.

    Where the default's namespace is the full metric name (Cloud Monitoring's metric type), a new
    metric keeps its prefix. Raises ValueError naming what the provider cannot do."""
    statistic = statistic or default.statistic
    allowed = STATISTICS[kind]
    if statistic not in allowed and not ("pNN" in allowed and _PERCENTILE.match(statistic)):
        raise ValueError(
            f"{kind.value} metrics have no statistic `{statistic}`: use {', '.join(allowed)}"
        )
    if kind is ResourceKind.SAMPLE and metric not in set(Signal):
        raise ValueError(f"the sample has no metric `{metric}`: use {', '.join(Signal)}")
    dropped = sorted(_WHICH_RESOURCE.intersection(default.dimensions) - set(dimensions or {}))
    if dimensions is not None and dropped:
        kept = ",".join(f"{key}={default.dimensions[key]}" for key in dropped)
        raise ValueError(f"the dimensions must still say which resource is read: add {kept}")
    if namespace is None and default.metric and default.namespace.endswith(default.metric):
        namespace = default.namespace.removesuffix(default.metric) + metric
    query = MetricQuery(
        signal=default.signal,
        namespace=default.namespace if namespace is None else namespace,
        metric=metric,
        dimensions=default.dimensions if dimensions is None else dimensions,
        statistic=statistic,
        scale=default.scale if scale is None else scale,
        region=default.region,  # still the resource's Region and account
        account=default.account,
    )
    if divide_by:
        denominator_namespace = (
            query.namespace.removesuffix(metric) + divide_by
            if query.namespace.endswith(metric)
            else query.namespace
        )
        denominator = query.model_copy(
            update={"metric": divide_by, "namespace": denominator_namespace, "scale": 1.0}
        )
        query = query.model_copy(update={"divide_by": denominator})
    elif default.divide_by is not None:  # a rate stays a rate: its denominator is kept
        same = _kept_denominator(default, default.divide_by, dimensions)
        query = query.model_copy(update={"divide_by": same})
    return query


_READ_AS = {"Average": "average", "Maximum": "maximum", "Minimum": "minimum", "Sum": "sum"}


def latency_read_as(service: Service) -> str:
    """How a cloud service's latency signals are read when not as their percentile (Azure App
    Service has none: its p50 is the minute's average, its p99 the minute's maximum), for a
    report to say; empty when each is its percentile (a sample or a metrics file names its own)."""
    if service.kind in (ResourceKind.SAMPLE, ResourceKind.METRICS_FILE):
        return ""
    said = [
        f"{signal.label} is the {_READ_AS.get(query.statistic, query.statistic)} of each period"
        for signal in (Signal.P50_LATENCY, Signal.P99_LATENCY)
        if (query := service.queries.get(signal)) is not None
        and not _PERCENTILE.match(query.statistic)
    ]
    return "; ".join(said) + " (no percentile is read)" if said else ""


def _kept_denominator(
    default: MetricQuery, denominator: MetricQuery, dimensions: dict[str, str] | None
) -> MetricQuery:
    """The default's denominator, narrowed as the new dimensions narrow its numerator: a
    dimension both had takes its new value, one the numerator gains (`Resource=fn:live`, an
    alias) is added, and one only the numerator had (Cloud Run's `response_code_class=5xx`)
    stays off it (dropped, the rate was the errors times 100, shown as a %)."""
    if dimensions is None:
        return denominator
    shared = {k: dimensions.get(k, v) for k, v in denominator.dimensions.items()}
    gained = {k: v for k, v in dimensions.items() if k not in default.dimensions}
    return denominator.model_copy(update={"dimensions": {**shared, **gained}})


UNITS = {
    Signal.P50_LATENCY: " ms",
    Signal.P99_LATENCY: " ms",
    Signal.ERROR_RATE: "%",
    Signal.TRAFFIC: " req/min",
    Signal.SATURATION: "",
}
"""How each signal's values read (latency in milliseconds, rates in percent, traffic in requests a
minute: one-minute sums); saturation's depends on the resource (`SATURATION_UNITS`)."""
SATURATION_UNITS = {
    ResourceKind.AWS_LAMBDA: " concurrent",
    ResourceKind.AWS_ALB: " connections",
    ResourceKind.AZURE_RESOURCE: " s CPU",
    ResourceKind.GCP_CLOUD_RUN: "%",
    ResourceKind.SAMPLE: "%",
    ResourceKind.METRICS_FILE: "%",
}
"""What each kind's own saturation query measures: a Lambda's concurrent executions, a load
balancer's active connections, an Azure resource's CPU seconds, Cloud Run's CPU utilisation, a
sample's or metrics file's % of capacity (its documented column)."""


def units_for(kind: ResourceKind) -> dict[Signal, str]:
    """How each signal of a resource of `kind` reads with the kind's own queries."""
    return {**UNITS, Signal.SATURATION: SATURATION_UNITS[kind]}


def units_of(service: Service) -> dict[Signal, str]:
    """How each of the service's signals reads: saturation in its kind's unit while it is the
    kind's own query (one a team set itself measures what its metric does: no unit said)."""
    own = queries_for(service.kind, service.resource).get(Signal.SATURATION)
    if service.queries.get(Signal.SATURATION) == own:
        return units_for(service.kind)
    return {**UNITS, Signal.SATURATION: ""}


def unit_of(finding: Finding) -> str:
    """How a finding's values read: its own unit, or its signal's usual one (stored before)."""
    return UNITS[finding.signal] if finding.unit is None else finding.unit
