"""Tampering with a stored trail, on S3 with Object Lock (moto) and on the local folder.

Verify catches every change and names the entry; on S3 the bucket refuses to lose a locked version.
"""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import boto3
import pytest
from moto import mock_aws

from shared.adapters.aws.s3_audit import S3AuditLog
from shared.adapters.local.folder_audit import FolderAuditLog
from shared.audit.chain import decode, encode, next_record
from shared.audit.models import AuditDraft, AuditRecord, Digest, StreamKey
from shared.audit.ports import AuditLog
from shared.audit.seal import SigningKey, digest_problems, readable, seal
from shared.audit.verify import Verification, verify_stream
from shared.identity.models import OrgId
from tests.support import NOW, TEST_KEY, audit_draft, trail_for
from tests.support.aws import create_audit_bucket

STREAM = StreamKey(org=OrgId("T1"), team="payments")
EVERY = 10


class Storage(Protocol):
    """Raw access to where the trail is stored, as someone with write access would have it."""

    log: AuditLog

    def write(self, kind: str, number: int, body: bytes) -> None: ...
    def delete(self, kind: str, number: int) -> None: ...
    def read(self, kind: str, number: int) -> bytes: ...


class FolderStorage:
    def __init__(self, root: Path) -> None:
        self.log: AuditLog = FolderAuditLog(root)
        self._folder = root / "T1" / "payments"

    def _path(self, kind: str, number: int) -> Path:
        folder = self._folder / "digests" if kind == "digests" else self._folder
        return folder / f"{number:012d}.json"

    def write(self, kind: str, number: int, body: bytes) -> None:
        path = self._path(kind, number)
        if path.exists():
            path.chmod(stat.S_IRUSR | stat.S_IWUSR)  # the owner can lift the read-only bit...
        path.write_bytes(body)
        path.chmod(0o444)  # ...and a careful one puts it back

    def delete(self, kind: str, number: int) -> None:
        self._path(kind, number).unlink()

    def read(self, kind: str, number: int) -> bytes:
        return self._path(kind, number).read_bytes()


class BucketStorage:
    def __init__(self) -> None:
        self.bucket = create_audit_bucket()
        self.s3 = boto3.client("s3")
        self.log: AuditLog = S3AuditLog(bucket=self.bucket, client=self.s3)

    @staticmethod
    def key(kind: str, number: int) -> str:
        return f"{kind}/T1/payments/{number:012d}.json"

    def write(self, kind: str, number: int, body: bytes) -> None:
        self.s3.put_object(
            Bucket=self.bucket, Key=self.key(kind, number), Body=body
        )  # a new version

    def delete(self, kind: str, number: int) -> None:
        self.s3.delete_object(Bucket=self.bucket, Key=self.key(kind, number))  # a delete marker

    def read(self, kind: str, number: int) -> bytes:
        return self.s3.get_object(Bucket=self.bucket, Key=self.key(kind, number))["Body"].read()


