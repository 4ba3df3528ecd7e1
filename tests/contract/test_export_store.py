"""One contract for the ExportStore port: memory, a folder (the terminal) and S3 behind expiring
links (moto); then what only the S3 links promise (SigV4, an hour, the file's type)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
import requests
from moto import mock_aws

from shared.adapters.aws.s3_exports import LINK_SECONDS, S3ExportStore
from shared.adapters.local.folder_exports import FolderExportStore
from shared.adapters.memory import InMemoryExportStore
from shared.ports import ExportStore
from tests.support.aws import create_export_bucket

CSV = b"seq,actor\n1,alice\n"


@dataclass
class Exports:
    """An export store, and how its user gets a file back from the place `publish` answered."""

    store: ExportStore
    fetch: Callable[[str], bytes]
    stored: Callable[[], set[str]]
    """Every file the store holds anywhere (the folder store: under AUTOSRE_HOME's parent)."""


def _download(url: str) -> bytes:
    response = requests.get(url, timeout=5)
    response.raise_for_status()
    return response.content


def _files(root: Path) -> set[str]:
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


def _keys(bucket: str) -> set[str]:
    listed = boto3.client("s3").list_objects_v2(Bucket=bucket)
    return {item["Key"] for item in listed.get("Contents", [])}


@pytest.fixture(params=["memory", "folder", "s3"])
def exports(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Exports]:
    if request.param == "memory":
        memory = InMemoryExportStore()
        yield Exports(
            memory,
            lambda where: memory.files[where.removeprefix("memory://")],
            lambda: set(memory.files),
        )
    elif request.param == "folder":
        # the folder is made at the first export (a fresh AUTOSRE_HOME has none)
        folder = FolderExportStore(tmp_path / "home" / "exports")
        yield Exports(folder, lambda where: Path(where).read_bytes(), lambda: _files(tmp_path))
    else:
        with mock_aws():
            bucket = create_export_bucket()
            yield Exports(S3ExportStore(bucket=bucket), _download, lambda: _keys(bucket))


def test_an_export_is_fetched_back_byte_for_byte_from_where_it_was_published(
    exports: Exports,
) -> None:
    # GIVEN an export that is not plain ASCII (a name with an accent, a byte order mark)
    content = "\ufeffseq,actor\n1,zoë\n".encode() + bytes(range(256))
    # WHEN it is published
    where = exports.store.publish("audit-payments.csv", content, "text/csv")
    # THEN the auditor gets exactly those bytes from the place named in the reply
    assert exports.fetch(where) == content


def test_the_place_named_in_the_reply_ends_with_the_file_name(exports: Exports) -> None:
    name = "audit-slack-T1-payments-20261122T093000Z.jsonl"
    where = exports.store.publish(name, b"{}\n", "application/x-ndjson")
    assert where.split("?")[0].endswith(name)


def test_exports_of_different_names_are_kept_apart(exports: Exports) -> None:
    first = exports.store.publish("audit-payments.csv", CSV, "text/csv")
    second = exports.store.publish("audit-checkout.jsonl", b'{"seq": 1}\n', "application/x-ndjson")
    assert first != second
    assert exports.fetch(first) == CSV
    assert exports.fetch(second) == b'{"seq": 1}\n'


def test_an_export_published_again_under_its_name_is_replaced(exports: Exports) -> None:
    # GIVEN an export made twice in the same second (same name), the second with more entries
    exports.store.publish("audit-payments.csv", CSV, "text/csv")
    where = exports.store.publish("audit-payments.csv", CSV + b"2,bob\n", "text/csv")
    # THEN the place answered last serves the newer file, whole
    assert exports.fetch(where) == CSV + b"2,bob\n"


def test_an_empty_export_is_an_empty_file(exports: Exports) -> None:
    where = exports.store.publish("audit-payments.csv", b"", "text/csv")
    assert exports.fetch(where) == b""


@pytest.mark.parametrize(
    "name",
    [
        "../audit.csv",
        "../../etc/cron.d/audit",
        "reports/audit.csv",
        "/tmp/audit.csv",
        "reports\\audit.csv",
        ".bashrc",
        "",
        "audit\n.csv",
        "a" * 201,
    ],
)
def test_a_name_that_is_not_one_plain_file_name_is_refused_and_nothing_is_stored(
    exports: Exports, name: str
) -> None:
    # WHEN an export is given a name with a folder in it (or hidden, empty, a line break, huge)
    with pytest.raises(ValueError, match="one plain file name"):
        exports.store.publish(name, CSV, "text/csv")
    # THEN nothing is written, inside the store's place or outside it
    assert not exports.stored()


def test_a_plain_name_of_the_longest_allowed_length_is_kept(exports: Exports) -> None:
    name = "a" * 196 + ".csv"
    where = exports.store.publish(name, CSV, "text/csv")
    assert exports.fetch(where) == CSV
    assert len(exports.stored()) == 1


@mock_aws
def test_an_s3_link_is_signed_with_sigv4_expires_in_an_hour_and_serves_the_type() -> None:
    # GIVEN the deployment's exports bucket
    store = S3ExportStore(bucket=create_export_bucket())
    # WHEN an auditor's export is published
    url = store.publish("audit-payments.csv", CSV, "text/csv")
    # THEN the link is SigV4 (buckets made after 2020 refuse SigV2's AWSAccessKeyId/Signature)
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Expires"] == [str(LINK_SECONDS)]
    assert "Signature" not in query and "AWSAccessKeyId" not in query
    # AND the object sits under exports/, and the browser is told what the file is
    assert urlsplit(url).path.endswith("/exports/audit-payments.csv")
    response = requests.get(url, timeout=5)
    assert response.headers["Content-Type"] == "text/csv"
    assert response.content == CSV
