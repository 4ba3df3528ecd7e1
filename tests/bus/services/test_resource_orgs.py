"""A cloud resource belongs to one org of a deployment: every org served reads its clouds with the
deployment's credentials, so another workspace must never register, read, move or fault it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.adapters.local.sample_metrics import SampleMetricsSource
from shared.adapters.local.simulated_canary import SimulatedVersionMetrics
from shared.adapters.memory import FixedClock, InMemoryDirectory, InMemoryTrafficRouter
from shared.bootstrap.memory import for_memory
from shared.bootstrap.wiring import Services
from shared.config import Settings
from shared.identity.models import OrgId
from shared.replies import Reply, Tone
from shared.scheduling.triggers import scheduled
from shared.telemetry.models import ResourceKind
from tests.support import NOW, ORG, in_org, run, run_deferred, service_of, setup_teams

LAMBDA = ResourceKind.AWS_LAMBDA
OTHER = OrgId("slack:T2")
HELD = "is held by another organisation served by this deployment"


@pytest.fixture
def router() -> InMemoryTrafficRouter:
    """The Lambda aliases' traffic, stable version 41."""
    return InMemoryTrafficRouter(first="41")


@pytest.fixture
def deployment(clock: FixedClock, router: InMemoryTrafficRouter) -> Services:
    """One deployment serving workspaces T1 (the usual teams) and T2 (boss, its admin, in team
    ops), reading and canarying Lambda functions."""
    services = for_memory(
        Settings(org_admins=("slack:T1:root", "slack:T2:boss")),
        clock=clock,
        metrics={kind: SampleMetricsSource(clock=clock) for kind in (LAMBDA, ResourceKind.SAMPLE)},
        routers={LAMBDA: router},
        version_metrics={LAMBDA: SimulatedVersionMetrics()},
    )
    setup_teams(services)
    for text in ("team create ops", "team member add boss --role admin --team ops"):
        assert not _in_other_org(services, text).failed, text
    return services


def _in_other_org(services: Services, text: str) -> Reply:
    """`text` typed by boss, the admin of workspace T2, in its channel C-ops."""
    return in_org(services, OTHER, text, user="boss", channel="C-ops")


@pytest.mark.parametrize(
    "again",
    [
        "--aws-lambda checkout-fn",
        "--aws-lambda arn:aws:lambda:eu-west-1:123456789012:function:checkout-fn:live",
    ],
)
def test_another_workspace_cannot_register_a_resource_one_holds(
    deployment: Services, again: str
) -> None:
    # GIVEN team payments of T1 registered its function
    text = "service register checkout --aws-lambda checkout-fn --team payments"
    assert not run(deployment, text, user="oli").failed
    # WHEN T2's admin registers the same function (by name or by an alias's ARN)
    refused = _in_other_org(deployment, f"service register stolen {again} --team ops")
    # THEN it is refused, naming neither T1 nor its team, and T2 has no such service
    assert refused.failed and HELD in refused.text, refused
    assert "payments" not in refused.title + refused.text and "T1" not in refused.text
    ops = deployment.directory.get_team(OTHER, "ops")
    assert ops is not None and ops.services == {}
    # AND a canary of it from T2 finds nothing to move
    canary = _in_other_org(deployment, "canary start stolen --version 43 --team ops")
    assert canary.failed and "no service `stolen`" in canary.text


def test_an_org_keeps_a_resource_after_removing_its_services(deployment: Services) -> None:
    # GIVEN T1 registered its function, then removed the service
    text = "service register checkout --aws-lambda checkout-fn --team payments"
    assert not run(deployment, text, user="oli").failed
    assert not run(deployment, "service remove checkout --team payments", user="ann").failed
    # THEN T2 still cannot take it (freeing it would race T1's other teams registering it)
    taken = _in_other_org(deployment, "service register fn --aws-lambda checkout-fn --team ops")
    assert taken.failed and HELD in taken.text, taken
    # AND T1's other team may register it
    again = "service register fn --aws-lambda checkout-fn --team search"
    assert run(deployment, again, user="sam").tone is Tone.OK


