"""The Lambda context reaches the run-once guard through the handler's call: Powertools locks a
running delivery for the time its invocation has left (not the record's hour), with no step a
handler must remember besides being a Lambda handler."""

from __future__ import annotations

import copy
import time
from typing import Any

import boto3
import pytest

from handlers import aws_runtime, aws_scheduler
from shared.replies import Reply, Tone
from tests.support.payloads import LambdaContext, load


class ShortContext(LambdaContext):
    """An invocation with 12.345 s left."""

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 12_345


def _locks(table: str) -> list[dict[str, Any]]:
    """The run-once records Powertools wrote in the app table."""
    items = boto3.client("dynamodb").scan(TableName=table)["Items"]
    return [item for item in items if "status" in item and "expiration" in item]


def test_a_scheduled_tick_locks_its_delivery_for_the_time_its_invocation_has_left(
    aws: dict[str, str],
) -> None:
    # GIVEN the alert schedule's function, invoked with 12.345 s left
    event = copy.deepcopy(load("aws/eventBridgeSchedulerEvent.json"))
    before = time.time() * 1000
    # WHEN it runs its tick (run once per schedule event)
    result = aws_scheduler.alerts(event, ShortContext())
    after = time.time() * 1000
    # THEN the delivery's in-progress lock ends when the invocation would time out
    assert not result["failed"]
    (lock,) = _locks(aws["AUTOSRE_TABLE"])
    ends = int(lock["in_progress_expiration"]["N"])
    assert before + 12_345 <= ends <= after + 12_345


def test_the_guard_outside_a_lambda_invocation_says_what_is_missing(
    aws: dict[str, str],
) -> None:
    # GIVEN no Lambda invocation in progress (a handler that was not wrapped)
    guard = aws_runtime.guard()
    # WHEN a delivery asks to run once THEN it is refused, saying how to fix the handler
    with pytest.raises(RuntimeError, match=r"@aws_runtime\.lambda_handler"):
        guard(key="slack:T1:Ev1", run=lambda: Reply(tone=Tone.OK, title="ran"))
    assert _locks(aws["AUTOSRE_TABLE"]) == []
