"""The local deployment: with an investigation done, or its pieces as a crash leaves them."""

from __future__ import annotations

import subprocess
import sys

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
