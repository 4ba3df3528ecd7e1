"""One contract for the DeliveryGuard port (run-once per platform delivery id): memory, SQLite,
and Powertools idempotency on DynamoDB (moto), the guard the AWS handlers use."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from moto import mock_aws

from handlers.idempotency import PowertoolsGuard, RequestDeadline
from shared.adapters.local.sqlite_directory import SqliteDatabase
from shared.adapters.local.sqlite_guard import SqliteDeliveryGuard
from shared.adapters.local.sqlite_lease import ProcessLease
from shared.adapters.memory import InMemoryDeliveryGuard
from shared.ports import DeliveryGuard
from shared.replies import Reply, Tone
from tests.support.aws import create_table
from tests.support.payloads import LambdaContext

KEY = "slack:T1:trigger-1"


@pytest.fixture(params=["memory", "sqlite", "powertools"])
def guard(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DeliveryGuard]:
    if request.param == "memory":
        yield InMemoryDeliveryGuard()
    elif request.param == "sqlite":
        database = SqliteDatabase(tmp_path / "autosre.db")
        yield SqliteDeliveryGuard(database, lease=ProcessLease(database))
    else:
        with mock_aws():
            yield _powertools(create_table())


@pytest.fixture(params=["memory", "sqlite", "powertools"])
def two(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[DeliveryGuard, DeliveryGuard]]:
    """Two guards where a retry may land on either: two processes on one SQLite file, two Lambda
    containers on one table (memory has one process: the same guard twice)."""
    if request.param == "memory":
        memory = InMemoryDeliveryGuard()
        yield memory, memory
    elif request.param == "sqlite":
        database = SqliteDatabase(tmp_path / "autosre.db")
        yield (
            SqliteDeliveryGuard(database, lease=ProcessLease(database)),
            SqliteDeliveryGuard(database, lease=ProcessLease(database)),
        )
    else:
        with mock_aws():
            table = create_table()
            yield _powertools(table), _powertools(table)


def _powertools(table: str) -> PowertoolsGuard:
    """The handlers' guard in one Lambda container, its invocation's context registered."""
    return PowertoolsGuard(table=table, context=LambdaContext)


class Action:
    """A command's run: counts its runs and answers with a numbered reply (or fails)."""

    def __init__(self, title: str, *, fails: bool = False) -> None:
        self.title = title
        self.fails = fails
        self.runs = 0

    def __call__(self) -> Reply:
        self.runs += 1
        if self.fails:
            raise ConnectionError("the provider did not answer")
        return Reply(tone=Tone.OK, title=f"{self.title} (run {self.runs})")


def _title(reply: Reply | None) -> str | None:
    return reply.title if reply else None


def test_a_retried_delivery_runs_once_and_gets_the_first_reply(guard: DeliveryGuard) -> None:
    # GIVEN a delivery that ran
    action = Action("restarted checkout")
    first = guard(key=KEY, run=action)
    # WHEN the platform retries it twice
    retries = [guard(key=KEY, run=action), guard(key=KEY, run=action)]
    # THEN the action ran once and each retry answers with the first run's reply
    assert action.runs == 1
    assert _title(first) == "restarted checkout (run 1)"
    assert [_title(reply) for reply in retries] == ["restarted checkout (run 1)"] * 2


def test_the_stored_reply_keeps_everything_the_user_sees(guard: DeliveryGuard) -> None:
    reply = Reply(
        tone=Tone.ERROR, title="Alert raised", text="p99 `1.2 s`", fields=[("errors", "3 %")]
    )
    guard(key=KEY, run=lambda: reply)
    assert guard(key=KEY, run=lambda: Reply(tone=Tone.OK, title="other")) == reply


def test_different_deliveries_each_run(guard: DeliveryGuard) -> None:
    first, second = Action("first"), Action("second")
    guard(key="slack:T1:trigger-1", run=first)
    guard(key="slack:T1:trigger-2", run=second)
    assert (first.runs, second.runs) == (1, 1)


