"""Every stored record's key carries its org: after a realistic session, every item of the
DynamoDB table (two orgs, every DynamoDB store, on moto) has a partition key naming its org, and
every table of the embedded default's SQLite databases has an org column in its primary key or a
unique index, unless it is one of the documented exceptions below. A new store or table that keys
records without the org fails here."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from boto3.dynamodb.types import TypeDeserializer
from moto import mock_aws

from shared.adapters.aws.dynamodb_alerts import DynamoDbAlertStore
from shared.adapters.aws.dynamodb_canaries import DynamoDbCanaryStore
from shared.adapters.aws.dynamodb_chaos import DynamoDbChaosStore
from shared.adapters.aws.dynamodb_directory import DynamoDbDirectory
from shared.adapters.aws.dynamodb_investigations import DynamoDbInvestigationStore
from shared.adapters.aws.dynamodb_owed import DynamoDbOwedEntries
from shared.adapters.aws.dynamodb_prompts import (
    DynamoDbExperimentStore,
    DynamoDbFeedbackStore,
    DynamoDbVariantStore,
)
from shared.adapters.aws.dynamodb_quotas import DynamoDbQuotas
from shared.adapters.local.simulated_chaos import InMemoryChaosState
from shared.adapters.memory import InMemoryAuditLog, InMemoryTaskQueue
from shared.bootstrap.adapters import PromptAdapters
from shared.bootstrap.sample import simulated_chaos
from shared.bootstrap.wiring import Services, build
from shared.config import Settings
from shared.identity.models import Actor, OrgId, Platform, UserId
from shared.invocation import Invocation, ReplyTarget
from shared.replies import Reply, Tone
from tests.support import NOW, MovingClock, memory_adapters
from tests.support.aws import create_table
from tests.support.terminal import sre

ORGS = (OrgId("slack:T1"), OrgId("teams:tenant-a"))
SESSION = (
    "team create payments",
    "team bind --team payments",
    "team member add root --role operator --team payments",
    "service register checkout-api --sample checkout --team payments",
    'chaos plan checkout-api --fault error --expect "error_rate < 1%" --team payments',
    'chaos start checkout-api --fault error --expect "error_rate < 1%" --team payments',
    "investigate checkout-api --team payments",
    'alert create errors --service checkout-api --when "error_rate > 5%" --team payments',
    "alert silence errors --duration 1h --team payments",
    "canary start checkout-api --version 43 --team payments",
    "quota set investigations-per-day 40",
    "quota set alert-policies 10 --team payments",
    "prompt variant add timeline --template timeline-first",
)
"""What an org admin does in a first session: a team, a service, an investigation, an alert
policy and its silence, a canary, a chaos plan and experiment, quotas and a prompt variant."""


def _say(services: Services, org: OrgId, text: str, at: int) -> Reply:
    """`text` from org `org`'s admin `root` in channel C-general; a deferred command's result."""
    invocation = Invocation(
        actor=Actor(platform=Platform(org.partition(":")[0]), org=org, user=UserId("root")),
        channel="C-general",
        text=text,
        correlation_id=f"keys-{at}",
        delivery_id=f"delivery-{org}-{at}",
        received_at=NOW + timedelta(seconds=at),
        reply_to=ReplyTarget(platform=Platform(org.partition(":")[0]), channel="C-general"),
    )
    reply = services.bus.handle(invocation)
    if reply.tone is Tone.ACCEPTED:
        assert isinstance(services.tasks, InMemoryTaskQueue)
        (task,) = services.tasks.drain()
        reply = services.run_task(task)
    return reply


@pytest.fixture
def dynamodb() -> Iterator[tuple[Services, Any, str]]:
    """The bus over every DynamoDB store on one table (moto), the rest as on the embedded default;
    the DynamoDB client and the table."""
    with mock_aws():
        table, client = create_table(), boto3.client("dynamodb")
        clock = MovingClock(NOW)
        stores: dict[str, Any] = {"table": table, "client": client}
        adapters = memory_adapters(
            clock,
            directory=DynamoDbDirectory(**stores),
            investigations=DynamoDbInvestigationStore(**stores),
            alerts=DynamoDbAlertStore(**stores),
            canaries=DynamoDbCanaryStore(**stores),
            chaos=simulated_chaos(DynamoDbChaosStore(**stores), InMemoryChaosState(), clock),
            quotas=DynamoDbQuotas(**stores),
            owed=DynamoDbOwedEntries(**stores),
            prompts=PromptAdapters(
                variants=DynamoDbVariantStore(**stores),
                feedback=DynamoDbFeedbackStore(**stores),
                experiments=DynamoDbExperimentStore(**stores),
            ),
        )
        admins = tuple(f"{org}:root" for org in ORGS)
        yield build(Settings(org_admins=admins), adapters), client, table


def _items(client: Any, table: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for page in client.get_paginator("scan").paginate(TableName=table):
        found += [
            {k: TypeDeserializer().deserialize(v) for k, v in i.items()} for i in page["Items"]
        ]
    return found


def test_every_dynamodb_item_is_keyed_by_its_org(dynamodb: tuple[Services, Any, str]) -> None:
    services, client, table = dynamodb
    # GIVEN two orgs' admins, each through a first session on the same deployment (a chaos
    # experiment in the first, a canary in the second: both orgs' services name the sample's one
    # simulated resource, and one change at a time runs on a resource)
    alone = {"chaos start": ORGS[:1], "canary start": ORGS[1:]}
    for n, text in enumerate(SESSION):
        for org in alone.get(" ".join(text.split()[:2]), ORGS):
            reply = _say(services, org, text, n)
            assert reply.tone is not Tone.ERROR, (org, text, reply)
    # AND the first org's kill switch pulled while the audit trail is down (its entries owed)
    log = services.audit_log
    assert isinstance(log, InMemoryAuditLog)
    log.failing = True
    halted = _say(services, ORGS[0], "chaos halt --all", len(SESSION))
    assert halted.tone is not Tone.ERROR, halted
    # WHEN the table is read raw
    items = _items(client, table)
    # THEN every item's partition key is one of the two orgs'
    assert {item["pk"] for item in items} == {f"ORG#{org}" for org in ORGS}
    # AND every record that names its org is stored under that org's key
    for item in items:
        body = item.get("body")
        if isinstance(body, dict) and "org" in body:
            assert item["pk"] == f"ORG#{body['org']}", (item["pk"], item["sk"])
    # AND the session wrote every kind of record the stores keep
    kinds = {item["sk"].split("#")[0] for item in items}
    assert kinds >= {
        *("TEAM", "CHANNEL", "ALERT", "SILENCE", "CANARY", "CHAOS", "QUOTA", "PROMPT", "OWED")
    }


EXCEPTIONS: dict[str, str] = {
    "autosre.db:deliveries": "the delivery guard: its key is `<platform>:<org>:<delivery id>` "
    "or `task:<org>:<ref>` (checked below), as DynamoDB's Powertools records hash it",
    "autosre.db:tasks": "the worker's queue: each row is one deferred command whose body carries "
    "its invocation and so its org; read in order, never looked up by a key",
    "autosre.db:open_requests": "the terminal's requests waiting for their results, by the "
    "request's random ref; the request's body carries its org",
    "autosre.db:owners": "the local worker processes (host, pid, heartbeat): the machine's",
    "autosre.db:routes": "the sample's simulated traffic router: the weights of a physical "
    "alias, as a Lambda alias is the account's, not an org's",
    "autosre.db:chaos_injections": "the sample's simulated fault injections on a physical "
    "resource, as an AWS FIS experiment is the account's; the experiment that owns one is in "
    "chaos_experiments, keyed by org",
}
"""SQLite tables whose rows are not an org's records, and why."""


