"""The AuditLog port on S3: one object per entry, created with If-None-Match so none is overwritten.

Keys are `audit/<org>/<team>/<sequence, 12 digits>.json`. The bucket's Object Lock, digests and
verification come with the audit-trail work; this adapter already never overwrites an entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING
from urllib.parse import quote

import boto3

from shared.audit.models import AuditRecord, StreamKey
from shared.errors import ConflictError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

_TAKEN = {"PreconditionFailed", "ConditionalRequestConflict"}


class S3AuditLog:
    """Entries as objects; a taken sequence number is refused by S3 itself."""

    def __init__(self, *, bucket: str, client: S3Client | None = None) -> None:
        self._bucket = bucket
        self._given = client

    @cached_property
    def _client(self) -> S3Client:
        """The client given, or one made at first use (never at import or cold start)."""
        return self._given or boto3.client("s3")

    def _prefix(self, stream: StreamKey) -> str:
        return f"audit/{quote(stream.org, safe='')}/{quote(stream.team, safe='')}/"

    def _keys(self, stream: StreamKey, after: int = 0) -> list[str]:
        prefix = self._prefix(stream)
        start = f"{prefix}{after:012d}.json" if after else ""
        keys: list[str] = []
        paginator = self._client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self._bucket, Prefix=prefix, StartAfter=start):
            keys += [obj["Key"] for obj in page.get("Contents", []) if obj["Key"].endswith(".json")]
        return keys

    def head(self, stream: StreamKey) -> AuditRecord | None:
        keys = self._keys(stream)
        return self._load(keys[-1]) if keys else None

    def put(self, record: AuditRecord) -> None:
        key = f"{self._prefix(record.stream)}{record.seq:012d}.json"
        try:
            self._client.put_object(
                Bucket=self._bucket,
                Key=key,
                Body=record.model_dump_json().encode(),
                ContentType="application/json",
                IfNoneMatch="*",
            )
        except self._client.exceptions.ClientError as error:
            if error.response.get("Error", {}).get("Code") in _TAKEN:
                raise ConflictError(
                    f"sequence number {record.seq} is taken in {record.stream}"
                ) from error
            raise

    def read(
        self, stream: StreamKey, *, after: int = 0, limit: int = 1000
    ) -> Sequence[AuditRecord]:
        return [self._load(key) for key in self._keys(stream, after)[:limit]]

    def _load(self, key: str) -> AuditRecord:
        body = self._client.get_object(Bucket=self._bucket, Key=key)["Body"].read()
        return AuditRecord.model_validate_json(body)
