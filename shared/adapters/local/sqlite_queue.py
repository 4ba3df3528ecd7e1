"""The embedded default's task queue: deferred commands kept in the local SQLite file (they
survive the process), for the worker of `sqlite_worker` to run."""

from __future__ import annotations

import threading
from collections.abc import Callable

from shared.adapters.local.sqlite_directory import SqliteDatabase
from shared.adapters.local.sqlite_journal import request_ref
from shared.adapters.local.sqlite_lease import ProcessLease
from shared.doctor.ports import QueueDepth
from shared.invocation import DeferredCommand

JOIN_POLL_SECONDS = 0.5
"""How often `join` looks at the file again when no task finished in between."""


class TaskSignal:
    """Between this process's queue and its worker: a task was queued, or one finished."""

    def __init__(self) -> None:
        self.condition = threading.Condition()
        self._ready = 0
        self._first: list[Callable[[], None]] = []

    def on_first_task(self, start: Callable[[], None]) -> None:
        """Call `start` (once) when the first task is queued: the worker's threads start only
        when there is work, not for every deployment built (tests build hundreds)."""
        self._first.append(start)

    def queued(self) -> None:
        """A task waits: start the worker if it is idle since it was built, wake one thread."""
        for start in self._first:
            start()
        with self.condition:
            self._ready += 1
            self.condition.notify()

    def finished(self) -> None:
        """A task is done: wake whoever waits for the queue to empty."""
        with self.condition:
            self.condition.notify_all()

    def wait_for_task(self, timeout: float) -> None:
        """Wait (at most `timeout` seconds) until a task was queued, and take the wake-up."""
        with self.condition:
            if not self._ready:
                self.condition.wait(timeout=timeout)
            self._ready = max(0, self._ready - 1)


class SqliteTaskQueue:
    """Enqueue only: a task is a row of the file, owned by this process's lease; the worker of
    this process (or of the next one, if this one dies) runs it."""

    def __init__(
        self, database: SqliteDatabase, *, lease: ProcessLease, signal: TaskSignal
    ) -> None:
        self._db = database
        self._lease = lease
        self._signal = signal

    def enqueue(self, task: DeferredCommand) -> None:
        """Keep `task` in the file (it survives this process) and wake the worker."""
        self._lease.start()
        ref = request_ref(task.invocation.actor.org, task.invocation.correlation_id)
        surface = str(task.invocation.reply_to.platform)
        with self._db.transaction() as db:
            db.execute(
                "INSERT INTO tasks (owner, surface, ref, body) VALUES (?, ?, ?, ?)",
                (self._lease.token, surface, ref, task.model_dump_json()),
            )
        self._signal.queued()

    def depth(self) -> QueueDepth:
        """The tasks of every process in the file: waiting, and taken by a worker (a task that
        fails is answered as failed, so nothing is left for a dead-letter queue)."""
        ((waiting, running),) = self._db.query(
            "SELECT COUNT(*) - COUNT(started), COUNT(started) FROM tasks"
        )
        return QueueDepth(
            queue="the SQLite file", waiting=int(str(waiting)), running=int(str(running))
        )

    def queued(self, ref: str) -> bool:
        """Whether the command named `ref` (see `request_ref`) waits or runs in any process."""
        return bool(self._db.query("SELECT 1 FROM tasks WHERE ref = ? LIMIT 1", ref))

    def join(self) -> None:
        """Wait until every task of this process has run."""
        with self._signal.condition:
            while self._outstanding():
                self._signal.condition.wait(timeout=JOIN_POLL_SECONDS)

    def unfinished(self) -> list[DeferredCommand]:
        """This process's tasks not yet run (or still running), oldest first: what an
        interrupted process leaves for the next one to take over."""
        rows = self._db.query(
            "SELECT body FROM tasks WHERE owner = ? ORDER BY id", self._lease.token
        )
        tasks = []
        for (body,) in rows:
            try:
                tasks.append(DeferredCommand.model_validate_json(str(body)))
            except ValueError:  # written by another version: the worker drops it
                continue
        return tasks

    def _outstanding(self) -> int:
        rows = self._db.query("SELECT COUNT(*) FROM tasks WHERE owner = ?", self._lease.token)
        return int(str(rows[0][0]))
