"""Exports on AWS: an object in the exports bucket behind a presigned link that expires."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

from shared.adapters.export_names import file_name

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

LINK_SECONDS = 3600
SIGV4 = Config(signature_version="s3v4")
"""Buckets made since mid-2020 refuse SigV2 links, boto3's default for presigning in us-east-1."""


class S3ExportStore:
    """Puts the export under `exports/` and answers with a one-hour presigned GET URL (SigV4)."""

    def __init__(self, *, bucket: str, client: S3Client | None = None) -> None:
        self._bucket = bucket
        self._given = client

    @cached_property
    def _client(self) -> S3Client:
        """The client given, or one made at first use that signs links with SigV4."""
        return self._given or boto3.client("s3", config=SIGV4)

    def publish(self, name: str, content: bytes, content_type: str) -> str:
        key = f"exports/{file_name(name)}"
        self._client.put_object(
            Bucket=self._bucket, Key=key, Body=content, ContentType=content_type
        )
        return self._client.generate_presigned_url(
            "get_object", Params={"Bucket": self._bucket, "Key": key}, ExpiresIn=LINK_SECONDS
        )
