"""The embedded default's worker: a few threads that run the tasks of the SQLite queue, and take
over the tasks of a process that died before it ran them."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager

from shared.adapters.local.sqlite_directory import SqliteDatabase
from shared.adapters.local.sqlite_lease import ProcessLease
from shared.adapters.local.sqlite_queue import TaskSignal
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
PAUSES = (1.0, 5.0)
"""How long a task whose run raised (its answer could not be posted: Slack or Teams down, the
network gone) waits before each retry; then it is given up, logged. A retry reruns nothing: the
run-once guard keeps the command's outcome, and only its answer is posted again (as SQS
redelivers on AWS)."""

Run = Callable[[DeferredCommand], object]
"""Runs one task and answers it (the services' `run_task`)."""
Abandon = Callable[[DeferredCommand, str], object]
"""Reports a task that will not run as failed, saying why (audited, told to its user)."""

_running = threading.local()


@contextmanager
def running(task: DeferredCommand) -> Iterator[None]:
    """Mark `task` as the one this thread runs until the block ends (see `running_task`)."""
    _running.task = task
    try:
        yield
    finally:
        _running.task = None


def running_task() -> DeferredCommand | None:
    """The deferred command this thread runs now, if any: a terminal prints its answer before
    the messages it posted while it ran."""
    task: DeferredCommand | None = getattr(_running, "task", None)
    return task


class SqliteTaskWorker:
    """Runs this process's tasks with `run` (one interrupted too often: `abandon`) on a few
    daemon threads, woken by `signal` when the queue takes a task; built after the services
    whose `run_task` it calls, so it never exists without what runs its tasks."""

    def __init__(
        self,
        database: SqliteDatabase,
        *,
        lease: ProcessLease,
        signal: TaskSignal,
        run: Run,
        abandon: Abandon,
        workers: int = WORKERS,
        recover: Collection[Platform] = tuple(Platform),
        pauses: Sequence[float] = PAUSES,
    ) -> None:
        self._db = database
        self._lease = lease
        self._signal = signal
        self._run_task = run
        self._abandon = abandon
        self._workers = workers
        self._pauses = tuple(pauses)
        self._surfaces = tuple(sorted(str(surface) for surface in recover))
        self._threads: list[threading.Thread] = []
        self._starting = threading.Lock()
        self._next_adoption = 0.0
        self._started = False
        signal.on_first_task(self._when_queued)

    def start(self) -> int:
        """Take over the tasks of processes that died (only those answered on `recover`'s
        surfaces) and run them; the threads start now if there are any, else at the first task
        queued. The number taken over."""
        self._lease.start()
        adopted = self._adopt()
        self._started = True
        if adopted or self._waiting():
            self._start_threads()
        return adopted

    def _when_queued(self) -> None:
        """A task was queued: run it now if this worker is started (else `start` will)."""
        if self._started:
            self._start_threads()

    def _waiting(self) -> bool:
        """Whether this process's queue holds a task nobody runs yet."""
        return bool(
            self._db.query(
                "SELECT 1 FROM tasks WHERE owner = ? AND started IS NULL LIMIT 1", self._lease.token
            )
        )

    def _start_threads(self) -> None:
        with self._starting:
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
            self._signal.wait_for_task(ADOPT_SECONDS)
            self._adopt_when_due()

    def _adopt_when_due(self) -> None:
        now = time.monotonic()
        with self._starting:
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
        try:
            with running(task):
                self._answered(task, attempts)
        except Exception:
            log.exception("deferred command failed; given up", extra={"command": task.command})
        finally:
            with self._db.transaction() as db:
                db.execute("DELETE FROM tasks WHERE id = ?", (task_id,))
            self._signal.finished()

    def _answered(self, task: DeferredCommand, attempts: int) -> None:
        """Run and answer `task`, retried after each pause while it raises."""
        for pause in self._pauses:
            try:
                return self._answer(task, attempts)
            except Exception:
                log.warning(
                    "deferred command failed; retried in %g s",
                    pause,
                    exc_info=True,
                    extra={"command": task.command},
                )
            time.sleep(pause)
        return self._answer(task, attempts)

    def _answer(self, task: DeferredCommand, attempts: int) -> None:
        if attempts > MAX_ATTEMPTS:
            self._abandon(task, INTERRUPTED)
        else:
            self._run_task(task)
