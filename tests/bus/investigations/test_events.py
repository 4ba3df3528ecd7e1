"""An investigation's report, through the bus, lists the service's deploy and canary steps as
audited, never Auto SRE's own bookkeeping."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from shared.adapters.memory import FixedClock, InMemoryNotifier
from shared.bootstrap.memory import for_memory
from shared.config import Settings
from shared.identity.models import Platform
from shared.replies import Reply, Tone
from tests.support import (
    NOW,
    MovingClock,
    run,
    run_deferred,
    run_scheduler,
    run_scheduler_at,
    setup_teams,
)
from tests.support.deployments import canary_services, start_canary


def _incident(path: Path, start: datetime, minutes: int = 360) -> None:
    """Six hours a minute apart (the first `minutes` of them, as an exporter has written them
    so far): deploy v7 at 08:48, errors and p99 up from 08:50."""
    rows = ["timestamp,p99_latency,error_rate,event"]
    for i in range(minutes):
        broken = i >= 320
        cell = "deploy v7" if i == 318 else ""
        at = (start + timedelta(minutes=i)).isoformat()
        rows.append(f"{at},{900 if broken else 300 + i % 9},{4.0 if broken else 0.1},{cell}")
    path.write_text("\n".join(rows) + "\n")


def _investigated(tmp_path: Path) -> Reply:
    start = NOW - timedelta(hours=6)
    clock = FixedClock(start + timedelta(minutes=300))  # 08:30
    folder = tmp_path / "metrics"
    folder.mkdir()
    _incident(folder / "incident.csv", start, minutes=301)  # written up to 08:30
    settings = Settings(org_admins=("slack:T1:root",), metrics_dir=folder)
    services = for_memory(settings, clock=clock, notifier=InMemoryNotifier())
    setup_teams(services)
    register = "service register legacy --metrics-file incident.csv"
    registered = run(services, register, user="oli", channel="C-pay", platform=Platform.LOCAL)
    assert registered.tone is Tone.OK, registered
    _incident(folder / "incident.csv", start)  # the rest, as the exporter writes it
    # one minute before the errors rise (a minute after the deploy), bookkeeping
    clock.current = start + timedelta(minutes=319)
    for text in (
        'alert create errors --service legacy --when "error_rate > 1"',
        "team bind C-ops --team payments",
    ):
        assert not run(services, text, user="ann", channel="C-pay").failed, text
    clock.current = start + timedelta(minutes=325)
    run_scheduler_at(services, clock.current)  # the alert fires on the file's errors
    clock.current = NOW
    return run_deferred(services, "investigate legacy --window 2h", user="rey", channel="C-pay")


def test_the_report_lists_the_deploy_and_never_the_bookkeeping(tmp_path: Path) -> None:
    # GIVEN a service whose file has a deploy, then bookkeeping, then an error spike
    # WHEN it is investigated
    report = _investigated(tmp_path)
    # THEN the headline names the deploy, not the bookkeeping a minute before the change
    assert "after deploy v7" in report.title, report.title
    events = dict(report.fields)["Events"]
    assert "08:48 deploy v7" in events.splitlines()
    times = [line.split()[0] for line in events.splitlines()]
    assert times == sorted(times), events  # chosen by relevance, shown in time order
    assert "alert errors fired" in events
    assert "`sre service register legacy" in events
    for bookkeeping in ("alert create", "team bind", "team create", "member add"):
        assert bookkeeping not in events and bookkeeping not in report.text, bookkeeping


def test_a_canarys_steps_on_the_service_are_listed_as_the_scheduler_audited_them() -> None:
    # GIVEN a canary of release 43 on the sample, stepped by the scheduler
    clock = MovingClock(NOW)
    services = canary_services(clock)
    canary = start_canary(services, "43")
    for _ in range(2):
        run_scheduler(services, clock, 5)
    # WHEN the sample is investigated
    report = run_deferred(services, "investigate checkout-api", user="rey", channel="C-pay")
    # THEN its events name the canary's start and steps (the scheduler's audit entries)
    events = dict(report.fields)["Events"]
    assert "`sre canary start checkout-api --version=43` by @oli" in events, events
    assert f"canary {canary} advanced (25% of traffic)" in events, events
