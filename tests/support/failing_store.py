"""A chaos store that fails on purpose, as DynamoDB unreachable: the saves of chosen experiments
(`breaking`), or everything (`down`), raise ConnectionError."""

from __future__ import annotations

from collections.abc import Sequence

from shared.adapters.memory import InMemoryChaosStore
from shared.chaos.models import Experiment, LeverState
from shared.identity.models import OrgId

_DOWN = "dynamodb: could not connect to the endpoint URL"


class FailingChaosStore(InMemoryChaosStore):
    """The in-memory chaos store; saves of the experiments in `breaking` fail, and every read
    and write fails while `down`."""

    def __init__(self) -> None:
        super().__init__()
        self.breaking: set[str] = set()
        self.down = False

    def _check(self) -> None:
        if self.down:
            raise ConnectionError(_DOWN)

    def save(self, experiment: Experiment) -> Experiment:
        """Fail while down or for an experiment breaking; else save."""
        self._check()
        if experiment.id in self.breaking:
            raise ConnectionError(_DOWN)
        return super().save(experiment)

    def every(self) -> Sequence[Experiment]:
        """Fail while down; else every experiment."""
        self._check()
        return super().every()

    def get(self, org: OrgId, experiment_id: str) -> Experiment | None:
        """Fail while down; else the experiment."""
        self._check()
        return super().get(org, experiment_id)

    def halt_record(self, org: OrgId) -> LeverState:
        """Fail while down; else the org's halt record."""
        self._check()
        return super().halt_record(org)

    def keep_halt_record(self, org: OrgId, state: LeverState) -> None:
        """Fail while down; else keep it."""
        self._check()
        super().keep_halt_record(org, state)
