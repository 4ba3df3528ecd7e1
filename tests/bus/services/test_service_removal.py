"""Removing a service that alert policies or a canary use, resetting a signal that has no
override, and a typo in a service's name: each answer as Slack shows it."""

from __future__ import annotations

from bots.slack.render import blocks
from shared.adapters.memory import InMemoryAlertStore
from shared.audit.models import Outcome, StreamKey
from shared.bootstrap.wiring import Services
from shared.commands.follow_ups import FOLLOW_UPS_NOT_DONE
from shared.identity.models import OrgId
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
        "checkout-api is used by 2 alert policies: errors, slow. Remove them first or use --force"
    ) in _slack(reply)
    assert "checkout-api" in _services_of_payments(services)
    assert _oli(services, "alert show slow").tone is Tone.INFO


def _entries(services: Services, team: str) -> list[tuple[str, Outcome]]:
    """The commands of `team`'s trail, in order, with their outcomes."""
    return [
        (entry.command, entry.outcome)
        for entry in records(services.audit_log, StreamKey(org=ORG, team=team))
    ]


def test_force_deletes_the_policies_first_then_the_service_each_audited() -> None:
    services = _with_two_policies()
    # WHEN an operator removes it with --force
    reply = _oli(services, "service remove checkout-api --force")
    # THEN the reply says what goes first, then the service, and nothing was left undone
    assert reply.tone is Tone.OK, reply
    assert "Removing service checkout-api from team payments" in _slack(reply)
    assert "First its 2 alert policies errors, slow; then the service." in _slack(reply)
    assert FOLLOW_UPS_NOT_DONE not in dict(reply.fields)
    assert "checkout-api" not in _services_of_payments(services)
    assert "Team payments has no alert `slow`" in _oli(services, "alert show slow").text
    # AND each policy's deletion is its own audited command, by the operator, before the
    # service's removal (a crash between them leaves no policy on a missing service)
    done = [c for c, outcome in _entries(services, "payments") if outcome is Outcome.SUCCEEDED]
    tail = done[-4:]
    assert [c.split(" --")[0] for c in tail] == [
        "sre service remove checkout-api",
        "sre alert delete errors",
        "sre alert delete slow",
        "sre service remove checkout-api",
    ], tail
    assert "--force" in tail[0] and "--force" not in tail[3]
    deleted = [
        entry
        for entry in records(services.audit_log, StreamKey(org=ORG, team="payments"))
        if entry.command.startswith("sre alert delete") and entry.outcome is Outcome.SUCCEEDED
    ]
    assert {entry.actor.user for entry in deleted} == {"oli"}
    # AND the next tick has nothing to page about
    tick = run(services, "scheduler run-once", channel=None)
    assert dict(tick.fields)["Fired"] == "none"
    assert "Problems" not in dict(tick.fields)


def test_force_ends_with_the_result_and_its_own_entry_records_only_the_plan() -> None:
    services = _with_two_policies()
    # WHEN an operator removes checkout-api, which two policies use, with --force
    reply = _oli(services, "service remove checkout-api --force")
    # THEN the reply ends with the result, once every step was done
    assert _slack(reply).count("Service checkout-api removed from team payments.") == 1
    assert reply.text.endswith("Service checkout-api removed from team payments.")
    # AND the --force command's own entry says it planned the steps; the removal is the later one
    trail = records(services.audit_log, StreamKey(org=ORG, team="payments"))
    (forced,) = [
        e for e in trail if e.command.endswith("--force") and e.outcome is Outcome.SUCCEEDED
    ]
    assert forced.details["planned"] == (
        "sre alert delete errors --team payments; sre alert delete slow --team payments; "
        "sre service remove checkout-api --team payments"
    )
    (removed,) = [
        e
        for e in trail
        if e.command == "sre service remove checkout-api --team=payments"
        and e.outcome is Outcome.SUCCEEDED
    ]
    assert removed.seq > forced.seq


def _shared_with_search(services: Services) -> None:
    """payments' checkout-api shared with search, which alerts on it (alert `pw`)."""
    share = "service share checkout-api --to search --team payments"
    assert run(services, share).tone is Tone.OK
    create = 'alert create pw --service checkout-api --when "error_rate > 2%" --team search'
    assert run(services, create, user="sam").tone is Tone.OK


def _search_sees(services: Services) -> tuple[set[str], str]:
    team = services.directory.get_team(ORG, "search")
    assert team is not None
    return set(team.services), _slack(run(services, "alert list --team search", user="sam"))


