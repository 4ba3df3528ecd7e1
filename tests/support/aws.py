"""AWS resources on moto, made from the definitions in infra/aws/resources.yml."""

from __future__ import annotations

import io
import re
import threading
import zipfile
from pathlib import Path
from typing import Any

import boto3
import yaml

from tests.support.payloads import load

RESOURCES = Path(__file__).resolve().parents[2] / "infra" / "aws" / "resources.yml"


def resource(name: str) -> dict[str, Any]:
    """One resource's properties as declared for CloudFormation."""
    document = yaml.safe_load(RESOURCES.read_text())
    properties: dict[str, Any] = document["Resources"][name]["Properties"]
    return properties


def create_table(name: str = "autosre-test") -> str:
    """The app table, with the declared keys."""
    props = resource("AppTable")
    boto3.client("dynamodb").create_table(
        TableName=name,
        AttributeDefinitions=props["AttributeDefinitions"],
        KeySchema=props["KeySchema"],
        BillingMode=props["BillingMode"],
    )
    return name


def create_queues() -> str:
    """The task queue with its dead-letter queue; returns the task queue's URL."""
    sqs = boto3.client("sqs")
    dlq = sqs.create_queue(QueueName="autosre-tasks-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]
    redrive = f'{{"deadLetterTargetArn":"{dlq_arn["QueueArn"]}","maxReceiveCount":"5"}}'
    return sqs.create_queue(
        QueueName="autosre-tasks",
        Attributes={"RedrivePolicy": redrive, "VisibilityTimeout": "360"},
    )["QueueUrl"]


def _default(value: str | int) -> int:
    """A serverless `${param:name, default}` value's default (or the value itself)."""
    if isinstance(value, int):
        return value
    found = re.fullmatch(r"\$\{param:[^,]+, *(\d+)\}", value)
    assert found, value
    return int(found.group(1))


def create_audit_bucket(name: str = "autosre-audit-test") -> str:
    """The audit bucket with Object Lock in COMPLIANCE mode, as declared."""
    props = resource("AuditBucket")
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=name, ObjectLockEnabledForBucket=True)
    rule = props["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]
    s3.put_object_lock_configuration(
        Bucket=name,
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": rule["Mode"], "Days": _default(rule["Days"])}},
        },
    )
    return name


def serialised(client: Any, event: str, why: str, *, lock: threading.Lock | None = None) -> Any:
    """Let one call at a time through `client` for `event` (e.g. `s3.PutObject`, `dynamodb`);
    through every client given the same `lock` (two functions' clients on one moto backend).

    moto's in-process backends are not safe under concurrent threads where AWS is: `why` says
    which gap this closes. Calls are serialised with botocore's own event hooks.
    """
    lock = lock or threading.Lock()
    marker = f"autosre_lock_{event}"

    def acquire(context: dict[str, Any], **_: Any) -> None:
        lock.acquire()
        context[marker] = True

    def release(context: dict[str, Any], **_: Any) -> None:
        if context.pop(marker, False):
            lock.release()

    del why  # documentation at the call site
    client.meta.events.register(f"before-call.{event}", acquire)
    client.meta.events.register(f"after-call.{event}", release)
    client.meta.events.register(f"after-call-error.{event}", release)
    return client


def atomic_conditional_puts(client: Any) -> Any:
    """Make moto's `If-None-Match` puts atomic, as S3's are.

    moto checks the condition and writes the object in two steps, so under concurrent threads two
    puts of the same key can both succeed (measured: 10 of 1,600 contended puts). S3 itself
    refuses the second.
    """
    return serialised(client, "s3.PutObject", "conditional puts are check-then-write in moto")


def create_export_bucket(name: str = "autosre-exports-test") -> str:
    """The exports bucket."""
    boto3.client("s3").create_bucket(Bucket=name)
    return name


def create_audit_key_secret(name: str = "autosre/audit-key-test") -> str:
    """The digest signing key in Secrets Manager; returns the setting's reference to it."""
    arn = boto3.client("secretsmanager").create_secret(Name=name, SecretString="k" * 64)["ARN"]
    return f"secretsmanager:{arn}"


def queued_record(queue_url: str) -> dict[str, Any]:
    """The one task waiting on the queue, as a record of the recorded SQS event."""
    (message,) = boto3.client("sqs").receive_message(QueueUrl=queue_url)["Messages"]
    template = load("aws/sqsEvent.json")["Records"][0]
    return {**template, "body": message["Body"], "messageId": message["MessageId"]}


def lambda_function() -> None:
    """checkout-fn with versions 1 and 2 published, and alias `live` on version 1."""
    role = boto3.client("iam").create_role(RoleName="fn", AssumeRolePolicyDocument="{}")
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as bundle:
        bundle.writestr("app.py", "def handler(event, context):\n    return 1\n")
    client = boto3.client("lambda")
    client.create_function(
        FunctionName="checkout-fn",
        Runtime="python3.11",
        Role=role["Role"]["Arn"],
        Handler="app.handler",
        Code={"ZipFile": code.getvalue()},
    )
    client.publish_version(FunctionName="checkout-fn")
    client.update_function_code(FunctionName="checkout-fn", ZipFile=code.getvalue())
    client.publish_version(FunctionName="checkout-fn")
    client.create_alias(FunctionName="checkout-fn", Name="live", FunctionVersion="1")
