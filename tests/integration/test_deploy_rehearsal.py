"""The deployment rehearsed: `serverless package` (v3, offline) generates the CloudFormation
template; cfn-lint checks it; its tables, buckets, queues, secret and roles are created on moto;
then a signed Slack command goes through the Slack function, SQS and the worker, each running
with its own role's permissions (moto's IAM enforcement), into S3 and back to a loopback Slack.

What this cannot prove is in the README ("Deploy to AWS", "What the rehearsal cannot prove")."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from cfnlint.api import lint_all
from moto import mock_aws
from moto.core import set_initial_no_auth_action_count

from handlers import aws_runtime, aws_scheduler, aws_slack, aws_worker
from tests.fakes.http_capture import CaptureServer
from tests.rehearsal import Stack, assume, deploy, function_environment, function_role
from tests.serverless import Packaged, install_serverless, package
from tests.support.aws import queued_record
from tests.support.handlers import slash
from tests.support.payloads import (
    SIGNING_SECRET,
    LambdaContext,
    load,
)

STAGE = "rehearsal"
ORG_ADMIN = "slack:T111:W111"
FUNCTIONS = ("slack", "teams", "worker", "pages", "scheduler", "alerts")


@pytest.fixture(scope="module")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> Packaged:
    cli = install_serverless()
    if cli is None:
        pytest.skip("node and npm are not installed: `serverless package` cannot run here")
    workdir: Path = tmp_path_factory.mktemp("serverless")
    return package(cli, workdir, stage=STAGE, params={"orgAdmins": ORG_ADMIN})


def _resources(template: dict[str, Any], kind: str) -> dict[str, Any]:
    return {n: r for n, r in template["Resources"].items() if r["Type"] == kind}


SERVERLESS_OWN = {"W3005"}
"""serverless makes each function depend on its role and log group, which a GetAtt already does."""


def test_cfn_lint_passes_on_the_generated_template(packaged: Packaged) -> None:
    problems = [
        m
        for m in lint_all(json.dumps(packaged.template))
        if m.rule.id[0] in {"E", "W"} and m.rule.id not in SERVERLESS_OWN
    ]
    assert problems == []


def test_the_first_deploy_publishes_the_worker_once_with_the_alias_on_that_version(
    packaged: Packaged,
) -> None:
    versions = _resources(packaged.template, "AWS::Lambda::Version")
    of_worker = [
        n
        for n, v in versions.items()
        if v["Properties"]["FunctionName"]["Ref"].startswith("Worker")
    ]
    assert of_worker == ["WorkerFirstVersion"]
    (alias,) = _resources(packaged.template, "AWS::Lambda::Alias").values()
    assert alias["Properties"]["FunctionVersion"] == {
        "Fn::GetAtt": ["WorkerFirstVersion", "Version"]
    }


def test_no_function_reserves_concurrency_in_the_generated_template(packaged: Packaged) -> None:
    functions = _resources(packaged.template, "AWS::Lambda::Function")
    assert len(functions) == len(FUNCTIONS)
    assert not [
        n for n, f in functions.items() if "ReservedConcurrentExecutions" in f["Properties"]
    ]


def test_the_same_stage_deploys_again_after_a_remove(packaged: Packaged) -> None:
    with mock_aws():
        # GIVEN a first deploy of the stage, then `serverless remove`: what the template retains
        # (table, audit bucket and key, signing secret, dead-letter queue, exports) stays in the
        # account, under the same names
        first = deploy(packaged.template, stage=STAGE, run="11111111-aaaa-4aaa-8aaa-111111111111")
        # WHEN the same stage is deployed again (a new stack, so a new stack id)
        second = deploy(packaged.template, stage=STAGE, run="22222222-bbbb-4bbb-8bbb-222222222222")
        # THEN nothing the first left behind is in its way, and the old trail keeps its own key
        assert first.refs["AuditKeySecret"] != second.refs["AuditKeySecret"]
        names = [s["Name"] for s in boto3.client("secretsmanager").list_secrets()["SecretList"]]
        assert len(names) == 2 and all(n.startswith(f"autosre/audit-key-{STAGE}-") for n in names)
        # AND the dead-letter alarm tells the stack's topic
        (alarm,) = boto3.client("cloudwatch").describe_alarms(
            AlarmNames=[second.refs["TaskDeadLetterAlarm"]]
        )["MetricAlarms"]
        assert alarm["AlarmActions"] == [second.refs["AlarmTopic"]]


# -- the rehearsal on moto ------------------------------------------------------------------------


class Deployment:
    """The stack on moto, and each function's credentials, environment and role."""

    def __init__(self, template: dict[str, Any], stack: Stack, slack_api: CaptureServer) -> None:
        self.template, self.stack, self.slack_api = template, stack, slack_api
        self.credentials = {f: assume(stack, function_role(template, f)) for f in FUNCTIONS}

    @contextmanager
    def running_as(self, function: str) -> Iterator[dict[str, str]]:
        """The process as Lambda starts `function`: its environment, its role, a cold start."""
        env = function_environment(self.template, self.stack, function)
        env |= {"SLACK_API_URL": self.slack_api.url, **self.credentials[function]}
        with pytest.MonkeyPatch.context() as patch:
            for name, value in env.items():
                patch.setenv(name, value)
            boto3.DEFAULT_SESSION = None  # clients made from now on use the role's credentials
            for cached in (aws_runtime.settings, aws_runtime.services, aws_runtime.guard):
                cached.cache_clear()
            aws_slack.slack.cache_clear()
            yield env
        boto3.DEFAULT_SESSION = None


