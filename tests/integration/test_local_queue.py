"""The embedded default's task queue in its SQLite file: nothing acknowledged is lost when the
process dies, and one slow task does not hold up the others."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.adapters.local.folder_audit import FolderAuditLog
from shared.adapters.local.sqlite_directory import SqliteDatabase
from shared.adapters.local.sqlite_lease import ProcessLease
from shared.adapters.local.sqlite_queue import SqliteTaskQueue, TaskSignal
from shared.adapters.local.sqlite_worker import Run, SqliteTaskWorker
from shared.adapters.memory import InMemoryNotifier
from shared.audit.models import Outcome, StreamKey
from shared.bootstrap.local import for_local
from shared.config import Settings
from shared.invocation import DeferredCommand, ReplyTarget
from shared.replies import Reply, Tone
from tests.support import ORG, never_abandoned, queued_task, records, run


@pytest.fixture
def dead_pid() -> int:
    """The id of a process that has exited (and been reaped)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


@pytest.fixture
def released() -> Iterator[threading.Event]:
    """Set at the end of a test, so tasks it left blocked finish."""
    event = threading.Event()
    yield event
    event.set()


def _dead_lease(database: SqliteDatabase, dead_pid: int) -> ProcessLease:
    """The lease of a process that (as the database knows it) has since died."""
    lease = ProcessLease(database)
    lease.pid = dead_pid
    return lease


def _process(
    database: SqliteDatabase,
    run: Run,
    *,
    lease: ProcessLease | None = None,
    workers: int = 4,
    pauses: tuple[float, ...] = (0.0, 0.0),
) -> tuple[SqliteTaskQueue, SqliteTaskWorker]:
    """A process's queue and its worker (not started), as the local deployment wires them
    (retrying at once, not after PAUSES)."""
    lease = lease or ProcessLease(database)
    signal = TaskSignal()
    queue = SqliteTaskQueue(database, lease=lease, signal=signal)
    worker = SqliteTaskWorker(
        database,
        lease=lease,
        signal=signal,
        run=run,
        abandon=never_abandoned,
        workers=workers,
        pauses=pauses,
    )
    return queue, worker


def test_tasks_a_dead_process_acknowledged_run_in_the_next_one(
    tmp_path: Path, dead_pid: int
) -> None:
    # GIVEN two tasks acknowledged by a process that died before its workers ran them
    database = SqliteDatabase(tmp_path / "autosre.db")
    dead = SqliteTaskQueue(database, lease=_dead_lease(database, dead_pid), signal=TaskSignal())
    first, second = (
        queued_task("investigation open checkout-api"),
        queued_task("doctor", user="ann"),
    )
    dead.enqueue(first)
    dead.enqueue(second)
    # WHEN the next process starts on the same file
    ran: list[DeferredCommand] = []
    queue, worker = _process(SqliteDatabase(tmp_path / "autosre.db"), ran.append)
    assert worker.start() == 2
    queue.join()
    # THEN both ran, once each
    assert sorted(task.command for task in ran) == ["doctor", "investigation open checkout-api"]


def test_a_slow_task_does_not_hold_up_the_others(tmp_path: Path, released: threading.Event) -> None:
    # GIVEN a task that hangs (a provider read that never answers)
    database = SqliteDatabase(tmp_path / "autosre.db")
    done: list[str] = []
    hung = threading.Event()

    def consume(task: DeferredCommand) -> None:
        if task.command == "investigation open stuck-api":
            hung.set()
            released.wait()
        done.append(task.command)

    queue, worker = _process(database, consume)
    worker.start()
    queue.enqueue(queued_task("investigation open stuck-api"))
    assert hung.wait(10)
    # WHEN more tasks are queued behind it
    queue.enqueue(queued_task("investigation open checkout-api"))
    queue.enqueue(queued_task("doctor"))
    # THEN they finish while it still hangs
    for _ in range(100):
        if len(done) == 2:
            break
        released.wait(0.1)
    assert sorted(done) == ["doctor", "investigation open checkout-api"]


class _Down(InMemoryNotifier):
    """A chat API that refuses the first `times` posts (unreachable), then takes them."""

    def __init__(self, *, times: int) -> None:
        super().__init__()
        self.times = times
        self.refused = 0

    def post(
        self, target: ReplyTarget, reply: Reply, *, user: str | None = None
    ) -> ReplyTarget | None:
        if self.refused < self.times:
            self.refused += 1
            raise OSError("slack.com unreachable")
        return super().post(target, reply, user=user)


