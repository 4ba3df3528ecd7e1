"""Export links on AWS (moto): SigV4 presigned GETs that expire in an hour and fetch the file."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import requests
from moto import mock_aws

from shared.adapters.aws.s3_exports import LINK_SECONDS, S3ExportStore
from tests.aws import create_export_bucket


@mock_aws
def test_an_export_link_is_signed_with_sigv4_and_expires_in_an_hour() -> None:
    # Given the deployment's exports bucket
    store = S3ExportStore(bucket=create_export_bucket())
    # When an auditor's export is published
    url = store.publish("audit-payments.csv", b"seq,actor\n1,alice\n", "text/csv")
    # Then the link is SigV4 (buckets made after 2020 refuse SigV2's AWSAccessKeyId/Signature)
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Expires"] == [str(LINK_SECONDS)]
    assert "Signature" not in query and "AWSAccessKeyId" not in query
    assert urlsplit(url).path.endswith("/exports/audit-payments.csv")
    # And following it gets the file
    assert requests.get(url, timeout=5).content == b"seq,actor\n1,alice\n"
