"""One contract for the QueueGauge port (`sre doctor`'s task queue line): in memory, the SQLite
file of the embedded default, and SQS on moto with its dead-letter queue."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from shared.adapters.aws.sqs_depth import SqsQueueGauge, dead_letter_url
from shared.adapters.aws.sqs_queue import SqsTaskQueue
from shared.adapters.local.sqlite_directory import SqliteDatabase
from shared.adapters.local.sqlite_lease import ProcessLease
from shared.adapters.local.sqlite_queue import SqliteTaskQueue, TaskSignal
from shared.adapters.memory import InMemoryTaskQueue
from shared.doctor.ports import QueueGauge
from shared.invocation import DeferredCommand
from shared.ports import TaskQueue
from tests.support import queued_task
from tests.support.aws import create_queues

Queue = tuple[TaskQueue, QueueGauge, Callable[[], None]]
"""A task queue, its gauge, and how to make one task fail for good (where a queue can)."""


@pytest.fixture(params=["memory", "sqlite", "sqs"])
def queue(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Queue]:
    if request.param == "memory":
        memory = InMemoryTaskQueue()
        yield memory, memory, lambda: None
        return
    if request.param == "sqlite":
        database = SqliteDatabase(tmp_path / "queue.db")
        local = SqliteTaskQueue(database, lease=ProcessLease(database), signal=TaskSignal())
        yield local, local, lambda: None
        return
    with mock_aws():
        url = create_queues()
        dead = boto3.client("sqs").get_queue_url(QueueName="autosre-tasks-dlq")["QueueUrl"]

        def dead_letter() -> None:
            boto3.client("sqs").send_message(QueueUrl=dead, MessageBody="failed five times")

        yield SqsTaskQueue(queue_url=url), SqsQueueGauge(queue_url=url), dead_letter


def _task(n: int) -> DeferredCommand:
    return queued_task(f"investigation open checkout-{n}")


def test_an_empty_queue_reads_empty(queue: Queue) -> None:
    _, gauge, _ = queue
    depth = gauge.depth()
    assert (depth.waiting, depth.running) == (0, 0)
    assert depth.dead_letters in (None, 0)


def test_the_tasks_queued_are_counted_as_waiting(queue: Queue) -> None:
    tasks, gauge, _ = queue
    for n in range(3):
        tasks.enqueue(_task(n))
    assert gauge.depth().waiting == 3


def test_a_queue_with_a_dead_letter_queue_counts_it(queue: Queue) -> None:
    _, gauge, dead_letter = queue
    before = gauge.depth().dead_letters
    dead_letter()
    after = gauge.depth().dead_letters
    assert after == (None if before is None else before + 1)


def test_the_dead_letter_url_is_at_the_task_queues_endpoint() -> None:
    url = "https://sqs.eu-west-1.amazonaws.com/123456789012/autosre-prod-TaskQueue-AB12"
    arn = "arn:aws:sqs:eu-west-1:123456789012:autosre-prod-TaskDeadLetterQueue-CD34"
    assert dead_letter_url(url, arn) == (
        "https://sqs.eu-west-1.amazonaws.com/123456789012/autosre-prod-TaskDeadLetterQueue-CD34"
    )


@mock_aws
def test_a_deleted_queue_cannot_be_read() -> None:
    url = create_queues()
    boto3.client("sqs").delete_queue(QueueUrl=url)
    with pytest.raises(boto3.client("sqs").exceptions.QueueDoesNotExist):
        SqsQueueGauge(queue_url=url).depth()
