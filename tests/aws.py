"""AWS resources on moto, made from the definitions in infra/aws/resources.yml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import yaml

RESOURCES = Path(__file__).resolve().parent.parent / "infra" / "aws" / "resources.yml"


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
            "Rule": {"DefaultRetention": {"Mode": rule["Mode"], "Days": rule["Days"]}},
        },
    )
    return name
