"""The AuditLog port on S3 with Object Lock: one object per entry, never overwritten.

Entries are `audit/<org>/<team>/<sequence, 12 digits>.json` and digests
`digests/<org>/<team>/<number, 12 digits>.json`, each written with `If-None-Match: *` into a bucket
whose default retention is COMPLIANCE, so nobody (the account's root included) can change or remove
them before the retention ends. The head is found by probing keys (gallop, then bisect) from the
last head this process saw: no listing of the stream.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from functools import cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

import boto3
from botocore.config import Config

from shared.audit.chain import decode, encode
from shared.audit.head import last_present
from shared.audit.models import (
    AuditRecord,
    Digest,
    LockState,
    StoredDigest,
    StoredEntry,
    StreamKey,
)
from shared.audit.seal import readable
from shared.errors import ConflictError
from shared.identity.models import OrgId

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

TIMEOUTS = Config(
    connect_timeout=1,
    read_timeout=2,
    retries={"mode": "standard", "total_max_attempts": 2},
)
"""No entry waits on S3 for ever (botocore's defaults: 60 s to connect, 60 s to read, each
retried; S3 answers a put in tens of milliseconds): a command fails in seconds when S3 does not
answer (the trail then fails the next at once for a while), a kill switch owes its entry."""
READ_AHEAD = 8
"""Entries of a stream fetched at once when it is read (within botocore's 10 pooled
connections; S3 answers a GET in tens of milliseconds, so reading is bound by waiting)."""
_TAKEN = {"PreconditionFailed", "ConditionalRequestConflict"}
_MISSING = {"404", "NoSuchKey", "NotFound"}


def _number(key: str) -> int | None:
    name = key.rsplit("/", 1)[-1]
    return int(name[:-5]) if name.endswith(".json") and name[:-5].isdigit() else None


class KeyVersions:
    """Counts the versions of each key over the pages of a ListObjectVersions, which may split
    one key's versions across two pages: a key is told once a later key has been seen."""

    def __init__(self, *, after: str = "") -> None:
        """`after`: the key the listing starts after (a key at or before it is left out)."""
        self._after = after
        self._counts: dict[str, int] = {}
        self._deleted: set[str] = set()

    def page(self, page: Any) -> Iterator[tuple[int, str, int]]:
        """Count one page's versions; the keys certainly complete, in order."""
        for item in page.get("Versions", []):
            self._counts[item["Key"]] = self._counts.get(item["Key"], 0) + 1
        for marker in page.get("DeleteMarkers", []):
            self._counts.setdefault(marker["Key"], 0)
            if marker.get("IsLatest"):
                self._deleted.add(marker["Key"])
        last = max(self._counts, default="")
        yield from self._told(lambda key: key < last)

    def rest(self) -> Iterator[tuple[int, str, int]]:
        """The keys still held back, after the last page."""
        yield from self._told(lambda _: True)

    def _told(self, done: Callable[[str], bool]) -> Iterator[tuple[int, str, int]]:
        for key in sorted(k for k in self._counts if done(k)):
            count = self._counts.pop(key)
            number = _number(key)
            if number is not None and key not in self._deleted and count and key > self._after:
                yield number, key, count


