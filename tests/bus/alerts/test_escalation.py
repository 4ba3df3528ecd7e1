"""Escalation as people rely on it: a page waits at least a minute for someone to take it, is
escalated only where somebody is told, its own team hears once when it cannot be, and `alert
show` says when it was escalated. Each answer as Slack shows it."""

from __future__ import annotations

import pytest

from bots.slack.render import blocks
from shared.audit.models import StreamKey
from shared.bootstrap.wiring import Services
from shared.replies import Reply, Tone
from tests.support import NOW, ORG, MovingClock, notifier_of, records, run, run_scheduler
from tests.support.deployments import alerting_services


@pytest.fixture
def clock() -> MovingClock:
    return MovingClock(NOW)


PAGE = 'alert create q --service checkout-api --when "p99_latency > 800ms"'


def _slack(reply: Reply) -> str:
    return str(blocks(reply))


def _escalations_audited(services: Services) -> list[str]:
    entries = records(services.audit_log, StreamKey(org=ORG, team="payments"))
    return [f"{e.command} → {e.outcome.value}" for e in entries if "escalated" in e.command]


@pytest.mark.parametrize("after", ["0m", "30s", "59s"])
def test_a_page_escalated_before_anyone_could_take_it_is_refused(after: str) -> None:
    services = alerting_services(MovingClock(NOW))
    # WHEN an alert would escalate after less than a minute, created or edited so
    created = run(
        services,
        f"{PAGE} --escalate-after {after} --escalate-to search",
        user="oli",
        channel="C-pay",
    )
    assert run(services, PAGE, user="oli", channel="C-pay").tone is Tone.OK
    edited = run(
        services,
        f"alert edit q --escalate-after {after} --escalate-to search",
        user="oli",
        channel="C-pay",
    )
    # THEN both are usage errors saying the shortest it may be, and q keeps no escalation
    for refused in (created, edited):
        assert refused.tone is Tone.USAGE
        assert f"`{after}` is too short for --escalate-after: at least 1m." in _slack(refused)
    shown = _slack(run(services, "alert show q", user="oli", channel="C-pay"))
    assert "Escalates" not in shown
    assert "Only pages escalate" not in shown


def test_an_escalation_nobody_can_be_told_is_not_called_done_and_happens_once_bound(
    clock: MovingClock,
) -> None:
    services = alerting_services(clock)
    assert not run(services, "team create ops").failed
    # GIVEN a page escalating to ops, which has no channel bound: its author is warned
    created = run(
        services, f"{PAGE} --escalate-after 1m --escalate-to ops", user="oli", channel="C-pay"
    )
    assert created.tone is Tone.OK
    assert "ops has no channel bound, so a page cannot be escalated to it" in _slack(created)
    run_scheduler(services, clock)  # it fires
    # WHEN nobody acknowledges it for a minute, and more
    due = run_scheduler(services, clock, minutes=1)
    later = run_scheduler(services, clock, minutes=1)
    # THEN it is not reported or audited as escalated; payments is told once why, in its channel
    assert dict(due.fields)["Escalated"] == "none"
    assert "q: could not escalate q to ops: ops has no channel bound" in _slack(due)
    assert dict(later.fields)["Escalated"] == "none"
    assert _escalations_audited(services) == []
    told = [(t.channel, n.title) for t, n in notifier_of(services).posted if "escalate" in n.title]
    assert told == [("C-pay", "Could not escalate q to ops: ops has no channel bound")]
    waiting = _slack(run(services, "alert show q", user="oli", channel="C-pay"))
    assert "could not escalate q to ops: ops has no channel bound" in waiting
    # AND once ops binds a channel, the next tick escalates it there, and says so
    assert not run(services, "team bind C-ops --team ops").failed
    escalated = run_scheduler(services, clock, minutes=1)
    assert dict(escalated.fields)["Escalated"] == "q"
    (target, notice) = notifier_of(services).posted[-1]
    assert target.channel == "C-ops"
    assert notice.title.startswith("Escalated: checkout-api alert q of team payments")
    # (unacknowledged for the 3 minutes it has fired, not the 1m it could escalate after)
    assert notice.title.endswith(" is unacknowledged after 3m"), notice.title
    assert _escalations_audited(services) == ["alert escalated to ops q → succeeded"]
    at = clock.at.strftime("%H:%M")
    for text in ("alert show q", "alert list"):
        shown = _slack(run(services, text, user="oli", channel="C-pay"))
        assert f"escalated to ops at {at} UTC" in shown, text


