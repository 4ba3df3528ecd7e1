"""An org the app was uninstalled from: the scheduler evaluates none of its alert policies (no
provider call) while other orgs' fire in the same tick; its running canary is rolled back and its
experiment halted, each once, audited in its trail (kept, and verifying); its queued tasks are not
run; a new install resumes its work."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from shared.adapters.local.sample_metrics import SampleMetricsSource
from shared.adapters.memory import InMemoryAlertStore
from shared.alerts.states import State
from shared.audit.models import ORG_STREAM, Outcome, StreamKey
from shared.bootstrap.wiring import Services, build
from shared.config import Settings
from shared.identity.models import OrgId, UserId
from shared.invocation import ReplyTarget
from shared.replies import Tone
from shared.scheduling.triggers import run_tick
from shared.telemetry.models import MetricQuery, ResourceKind
from shared.telemetry.ports import MetricsSource, Points
from tests.support import (
    NOW,
    ORG,
    MovingClock,
    ask,
    investigate,
    memory_adapters,
    notifier_of,
    records,
    run,
    run_deferred,
    run_worker,
    setup_teams,
)
from tests.support.alerting import FAST, SLOW, Busy, team_with_alerts
from tests.support.chaos import adapters_of, chaos_of, chaos_services, injector_of, start_experiment
from tests.support.deployments import REGISTER, start_canary

UNINSTALLED = "the app was uninstalled from the workspace"
DECEMBER = datetime(2026, 12, 1, 0, 0, 20, tzinfo=UTC)
HARMLESS = 'checkout-api --fault delay:100ms --expect "p99_latency < 2s"'


class CountedBusy(Busy):
    """Every Lambda at 50 invocations a minute; the reads of each function counted."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: Counter[str] = Counter()

    def read(
        self, queries: Sequence[MetricQuery], *, start: datetime, end: datetime, step: int
    ) -> list[Points]:
        """Counted, then read."""
        for query in queries:
            self.reads.update(query.dimensions.values())
        return super().read(queries, start=start, end=end, step=step)


def _tick(services: Services, at: datetime) -> dict[str, str]:
    """One scheduled tick of every org at `at`; its report's fields."""
    reply = run_tick(services.bus, trigger=f"tick-{at:%H%M}", now=at)
    assert reply.tone is Tone.OK, reply
    return dict(reply.fields)


def _uninstall(services: Services, org: OrgId) -> None:
    """Slack tells the app was uninstalled from `org` (its tokens already forgotten)."""
    services.org_installs().uninstalled(org, forget=lambda: None)


def test_an_uninstalled_orgs_alerts_are_not_evaluated_and_a_new_install_resumes_them() -> None:
    # GIVEN two orgs, each with the alert `busy` on its Lambda, both over their threshold
    clock = MovingClock(NOW)
    store = InMemoryAlertStore()
    provider = CountedBusy()
    sources: dict[ResourceKind, MetricsSource] = {ResourceKind.AWS_LAMBDA: provider}
    adapters = memory_adapters(clock, alerts=store, metrics=sources)
    services = build(Settings(org_admins=("slack:T1:root", f"{SLOW}:root")), adapters)
    for org, fn in ((FAST, "fn-t1"), (SLOW, "fn-t2")):
        team_with_alerts(services, store, org, fn=fn)
    # WHEN the app is uninstalled from SLOW and the scheduler ticks
    _uninstall(services, SLOW)
    said = _tick(services, clock.at)
    # THEN FAST's alert fires in that tick, and SLOW's provider is never called
    assert said["Fired"] == "busy"
    assert provider.reads["fn-t1"] > 0 and provider.reads["fn-t2"] == 0
    state = {p.org: p.status.state for p in store.every()}
    assert state == {FAST: State.FIRING, SLOW: State.INACTIVE}
    # AND the uninstall is in SLOW's trail, kept and verifying
    told = [
        (e.command, e.outcome)
        for e in records(services.audit_log, StreamKey(org=SLOW, team=ORG_STREAM))
    ]
    assert told[-2:] == [("app uninstall", Outcome.REQUESTED), ("app uninstall", Outcome.SUCCEEDED)]
    # WHEN a workspace admin installs the app again, and the scheduler ticks a minute on
    services.org_installs().installed(SLOW, UserId("U0NEW"), save=lambda: None)
    said = _tick(services, clock.at + timedelta(minutes=1))
    # THEN SLOW's alert is evaluated again, and fires
    assert provider.reads["fn-t2"] > 0
    assert said["Fired"] == "busy"
    assert {p.org: p.status.state for p in store.every()}[SLOW] is State.FIRING


