"""The org's kill switch on FIS's account safety lever, through botocore's Stubber (moto has no
safety lever): the requests FIS's service model accepts, and its answers read back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import boto3
import pytest
from botocore.stub import Stubber

from shared.adapters.aws.fis_safety_lever import FisSafetyLever
from shared.chaos.models import LeverState
from shared.errors import ConflictError, UnavailableError
from tests.support import NOW, ORG

ARN = "arn:aws:fis:us-east-1:123456789012:safety-lever/default"


def _lever(status: str, reason: str) -> dict[str, object]:
    return {
        "safetyLever": {"id": "default", "arn": ARN, "state": {"status": status, "reason": reason}}
    }


@pytest.fixture
def fis() -> Iterator[Stubber]:
    stub = Stubber(boto3.client("fis"))
    stub.activate()
    yield stub
    stub.assert_no_pending_responses()


def test_engaging_says_who_and_why_and_reads_back_as_engaged(fis: Stubber) -> None:
    reason = f"checkout outage [by slack:T1:U1 at 2026-11-22T09:30:00+00:00 org {ORG}]"
    fis.add_response(
        "update_safety_lever_state",
        _lever("engaging", reason),
        {"id": "default", "state": {"status": "engaged", "reason": reason}},
    )
    fis.add_response("get_safety_lever", _lever("engaged", reason), {"id": "default"})
    lever = FisSafetyLever(lever_id="default", client=fis.client)

    engaged = lever.engage(ORG, by="slack:T1:U1", reason="checkout outage", at=NOW)

    expected = LeverState(engaged=True, by="slack:T1:U1", at=NOW, reason="checkout outage")
    assert engaged == expected
    assert lever.state(ORG) == expected


def test_engaging_an_engaged_lever_is_not_an_error(fis: Stubber) -> None:
    earlier = f"game day over [by slack:T1:U9 at {(NOW - timedelta(hours=1)).isoformat()}]"
    fis.add_client_error(
        "update_safety_lever_state",
        service_error_code="ConflictException",
        service_message="Safety lever is already engaged",
        http_status_code=409,
    )
    fis.add_response("get_safety_lever", _lever("engaged", earlier), {"id": "default"})
    lever = FisSafetyLever(lever_id="default", client=fis.client)

    state = lever.engage(ORG, by="slack:T1:U1", reason="outage", at=NOW)

    assert state == LeverState(
        engaged=True, by="slack:T1:U9", at=NOW - timedelta(hours=1), reason="game day over"
    )


def test_a_conflict_that_leaves_the_lever_where_it_was_is_raised(fis: Stubber) -> None:
    fis.add_client_error(
        "update_safety_lever_state", service_error_code="ConflictException", http_status_code=409
    )
    fis.add_response("get_safety_lever", _lever("disengaged", ""), {"id": "default"})
    lever = FisSafetyLever(lever_id="default", client=fis.client)

    with pytest.raises(UnavailableError, match="Could not engage the account's FIS safety lever"):
        lever.engage(ORG, by="slack:T1:U1", reason="outage", at=NOW)


def test_releasing_disengages_it(fis: Stubber) -> None:
    reason = f"released [by slack:T1:root at 2026-11-22T09:30:00+00:00 org {ORG}]"
    fis.add_response(
        "get_safety_lever",
        _lever("engaged", f"x [by r at {NOW.isoformat()} org {ORG}]"),
        {"id": "default"},
    )
    fis.add_response(
        "update_safety_lever_state",
        _lever("disengaged", reason),
        {"id": "default", "state": {"status": "disengaged", "reason": reason}},
    )
    lever = FisSafetyLever(lever_id="default", client=fis.client)

    state = lever.release(ORG, by="slack:T1:root", at=NOW)

    assert state == LeverState(engaged=False, by="slack:T1:root", at=NOW, reason="released")


def test_a_lever_engaged_from_the_aws_console_reads_as_engaged(fis: Stubber) -> None:
    fis.add_response(
        "get_safety_lever", _lever("engaged", "region-wide incident"), {"id": "default"}
    )

    state = FisSafetyLever(lever_id="default", client=fis.client).state(ORG)

    assert state == LeverState(engaged=True, reason="region-wide incident")


def test_an_unknown_lever_id_is_an_error_not_a_disengaged_lever(fis: Stubber) -> None:
    fis.add_client_error(
        "get_safety_lever", service_error_code="ResourceNotFoundException", http_status_code=404
    )

    with pytest.raises(
        UnavailableError, match="Could not read the account's FIS safety lever nope"
    ):
        FisSafetyLever(lever_id="nope", client=fis.client).state(ORG)


def test_another_org_reads_the_lever_as_engaged_by_another_org_and_may_not_release_it(
    fis: Stubber,
) -> None:
    # GIVEN the account's lever engaged by org A's admin
    engaged_by_a = f"checkout outage [by U7 at {NOW.isoformat()} org slack:T-A]"
    for _ in range(2):
        fis.add_response("get_safety_lever", _lever("engaged", engaged_by_a), {"id": "default"})
    lever = FisSafetyLever(lever_id="default", client=fis.client)
    # WHEN org B reads it THEN it is engaged by another org, A's user ids not said
    state = lever.state(ORG)
    assert state == LeverState(engaged=True, foreign=True)
    assert state.said_by == " (by another organisation of this deployment)"
    assert "U7" not in state.model_dump_json()
    # WHEN org B's admin releases it THEN refused (no update is sent: the Stubber has none)
    with pytest.raises(ConflictError, match="only its admins may release it"):
        lever.release(ORG, by="root", at=NOW)


def test_the_org_that_engaged_it_reads_it_as_its_own(fis: Stubber) -> None:
    engaged = f"checkout outage [by U7 at {NOW.isoformat()} org {ORG}]"
    fis.add_response("get_safety_lever", _lever("engaged", engaged), {"id": "default"})

    state = FisSafetyLever(lever_id="default", client=fis.client).state(ORG)

    assert state == LeverState(engaged=True, by="U7", at=NOW, reason="checkout outage")