class S3AuditLog:
    """Entries and digests as objects; a taken sequence number is refused by S3 itself."""

    def __init__(self, *, bucket: str, client: S3Client | None = None) -> None:
        self._bucket = bucket
        self._given = client
        self._known: dict[StreamKey, AuditRecord] = {}
        self._lock = threading.Lock()

    @cached_property
    def _client(self) -> S3Client:
        """The client given, or one made at first use (never at import or cold start)."""
        return self._given or boto3.client("s3", config=TIMEOUTS)

    def _prefix(self, kind: str, stream: StreamKey) -> str:
        return f"{kind}/{quote(stream.org, safe='')}/{quote(stream.team, safe='')}/"

    def _exists(self, key: str) -> bool:
        try:
            self._client.head_object(Bucket=self._bucket, Key=key)
        except self._client.exceptions.ClientError as error:
            if error.response.get("Error", {}).get("Code") in _MISSING:
                return False
            raise
        return True

    def _create(self, key: str, body: bytes, what: str) -> None:
        try:
            self._client.put_object(
                Bucket=self._bucket,
                Key=key,
                Body=body,
                ContentType="application/json",
                IfNoneMatch="*",
            )
        except self._client.exceptions.ClientError as error:
            if error.response.get("Error", {}).get("Code") in _TAKEN:
                raise ConflictError(f"{what} is taken") from error
            raise

    def head(self, stream: StreamKey) -> AuditRecord | None:
        prefix = self._prefix("audit", stream)
        with self._lock:
            known = self._known.get(stream)
        seq = last_present(
            lambda n: self._exists(f"{prefix}{n:012d}.json"), known.seq if known else 0
        )
        if seq == 0:
            self._remember(None, stream, instead_of=known)
            return None
        if known and known.seq == seq:
            return known
        body = self._client.get_object(Bucket=self._bucket, Key=f"{prefix}{seq:012d}.json")["Body"]
        record = decode(body.read())
        if record.seq != seq:  # a copy of another entry: never chained after
            raise ValueError(f"entry #{seq} holds #{record.seq}")
        self._remember(record, stream, instead_of=known)
        return record

    def _remember(
        self,
        record: AuditRecord | None,
        stream: StreamKey,
        *,
        instead_of: AuditRecord | None = None,
    ) -> None:
        """Keep `record` as the stream's head seen last: when it is higher, or in place of
        `instead_of` (a head found again below it: the one seen was cut), never under a newer
        put."""
        with self._lock:
            known = self._known.get(stream)
            if known is not None and known is instead_of:
                self._known.pop(stream)
                known = None
            if record is not None and (known is None or known.seq < record.seq):
                self._known[stream] = record

    def put(self, record: AuditRecord) -> None:
        key = f"{self._prefix('audit', record.stream)}{record.seq:012d}.json"
        self._create(key, encode(record), f"sequence number {record.seq}")
        self._remember(record, record.stream)

    def _keys(self, prefix: str, after: int = 0) -> Iterator[tuple[int, str, int]]:
        """Number, key and how many versions S3 holds of each numbered key (page by page, a
        thousand keys at a time); a key whose latest version is a delete marker is left out."""
        markers: dict[str, Any] = {"KeyMarker": f"{prefix}{after:012d}.json"} if after else {}
        versions = KeyVersions(after=markers.get("KeyMarker", ""))
        while True:
            page: Any = self._client.list_object_versions(
                Bucket=self._bucket, Prefix=prefix, **markers
            )
            yield from versions.page(page)
            if not page.get("IsTruncated"):
                break
            markers = {
                "KeyMarker": page["NextKeyMarker"],
                "VersionIdMarker": page.get("NextVersionIdMarker", ""),
            }
        yield from versions.rest()

    def scan(
        self, stream: StreamKey, *, after: int = 0, upto: int | None = None
    ) -> Iterator[StoredEntry]:
        """The entries in order, `READ_AHEAD` fetched at once (one GET each: one at a time, a
        worker's minute read a few thousand)."""
        pool = ThreadPoolExecutor(max_workers=READ_AHEAD, thread_name_prefix="audit-read")
        ahead: deque[Future[StoredEntry]] = deque()
        try:
            for seq, key, versions in self._keys(self._prefix("audit", stream), after):
                if upto is not None and seq > upto:
                    break
                ahead.append(pool.submit(self._entry, seq, key, versions))
                if len(ahead) == READ_AHEAD:
                    yield ahead.popleft().result()
            while ahead:
                yield ahead.popleft().result()
        finally:  # a reader that stops early leaves at most READ_AHEAD reads to finish
            pool.shutdown(wait=False, cancel_futures=True)

    def _entry(self, seq: int, key: str, versions: int) -> StoredEntry:
        found: Any = self._client.get_object(Bucket=self._bucket, Key=key)
        lock = LockState(
            mode=found.get("ObjectLockMode") or "none",
            retain_until=found.get("ObjectLockRetainUntilDate"),
        )
        return StoredEntry(seq, found["Body"].read(), lock, versions)

    def put_digest(self, digest: Digest) -> None:
        key = f"{self._prefix('digests', digest.stream)}{digest.number:012d}.json"
        self._create(key, digest.model_dump_json().encode(), f"digest number {digest.number}")

    def digests(self, stream: StreamKey) -> Sequence[Digest]:
        return readable(self.stored_digests(stream))

    def stored_digests(self, stream: StreamKey) -> Sequence[StoredDigest]:
        return [
            StoredDigest(
                number,
                self._client.get_object(Bucket=self._bucket, Key=key)["Body"].read(),
                versions,
            )
            for number, key, versions in self._keys(self._prefix("digests", stream))
        ]

    def _folders(self, prefix: str) -> list[str]:
        paginator = self._client.get_paginator("list_objects_v2")
        names: list[str] = []
        for page in paginator.paginate(Bucket=self._bucket, Prefix=prefix, Delimiter="/"):
            names += [
                unquote(p["Prefix"][len(prefix) : -1]) for p in page.get("CommonPrefixes", [])
            ]
        return sorted(names)

    def streams(self, org: OrgId) -> Sequence[StreamKey]:
        teams = self._folders(f"audit/{quote(org, safe='')}/")
        return [StreamKey(org=org, team=team) for team in teams]

    def orgs(self) -> Sequence[OrgId]:
        return [OrgId(org) for org in self._folders("audit/")]
