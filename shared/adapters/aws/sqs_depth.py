"""The task queue's depth on SQS, and its dead-letter queue's, for `sre doctor`."""

from __future__ import annotations

import json
from functools import cached_property
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import boto3

from shared.doctor.ports import QueueDepth

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient


def dead_letter_url(queue_url: str, dead_letter_arn: str) -> str:
    """The dead-letter queue's URL from its ARN (SQS keeps it in the task queue's account and
    Region, so at the task queue's endpoint): no GetQueueUrl call, no grant for one."""
    _, _, _, _, account, name = dead_letter_arn.split(":", 5)
    parts = urlsplit(queue_url)
    return f"{parts.scheme}://{parts.netloc}/{account}/{name}"


class SqsQueueGauge:
    """Reads the queue's attributes (GetQueueAttributes), then its dead-letter queue's."""

    def __init__(self, *, queue_url: str, client: SQSClient | None = None) -> None:
        self._url = queue_url
        self._given = client

    @cached_property
    def _client(self) -> SQSClient:
        """The client given, or one made at first use."""
        return self._given or boto3.client("sqs")

    def depth(self) -> QueueDepth:
        """The messages waiting and in flight, and those in the dead-letter queue."""
        found = self._client.get_queue_attributes(
            QueueUrl=self._url,
            AttributeNames=[
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesNotVisible",
                "RedrivePolicy",
            ],
        )["Attributes"]
        redrive = found.get("RedrivePolicy")
        dead = None
        if redrive:
            target = dead_letter_url(self._url, json.loads(redrive)["deadLetterTargetArn"])
            dead_found = self._client.get_queue_attributes(
                QueueUrl=target, AttributeNames=["ApproximateNumberOfMessages"]
            )["Attributes"]
            dead = int(dead_found.get("ApproximateNumberOfMessages", "0"))
        return QueueDepth(
            queue=f"SQS {self._url.rsplit('/', 1)[-1]}",
            waiting=int(found.get("ApproximateNumberOfMessages", "0")),
            running=int(found.get("ApproximateNumberOfMessagesNotVisible", "0")),
            dead_letters=dead,
        )
