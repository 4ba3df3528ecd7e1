"""The investigator's deployed versions on the replay set: a real boto3 Lambda client invokes
each version, whose handler (the worker's, this code) answers in-process
(tests/fakes/lambda_versions)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from shared.adapters.aws.lambda_investigators import LambdaInvestigatorVersions
from shared.canary.replay import VersionFailedError, investigate, names_the_cause, scenarios
from shared.telemetry.models import Finding, Signal
from tests.fakes.lambda_versions import DeployedVersions
from tests.support.handlers import blind_version, this_version

TARGET = "checkout-fn:live"


def crashing_version(event: dict[str, Any]) -> Any:
    """A release whose handler fails on the replay request."""
    raise KeyError("cases")


@pytest.fixture
def versions() -> DeployedVersions:
    return DeployedVersions({"1": this_version, "2": blind_version, "3": crashing_version})


@pytest.fixture
def investigators(versions: DeployedVersions) -> LambdaInvestigatorVersions:
    client = boto3.client("lambda", region_name="us-east-1")
    return LambdaInvestigatorVersions(client=versions.attach(client))


def test_a_deployed_version_answers_the_replay_set_with_its_findings(
    investigators: LambdaInvestigatorVersions, versions: DeployedVersions
) -> None:
    cases = scenarios(per_cause=2)
    # WHEN version 1 of checkout-fn is asked for its findings on the replay set
    answers = investigators.findings(TARGET, "1", cases)
    # THEN one Invoke of that version carried every case, and none of their causes or names
    assert versions.invoked == [("checkout-fn", "1")]
    (event,) = versions.events
    assert event["autosre"] == "replay"
    assert len(event["cases"]) == len(cases)
    sent = json.dumps(event)
    assert not any(word in sent for word in ("cause", "saturation-", "quiet"))

    # AND its findings are this code's investigator's on each case (values travel rounded to
    # four decimals): the same signals from the same minutes, every cause named
    def moved(findings: list[Finding]) -> list[tuple[Signal, datetime]]:
        return [(f.signal, f.onset) for f in findings]

    assert [moved(f) for f in answers] == [moved(investigate(case)) for case in cases]
    assert all(names_the_cause(found, case) for found, case in zip(answers, cases, strict=True))


def test_a_blind_version_misses_what_it_cannot_see(
    investigators: LambdaInvestigatorVersions,
) -> None:
    cases = scenarios(per_cause=2)
    answers = investigators.findings(TARGET, "2", cases)
    missed = [c.name for f, c in zip(answers, cases, strict=True) if not names_the_cause(f, c)]
    assert missed == ["saturation-0", "saturation-1"]


def test_a_version_whose_code_fails_and_one_that_does_not_exist(
    investigators: LambdaInvestigatorVersions,
) -> None:
    cases = scenarios(per_cause=1)
    with pytest.raises(VersionFailedError, match=r"checkout-fn:3 failed \(Unhandled\).*KeyError"):
        investigators.findings(TARGET, "3", cases)
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        investigators.findings(TARGET, "9", cases)
