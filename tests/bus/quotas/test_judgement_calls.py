"""A running canary's judgement and a chaos experiment's steady-state reads through the bus: each
call they make to the provider (CloudWatch on moto, as the AWS deployment reads it) is counted to
the team that owns the canary or experiment, in its hour's `provider-calls-per-hour` and its
month's usage (calls, and the metrics they requested), exactly as many as the provider saw; a
team with no calls left is still judged (a rollout is never left unjudged)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from shared.adapters.aws.cloudwatch_chaos import CloudWatchFaultMetrics
from shared.adapters.aws.cloudwatch_metrics import CloudWatchMetricsSource
from shared.adapters.aws.cloudwatch_versions import CloudWatchVersionMetrics
from shared.adapters.local.simulated_canary import SimulatedVersionMetrics
from shared.adapters.local.simulated_chaos import (
    InMemoryChaosState,
    SimulatedFaultInjector,
    SimulatedFaultMetrics,
    SimulatedSafetyLever,
)
from shared.adapters.memory import InMemoryChaosStore
from shared.bootstrap.adapters import ChaosAdapters
from shared.bootstrap.wiring import Services
from shared.canary.models import Canary
from shared.config import Settings
from shared.judging.judge import MetricData
from shared.telemetry.models import ResourceKind, Service
from tests.support import NOW, MovingClock, memory_adapters, run, run_scheduler
from tests.support.chaos import chaos_services, start_experiment, ticks
from tests.support.deployments import registered_services, start_canary

SPENT = "quota set provider-calls-per-hour 0 --team payments"
EXPERIMENT = 'checkout-api --fault delay:100ms --expect "p99_latency < 2s" --percent 1,5'


class _CloudWatch:
    """CloudWatch on moto, and the GetMetricData calls it was sent and the metrics they asked
    for (as botocore sent them)."""

    def __init__(self) -> None:
        client = boto3.client("cloudwatch", region_name="us-east-1")
        client.meta.events.register("before-parameter-build.cloudwatch.GetMetricData", self._seen)
        self.source = CloudWatchMetricsSource(client=client)
        self.calls = 0
        self.metrics = 0

    def _seen(self, params: dict[str, Any], **_: object) -> None:
        self.calls += 1
        self.metrics += len(params["MetricDataQueries"])


@pytest.fixture
def cloudwatch() -> Iterator[_CloudWatch]:
    """CloudWatch on moto, counting what it was sent."""
    with mock_aws():
        yield _CloudWatch()


class _ReadVersions:
    """Each comparison read from CloudWatch as the AWS deployment reads it, then judged on the
    simulation's numbers (moto holds no Lambda metrics), so the canary steps as it would."""

    def __init__(self, source: CloudWatchMetricsSource) -> None:
        self._aws = CloudWatchVersionMetrics(source)
        self._simulated = SimulatedVersionMetrics()

    def compare(self, canary: Canary, *, start: datetime, end: datetime) -> dict[str, MetricData]:
        self._aws.compare(canary, start=start, end=end)
        return self._simulated.compare(canary, start=start, end=end)


class _ReadFaults:
    """Each steady-state read from CloudWatch as the AWS deployment reads it, then judged on the
    simulation's split shares."""

    splits_shares = True

    def __init__(self, source: CloudWatchMetricsSource, state: InMemoryChaosState) -> None:
        self._aws = CloudWatchFaultMetrics(source)
        self._simulated = SimulatedFaultMetrics(state=state)
        self.fault_alone = self._simulated.fault_alone

    def compare(
        self, service: Service, signals: Sequence[str], *, start: datetime, end: datetime
    ) -> dict[str, MetricData]:
        self._aws.compare(service, signals, start=start, end=end)
        return self._simulated.compare(service, signals, start=start, end=end)


def _used(services: Services) -> int:
    """The calls payments used this hour, as `sre quota show` says it."""
    shown = dict(run(services, "quota show", user="vic", channel="C-pay").fields)
    return int(shown["provider-calls-per-hour"].split(" of ")[0].replace(",", ""))


def _usage(services: Services) -> dict[str, str]:
    """`kind -> "count ($cost)"` of payments' month, as `sre usage` says it."""
    field = dict(run(services, "usage", user="vic", channel="C-pay").fields)["payments"]
    return dict(part.split(" ", 1) for part in field.split("; "))


def _assert_counted_exactly(services: Services, seen: _CloudWatch, since: tuple[int, int]) -> None:
    """Payments' hour holds exactly the GetMetricData calls CloudWatch was sent since `since`
    (calls, metrics), and its month those calls and the metrics they asked for."""
    calls, metrics = seen.calls - since[0], seen.metrics - since[1]
    assert calls >= 4
    assert _used(services) == calls
    usage = _usage(services)
    assert usage["cloudwatch-get-metric-data"] == f"{calls} ($0.00)"
    assert usage["cloudwatch-metrics-requested"].split()[0] == str(metrics)


def test_a_canarys_judgements_are_counted_to_its_team_and_never_refused(
    cloudwatch: _CloudWatch,
) -> None:
    clock = MovingClock(NOW)
    versions = _ReadVersions(cloudwatch.source)
    adapters = memory_adapters(clock, version_metrics={ResourceKind.SAMPLE: versions})
    services = registered_services(Settings(org_admins=("slack:T1:root",)), adapters)
    router = adapters.routers[ResourceKind.SAMPLE]
    start_canary(services, "43")
    # GIVEN payments has no provider calls left this hour
    assert not run(services, SPENT).failed
    since = (cloudwatch.calls, cloudwatch.metrics)
    # WHEN the scheduler judges the canary every five minutes until it is promoted
    for _ in range(4):
        run_scheduler(services, clock, 5)
    # THEN it was judged all the way (the quota never stops a rollout)
    assert router.route("checkout:live").stable == "43"
    # AND every call CloudWatch was sent is in payments' hour and month, with its metrics
    # (three of each version a call)
    _assert_counted_exactly(services, cloudwatch, since)
    assert cloudwatch.metrics - since[1] == 6 * (cloudwatch.calls - since[0])


def test_a_chaos_experiments_reads_are_counted_to_its_team_and_never_refused(
    cloudwatch: _CloudWatch,
) -> None:
    clock = MovingClock(NOW)
    state = InMemoryChaosState()
    chaos = ChaosAdapters(
        store=InMemoryChaosStore(),
        injector=SimulatedFaultInjector(state=state, clock=clock),
        lever=SimulatedSafetyLever(state=state),
        metrics=_ReadFaults(cloudwatch.source, state),
    )
    services = chaos_services(clock, chaos=chaos)
    since = (cloudwatch.calls, cloudwatch.metrics)
    # GIVEN an experiment started (its steady state read before the first injection)
    start_experiment(services, EXPERIMENT)
    assert _used(services) == cloudwatch.calls - since[0] > 0
    # AND payments then has no provider calls left this hour
    assert not run(services, SPENT).failed
    # WHEN the scheduler judges it minute by minute
    said = ticks(services, clock, 12)
    # THEN it was judged on (stepped up to 5%), not stopped by the quota
    assert any("5%" in line for line in said), said
    # AND every call CloudWatch was sent, its charts' included, is in payments' hour and month
    _assert_counted_exactly(services, cloudwatch, since)
