"""The monthly usage summary through the bus: the scheduler's first tick of December tells each
team of each org its November in its own channel, the figures `sre usage --month` shows, once
however many ticks and workers run, audited as the scheduler; nothing for an org that used
nothing, and never another org's or team's figures."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from shared.adapters.local.sample_metrics import SampleMetricsSource
from shared.adapters.memory import InMemoryAuditLog, InMemoryDirectory
from shared.adapters.memory_quotas import InMemoryQuotas
from shared.audit.models import ORG_STREAM, AuditRecord, StreamKey
from shared.bootstrap.adapters import Adapters
from shared.bootstrap.wiring import Services, build
from shared.config import Settings
from shared.identity.models import Actor, ChannelBinding, OrgId, Platform, UserId
from shared.invocation import Invocation, ReplyTarget
from shared.quotas.models import QuotaBook
from shared.replies import Reply, Tone
from shared.scheduling.triggers import run_tick
from shared.telemetry.models import ResourceKind
from tests.support import (
    NOW,
    ORG,
    MovingClock,
    memory_adapters,
    notifier_of,
    run,
    setup_teams,
)
from tests.support import records as entries
from tests.support.deployments import two_teams_investigated

OTHER = OrgId("slack:T2")
QUIET = OrgId("slack:T3")
DECEMBER = datetime(2026, 12, 1, 0, 0, 20, tzinfo=UTC)
SETTINGS = Settings(org_admins=("slack:T1:root", "slack:T2:root", "slack:T3:root"))


def _as(services: Services, org: OrgId, text: str, channel: str, *, at: datetime = NOW) -> Reply:
    """`text` from root of `org` in `channel` at `at`; the worker's reply when deferred."""
    reply = services.bus.handle(
        Invocation(
            actor=Actor(platform=Platform.SLACK, org=org, user=UserId("root")),
            channel=channel,
            text=text,
            correlation_id=f"{org}-{abs(hash(text)) % 10**6}",
            received_at=at,
            reply_to=ReplyTarget(platform=Platform.SLACK, channel=channel),
        )
    )
    if reply.tone is Tone.ACCEPTED:
        (task,) = services.tasks.drain()  # type: ignore[attr-defined]
        reply = services.run_task(task)
    assert not reply.failed, (org, text, reply)
    return reply


class _NoSummaryLog(InMemoryAuditLog):
    """An audit log that takes no summary entry while `down` (the bucket unreachable then)."""

    down = False

    def put(self, record: AuditRecord) -> None:
        if self.down and record.command.startswith("usage monthly summary"):
            raise OSError("the audit bucket is unreachable")
        super().put(record)


class _Unreadable:
    """While `down` names an org, its prices (the quotas' book) or its channel bindings cannot
    be read (the table unreachable then)."""

    down: OrgId | None = None

    def refused(self, org: OrgId) -> None:
        """Raise for the org that cannot be read."""
        if org == self.down:
            raise OSError("the table is unreachable")


class _UnreadableQuotas(InMemoryQuotas, _Unreadable):
    def book(self, org: OrgId) -> QuotaBook:
        self.refused(org)
        return super().book(org)


class _UnreadableDirectory(InMemoryDirectory, _Unreadable):
    def list_bindings(self, org: OrgId) -> Sequence[ChannelBinding]:
        self.refused(org)
        return super().list_bindings(org)


def _deployment(
    clock: MovingClock,
    log: InMemoryAuditLog | None = None,
    *,
    quotas: InMemoryQuotas | None = None,
    directory: InMemoryDirectory | None = None,
) -> tuple[Services, Adapters]:
    """Org 1: payments (bound to C-pay) investigated twice, search (bound to C-search) once;
    org 2: its ledger team (bound to C-ledger) investigated once; org 3: a bound team that
    used nothing. All in November."""
    adapters = memory_adapters(
        clock,
        metrics={ResourceKind.SAMPLE: SampleMetricsSource(clock=clock)},
        audit_log=log or InMemoryAuditLog(),
        quotas=quotas or InMemoryQuotas(),
        directory=directory or InMemoryDirectory(),
    )
    services = build(SETTINGS, adapters)
    setup_teams(services)
    two_teams_investigated(services)
    for org, team in ((OTHER, "ledger"), (QUIET, "quiet")):
        made = f"team member add root --role admin --team {team}"
        for text in (f"team create {team}", made, f"team bind --team {team}"):
            _as(services, org, text, f"C-{team}")
    _as(services, OTHER, "service register ledger-api --sample checkout", "C-ledger")
    _as(services, OTHER, "investigate ledger-api", "C-ledger")
    return services, adapters


def _summaries(services: Services) -> list[tuple[ReplyTarget, Reply]]:
    return [
        (where, reply)
        for where, reply in notifier_of(services).posted
        if reply.title.startswith("Monthly summary")
    ]