@pytest.mark.parametrize("down", [0, 1], ids=["chat-up", "chat-down-once"])
def test_a_task_interrupted_twice_is_reported_failed_and_audited(
    tmp_path: Path, dead_pid: int, released: threading.Event, down: int
) -> None:
    # GIVEN team payments, and an investigation whose process died twice while running it
    settings = Settings(home=tmp_path, org_admins=("slack:T1:root",))
    first = for_local(settings, notifier=InMemoryNotifier())
    assert not run(first, "team create payments").failed
    database = SqliteDatabase(tmp_path / "autosre.db")
    started = threading.Semaphore(0)

    def hang(_: DeferredCommand) -> None:
        started.release()
        released.wait()

    for dying in range(2):
        lease = _dead_lease(database, dead_pid)
        queue, worker = _process(database, hang, lease=lease, workers=1)
        if dying == 0:
            worker.start()
            queue.enqueue(queued_task("sre investigation open checkout-api --team=payments"))
        else:
            assert worker.start() == 1
        assert started.acquire(timeout=10)
    # WHEN Auto SRE starts again (its chat API refusing the first `down` posts)
    notifier = _Down(times=down)
    services = for_local(settings, notifier=notifier)
    assert isinstance(services.tasks, SqliteTaskQueue)
    services.tasks.join()
    # THEN it is not run a third time: its user is told once, and the trail records the
    # failure once (a post tried again writes no second entry)
    [(target, reply)] = notifier.posted
    assert target.channel == "C-general"
    assert reply.title == "Not done: `sre investigation open`"
    assert "Run it again" in reply.text
    assert reply.receipt
    trail = records(FolderAuditLog(tmp_path / "audit"), StreamKey(org=ORG, team="payments"))
    [entry] = [e for e in trail if e.command.startswith("sre investigation open")]
    assert (entry.command, entry.outcome) == (
        "sre investigation open checkout-api --team=payments",
        Outcome.FAILED,
    )


def test_a_task_queued_before_the_worker_starts_waits_in_the_file_and_then_runs(
    tmp_path: Path,
) -> None:
    # GIVEN a process whose queue takes a task before its worker is running (enqueue only)
    database = SqliteDatabase(tmp_path / "autosre.db")
    ran: list[DeferredCommand] = []
    queue, worker = _process(database, ran.append)
    queue.enqueue(queued_task("investigation open checkout-api"))
    # THEN it is kept, not refused or run
    assert ran == []
    # WHEN the worker starts THEN it runs the task, once
    worker.start()
    queue.join()
    assert [task.command for task in ran] == ["investigation open checkout-api"]


def _worker_threads() -> int:
    return sum(t.name.startswith("autosre-worker") for t in threading.enumerate())


def test_an_idle_worker_starts_no_thread_until_a_task_is_queued(tmp_path: Path) -> None:
    # GIVEN a process's queue and worker, started with nothing to take over
    ran: list[DeferredCommand] = []
    before = _worker_threads()
    queue, worker = _process(SqliteDatabase(tmp_path / "autosre.db"), ran.append, workers=2)
    assert worker.start() == 0
    # THEN no thread polls the file yet (a deployment built is not a process busy)
    assert _worker_threads() == before
    # WHEN a task is queued THEN the threads start and run it
    queue.enqueue(queued_task("doctor"))
    queue.join()
    assert _worker_threads() == before + 2
    assert [task.command for task in ran] == ["doctor"]


def test_a_task_whose_answer_could_not_be_posted_is_retried_not_dropped(tmp_path: Path) -> None:
    # GIVEN a worker whose first post of an answer fails (Slack unreachable for a moment)
    database = SqliteDatabase(tmp_path / "autosre.db")
    tries: list[str] = []

    def post_fails_once(task: DeferredCommand) -> None:
        tries.append(task.command)
        if len(tries) == 1:
            raise OSError("slack.com unreachable")

    queue, worker = _process(database, post_fails_once)
    worker.start()
    # WHEN a task is queued
    queue.enqueue(queued_task("doctor"))
    queue.join()
    # THEN it was tried again and answered, then left the queue
    assert tries == ["doctor", "doctor"]
    assert database.query("SELECT COUNT(*) FROM tasks") == [(0,)]


def test_a_task_that_keeps_failing_is_given_up_after_its_retries(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN a worker whose posts always fail
    database = SqliteDatabase(tmp_path / "autosre.db")
    tries: list[str] = []

    def always_fails(task: DeferredCommand) -> None:
        tries.append(task.command)
        raise OSError("slack.com unreachable")

    queue, worker = _process(database, always_fails)
    worker.start()
    queue.enqueue(queued_task("doctor"))
    queue.join()
    # THEN it was tried three times, then given up and logged, never looping for ever
    assert tries == ["doctor"] * 3
    assert "deferred command failed; given up" in caplog.text
    assert database.query("SELECT COUNT(*) FROM tasks") == [(0,)]


def test_an_answer_posted_again_after_a_failed_post_reruns_nothing(tmp_path: Path) -> None:
    # GIVEN the embedded default, whose chat API refuses the first post
    settings = Settings(home=tmp_path, org_admins=("slack:T1:root",))
    notifier = _Down(times=1)
    services = for_local(settings, notifier=notifier)
    for text in [
        "team create payments",
        "team member add root --role admin --team payments",
        "service register api --sample checkout --team payments",
    ]:
        assert not run(services, text).failed, text
    # WHEN a deferred command runs and its answer's post fails
    assert run(services, "investigate api --team payments").tone is Tone.ACCEPTED
    assert isinstance(services.tasks, SqliteTaskQueue)
    services.tasks.join()
    # THEN the answer is posted on the retry, once, and the command ran once (one outcome)
    assert notifier.refused == 1
    [(_, reply)] = notifier.posted
    assert reply.title.startswith("api:")
    outcomes = [
        entry.outcome
        for entry in records(
            FolderAuditLog(tmp_path / "audit"), StreamKey(org=ORG, team="payments")
        )
        if entry.command.startswith("sre investigation open")
    ]
    assert outcomes == [Outcome.REQUESTED, Outcome.SUCCEEDED]