@pytest.fixture
def deployment(packaged: Packaged, slack_api: CaptureServer) -> Iterator[Deployment]:
    with mock_aws():
        # what the README's deploy steps store before `serverless deploy`: Slack only, no Teams
        ssm = boto3.client("ssm")
        for name, value in {"signing-secret": SIGNING_SECRET, "bot-token": "xoxb-live"}.items():
            ssm.put_parameter(Name=f"/autosre/slack/{name}", Value=value, Type="SecureString")
        stack = deploy(packaged.template, stage=STAGE)
        yield Deployment(packaged.template, stack, slack_api)
    boto3.DEFAULT_SESSION = None


def test_a_signed_slack_command_goes_through_the_queue_and_the_worker_each_with_its_own_role(
    deployment: Deployment, slack_api: CaptureServer
) -> None:
    @set_initial_no_auth_action_count(0)  # from here on, every call is checked against IAM
    def rehearse() -> None:
        # GIVEN the Slack function: a team, an auditor, and a deferred verification
        with deployment.running_as("slack"):
            assert "Team payments created" in json.dumps(slash("team create payments", "t1"))
            slash("org grant W111 auditor", "t2")
            assert "Working on" in json.dumps(slash("audit verify --org", "t3"))
            with pytest.raises(ClientError, match="AccessDenied"):  # enforcement is on
                boto3.client("sqs").receive_message(QueueUrl=deployment.stack.refs["TaskQueue"])
        # WHEN the queue delivers the task to the worker
        with deployment.running_as("worker") as env:
            record = queued_record(env["AUTOSRE_TASK_QUEUE_URL"])
            result = aws_worker.handler({"Records": [record]}, LambdaContext())
            assert result == {"batchItemFailures": []}
        # THEN the worker read the locked trail it was given and answered in the channel
        (post,) = slack_api.calls("chat.postMessage")
        assert post.headers.get("Authorization") == "Bearer xoxb-live"
        text = json.dumps(post.body["blocks"])
        assert "Audit trail intact: the org-wide trail" in text
        # AND the hourly scheduler seals the trail with its own role
        with deployment.running_as("scheduler"):
            event = load("aws/eventbridge_scheduled_rule_event.json")
            assert aws_scheduler.handler(event, LambdaContext()) == {"orgs": 1, "failed": []}
        # AND the public functions, which run no canary (they queue it), may not move traffic
        for public in ("pages", "slack", "teams"):
            with deployment.running_as(public), pytest.raises(ClientError, match="AccessDenied"):
                boto3.client("lambda").update_alias(FunctionName="autosre-checkout", Name="live")

    rehearse()
    # AND the entries are in the audit bucket, each under COMPLIANCE retention
    s3, bucket = boto3.client("s3"), deployment.stack.refs["AuditBucket"]
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    entries = [f"audit/slack%3AT111/_org/{seq:012d}.json" for seq in range(1, 7)]
    # two changes and one seal, each requested then done
    assert [k for k in keys if k.startswith("audit/")] == entries
    assert [k for k in keys if k.startswith("digests/")]
    assert {s3.head_object(Bucket=bucket, Key=k)["ObjectLockMode"] for k in keys} == {"COMPLIANCE"}


