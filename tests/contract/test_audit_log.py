"""The AuditLog port contract, on memory, the local folder and S3 with Object Lock (moto)."""

from __future__ import annotations

import threading
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from shared.adapters.aws.s3_audit import S3AuditLog
from shared.adapters.local.folder_audit import FolderAuditLog
from shared.audit.chain import next_record
from shared.audit.models import AuditRecord, StreamKey
from shared.audit.ports import AuditLog
from shared.audit.verify import verify_stream
from shared.errors import ConflictError
from shared.identity.models import OrgId
from tests.support import NOW, TEST_KEY, audit_draft, records, trail_for
from tests.support.aws import atomic_conditional_puts, create_audit_bucket

STREAM = StreamKey(org=OrgId("T1"), team="payments")


def _append(log: AuditLog, n: int, *, every: int = 100) -> list[AuditRecord]:
    trail = trail_for(log, every=every)
    return [trail.append(audit_draft(f"sre team list #{i}")) for i in range(n)]


def test_an_empty_stream_has_no_head(audit_log: AuditLog) -> None:
    assert audit_log.head(STREAM) is None
    assert list(audit_log.scan(STREAM)) == []
    assert audit_log.streams(OrgId("T1")) == []


def test_entries_come_back_in_order_and_the_chain_holds(audit_log: AuditLog) -> None:
    written = _append(audit_log, 12)
    assert audit_log.head(STREAM) == written[-1]
    assert records(audit_log, STREAM) == written
    assert [e.position for e in audit_log.scan(STREAM, after=10)] == [11, 12]
    # a window: from above `after` up to `upto`, nothing past it read
    assert [e.position for e in audit_log.scan(STREAM, after=2, upto=5)] == [3, 4, 5]
    assert [e.position for e in audit_log.scan(STREAM, after=10, upto=40)] == [11, 12]
    report = verify_stream(STREAM, audit_log.scan(STREAM), [], TEST_KEY, now=NOW, every=10**9)
    assert report.ok, report.problems


def test_a_new_log_object_finds_the_head_again(audit_log: AuditLog, tmp_path: Path) -> None:
    written = _append(audit_log, 37)
    fresh: AuditLog = audit_log
    if isinstance(audit_log, FolderAuditLog):
        fresh = FolderAuditLog(tmp_path / "audit")
    elif isinstance(audit_log, S3AuditLog):
        fresh = S3AuditLog(bucket="autosre-audit-test", client=boto3.client("s3"))
    assert fresh.head(STREAM) == written[-1]


def test_a_taken_sequence_number_is_refused_and_the_entry_kept(audit_log: AuditLog) -> None:
    (first,) = _append(audit_log, 1)
    rival = next_record(None, audit_draft("sre team create evil"))
    with pytest.raises(ConflictError):
        audit_log.put(rival)
    assert audit_log.head(STREAM) == first


def test_streams_and_orgs_are_listed(audit_log: AuditLog) -> None:
    _append(audit_log, 2)
    trail = trail_for(audit_log)
    trail.append(audit_draft("x").model_copy(update={"team": "_org"}))
    trail.append(audit_draft("x").model_copy(update={"org": "T2"}))
    assert [s.team for s in audit_log.streams(OrgId("T1"))] == ["_org", "payments"]
    assert list(audit_log.orgs()) == ["T1", "T2"]


def test_digests_are_written_every_n_entries_and_verify(audit_log: AuditLog) -> None:
    _append(audit_log, 25, every=10)
    digests = list(audit_log.digests(STREAM))
    assert [(d.number, d.last_seq) for d in digests] == [(1, 10), (2, 20)]
    report = verify_stream(STREAM, audit_log.scan(STREAM), digests, TEST_KEY, now=NOW, every=10)
    assert report.ok, report.problems
    assert (report.entries, report.head, report.uncovered) == (25, 25, 5)


def test_a_taken_digest_number_is_refused(audit_log: AuditLog) -> None:
    _append(audit_log, 10, every=10)
    (digest,) = audit_log.digests(STREAM)
    with pytest.raises(ConflictError):
        audit_log.put_digest(digest)


# 8 writers race for every number; 25 entries each (200, two digests) keep moto's S3 to seconds
@pytest.mark.slow
@pytest.mark.parametrize(("threads", "each"), [(8, 25)])
def test_concurrent_writers_number_entries_without_gap_or_duplicate(
    audit_log: AuditLog, threads: int, each: int
) -> None:
    # GIVEN 8 writers, each with its own trail (as separate Lambdas would be)
    errors: list[BaseException] = []

    def writer() -> None:
        trail = trail_for(audit_log)
        try:
            for _ in range(each):
                trail.append(audit_draft("sre team list"))
        except BaseException as error:  # noqa: BLE001 (reported by the assertion below)
            errors.append(error)

    workers = [threading.Thread(target=writer) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    # THEN 1..200, no gap, no duplicate, and the chain verifies
    assert errors == []
    assert [e.position for e in audit_log.scan(STREAM)] == list(range(1, threads * each + 1))
    report = verify_stream(
        STREAM, audit_log.scan(STREAM), audit_log.digests(STREAM), TEST_KEY, now=NOW, every=100
    )
    assert report.ok, report.problems


def test_s3_reads_a_window_ahead_but_never_past_its_end() -> None:
    # GIVEN a stream of 40 entries on S3 (read 8 at once)
    with mock_aws():
        gets: list[str] = []
        client = atomic_conditional_puts(boto3.client("s3"))
        log = S3AuditLog(bucket=create_audit_bucket(), client=client)
        _append(log, 40)
        client.meta.events.register("before-call.s3.GetObject", lambda **_: gets.append("GET"))
        # WHEN a window of it is read, and the whole of it
        window = [e.position for e in log.scan(STREAM, after=10, upto=14)]
        in_window = len(gets)
        whole = [e.position for e in log.scan(STREAM)]
    # THEN each comes back in order, and the window cost one GET an entry, none past its end
    assert (window, in_window) == ([11, 12, 13, 14], 4)
    assert whole == list(range(1, 41))
    assert len(gets) == 4 + 40
