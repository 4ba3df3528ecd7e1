"""A function its owner did not tag for Auto SRE: the roles may not touch its aliases (IAM's
tag condition, which moto does not evaluate: AWS's refusal is stubbed with botocore's Stubber),
and the canary is told what to do instead of an internal error."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from shared.adapters.aws.lambda_routing import LambdaTrafficRouter
from shared.errors import UnavailableError


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
