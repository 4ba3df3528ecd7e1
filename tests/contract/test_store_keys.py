"""Every stored record's key carries its org: after a realistic session, every item of the
DynamoDB table (two orgs, every DynamoDB store, on moto) has a partition key naming its org, and
every table of the embedded default's SQLite databases has an org column in its primary key or a
unique index (or, for the Slack installations' short records, a partition naming its org), and
every object of the audit and exports buckets (S3, on moto) has a key naming its org, unless it
is one of the documented exceptions below. Every DynamoDB store class of shared/adapters/aws
must be in the session and every SQLite table that shared/adapters creates must be in its
databases, so a new store or table that keys records without the org fails here."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import boto3
import pytest
from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import EndpointConnectionError
from moto import mock_aws
from slack_sdk.oauth.installation_store import Installation

from bots.slack.installations import (
    NONE,
    STATES,
    Records,
    RecordsInstallationStore,
    RecordsOAuthStateStore,
    org_of,
)
from shared.adapters import aws as aws_adapters
from shared.adapters.aws.dynamodb_alerts import DynamoDbAlertStore
from shared.adapters.aws.dynamodb_canaries import DynamoDbCanaryStore
from shared.adapters.aws.dynamodb_chaos import DynamoDbChaosStore
from shared.adapters.aws.dynamodb_directory import DynamoDbDirectory
from shared.adapters.aws.dynamodb_investigations import DynamoDbInvestigationStore
from shared.adapters.aws.dynamodb_items import DynamoDbOrgStore
from shared.adapters.aws.dynamodb_owed import DynamoDbOwedEntries
from shared.adapters.aws.dynamodb_prompts import (
    DynamoDbExperimentStore,
    DynamoDbFeedbackStore,
    DynamoDbVariantStore,
)
from shared.adapters.aws.dynamodb_quotas import DynamoDbQuotas
from shared.adapters.aws.dynamodb_records import DynamoDbRecords
from shared.adapters.aws.dynamodb_usage import DynamoDbUsageLedger
from shared.adapters.aws.s3_audit import S3AuditLog
from shared.adapters.aws.s3_exports import S3ExportStore
from shared.adapters.local.simulated_chaos import InMemoryChaosState
from shared.adapters.local.sqlite_directory import SqliteDatabase
from shared.adapters.local.sqlite_records import SqliteRecords
from shared.adapters.memory import InMemoryTaskQueue
from shared.bootstrap.adapters import PromptAdapters
from shared.bootstrap.sample import simulated_chaos
from shared.bootstrap.wiring import Services, build
from shared.config import Settings
from shared.identity.models import Actor, OrgId, Platform, UserId
from shared.invocation import Invocation, ReplyTarget
from shared.replies import Reply, Tone
from tests.support import NOW, MovingClock, memory_adapters
from tests.support.aws import (
    atomic_conditional_puts,
    create_audit_bucket,
    create_export_bucket,
    create_table,
)
from tests.support.terminal import ROOT, sre

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


def _say(services: Services, org: OrgId, text: str, at: int, user: str = "root") -> Reply:
    """`text` from org `org`'s `user` (its admin `root`) in channel C-general; a deferred
    command's result."""
    invocation = Invocation(
        actor=Actor(platform=Platform(org.partition(":")[0]), org=org, user=UserId(user)),
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


CLIENT = "1111.2222"
"""The Slack app's client id (OAuth mode): the first part of its installations' partitions."""
SLACK_ORG = ORGS[0]


def _install_slack(records: Records) -> None:
    """The first org's workspace installs the app by OAuth, as bolt's redirect saves it (an
    OAuth state issued and kept until the redirect consumes it; the installation, its bot and
    the org's index)."""
    RecordsOAuthStateStore(records).issue()
    team = SLACK_ORG.partition(":")[2]
    RecordsInstallationStore(records, client_id=CLIENT).save(
        Installation(
            app_id="A1",
            enterprise_id=None,
            team_id=team,
            user_id="U1",
            bot_token=f"xoxb-{team}",
            bot_id="B1",
            bot_user_id="UBOT",
            bot_scopes=["commands", "chat:write"],
        )
    )


def _org_of(partition: str) -> str | None:
    """The org a stored partition names: `ORG#<org>`, or a Slack installation's partition
    (`<client id>/org-<org>`, or `<client id>/<enterprise>-<team>` as bolt's S3 store lays it
    out); None when it names none."""
    if partition.startswith("ORG#"):
        return partition.removeprefix("ORG#")
    client, _, where = partition.partition("/")
    if client != CLIENT:
        return None
    if where.startswith("org-"):
        return where.removeprefix("org-")
    enterprise, _, team = where.partition("-")
    return org_of(None if enterprise == NONE else enterprise, None if team == NONE else team)


ORG_FREE_PARTITIONS = {
    f"{STATES}/": "an OAuth `state` is issued before Slack says which workspace installs (that "
    "is what the redirect tells), and is consumed once within ten minutes",
    "RESOURCE#": "which org holds each cloud resource: a Lambda function is the account's, "
    "one org of the deployment holds it (the item names that org), so no other may name it",
}
"""Short-record partitions (DynamoDB items, SQLite `records` rows) that name no org, and why."""


def _org_free(partition: str) -> bool:
    """Whether `partition` is one of the documented org-free ones."""
    return any(partition.startswith(prefix) for prefix in ORG_FREE_PARTITIONS)


def _dynamodb_stores() -> set[type]:
    """Every store class of shared/adapters/aws's DynamoDB modules (built on a table), but the
    base class its org stores share."""
    found: set[type] = set()
    for module in pkgutil.iter_modules(aws_adapters.__path__):
        if not module.name.startswith("dynamodb_"):
            continue
        loaded = importlib.import_module(f"{aws_adapters.__name__}.{module.name}")
        found |= {
            cls
            for _, cls in inspect.getmembers(loaded, inspect.isclass)
            if cls.__module__ == loaded.__name__
            and not cls.__name__.startswith("_")
            and "table" in inspect.signature(cls).parameters
        }
    return found - {DynamoDbOrgStore}


@pytest.fixture
def dynamodb() -> Iterator[tuple[Services, Any, str, Any]]:
    """The bus over every DynamoDB store on one table and the audit trail and exports in their S3
    buckets (moto), the rest as on the embedded default; the DynamoDB client, the table and the
    audit trail's S3 client."""
    with mock_aws():
        table, client = create_table(), boto3.client("dynamodb")
        audit_s3 = atomic_conditional_puts(boto3.client("s3"))
        buckets: dict[str, Any] = {
            "audit_log": S3AuditLog(bucket=create_audit_bucket(), client=audit_s3),
            "exports": S3ExportStore(bucket=create_export_bucket(), client=boto3.client("s3")),
        }
        clock = MovingClock(NOW)
        stores: dict[str, Any] = {"table": table, "client": client}
        records = DynamoDbRecords(**stores)
        _install_slack(records)
        built: list[object] = [records]
        prompts = PromptAdapters(
            variants=DynamoDbVariantStore(**stores),
            feedback=DynamoDbFeedbackStore(**stores),
            experiments=DynamoDbExperimentStore(**stores),
        )
        chosen: dict[str, Any] = {
            "directory": DynamoDbDirectory(**stores),
            "investigations": DynamoDbInvestigationStore(**stores),
            "alerts": DynamoDbAlertStore(**stores),
            "canaries": DynamoDbCanaryStore(**stores),
            "quotas": DynamoDbQuotas(**stores),
            "usage": DynamoDbUsageLedger(**stores),
            "owed": DynamoDbOwedEntries(**stores),
        }
        chaos = DynamoDbChaosStore(**stores)
        built += [*chosen.values(), chaos, prompts.variants, prompts.feedback, prompts.experiments]
        # every DynamoDB store the adapters define is written in the session
        assert {type(store) for store in built} == _dynamodb_stores()
        adapters = memory_adapters(
            clock,
            chaos=simulated_chaos(chaos, InMemoryChaosState(), clock),
            prompts=prompts,
            **chosen,
            **buckets,
        )
        admins = tuple(f"{org}:root" for org in ORGS)
        yield build(Settings(org_admins=admins), adapters), client, table, audit_s3


def _items(client: Any, table: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for page in client.get_paginator("scan").paginate(TableName=table):
        found += [
            {k: TypeDeserializer().deserialize(v) for k, v in i.items()} for i in page["Items"]
        ]
    return found


def test_every_dynamodb_item_and_s3_object_is_keyed_by_its_org(
    dynamodb: tuple[Services, Any, str, Any],
) -> None:
    services, client, table, audit_s3 = dynamodb
    # GIVEN two orgs' admins, each through a first session on the same deployment (a chaos
    # experiment in the first, a canary in the second: both orgs' services name the sample's one
    # simulated resource, and one change at a time runs on a resource)
    alone = {"chaos start": ORGS[:1], "canary start": ORGS[1:]}
    for n, text in enumerate(SESSION):
        for org in alone.get(" ".join(text.split()[:2]), ORGS):
            reply = _say(services, org, text, n)
            assert reply.tone is not Tone.ERROR, (org, text, reply)
    # AND each org's auditor exports and seals its trails, and exports the usage
    for n, (user, text) in enumerate(EXPORTS, start=len(SESSION)):
        for org in ORGS:
            reply = _say(services, org, text, n, user=user)
            assert reply.tone is Tone.OK, (org, text, reply)
    # AND the first org's kill switch pulled while the audit bucket is unreachable (its entries
    # owed)
    audit_s3.meta.events.register("before-call.s3", _unreachable, unique_id="down")
    halted = _say(services, ORGS[0], "chaos halt --all", len(SESSION) + len(EXPORTS))
    audit_s3.meta.events.unregister("before-call.s3", unique_id="down")
    assert halted.tone is not Tone.ERROR, halted
    # WHEN the table is read raw
    items = _items(client, table)
    # THEN every item's partition key names one of the two orgs (or is a documented exception)
    orgs = {_org_of(item["pk"]) for item in items if not _org_free(item["pk"])}
    assert orgs == set(ORGS), sorted(item["pk"] for item in items)
    # AND every record that names its org is stored under that org's key
    for item in items:
        body = item.get("body")
        if isinstance(body, dict) and "org" in body:
            assert item["pk"] == f"ORG#{body['org']}", (item["pk"], item["sk"])
    # AND the session wrote every kind of record the stores keep
    kinds = {item["sk"].split("#")[0] for item in items}
    assert kinds >= {
        *("TEAM", "CHANNEL", "ALERT", "SILENCE", "CANARY", "CHAOS", "QUOTA", "PROMPT", "OWED"),
        *("USAGE", "bot-latest", "installer-latest", "installed"),
    }
    assert any(_org_free(item["pk"]) for item in items)  # the exception is met, so checked
    # AND every object of the audit and exports buckets has a key naming one of the two orgs
    keys = _object_keys()
    assert {_org_of_object(key) for key in keys if not _org_free_object(key)} == set(ORGS), keys
    # AND the session wrote every kind of object: entries, digests, and both kinds of export
    assert {key.split("/")[0] for key in keys} == {"audit", "digests", "exports"}
    assert {key.split("/")[1].split("-")[0] for key in keys if key.startswith("exports/")} == {
        "audit",
        "usage",
    }


EXPORTS = (
    ("root", "org grant aud auditor"),
    ("aud", "audit export --format csv --team payments"),
    ("aud", "audit export --org"),
    ("aud", "audit seal"),
    ("root", "usage --csv --team payments"),
    ("root", "usage --all --csv"),
)
"""What an org's auditor and admin export to S3 (by `user`), and the seal that writes digests."""
ORG_FREE_OBJECTS: dict[str, str] = {}
"""Key prefixes of the audit and exports buckets that name no org, and why (none so far)."""


def _unreachable(**_: Any) -> None:
    """An S3 call made while the bucket cannot be reached."""
    raise EndpointConnectionError(endpoint_url="https://s3.amazonaws.com")


def _object_keys() -> list[str]:
    """Every object's key in every bucket of the (moto) account."""
    s3 = boto3.client("s3")
    return [
        found["Key"]
        for bucket in s3.list_buckets()["Buckets"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket["Name"])
        for found in page.get("Contents", [])
    ]


def _org_of_object(key: str) -> str | None:
    """The org an object's key names: `audit/<org>/…` and `digests/<org>/…` (URL-quoted), or
    `exports/<kind>-<org, `:` as `-`>-…`; None when it names none."""
    kind, _, rest = key.partition("/")
    if kind in ("audit", "digests"):
        return unquote(rest.split("/")[0])
    named = rest.partition("-")[2]
    return next((o for o in ORGS if named.startswith(f"{o.replace(':', '-')}-")), None)


def _org_free_object(key: str) -> bool:
    """Whether `key` is one of the documented org-free objects."""
    return any(key.startswith(prefix) for prefix in ORG_FREE_OBJECTS)


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
    "autosre.db:records": "the Slack app's short records (OAuth mode on `sre serve`), keyed by "
    "a partition that names the org (checked row by row below) or is an OAuth state",
    "autosre.db:resource_holders": "which org holds each cloud resource, across the orgs of the "
    "deployment (a function is the account's, one org holds it): each row names that org",
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


def _declared_tables() -> set[str]:
    """Every SQLite table shared/adapters creates, by name."""
    create = re.compile(r"CREATE TABLE IF NOT EXISTS (\w+)", re.IGNORECASE)
    return {
        name
        for source in (ROOT / "shared" / "adapters").rglob("*.py")
        for name in create.findall(source.read_text())
    }


def test_every_sqlite_table_keys_its_rows_by_org(tmp_path: Path) -> None:
    # GIVEN the embedded default after a first session in the terminal (its first use makes
    # team demo and registers the sample's checkout-api), its Slack app installed by OAuth
    for text in ("team list", *SESSION[4:]):
        done = sre(tmp_path, *_words(text))
        assert done.returncode == 0, (text, done.stdout, done.stderr)
    _install_slack(SqliteRecords(SqliteDatabase(tmp_path / "autosre.db")))
    # WHEN every table of every database under AUTOSRE_HOME is listed
    tables: dict[str, bool] = {}
    for path in sorted(tmp_path.rglob("*.db")):
        with sqlite3.connect(path) as db:
            names = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
            for (name,) in names:
                if not name.startswith("sqlite_"):
                    tables[f"{path.name}:{name}"] = _keyed_by_org(db, name)
    # THEN every table the adapters create is there (the session wrote through each store)
    assert {name.partition(":")[2] for name in tables} >= _declared_tables()
    # AND each has the org in its key, or is a documented exception
    unkeyed = sorted(t for t, keyed in tables.items() if not keyed and t not in EXCEPTIONS)
    assert unkeyed == [], unkeyed
    assert sorted(t for t, keyed in tables.items() if not keyed) == sorted(EXCEPTIONS)
    # AND the delivery guard's keys carry the terminal's org
    with sqlite3.connect(tmp_path / "autosre.db") as db:
        keys = [key for (key,) in db.execute("SELECT key FROM deliveries").fetchall()]
    assert keys
    assert all(key.split(":")[1] == "local" for key in keys), keys
    # AND the Slack records' partitions name the installed org, or are OAuth states
    with sqlite3.connect(tmp_path / "autosre.db") as db:
        partitions = [p for (p,) in db.execute("SELECT partition FROM records").fetchall()]
    assert {_org_of(p) for p in partitions if not _org_free(p)} == {SLACK_ORG}, partitions
    assert any(_org_free(p) for p in partitions)


def _words(text: str) -> list[str]:
    import shlex

    return shlex.split(text.replace(" --team payments", ""))
