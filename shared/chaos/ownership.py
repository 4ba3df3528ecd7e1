"""Whose faults a service takes: only the team that owns its cloud resource injects into it (a
team it was shared with read-only reads it, as with canaries; so does a team that registered the
resource after its owner, from before ownership was enforced); and what one experiment at a time
holds of it."""

from __future__ import annotations

from shared.chaos.models import Experiment
from shared.errors import ForbiddenError
from shared.identity.models import OrgId
from shared.identity.ports import Directory
from shared.services.ownership import ELSEWHERE, foreign, owner_of
from shared.telemetry.models import Service
from shared.telemetry.queries import resource_key

OUR_ORGS = "a resource your organisation holds"
"""What a refusal of another org's resource needs (nothing of it is read, either)."""


def unowned(directory: Directory, org: OrgId, team: str, service: Service) -> ForbiddenError | None:
    """Why `team` may not inject faults into `service` (to raise, or to say): its resource
    belongs to another team (shared with `team` read-only, or registered by `team` after its
    owner); None when `team` owns it (the bundled sample, which every team may read, is each
    team's own)."""
    if foreign(directory, service, org):
        return ForbiddenError(ELSEWHERE.format(resource=service.resource), needed=OUR_ORGS)
    owner = service.shared_from
    if owner is None and resource_key(service.kind, service.resource) is not None:
        found = owner_of(directory.list_teams(org), service)
        owner = found[0].name if found else None
    if owner is None or owner == team:
        return None
    return ForbiddenError(
        f"{service.name} reads `{service.resource}`, which belongs to team {owner}: only team "
        f"{owner}'s experiments inject faults into it.",
        needed=f"ownership of the resource (team {owner})",
    )


def production_twin(directory: Directory, org: OrgId, service: Service) -> Service | None:
    """`service` if it is production, else another registration in the org of the same cloud
    resource that is (a function's `live` alias registered as production, its `staging` alias
    not: both are faults in one function), so a second registration never skips approval."""
    if service.production:
        return service
    key = resource_key(service.kind, service.resource)
    if key is None:
        return None
    return next(
        (
            each
            for team in directory.list_teams(org)
            for each in team.services.values()
            if each.production and resource_key(each.kind, each.resource) == key
        ),
        None,
    )


def service_key(team: str, service: Service) -> str:
    """What an experiment on `team`'s `service` holds in its org, one experiment at a time: its
    cloud resource (every registration of it: a Lambda function with all its aliases), or for
    the bundled sample (every team's to read, each registration its own) that registration."""
    found = resource_key(service.kind, service.resource)
    return found or f"{service.kind.value}:{team}/{service.name}"


def holds(experiment: Experiment, team: str, service: Service) -> bool:
    """Whether `experiment` (of the same org) holds `service` of `team` (one recorded before
    services were claimed: when it is that team's service of that name)."""
    if experiment.service_key:
        return experiment.service_key == service_key(team, service)
    return (experiment.team, experiment.service) == (team, service.name)
