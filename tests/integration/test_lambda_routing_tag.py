"""A function its owner did not tag for Auto SRE: the roles may not touch its aliases (IAM's
tag condition, which moto does not evaluate: AWS's refusal is stubbed with botocore's Stubber),
and the canary is told what to do instead of an internal error; so is a version Lambda never
published."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from shared.adapters.aws.lambda_routing import LambdaTrafficRouter
from shared.errors import NotFoundError, UnavailableError


def test_an_untagged_function_is_refused_with_the_tag_to_set() -> None:
    # GIVEN Lambda refusing to read checkout-fn's alias (the function is not tagged)
    client = boto3.client("lambda", region_name="us-east-1")
    stub = Stubber(client)
    stub.add_client_error(
        "get_alias", service_error_code="AccessDeniedException", http_status_code=403
    )
    # WHEN a canary reads its route THEN it is told to tag the function, and how
    with stub, pytest.raises(UnavailableError) as refused:
        LambdaTrafficRouter(client=client).route("checkout-fn:live")
    said = str(refused.value)
    assert "tagged autosre:managed=true" in said
    assert "aws lambda tag-resource --resource <checkout-fn's ARN> --tags autosre:managed=true" in (
        said
    )


def test_another_refusal_is_not_said_to_be_the_tag() -> None:
    client = boto3.client("lambda", region_name="us-east-1")
    stub = Stubber(client)
    stub.add_client_error("get_alias", service_error_code="ResourceNotFoundException")
    with stub, pytest.raises(client.exceptions.ResourceNotFoundException):
        LambdaTrafficRouter(client=client).route("checkout-fn:live")


@pytest.mark.parametrize("code", ["ResourceNotFoundException", "InvalidParameterValueException"])
def test_a_version_lambda_never_published_is_said_so(code: str) -> None:
    # GIVEN the alias live on version 7, and Lambda refusing to weigh version 99
    client = boto3.client("lambda", region_name="us-east-1")
    stub = Stubber(client)
    alias = {"AliasArn": "arn:aws:lambda:us-east-1:1:function:checkout-fn:live"}
    stub.add_response("get_alias", {**alias, "Name": "live", "FunctionVersion": "7"})
    stub.add_client_error("update_alias", service_error_code=code)
    # WHEN a canary shifts 5% to it THEN it is told the version is not published, and how to list
    with stub, pytest.raises(NotFoundError) as refused:
        LambdaTrafficRouter(client=client).shift("checkout-fn:live", canary="99", weight=0.05)
    said = str(refused.value)
    assert said.startswith("checkout-fn has no published version 99 to send traffic to")
    assert "aws lambda list-versions-by-function --function-name checkout-fn" in said
