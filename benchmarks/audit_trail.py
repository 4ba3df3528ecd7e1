"""Audit trail throughput: appends and verified entries per second, local and on S3 (moto)."""

from __future__ import annotations

import logging
import os
import socket
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shared.adapters.local.folder_audit import FolderAuditLog
from shared.adapters.memory import FixedClock
from shared.audit.chain import next_record
from shared.audit.models import AuditDraft, AuditRecord, Digest, Outcome, StreamKey
from shared.audit.ports import AuditLog
from shared.audit.seal import SigningKey, seal
from shared.audit.trail import AuditTrail
from shared.audit.verify import verify_stream
from shared.errors import AuditUnavailableError
from shared.identity.models import Actor, OrgId, Platform, UserId

KEY = SigningKey(secret=b"bench-audit-key")
NOW = datetime(2026, 11, 22, tzinfo=UTC)
STREAM = StreamKey(org=OrgId("slack:T1"), team="payments")
EVERY = 100


def _draft(i: int) -> AuditDraft:
    return AuditDraft(
        id=str(uuid.uuid4()),
        time=NOW,
        org=STREAM.org,
        team=STREAM.team,
        actor=Actor(platform=Platform.SLACK, org=STREAM.org, user=UserId(f"U{i % 50:05d}")),
        command=f"sre team member add U{i:06d} --role responder --team payments",
        target=f"user:U{i:06d}",
        outcome=Outcome.SUCCEEDED,
        correlation_id=uuid.uuid4().hex[:12],
    )


def _timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def appends_per_second(log: AuditLog, n: int) -> float:
    """Appends through the trail (head, chain, conditional write, a digest every 100)."""
    trail = AuditTrail(log=log, key=lambda: KEY, clock=FixedClock(NOW), every=EVERY)
    return n / _timed(lambda: [trail.append(_draft(i)) for i in range(n)])


def verified_per_second(log: AuditLog) -> tuple[int, float]:
    """Entries verified per second by a full walk (hashes, numbering, locks, digests)."""
    result = {}

    def walk() -> None:
        report = verify_stream(
            STREAM, log.scan(STREAM), log.digests(STREAM), KEY, now=NOW, every=EVERY
        )
        assert report.ok, report.problems
        result["n"] = report.entries

    seconds = _timed(walk)
    return result["n"], result["n"] / seconds


def write_chain(log: AuditLog, n: int) -> None:
    """`n` chained entries with a digest every 100, written straight to storage."""
    head: AuditRecord | None = None
    last: Digest | None = None
    for i in range(n):
        head = next_record(head, _draft(i))
        log.put(head)
        if head.seq % EVERY == 0:
            last = seal(head, last, KEY, NOW)
            log.put_digest(last)


def local(root: Path, *, appends: int, verify: int) -> None:
    """Print the local folder figures."""
    rate = appends_per_second(FolderAuditLog(root / "appends"), appends)
    print(f"  local folder  appends   {rate:9,.0f} /s   ({appends:,} entries)")
    big = FolderAuditLog(root / "verify")
    write_chain(big, verify)
    started = time.perf_counter()
    entries, rate = verified_per_second(big)
    wall = time.perf_counter() - started
    print(
        f"  local folder  verified  {rate:9,.0f} /s   ({entries:,} entries in {wall:.2f} s;"
        f" goal >= 50,000 /s)"
    )


def moto(*, appends: int) -> None:
    """Print the S3 (moto, in-process) figures."""
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    import boto3
    from moto import mock_aws

    from shared.adapters.aws.s3_audit import S3AuditLog

    with mock_aws():
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="bench-audit", ObjectLockEnabledForBucket=True)
        s3.put_object_lock_configuration(
            Bucket="bench-audit",
            ObjectLockConfiguration={
                "ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 365}},
            },
        )
        log = S3AuditLog(bucket="bench-audit", client=s3)
        rate = appends_per_second(log, appends)
        print(f"  S3 on moto    appends   {rate:9,.0f} /s   ({appends:,} entries)")
        entries, rate = verified_per_second(log)
        print(
            f"  S3 on moto    verified  {rate:9,.0f} /s   ({entries:,} entries, retention "
            "read from every object)"
        )
        slow_reads(s3, log, latency=LATENCY)


LATENCY = 0.010
"""Seconds added to each GET in `slow_reads`: a real S3 answers in tens of milliseconds, moto in
about one."""


def slow_reads(s3: Any, log: AuditLog, *, latency: float) -> None:
    """Print a stream's read rate with `latency` added to each GET: one at a time and
    `READ_AHEAD` at once (what verify, export and show wait on, on a real S3)."""
    from shared.adapters.aws import s3_audit

    def wait(**_: object) -> None:
        time.sleep(latency)

    entries = sum(1 for _ in log.scan(STREAM))
    s3.meta.events.register("before-call.s3.GetObject", wait)
    seconds = {}
    default = s3_audit.READ_AHEAD
    for ahead in (1, default):
        s3_audit.READ_AHEAD = ahead
        try:
            seconds[ahead] = _timed(lambda: sum(1 for _ in log.scan(STREAM)))
        finally:
            s3_audit.READ_AHEAD = default
    s3.meta.events.unregister("before-call.s3.GetObject", wait)
    one, many = entries / seconds[1], entries / seconds[default]
    print(
        f"  S3 on moto    read      {one:9,.0f} /s one at a time, {many:,.0f} /s {default} at once"
        f" ({many / one:.1f}x; {entries:,} entries, {latency * 1000:.0f} ms added to each GET)"
    )


def silent_s3() -> None:
    """Print how long a halt's entry and a command's entry wait on an S3 that takes requests
    and never answers (a listening socket; the deployed client's timeouts)."""
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    import boto3

    from shared.adapters.aws.s3_audit import TIMEOUTS, S3AuditLog
    from shared.adapters.memory_owed import InMemoryOwedEntries

    with socket.create_server(("127.0.0.1", 0), backlog=64) as silent:
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"

        def trail() -> AuditTrail:
            client = boto3.client("s3", endpoint_url=url, config=TIMEOUTS)
            log = S3AuditLog(bucket="bench-audit", client=client)
            owed = InMemoryOwedEntries()
            return AuditTrail(log=log, key=lambda: KEY, clock=FixedClock(NOW), owed=owed)

        logging.getLogger("autosre.audit").disabled = True  # its owed warnings, as expected
        halting = trail()
        first = _timed(lambda: halting.append_or_owe(_draft(1)))
        next_ = _timed(lambda: halting.append_or_owe(_draft(2)))
        refusing = trail()
        refused = _timed(lambda: _refused(refusing))
        refused_next = _timed(lambda: _refused(refusing))
        logging.getLogger("autosre.audit").disabled = False
    print(
        f"  S3 silent     a halt's entry owed after {first:.2f} s, the next after {next_:.3f} s"
        " (goal: a Halt click within 3 s)"
    )
    print(
        f"  S3 silent     a command's entry refused after {refused:.1f} s (the client's timeouts),"
        f" the next after {refused_next:.3f} s"
    )


def _refused(trail: AuditTrail) -> None:
    try:
        trail.append(_draft(3))
    except AuditUnavailableError:
        return
    raise RuntimeError("a silent S3 took an entry")


def main(*, appends: int = 2_000, verify: int = 100_000, moto_appends: int = 300) -> None:
    """Print every audit figure."""
    print("Audit trail")
    with tempfile.TemporaryDirectory() as tmp:
        local(Path(tmp), appends=appends, verify=verify)
    moto(appends=moto_appends)
    silent_s3()


if __name__ == "__main__":
    main()
