"""The fixtures more than one contract suite runs on: each port on every adapter."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from shared.adapters.aws.dynamodb_directory import DynamoDbDirectory
from shared.adapters.aws.s3_audit import S3AuditLog
from shared.adapters.local.folder_audit import FolderAuditLog
from shared.adapters.local.sqlite_directory import SqliteDatabase, SqliteDirectory
from shared.adapters.memory import InMemoryAuditLog, InMemoryDirectory
from shared.audit.ports import AuditDirectory, AuditLog
from tests.contract.audit_stores import Stores, stores
from tests.support.aws import atomic_conditional_puts, create_audit_bucket, create_table


@pytest.fixture(params=["memory", "folder", "s3"])
def audit_log(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AuditLog]:
    """The AuditLog port on memory, the local folder and S3 with Object Lock (moto)."""
    if request.param == "memory":
        yield InMemoryAuditLog()
    elif request.param == "folder":
        yield FolderAuditLog(tmp_path / "audit")
    else:
        with mock_aws():
            client = atomic_conditional_puts(boto3.client("s3"))
            yield S3AuditLog(bucket=create_audit_bucket(), client=client)


@pytest.fixture(params=["memory", "sqlite", "dynamodb"])
def directory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AuditDirectory]:
    """The Directory port on memory, SQLite and DynamoDB (moto)."""
    if request.param == "memory":
        yield InMemoryDirectory()
    elif request.param == "sqlite":
        yield SqliteDirectory(SqliteDatabase(tmp_path / "autosre.db"))
    else:
        with mock_aws():
            table = create_table()
            yield DynamoDbDirectory(table=table, client=boto3.client("dynamodb"))


@pytest.fixture(params=["local", "aws"])
def found(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stores]:
    """The state store and the audit trail of a deployment, local or AWS (moto), read raw."""
    with stores(request.param, tmp_path) as kind:
        yield kind
