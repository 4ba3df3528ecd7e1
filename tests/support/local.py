"""The local deployment: with an investigation done, or its pieces as a crash leaves them."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from shared.adapters.local.sqlite_canaries import SqliteCanaryStore
from shared.adapters.local.sqlite_directory import SqliteDatabase
from shared.adapters.local.sqlite_lease import ProcessLease
from shared.adapters.memory import InMemoryNotifier
from shared.bootstrap.local import for_local
from shared.bootstrap.wiring import Services
from shared.config import Settings
from tests.support import invocation


def dead_lease(database: SqliteDatabase) -> ProcessLease:
    """A lease of `database` held by a process that has exited (as one killed mid-work)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    lease = ProcessLease(database)
    lease.pid = process.pid
    return lease


def investigated(settings: Settings) -> tuple[Services, str]:
    """The local deployment of `settings` where `root` (org T1) made team payments, bound
    C-general to it, registered the sample `checkout-api` and investigated it (the worker done):
    the services, and the report's page link."""
    notifier = InMemoryNotifier()
    services = for_local(settings, notifier=notifier)
    for text in (
        "team create payments",
        "team member add root --role admin --team payments",
        "team bind C-general --team payments",
        "service register checkout-api --sample checkout",
    ):
        assert not services.bus.handle(invocation(text)).failed, text
    services.bus.handle(invocation("investigate checkout-api"))
    services.tasks.join()  # type: ignore[attr-defined]
    ((_, report),) = notifier.posted
    return services, dict(report.fields)["Page"]


def canary_started_ago(home: Path, minutes: int = 10) -> None:
    """Move the one canary of the local home `home` `minutes` into the past (a step is due)."""
    store = SqliteCanaryStore(SqliteDatabase(home / "autosre.db"))
    (canary,) = store.every()
    back = timedelta(minutes=minutes)
    store.save(
        canary.model_copy(
            update={
                "started_at": canary.started_at - back,
                "step_started_at": canary.step_started_at - back,
                "history": [r.model_copy(update={"at": r.at - back}) for r in canary.history],
            }
        )
    )


def experiment_started_ago(home: Path, minutes: int) -> None:
    """Move the one experiment of the local home `home`, and what the simulation injected for
    it, `minutes` into the past (so its minutes so far have traffic to show)."""
    from shared.adapters.local.simulated_chaos import SqliteChaosState
    from shared.adapters.local.sqlite_chaos import SqliteChaosStore

    database = SqliteDatabase(home / "autosre.db")
    store, state = SqliteChaosStore(database), SqliteChaosState(database)
    back = timedelta(minutes=minutes)
    (experiment,) = store.every()
    store.save(
        experiment.model_copy(
            update={
                "started_at": experiment.started_at - back,
                "step_started_at": experiment.step_started_at - back,
                "history": [s.model_copy(update={"at": s.at - back}) for s in experiment.history],
                "injections": [
                    i.model_copy(update={"at": i.at - back if i.at else None})
                    for i in experiment.injections
                ],
            }
        )
    )
    for injection in experiment.injections:
        made = state.injection(injection.handle)
        assert made is not None
        state.keep(made.model_copy(update={"at": made.at - back, "until": made.until - back}))
