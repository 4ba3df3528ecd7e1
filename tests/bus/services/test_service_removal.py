"""Removing a service that alert policies or a canary use, resetting a signal that has no
override, and a typo in a service's name: each answer as Slack shows it."""

from __future__ import annotations

from bots.slack.render import blocks
from shared.audit.models import Outcome, StreamKey
from shared.bootstrap.wiring import Services
from shared.replies import Reply, Tone
from tests.support import NOW, ORG, MovingClock, records, run, run_deferred
from tests.support.deployments import alerting_services, canary_services, start_canary


def _slack(reply: Reply) -> str:
    return str(blocks(reply))


def _oli(services: Services, text: str) -> Reply:
    """Operator oli of payments, in its channel."""
    return run(services, text, user="oli", channel="C-pay")


def _with_two_policies() -> Services:
    services = alerting_services(MovingClock(NOW))
    for name in ("slow", "errors"):
        when = "p99_latency > 800ms" if name == "slow" else "error_rate > 2%"
        assert _oli(
            services, f'alert create {name} --service checkout-api --when "{when}"'
        ).tone is (Tone.OK)
    return services


def _services_of_payments(services: Services) -> set[str]:
    team = services.directory.get_team(ORG, "payments")
    assert team is not None
    return set(team.services)


def test_a_service_in_use_is_not_removed_and_the_reply_names_what_uses_it() -> None:
    # GIVEN checkout-api, which two alert policies use
    services = _with_two_policies()
    # WHEN an operator removes it
    reply = _oli(services, "service remove checkout-api")
    # THEN it is refused with the policies named, and the way forward
    assert reply.tone is Tone.ERROR
    assert (
        "checkout-api is used by 2 alert policies: errors, slow; remove them first or use --force"
    ) in _slack(reply)
    assert "checkout-api" in _services_of_payments(services)
    assert _oli(services, "alert show slow").tone is Tone.INFO


def test_force_removes_the_service_and_its_policies_each_audited() -> None:
    services = _with_two_policies()
    # WHEN an operator removes it with --force
    reply = _oli(services, "service remove checkout-api --force")
    # THEN the service and both policies are gone
    assert reply.tone is Tone.OK, reply
    assert "Service checkout-api removed from team payments, with its 2 alert policies" in (
        _slack(reply)
    )
    assert "checkout-api" not in _services_of_payments(services)
    assert "Team payments has no alert `slow`" in _oli(services, "alert show slow").text
    # AND each policy's deletion is its own audited command, by the operator
    deleted = [
        entry
        for entry in records(services.audit_log, StreamKey(org=ORG, team="payments"))
        if entry.command.startswith("sre alert delete") and entry.outcome is Outcome.SUCCEEDED
    ]
    assert sorted(entry.target for entry in deleted) == ["alert:errors", "alert:slow"]
    assert {entry.actor.user for entry in deleted} == {"oli"}
    # AND the next tick has nothing to page about
    tick = run(services, "scheduler run-once", channel=None)
    assert dict(tick.fields)["Fired"] == "none"
    assert "Problems" not in dict(tick.fields)


def test_a_service_with_a_canary_under_way_is_not_removed_even_with_force() -> None:
    services = canary_services(MovingClock(NOW))
    canary = start_canary(services, "43")
    reply = _oli(services, "service remove checkout-api --force")
    assert reply.tone is Tone.ERROR
    assert f"checkout-api has a canary under way ({canary}): promote or roll it back first" in (
        _slack(reply)
    )
    assert "checkout-api" in _services_of_payments(services)


def test_resetting_a_signal_without_override_changes_nothing_and_is_not_audited() -> None:
    services = alerting_services(MovingClock(NOW))
    before = len(records(services.audit_log, StreamKey(org=ORG, team="payments")))
    reply = _oli(services, "service signal reset checkout-api error_rate")
    assert reply.tone is Tone.INFO
    assert "checkout-api has no override for error_rate: nothing to change" in _slack(reply)
    assert reply.receipt is None
    assert len(records(services.audit_log, StreamKey(org=ORG, team="payments"))) == before


def test_a_typo_in_a_service_name_gets_a_suggestion_wherever_a_service_is_named() -> None:
    services = canary_services(MovingClock(NOW))
    for text in (
        "service show chekout-api",
        "service remove chekout-api",
        'alert create slow --service chekout-api --when "p99_latency > 800ms"',
        "investigate chekout-api",
        "canary start chekout-api --version 43",
    ):
        reply = run_deferred(services, text, user="oli", channel="C-pay")
        assert reply.tone is Tone.ERROR, text
        assert "Did you mean `checkout-api`?" in _slack(reply), text


def test_a_typo_in_a_team_to_escalate_to_gets_a_suggestion() -> None:
    services = alerting_services(MovingClock(NOW))
    create = (
        'alert create slow --service checkout-api --when "p99_latency > 800ms" '
        "--escalate-after 10m --escalate-to serach"
    )
    reply = _oli(services, create)
    assert reply.tone is Tone.ERROR
    assert "There is no team serach to escalate to. Did you mean `search`?" in _slack(reply)
