"""The audit trail on AWS (moto): fail closed, scheduled sealing, exports behind expiring links."""

from __future__ import annotations

import html
import json
import re
import time
from typing import Any
from urllib.parse import parse_qs, urlparse

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError

from handlers import aws_runtime, aws_scheduler, aws_worker
from shared.adapters.aws.s3_audit import S3AuditLog
from shared.adapters.memory import (
    FixedClock,
)
from shared.audit.models import Outcome, StreamKey
from shared.audit.verify import verify_stream
from shared.bootstrap.wiring import build
from shared.config import Settings
from shared.identity.models import OrgId, UserId
from shared.replies import Tone
from tests.fakes.http_capture import CaptureServer
from tests.support import NOW, ORG, TEST_KEY, memory_adapters, records, run
from tests.support.aws import queued_record
from tests.support.handlers import slash
from tests.support.payloads import (
    LambdaContext,
    load,
)


def test_with_s3_failing_nothing_is_done_and_every_acknowledged_entry_stays(
    aws: dict[str, str],
) -> None:
    # GIVEN the bus on the S3 audit bucket, with a switch that makes every PutObject fail
    s3 = boto3.client("s3")
    failing = {"on": False}

    def cut(**_: Any) -> None:
        if failing["on"]:
            raise EndpointConnectionError(endpoint_url="https://s3.amazonaws.com")

    s3.meta.events.register("before-send.s3.PutObject", cut)
    log = S3AuditLog(bucket=aws["AUTOSRE_AUDIT_BUCKET"], client=s3)
    adapters = memory_adapters(FixedClock(NOW), audit_log=log)
    services = build(Settings(org_admins=("slack:T1:root",)), adapters)
    receipts = []
    assert run(services, "team create payments").receipt
    # WHEN commands run before, during and after an outage
    for phase, users in (("before", ["a1", "a2"]), ("during", ["b1", "b2"]), ("after", ["c1"])):
        failing["on"] = phase == "during"
        for user in users:
            reply = run(services, f"team member add {user} --team payments")
            if phase == "during":
                # THEN during it each is refused, says why, and changes nothing
                assert reply.tone is Tone.ERROR
                assert reply.title == "Not done: the audit trail is unavailable"
            else:
                assert reply.tone is Tone.OK
                receipts.append(reply.receipt)
    team = services.directory.get_team(ORG, "payments")
    assert team is not None
    assert set(team.members) == {UserId("a1"), UserId("a2"), UserId("c1")}
    # AND every acknowledged entry is there, and the chain verifies
    stream = StreamKey(org=OrgId(ORG), team="payments")
    stored = {r.receipt for r in records(log, stream)}
    assert set(receipts) <= stored
    assert [r.outcome for r in records(log, stream)] == [Outcome.REQUESTED, Outcome.SUCCEEDED] * 3
    report = verify_stream(
        stream, log.scan(stream), log.digests(stream), TEST_KEY, now=NOW, every=100
    )
    assert report.ok, report.problems


def test_the_scheduler_seals_every_trail_as_the_actor_scheduler_once_per_event(
    aws: dict[str, str],
) -> None:
    slash("team create payments", "t1")
    slash("team member add U0456 --team payments", "t2")
    event = load("aws/eventbridge_scheduled_rule_event.json")
    # WHEN the hourly rule fires, and its event is delivered again
    first = aws_scheduler.handler(event, LambdaContext())
    again = aws_scheduler.handler(event, LambdaContext())
    assert first == again == {"orgs": 1, "failed": []}
    # THEN both trails of the org are sealed once, and the sealing is audited as the scheduler's
    log = aws_runtime.services().audit_log
    for team in ("_org", "payments"):
        digests = log.digests(StreamKey(org=OrgId("slack:T111"), team=team))
        assert len(digests) == 1
    org_entries = records(log, StreamKey(org=OrgId("slack:T111"), team="_org"))
    sealing = [e for e in org_entries if e.command == "sre audit seal"]
    assert [e.outcome for e in sealing] == [Outcome.REQUESTED, Outcome.SUCCEEDED]
    assert {e.actor.user for e in sealing} == {"scheduler"}
    assert {e.details["trigger"] for e in sealing} == {f"{event['id']}:slack:T111"}


