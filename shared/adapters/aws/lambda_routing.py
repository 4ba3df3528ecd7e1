"""The TrafficRouter port on Lambda aliases: `RoutingConfig.AdditionalVersionWeights`.

The alias keeps pointing at the stable version; the canary version gets its weight through the
routing config; promoting moves the alias and clears the weights; rolling back clears them."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

import boto3

from shared.canary.routing import Route, shifted

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient


def _split(target: str) -> tuple[str, str]:
    function, _, alias = target.rpartition(":")
    if not function or not alias:
        raise ValueError(f"`{target}` is not FUNCTION:ALIAS")
    return function, alias


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
        return self._read(target, dict(self._client.get_alias(FunctionName=function, Name=alias)))

    def shift(self, target: str, *, canary: str, weight: float) -> Route:
        function, alias = _split(target)
        wanted = shifted(self.route(target), canary=canary, weight=weight)  # the rules, checked
        answer = self._client.update_alias(
            FunctionName=function,
            Name=alias,
            RoutingConfig={"AdditionalVersionWeights": {canary: wanted.weight}},
        )
        return self._read(target, dict(answer))

    def promote(self, target: str, *, canary: str) -> Route:
        function, alias = _split(target)
        answer = self._client.update_alias(
            FunctionName=function,
            Name=alias,
            FunctionVersion=canary,
            RoutingConfig={"AdditionalVersionWeights": {}},
        )
        return self._read(target, dict(answer))

    def rollback(self, target: str) -> Route:
        function, alias = _split(target)
        answer = self._client.update_alias(
            FunctionName=function, Name=alias, RoutingConfig={"AdditionalVersionWeights": {}}
        )
        return self._read(target, dict(answer))
