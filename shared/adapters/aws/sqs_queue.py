"""The TaskQueue port on SQS: the worker Lambda consumes it, with a dead-letter queue behind it."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

import boto3

from shared.invocation import DeferredCommand

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient


class SqsTaskQueue:
    """Sends each deferred command as one JSON message."""

    def __init__(self, *, queue_url: str, client: SQSClient | None = None) -> None:
        self._url = queue_url
        self._given = client

    @cached_property
    def _client(self) -> SQSClient:
        """The client given, or one made at first use (never at import or cold start)."""
        return self._given or boto3.client("sqs")

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
