"""The org's channel and its monthly summary through the bus: an org admin binds the org's
channel (`sre org bind`, audited), and the first tick of a month posts there every team's figures
and the org's total, as `sre usage --all --month` shows them, once; each team's channel still
gets its own figures only, and no org sees another's. An org with no channel of its own is told
nowhere org-wide, and the tick says how to bind one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.adapters.local.sample_metrics import SampleMetricsSource
from shared.audit.models import ORG_STREAM, Outcome, StreamKey
from shared.bootstrap.wiring import Services, build
from shared.config import Settings
from shared.identity.models import ChannelBinding, ChannelId, OrgId, UserId
from shared.quotas.usage_summary import NO_ORG_CHANNEL
from shared.replies import Reply, Tone
from shared.scheduling.triggers import run_tick
from shared.telemetry.models import ResourceKind
from tests.support import (
    NOW,
    ORG,
    MovingClock,
    in_org,
    memory_adapters,
    notifier_of,
    records,
    run,
    setup_teams,
)
from tests.support.deployments import two_teams_investigated

OTHER = OrgId("slack:T2")
DECEMBER = datetime(2026, 12, 1, 0, 0, 20, tzinfo=UTC)
EVERY_TEAM = "Monthly summary: Usage of every team in 2026-11"


def _as_other(services: Services, text: str) -> Reply:
    """`text` from root, the admin of another org, in its channel C-ledger."""
    reply = in_org(services, OTHER, text, user="root", channel="C-ledger")
    assert not reply.failed, (text, reply)
    return reply


def _services() -> Services:
    """Org 1: payments investigated twice, search once, at $1 a sample read; org 2: its ledger
    team (bound to C-ledger) investigated once, and no org channel. All in November."""
    clock = MovingClock(NOW)
    metrics = {ResourceKind.SAMPLE: SampleMetricsSource(clock=clock)}
    settings = Settings(org_admins=("slack:T1:root", "slack:T2:root"))
    services = build(settings, memory_adapters(clock, metrics=metrics))
    setup_teams(services)
    two_teams_investigated(services)
    for text in (
        "team create ledger",
        "team member add root --role admin --team ledger",
        "team bind --team ledger",
        "service register ledger-api --sample checkout",
        "investigate ledger-api",
    ):
        _as_other(services, text)
    return services


def _summaries(services: Services) -> list[tuple[str, Reply]]:
    return [
        (where.channel or "", reply)
        for where, reply in notifier_of(services).posted
        if reply.title.startswith("Monthly summary")
    ]


def test_the_org_channel_gets_every_teams_month_and_the_total_once_as_usage_all_shows() -> None:
    services = _services()
    # GIVEN root, the org admin, binds C-org as the org's channel, typing it there
    bound = run(services, "org bind", channel="C-org")
    assert bound.tone is Tone.OK, bound
    assert bound.title == "#C-org is the org's channel"
    assert dict(run(services, "whoami", user="vic").fields)["Org channel"] == "#C-org"
    # WHEN the first ticks of December run
    ticks = [
        run_tick(services.bus, trigger=f"dec-{minute}", now=DECEMBER + timedelta(minutes=minute))
        for minute in range(3)
    ]
    # THEN the org's channel is told once, with the figures `sre usage --all --month` shows
    told = _summaries(services)
    org_wide = [reply for channel, reply in told if channel == "C-org"]
    assert [reply.title for reply in org_wide] == [EVERY_TEAM]
    every = run(services, "usage --all --month 2026-11")
    assert org_wide[0].fields == every.fields
    assert sorted(dict(org_wide[0].fields)) == ["payments", "search"]
    assert (org_wide[0].text or "").startswith(every.text or "-")
    assert "Estimated cost $" in (org_wide[0].text or "")
    assert "`sre usage --month 2026-11 --csv --all`" in (org_wide[0].text or "")
    # AND each team's channel still gets its own figures only, once
    assert sorted(channel for channel, _ in told) == ["C-ledger", "C-org", "C-pay", "C-search"]
    teams = {channel: reply for channel, reply in told if channel != "C-org"}
    assert [name for name, _ in teams["C-pay"].fields] == ["payments"]
    assert [name for name, _ in teams["C-search"].fields] == ["search"]
    # AND another org's figures never appear in the org's channel
    assert "ledger" not in str(org_wide[0])
    # AND the org with no channel of its own is told how to bind one, in the tick's answer
    assert NO_ORG_CHANNEL in str(ticks[0])
    assert f"told ({ORG}); {NO_ORG_CHANNEL}" not in str(ticks[0])


def test_binding_the_org_channel_is_audited_in_the_orgs_trail_and_a_teams_channel_is_refused() -> (
    None
):
    services = _services()
    # WHEN root tries a team's channel as the org's
    refused = run(services, "org bind C-pay")
    # THEN it is refused: a team's channel shows that team only
    assert refused.tone is Tone.USAGE, refused
    assert "team payments' channel" in refused.title
    assert "sre org bind [CHANNEL]" in refused.text
    # AND a channel of no team is bound, audited in the org's trail
    assert run(services, "org bind C-org").tone is Tone.OK
    again = run(services, "org bind C-org")
    assert "already is the org's channel" in again.title
    trail = records(services.audit_log, StreamKey(org=ORG, team=ORG_STREAM))
    said = [(e.command, e.outcome, e.target) for e in trail if e.command.startswith("sre org bind")]
    assert ("sre org bind C-org", Outcome.SUCCEEDED, "channel:C-org") in said
    # AND a team admin who is no org admin may not bind it
    denied = run(services, "org bind C-elsewhere", user="ann")
    assert denied.tone is Tone.DENIED
    # AND another channel bound says which one it replaces (before: not a word of it)
    moved = run(services, "org bind C-org2")
    assert moved.tone is Tone.OK
    assert "It replaces #C-org, which gets nothing more." in moved.text, moved


def test_the_org_channel_cannot_be_bound_to_a_team() -> None:
    services = _services()
    assert run(services, "org bind C-org").tone is Tone.OK
    # WHEN a team's admin binds the org's channel to the team
    refused = run(services, "team bind C-org --team search", user="sam")
    # THEN refused (the org's monthly summary stopped there, told to no one), as `org bind`
    # refuses a team's channel
    assert refused.failed
    assert refused.title.startswith("#C-org is the org's channel, where every team's monthly")
    assert "sre team bind" in refused.text
    assert services.directory.get_binding(ORG, ChannelId("C-org")) is None


def test_an_org_channel_since_bound_to_a_team_gets_no_org_wide_figures() -> None:
    services = _services()
    assert run(services, "org bind C-org").tone is Tone.OK
    # GIVEN C-org bound to team search (before `team bind` refused it)
    services.directory.bind(
        ChannelBinding(
            org=ORG, channel=ChannelId("C-org"), team="search", bound_by=UserId("sam"), bound_at=NOW
        )
    )
    # WHEN the first tick of December runs
    tick = run_tick(services.bus, trigger="dec", now=DECEMBER)
    # THEN C-org gets search's own figures only, and the tick says the org has no channel
    in_org = [reply for channel, reply in _summaries(services) if channel == "C-org"]
    assert [[name for name, _ in reply.fields] for reply in in_org] == [["search"]]
    assert f"told ({ORG}); {NO_ORG_CHANNEL}" in str(tick)