def test_the_first_tick_of_a_month_tells_each_team_its_month_once_as_sre_usage_shows_it() -> None:
    services, adapters = _deployment(MovingClock(NOW))
    # GIVEN November's usage of two orgs, and a tick on the last minute of November
    run_tick(services.bus, trigger="nov-last", now=DECEMBER - timedelta(minutes=1))
    assert _summaries(services) == []
    # WHEN the first ticks of December run, on two workers of the same deployment
    second_worker = build(SETTINGS, adapters)
    for minute, bus in enumerate([services.bus, second_worker.bus, services.bus]):
        run_tick(bus, trigger=f"dec-{minute}", now=DECEMBER + timedelta(minutes=minute))
    # THEN each team with usage is told once, in its own channel only
    told = {where.channel: reply for where, reply in _summaries(services)}
    assert sorted(where.channel or "" for where, _ in _summaries(services)) == [
        "C-ledger",
        "C-pay",
        "C-search",
    ]
    # AND its figures are those `sre usage --month 2026-11` shows the team, with the export hint
    for channel, team in (("C-pay", "payments"), ("C-search", "search")):
        shown = run(services, f"usage --month 2026-11 --team {team}", channel=channel)
        assert told[channel].fields == shown.fields, (told[channel], shown)
        assert told[channel].title == f"Monthly summary: Usage of team {team} in 2026-11"
        assert f"`sre usage --month 2026-11 --csv --team {team}`" in (told[channel].text or "")
    assert dict(told["C-pay"].fields)["payments"].startswith("investigations 2 ($0.00)")
    ledger = _as(services, OTHER, "usage --month 2026-11", "C-ledger")
    assert told["C-ledger"].fields == ledger.fields
    # AND no summary shows another org's or another team's figures
    assert "ledger" not in str(told["C-pay"]) + str(told["C-search"])
    assert "payments" not in str(told["C-search"]) + str(told["C-ledger"])
    # AND each org's trail says the scheduler told it, once; the quiet org's says nothing
    for org in (ORG, OTHER):
        said = [
            e
            for e in entries(adapters.audit_log, StreamKey(org=org, team=ORG_STREAM))
            if e.command == "usage monthly summary told 2026-11"
        ]
        assert [e.actor.user for e in said] == ["scheduler"], said
    quiet = entries(adapters.audit_log, StreamKey(org=QUIET, team=ORG_STREAM))
    assert not [e for e in quiet if e.command.startswith("usage")]


def test_an_org_that_used_nothing_last_month_is_told_nothing() -> None:
    clock = MovingClock(NOW)
    services, _ = _deployment(clock)
    # GIVEN the quiet org uses the sample in December only
    clock.at = DECEMBER
    _as(services, QUIET, "service register quiet-api --sample checkout", "C-quiet")
    _as(services, QUIET, "investigate quiet-api", "C-quiet", at=DECEMBER)
    # WHEN the first ticks of December and of January run
    run_tick(services.bus, trigger="dec", now=DECEMBER)
    assert "C-quiet" not in [where.channel for where, _ in _summaries(services)]
    run_tick(services.bus, trigger="jan", now=datetime(2027, 1, 1, 0, 1, tzinfo=UTC))
    # THEN its December is told in January, and no one was told anything about November twice
    channels = [(where.channel, reply.title[-7:]) for where, reply in _summaries(services)]
    assert channels.count(("C-quiet", "2026-12")) == 1
    assert ("C-quiet", "2026-11") not in channels
    assert channels.count(("C-pay", "2026-11")) == 1


def test_a_summary_that_cannot_be_audited_is_not_posted_and_is_told_at_the_next_tick() -> None:
    log = _NoSummaryLog()
    services, _ = _deployment(MovingClock(NOW), log)
    # GIVEN the audit store refuses the summary's entry at the first tick of December
    log.down = True
    run_tick(services.bus, trigger="dec-0", now=DECEMBER)
    # THEN nothing is posted
    assert _summaries(services) == []
    # WHEN the store is back at the next tick
    log.down = False
    run_tick(services.bus, trigger="dec-1", now=DECEMBER + timedelta(minutes=1))
    # THEN each team is told, once
    assert sorted(where.channel or "" for where, _ in _summaries(services)) == [
        "C-ledger",
        "C-pay",
        "C-search",
    ]


def _told_in(adapters: Adapters, org: OrgId) -> list[str]:
    """The summaries the org's trail says the scheduler told."""
    return [
        e.command
        for e in entries(adapters.audit_log, StreamKey(org=org, team=ORG_STREAM))
        if e.command.startswith("usage monthly summary")
    ]


@pytest.mark.parametrize("unreadable", ["prices", "channels"])
def test_an_org_whose_summary_cannot_be_read_is_told_at_the_next_tick_and_others_at_once(
    unreadable: str,
) -> None:
    quotas, directory = _UnreadableQuotas(), _UnreadableDirectory()
    failing = quotas if unreadable == "prices" else directory
    services, adapters = _deployment(MovingClock(NOW), quotas=quotas, directory=directory)
    # GIVEN org 1's prices (or its channels) cannot be read at the first tick of December
    failing.down = ORG
    tick = run_tick(services.bus, trigger="dec-0", now=DECEMBER)
    # THEN the tick says so; org 1 is told nothing and its trail says nothing; org 2, listed
    # after it, is told
    usage = dict(tick.fields)["Usage"]
    assert "usage summary of 2026-11 not told (slack:T1): the table is unreachable" in usage
    assert [where.channel for where, _ in _summaries(services)] == ["C-ledger"]
    assert _told_in(adapters, ORG) == []
    # WHEN the read works again at the next tick
    failing.down = None
    run_tick(services.bus, trigger="dec-1", now=DECEMBER + timedelta(minutes=1))
    # THEN org 1's teams are told then, once, audited once; org 2 is not told twice
    assert sorted(where.channel or "" for where, _ in _summaries(services)) == [
        "C-ledger",
        "C-pay",
        "C-search",
    ]
    assert _told_in(adapters, ORG) == ["usage monthly summary told 2026-11"]
