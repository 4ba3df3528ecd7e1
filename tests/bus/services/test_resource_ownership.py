"""A cloud resource belongs to one team of an org; an org admin may share it read-only, and only
its owner's canaries move its traffic."""

from __future__ import annotations

import pytest

from shared.adapters.local.sample_metrics import SampleMetricsSource
from shared.adapters.local.simulated_canary import SimulatedVersionMetrics
from shared.adapters.memory import FixedClock, InMemoryTrafficRouter
from shared.audit.models import Outcome, StreamKey
from shared.bootstrap.memory import for_memory
from shared.bootstrap.wiring import Services
from shared.replies import Tone
from shared.telemetry.models import ResourceKind, Service
from shared.telemetry.queries import queries_for
from tests.support import NOW, ORG, records, run, run_deferred, setup_teams

LAMBDA = ResourceKind.AWS_LAMBDA


@pytest.fixture
def org(services: Services, clock: FixedClock) -> Services:
    """Teams payments and search in an org that reads (and canaries) Lambda functions."""
    made = for_memory(
        services.settings,
        clock=clock,
        metrics={kind: SampleMetricsSource(clock=clock) for kind in (LAMBDA, ResourceKind.SAMPLE)},
        routers={LAMBDA: InMemoryTrafficRouter(first="41")},
        version_metrics={LAMBDA: SimulatedVersionMetrics()},
    )
    setup_teams(made)
    for text in ("team member add sol --role operator", "team bind C-search"):
        assert not run(made, text + " --team search").failed
    return made


def _register(
    services: Services, resource: str, *, team: str = "payments", user: str = "oli"
) -> str:
    text = f"service register checkout {resource} --team {team}"
    reply = run(services, text, user=user)
    return f"{reply.tone.value}: {reply.title} {reply.text}"


@pytest.mark.parametrize(
    "again",
    [
        "--aws-lambda checkout-fn",
        "--aws-lambda checkout-fn:live",  # an alias of the same function
        "--aws-lambda arn:aws:lambda:eu-west-1:123456789012:function:checkout-fn:live",
    ],
)
def test_a_second_team_cannot_register_a_resource_another_team_owns(
    org: Services, again: str
) -> None:
    assert _register(org, "--aws-lambda checkout-fn").startswith("ok")
    refused = _register(org, again, team="search", user="sol")
    assert refused.startswith("error: Conflict")
    assert "belongs to team payments (its service checkout)" in refused
    assert "sre service share checkout --to search --team payments" in refused
    assert "no services yet" in run(org, "service list --team search", user="sol").title


def test_an_org_admin_shares_a_service_read_only(org: Services) -> None:
    assert _register(org, "--aws-lambda checkout-fn").startswith("ok")
    share = "service share checkout --to search --team payments"
    denied = run(org, share, user="ann")  # a team admin is not an org admin
    assert denied.tone is Tone.DENIED
    shared = run(org, share)  # root is the org admin
    assert shared.tone is Tone.OK, shared
    assert shared.title == "Service checkout of team payments shared read-only with team search"
    listed = run(org, "service list --team search", user="sol")
    assert dict(listed.fields)["checkout"] == (
        "aws-lambda checkout-fn (shared read-only by team payments)"
    )
    # the sharer may read it; it may not canary it (nor may it take the resource by registering)
    refused = run_deferred(org, "canary start checkout --version 43 --team search", user="sol")
    assert refused.tone is Tone.DENIED
    assert "belongs to team payments: only team payments's canaries move its traffic" in (
        refused.text
    )
    # AND the refusal is in search's trail (not only said: it is checked by the worker)
    last = records(org.audit_log, StreamKey(org=ORG, team="search"))[-1]
    assert (last.command, last.outcome) == (
        "sre canary start checkout --version=43 --team=search",
        Outcome.DENIED,  # as it was said (before: failed)
    )
    started = run_deferred(org, "canary start checkout --version 43 --team payments", user="oli")
    assert started.tone is Tone.OK, started


def test_a_duplicate_from_before_ownership_cannot_canary_the_owners_alias(org: Services) -> None:
    # GIVEN two teams that registered the same function before ownership was enforced
    assert _register(org, "--aws-lambda checkout-fn").startswith("ok")
    search = org.directory.get_team(ORG, "search")
    assert search is not None
    later = Service(
        name="checkout",
        kind=LAMBDA,
        resource="checkout-fn",
        queries=queries_for(LAMBDA, "checkout-fn"),
        registered_by="sol",
        registered_at=NOW.replace(year=2027),
    )
    org.directory.save_team(search.model_copy(update={"services": {"checkout": later}}))
    # WHEN the later one starts a canary on the owner's alias THEN it is refused
    refused = run_deferred(org, "canary start checkout --version 43 --team search", user="sol")
    assert refused.tone is Tone.DENIED
    assert "belongs to team payments" in refused.text


def test_the_sample_is_readable_by_every_team(org: Services) -> None:
    assert _register(org, "--sample checkout").startswith("ok")
    assert _register(org, "--sample checkout", team="search", user="sol").startswith("ok")


def test_sharing_a_service_with_its_owner_is_a_conflict_not_a_usage_error(org: Services) -> None:
    assert _register(org, "--aws-lambda checkout-fn").startswith("ok")
    refused = run(org, "service share checkout --to payments --team payments")
    assert refused.tone is Tone.ERROR and refused.title == "Conflict", refused
    assert "Team payments owns checkout already: share it with another team." in refused.text