def _registered_before_claims(directory: InMemoryDirectory, org: OrgId, team: str, at: int) -> None:
    """`team` of `org` with checkout-fn registered `at` minutes after NOW, written as a
    deployment from before claims held it (no claim made)."""
    found = directory.get_team(org, team)
    assert found is not None
    service = service_of(LAMBDA, "checkout-fn").model_copy(
        update={"registered_at": NOW + timedelta(minutes=at)}
    )
    directory.save_team(found.model_copy(update={"services": {"checkout": service}}))


@pytest.fixture
def before_claims(deployment: Services) -> InMemoryDirectory:
    """The deployment's state store, with checkout-fn registered by T1's payments before claims
    existed."""
    directory = deployment.directory
    assert isinstance(directory, InMemoryDirectory)
    _registered_before_claims(directory, ORG, "payments", at=0)
    return directory


def test_of_two_orgs_that_registered_a_resource_before_claims_the_first_keeps_it(
    deployment: Services, before_claims: InMemoryDirectory, router: InMemoryTrafficRouter
) -> None:
    # GIVEN checkout-fn registered by T1's payments, then by T2's ops, before claims existed
    _registered_before_claims(before_claims, OTHER, "ops", at=5)
    # WHEN T2 investigates it, starts a canary of it, or plans or starts a fault in it, THEN
    # each is refused (a plan says so as what stops it, and reads nothing)
    fault = '--fault error --expect "error_rate < 1%" --team ops'
    for text in (
        "investigate checkout --team ops",
        "canary start checkout --version 43 --team ops",
        f"chaos start checkout {fault}",
        f"chaos plan checkout {fault}",
    ):
        refused = _in_other_org(deployment, text)
        assert refused.failed and HELD in refused.title + refused.text, (text, refused)
        if text.startswith("chaos plan"):
            assert HELD in dict(refused.fields)["Now"], refused.fields
    assert router.route("checkout-fn:live").weight == 0.0  # nothing moved
    # AND T1, which registered it first, still moves it
    started = run_deferred(
        deployment, "canary start checkout --version 43 --team payments", user="oli"
    )
    assert started.tone is Tone.OK, started


def test_the_first_tick_after_an_upgrade_claims_what_was_registered_before(
    deployment: Services, before_claims: InMemoryDirectory, clock: FixedClock
) -> None:
    # GIVEN checkout-fn registered by T1 before claims existed
    directory = before_claims
    assert directory.resource_holder("aws-lambda:checkout-fn") is None
    # WHEN the scheduler's tick runs, THEN T1 holds it: no person's command waits on the claims
    tick = deployment.bus.handle(
        scheduled(ORG, "sre scheduler run-once", trigger="tick-1", now=clock.now())
    )
    assert not tick.failed, tick
    assert directory.claims_recorded()
    assert directory.resource_holder("aws-lambda:checkout-fn") == ORG


@pytest.mark.parametrize(
    "resource",
    [
        "--aws-alb arn:aws:elasticloadbalancing:eu-west-1:1:loadbalancer/app/" + "w" * 3000,
        "--azure-resource /subscriptions/s/resourceGroups/"
        + "g" * 3000
        + "/providers/Microsoft.Web/sites/web",
    ],
    ids=["alb", "azure"],
)
def test_a_resource_name_longer_than_any_real_one_is_a_usage_error_not_a_failed_claim(
    deployment: Services, resource: str
) -> None:
    # (a claim's key is the resource: DynamoDB refuses a key past 2,048 bytes)
    refused = run(deployment, f"service register big {resource} --team payments", user="oli")
    assert refused.tone is Tone.USAGE, refused
    assert "at most" in refused.title + refused.text
