"""Reading experiments: one by id (another team's reads as missing), its message or journal,
the team's list, and how an ended one ended."""

from __future__ import annotations

import json
from collections.abc import Callable

from shared.chaos import commands as c
from shared.chaos.game_days import GameDays
from shared.chaos.journal import journal
from shared.chaos.models import Experiment, ExperimentState, VerifiedResilience
from shared.chaos.notices import status_reply, team_list, unknown_experiment, verified_list
from shared.chaos.ownership import service_key
from shared.chaos.page import ChaosPages
from shared.chaos.ports import ChaosStore
from shared.commands.context import Context
from shared.errors import NotFoundError
from shared.identity.models import Team
from shared.replies import Reply, Tone


class ChaosReads:
    """The read commands of chaos, and the lookup the others share."""

    def __init__(self, *, store: ChaosStore, game_days: GameDays, pages: ChaosPages | None) -> None:
        self._store = store
        self._game_days = game_days
        self._pages = pages

    def get(self, experiment_id: str, ctx: Context) -> Experiment:
        """The team's experiment by id; NotFoundError naming the ones it has otherwise."""
        found = self._store.get(ctx.principal.actor.org, experiment_id)
        if found is None or found.team != ctx.team:  # another team's reads as missing
            known = self._store.list_for(ctx.principal.actor.org, ctx.team or "")
            raise NotFoundError(unknown_experiment(experiment_id, ctx.team or "", known))
        return found

    def show(self, command: c.ShowExperiment, ctx: Context) -> Reply:
        """Its message as it stands, or its journal as JSON."""
        experiment = self.get(command.id, ctx)
        if not command.journal:
            shown = status_reply(experiment, ctx.now)
            if self._pages is None:
                return shown
            page = ("Page", self._pages.link(experiment, ctx.now))
            return shown.model_copy(update={"fields": [*shown.fields, page]})
        text = json.dumps(journal(experiment), indent=2, default=str)
        return Reply(tone=Tone.INFO, title=f"Journal of {experiment.id}", text=f"```\n{text}\n```")

    def list_for_team(self, command: c.ListExperiments, ctx: Context) -> Reply:
        """The team's experiments under way (or all), or its verified resilience."""
        if command.scheduled:
            return self._game_days.listing(ctx.principal.actor.org, ctx.team or "")
        if command.verified:
            results = self._store.verified(ctx.principal.actor.org, ctx.team or "")
            return verified_list(ctx.team or "", results, ctx.now, void_in(ctx.team_record))
        found = [
            x
            for x in self._store.list_for(ctx.principal.actor.org, ctx.team or "")
            if (command.all or x.state is not ExperimentState.ENDED)
            and command.service in (None, x.service)
        ]
        return team_list(
            ctx.team or "", found, every=command.all, service=command.service, named=command.team
        )


def void_in(team: Team | None) -> Callable[[VerifiedResilience], str]:
    """Why a result of `team` proves nothing now: its service was removed, or registered again
    for another resource than the one verified; empty when it stands."""

    def void(result: VerifiedResilience) -> str:
        service = team.services.get(result.service) if team else None
        if service is None:
            return f"{result.service} was removed"
        if result.service_key and service_key(result.team, service) != result.service_key:
            return f"{result.service} now reads another resource (`{service.resource}`)"
        return ""

    return void


def ended_said(experiment: Experiment) -> str:
    """How it ended, in a few words: `halted by @rey`, `deviated: p99 latency …`."""
    if any(step.what == "expired" for step in experiment.history):
        return "its approval expired"
    outcome = experiment.outcome.value if experiment.outcome else "ended"
    reason = experiment.reason
    return reason if reason.startswith(outcome) or not reason else f"{outcome}: {reason}"
