"""`sre doctor` on AWS (moto): the task queue's line is read from SQS, the worker's live version is
compared with the last deploy, and Teams with no tenant served is a failed check."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import boto3
import pytest

from handlers import aws_runtime, aws_worker
from tests.fakes.http_capture import CaptureServer
from tests.support.aws import queued_record
from tests.support.handlers import post_slack
from tests.support.payloads import LambdaContext, signed_headers, slash_command_body

WORKER = "autosre-prod-worker"


def _doctor(aws: dict[str, str], slack_api: CaptureServer) -> str:
    """`/sre doctor` through the Slack function, the queue and the worker: the report posted."""
    body = slash_command_body("doctor")
    post_slack(body, signed_headers(body))
    record = queued_record(aws["AUTOSRE_TASK_QUEUE_URL"])
    assert aws_worker.handler({"Records": [record]}, LambdaContext()) == {"batchItemFailures": []}
    (post,) = slack_api.calls("chat.postMessage")
    return json.dumps(post.body["blocks"], ensure_ascii=False)


def _fields(report: str) -> dict[str, Any]:
    """The report's blocks as one string per field name (`*Task queue*\\n✓ …`)."""
    return {
        name: report.partition(f"*{name}*")[2][:400] for name in ("Task queue", "Worker version")
    }


def _deployed_worker(environment: dict[str, str]) -> Any:
    """The worker as the first deploy leaves it: version 1 published, alias `live` on it."""
    role = boto3.client("iam").create_role(RoleName="worker", AssumeRolePolicyDocument="{}")
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as bundle:
        bundle.writestr("handlers/aws_worker.py", "def handler(event, context):\n    return 1\n")
    client = boto3.client("lambda")
    client.create_function(
        FunctionName=WORKER,
        Runtime="python3.11",
        Role=role["Role"]["Arn"],
        Handler="handlers/aws_worker.handler",
        Code={"ZipFile": code.getvalue()},
        Environment={"Variables": environment},
    )
    client.publish_version(FunctionName=WORKER)
    client.create_alias(FunctionName=WORKER, Name="live", FunctionVersion="1")
    return client


@pytest.fixture
def in_the_worker(aws: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The worker's environment as serverless.yml gives it: it names its own function."""
    monkeypatch.setenv("AUTOSRE_WORKER_FUNCTION", WORKER)
    aws_runtime.settings.cache_clear()
    aws_runtime.services.cache_clear()
    return aws


def test_a_parameter_change_that_never_reached_the_live_worker_fails_the_doctor(
    in_the_worker: dict[str, str], slack_api: CaptureServer
) -> None:
    # GIVEN the first deploy, then a deploy that changed only parameters (its $LATEST)
    client = _deployed_worker({"TEAMS_APP_ID": "", "AUTOSRE_ORG_ADMINS": "slack:T111:W111"})
    client.update_function_configuration(
        FunctionName=WORKER,
        Environment={
            "Variables": {"TEAMS_APP_ID": "app-1", "AUTOSRE_ORG_ADMINS": "slack:T111:W111"}
        },
    )
    # WHEN an org admin runs the doctor
    report = _doctor(in_the_worker, slack_api)
    # THEN it says something is wrong, which setting the live version lacks, and what to do
    assert "Doctor: something is wrong" in report
    said = _fields(report)["Worker version"]
    assert said.startswith("\\n✗ the alias `live` runs version 1")
    assert "differ from the last deploy's in TEAMS_APP_ID:" in said
    assert "AUTOSRE_ORG_ADMINS" not in said
    assert f"aws lambda publish-version --function-name {WORKER}" in said
    assert "sre canary start autosre-worker --version N --replay" in said


def test_a_worker_promoted_after_its_last_deploy_passes(
    in_the_worker: dict[str, str], slack_api: CaptureServer
) -> None:
    # GIVEN the parameter change published as version 2 and the alias moved to it
    client = _deployed_worker({"TEAMS_APP_ID": ""})
    client.update_function_configuration(
        FunctionName=WORKER, Environment={"Variables": {"TEAMS_APP_ID": "app-1"}}
    )
    client.publish_version(FunctionName=WORKER)
    client.update_alias(FunctionName=WORKER, Name="live", FunctionVersion="2")
    # WHEN the doctor runs THEN the worker's line passes
    report = _doctor(in_the_worker, slack_api)
    assert "Doctor: all checks pass" in report
    assert "✓ the alias `live` runs version 2, the last deploy's code and settings" in report


def test_the_task_queue_line_is_read_from_sqs_with_the_dead_letters(
    aws: dict[str, str], slack_api: CaptureServer
) -> None:
    # GIVEN two tasks that failed five times, in the dead-letter queue
    sqs = boto3.client("sqs")
    dead = sqs.get_queue_url(QueueName="autosre-tasks-dlq")["QueueUrl"]
    for n in range(2):
        sqs.send_message(QueueUrl=dead, MessageBody=f"failed {n}")
    # WHEN the doctor runs THEN it says the queue's depth and the dead letters
    fields = _fields(_doctor(aws, slack_api))
    assert "✓ SQS autosre-tasks: 0 waiting, " in fields["Task queue"]
    assert "2 tasks in the dead-letter queue" in fields["Task queue"]
    # AND the worker, whose function this environment does not name, is said to be unchecked
    assert "not checked: AUTOSRE_WORKER_FUNCTION is not set" in fields["Worker version"]


def test_a_deleted_task_queue_fails_the_doctor(
    aws: dict[str, str], slack_api: CaptureServer
) -> None:
    # GIVEN the doctor queued, then the task queue deleted under the deployment
    body = slash_command_body("doctor")
    post_slack(body, signed_headers(body))
    record = queued_record(aws["AUTOSRE_TASK_QUEUE_URL"])
    boto3.client("sqs").delete_queue(QueueUrl=aws["AUTOSRE_TASK_QUEUE_URL"])
    # WHEN the worker runs it THEN the queue's line is a failure, not "came back through it"
    assert aws_worker.handler({"Records": [record]}, LambdaContext()) == {"batchItemFailures": []}
    (post,) = slack_api.calls("chat.postMessage")
    report = json.dumps(post.body["blocks"], ensure_ascii=False)
    assert "Doctor: something is wrong" in report
    assert _fields(report)["Task queue"].startswith("\\n✗ ")