@pytest.fixture(params=["s3", "folder"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Storage]:
    if request.param == "folder":
        yield FolderStorage(tmp_path / "audit")
        return
    with mock_aws():
        yield BucketStorage()


def _fill(storage: Storage) -> list[AuditRecord]:
    """25 entries, digests over #10 and #20 (every 10) and a scheduled one over #25."""
    trail = trail_for(storage.log, every=EVERY)
    written = [
        trail.append(audit_draft(f"sre team member add U{i} --team payments")) for i in range(25)
    ]
    assert trail.seal(STREAM) is not None
    return written


def _verify(storage: Storage) -> Verification:
    log = storage.log
    return verify_stream(
        STREAM, log.scan(STREAM), log.digests(STREAM), TEST_KEY, now=NOW, every=EVERY
    )


def test_an_untouched_trail_verifies(storage: Storage) -> None:
    _fill(storage)
    report = _verify(storage)
    assert report.ok, report.problems
    assert (report.entries, report.head, report.last_digest and report.last_digest.number) == (
        25,
        25,
        3,
    )


def test_a_modified_entry_is_named(storage: Storage) -> None:
    _fill(storage)
    stored = decode(storage.read("audit", 5))
    edited = stored.model_copy(update={"command": "sre team member add mallory --role admin"})
    storage.write("audit", 5, encode(edited))
    assert _verify(storage).problems[0] == "#5: its content does not match its hash (modified)"


def test_a_deleted_entry_is_named(storage: Storage) -> None:
    _fill(storage)
    storage.delete("audit", 5)
    assert _verify(storage).problems[0] == "#5: is missing (deleted)"


def test_two_swapped_entries_are_named(storage: Storage) -> None:
    _fill(storage)
    fourth, fifth = storage.read("audit", 4), storage.read("audit", 5)
    storage.write("audit", 4, fifth)
    storage.write("audit", 5, fourth)
    assert _verify(storage).problems[0] == "#4: holds entry #5 (entries moved or swapped)"


def test_a_truncated_tail_is_named(storage: Storage) -> None:
    _fill(storage)
    storage.delete("audit", 25)
    storage.delete("audit", 24)
    problems = _verify(storage).problems
    assert problems[0].startswith("#24..#25: missing: digest #3 sealed #25")
    assert problems[0].endswith("(truncated)")


def _verify_stored(storage: Storage) -> Verification:
    log = storage.log
    stored = log.stored_digests(STREAM)
    return verify_stream(
        STREAM,
        log.scan(STREAM),
        readable(stored),
        TEST_KEY,
        now=NOW,
        every=EVERY,
        damaged=digest_problems(stored),
    )


def test_a_forged_entry_inserted_and_rechained_is_caught_by_the_digest(storage: Storage) -> None:
    # GIVEN someone who can write the storage inserts an entry at #8 and re-chains every later one
    written = _fill(storage)
    forged = audit_draft("sre org grant mallory org-admin")
    drafts: list[AuditDraft] = [*written[:7], forged, *written[7:]]
    chain: list[AuditRecord] = []
    for draft in drafts:
        chain.append(
            next_record(
                chain[-1] if chain else None,
                AuditDraft.model_validate(draft.model_dump(include=set(AuditDraft.model_fields))),
            )
        )
    for record in chain[7:]:
        storage.write("audit", record.seq, encode(record))
    # THEN the hashes hold, but the first digest after the insertion no longer matches
    assert "#10: differs from what digest #1 sealed" in _verify(storage).problems


def test_an_unsealed_entry_overwritten_with_a_new_version_is_named() -> None:
    with mock_aws():
        # GIVEN an S3 trail whose last entry, after the last digest, is overwritten by a plain
        # put (a new version of its key, properly chained on the entry before it)
        storage = BucketStorage()
        written = _fill(storage)
        more = trail_for(storage.log, every=EVERY).append(audit_draft("sre team member add x"))
        forged = audit_draft("sre team member add bob --role=viewer")
        storage.write("audit", more.seq, encode(next_record(written[-1], forged)))
        # WHEN the trail is verified (no digest and no remembered head to compare it with)
        report = _verify(storage)
        # THEN the overwrite is named by the versions S3 keeps
        assert report.problems == [f"#{more.seq}: was overwritten (2 versions)"]


def test_a_digest_overwritten_with_a_new_version_is_named() -> None:
    with mock_aws():
        # GIVEN an S3 trail whose digest #2 is put again, same bytes, as a new version
        storage = BucketStorage()
        _fill(storage)
        storage.write("digests", 2, storage.read("digests", 2))
        # WHEN it is verified, THEN the second version is named
        assert _verify_stored(storage).problems == ["digest #2 was overwritten (2 versions)"]


def test_a_replaced_digest_is_named(storage: Storage) -> None:
    _fill(storage)
    original = Digest.model_validate_json(storage.read("digests", 2))
    stranger = SigningKey(secret=b"not the audit key")
    head = decode(storage.read("audit", 20))
    previous = Digest.model_validate_json(storage.read("digests", 1))
    forged = seal(head, previous, stranger, original.time)
    storage.write("digests", 2, forged.model_dump_json().encode())
    assert "digest #2 has an invalid signature (replaced or forged)" in _verify(storage).problems


def test_a_removed_digest_shows(storage: Storage) -> None:
    _fill(storage)
    storage.delete("digests", 1)
    assert _verify(storage).problems[0] == "digest #1 is missing (removed)"


def test_removing_the_last_digests_shows(storage: Storage) -> None:
    _fill(storage)
    storage.delete("digests", 3)
    storage.delete("digests", 2)
    problems = _verify(storage).problems
    # the digests left are numbered without a gap: by the storage alone, a seal not written or
    # digests removed, and it says both (never only the harmless one)
    assert problems == [
        "#11..#25: no digest seals them (one is written every 10 entries, so one was due at "
        "#20): a seal that failed, or the newest digests removed; the scheduler's log says "
        "which seals failed. `sre audit seal` seals them from now on"
    ]


@mock_aws
def test_on_s3_a_locked_version_can_be_neither_deleted_nor_overwritten() -> None:
    storage = BucketStorage()
    _fill(storage)
    key = storage.key("audit", 5)
    version = storage.s3.head_object(Bucket=storage.bucket, Key=key)
    assert version["ObjectLockMode"] == "COMPLIANCE"
    original = storage.read("audit", 5)
    with pytest.raises(storage.s3.exceptions.ClientError, match="AccessDenied"):
        storage.s3.delete_object(Bucket=storage.bucket, Key=key, VersionId=version["VersionId"])
    storage.write("audit", 5, b'{"forged": true}')  # only adds a newer version...
    kept = storage.s3.get_object(Bucket=storage.bucket, Key=key, VersionId=version["VersionId"])
    assert kept["Body"].read() == original  # ...the locked one is intact
    assert _verify(storage).problems[0] == "#5: is not a readable audit entry"


@mock_aws
def test_on_s3_an_entry_outside_compliance_retention_is_named() -> None:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="audit-without-lock")
    log = S3AuditLog(bucket="audit-without-lock", client=s3)
    trail_for(log).append(audit_draft("sre team list"))
    report = verify_stream(STREAM, log.scan(STREAM), [], TEST_KEY, now=NOW, every=EVERY)
    assert report.problems == ["#1: it is not under COMPLIANCE retention (lock: none)"]


def test_a_local_entry_made_writable_is_named(tmp_path: Path) -> None:
    storage = FolderStorage(tmp_path / "audit")
    _fill(storage)
    (tmp_path / "audit" / "T1" / "payments" / f"{7:012d}.json").chmod(0o644)
    assert _verify(storage).problems == ["#7: its file is writable (it should be read only)"]
