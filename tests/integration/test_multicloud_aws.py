"""The AWS deployment reads CloudWatch only (its Lambda bundles carry no Azure or Google SDK):
Azure and Cloud Run services are refused when registered, with the reason, not later."""

from __future__ import annotations

import json

import pytest

from tests.support.handlers import slash

AZURE_APP = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/shop/providers/"
    "Microsoft.Web/sites/checkout"
)


@pytest.mark.parametrize(
    ("option", "resource", "kind"),
    [
        ("--azure-resource", AZURE_APP, "azure-resource"),
        ("--gcp-cloud-run", "shop-prod/europe-west1/checkout", "gcp-cloud-run"),
    ],
)
def test_a_service_in_another_cloud_is_refused_at_registration_with_the_reason(
    aws: dict[str, str], option: str, resource: str, kind: str
) -> None:
    # GIVEN an operator of team payments, bound to channel C111, on the AWS deployment
    for n, text in enumerate(
        [
            "team create payments",
            "team bind C111 --team payments",
            "team member add W111 --role operator --team payments",
        ]
    ):
        slash(text, f"t-{n}")
    # WHEN they register a service of another cloud
    answer = json.dumps(slash(f"service register checkout {option} {resource}", "t-9"))
    # THEN it is refused, saying why, and nothing is registered
    assert f"This deployment cannot read {kind} metrics" in answer
    assert "no client for that cloud" in answer
    assert "has no services yet" in json.dumps(slash("service list", "t-10"))


def test_a_lambda_service_is_still_registered(aws: dict[str, str]) -> None:
    for n, text in enumerate(
        [
            "team create payments",
            "team bind C111 --team payments",
            "team member add W111 --role operator --team payments",
        ]
    ):
        slash(text, f"t-{n}")
    answer = json.dumps(slash("service register checkout --aws-lambda checkout-fn", "t-5"))
    assert "Service checkout registered in team payments" in answer
