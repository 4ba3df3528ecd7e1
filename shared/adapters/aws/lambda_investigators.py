"""The InvestigatorVersions port on Lambda: each deployed version of Auto SRE's investigator (the
worker function under canary) is invoked, by version, with the replay set and answers its findings.

One synchronous `Invoke` per version per judgement carries the whole set (about 0.6 MB of the
6 MB a synchronous invocation may carry); the worker's handler answers such an event with
`shared.canary.replay.investigate_cases`, the code of that version."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

from shared.canary.replay import (
    ReplayCase,
    ReplayRequest,
    ReplayResponse,
    Scenario,
    ScenarioFindings,
    VersionFailedError,
)

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

TIMEOUT = 40
"""Seconds to wait for a version's answer (the alerts function, which judges, has 55)."""


class LambdaInvestigatorVersions:
    """Replays scenarios on a version of the function behind a canary's target."""

    def __init__(self, *, client: LambdaClient | None = None) -> None:
        self._given = client

    @cached_property
    def _client(self) -> LambdaClient:
        """The client given, or one made at first use (no retries: a judgement is retried by the
        next tick, and a retried replay would run the set twice)."""
        config = Config(read_timeout=TIMEOUT, retries={"total_max_attempts": 1})
        return self._given or boto3.client("lambda", config=config)

    def findings(self, target: str, version: str, cases: Sequence[Scenario]) -> ScenarioFindings:
        """Invoke `FUNCTION:version` (`target` is `FUNCTION:ALIAS`) with the cases (never their
        causes); its findings on each, in order. Raises VersionFailedError when that version's
        code failed or answered something else than findings for every case."""
        function = target.rpartition(":")[0] or target
        request = ReplayRequest(cases=[ReplayCase.of(case) for case in cases])
        response = self._client.invoke(
            FunctionName=function,
            Qualifier=version,
            InvocationType="RequestResponse",
            Payload=request.model_dump_json().encode(),
        )
        payload = response["Payload"].read()
        if response.get("FunctionError"):
            raise VersionFailedError(
                f"{function}:{version} failed ({response['FunctionError']}): "
                f"{payload[:300].decode(errors='replace')}"
            )
        try:
            replayed = ReplayResponse.model_validate_json(payload)
        except ValueError as error:
            message = f"{function}:{version} answered no findings: {error}"
            raise VersionFailedError(message) from None
        if len(replayed.findings) != len(cases):
            raise VersionFailedError(
                f"{function}:{version} answered {len(replayed.findings)} of {len(cases)} scenarios"
            )
        return replayed.findings