def test_an_uninstalled_orgs_canary_is_rolled_back_and_its_experiment_halted_once() -> None:
    # GIVEN a running canary and a running experiment on checkout-api, and a queued investigation
    clock = MovingClock(NOW)
    services = chaos_services(clock)
    canary = start_canary(services, "43")
    experiment = start_experiment(services, HARMLESS)
    assert (
        run(services, "investigate checkout-api", user="rey", channel="C-pay").tone is Tone.ACCEPTED
    )
    posted = len(notifier_of(services).posted)
    # WHEN the app is uninstalled from the workspace and the scheduler ticks
    _uninstall(services, ORG)
    said = _tick(services, clock.at + timedelta(minutes=1))
    # THEN the canary is rolled back, all traffic on the stable version, with the reason
    assert said["Canaries"] == f"checkout-api version 43 ({canary}) rolled back: {UNINSTALLED}"
    route = adapters_of(services).routers[ResourceKind.SAMPLE].route("checkout:live")
    assert (route.stable, route.canary) == ("41", None)
    # AND the experiment is halted and its fault removed, verified
    assert said["Chaos"] == f"{experiment} ended: halted"
    stored = chaos_of(services).store.get(ORG, experiment)
    assert stored is not None and stored.history[-2].reason == UNINSTALLED
    assert all(injector_of(services).removed(i.handle) for i in stored.injections)
    # AND each is audited once in the team's trail, as the scheduler
    trail = [
        (str(e.actor.user), e.command)
        for e in records(services.audit_log, StreamKey(org=ORG, team="payments"))
    ]
    assert trail.count(("scheduler", f"canary rolled back {canary}")) == 1
    assert trail.count(("scheduler", f"chaos halted {experiment}")) == 1
    # AND the next tick does nothing more for the org
    again = _tick(services, clock.at + timedelta(minutes=2))
    assert (again["Canaries"], again["Chaos"]) == ("none due", "no step due")
    # AND the queued investigation is not run: audited as failed with the reason, posted nowhere
    (refused,) = run_worker(services)
    assert refused.tone is Tone.ERROR and UNINSTALLED in refused.text
    assert len(notifier_of(services).posted) == posted
    failed = [
        e
        for e in records(services.audit_log, StreamKey(org=ORG, team="payments"))
        if e.outcome is Outcome.FAILED
    ]
    assert (
        failed[-1].command.startswith("sre investigation open")
        and UNINSTALLED in failed[-1].details["error"]
    )
    # AND the org's trail is kept and verifies
    assert ask(services, "audit verify --all").tone is Tone.OK


def test_an_uninstalled_orgs_game_day_does_not_start_until_the_app_is_installed_again() -> None:
    # GIVEN a weekly game day in the window Sunday 10:00-12:00 (NOW is Sunday 09:30)
    clock = MovingClock(NOW)
    services = chaos_services(clock)
    every = f'chaos start {HARMLESS} --every 7d --window "Sun 10:00-12:00"'
    assert run_deferred(services, every, user="oli", channel="C-pay").tone is Tone.OK
    # WHEN the app is uninstalled and the scheduler ticks inside the window
    _uninstall(services, ORG)
    said = _tick(services, NOW + timedelta(minutes=35))
    # THEN no experiment is started
    assert said["Chaos"] == "no step due"
    assert chaos_of(services).store.list_for(ORG, "payments") == []
    # WHEN it is installed again, and the scheduler ticks a minute later
    services.org_installs().installed(ORG, UserId("U0NEW"), save=lambda: None)
    said = _tick(services, NOW + timedelta(minutes=36))
    # THEN the game day starts its experiment
    assert " started chx-" in said["Chaos"], said
    assert len(chaos_of(services).store.list_for(ORG, "payments")) == 1


def test_an_uninstalled_org_is_not_told_its_monthly_summary_until_installed_again() -> None:
    # GIVEN payments investigated checkout-api in November
    clock = MovingClock(NOW)
    metrics: dict[ResourceKind, MetricsSource] = {
        ResourceKind.SAMPLE: SampleMetricsSource(clock=clock)
    }
    services = build(
        Settings(org_admins=("slack:T1:root",)), memory_adapters(clock, metrics=metrics)
    )
    setup_teams(services)
    assert not run(services, REGISTER, user="oli").failed
    assert not investigate(services, "investigate checkout-api").failed
    # WHEN the app is uninstalled, and the first tick of December runs
    _uninstall(services, ORG)
    _tick(services, DECEMBER)
    # THEN no summary is told
    assert _summaries(services) == []
    # WHEN it is installed again, and the next tick runs
    services.org_installs().installed(ORG, UserId("U0NEW"), save=lambda: None)
    _tick(services, DECEMBER + timedelta(minutes=1))
    # THEN November is told in the team's channel
    assert [where.channel for where in _summaries(services)] == ["C-pay"]


def _summaries(services: Services) -> list[ReplyTarget]:
    """Where a monthly summary was posted."""
    return [w for w, r in notifier_of(services).posted if r.title.startswith("Monthly summary")]
