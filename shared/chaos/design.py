"""An experiment as a plan or start designs it, before anything is recorded: the team's
service it names, and its steady state judged before any fault."""

from __future__ import annotations

import uuid
from datetime import datetime

from shared.chaos import commands as c
from shared.chaos.injecting import Injecting
from shared.chaos.models import ChaosStep, Experiment, ExperimentState, Fault
from shared.chaos.ownership import service_key
from shared.chaos.verified import VALID_FOR
from shared.commands.context import Context
from shared.commands.duration import to_timedelta
from shared.errors import ConflictError, NotFoundError
from shared.identity.ports import Directory
from shared.services.catalog import unknown_service
from shared.telemetry.models import Service


def team_service(directory: Directory, name: str, ctx: Context) -> Service:
    """The caller's team's service by name; NotFoundError with a suggestion otherwise."""
    team = directory.get_team(ctx.principal.actor.org, ctx.team or "")
    service = team.services.get(name) if team else None
    if service is None:  # said as `investigate` says it: the team's services, the closest
        if team is not None:
            raise unknown_service(team, name)
        raise NotFoundError(f"Team {ctx.team} has no service `{name}`.")
    return service


def held_before(
    injecting: Injecting, experiment: Experiment, service: Service, now: datetime
) -> Experiment:
    """The experiment with its steady state judged now, before any fault; refused if it
    does not hold (at a start, and again at its approval)."""
    before = injecting.before(experiment, service, now)
    if not before.met:
        raise ConflictError(
            "The steady state does not hold before the experiment "
            f"({'; '.join(before.reasons)}): a fault would prove nothing. Fix the service "
            "first, or write the steady state it has."
        )
    return experiment.model_copy(update={"before": before})


def designed(
    command: c.PlanExperiment | c.StartExperiment, ctx: Context, service: Service
) -> Experiment:
    """The experiment a plan or start describes, not yet recorded: planned by its caller."""
    user = ctx.principal.actor.user
    return Experiment(
        id=f"chx-{uuid.uuid4().hex[:8]}",
        org=ctx.principal.actor.org,
        team=ctx.team or "",
        service=service.name,
        kind=service.kind,
        service_key=service_key(ctx.team or "", service),
        fault=Fault.parse(command.fault),
        percents=[int(p) for p in command.percent.split(",")],
        step_duration=to_timedelta(command.duration),
        expectations=list(command.expect),
        valid_for=to_timedelta(command.valid_for)
        if isinstance(command, c.StartExperiment)
        else VALID_FOR,
        state=ExperimentState.STARTING,
        step_started_at=ctx.now,
        started_by=user,
        started_at=ctx.now,
        production=service.production,
        platform=ctx.principal.actor.platform,
        history=[ChaosStep(at=ctx.now, percent=0, what="planned", reason=command.fault, by=user)],
    )
