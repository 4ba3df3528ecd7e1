"""Team scope under load: 3 teams × 3 concurrent investigations, on DynamoDB (moto) and SQLite."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from shared.adapters.aws.dynamodb_directory import DynamoDbDirectory
from shared.adapters.aws.dynamodb_investigations import DynamoDbInvestigationStore
from shared.adapters.local.folder_audit import FolderAuditLog
from shared.adapters.local.sqlite_directory import SqliteDatabase, SqliteDirectory
from shared.adapters.local.sqlite_investigations import SqliteInvestigationStore
from shared.adapters.memory import (
    FixedClock,
    InMemoryAuditLog,
    InMemoryTaskQueue,
)
from shared.audit.ports import AuditDirectory, AuditLog
from shared.bootstrap.wiring import Services, build
from shared.config import Settings
from shared.investigations.ports import InvestigationStore
from shared.replies import Reply, Tone
from tests.support import NOW, invocation, memory_adapters
from tests.support.aws import create_table, serialised

pytestmark = pytest.mark.slow

TEAMS = ("payments", "search", "identity")
PER_TEAM = 3


def _build(directory: AuditDirectory, store: InvestigationStore, log: AuditLog) -> Services:
    clock = FixedClock(NOW)
    adapters = memory_adapters(clock, directory=directory, audit_log=log, investigations=store)
    return build(Settings(org_admins=("slack:T1:root",)), adapters)


@pytest.fixture(params=["dynamodb", "sqlite"])
def services(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Services]:
    if request.param == "sqlite":
        database = SqliteDatabase(tmp_path / "autosre.db")
        yield _build(
            SqliteDirectory(database),
            SqliteInvestigationStore(database),
            FolderAuditLog(tmp_path / "audit"),
        )
        return
    with mock_aws():
        table = create_table()
        client = serialised(
            boto3.client("dynamodb"),
            "dynamodb",
            "moto's TransactWriteItems deep-copies tables other threads change",
        )
        yield _build(
            DynamoDbDirectory(table=table, client=client),
            DynamoDbInvestigationStore(table=table, client=client),
            InMemoryAuditLog(),
        )


def _run(services: Services, text: str, user: str, channel: str) -> Reply:
    reply = services.bus.handle(invocation(text, user=user, channel=channel))
    tasks = services.tasks
    assert isinstance(tasks, InMemoryTaskQueue)
    mine = [t for t in tasks.drain() if t.invocation.correlation_id == reply.correlation_id]
    for task in mine:
        reply = services.bus.resume(task)
    return reply


def test_concurrent_investigations_stay_in_their_teams(services: Services) -> None:
    # GIVEN three teams, each with its own channel, responder and sample service
    for team in TEAMS:
        for text in (
            f"team create {team}",
            f"team member add r-{team} --role operator --team {team}",
            f"team bind C-{team} --team {team}",
        ):
            assert not _run(services, text, "root", "C-admin").failed
        assert not _run(
            services, "service register checkout-api --sample checkout", f"r-{team}", f"C-{team}"
        ).failed
    # WHEN each team's responder opens PER_TEAM (three) investigations at once, each of its own
    # window (the same one again is the same request sent twice: one investigation)
    replies: dict[str, list[Reply]] = {team: [] for team in TEAMS}
    lock = threading.Lock()

    def work(team: str, n: int) -> None:
        asked = invocation(
            f"investigate checkout-api --window {60 + n}m",
            user=f"r-{team}",
            channel=f"C-{team}",
            delivery=f"{team}-{n}",
        )
        reply = services.bus.handle(asked.model_copy(update={"correlation_id": f"{team}-{n}"}))
        task = next(
            t
            for t in list(services.tasks.tasks)  # type: ignore[attr-defined]
            if t.invocation.delivery_id == f"{team}-{n}"
        )
        result = services.bus.resume(task)
        assert reply.tone is Tone.ACCEPTED
        with lock:
            replies[team].append(result)

    threads = [
        threading.Thread(target=work, args=(team, n)) for team in TEAMS for n in range(PER_TEAM)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # THEN every investigation has its own findings and nothing was lost
    for team in TEAMS:
        ids = {dict(r.fields)["Investigation"].split()[0] for r in replies[team]}
        assert len(ids) == PER_TEAM
        assert all("after deploy v42" in r.title for r in replies[team])
        listed = _run(services, "investigation list", f"r-{team}", f"C-{team}")
        assert {field for field, _ in listed.fields} == ids
        # AND nobody sees another team's
        other = next(t for t in TEAMS if t != team)
        for investigation_id in ids:
            peek = _run(
                services, f"investigation show {investigation_id}", f"r-{other}", f"C-{other}"
            )
            assert peek.title == "Not found"