def test_a_retry_while_the_first_run_is_in_progress_gets_none_and_does_not_run(
    guard: DeliveryGuard,
) -> None:
    # GIVEN a slow first run, during which the platform retries the delivery
    retry = Action("retry")
    during: list[Reply | None] = []

    def slow() -> Reply:
        during.append(guard(key=KEY, run=retry))
        return Reply(tone=Tone.OK, title="first")

    first = guard(key=KEY, run=slow)
    # THEN the retry is told "in progress" (None) and does not run the action again
    assert during == [None]
    assert retry.runs == 0
    # AND once the first run finished, a retry gets its reply
    assert _title(first) == "first"
    assert _title(guard(key=KEY, run=retry)) == "first"


def test_a_failed_run_is_not_remembered_so_the_retry_runs_it(guard: DeliveryGuard) -> None:
    # GIVEN a first run that failed (its error reaches the caller, nothing is stored)
    failing = Action("restart", fails=True)
    with pytest.raises(ConnectionError):
        guard(key=KEY, run=failing)
    # WHEN the platform retries the delivery
    retry = Action("restart")
    answer = guard(key=KEY, run=retry)
    # THEN the retry runs it and its reply is the one kept for later retries
    assert retry.runs == 1
    assert _title(answer) == "restart (run 1)"
    assert _title(guard(key=KEY, run=Action("again"))) == "restart (run 1)"


def test_a_failed_run_leaves_other_deliveries_alone(guard: DeliveryGuard) -> None:
    done: Callable[[], Reply] = Action("other")
    guard(key="slack:T1:trigger-2", run=done)
    with pytest.raises(ConnectionError):
        guard(key=KEY, run=Action("restart", fails=True))
    assert _title(guard(key="slack:T1:trigger-2", run=Action("again"))) == "other (run 1)"


def test_a_retry_landing_on_another_process_gets_the_first_reply(
    two: tuple[DeliveryGuard, DeliveryGuard],
) -> None:
    first, other = two
    action = Action("paged oncall")
    first(key=KEY, run=action)
    assert _title(other(key=KEY, run=action)) == "paged oncall (run 1)"
    assert action.runs == 1


def test_a_retry_on_another_process_during_the_first_run_gets_none(
    two: tuple[DeliveryGuard, DeliveryGuard],
) -> None:
    first, other = two
    retry = Action("retry")
    during: list[Reply | None] = []

    def slow() -> Reply:
        during.append(other(key=KEY, run=retry))
        return Reply(tone=Tone.OK, title="first")

    first(key=KEY, run=slow)
    assert during == [None]
    assert retry.runs == 0


def test_a_run_that_failed_on_one_process_is_run_by_the_retry_on_another(
    two: tuple[DeliveryGuard, DeliveryGuard],
) -> None:
    first, other = two
    with pytest.raises(ConnectionError):
        first(key=KEY, run=Action("restart", fails=True))
    retry = Action("restart")
    assert _title(other(key=KEY, run=retry)) == "restart (run 1)"
    assert retry.runs == 1


class _Killed(BaseException):
    """A delivery cut off mid-command (a timeout, an instance stopped): nothing cleans up."""


def test_a_cloud_function_delivery_killed_mid_command_is_run_by_the_retry() -> None:
    # GIVEN the Cloud Functions guard, each request's lock lasting its time left (none left)
    with mock_aws():
        guard = PowertoolsGuard(table=create_table(), context=lambda: RequestDeadline(0))

        def killed() -> Reply:
            raise _Killed

        # WHEN the first delivery is cut off inside the command
        with pytest.raises(_Killed):
            guard(key="slack:T1:Ev1", run=killed)
        time.sleep(0.01)  # past the first request's deadline
        # THEN the retry runs it (with no deadline the lock lasted the record's hour: every
        # retry was dropped, and nobody told)
        retried = Action("member added")
        assert _title(guard(key="slack:T1:Ev1", run=retried)) == "member added (run 1)"
        assert retried.runs == 1
