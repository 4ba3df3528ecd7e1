"""Which team owns a cloud resource: one team per org, the first to register it; and which org
holds it, one per deployment (every org of a deployment reads its clouds with the deployment's
own credentials, so one org must never name another's function or load balancer). An org keeps
what it claimed after its services of it are removed: releasing it automatically would race a
registration of it in another of its teams, and a stale claim only keeps other orgs out (the
deployment's operator hands a resource over by deleting its claim)."""

from __future__ import annotations

from collections.abc import Iterable

from shared.errors import ConflictError
from shared.identity.models import OrgId, Team
from shared.identity.ports import Directory
from shared.telemetry.models import Service
from shared.telemetry.queries import resource_key

ELSEWHERE = (
    "`{resource}` is held by another organisation served by this deployment: a cloud resource "
    "belongs to one organisation. Register a resource of your own."
)
"""The refusal of another org's resource; never naming that org."""


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


def record_claims(directory: Directory) -> None:
    """Once per deployment: claim the resource of every service registered before claims
    existed for its org, the earliest registration first (of two orgs that both registered a
    resource, the first keeps it; the other's uses of it are refused)."""
    if directory.claims_recorded():
        return
    owned = sorted(
        (service.registered_at, key, team.org, team.name, service.name)
        for team in directory.every_team()
        for service in team.services.values()
        if service.shared_from is None and (key := resource_key(service.kind, service.resource))
    )
    for _, key, org, team, name in owned:
        if directory.claim_resource(key, org) != org:
            _mark_held_elsewhere(directory, org, team, name)
    directory.mark_claims_recorded()


def _mark_held_elsewhere(directory: Directory, org: OrgId, team: str, name: str) -> None:
    """Mark a later org's registration of a resource another org holds (its alerts are then
    skipped unread); a team changed meanwhile is read again, a few times."""
    for _ in range(3):
        found = directory.get_team(org, team)
        service = found.services.get(name) if found else None
        if found is None or service is None:
            return
        services = {**found.services, name: service.model_copy(update={"held_elsewhere": True})}
        try:
            directory.save_team(found.model_copy(update={"services": services}))
        except ConflictError:
            continue
        return


def claim(directory: Directory, service: Service, org: OrgId) -> None:
    """Claim `service`'s resource for `org` (at its registration); ConflictError, never naming
    the holder, if another org of the deployment holds it."""
    key = resource_key(service.kind, service.resource)
    if key is None:
        return
    record_claims(directory)
    if directory.claim_resource(key, org) != org:
        raise ConflictError(ELSEWHERE.format(resource=service.resource))


def foreign(directory: Directory, service: Service, org: OrgId) -> bool:
    """Whether another org holds `service`'s resource (a service registered in two orgs before
    claims existed: the later one may not read or move it)."""
    key = resource_key(service.kind, service.resource)
    if key is None:
        return False
    holder = directory.resource_holder(key)
    if holder is None and not directory.claims_recorded():
        record_claims(directory)
        holder = directory.resource_holder(key)
    return holder is not None and holder != org


def refuse_foreign(directory: Directory, service: Service, org: OrgId) -> None:
    """ConflictError, never naming the holder, if another org holds `service`'s resource."""
    if foreign(directory, service, org):
        raise ConflictError(ELSEWHERE.format(resource=service.resource))
