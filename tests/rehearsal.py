"""The deployment rehearsal: the data-plane resources and roles of the template that
`serverless package` generated (tests/serverless.py), created on moto, each function then run with
its own role.

moto's CloudFormation engine needs moto's `cloudformation` extra (and does not apply a bucket's
Object Lock configuration), so each resource is created here from its template properties, with
the few intrinsic functions the template uses; anything else fails loudly."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3

from tests.serverless import REGION

ACCOUNT = "123456789012"
API_ENDPOINT = "https://rehearsal.execute-api.us-east-1.amazonaws.com"
"""What `HttpApi.ApiEndpoint` resolves to: the HTTP API itself is not created on moto."""


def _split_sub(text: str, lookup: Callable[[str], str]) -> str:
    out, rest = "", text
    while "${" in rest:
        before, _, after = rest.partition("${")
        name, _, rest = after.partition("}")
        out += before + lookup(name)
    return out + rest


@dataclass
class Stack:
    """The resources created so far: what `Ref` and `Fn::GetAtt` resolve to."""

    stage: str
    run: str = "9f2c1a00-5e6b-11f0-8a3c-0a1b2c3d4e5f"
    """The stack's id (a new one for each creation of the stack, as CloudFormation makes it)."""
    refs: dict[str, str] = field(default_factory=dict)
    attrs: dict[tuple[str, str], str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        stack_id = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/autosre-{self.stage}/"
        self.refs |= {
            "AWS::Partition": "aws",
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackId": stack_id + self.run,
        }
        self.attrs[("HttpApi", "ApiEndpoint")] = API_ENDPOINT

    def physical(self, name: str) -> str:
        """A generated name, as CloudFormation gives a resource the template does not name."""
        return f"autosre-{self.stage}-{name}-{self.run[:8]}"

    def _ref(self, name: str) -> str:
        if "." in name:
            resource, _, attribute = name.partition(".")
            return self.attrs[(resource, attribute)]
        return self.refs[name]

    def resolve(self, value: Any) -> Any:
        """A template value with its intrinsic functions evaluated."""
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) != 1 or not next(iter(value)).startswith(("Ref", "Fn::")):
            return {k: self.resolve(v) for k, v in value.items()}
        ((function, argument),) = value.items()
        if function == "Ref":
            return self._ref(argument)
        if function == "Fn::GetAtt":
            return self.attrs[(argument[0], argument[1])]
        if function == "Fn::Sub":
            return _split_sub(argument, self._ref)
        if function == "Fn::Join":
            return argument[0].join(self.resolve(argument[1]))
        if function == "Fn::Select":
            return self.resolve(argument[1])[int(argument[0])]
        if function == "Fn::Split":
            return self.resolve(argument[1]).split(argument[0])
        raise NotImplementedError(f"the rehearsal cannot evaluate {function}")


def _arn(service: str, what: str) -> str:
    return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{what}"


def _table(stack: Stack, name: str, p: dict[str, Any]) -> None:
    table = stack.physical(name)
    boto3.client("dynamodb").create_table(
        TableName=table,
        AttributeDefinitions=p["AttributeDefinitions"],
        KeySchema=p["KeySchema"],
        BillingMode=p["BillingMode"],
        DeletionProtectionEnabled=p["DeletionProtectionEnabled"],
        SSESpecification={"Enabled": p["SSESpecification"]["SSEEnabled"]},
    )
    stack.refs[name] = table
    stack.attrs[(name, "Arn")] = _arn("dynamodb", f"table/{table}")


def _queue(stack: Stack, name: str, p: dict[str, Any]) -> None:
    sqs = boto3.client("sqs")
    attributes: dict[Any, str] = {k: str(v) for k, v in p.items() if k != "RedrivePolicy"}
    if "RedrivePolicy" in p:
        attributes["RedrivePolicy"] = json.dumps(p["RedrivePolicy"])
    queue = stack.physical(name)
    stack.refs[name] = sqs.create_queue(QueueName=queue, Attributes=attributes)["QueueUrl"]
    stack.attrs[(name, "Arn")] = _arn("sqs", queue)
    stack.attrs[(name, "QueueName")] = queue


