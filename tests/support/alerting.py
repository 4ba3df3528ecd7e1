"""An org's team with a Lambda service, a bound channel and alert policies on its traffic, saved
straight into the stores (for tests of the alert tick across orgs)."""

from __future__ import annotations

from collections.abc import Sequence

from shared.adapters.memory import InMemoryAlertStore
from shared.alerts.models import AlertPolicy
from shared.bootstrap.wiring import Services
from shared.identity.models import OrgId, Team, UserId
from shared.judging.condition import parse
from shared.telemetry.models import ResourceKind
from tests.support import NOW, binding, service_of


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
