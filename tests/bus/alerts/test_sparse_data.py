"""Data that is sparse or late is judged on its own step, as the README says: a Lambda invoked
every 5 minutes (CloudWatch has a point every 5 minutes) neither flaps between firing and no data
nor keeps a `for` from firing, and `alert test` says what the scheduler does; a one-minute file
whose exporter appends its rows in 5-minute batches is not "no data" between two batches."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from shared.adapters.memory import InMemoryAlertStore, InMemoryNotifier
from shared.bootstrap.wiring import Services, build
from shared.config import Settings
from shared.replies import Tone
from shared.telemetry.models import Event, MetricQuery, ResourceKind, Service
from shared.telemetry.ports import MetricsSource, Points
from tests.support import (
    NOW,
    ORG,
    MovingClock,
    memory_adapters,
    run,
    run_deferred,
    run_scheduler_at,
    service_of,
    setup_teams,
)
from tests.support.alerting import alert_states, every, file_alerting, register_file, write_metrics

MINUTE = timedelta(minutes=1)


class EveryFiveMinutes:
    """CloudWatch for a Lambda a cron invokes every 5 minutes: an error rate of 9% at :00, :05…"""

    def read(
        self, queries: Sequence[MetricQuery], *, start: datetime, end: datetime, step: int
    ) -> list[Points]:
        minutes = int((end - start) / MINUTE)
        times = [start + m * MINUTE for m in range(minutes)]
        return [[(at, 9.0) for at in times if at.minute % 5 == 0] for _ in queries]

    def events(self, service: Service, *, start: datetime, end: datetime) -> list[Event]:
        return []


def _cron(when: str, notifier: InMemoryNotifier, clock: MovingClock) -> Services:
    """Team payments with the Lambda `cron` and the alert `errs` on it."""
    sources: dict[ResourceKind, MetricsSource] = {ResourceKind.AWS_LAMBDA: EveryFiveMinutes()}
    adapters = memory_adapters(
        clock, alerts=InMemoryAlertStore(), notifier=notifier, metrics=sources
    )
    services = build(Settings(org_admins=("slack:T1:root",)), adapters)
    setup_teams(services)
    team = services.directory.get_team(ORG, "payments")
    assert team is not None
    cron = service_of(ResourceKind.AWS_LAMBDA, "cron-fn", name="cron")
    services.directory.save_team(team.model_copy(update={"services": {"cron": cron}}))
    text = f'alert create errs --service cron --when "{when}"'
    assert run(services, text, user="oli", channel="C-pay").tone is Tone.OK
    return services


def test_a_firing_alert_on_five_minute_cloud_data_never_flaps_to_no_data(tmp_path: Path) -> None:
    # GIVEN `error_rate > 2%` on a Lambda with a point every 5 minutes, all at 9%
    notifier, clock = InMemoryNotifier(), MovingClock(NOW)
    services = _cron("error_rate > 2%", notifier, clock)
    # WHEN the scheduler runs every minute for 12 minutes, and someone tests it each minute
    ticks, tests = [], []
    for minute in range(12):
        clock.at = NOW + minute * MINUTE
        ticks.append(dict(run_scheduler_at(services, clock.at).fields))
        tests.append(run_deferred(services, "alert test errs", user="vic", channel="C-pay").title)
    # THEN it fires at once and stays firing: never no data, never data back, one message
    assert [t["Fired"] for t in ticks] == ["errs"] + ["none"] * 11, ticks
    assert not [t for t in ticks if "No data" in t or "Data back" in t], ticks
    fired = [r.title for _, r in notifier.posted if r.title.startswith("FIRING")]
    assert fired == ["FIRING cron: errs"], fired
    assert notifier.updated == []
    # AND `alert test` agrees with the scheduler each minute
    assert tests == ["Test of errs: it would stay firing"] * 12, tests


def test_a_for_alert_on_five_minute_cloud_data_fires_once_it_has_held(tmp_path: Path) -> None:
    # GIVEN `for 10m` on the same Lambda
    notifier, clock = InMemoryNotifier(), MovingClock(NOW)
    services = _cron("error_rate > 2% for 10m", notifier, clock)
    # WHEN the scheduler runs every minute for 12 minutes
    states = []
    for minute in range(12):
        clock.at = NOW + minute * MINUTE
        run_scheduler_at(services, clock.at)
        states.append(alert_states(services)["errs"])
    # THEN it is pending for 10 minutes (no evaluation drops it), then fires
    assert states == ["pending"] * 10 + ["firing"] * 2, states


def test_a_for_alert_on_a_file_written_in_five_minute_batches_fires(tmp_path: Path) -> None:
    # GIVEN `for 10m` on a one-minute file at 9% whose exporter appends its rows every 5 minutes
    folder = tmp_path / "metrics"
    folder.mkdir()
    write_metrics(folder / "web.csv", every(MINUTE, start=NOW - 60 * MINUTE, end=NOW, value=9))
    notifier = InMemoryNotifier()
    services = file_alerting(folder, MovingClock(NOW), notifier)
    register_file(services, "web", "web.csv")
    create = 'alert create errors --service web --when "error_rate > 2% for 10m"'
    assert run(services, create, user="oli", channel="C-pay").tone is Tone.OK
    # WHEN the scheduler runs every minute for 15 minutes, the rows up to the last whole batch
    states = []
    for minute in range(15):
        latest = NOW + (5 * (minute // 5) - 1) * MINUTE
        rows = every(MINUTE, start=NOW - 60 * MINUTE, end=latest, value=9)
        write_metrics(folder / "web.csv", rows)
        run_scheduler_at(services, NOW + minute * MINUTE)
        states.append(alert_states(services)["errors"])
    # THEN it is pending for 10 minutes, never dropped between two batches, then fires
    assert states == ["pending"] * 10 + ["firing"] * 5, states
    assert [r.title for _, r in notifier.posted] == ["FIRING web: errors"]