def test_an_export_in_slack_is_an_expiring_link(
    aws: dict[str, str], slack_api: CaptureServer
) -> None:
    slash("team create payments", "t1")
    slash("org grant W111 auditor", "t2")
    slash("team member add U0456 --team payments", "t2b")
    response_url = f"{slack_api.url}response/T111/3"
    accepted = slash("audit export --format csv --team payments", "t3", response_url=response_url)
    assert "Working on" in json.dumps(accepted["blocks"])
    assert aws_worker.handler(
        {"Records": [queued_record(aws["AUTOSRE_TASK_QUEUE_URL"])]}, LambdaContext()
    ) == {"batchItemFailures": []}
    posted = json.dumps(slack_api.calls("response/T111/3")[0].body["blocks"])
    (link,) = re.findall(r"<(https://[^>|]+)>", posted)  # a link in Slack's markup
    url = urlparse(html.unescape(link))
    query = parse_qs(url.query)
    lifetime = (
        int(query["X-Amz-Expires"][0])
        if "X-Amz-Expires" in query
        else (int(query["Expires"][0]) - int(time.time()))
    )
    assert 3500 < lifetime <= 3600  # the link expires in an hour
    key = url.path.lstrip("/")
    content = boto3.client("s3").get_object(Bucket=aws["AUTOSRE_EXPORT_BUCKET"], Key=key)
    lines = content["Body"].read().decode().splitlines()
    assert lines[0].startswith(
        "seq,id,time,org,team,actor_platform,actor_org,actor,actor_name,command"
    )
    assert len(lines) == 3  # the header, then requested and succeeded
    assert "sre team member add U0456 --team=payments" in lines[1]


@pytest.mark.parametrize("who", ["W111"])
def test_verify_in_slack_reports_the_trail_intact(
    aws: dict[str, str], slack_api: CaptureServer, who: str
) -> None:
    slash("team create payments", "t1")
    slash(f"org grant {who} auditor", "t2")
    slash("audit verify --org", "t3")
    aws_worker.handler({"Records": [queued_record(aws["AUTOSRE_TASK_QUEUE_URL"])]}, LambdaContext())
    (post,) = slack_api.calls("chat.postMessage")
    text = json.dumps(post.body["blocks"])
    assert "Audit trail intact: the org-wide trail" in text
    assert "S3 Object Lock, COMPLIANCE retention checked on every entry" in text


def test_verify_state_in_slack_names_a_role_written_straight_into_dynamodb(
    aws: dict[str, str], slack_api: CaptureServer
) -> None:
    # GIVEN a team made through Slack, then U0BAD made its admin with a plain DynamoDB PutItem
    slash("team create payments", "t1")
    slash("org grant W111 auditor", "t2")
    slash("team member add U0456 --team payments", "t3")
    dynamodb = boto3.client("dynamodb")
    (item,) = [
        i
        for i in dynamodb.scan(TableName=aws["AUTOSRE_TABLE"])["Items"]
        if i["sk"]["S"] == "TEAM#payments"
    ]
    item["body"]["M"]["members"]["M"]["U0BAD"] = {"S": "admin"}
    dynamodb.put_item(TableName=aws["AUTOSRE_TABLE"], Item=item)
    # WHEN the auditor asks in Slack, and the worker answers
    slash("audit verify --state", "t4")
    aws_worker.handler({"Records": [queued_record(aws["AUTOSRE_TASK_QUEUE_URL"])]}, LambdaContext())
    # THEN the answer names the grant the trail does not explain
    (post,) = slack_api.calls("chat.postMessage")
    text = json.dumps(post.body["blocks"], ensure_ascii=False)
    assert "State NOT explained by the trail" in text
    assert "U0BAD · admin in payments: the trail never granted it" in text