def test_the_refusal_names_the_teams_it_is_shared_with_and_their_policies() -> None:
    # GIVEN checkout-api, used by two policies of payments and shared with search, which alerts
    services = _with_two_policies()
    _shared_with_search(services)
    # WHEN an operator of payments removes it
    reply = _oli(services, "service remove checkout-api")
    # THEN the refusal names the share and search's policy too
    assert reply.tone is Tone.ERROR
    assert (
        "checkout-api is used by 2 alert policies: errors, slow; it is shared with team search "
        "(its 1 alert policy). Remove them first or use --force"
    ) in _slack(reply), _slack(reply)
    assert "pw" not in _slack(reply)  # search's policy by number: its name is search's
    assert "deletes the policies and ends the shares too" in _slack(reply)


def test_force_ends_the_shares_and_their_policies_too_each_in_its_teams_trail() -> None:
    services = _with_two_policies()
    _shared_with_search(services)
    # WHEN an operator of both teams removes it with --force
    assert not run(services, "team member add oli --role operator --team search").failed
    reply = _oli(services, "service remove checkout-api --force")
    # THEN the policies, the share and the service are gone, nothing left undone
    assert reply.tone is Tone.OK, reply
    assert "the share with team search and its 1 alert policy;" in _slack(reply)
    assert FOLLOW_UPS_NOT_DONE not in dict(reply.fields), reply.fields
    assert "checkout-api" not in _services_of_payments(services)
    seen, alerts = _search_sees(services)
    assert "checkout-api" not in seen
    assert "pw" not in alerts
    # AND search's trail holds the policy's deletion, then the share's end
    done = [c for c, outcome in _entries(services, "search") if outcome is Outcome.SUCCEEDED]
    assert done[-2:] == [
        "sre alert delete pw --team=search",
        "sre service remove checkout-api --team=search",
    ]
    # AND an investigation of it in search is refused with search's services, not "no data"
    gone = run_deferred(services, "investigate checkout-api --team search", user="sam")
    assert "Team search has no service `checkout-api`" in _slack(gone)


def test_a_step_not_allowed_is_refused_before_anything_is_deleted() -> None:
    # GIVEN checkout-api, used by payments' policies and shared with search, where operator oli
    # of payments has no role
    services = _with_two_policies()
    _shared_with_search(services)
    # WHEN oli removes it with --force
    reply = _oli(services, "service remove checkout-api --force")
    # THEN it is refused up front, naming each step and the role it needs there
    assert reply.tone is Tone.DENIED
    assert (
        "Nothing was removed: deleting checkout-api's policies in search needs the operator role "
        "in team search; removing checkout-api's share in search needs the operator role in team "
        "search."
    ) in _slack(reply), _slack(reply)
    # AND nothing was deleted: payments' policies, search's policy and share, the service
    assert "checkout-api" in _services_of_payments(services)
    listed = _slack(_oli(services, "alert list"))
    assert "slow" in listed
    assert "errors" in listed
    seen, alerts = _search_sees(services)
    assert "checkout-api" in seen
    assert "pw" in alerts
    assert not any("alert delete" in c for c, _ in _entries(services, "payments"))


class RacingAlertStore(InMemoryAlertStore):
    """The memory store, where someone creates alert `late` on the service while the first
    policy is being deleted (as another person's `alert create` may land between two steps)."""

    def delete(self, org: OrgId, team: str, name: str) -> None:
        """Delete `name`, after another person's new policy on the same service lands."""
        policy = self.get(org, team, name)
        if policy is not None and self.get(org, team, "late") is None:
            self.save(policy.model_copy(update={"name": "late", "version": 0}))
        super().delete(org, team, name)


def test_a_step_that_still_fails_answers_failure_with_its_reason_in_words() -> None:
    # GIVEN checkout-api used by payments' two policies, and a third created while the first
    # is deleted
    services = alerting_services(MovingClock(NOW), store=RacingAlertStore())
    for name in ("slow", "errors"):
        create = f'alert create {name} --service checkout-api --when "error_rate > 2%"'
        assert _oli(services, create).tone is Tone.OK
    # WHEN oli removes it with --force
    reply = _oli(services, "service remove checkout-api --force")
    # THEN the answer is a failure (✗, exit 1), the refused step's reason said in words
    assert reply.tone is Tone.ERROR
    not_done = dict(reply.fields)[FOLLOW_UPS_NOT_DONE]
    assert (
        "`sre service remove checkout-api --team payments`: Conflict: checkout-api is used by "
        "1 alert policy: late."
    ) in not_done, not_done
    assert "(ref " not in not_done
    assert "removed from team payments" not in _slack(reply)
    assert "checkout-api" in _services_of_payments(services)


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
    assert "Nothing to change: checkout-api has no override for error_rate." in _slack(reply)
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
    assert "There is no team `serach` to escalate to. Did you mean `search`?" in _slack(reply)
