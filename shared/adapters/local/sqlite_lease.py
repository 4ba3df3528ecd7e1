"""Which processes sharing the local SQLite file are alive: each one beats while it runs.

Claims and queued tasks name their owner; an owner that stopped beating (or, on this machine,
whose process is gone) is dead, and what it held is taken over in seconds, not after an hour.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from pathlib import Path

from shared.adapters.local.sqlite_directory import SqliteDatabase

log = logging.getLogger("autosre.lease")

LEASE_SECONDS = 90.0
"""How long a process that stopped beating (another machine, a frozen process) is trusted."""
BEAT_SECONDS = 15.0


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine (a killed, unreaped one does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc here: the signal said it exists
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


class ProcessLease:
    """This process's name in the database, kept alive by a daemon thread while it runs."""

    def __init__(self, database: SqliteDatabase, *, lease: float = LEASE_SECONDS) -> None:
        self._db = database
        self._lease = lease
        self.host = socket.gethostname()
        self.pid = os.getpid()
        self.token = f"{self.host}:{self.pid}:{uuid.uuid4().hex[:8]}"
        self._started = False
        self._start_lock = threading.Lock()

    def start(self) -> None:
        """Register this process and keep beating until it exits (idempotent)."""
        with self._start_lock:
            if self._started:
                return
            self._beat()
            threading.Thread(target=self._keep_beating, name="autosre-lease", daemon=True).start()
            self._started = True

    def alive(self, token: str) -> bool:
        """Whether the owner named `token` is still running."""
        if token == self.token:
            return True
        rows = self._db.query("SELECT host, pid, beat FROM owners WHERE token = ?", token)
        if not rows:
            return False
        host, pid, beat = rows[0]
        if host == self.host and not pid_alive(int(str(pid))):
            return False  # killed: no need to wait for its lease to run out
        return float(str(beat)) > time.time() - self._lease

    def _beat(self) -> None:
        with self._db.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO owners (token, host, pid, beat) VALUES (?, ?, ?, ?)",
                (self.token, self.host, self.pid, time.time()),
            )
            db.execute("DELETE FROM owners WHERE beat < ?", (time.time() - 10 * self._lease,))

    def _keep_beating(self) -> None:
        while True:
            time.sleep(min(BEAT_SECONDS, self._lease / 3))
            try:
                self._beat()
            except Exception:  # a locked or full disk must not stop the beat for good
                log.exception("could not renew this process's lease")
