"""The local deployment's pieces as a crash leaves them."""

from __future__ import annotations

import subprocess
import sys

from shared.adapters.local.sqlite_directory import SqliteDatabase
from shared.adapters.local.sqlite_lease import ProcessLease


def dead_lease(database: SqliteDatabase) -> ProcessLease:
    """A lease of `database` held by a process that has exited (as one killed mid-work)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    lease = ProcessLease(database)
    lease.pid = process.pid
    return lease
