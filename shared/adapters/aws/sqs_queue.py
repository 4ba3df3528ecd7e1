"""The TaskQueue port on SQS: the worker Lambda consumes it, with a dead-letter queue behind it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.commands.invocation import DeferredCommand

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient


class SqsTaskQueue:
    """Sends each deferred command as one JSON message."""

    def __init__(self, *, queue_url: str, client: SQSClient) -> None:
        self._url = queue_url
        self._client = client

    def enqueue(self, task: DeferredCommand) -> None:
        self._client.send_message(
            QueueUrl=self._url,
            MessageBody=task.model_dump_json(),
            MessageAttributes={
                "correlation_id": {
                    "DataType": "String",
                    "StringValue": task.invocation.correlation_id,
                }
            },
        )
