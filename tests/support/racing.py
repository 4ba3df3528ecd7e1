"""A chaos store that loses races to the scheduler's tick on purpose: before a save of a chosen
experiment, the tick's own save of it lands first (its stored copy saved again, its version
moved on), so the save that read it earlier conflicts, as when a tick saves between a halt's
read and write."""

from __future__ import annotations

from collections.abc import Callable

from shared.adapters.memory import InMemoryChaosStore
from shared.chaos.models import Experiment
from shared.identity.models import OrgId


class RacingChaosStore(InMemoryChaosStore):
    """The in-memory chaos store; `race(id, times)` makes the next `times` saves of it lose."""

    def __init__(self) -> None:
        super().__init__()
        self._races: dict[str, int] = {}
        self._ticks: dict[str, Callable[[Experiment], Experiment]] = {}

    def race(
        self,
        experiment_id: str,
        times: int,
        *,
        tick: Callable[[Experiment], Experiment] = lambda stored: stored,
    ) -> None:
        """The next `times` saves of `experiment_id` each find the tick saved it meanwhile
        (as `tick` changes the stored copy: unchanged unless said)."""
        self._races[experiment_id] = times
        self._ticks[experiment_id] = tick

    def save(self, experiment: Experiment) -> Experiment:
        """The tick's save first while a race is left, then this one (which then conflicts)."""
        left = self._races.get(experiment.id, 0)
        current = self.get(OrgId(experiment.org), experiment.id)
        if left and current is not None:
            self._races[experiment.id] = left - 1
            super().save(self._ticks[experiment.id](current))
        return super().save(experiment)
