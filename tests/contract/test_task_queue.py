"""One contract for the TaskQueue port: what the bus enqueues reaches the worker whole, once, on
memory, the SQLite file (run by its worker's threads) and SQS (moto; received as the worker
Lambda is)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
from botbuilder.core import TurnContext
from botbuilder.schema import Activity
from moto import mock_aws

from shared.adapters.aws.sqs_queue import SqsTaskQueue
from shared.adapters.local.sqlite_directory import SqliteDatabase
from shared.adapters.local.sqlite_lease import ProcessLease
from shared.adapters.local.sqlite_queue import SqliteTaskQueue, TaskSignal
from shared.adapters.local.sqlite_worker import SqliteTaskWorker
from shared.adapters.memory import InMemoryTaskQueue
from shared.commands.grammar import COMMAND_MAX
from shared.identity.models import Platform
from shared.invocation import DeferredCommand, ReplyTarget
from shared.ports import TaskQueue
from tests.support import invocation, never_abandoned, queued_task
from tests.support.aws import create_queues
from tests.support.payloads import load


@dataclass
class Queue:
    """A task queue, and what its worker has been handed since the last look."""

    queue: TaskQueue
    delivered: Callable[[], list[DeferredCommand]]


def _sqlite(tmp_path: Path) -> Queue:
    database = SqliteDatabase(tmp_path / "autosre.db")
    lease, signal = ProcessLease(database), TaskSignal()
    queue = SqliteTaskQueue(database, lease=lease, signal=signal)
    received: list[DeferredCommand] = []
    lock = threading.Lock()

    def consume(task: DeferredCommand) -> None:
        with lock:
            received.append(task)

    def delivered() -> list[DeferredCommand]:
        queue.join()
        with lock:
            taken = received[:]
            received.clear()
        return taken

    worker = SqliteTaskWorker(
        database, lease=lease, signal=signal, run=consume, abandon=never_abandoned
    )
    worker.start()
    return Queue(queue, delivered)


def _sqs() -> Queue:
    url = create_queues()
    sqs = boto3.client("sqs")
    # SQS refuses a message over the queue's limit (moto may not): each body is measured here
    limit = int(
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["MaximumMessageSize"])["Attributes"][
            "MaximumMessageSize"
        ]
    )

    def delivered() -> list[DeferredCommand]:
        """Receive as the worker's event source does; delete what ran (a successful batch)."""
        taken: list[DeferredCommand] = []
        while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get(
            "Messages", []
        ):
            for message in messages:
                assert len(message["Body"].encode()) <= limit, "SQS would refuse this task"
                taken.append(DeferredCommand.model_validate_json(message["Body"]))
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return taken

    return Queue(SqsTaskQueue(queue_url=url, client=sqs), delivered)


@pytest.fixture(params=["memory", "sqlite", "sqs"])
def tasks(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Queue]:
    if request.param == "memory":
        memory = InMemoryTaskQueue()
        yield Queue(memory, memory.drain)
    elif request.param == "sqlite":
        yield _sqlite(tmp_path)
    else:
        with mock_aws():
            yield _sqs()


def _teams_task(text: str) -> DeferredCommand:
    """A task from a real Teams message, answered in its conversation (Bot Framework reference)."""
    activity = Activity().deserialize(load("teams/message_activity.json"))
    reference = TurnContext.get_conversation_reference(activity).serialize()
    typed = invocation(text, platform=Platform.TEAMS)
    reply_to = ReplyTarget(platform=Platform.TEAMS, conversation=reference)
    return DeferredCommand(
        invocation=typed.model_copy(update={"reply_to": reply_to}), command=text, team="payments"
    )


def test_the_worker_gets_the_task_as_the_bus_enqueued_it(tasks: Queue) -> None:
    # GIVEN a slow command typed in Teams (its answer goes back into that conversation)
    task = _teams_task("investigate checkout-api --since 1h")
    # WHEN the bus queues it
    tasks.queue.enqueue(task)
    # THEN the worker is handed the same command, caller and reply target
    assert tasks.delivered() == [task]


def test_each_queued_task_reaches_the_worker_once(tasks: Queue) -> None:
    # GIVEN several users' slow commands queued one after another
    queued = [queued_task(f"investigate svc-{n} --since 1h", user=f"u{n}") for n in range(12)]
    for task in queued:
        tasks.queue.enqueue(task)
    # THEN each runs exactly once (none lost, none twice), and nothing is left to run
    delivered = tasks.delivered()
    assert sorted(t.command for t in delivered) == sorted(t.command for t in queued)
    assert {t.invocation.actor.user for t in delivered} == {f"u{n}" for n in range(12)}
    assert tasks.delivered() == []


def test_the_longest_command_a_user_may_type_is_queued_whole(tasks: Queue) -> None:
    # GIVEN the longest command line the grammar reads, in four-byte characters (SQS takes at most
    # 256 KiB a message), from Teams (whose conversation reference rides along)
    text = "investigate checkout-api " + "🔥" * (COMMAND_MAX - 25)
    task = _teams_task(text)
    assert len(text) == COMMAND_MAX
    # WHEN it is queued, THEN the worker gets every character of it
    tasks.queue.enqueue(task)
    [delivered] = tasks.delivered()
    assert delivered.invocation.text == text
    assert delivered == task