def _keyed_by_org(db: sqlite3.Connection, table: str) -> bool:
    """Whether `table` has an `org` column in its primary key or in a unique index."""
    columns = db.execute(f"PRAGMA table_info('{table}')").fetchall()
    if any(name == "org" and pk for _, name, _, _, _, pk in columns):
        return True
    for _, index, unique, *_ in db.execute(f"PRAGMA index_list('{table}')").fetchall():
        indexed = [row[2] for row in db.execute(f"PRAGMA index_info('{index}')").fetchall()]
        if unique and "org" in indexed:
            return True
    return False


def test_every_sqlite_table_keys_its_rows_by_org(tmp_path: Path) -> None:
    # GIVEN the embedded default after a first session in the terminal (its first use makes
    # team demo and registers the sample's checkout-api)
    for text in ("team list", *SESSION[4:]):
        done = sre(tmp_path, *_words(text))
        assert done.returncode == 0, (text, done.stdout, done.stderr)
    # WHEN every table of every database under AUTOSRE_HOME is listed
    tables: dict[str, bool] = {}
    for path in sorted(tmp_path.rglob("*.db")):
        with sqlite3.connect(path) as db:
            names = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
            for (name,) in names:
                if not name.startswith("sqlite_"):
                    tables[f"{path.name}:{name}"] = _keyed_by_org(db, name)
    # THEN each has the org in its key, or is a documented exception
    assert tables
    unkeyed = sorted(t for t, keyed in tables.items() if not keyed and t not in EXCEPTIONS)
    assert unkeyed == [], unkeyed
    assert sorted(t for t, keyed in tables.items() if not keyed) == sorted(EXCEPTIONS)
    # AND the delivery guard's keys carry the terminal's org
    with sqlite3.connect(tmp_path / "autosre.db") as db:
        keys = [key for (key,) in db.execute("SELECT key FROM deliveries").fetchall()]
    assert keys
    assert all(key.split(":")[1] == "local" for key in keys), keys


def _words(text: str) -> list[str]:
    import shlex

    return shlex.split(text.replace(" --team payments", ""))