def test_an_edit_to_escalate_to_a_team_with_no_channel_warns() -> None:
    services = alerting_services(MovingClock(NOW))
    assert not run(services, "team create ops").failed
    assert run(services, PAGE, user="oli", channel="C-pay").tone is Tone.OK
    # WHEN q is edited to escalate to ops (no channel bound), and then to search (one bound)
    to_ops = run(
        services, "alert edit q --escalate-after 5m --escalate-to ops", user="oli", channel="C-pay"
    )
    to_search = run(
        services,
        "alert edit q --escalate-after 5m --escalate-to search",
        user="oli",
        channel="C-pay",
    )
    # THEN the first is done with a warning naming how to bind one; the second warns of nothing
    assert to_ops.tone is Tone.OK
    assert (
        "Warning: ops has no channel bound, so a page cannot be escalated to it until one is "
        "(`sre team bind CHANNEL --team ops`)."
    ) in _slack(to_ops)
    assert to_search.tone is Tone.OK
    assert "Warning" not in _slack(to_search)


def test_an_edit_turns_escalation_and_investigation_off() -> None:
    services = alerting_services(MovingClock(NOW))
    text = f"{PAGE} --investigate --escalate-after 5m --escalate-to search"
    assert run(services, text, user="oli", channel="C-pay").tone is Tone.OK
    shown = _slack(run(services, "alert show q", user="oli", channel="C-pay"))
    assert "Escalates" in shown and "investigation" in shown.lower()
    # WHEN both are turned off
    off = run(
        services, "alert edit q --no-investigate --no-escalation", user="oli", channel="C-pay"
    )
    # THEN q neither escalates nor investigates, and the same edit again changes nothing
    assert off.tone is Tone.OK, off
    shown = _slack(run(services, "alert show q", user="oli", channel="C-pay"))
    assert "Escalates" not in shown and "investigat" not in shown.lower(), shown
    again = run(
        services, "alert edit q --no-escalation --no-investigate", user="oli", channel="C-pay"
    )
    assert again.title.startswith("Nothing to change"), again


@pytest.mark.parametrize(
    ("options", "said"),
    [
        ("--investigate --no-investigate", "give --investigate or --no-investigate, not both"),
        (
            "--escalate-after 5m --escalate-to search --no-escalation",
            "give --escalate-after/--escalate-to or --no-escalation, not both",
        ),
        ("--no-escalation --escalate-after 5m", "or --no-escalation, not both"),
        ("--escalate-to search --no-escalation", "or --no-escalation, not both"),
    ],
)
def test_an_edit_that_turns_an_option_on_and_off_is_refused(options: str, said: str) -> None:
    services = alerting_services(MovingClock(NOW))
    assert run(services, PAGE, user="oli", channel="C-pay").tone is Tone.OK
    refused = run(services, f"alert edit q {options}", user="oli", channel="C-pay")
    assert refused.tone is Tone.USAGE and said in _slack(refused)


def test_an_edit_of_one_of_the_pair_keeps_the_other() -> None:
    services = alerting_services(MovingClock(NOW))
    text = f"{PAGE} --escalate-after 15m --escalate-to search"
    assert run(services, text, user="oli", channel="C-pay").tone is Tone.OK
    # WHEN only the wait is changed THEN the team escalated to is kept
    longer = run(services, "alert edit q --escalate-after 30m", user="oli", channel="C-pay")
    assert longer.tone is Tone.OK, longer
    shown = _slack(run(services, "alert show q", user="oli", channel="C-pay"))
    assert "Escalates to search if unacknowledged after 30m" in shown, shown


def test_one_of_the_pair_for_an_alert_that_does_not_escalate_asks_for_both() -> None:
    services = alerting_services(MovingClock(NOW))
    assert run(services, PAGE, user="oli", channel="C-pay").tone is Tone.OK
    refused = run(services, "alert edit q --escalate-to search", user="oli", channel="C-pay")
    assert refused.tone is Tone.USAGE
    assert "q does not escalate yet: give --escalate-after and --escalate-to together" in (
        _slack(refused)
    )