def test_the_alerts_function_tells_the_channel_with_its_own_role(
    deployment: Deployment, slack_api: CaptureServer
) -> None:
    setup = [
        "team create payments",
        "team bind C111 --team payments",
        "team member add W111 --role operator --team payments",
        "service register checkout-api --sample checkout --team payments",
        'alert create errors --service checkout-api --when "error_rate > 2%" --team payments',
    ]

    @set_initial_no_auth_action_count(0)
    def rehearse() -> dict[str, Any]:
        # GIVEN an alert that holds, created through the Slack function
        with deployment.running_as("slack"):
            for n, text in enumerate(setup):
                assert "Not allowed" not in json.dumps(slash(text, f"s{n}")), text
        # WHEN the every-minute schedule runs the alerts function
        with deployment.running_as("alerts"):
            event = load("aws/eventBridgeSchedulerEvent.json")  # at this minute: the sample's
            event["time"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:00Z")  # incident is now
            result: dict[str, Any] = aws_scheduler.alerts(event, LambdaContext())
            return result

    result = rehearse()
    # THEN it fired, and the channel was told with the bot token from SSM (no Teams parameter)
    assert result["fields"]["Fired"] == "errors"
    (post,) = slack_api.calls("chat.postMessage")
    assert post.body["channel"] == "C111"
    assert "FIRING checkout-api: errors" in json.dumps(post.body["blocks"])


def test_the_doctor_in_the_worker_reads_both_queues_with_the_workers_role(
    deployment: Deployment, slack_api: CaptureServer
) -> None:
    @set_initial_no_auth_action_count(0)  # every call checked against IAM, SQS by its resources
    def rehearse() -> None:
        # GIVEN an org admin's `/sre doctor`, queued by the Slack function
        with deployment.running_as("slack"):
            assert "Working on" in json.dumps(slash("doctor", "d1"))
        # WHEN the worker runs it with its own role
        with deployment.running_as("worker") as env:
            record = queued_record(env["AUTOSRE_TASK_QUEUE_URL"])
            assert aws_worker.handler({"Records": [record]}, LambdaContext()) == {
                "batchItemFailures": []
            }
            assert env["AUTOSRE_WORKER_FUNCTION"] == f"autosre-{STAGE}-worker"

    rehearse()
    # THEN the task queue's line was read from SQS, the dead-letter queue's depth too (the
    # worker's grant on it, checked by moto); the worker's versions were looked for by name (the
    # rehearsal creates no function, so that line reports what Lambda answered)
    (post,) = slack_api.calls("chat.postMessage")
    report = json.dumps(post.body["blocks"], ensure_ascii=False)
    queue = f"autosre-{STAGE}-TaskQueue-"
    assert f"*Task queue*\\n✓ SQS {queue}" in report
    assert "dead-letter queue empty" in report
    assert "*Worker version*\\n✗ " in report
