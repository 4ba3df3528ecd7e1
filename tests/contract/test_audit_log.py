"""One contract for the AuditLog port, run on memory, the local folder and S3 (moto)."""

from __future__ import annotations

import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from shared.adapters.aws.s3_audit import S3AuditLog
from shared.adapters.local.folder_audit import FolderAuditLog
from shared.adapters.memory import InMemoryAuditLog
from shared.audit.chain import first_broken, next_record
from shared.audit.models import AuditRecord, StreamKey
from shared.audit.trail import AuditTrail
from shared.errors import ConflictError
from shared.identity.models import OrgId
from shared.ports import AuditLog
from tests.aws import create_audit_bucket
from tests.unit.audit.test_chain import _draft

STREAM = StreamKey(org=OrgId("T1"), team="payments")


@pytest.fixture(params=["memory", "folder", "s3"])
def audit_log(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AuditLog]:
    if request.param == "memory":
        yield InMemoryAuditLog()
    elif request.param == "folder":
        yield FolderAuditLog(tmp_path / "audit")
    else:
        with mock_aws():
            yield S3AuditLog(bucket=create_audit_bucket(), client=boto3.client("s3"))


def _append(log: AuditLog, n: int) -> list[AuditRecord]:
    trail = AuditTrail(log=log)
    return [trail.append(_draft(f"sre team list #{i}")) for i in range(n)]


def test_an_empty_stream_has_no_head(audit_log: AuditLog) -> None:
    assert audit_log.head(STREAM) is None
    assert list(audit_log.read(STREAM)) == []


def test_entries_come_back_in_order_and_the_chain_holds(audit_log: AuditLog) -> None:
    written = _append(audit_log, 12)
    assert audit_log.head(STREAM) == written[-1]
    assert list(audit_log.read(STREAM)) == written
    assert list(audit_log.read(STREAM, after=10)) == written[10:]
    assert list(audit_log.read(STREAM, after=2, limit=3)) == written[2:5]
    assert first_broken(audit_log.read(STREAM)) is None


def test_a_taken_sequence_number_is_refused_and_the_entry_kept(audit_log: AuditLog) -> None:
    (first,) = _append(audit_log, 1)
    rival = next_record(None, _draft("sre team create evil"))
    with pytest.raises(ConflictError):
        audit_log.put(rival)
    assert audit_log.head(STREAM) == first


def test_streams_are_separate(audit_log: AuditLog) -> None:
    _append(audit_log, 2)
    other = StreamKey(org=OrgId("T1"), team="search")
    assert audit_log.head(other) is None


def test_concurrent_writers_number_entries_without_gap_or_duplicate(audit_log: AuditLog) -> None:
    trail = AuditTrail(log=audit_log)
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            for _ in range(15):
                trail.append(_draft("sre team list"))
        except BaseException as error:  # noqa: BLE001 (reported by the assertion below)
            errors.append(error)

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    records = list(audit_log.read(STREAM))
    assert [r.seq for r in records] == list(range(1, 61))
    assert first_broken(records) is None


def test_local_entries_are_read_only_files_one_per_entry(tmp_path: Path) -> None:
    log = FolderAuditLog(tmp_path / "audit")
    _append(log, 2)
    files = sorted((tmp_path / "audit" / "T1" / "payments").iterdir())
    assert [f.name for f in files] == ["000000000001.json", "000000000002.json"]
    for file in files:
        assert not file.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
