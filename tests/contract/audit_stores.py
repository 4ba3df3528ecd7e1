"""The two real deployments of the state store and the trail, and raw access to both as someone
who can write them directly would have it: SQLite and the audit folder; DynamoDB and S3 on moto."""

from __future__ import annotations

import json
import shutil
import sqlite3
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from moto import mock_aws

from shared.adapters.aws.dynamodb_directory import DynamoDbDirectory
from shared.adapters.aws.s3_audit import S3AuditLog
from shared.adapters.local.folder_audit import FolderAuditLog
from shared.adapters.local.sqlite_directory import SqliteDatabase, SqliteDirectory
from shared.audit.chain import decode, encode
from shared.audit.models import AuditRecord
from shared.audit.ports import AuditDirectory, AuditLog
from shared.bootstrap.wiring import Services, build
from shared.config import Settings
from tests.support import ORG, binding, memory_adapters
from tests.support.aws import create_audit_bucket, create_table

Body = dict[str, Any]
_ORG_KEY = quote(ORG, safe="")
"""How the folder and S3 trails name the org (its platform's colon quoted)."""
Edit = Callable[[Body], None]


class Stores(Protocol):
    """A deployment's state store and trail, with the raw write access an insider has."""

    directory: AuditDirectory
    log: AuditLog

    def edit_team(self, team: str, change: Edit) -> None: ...
    def edit_org(self, change: Edit) -> None: ...
    def put_binding(self, channel: str, team: str) -> None: ...
    def read_entry(self, team: str, seq: int) -> AuditRecord: ...
    def write_entry(self, record: AuditRecord) -> None: ...
    def store_raw(self, team: str, position: int, body: bytes) -> None: ...
    def delete_entry(self, team: str, seq: int) -> None: ...
    def delete_digest(self, team: str, number: int) -> None: ...
    def garble(self, kind: str, team: str, number: int) -> None: ...
    def delete_stream(self, team: str) -> None: ...
    def forget_heads(self) -> None: ...
    def restarted(self) -> AuditLog: ...


class LocalStores:
    """SQLite under AUTOSRE_HOME and the audit folder, edited with sqlite3 and file operations."""

    def __init__(self, home: Path) -> None:
        self._db = home / "autosre.db"
        self.directory: AuditDirectory = SqliteDirectory(SqliteDatabase(self._db))
        self._audit = home / "audit"
        self.log: AuditLog = FolderAuditLog(self._audit)

    @contextmanager
    def _sql(self) -> Iterator[sqlite3.Connection]:
        connection = sqlite3.connect(self._db)
        try:
            with connection:
                yield connection
        finally:
            connection.close()

    def _edit(self, table: str, where: str, key: tuple[str, ...], change: Edit) -> None:
        with self._sql() as db:
            (body,) = db.execute(f"SELECT body FROM {table} WHERE {where}", key).fetchone()  # noqa: S608
            edited = json.loads(body)
            change(edited)
            db.execute(f"UPDATE {table} SET body = ? WHERE {where}", (json.dumps(edited), *key))  # noqa: S608

    def edit_team(self, team: str, change: Edit) -> None:
        self._edit("teams", "org = ? AND name = ?", (ORG, team), change)

    def edit_org(self, change: Edit) -> None:
        self._edit("orgs", "org = ?", (ORG,), change)

    def put_binding(self, channel: str, team: str) -> None:
        with self._sql() as db:
            db.execute(
                "INSERT INTO bindings (org, channel, team, body) VALUES (?, ?, ?, ?)",
                (ORG, channel, team, binding(channel, team, by="mallory").model_dump_json()),
            )

    def local_path(self, team: str, seq: int) -> Path:
        """Where entry `seq` of `team` is (or would be) stored."""
        return self._audit / _ORG_KEY / team / f"{seq:012d}.json"

    def read_entry(self, team: str, seq: int) -> AuditRecord:
        return decode(self.local_path(team, seq).read_bytes())

    def write_entry(self, record: AuditRecord) -> None:
        self.store_raw(record.team, record.seq, encode(record))

    def store_raw(self, team: str, position: int, body: bytes) -> None:
        """`body` as entry `position`, over what is there or new, as an insider would."""
        path = self.local_path(team, position)
        if path.exists():
            path.chmod(stat.S_IRUSR | stat.S_IWUSR)  # the owner lifts the read-only bit...
        path.write_bytes(body)
        path.chmod(0o444)  # ...and puts it back

    def delete_entry(self, team: str, seq: int) -> None:
        self.local_path(team, seq).unlink()

    def delete_digest(self, team: str, number: int) -> None:
        (self._audit / _ORG_KEY / team / "digests" / f"{number:012d}.json").unlink()

    def garble(self, kind: str, team: str, number: int) -> None:
        folder = self._audit / _ORG_KEY / team
        path = (folder / "digests" if kind == "digests" else folder) / f"{number:012d}.json"
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)
        path.write_bytes(b'{"broken": true}')
        path.chmod(0o444)

    def delete_stream(self, team: str) -> None:
        shutil.rmtree(self._audit / _ORG_KEY / team)

    def forget_heads(self) -> None:
        with self._sql() as db:
            db.execute("DELETE FROM audit_heads")

    def restarted(self) -> AuditLog:
        """The trail as a new process opens it (nothing of this one's remembered)."""
        return FolderAuditLog(self._audit)


