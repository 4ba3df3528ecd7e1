"""One scheduler tick over the experiments: each org's on their own thread, waited on for a
bounded time (`OrgSteps`: a late org's steps are carried whole to a later tick), an org the app
was uninstalled from halted (the audit entries owed since the trail was down are written after
every feature's tick, by the scheduler's `ScheduledWork`)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import datetime

from shared.bounds import OrgSteps
from shared.chaos.models import Experiment
from shared.chaos.ports import ChaosStore
from shared.chaos.progress import ChaosProgress
from shared.identity.models import OrgId

log = logging.getLogger("autosre.chaos")


class ChaosTick:
    """Advances every org's experiments at each scheduler tick."""

    def __init__(
        self,
        *,
        store: ChaosStore,
        progress: ChaosProgress,
        org_seconds: float,
    ) -> None:
        """`org_seconds`: how long a tick waits for one org's experiments (see `OrgSteps`)."""
        self._store = store
        self._progress = progress
        self._orgs = OrgSteps(org_seconds)

    def advance(
        self,
        now: datetime,
        *,
        trigger: str,
        org: OrgId | None = None,
        uninstalled: Callable[[str], bool],
    ) -> list[str]:
        """One tick over every experiment not yet ended (of `org`, if given); what happened, one
        line each. The experiments of an org
        `uninstalled` says the app was removed from are halted and their faults removed."""
        by_org: dict[str, list[Experiment]] = {}
        for experiment in self._store.every():
            if org in (None, experiment.org):
                by_org.setdefault(experiment.org, []).append(experiment)
        parts = {
            name: functools.partial(
                self._progress.org_part, experiments, now, trigger, uninstalled(name)
            )
            for name, experiments in sorted(by_org.items())
        }
        return self._orgs.run(parts)
