"""One contract for the TrafficRouter port: in memory, and Lambda aliases on moto."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from shared.adapters.aws.lambda_routing import LambdaTrafficRouter
from shared.adapters.local.sqlite_directory import SqliteDatabase
from shared.adapters.local.sqlite_routes import SqliteTrafficRouter
from shared.adapters.memory import InMemoryTrafficRouter
from shared.canary.ports import TrafficRouter
from shared.canary.routing import Route
from shared.errors import ConflictError, NotFoundError
from tests.support.aws import lambda_function

TARGET = "checkout-fn:live"


@pytest.fixture(params=["memory", "sqlite", "lambda"])
def router(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TrafficRouter]:
    if request.param == "memory":
        yield InMemoryTrafficRouter({TARGET: "1"})
        return
    if request.param == "sqlite":
        yield SqliteTrafficRouter(SqliteDatabase(tmp_path / "routes.db"), first="1")
        return
    with mock_aws():
        lambda_function()
        yield LambdaTrafficRouter(client=boto3.client("lambda"))


def test_a_canary_takes_its_weight_and_the_alias_stays_on_stable(router: TrafficRouter) -> None:
    assert router.route(TARGET) == Route(target=TARGET, stable="1")
    assert router.shift(TARGET, canary="2", weight=0.05) == Route(
        target=TARGET, stable="1", canary="2", weight=0.05
    )
    assert router.route(TARGET).weight == 0.05
    assert router.shift(TARGET, canary="2", weight=0.25).weight == 0.25


def test_promote_moves_the_alias_and_clears_the_weights(router: TrafficRouter) -> None:
    router.shift(TARGET, canary="2", weight=0.5)
    assert router.promote(TARGET, canary="2") == Route(target=TARGET, stable="2")
    assert router.route(TARGET) == Route(target=TARGET, stable="2")


def test_rollback_clears_the_weights(router: TrafficRouter) -> None:
    router.shift(TARGET, canary="2", weight=0.05)
    assert router.rollback(TARGET, canary="2") == Route(target=TARGET, stable="1")


@pytest.mark.parametrize("weight", [0.0, 1.0, 1.5, -0.1])
def test_a_weight_lambda_would_refuse_is_refused_before_any_call(
    router: TrafficRouter, weight: float
) -> None:
    # moto accepts 1.5; Lambda does not, and neither do we
    with pytest.raises(ValueError, match="between 0 and 1"):
        router.shift(TARGET, canary="2", weight=weight)
    assert router.route(TARGET) == Route(target=TARGET, stable="1")


def test_the_stable_version_cannot_be_its_own_canary(router: TrafficRouter) -> None:
    with pytest.raises(ConflictError):
        router.shift(TARGET, canary="1", weight=0.05)


def test_the_local_routes_outlive_the_process_that_promoted(tmp_path: Path) -> None:
    # GIVEN version 2 promoted through one opening of the local file
    SqliteTrafficRouter(SqliteDatabase(tmp_path / "r.db"), first="1").promote(TARGET, canary="2")
    # WHEN the next `sre` process opens it again
    again = SqliteTrafficRouter(SqliteDatabase(tmp_path / "r.db"), first="1")
    # THEN 2 is the stable version, not the simulation's first one
    assert again.route(TARGET) == Route(target=TARGET, stable="2")


def test_a_second_canary_replaces_the_first(router: TrafficRouter) -> None:
    # GIVEN version 2 taking 25%
    router.shift(TARGET, canary="2", weight=0.25)
    # WHEN version 3 is shifted in instead
    # THEN it alone takes its weight: one canary at a time, as Lambda's routing config
    assert router.shift(TARGET, canary="3", weight=0.05) == Route(
        target=TARGET, stable="1", canary="3", weight=0.05
    )
    assert router.route(TARGET) == Route(target=TARGET, stable="1", canary="3", weight=0.05)


def test_after_a_promotion_a_rollback_keeps_the_promoted_version(router: TrafficRouter) -> None:
    # GIVEN version 2 promoted, then version 3 taking 10%
    router.promote(TARGET, canary="2")
    router.shift(TARGET, canary="3", weight=0.1)
    # WHEN 3 is rolled back, THEN 2 takes all the traffic, and 2 is no canary of itself
    assert router.rollback(TARGET, canary="3") == Route(target=TARGET, stable="2")
    with pytest.raises(ConflictError):
        router.shift(TARGET, canary="2", weight=0.05)


@pytest.fixture(params=["memory", "sqlite"])
def local_router(request: pytest.FixtureRequest, tmp_path: Path) -> TrafficRouter:
    """A local router that knows only TARGET (no first version for targets it has not seen)."""
    if request.param == "memory":
        return InMemoryTrafficRouter({TARGET: "1"})
    SqliteTrafficRouter(SqliteDatabase(tmp_path / "routes.db"), first="1").route(TARGET)
    return SqliteTrafficRouter(SqliteDatabase(tmp_path / "routes.db"))


@pytest.mark.parametrize(
    "change",
    [
        lambda r: r.shift("other-fn:live", canary="2", weight=0.05),
        lambda r: r.promote("other-fn:live", canary="2"),
        lambda r: r.rollback("other-fn:live", canary="2"),
    ],
    ids=["shift", "promote", "rollback"],
)
def test_a_target_the_local_routers_do_not_know_is_not_found_and_not_made(
    local_router: TrafficRouter, change: Callable[[TrafficRouter], Route]
) -> None:
    # (Lambda answers its own ResourceNotFoundException for a function it does not have)
    with pytest.raises(NotFoundError):
        change(local_router)
    with pytest.raises(NotFoundError):
        local_router.route("other-fn:live")
    assert local_router.route(TARGET) == Route(target=TARGET, stable="1")


def test_a_rollback_or_promote_clears_only_its_own_versions_weight(router: TrafficRouter) -> None:
    # GIVEN version 3 taking 25% (another canary's), after version 2's canary ended
    router.shift(TARGET, canary="3", weight=0.25)
    held = Route(target=TARGET, stable="1", canary="3", weight=0.25)
    # WHEN version 2's rollback is made (again: a retry, a late worker)
    # THEN version 3's weight is left as it is
    assert router.rollback(TARGET, canary="2") == held
    assert router.route(TARGET) == held
    # AND a rollback of 3 itself clears it
    assert router.rollback(TARGET, canary="3") == Route(target=TARGET, stable="1")