def _bucket(stack: Stack, name: str, p: dict[str, Any]) -> None:
    s3, bucket = boto3.client("s3"), stack.physical(name.lower())
    s3.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=bool(p.get("ObjectLockEnabled")))
    if "ObjectLockConfiguration" in p:
        s3.put_object_lock_configuration(
            Bucket=bucket, ObjectLockConfiguration=p["ObjectLockConfiguration"]
        )
    rules: list[Any] = [
        {"ApplyServerSideEncryptionByDefault": r["ServerSideEncryptionByDefault"]}
        | ({"BucketKeyEnabled": r["BucketKeyEnabled"]} if "BucketKeyEnabled" in r else {})
        for r in p["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    ]
    encryption: Any = {"Rules": rules}
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration=encryption)
    s3.put_public_access_block(
        Bucket=bucket, PublicAccessBlockConfiguration=p["PublicAccessBlockConfiguration"]
    )
    if "LifecycleConfiguration" in p:
        s3.put_bucket_lifecycle_configuration(
            Bucket=bucket,
            LifecycleConfiguration={
                "Rules": [
                    {
                        "ID": r["Id"],
                        "Status": r["Status"],
                        "Filter": {},
                        "Expiration": {"Days": r["ExpirationInDays"]},
                    }
                    for r in p["LifecycleConfiguration"]["Rules"]
                ]
            },
        )
    stack.refs[name] = bucket
    stack.attrs[(name, "Arn")] = f"arn:aws:s3:::{bucket}"


def _key(stack: Stack, name: str, p: dict[str, Any]) -> None:
    key = boto3.client("kms").create_key(
        Description=p["Description"], Policy=json.dumps(p["KeyPolicy"])
    )["KeyMetadata"]
    stack.refs[name] = key["KeyId"]
    stack.attrs[(name, "Arn")] = key["Arn"]


def _secret(stack: Stack, name: str, p: dict[str, Any]) -> None:
    length = p["GenerateSecretString"]["PasswordLength"]
    sm = boto3.client("secretsmanager")
    value = sm.get_random_password(PasswordLength=length, ExcludePunctuation=True)
    stack.refs[name] = sm.create_secret(
        Name=p["Name"], Description=p["Description"], SecretString=value["RandomPassword"]
    )["ARN"]


def _topic(stack: Stack, name: str, p: dict[str, Any]) -> None:
    arn = boto3.client("sns").create_topic(
        Name=stack.physical(name), Attributes={"DisplayName": p["DisplayName"]}
    )["TopicArn"]
    stack.refs[name] = arn


def _alarm(stack: Stack, name: str, p: dict[str, Any]) -> None:
    boto3.client("cloudwatch").put_metric_alarm(AlarmName=stack.physical(name), **p)
    stack.refs[name] = stack.physical(name)


_MOTO_CHECKS_RESOURCES = ("s3:", "sqs:")
"""moto compares S3 and SQS calls with the statement's resources, and every other service's with
`*`: a statement for those is loaded with `Resource: *` and without its condition, which moto
does not evaluate (tests/contract/test_serverless_yml.py checks their resources and conditions
in the template itself)."""


def for_moto(document: dict[str, Any]) -> str:
    """A policy document as moto can check it (see _MOTO_CHECKS_RESOURCES)."""
    statements = []
    for statement in document["Statement"]:
        actions = statement["Action"]
        actions = [actions] if isinstance(actions, str) else actions
        widen = not all(a.startswith(_MOTO_CHECKS_RESOURCES) for a in actions)
        if not widen:
            assert "Condition" not in statement, f"moto cannot evaluate {statement['Condition']}"
            statements.append(statement)
            continue
        unconditioned = {k: v for k, v in statement.items() if k != "Condition"}
        statements.append({**unconditioned, "Resource": "*"})
    return json.dumps({**document, "Statement": statements})


def _policy(stack: Stack, name: str, p: dict[str, Any]) -> None:
    arn = boto3.client("iam").create_policy(
        PolicyName=stack.physical(name),
        PolicyDocument=for_moto(p["PolicyDocument"]),
        Description=p["Description"],
    )["Policy"]["Arn"]
    stack.refs[name] = arn


def _role(stack: Stack, name: str, p: dict[str, Any]) -> None:
    iam, role = boto3.client("iam"), stack.physical(name)
    arn = iam.create_role(
        RoleName=role, AssumeRolePolicyDocument=json.dumps(p["AssumeRolePolicyDocument"])
    )["Role"]["Arn"]
    for managed in p["ManagedPolicyArns"]:
        iam.attach_role_policy(RoleName=role, PolicyArn=managed)
    for inline in p["Policies"]:
        iam.put_role_policy(
            RoleName=role,
            PolicyName=inline["PolicyName"],
            PolicyDocument=for_moto(inline["PolicyDocument"]),
        )
    stack.refs[name] = role
    stack.attrs[(name, "Arn")] = arn


CREATORS: dict[str, Callable[[Stack, str, dict[str, Any]], None]] = {
    "AWS::KMS::Key": _key,
    "AWS::DynamoDB::Table": _table,
    "AWS::SQS::Queue": _queue,
    "AWS::S3::Bucket": _bucket,
    "AWS::SecretsManager::Secret": _secret,
    "AWS::SNS::Topic": _topic,
    "AWS::CloudWatch::Alarm": _alarm,
    "AWS::IAM::ManagedPolicy": _policy,
    "AWS::IAM::Role": _role,
}
"""What the rehearsal creates, in this order (each only refers to those before it). Not created:
functions, versions, aliases, the queue trigger, the HTTP API, schedules, log groups, the
deployment bucket, the audit bucket's policy (moto does not evaluate bucket policies here)."""


def deploy(template: dict[str, Any], *, stage: str, run: str | None = None) -> Stack:
    """Create the template's tables, buckets, queues, key, secret, topic, alarm and roles."""
    stack = Stack(stage=stage) if run is None else Stack(stage=stage, run=run)
    resources = template["Resources"]
    for kind, create in CREATORS.items():
        for name, resource in resources.items():
            if resource["Type"] == kind and name != "ServerlessDeploymentBucket":
                create(stack, name, stack.resolve(resource.get("Properties", {})))
    return stack


def function_environment(template: dict[str, Any], stack: Stack, function: str) -> dict[str, str]:
    """The environment the template gives a function (`slack` -> SlackLambdaFunction)."""
    properties = template["Resources"][f"{function.title()}LambdaFunction"]["Properties"]
    variables: dict[str, str] = stack.resolve(properties["Environment"]["Variables"])
    return variables


def function_role(template: dict[str, Any], function: str) -> str:
    """The logical id of the role the template gives a function."""
    properties = template["Resources"][f"{function.title()}LambdaFunction"]["Properties"]
    role: str = properties["Role"]["Fn::GetAtt"][0]
    return role


def assume(stack: Stack, role: str) -> dict[str, str]:
    """Credentials of the role, as Lambda gives them to its function (environment variables)."""
    credentials = boto3.client("sts").assume_role(
        RoleArn=stack.attrs[(role, "Arn")], RoleSessionName=role
    )["Credentials"]
    return {
        "AWS_ACCESS_KEY_ID": credentials["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"],
        "AWS_SESSION_TOKEN": credentials["SessionToken"],
        "AWS_SECURITY_TOKEN": credentials["SessionToken"],
    }
