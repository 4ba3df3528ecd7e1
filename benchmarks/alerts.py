"""One alert scheduler tick: 10,000 policies over 2,000 distinct CloudWatch metrics (moto).

Figures: the tick's wall time, and GetMetricData calls against the minimum ceil(2000 / 500) = 4.
"""

from __future__ import annotations

import math
import os
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.adapters.aws.cloudwatch_metrics import MAX_QUERIES, CloudWatchMetricsSource
from shared.adapters.memory import FixedClock, InMemoryAlertStore
from shared.alerts.models import AlertPolicy
from shared.audit.seal import SigningKey
from shared.bootstrap.memory import memory_adapters
from shared.bootstrap.wiring import build
from shared.config import Settings
from shared.identity.models import OrgId, Team, UserId
from shared.judging.condition import parse
from shared.telemetry.models import ResourceKind, Service, Signal
from shared.telemetry.queries import queries_for

SERVICES = 2000
PER_SERVICE = 5
NOW = datetime.now(UTC).replace(second=0, microsecond=0)


def _put_metrics(client: Any) -> None:
    """The last minute's Invocations of each of the 2,000 functions (1,000 points per call; one
    point each, because moto filters every stored point for every query)."""
    points = [
        {
            "MetricName": "Invocations",
            "Dimensions": [{"Name": "FunctionName", "Value": f"fn-{i}"}],
            "Timestamp": NOW - timedelta(minutes=minute),
            "Value": float(i % 100),
        }
        for i in range(SERVICES)
        for minute in (1,)
    ]
    for start in range(0, len(points), 1000):
        client.put_metric_data(Namespace="AWS/Lambda", MetricData=points[start : start + 1000])


def _team() -> Team:
    services = {
        f"svc-{i}": Service(
            name=f"svc-{i}",
            kind=ResourceKind.AWS_LAMBDA,
            resource=f"fn-{i}",
            queries=queries_for(ResourceKind.AWS_LAMBDA, f"fn-{i}"),
            registered_by="bench",
            registered_at=NOW,
        )
        for i in range(SERVICES)
    }
    return Team(
        org=OrgId("slack:T1"),
        name="payments",
        created_at=NOW,
        created_by=UserId("bench"),
        services=services,
    )


def _policies() -> list[AlertPolicy]:
    """Five thresholds on each service's traffic: 10,000 policies, 2,000 distinct metrics."""
    return [
        AlertPolicy(
            org="slack:T1",
            team="payments",
            name=f"traffic-{i}-{k}",
            service=f"svc-{i}",
            condition=parse(f"traffic > {k * 20}"),
            created_by="bench",
            created_at=NOW,
        )
        for i in range(SERVICES)
        for k in range(PER_SERVICE)
    ]


def _time_calls(client: Any) -> list[float]:
    """Seconds in each GetMetricData call (request to parsed answer), from botocore's events."""
    spent: list[float] = []
    started: list[float] = []
    events = client.meta.events
    events.register(
        "before-call.cloudwatch.GetMetricData", lambda **_: started.append(time.perf_counter())
    )
    events.register(
        "after-call.cloudwatch.GetMetricData",
        lambda **_: spent.append(time.perf_counter() - started.pop()),
    )
    return spent


def main() -> None:
    """Print the tick's wall time and its GetMetricData calls against the minimum."""
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    import boto3
    from moto import mock_aws

    with mock_aws():
        client = boto3.client("cloudwatch", region_name="us-east-1")
        _put_metrics(client)
        source = CloudWatchMetricsSource(client=client)
        store = InMemoryAlertStore()
        for policy in _policies():
            store.save(policy)
        key = SigningKey(secret=b"bench")
        adapters = memory_adapters(
            FixedClock(NOW), key, metrics={ResourceKind.AWS_LAMBDA: source}, alerts=store
        )
        services = build(Settings(), adapters)
        services.directory.save_team(_team())
        from shared.alerts.evaluator import AlertEvaluator
        from shared.alerts.scheduler import AlertScheduler

        scheduler = AlertScheduler(
            store=store,
            evaluator=AlertEvaluator(directory=services.directory, sources=adapters.metrics),
            directory=services.directory,
            audit=services.audit,
            notifier=adapters.notifier,
        )
        in_provider = _time_calls(client)
        started = time.perf_counter()
        report = scheduler.tick(NOW, trigger="bench")
        seconds = time.perf_counter() - started
    minimum = math.ceil(SERVICES / MAX_QUERIES)
    print(
        f"Alert scheduler: one tick of {report.evaluated:,} policies over {SERVICES:,} distinct "
        "CloudWatch metrics (moto)"
    )
    provider = sum(in_provider)
    print(
        f"  wall time {seconds:.2f} s (goal <= 5 s): {provider:.2f} s inside moto's GetMetricData, "
        f"{seconds - provider:.2f} s ours; {len(report.fired):,} fired and told"
    )
    print(
        f"  GetMetricData calls {source.calls} / minimum {minimum} = ratio "
        f"{source.calls / minimum:.2f} (goal: exactly the minimum)"
    )
    print(f"  signal read: {Signal.TRAFFIC.label} (Invocations, Sum) of each function")


if __name__ == "__main__":
    main()
