"""Run-once on the embedded default: a dead process's claims are taken over, and the table is
cleaned in batches through an index instead of scanned on every request."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from shared.adapters.local import sqlite_guard
from shared.adapters.local.sqlite_directory import SqliteDatabase
from shared.adapters.local.sqlite_guard import SqliteDeliveryGuard
from shared.adapters.local.sqlite_lease import ProcessLease
from shared.replies import Reply, Tone
from tests.support.local import dead_lease


@pytest.fixture
def database(tmp_path: Path) -> SqliteDatabase:
    return SqliteDatabase(tmp_path / "autosre.db")


def _reply(title: str) -> Reply:
    return Reply(tone=Tone.OK, title=title)


def test_a_retry_takes_over_the_claim_of_a_process_that_died(database: SqliteDatabase) -> None:
    # GIVEN a delivery claimed by a process that died while running it
    dead = SqliteDeliveryGuard(database, lease=dead_lease(database))
    retry = SqliteDeliveryGuard(database, lease=ProcessLease(database))
    answers: list[Reply | None] = []

    def killed_midway() -> Reply:
        # WHEN its retry arrives (the dead run never finishes: it is still "in progress")
        answers.append(retry(key="slack:T1:trigger-1", run=lambda: _reply("ran on retry")))
        return _reply("never delivered")

    dead(key="slack:T1:trigger-1", run=killed_midway)
    # THEN the retry runs it, instead of answering "still in progress" for an hour
    [answer] = answers
    assert answer is not None
    assert answer.title == "ran on retry"


def test_a_live_process_keeps_its_claim(database: SqliteDatabase) -> None:
    first = SqliteDeliveryGuard(database, lease=ProcessLease(database))
    second = SqliteDeliveryGuard(database, lease=ProcessLease(database))
    answers: list[Reply | None] = []

    def running() -> Reply:
        answers.append(second(key="slack:T1:trigger-2", run=lambda: _reply("twice")))
        return _reply("once")

    ran = first(key="slack:T1:trigger-2", run=running)
    assert ran is not None
    assert ran.title == "once"
    assert answers == [None]
    replayed = second(key="slack:T1:trigger-2", run=lambda: _reply("twice"))
    assert replayed is not None
    assert replayed.title == "once"


def test_expired_deliveries_are_removed_in_batches_not_on_every_request(
    database: SqliteDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a busy hour's deliveries, all expired
    monkeypatch.setattr(sqlite_guard, "SWEEP_BATCH", 1000)
    expired = time.time() - 1
    with database.transaction() as db:
        db.executemany(
            "INSERT INTO deliveries (key, reply, expires) VALUES (?, '', ?)",
            [(f"slack:T1:{n}", expired) for n in range(2500)],
        )
    guard = SqliteDeliveryGuard(database, lease=ProcessLease(database))

    def left() -> int:
        return int(str(database.query("SELECT COUNT(*) FROM deliveries")[0][0]))

    # WHEN requests arrive
    guard(key="slack:T1:new-1", run=lambda: _reply("one"))
    after_first = left()
    guard(key="slack:T1:new-2", run=lambda: _reply("two"))
    # THEN the first removes one batch, the next (within the minute) removes none
    assert after_first == 2500 - 1000 + 1
    assert left() == after_first + 1
    # AND the sweep and the lookups go through indexes, not a scan of the table
    plans = [
        str(row[-1])
        for sql in (
            "SELECT key FROM deliveries WHERE expires < 1 LIMIT 1000",
            "SELECT reply FROM deliveries WHERE key = 'x'",
        )
        for row in database.query(f"EXPLAIN QUERY PLAN {sql}")
    ]
    assert all("USING" in plan and "INDEX" in plan for plan in plans), plans
