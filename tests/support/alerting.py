"""An org's team with a Lambda service, a bound channel and alert policies on its traffic, saved
straight into the stores (for tests of the alert tick across orgs); and the memory deployment
over metrics files written by the test (for tests of what alerts make of a file's data)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from shared.adapters.memory import InMemoryAlertStore, InMemoryNotifier
from shared.alerts.evaluator import AlertEvaluator
from shared.alerts.models import AlertPolicy
from shared.bootstrap.memory import for_memory
from shared.bootstrap.wiring import Services, build
from shared.config import Settings
from shared.identity.models import OrgId, Platform, Team, UserId
from shared.invocation import ReplyTarget
from shared.judging.condition import parse
from shared.ports import Clock, Notifier
from shared.replies import Reply, Tone
from shared.telemetry.models import Event, MetricQuery, ResourceKind, Service
from shared.telemetry.ports import MetricsSource, Points
from tests.support import (
    NOW,
    MovingClock,
    binding,
    memory_adapters,
    run,
    service_of,
    setup_teams,
)

FAST, SLOW = OrgId("slack:T1"), OrgId("slack:T2")
"""Two orgs of one deployment, each with team payments and the alert `busy` on its Lambda."""


def team_with_alerts(
    services: Services,
    store: InMemoryAlertStore,
    org: OrgId,
    *,
    fn: str,
    team: str = "payments",
    channel: str = "C-pay",
    names: Sequence[str] = ("busy",),
) -> None:
    """`team` of `org` bound to `channel`, its Lambda `checkout` on `fn`, and one alert a name
    on its traffic (`traffic > 10`, then 11, 12…)."""
    services.directory.save_team(
        Team(
            org=org,
            name=team,
            created_at=NOW,
            created_by=UserId("ann"),
            services={"checkout": service_of(ResourceKind.AWS_LAMBDA, fn)},
        )
    )
    services.directory.bind(binding(channel, team, org=org))
    for n, name in enumerate(names):
        store.save(
            AlertPolicy(
                org=org,
                team=team,
                name=name,
                service="checkout",
                condition=parse(f"traffic > {10 + n}"),
                created_by="ann",
                created_at=NOW,
            )
        )


class Busy:
    """Every Lambda function at 50 invocations a minute; T1's (`fn-t1`) once `released` (set
    from the start unless a test holds those reads)."""

    def __init__(self) -> None:
        self.released = threading.Event()
        self.released.set()

    def read(
        self, queries: Sequence[MetricQuery], *, start: datetime, end: datetime, step: int
    ) -> list[Points]:
        """Five minutes at 50 a minute for each query (T1's once released)."""
        if any("fn-t1" in q.dimensions.values() for q in queries):
            self.released.wait(30)
        return [[(end - timedelta(minutes=m), 50.0) for m in range(5, 0, -1)] for _ in queries]

    def events(self, service: Service, *, start: datetime, end: datetime) -> list[Event]:
        """None."""
        return []


class OneOrgSlowToTell:
    """The deployment's notifier, except that SLOW's channels take nothing until released."""

    def __init__(self, notifier: Notifier) -> None:
        self._notifier = notifier
        self.released = threading.Event()

    def post(
        self, target: ReplyTarget, reply: Reply, *, user: str | None = None
    ) -> ReplyTarget | None:
        """Posted (SLOW's once released)."""
        if target.org == SLOW:
            self.released.wait(30)
        return self._notifier.post(target, reply, user=user)

    def update(self, target: ReplyTarget, reply: Reply) -> None:
        """Updated (SLOW's once released)."""
        if target.org == SLOW:
            self.released.wait(30)
        self._notifier.update(target, reply)


def two_orgs() -> tuple[Services, InMemoryAlertStore, MovingClock]:
    """The memory deployment with FAST (fn-t1) and SLOW (fn-t2), each alert `busy` firing."""
    clock = MovingClock(NOW)
    store = InMemoryAlertStore()
    sources: dict[ResourceKind, MetricsSource] = {ResourceKind.AWS_LAMBDA: Busy()}
    adapters = memory_adapters(clock, alerts=store, metrics=sources)
    services = build(Settings(org_admins=("slack:T1:root",)), adapters)
    for org, fn in ((FAST, "fn-t1"), (SLOW, "fn-t2")):
        team_with_alerts(services, store, org, fn=fn)
    return services, store, clock


def write_metrics(
    path: Path, rows: Sequence[tuple[datetime, float]], *, column: str = "error_rate"
) -> None:
    """A metrics file at `path`: `timestamp`, p99 latency at 300 ms and `column` (its values
    `rows`; no such column when `column` is empty)."""
    header = "timestamp,p99_latency" + (f",{column}" if column else "")
    lines = [f"{at.isoformat()},300" + (f",{value:g}" if column else "") for at, value in rows]
    path.write_text("\n".join([header, *lines]) + "\n")


def every(
    step: timedelta, *, start: datetime, end: datetime, value: float
) -> list[tuple[datetime, float]]:
    """`value` at `start`, `start + step`, … up to `end` (included)."""
    count = int((end - start) / step) + 1
    return [(start + step * i, value) for i in range(count)]


def file_alerting(folder: Path, clock: Clock, notifier: InMemoryNotifier | None = None) -> Services:
    """The memory deployment reading the metrics files of `folder` at `clock`'s time, with the
    teams of `setup_teams` (operator oli, responder rey, viewer vic of payments, bound to C-pay)."""
    settings = Settings(org_admins=("slack:T1:root",), metrics_dir=folder)
    services = for_memory(settings, clock=clock, notifier=notifier or InMemoryNotifier())
    setup_teams(services)
    return services


def register_file(services: Services, name: str, file: str) -> None:
    """Service `name` of team payments, read from the metrics file `file` (from the terminal)."""
    text = f"service register {name} --metrics-file {file}"
    assert run(services, text, user="oli", channel="C-pay", platform=Platform.LOCAL).tone is (
        Tone.OK
    )


def alert_states(services: Services) -> dict[str, str]:
    """Each alert of payments as `alert list` says its state (`firing`, `no data`, …), without
    since when."""
    listed = run(services, "alert list", user="vic", channel="C-pay")
    return {name: value.split(" · ")[0].split(" since ")[0] for name, value in listed.fields}


class RecordedReads:
    """CloudWatch answering 50 invocations a minute, keeping each read's start and end."""

    def __init__(self) -> None:
        self.spans: list[timedelta] = []

    def read(
        self, queries: Sequence[MetricQuery], *, start: datetime, end: datetime, step: int
    ) -> list[Points]:
        self.spans.append(end - start)
        return [[(end - timedelta(minutes=m), 50.0) for m in range(5, 0, -1)] for _ in queries]

    def events(self, service: Service, *, start: datetime, end: datetime) -> list[Event]:
        return []


def reading_lambda(provider: MetricsSource) -> tuple[Services, InMemoryAlertStore, AlertEvaluator]:
    """Services of org T1 whose Lambda functions' metrics come from `provider`, their alert
    store, and an alert evaluator over them."""
    store = InMemoryAlertStore()
    sources: dict[ResourceKind, MetricsSource] = {ResourceKind.AWS_LAMBDA: provider}
    services = build(
        Settings(org_admins=("slack:T1:root",)),
        memory_adapters(MovingClock(NOW), alerts=store, metrics=sources),
    )
    return services, store, AlertEvaluator(directory=services.directory, sources=sources)
