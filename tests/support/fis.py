"""A Lambda function wired for AWS FIS on moto (a stand-in extension layer, since moto checks
that layer ARNs exist and SSM has no public FIS parameter), the experiment role, and services."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Sequence
from datetime import timedelta

import boto3

from shared.telemetry.models import ResourceKind, Service, Signal
from shared.telemetry.queries import override, queries_for
from tests.support import NOW

LOCATION = "arn:aws:s3:::autosre-fis-configs/FisConfigs/"
WIRED = {
    "AWS_LAMBDA_EXEC_WRAPPER": "/opt/aws-fis/bootstrap",
    "AWS_FIS_CONFIGURATION_LOCATION": LOCATION,
    "AWS_FIS_POLL_MAX_WAIT_MILLISECONDS": "500",
}
"""The environment the FIS docs ask of a function (the poll wait: of a fast one)."""
NEEDED = ["s3:PutObject", "s3:DeleteObject", "lambda:GetFunction", "tag:GetResources"]


def _code() -> bytes:
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as bundle:
        bundle.writestr("app.py", "def handler(event, context):\n    return 1\n")
    return code.getvalue()


def extension_layer(name: str = "aws-fis-extension-x86_64") -> str:
    """A stand-in for the FIS extension layer; returns its version's ARN."""
    answer = boto3.client("lambda").publish_layer_version(
        LayerName=name, Content={"ZipFile": _code()}
    )
    return answer["LayerVersionArn"]


def fis_function(
    name: str = "checkout-fn",
    *,
    layers: Sequence[str] | None = None,
    env: dict[str, str] | None = None,
) -> str:
    """A function wired for FIS (unless `layers`/`env` say otherwise); returns its ARN."""
    role = boto3.client("iam").create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument="{}")[
        "Role"
    ]["Arn"]
    answer = boto3.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": _code()},
        Layers=list(layers if layers is not None else [extension_layer()]),
        Environment={"Variables": WIRED if env is None else env},
    )
    return answer["FunctionArn"]


def experiment_role(
    actions: Sequence[str] = NEEDED, *, attached: bool = False, denied: Sequence[str] = ()
) -> str:
    """The role FIS assumes, allowed `actions` inline (or by an attached managed policy), and
    refused `denied` by an inline Deny."""
    iam = boto3.client("iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "fis.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    arn = iam.create_role(RoleName="fis-experiments", AssumeRolePolicyDocument=json.dumps(trust))
    document = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}],
        }
    )
    if attached:
        policy = iam.create_policy(PolicyName="fis-lambda", PolicyDocument=document)
        iam.attach_role_policy(RoleName="fis-experiments", PolicyArn=policy["Policy"]["Arn"])
    else:
        iam.put_role_policy(RoleName="fis-experiments", PolicyName="fis", PolicyDocument=document)
    if denied:
        refusal = {"Effect": "Deny", "Action": list(denied), "Resource": "*"}
        iam.put_role_policy(
            RoleName="fis-experiments",
            PolicyName="guardrail",
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": refusal}),
        )
    return str(arn["Role"]["Arn"])


def front_door_traffic(api: str = "a1b2c3") -> None:
    """Requests through the API in front of checkout-fn an hour before NOW."""
    boto3.client("cloudwatch").put_metric_data(
        Namespace="AWS/ApiGateway",
        MetricData=[
            {
                "MetricName": "Count",
                "Dimensions": [{"Name": "ApiId", "Value": api}],
                "Timestamp": NOW - timedelta(hours=1),
                "Value": 1200.0,
            }
        ],
    )


def lambda_service(
    resource: str = "checkout-fn", *, front_door: bool = True, api: str = "a1b2c3"
) -> Service:
    """checkout-api on the function, its error rate read at API `api` (or the function's own)."""
    queries = queries_for(ResourceKind.AWS_LAMBDA, resource)
    if front_door:  # as `sre service signal set checkout-api error_rate …` points it
        queries[Signal.ERROR_RATE] = override(
            ResourceKind.AWS_LAMBDA,
            queries[Signal.ERROR_RATE],
            metric="5XXError",
            namespace="AWS/ApiGateway",
            statistic="Sum",
            dimensions={"ApiId": api},
            divide_by="Count",
            scale=100.0,
        )
    return Service(
        name="checkout-api",
        kind=ResourceKind.AWS_LAMBDA,
        resource=resource,
        queries=queries,
        registered_by="ann",
        registered_at=NOW,
    )
