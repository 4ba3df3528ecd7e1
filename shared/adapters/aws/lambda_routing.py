"""The TrafficRouter port on Lambda aliases: `RoutingConfig.AdditionalVersionWeights`.

The alias keeps pointing at the stable version; the canary version gets its weight through the
routing config; promoting moves the alias and clears the canary's weight; rolling back clears it
(only the canary's own: a weight another version holds is not its to clear)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import ClientError

from shared.canary.routing import Route, promoted, rolled_back, shifted
from shared.errors import NotFoundError, UnavailableError

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

MANAGED_TAG = "autosre:managed"
"""The tag (value `true`) a function's owner sets to let Auto SRE read and move its aliases and
inject its faults: the functions' roles are granted those actions only on functions so tagged."""


@contextmanager
def _tagged(function: str) -> Iterator[None]:
    """An access denied on `function` said as what to do: tag it for Auto SRE."""
    try:
        yield
    except ClientError as error:
        if "AccessDenied" not in error.response.get("Error", {}).get("Code", ""):
            raise
        raise UnavailableError(
            f"Auto SRE may not read or move {function}'s aliases: its roles act only on "
            f"functions tagged {MANAGED_TAG}=true. Tag it: `aws lambda tag-resource --resource "
            f"<{function}'s ARN> --tags {MANAGED_TAG}=true`, then try again."
        ) from error


@contextmanager
def _published(function: str, version: str) -> Iterator[None]:
    """Lambda's refusal of a version it never published said as such (the alias exists: it was
    just read), with how to list the ones it has."""
    try:
        yield
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code not in {"ResourceNotFoundException", "InvalidParameterValueException"}:
            raise
        raise NotFoundError(
            f"{function} has no published version {version} to send traffic to (Lambda: "
            f"{code}). `aws lambda list-versions-by-function --function-name {function}` lists "
            "the ones it has."
        ) from error


def _split(target: str) -> tuple[str, str]:
    function, _, alias = target.rpartition(":")
    if not function or not alias:
        raise ValueError(f"`{target}` is not FUNCTION:ALIAS")
    return function, alias


def _weights(route: Route) -> dict[str, float]:
    """The routing config's weights for `route`."""
    return {route.canary: route.weight} if route.canary else {}


class LambdaTrafficRouter:
    """Reads and moves a Lambda alias's traffic with boto3."""

    def __init__(self, *, client: LambdaClient | None = None) -> None:
        self._given = client

    @cached_property
    def _client(self) -> LambdaClient:
        """The client given, or one made at first use."""
        return self._given or boto3.client("lambda")

    def _read(self, target: str, alias: dict[str, Any]) -> Route:
        weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
        canary, weight = next(iter(weights.items()), (None, 0.0))
        return Route(target=target, stable=alias["FunctionVersion"], canary=canary, weight=weight)

    def route(self, target: str) -> Route:
        function, alias = _split(target)
        with _tagged(function):
            found = self._client.get_alias(FunctionName=function, Name=alias)
        return self._read(target, dict(found))

    def shift(self, target: str, *, canary: str, weight: float) -> Route:
        function, alias = _split(target)
        wanted = shifted(self.route(target), canary=canary, weight=weight)  # the rules, checked
        with _tagged(function), _published(function, canary):
            answer = self._client.update_alias(
                FunctionName=function,
                Name=alias,
                RoutingConfig={"AdditionalVersionWeights": {canary: wanted.weight}},
            )
        return self._read(target, dict(answer))

    def promote(self, target: str, *, canary: str) -> Route:
        function, alias = _split(target)
        kept = _weights(promoted(self.route(target), canary=canary))
        with _tagged(function):
            answer = self._client.update_alias(
                FunctionName=function,
                Name=alias,
                FunctionVersion=canary,
                RoutingConfig={"AdditionalVersionWeights": kept},
            )
        return self._read(target, dict(answer))

    def rollback(self, target: str, *, canary: str) -> Route:
        function, alias = _split(target)
        current = self.route(target)
        wanted = rolled_back(current, canary=canary)
        if wanted == current:  # nothing of this canary's to clear (another's weight is kept)
            return current
        with _tagged(function):
            answer = self._client.update_alias(
                FunctionName=function,
                Name=alias,
                RoutingConfig={"AdditionalVersionWeights": _weights(wanted)},
            )
        return self._read(target, dict(answer))
