"""An audit entry S3 stored whose answer was lost (a read timeout): botocore's retry of the
conditional put is refused as taken (412), by the entry's own first try. It is one entry."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ReadTimeoutError
from moto import mock_aws

from shared.adapters.aws.s3_audit import TIMEOUTS, S3AuditLog
from shared.adapters.memory import FixedClock
from shared.audit.trail import AuditTrail
from tests.support import NOW, TEST_KEY, audit_draft, records
from tests.support.aws import create_audit_bucket


@pytest.fixture
def bucket() -> Iterator[str]:
    with mock_aws():
        yield create_audit_bucket()


def _answer_lost_once(client: Any) -> None:
    """The client's next PutObject is stored as S3 would store it, then its answer times out:
    botocore's standard retry sends it again."""
    plain = boto3.client("s3")
    sent: dict[str, Any] = {}
    armed = [True]

    def remember(params: dict[str, Any], **_: Any) -> None:
        sent.update(params)

    def lose(request: Any, **_: Any) -> None:
        if armed.pop() if armed else False:
            plain.put_object(Bucket=sent["Bucket"], Key=sent["Key"], Body=sent["Body"])
            raise ReadTimeoutError(endpoint_url=request.url)

    client.meta.events.register("provide-client-params.s3.PutObject", remember)
    client.meta.events.register("before-send.s3.PutObject", lose)


def test_an_entry_whose_answer_was_lost_is_stored_once(bucket: str) -> None:
    # GIVEN the product's S3 client (it retries once) on a trail with entries
    client = boto3.client("s3", config=TIMEOUTS)
    log = S3AuditLog(bucket=bucket, client=client)
    trail = AuditTrail(log=log, key=lambda: TEST_KEY, clock=FixedClock(NOW))
    trail.append(audit_draft("sre team create payments"))
    # WHEN an entry is stored, its answer lost, and the retry refused as taken
    _answer_lost_once(client)
    written = trail.append(audit_draft("sre team member add zed --team payments"))
    # THEN it is one entry, at the number it was stored under (it was chained again after
    # itself: the same entry twice)
    stored = records(log, written.stream)
    assert [r.seq for r in stored] == [1, 2]
    assert stored[-1].id == written.id and written.seq == 2
