"""An investigation's wall time on the sample scenario, and provider calls per investigation."""

from __future__ import annotations

import os
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.adapters.aws.cloudwatch_metrics import CloudWatchMetricsSource
from shared.adapters.local.sample_metrics import SampleMetricsSource
from shared.adapters.memory import (
    FixedClock,
    InMemoryTaskQueue,
)
from shared.audit.seal import SigningKey
from shared.bootstrap.memory import memory_adapters
from shared.bootstrap.wiring import Services, build
from shared.config import Settings
from shared.identity.models import Actor, OrgId, Platform, UserId
from shared.invocation import Invocation, ReplyTarget
from shared.replies import Reply
from shared.telemetry.models import ResourceKind
from shared.telemetry.ports import MetricsSource

NOW = datetime.now(UTC).replace(second=0, microsecond=0)


def _services(sources: dict[ResourceKind, MetricsSource]) -> Services:
    key = SigningKey(secret=b"bench")
    adapters = memory_adapters(FixedClock(NOW), key, metrics=sources)
    services = build(Settings(org_admins=("slack:T1:root",)), adapters)
    for text in (
        "team create payments",
        "team member add root --role admin --team payments",
        "team bind C1 --team payments",
    ):
        _run(services, text)
    return services


def _run(services: Services, text: str) -> Reply:
    invocation = Invocation(
        actor=Actor(platform=Platform.SLACK, org=OrgId("slack:T1"), user=UserId("root")),
        channel="C1",
        text=text,
        correlation_id=f"bench-{time.perf_counter_ns()}",
        received_at=NOW,
        reply_to=ReplyTarget(platform=Platform.SLACK, channel="C1"),
    )
    reply = services.bus.handle(invocation)
    tasks = services.tasks
    assert isinstance(tasks, InMemoryTaskQueue)
    for task in tasks.drain():
        reply = services.bus.resume(task)
    return reply


def _investigations(services: Services, service: str, rounds: int) -> list[float]:
    times = []
    for round_ in range(rounds):  # each its own window: the same one again is one request
        started = time.perf_counter()
        reply = _run(services, f"investigate {service} --window {120 + round_}m")
        times.append(time.perf_counter() - started)
        assert reply.title.startswith(f"{service}:"), reply
    return times


def sample(rounds: int = 5) -> None:
    """Wall time of `sre investigate` on the bundled sample (fetch, detect, rank, report)."""
    source = SampleMetricsSource(clock=FixedClock(NOW))
    services = _services({ResourceKind.SAMPLE: source})
    _run(services, "service register checkout-api --sample checkout")
    times = _investigations(services, "checkout-api", rounds)
    print(
        f"  sample scenario: investigation wall time median {statistics.median(times) * 1000:.0f}"
        f" ms (6 hours of 5 signals at 1 minute), provider calls per investigation "
        f"{source.calls / rounds:.1f} / minimum 1 = ratio {source.calls / rounds:.2f}"
    )


def cloudwatch(rounds: int = 3) -> None:
    """Provider calls per investigation on CloudWatch (moto), against one batched call."""
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    import boto3
    from moto import mock_aws

    with mock_aws():
        client = boto3.client("cloudwatch", region_name="us-east-1")
        dims: Any = [{"Name": "FunctionName", "Value": "checkout-fn"}]
        for i in range(0, 360, 5):
            at = NOW - timedelta(minutes=i)
            client.put_metric_data(
                Namespace="AWS/Lambda",
                MetricData=[
                    {"MetricName": m, "Dimensions": dims, "Timestamp": at, "Value": v}
                    for m, v in (
                        ("Invocations", 100.0),
                        ("Errors", 1.0),
                        ("Duration", 120.0),
                        ("ConcurrentExecutions", 5.0),
                    )
                ],
            )
        source = CloudWatchMetricsSource(client=client)
        services = _services({ResourceKind.AWS_LAMBDA: source})
        _run(services, "service register checkout-api --aws-lambda checkout-fn")
        _without_percentiles(services)
        times = _investigations(services, "checkout-api", rounds)
    print(
        f"  CloudWatch (moto): GetMetricData calls per investigation {source.calls / rounds:.1f}"
        f" / minimum 1 = ratio {source.calls / rounds:.2f}; wall time median "
        f"{statistics.median(times) * 1000:.0f} ms"
    )


def _without_percentiles(services: Services) -> None:
    """moto computes no percentiles: ask it for Average and Maximum instead (same call count)."""
    team = services.directory.get_team(OrgId("slack:T1"), "payments")
    assert team is not None
    service = team.services["checkout-api"]
    plain = {"p50": "Average", "p99": "Maximum"}
    queries = {
        s: q.model_copy(update={"statistic": plain.get(q.statistic, q.statistic)})
        for s, q in service.queries.items()
    }
    services.directory.save_team(
        team.model_copy(
            update={"services": {"checkout-api": service.model_copy(update={"queries": queries})}}
        )
    )


def main() -> None:
    """Print the investigation figures."""
    print("Investigations")
    sample()
    cloudwatch()


if __name__ == "__main__":
    main()
