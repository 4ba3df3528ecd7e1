"""In-memory deployments of one feature on the sample service: the teams of `setup_teams`, and
`checkout-api` (the sample `checkout`) registered by operator `oli` of payments."""

from __future__ import annotations

from dataclasses import replace

from shared.adapters.memory import InMemoryAlertStore, InMemoryCanaryStore
from shared.alerts.ports import AlertStore
from shared.bootstrap.adapters import Adapters
from shared.bootstrap.memory import for_memory
from shared.bootstrap.wiring import Services, build
from shared.canary.ports import CanaryStore, InvestigatorVersions, TrafficRouter
from shared.config import Settings
from shared.ports import Clock
from shared.replies import Tone
from shared.telemetry.models import ResourceKind
from tests.support import MovingClock, investigate, memory_adapters, run, run_deferred, setup_teams

REGISTER = "service register checkout-api --sample checkout --team payments"
ROUTERS: dict[int, TrafficRouter] = {}


def registered_services(
    settings: Settings, adapters: Adapters, register: str = REGISTER, *, channel: str = "C-general"
) -> Services:
    """Services on `adapters`: the teams of `setup_teams`, and checkout-api registered by
    operator oli with `register` said in `channel`."""
    services = build(settings, adapters)
    setup_teams(services)
    assert not run(services, register, user="oli", channel=channel).failed
    return services


def alerting_services(clock: MovingClock, store: AlertStore | None = None) -> Services:
    """Alerts on `store` (memory by default); channel C-search bound to team search too."""
    adapters = memory_adapters(clock, alerts=store or InMemoryAlertStore())
    services = build(Settings(org_admins=("slack:T1:root",)), adapters)
    setup_teams(services)
    assert not run(services, "team bind C-search --team search").failed
    assert not run(services, REGISTER, user="oli").failed
    return services


def canary_services(
    clock: MovingClock,
    store: CanaryStore | None = None,
    investigators: InvestigatorVersions | None = None,
) -> Services:
    """Canaries on `store` (memory by default) over the sample's simulated traffic router."""
    adapters = memory_adapters(clock, canaries=store or InMemoryCanaryStore())
    if investigators:
        adapters = replace(adapters, investigators=investigators)
    services = registered_services(Settings(org_admins=("slack:T1:root",)), adapters)
    ROUTERS[id(services)] = adapters.routers[ResourceKind.SAMPLE]
    return services


def router_of(services: Services) -> TrafficRouter:
    """The traffic router of services made by `canary_services`."""
    return ROUTERS[id(services)]


def start_canary(services: Services, version: str) -> str:
    """Operator `oli` starts a canary of `version` in C-pay, the worker runs it; its id."""
    reply = run_deferred(
        services, f"canary start checkout-api --version {version}", user="oli", channel="C-pay"
    )
    assert reply.tone is Tone.OK, reply
    return reply.title.split()[1]


SLACK_ROOT, SLACK_ALICE, SLACK_AUDITOR, SLACK_CHANNEL = "U0ROOT", "U0ALICE", "U0AUDIT", "C0DEMO"
"""People and a channel with Slack's ids, so the Slack renderer mentions them."""


def slack_id_services(clock: Clock) -> Services:
    """Team demo in a workspace whose people and channel have Slack ids: admin U0ALICE, added by
    org admin U0ROOT, channel C0DEMO bound to it, and auditor U0AUDIT."""
    services = for_memory(Settings(org_admins=(f"slack:T1:{SLACK_ROOT}",)), clock=clock)
    for text in (
        "team create demo",
        f"team member add {SLACK_ALICE} --role admin --team demo",
        f"team bind {SLACK_CHANNEL} --team demo",
        f"org grant {SLACK_AUDITOR} auditor",
    ):
        assert not run(services, text, user=SLACK_ROOT).failed, text
    return services


def two_teams_investigated(services: Services) -> None:
    """Priced sample reads; payments' checkout-api investigated twice (3h, 1h) and team search
    (bound to C-search) its search-api once: a month of usage to summarise."""
    assert not run(services, "usage price set sample-reads 1000").failed
    assert not run(services, "team bind C-search --team search").failed
    assert not run(services, REGISTER, user="oli").failed
    search = "service register search-api --sample checkout --team search"
    assert not run(services, search, user="sam", channel="C-search").failed
    for window in ("3h", "1h"):
        assert not investigate(services, f"investigate checkout-api --window {window}").failed
    assert not investigate(services, "investigate search-api --team search", user="sam").failed