class AwsStores:
    """DynamoDB and the S3 bucket with Object Lock, edited with plain boto3 calls."""

    def __init__(self) -> None:
        self._table = create_table()
        self._dynamodb = boto3.client("dynamodb")
        self.directory: AuditDirectory = DynamoDbDirectory(table=self._table, client=self._dynamodb)
        self._bucket = create_audit_bucket()
        self._s3 = boto3.client("s3")
        self.log: AuditLog = S3AuditLog(bucket=self._bucket, client=self._s3)

    def _edit(self, sk: str, change: Edit) -> None:
        key = {"pk": {"S": f"ORG#{ORG}"}, "sk": {"S": sk}}
        item = self._dynamodb.get_item(TableName=self._table, Key=key)["Item"]
        body = TypeDeserializer().deserialize(item["body"])
        change(body)
        item["body"] = TypeSerializer().serialize(body)
        self._dynamodb.put_item(TableName=self._table, Item=item)

    def edit_team(self, team: str, change: Edit) -> None:
        self._edit(f"TEAM#{team}", change)

    def edit_org(self, change: Edit) -> None:
        self._edit("ORG", change)

    def put_binding(self, channel: str, team: str) -> None:
        body = json.loads(binding(channel, team, by="mallory").model_dump_json())
        self._dynamodb.put_item(
            TableName=self._table,
            Item={
                "pk": {"S": f"ORG#{ORG}"},
                "sk": {"S": f"CHANNEL#{channel}"},
                "team": {"S": team},
                "body": TypeSerializer().serialize(body),
            },
        )

    @staticmethod
    def _key(kind: str, team: str, seq: int) -> str:
        return f"{kind}/{_ORG_KEY}/{team}/{seq:012d}.json"

    def read_entry(self, team: str, seq: int) -> AuditRecord:
        found = self._s3.get_object(Bucket=self._bucket, Key=self._key("audit", team, seq))
        return decode(found["Body"].read())

    def write_entry(self, record: AuditRecord) -> None:  # a newer version over the locked one
        self.store_raw(record.team, record.seq, encode(record))

    def store_raw(self, team: str, position: int, body: bytes) -> None:
        """`body` as entry `position` (a newer version over a locked one, or new)."""
        key = self._key("audit", team, position)
        self._s3.put_object(Bucket=self._bucket, Key=key, Body=body)

    def delete_entry(self, team: str, seq: int) -> None:  # a delete marker
        self._s3.delete_object(Bucket=self._bucket, Key=self._key("audit", team, seq))

    def garble(self, kind: str, team: str, number: int) -> None:  # a new version
        key = self._key(kind, team, number)
        self._s3.put_object(Bucket=self._bucket, Key=key, Body=b'{"broken": true}')

    def delete_digest(self, team: str, number: int) -> None:  # a delete marker
        self._s3.delete_object(Bucket=self._bucket, Key=self._key("digests", team, number))

    def delete_stream(self, team: str) -> None:
        for kind in ("audit", "digests"):
            listed = self._s3.list_objects_v2(
                Bucket=self._bucket, Prefix=f"{kind}/{_ORG_KEY}/{team}/"
            )
            for item in listed.get("Contents", []):
                self._s3.delete_object(Bucket=self._bucket, Key=item["Key"])

    def forget_heads(self) -> None:
        found = self._dynamodb.scan(TableName=self._table)["Items"]
        for item in found:
            if item["sk"]["S"].startswith("AUDITHEAD#"):
                key = {"pk": item["pk"], "sk": item["sk"]}
                self._dynamodb.delete_item(TableName=self._table, Key=key)

    def restarted(self) -> AuditLog:
        """The trail as a new function instance opens it (nothing of this one's remembered)."""
        return S3AuditLog(bucket=self._bucket, client=self._s3)


@contextmanager
def stores(kind: str, home: Path) -> Iterator[Stores]:
    """The local deployment's stores under `home`, or the AWS one's on moto."""
    if kind == "local":
        yield LocalStores(home)
        return
    with mock_aws():
        yield AwsStores()


def services_on(found: Stores, clock: Any, *, log: AuditLog | None = None) -> Services:
    """The bus over these stores (the rest in memory), `root` of org T1 the configured admin;
    `log`: the trail as another process opened it."""
    adapters = memory_adapters(clock, directory=found.directory, audit_log=log or found.log)
    return build(Settings(org_admins=("slack:T1:root",)), adapters)
