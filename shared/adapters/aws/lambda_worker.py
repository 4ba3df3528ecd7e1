"""The worker's live alias against $LATEST, for `sre doctor`: a Lambda version freezes its code
and its environment, so a deploy that changed only parameters leaves the alias on the old ones."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

import boto3

from shared.doctor.ports import WorkerRelease

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

ALIAS = "live"
"""The alias the task queue triggers (infra/aws/resources.yml, WorkerLiveAlias)."""


def _variables(configuration: Any) -> dict[str, str]:
    variables: dict[str, str] = (configuration.get("Environment") or {}).get("Variables") or {}
    return variables


class LambdaWorkerVersions:
    """Reads the function's configuration through its alias and as last deployed
    (GetFunctionConfiguration, twice) and says which settings differ, by name."""

    def __init__(self, *, function: str, client: LambdaClient | None = None) -> None:
        self._function = function
        self._given = client

    @cached_property
    def _client(self) -> LambdaClient:
        """The client given, or one made at first use."""
        return self._given or boto3.client("lambda")

    def release(self) -> WorkerRelease:
        """The live version, and what $LATEST has that it has not."""
        live = self._client.get_function_configuration(FunctionName=self._function, Qualifier=ALIAS)
        latest = self._client.get_function_configuration(FunctionName=self._function)
        old, new = _variables(live), _variables(latest)
        changed = sorted(name for name in old.keys() | new.keys() if old.get(name) != new.get(name))
        return WorkerRelease(
            function=self._function,
            live_version=str(live["Version"]),
            changed=tuple(changed),
            code_changed=live.get("CodeSha256") != latest.get("CodeSha256"),
        )
