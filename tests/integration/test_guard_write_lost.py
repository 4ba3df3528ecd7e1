"""The run-once guard's last write (Powertools saving a run's result in DynamoDB) throttled after
the work was done: the work stands, is answered as done, and is not done again."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from aws_lambda_powertools.utilities.idempotency.persistence.dynamodb import (
    DynamoDBPersistenceLayer,
)
from botocore.exceptions import ClientError
from moto import mock_aws

from handlers.idempotency import PowertoolsGuard
from shared.adapters.memory import InMemoryInvestigationStore
from shared.bootstrap.wiring import Services, build
from shared.config import Settings
from shared.replies import Tone
from tests.support import NOW, ORG, MovingClock, memory_adapters, run, run_worker, setup_teams
from tests.support.aws import create_table
from tests.support.payloads import LambdaContext


@pytest.fixture
def throttled_once(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """DynamoDB refusing the guard's next save of a result (UpdateItem), once armed."""
    armed = {"left": 0}
    saved = DynamoDBPersistenceLayer._update_record

    def update(self: DynamoDBPersistenceLayer, data_record: Any) -> None:
        if armed["left"]:
            armed["left"] -= 1
            code = "ProvisionedThroughputExceededException"
            raise ClientError({"Error": {"Code": code, "Message": "throttled"}}, "UpdateItem")
        saved(self, data_record)

    monkeypatch.setattr(DynamoDBPersistenceLayer, "_update_record", update)
    return armed


@pytest.fixture
def services() -> Iterator[tuple[Services, InMemoryInvestigationStore]]:
    with mock_aws():
        guard = PowertoolsGuard(table=create_table(), context=LambdaContext)
        store = InMemoryInvestigationStore()
        adapters = memory_adapters(MovingClock(NOW), guard=guard, investigations=store)
        services = build(Settings(org_admins=("slack:T1:root",)), adapters)
        setup_teams(services)
        register = "service register checkout-api --sample checkout --team payments"
        assert not run(services, register, user="oli").failed
        yield services, store


def test_a_task_whose_guard_write_was_throttled_is_done_once_and_answered(
    services: tuple[Services, InMemoryInvestigationStore], throttled_once: dict[str, int]
) -> None:
    bus, store = services
    # GIVEN an investigation queued for the worker
    assert run(bus, "investigate checkout-api", user="rey", channel="C-pay").tone is Tone.ACCEPTED
    (task,) = bus.tasks.drain()  # type: ignore[attr-defined]
    # WHEN the worker runs it and the guard's save of its result is throttled
    throttled_once["left"] = 1
    first = bus.run_task(task)
    # THEN it is answered as done (it raised: the queue redelivered it, and once the record's
    # lock ended the redelivery opened a second investigation)
    assert first.tone is not Tone.ERROR and first.title.startswith("checkout-api"), first
    assert len(store.open_for(ORG, "payments")) == 1
    assert run_worker(bus) == []  # nothing was put back


def test_a_command_whose_guard_write_was_throttled_is_answered_as_done(
    services: tuple[Services, InMemoryInvestigationStore], throttled_once: dict[str, int]
) -> None:
    bus, _ = services
    # WHEN a member is added by a Slack mention (run once per delivery) and the save is throttled
    throttled_once["left"] = 1
    added = run(bus, "team member add zed --team payments", delivery="Ev-1")
    # THEN the answer is the change made (it was "Internal error", the change made and audited)
    assert added.tone is Tone.OK, added
    assert "zed" in added.title
