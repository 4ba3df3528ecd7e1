"""Experiments counted against their team's `chaos-experiments` quota: a unit is taken before
an experiment is first recorded (waiting for approval, or starting), and given back by the one
write that ends it (held, deviated, halted, rolled back, or its approval expired)."""

from __future__ import annotations

from collections.abc import Sequence

from shared.chaos.models import Experiment, ExperimentState, LeverState, VerifiedResilience
from shared.chaos.ports import ChaosStore
from shared.chaos.schedules import GameDay
from shared.identity.models import OrgId
from shared.quotas.models import Limit
from shared.quotas.running import EndingWrites
from shared.quotas.service import QuotaService


class QuotaCountedChaosStore:
    """A ChaosStore whose write that moves an experiment to ended (version unchanged since it
    was read) gives its team's unit back; every other method is the store's own."""

    def __init__(self, store: ChaosStore, *, quotas: QuotaService) -> None:
        self._store = store
        self._writes = EndingWrites[Experiment](
            get=store.get,
            save=store.save,
            quotas=quotas,
            limit=Limit.CHAOS_EXPERIMENTS,
            over=lambda experiment: experiment.state is ExperimentState.ENDED,
            ended_at=lambda experiment: experiment.ended_at or experiment.step_started_at,
        )

    def get(self, org: OrgId, experiment_id: str) -> Experiment | None:
        """One experiment, or None."""
        return self._store.get(org, experiment_id)

    def save(self, experiment: Experiment) -> Experiment:
        """Store it (conditional on its version); if this write ended it, give its unit back."""
        return self._writes.save(experiment)

    def list_for(self, org: OrgId, team: str) -> Sequence[Experiment]:
        """A team's experiments, newest first."""
        return self._store.list_for(org, team)

    def every(self) -> Sequence[Experiment]:
        """Every experiment not yet ended, of every org."""
        return self._store.every()

    def keep_verified(self, result: VerifiedResilience) -> None:
        """Store a verified resilience result."""
        self._store.keep_verified(result)

    def verified(self, org: OrgId, team: str) -> Sequence[VerifiedResilience]:
        """A team's verified resilience results, newest first."""
        return self._store.verified(org, team)

    def save_game_day(self, game_day: GameDay) -> GameDay:
        """Store a game day (conditional on its version)."""
        return self._store.save_game_day(game_day)

    def game_days(self, org: OrgId, team: str) -> Sequence[GameDay]:
        """A team's game days, newest first."""
        return self._store.game_days(org, team)

    def every_game_day(self) -> Sequence[GameDay]:
        """Every game day of every org."""
        return self._store.every_game_day()

    def remove_game_day(self, org: OrgId, game_day_id: str) -> bool:
        """Remove a game day; whether there was one."""
        return self._store.remove_game_day(org, game_day_id)

    def halt_record(self, org: OrgId) -> LeverState:
        """The org's own record of its kill switch."""
        return self._store.halt_record(org)

    def keep_halt_record(self, org: OrgId, state: LeverState) -> None:
        """Keep the org's record of its kill switch."""
        self._store.keep_halt_record(org, state)
