"""Events that explain: only a service's deploys, changes, canary steps and alert firings are
listed, most relevant first, never Auto SRE's own bookkeeping; the event a finding names is
always listed."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from shared.adapters.memory import FixedClock, InMemoryNotifier
from shared.audit.models import AuditRecord, Outcome
from shared.bootstrap.memory import for_memory
from shared.bootstrap.wiring import Services
from shared.config import Settings
from shared.identity.models import Actor, OrgId, Platform, UserId
from shared.investigations.events import audited
from shared.replies import Reply, Tone
from shared.telemetry.events import listed, ranked
from shared.telemetry.models import Event, Finding, ResourceKind, Signal
from tests.support import NOW, invocation, run, run_deferred, service_of, setup_teams
from tests.unit.alerts.test_scheduler import Clock
from tests.unit.canary.test_canary import _services as canary_services
from tests.unit.canary.test_canary import _start as start_canary
from tests.unit.canary.test_canary import _tick as canary_tick

WEB = service_of(ResourceKind.AWS_LAMBDA, "web-fn", name="web")


def _record(command: str, at: datetime, *, target: str = "", **details: str) -> AuditRecord:
    scheduled = not command.startswith("sre ")
    user = "scheduler" if scheduled else "dana"
    platform = Platform.SCHEDULER if scheduled else Platform.SLACK
    return AuditRecord(
        id=command,
        time=at,
        org=OrgId("slack:T1"),
        team="payments",
        actor=Actor(platform=platform, org=OrgId("slack:T1"), user=UserId(user)),
        command=command,
        target=target,
        outcome=Outcome.SUCCEEDED,
        correlation_id="c",
        details=details,
        seq=1,
        prev_hash="0" * 64,
        hash="f" * 64,
    )


def _audited(*records: AuditRecord) -> list[str]:
    found = audited(records, WEB, start=NOW - timedelta(hours=5), end=NOW)
    return [e.summary for e in found]


def test_bookkeeping_is_never_an_event() -> None:
    # GIVEN a trail of the team's bookkeeping around the window
    bookkeeping = [
        'sre alert create slow --service web --when="p99_latency > 800ms"',
        "sre alert ack slow",
        "sre alert silence slow --duration=1h",
        "sre investigation open web --window=2h",
        "sre investigation join inv-1",
        "sre investigation comment inv-1 'looking'",
        "sre team bind C-pay --team=payments",
        "sre team member add rey --role=responder",
        "sre org grant rey auditor",
        "sre service share web --to=search --team=payments",
    ]
    # WHEN the investigation asks which of them are changes of web
    # THEN none is
    assert _audited(*(_record(text, NOW - timedelta(minutes=9)) for text in bookkeeping)) == []


def test_changes_of_the_service_are_events_and_other_services_are_not() -> None:
    at = NOW - timedelta(minutes=20)
    found = _audited(
        _record("sre service signal set web p99_latency --metric=Duration", at),
        _record("sre service signal set api p99_latency --metric=Duration", at),
        _record("sre service register web --aws-lambda=web-fn", at),
        _record("alert fired slow", at, target="web"),
        _record("alert fired other", at, target="api"),
        _record("alert resolved slow", at, target="web"),
        _record("canary advanced can-1", at, target="web-fn:live", weight="0.25"),
        _record("canary advanced can-2", at, target="api-fn:live", weight="0.25"),
        _record("canary rolled back can-1", at, target="web-fn:live", weight="0"),
        _record("sre canary start web --version=43", at),
        _record("sre canary promote can-1", at),
        _record("sre canary promote can-2", at),
    )
    assert found == [
        "`sre service signal set web p99_latency --metric=Duration` by @dana",
        "`sre service register web --aws-lambda=web-fn` by @dana",
        "alert slow fired",
        "canary can-1 advanced (25% of traffic)",
        "canary can-1 rolled back (0% of traffic)",
        "`sre canary start web --version=43` by @dana",
        "`sre canary promote can-1` by @dana",
    ]


def test_only_succeeded_changes_inside_the_window_count() -> None:
    inside = _record("sre service remove web", NOW - timedelta(hours=1))
    failed = inside.model_copy(update={"outcome": Outcome.FAILED})
    before = inside.model_copy(update={"time": NOW - timedelta(hours=6)})
    assert _audited(failed, before) == []
    assert _audited(inside) == ["`sre service remove web` by @dana"]


def _event(kind: str, minutes: int, summary: str = "") -> Event:
    return Event(time=NOW - timedelta(minutes=minutes), kind=kind, summary=summary or kind)


def test_events_are_ranked_deploys_changes_canaries_alerts_then_others() -> None:
    events = [
        _event("alert", 1),
        _event("event", 2, "cache flushed"),
        _event("canary", 3),
        _event("change", 4),
        _event("deploy", 50, "deploy v6"),
        _event("event", 5, "Deploy v7 of web"),  # a metrics file's free text naming a deploy
    ]
    assert [e.summary for e in ranked(events)] == [
        "Deploy v7 of web",
        "deploy v6",
        "change",
        "canary",
        "alert",
        "cache flushed",
    ]


def test_the_event_a_finding_names_is_listed_even_past_the_cap() -> None:
    deploys = [_event("deploy", m, f"deploy v{m}") for m in range(10)]
    old = _event("alert", 200, "alert slow fired")
    finding = Finding(
        signal=Signal.ERROR_RATE,
        onset=NOW - timedelta(minutes=190),
        baseline=0.1,
        current=4.0,
        confidence=1.0,
        evidence="error rate",
        near=old,
    )
    shown = listed([*deploys, old], [finding], limit=3)
    assert shown == [old, deploys[0], deploys[1]]
    assert listed([*deploys, old], [], limit=3) == deploys[:3]


# -- through the bus: a metrics file with a deploy, and bookkeeping just before the change --


def _incident(path: Path, start: datetime) -> None:
    """Six hours a minute apart: deploy v7 at 08:48, errors and p99 up from 08:50."""
    rows = ["timestamp,p99_latency,error_rate,event"]
    for i in range(360):
        broken = i >= 320
        cell = "deploy v7" if i == 318 else ""
        at = (start + timedelta(minutes=i)).isoformat()
        rows.append(f"{at},{900 if broken else 300 + i % 9},{4.0 if broken else 0.1},{cell}")
    path.write_text("\n".join(rows) + "\n")


def _tick(services: Services, clock: FixedClock) -> None:
    at = invocation("scheduler run-once", channel=None)
    reply = services.bus.handle(at.model_copy(update={"received_at": clock.current}))
    assert reply.tone is Tone.OK, reply


def _investigated(tmp_path: Path) -> Reply:
    start = NOW - timedelta(hours=6)
    clock = FixedClock(start + timedelta(minutes=300))  # 08:30
    folder = tmp_path / "metrics"
    folder.mkdir()
    _incident(folder / "incident.csv", start)
    settings = Settings(org_admins=("slack:T1:root",), metrics_dir=folder)
    services = for_memory(settings, clock=clock, notifier=InMemoryNotifier())
    setup_teams(services)
    register = "service register legacy --metrics-file incident.csv"
    registered = run(services, register, user="oli", channel="C-pay", platform=Platform.LOCAL)
    assert registered.tone is Tone.OK, registered
    # one minute before the errors rise (a minute after the deploy), bookkeeping
    clock.current = start + timedelta(minutes=319)
    for text in (
        'alert create errors --service legacy --when "error_rate > 1"',
        "team bind C-ops --team payments",
    ):
        assert not run(services, text, user="ann", channel="C-pay").failed, text
    clock.current = start + timedelta(minutes=325)
    _tick(services, clock)  # the alert fires on the file's errors
    clock.current = NOW
    return run_deferred(services, "investigate legacy --window 2h", user="rey", channel="C-pay")


def test_the_report_lists_the_deploy_and_never_the_bookkeeping(tmp_path: Path) -> None:
    # GIVEN a service whose file has a deploy, then bookkeeping, then an error spike
    # WHEN it is investigated
    report = _investigated(tmp_path)
    # THEN the headline names the deploy, not the bookkeeping a minute before the change
    assert "after deploy v7" in report.title, report.title
    events = dict(report.fields)["Events"]
    assert events.splitlines()[0] == "08:48 deploy v7"
    assert "alert errors fired" in events
    assert "`sre service register legacy" in events
    for bookkeeping in ("alert create", "team bind", "team create", "member add"):
        assert bookkeeping not in events and bookkeeping not in report.text, bookkeeping


def test_a_canarys_steps_on_the_service_are_listed_as_the_scheduler_audited_them() -> None:
    # GIVEN a canary of release 43 on the sample, stepped by the scheduler
    clock = Clock(NOW)
    services = canary_services(clock)
    canary = start_canary(services, "43")
    for _ in range(2):
        canary_tick(services, clock, 5)
    # WHEN the sample is investigated
    report = run_deferred(services, "investigate checkout-api", user="rey", channel="C-pay")
    # THEN its events name the canary's start and steps (the scheduler's audit entries)
    events = dict(report.fields)["Events"]
    assert "`sre canary start checkout-api --version=43` by @oli" in events, events
    assert f"canary {canary} advanced (25% of traffic)" in events, events
