"""The embedded default's task queue: deferred commands kept in the local SQLite file, run by a
few worker threads, and taken over from a process that died before it ran them."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection

from shared.adapters.local.sqlite_directory import SqliteDatabase
from shared.adapters.local.sqlite_journal import request_ref
from shared.adapters.local.sqlite_lease import ProcessLease
from shared.identity.models import Platform
from shared.invocation import DeferredCommand

log = logging.getLogger("autosre.worker")

WORKERS = 4
"""Deferred commands run side by side, so one slow provider read does not hold up the rest."""
MAX_ATTEMPTS = 2
"""A task interrupted twice (its process died while running it) is reported failed, not rerun."""
ADOPT_SECONDS = 10.0
"""How often an idle worker looks for tasks of processes that died."""
INTERRUPTED = "Auto SRE stopped while this ran, twice; it was not finished. Run it again."


Run = Callable[[DeferredCommand], object]
"""Runs one task and answers it (the services' `answer`)."""
Abandon = Callable[[DeferredCommand, str], object]
"""Reports a task that will not run as failed, saying why (audited, told to its user)."""


class SqliteTaskQueue:
    """Tasks survive the process: one that dies leaves them to the next process that starts.
    Nothing is run, or taken, until `start` names what runs them."""

    def __init__(
        self,
        database: SqliteDatabase,
        *,
        lease: ProcessLease,
        workers: int = WORKERS,
        recover: Collection[Platform] = tuple(Platform),
    ) -> None:
        self._worker: tuple[Run, Abandon] | None = None
        self._db = database
        self._lease = lease
        self._workers = workers
        self._surfaces = tuple(sorted(str(surface) for surface in recover))
        self._wake = threading.Condition()
        self._ready = 0
        self._threads: list[threading.Thread] = []
        self._next_adoption = 0.0

    def enqueue(self, task: DeferredCommand) -> None:
        """Keep `task` in the file (it survives this process) and wake a worker."""
        if self._worker is None:
            raise RuntimeError("the local task queue is not started: nothing would run the task")
        self._lease.start()
        ref = request_ref(task.invocation.actor.org, task.invocation.correlation_id)
        surface = str(task.invocation.reply_to.platform)
        with self._db.transaction() as db:
            db.execute(
                "INSERT INTO tasks (owner, surface, ref, body) VALUES (?, ?, ?, ?)",
                (self._lease.token, surface, ref, task.model_dump_json()),
            )
        self._start_workers()
        with self._wake:
            self._ready += 1
            self._wake.notify()

    def start(self, run: Run, *, abandon: Abandon) -> int:
        """Run this process's tasks with `run` (one interrupted too often: `abandon`), take over
        the tasks of processes that died (only those answered on `recover`'s surfaces) and run
        them too; the number taken over."""
        self._worker = (run, abandon)
        self._lease.start()
        adopted = self._adopt()
        if adopted:
            self._start_workers()
        return adopted

    def queued(self, ref: str) -> bool:
        """Whether the command named `ref` (see `request_ref`) waits or runs in any process."""
        return bool(self._db.query("SELECT 1 FROM tasks WHERE ref = ? LIMIT 1", ref))

    def join(self) -> None:
        """Wait until every task of this process has run."""
        with self._wake:
            while self._outstanding():
                self._wake.wait(timeout=0.5)

    def _outstanding(self) -> int:
        rows = self._db.query("SELECT COUNT(*) FROM tasks WHERE owner = ?", self._lease.token)
        return int(str(rows[0][0]))

    def _start_workers(self) -> None:
        with self._wake:
            while len(self._threads) < self._workers:
                name = f"autosre-worker-{len(self._threads) + 1}"
                thread = threading.Thread(target=self._work, name=name, daemon=True)
                self._threads.append(thread)
                thread.start()

    def _adopt(self) -> int:
        marks = ",".join("?" * len(self._surfaces))
        owners = self._db.query(
            f"SELECT DISTINCT owner FROM tasks WHERE owner != ? AND surface IN ({marks})",  # noqa: S608
            self._lease.token,
            *self._surfaces,
        )
        adopted = 0
        for (owner,) in owners:
            if self._lease.alive(str(owner)):
                continue
            with self._db.transaction() as db:
                adopted += db.execute(
                    f"UPDATE tasks SET owner = ?, started = NULL "  # noqa: S608
                    f"WHERE owner = ? AND surface IN ({marks})",
                    (self._lease.token, owner, *self._surfaces),
                ).rowcount
        if adopted:
            log.warning("took over %d unfinished tasks of a process that stopped", adopted)
        return adopted

    def _work(self) -> None:
        while True:
            try:
                claimed = self._claim()
            except Exception:  # the database busy for long: this worker must live on
                log.exception("could not take the next task")
                time.sleep(1)
                continue
            if claimed is not None:
                self._run(*claimed)
                continue
            with self._wake:
                if not self._ready:
                    self._wake.wait(timeout=ADOPT_SECONDS)
                self._ready = max(0, self._ready - 1)
            self._adopt_when_due()

    def _adopt_when_due(self) -> None:
        now = time.monotonic()
        with self._wake:
            if now < self._next_adoption:
                return
            self._next_adoption = now + ADOPT_SECONDS
        try:
            self._adopt()
        except Exception:
            log.exception("could not look for unfinished tasks")

    def _claim(self) -> tuple[int, DeferredCommand, int] | None:
        with self._db.transaction() as db:
            row = db.execute(
                "UPDATE tasks SET started = ?, attempts = attempts + 1 WHERE id = "
                "(SELECT id FROM tasks WHERE owner = ? AND started IS NULL ORDER BY id LIMIT 1) "
                "RETURNING id, body, attempts",
                (time.time(), self._lease.token),
            ).fetchone()
        if row is None:
            return None
        try:
            task = DeferredCommand.model_validate_json(str(row[1]))
        except ValueError:  # written by another version: cannot be run or answered
            log.exception("dropped an unreadable task", extra={"task": row[0]})
            with self._db.transaction() as db:
                db.execute("DELETE FROM tasks WHERE id = ?", (row[0],))
            return self._claim()
        return int(row[0]), task, int(row[2])

    def _run(self, task_id: int, task: DeferredCommand, attempts: int) -> None:
        run, abandon = self._worker or (_unstarted, _unstarted)
        try:
            if attempts > MAX_ATTEMPTS:
                abandon(task, INTERRUPTED)
            else:
                run(task)
        except Exception:
            log.exception("deferred command failed", extra={"command": task.command})
        finally:
            with self._db.transaction() as db:
                db.execute("DELETE FROM tasks WHERE id = ?", (task_id,))
            with self._wake:
                self._wake.notify_all()


def _unstarted(task: DeferredCommand, *_: object) -> None:
    """No worker runs before `start` (its threads are only started after it)."""
    raise RuntimeError(f"the local task queue is not started: {task.command} not run")
