"""Which team owns a cloud resource: one team per org, the first to register it."""

from __future__ import annotations

from collections.abc import Iterable

from shared.identity.models import Team
from shared.telemetry.models import Service
from shared.telemetry.queries import resource_key


def owner_of(teams: Iterable[Team], service: Service) -> tuple[Team, Service] | None:
    """The team (and its service) that owns `service`'s resource: the first to register it, of
    those that did not get it shared."""
    key = resource_key(service.kind, service.resource)
    owned = [
        (team, each)
        for team in teams
        for each in team.services.values()
        if key and each.shared_from is None and resource_key(each.kind, each.resource) == key
    ]
    return min(owned, key=lambda pair: pair[1].registered_at, default=None)
