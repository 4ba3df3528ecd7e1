"""No provider read holds up the tick: a hung provider or a bad metrics file fails only its own
policies."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from shared.adapters.local.csv_metrics import CsvMetricsSource
from shared.adapters.local.sample_metrics import SampleMetricsSource
from shared.adapters.memory import InMemoryAlertStore
from shared.alerts.evaluator import AlertEvaluator
from shared.bootstrap.wiring import build
from shared.config import Settings
from shared.identity.models import Platform
from shared.replies import Tone
from shared.telemetry.models import Event, MetricQuery, ResourceKind, Service
from shared.telemetry.ports import MetricsSource, Points
from tests.support import (
    NOW,
    MovingClock,
    memory_adapters,
    run,
    run_scheduler,
    setup_teams,
)

SLOW = '--when "p99_latency > 800ms"'


class HungProvider:
    """A metrics endpoint that never answers (until the test ends)."""

    def __init__(self) -> None:
        self.released = threading.Event()

    def read(
        self, queries: Sequence[MetricQuery], *, start: datetime, end: datetime, step: int
    ) -> list[Points]:
        self.released.wait()
        return [[] for _ in queries]

    def events(self, service: Service, *, start: datetime, end: datetime) -> list[Event]:
        return []


@pytest.fixture
def hung() -> Iterator[HungProvider]:
    provider = HungProvider()
    yield provider
    provider.released.set()


def test_a_hung_provider_fails_its_own_policies_and_the_others_are_judged(
    hung: HungProvider,
) -> None:
    clock = MovingClock(NOW)
    store = InMemoryAlertStore()
    sources: dict[ResourceKind, MetricsSource] = {
        ResourceKind.AWS_LAMBDA: hung,
        ResourceKind.SAMPLE: SampleMetricsSource(clock=clock),
    }
    services = build(
        Settings(org_admins=("slack:T1:root",)),
        memory_adapters(clock, alerts=store, metrics=sources),
    )
    setup_teams(services)
    for text in (
        "service register checkout --sample checkout",
        "service register lambda --aws-lambda checkout-fn",
        f"alert create slow --service checkout {SLOW}",
        f"alert create hung --service lambda {SLOW}",
    ):
        assert not run(services, text, user="oli", channel="C-pay").failed, text
    evaluator = AlertEvaluator(directory=services.directory, sources=sources, timeout=0.3)
    judged = {e.policy.name: e for e in evaluator.evaluate(store.every(), clock.now())}
    assert judged["slow"].active is True  # the sample's p99 is far above 800 ms
    assert judged["hung"].value is None
    assert judged["hung"].problem == (
        "metrics unavailable: the metrics provider did not answer within 0.3 s"
    )


def test_a_metrics_file_replaced_by_a_fifo_does_not_stop_the_tick(tmp_path: Path) -> None:
    # GIVEN a team alerting on a metrics file and another on the sample
    clock = MovingClock(NOW)
    adapters = memory_adapters(clock, metrics_dir=tmp_path)
    services = build(Settings(org_admins=("slack:T1:root",)), adapters)
    setup_teams(services)
    incident = tmp_path / "incident.csv"
    rows = [f"{(NOW - timedelta(minutes=m)).isoformat()},900" for m in range(10, 0, -1)]
    incident.write_text("timestamp,p99_latency\n" + "\n".join(rows) + "\n")
    register = "service register legacy --metrics-file incident.csv --team payments"
    assert not run(services, register, user="oli", platform=Platform.LOCAL).failed
    register = "service register checkout --sample checkout --team search"
    assert not run(services, register, user="sam").failed
    for team, service in (("payments", "legacy"), ("search", "checkout")):
        text = f"alert create slow --service {service} {SLOW} --team {team}"
        assert not run(services, text, user="sam" if team == "search" else "oli").failed
    # WHEN the file becomes a FIFO nobody writes to, and the scheduler runs
    incident.unlink()
    os.mkfifo(incident)
    tick = run_scheduler(services, clock)
    # THEN the tick ends, the other team's alert fires, and the file's problem is reported
    assert tick.tone is Tone.OK
    assert dict(tick.fields)["Fired"] == "slow"
    assert "metrics file incident.csv: it is a FIFO" in tick.text + str(tick.fields)


def test_each_metrics_file_is_read_apart(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(f"timestamp,p99_latency\n{(NOW - timedelta(minutes=1)).isoformat()},900\n")
    bad.write_text(f"timestamp,p99_latency\n{(NOW - timedelta(minutes=1)).isoformat()},1\n")
    clock = MovingClock(NOW)
    store = InMemoryAlertStore()
    services = build(
        Settings(org_admins=("slack:T1:root",)),
        memory_adapters(clock, alerts=store, metrics_dir=tmp_path),
    )
    setup_teams(services)
    for name in ("good", "bad"):
        text = f"service register {name} --metrics-file {name}.csv"
        assert not run(services, text, user="oli", channel="C-pay", platform=Platform.LOCAL).failed
        assert not run(
            services, f"alert create {name} --service {name} {SLOW}", user="oli", channel="C-pay"
        ).failed
    bad.write_text("timestamp,p99_latency\nnot a time,1\n")
    evaluator = AlertEvaluator(
        directory=services.directory,
        sources={ResourceKind.METRICS_FILE: CsvMetricsSource(tmp_path)},
    )
    judged = {e.policy.name: e for e in evaluator.evaluate(store.every(), clock.now())}
    assert judged["good"].value == 900
    assert "is not an ISO 8601 time" in judged["bad"].problem
