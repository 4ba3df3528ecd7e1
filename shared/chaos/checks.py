"""What a start is checked against before anything is recorded: a person's, an approval's and a
game day's alike (the service's owner, the lever, a real outage, an experiment already on the
service, the preflight; for a game day also its quota, its steady state before, and a pairing
of fault and steady state kept from before it was refused)."""

from __future__ import annotations

from datetime import datetime

from shared.chaos.expectations import broken, unseen
from shared.chaos.guards import refusals
from shared.chaos.injecting import Injecting
from shared.chaos.lever import RecordedLever
from shared.chaos.models import Experiment
from shared.chaos.notices import after_colon
from shared.chaos.ownership import holds, production_twin, service_key, unowned
from shared.chaos.ports import ChaosStore, Outages
from shared.chaos.verified import blind_to_delay
from shared.errors import ConflictError, NotFoundError
from shared.identity.channels import team_channels
from shared.identity.models import OrgId
from shared.identity.ports import Directory
from shared.quotas.models import Limit
from shared.quotas.service import QuotaService
from shared.telemetry.models import Service


def no_channel(team: str) -> str:
    """Why a team with no channel runs no experiment: its progress, its Halt button and a failed
    removal's alarm are posted there, and nowhere else."""
    return (
        f"team {team} has no channel for the experiment's progress, its Halt button and its "
        f"alarms: bind one first with `sre team bind --team {team}` (typed in that channel)"
    )


class StartChecks:
    """Every reason an experiment may not start now."""

    def __init__(
        self,
        *,
        store: ChaosStore,
        directory: Directory,
        lever: RecordedLever,
        outages: Outages,
        injecting: Injecting,
        quotas: QuotaService,
    ) -> None:
        self._store = store
        self._directory = directory
        self._lever = lever
        self._outages = outages
        self._injecting = injecting
        self._quotas = quotas

    def refusals(self, experiment: Experiment, service: Service) -> list[str]:
        """Why `experiment` (a plan's draft, or the experiment itself at its approval) may not
        start on its team's `service` now, each a sentence; empty when it may start."""
        org, team = OrgId(experiment.org), experiment.team
        unbound = [] if team_channels(self._directory, org, team) else [no_channel(team)]
        return unbound + refusals(
            lever=self._lever.state(org),
            outage=self._outages.firing(org, team),
            running=[
                x
                for x in self._store.every()
                if x.org == org and x.id != experiment.id and holds(x, team, service)
            ],
            problems=self._injecting.injector.preflight(service, experiment.fault),
        )

    def broken(self, experiment: Experiment) -> list[str]:
        """Each bound of its steady state its fault breaks by itself (`expectations.broken`),
        a delay on top of the service's own latency before it when that was read."""
        before = experiment.before
        return broken(
            experiment.fault,
            experiment.expectations,
            experiment.percents,
            self._injecting.fault_alone,
            split=self._injecting.splits,
            own=before.latency if before is not None else None,
        )

    def blind(self, experiment: Experiment) -> list[str]:
        """Where a delay never fails a request (the simulation), that an error-rate bound alone
        cannot see one: said at plan and start, not only when it ends unverified."""
        said = "" if self._injecting.injector.delays_fail else blind_to_delay(experiment)
        if not said:
            return []
        return [f"{said[:1].upper()}{said[1:]}: a held records no verified resilience."]

    def refuse_unowned(self, experiment: Experiment, service: Service) -> None:
        """Only the team that owns the service's resource injects into it (ForbiddenError)."""
        foreign = unowned(self._directory, OrgId(experiment.org), experiment.team, service)
        if foreign is not None:
            raise foreign

    def refuse(self, experiment: Experiment, service: Service) -> None:
        """ConflictError with every reason it may not start now."""
        found = self.refusals(experiment, service)
        if found:
            raise ConflictError(f"Chaos on {service.name} cannot start: " + after_colon(found))

    def ready(self, experiment: Experiment, now: datetime) -> tuple[Experiment, list[str]]:
        """A scheduled start's checks, as a person's start has them: every refusal, and the
        steady state before it (the experiment with it); no reasons when it may start."""
        try:
            service = self._injecting.service(experiment)
        except NotFoundError as gone:
            return experiment, [str(gone)]
        foreign = unowned(self._directory, OrgId(experiment.org), experiment.team, service)
        if foreign is not None:
            return experiment, [str(foreign)]
        vacuous = unseen(experiment.fault, experiment.expectations)  # kept before it was refused
        if vacuous:
            return experiment, [
                f"{vacuous}. Unschedule this game day and schedule one whose steady state sees "
                "its fault."
            ]
        found = self.refusals(experiment, service)
        spent = self._quotas.spent(
            OrgId(experiment.org), experiment.team, Limit.CHAOS_EXPERIMENTS, at=now
        )
        found += [str(spent)] if spent is not None else []
        if found:
            return experiment, found
        before = self._injecting.before(experiment, service, now)
        if not before.met:
            found.append(f"the steady state does not hold before it ({'; '.join(before.reasons)})")
        checked = {
            "before": before,
            "production": production_twin(self._directory, OrgId(experiment.org), service)
            is not None,
            "service_key": service_key(experiment.team, service),
        }
        return experiment.model_copy(update=checked), found
