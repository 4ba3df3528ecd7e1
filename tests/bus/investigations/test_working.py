"""Working investigations as people do: the page link from `show`, lists that filter and page,
reopening, a summary written after resolving, an unknown id answered helpfully, and an alert of a
service already under investigation joining it instead of opening another."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from bots.slack.render import blocks
from shared.adapters.memory import (
    FixedClock,
    InMemoryAlertStore,
    InMemoryNotifier,
    InMemoryTaskQueue,
)
from shared.audit.models import Outcome, StreamKey
from shared.bootstrap.wiring import Services, build
from shared.config import Settings
from shared.errors import UnavailableError
from shared.invocation import ReplyTarget
from shared.replies import Reply, Tone
from tests.support import (
    NOW,
    ORG,
    MovingClock,
    investigate,
    invocation,
    memory_adapters,
    notifier_of,
    records,
    run,
    run_scheduler,
    run_worker,
    setup_teams,
)
from tests.support.deployments import REGISTER, alerting_services

PAYMENTS = StreamKey(org=ORG, team="payments")
INV_THREAD = "1700000000.000100"
"""The Slack thread an investigation was asked for in (its report is posted there)."""


def _id(report: Reply) -> str:
    return dict(report.fields)["Investigation"].split()[0]


@pytest.fixture
def team(services: Services) -> Services:
    """Payments with two sample services registered."""
    setup_teams(services)
    for name in ("checkout-api", "orders-api"):
        register = f"service register {name} --sample checkout"
        assert not run(services, register, user="oli", channel="C-pay").failed
    return services


def test_show_gives_the_shareable_page_link_the_report_gave(team: Services) -> None:
    report = investigate(team, "investigate checkout-api")
    shown = run(team, f"investigation show {_id(report)}", user="vic", channel="C-pay")
    assert dict(shown.fields)["Page"] == dict(report.fields)["Page"]
    assert dict(report.fields)["Page"] in str(blocks(shown))


def test_the_list_filters_by_status_and_service_newest_first_and_says_how_many_more(
    team: Services, clock: FixedClock
) -> None:
    # GIVEN three investigations of checkout-api (the first resolved) and one of orders-api, a
    # minute apart
    first = _id(investigate(team, "investigate checkout-api --window 1h"))
    run(team, f"investigation resolve {first} --summary pool", user="rey", channel="C-pay")
    clock.current += timedelta(minutes=1)
    second = _id(investigate(team, "investigate checkout-api --window 2h"))
    clock.current += timedelta(minutes=1)
    third = _id(investigate(team, "investigate checkout-api --window 3h"))
    clock.current += timedelta(minutes=1)
    other = _id(investigate(team, "investigate orders-api"))
    # WHEN a viewer lists the open ones of checkout-api, two at a time... THEN newest first
    listed = run(
        team,
        "investigation list --status open --service checkout-api --limit 1",
        user="vic",
        channel="C-pay",
    )
    assert listed.title == (
        "Open investigations of checkout-api of team payments, newest first (2)"
    )
    assert [name for name, _ in listed.fields][:1] == [third]
    assert listed.fields[-1] == (
        "1 more",
        "`sre investigation list --status open --service checkout-api --limit 2`",
    )
    resolved = run(team, "investigation list --status resolved", user="vic", channel="C-pay")
    assert [name for name, _ in resolved.fields] == [first]
    # (opened today: by its time alone, no date)
    assert re.search(r" · \d\d:\d\d UTC · ", dict(resolved.fields)[first])
    everything = run(team, "investigation list", user="vic", channel="C-pay")
    assert {name for name, _ in everything.fields} == {first, second, third, other}
    assert not any(name.endswith(" more") for name, _ in everything.fields)


def test_a_list_of_nothing_says_what_was_looked_for(team: Services) -> None:
    listed = run(team, "investigation list --status resolved", user="vic", channel="C-pay")
    assert listed.title == "Team payments has no resolved investigations yet"
    refused = run(team, "investigation list --limit 0", user="vic", channel="C-pay")
    assert refused.tone is Tone.USAGE


def test_a_resolved_investigation_is_reopened_and_its_summary_written_afterwards(
    team: Services,
) -> None:
    inv = _id(investigate(team, "investigate checkout-api"))
    assert not run(team, f"investigation resolve {inv}", user="rey", channel="C-pay").failed
    # WHEN the summary is written after resolving
    summarise = f'investigation resolve {inv} --summary "v42 pool"'
    summary = run(team, summarise, user="rey", channel="C-pay")
    # THEN it is the investigation's summary, on its timeline and in the team's audit trail
    assert summary.title == f"Summary of {inv} updated"
    assert summary.receipt
    shown = run(team, f"investigation show {inv}", user="vic", channel="C-pay")
    assert dict(shown.fields)["Summary"] == "v42 pool"
    assert shown.text.splitlines()[-1].endswith("summary: v42 pool")
    # AND the same summary again changes nothing; no summary says how to change it
    same = run(team, summarise + " ", user="rey", channel="C-pay")
    assert same.title == f"Nothing to change: {inv} is resolved with that summary already."
    # WHEN it is reopened THEN it is open again, with its buttons, and resolvable again
    reopened = run(team, f"investigation reopen {inv}", user="rey", channel="C-pay")
    assert reopened.title == f"{inv} reopened by @rey"
    assert "Resolve" in [b.label for b in reopened.buttons]
    shown = run(team, f"investigation show {inv}", user="vic", channel="C-pay")
    assert dict(shown.fields)["Status"] == "open"
    twice = run(team, f"investigation reopen {inv}", user="rey", channel="C-pay")
    assert twice.title == f"Nothing to change: {inv} is open already."
    assert twice.receipt is None
    assert dict(shown.fields)["Summary"] == "v42 pool"  # kept while it is open again
    # AND resolved again without a summary, it keeps its own (before: it was lost)
    again = run(team, f"investigation resolve {inv}", user="rey", channel="C-pay")
    assert again.title == f"{inv} resolved" and again.text == "Summary kept: v42 pool"
    shown = run(team, f"investigation show {inv}", user="vic", channel="C-pay")
    assert dict(shown.fields)["Summary"] == "v42 pool"
    trail = records(team.audit_log, PAYMENTS)
    summarised = [
        e.outcome
        for e in trail
        if e.command.startswith(f"sre investigation resolve {inv}") and "v42 pool" in e.command
    ]
    assert summarised == [Outcome.REQUESTED, Outcome.SUCCEEDED]


def test_resolving_a_resolved_investigation_without_a_summary_shows_the_form(
    team: Services,
) -> None:
    # GIVEN a resolved investigation
    inv = _id(investigate(team, "investigate checkout-api"))
    assert not run(team, f"investigation resolve {inv}", user="rey", channel="C-pay").failed
    # WHEN it is resolved again without a summary
    again = run(team, f"investigation resolve {inv}", user="rey", channel="C-pay")
    # THEN a usage answer (exit 2, not a conflict) shows the form that writes its summary
    assert again.tone is Tone.USAGE, again
    shown = str(blocks(again))
    assert f"{inv} is resolved already. To add or change its summary" in shown
    assert f"sre investigation resolve {inv} WHAT IT WAS" in shown
    assert "Conflict" not in shown


def test_an_unknown_id_is_answered_with_the_one_meant_or_the_teams_latest(team: Services) -> None:
    inv = _id(investigate(team, "investigate checkout-api"))
    typo = inv[:-1] + ("0" if inv[-1] != "0" else "1")
    reply = run(team, f"investigation show {typo}", user="vic", channel="C-pay")
    assert reply.failed
    assert f"Team payments has no investigation `{typo}`. Did you mean `{inv}`?" in reply.text
    other = run(team, "investigation show inv-abcdef99", user="vic", channel="C-pay")
    assert f"its latest: {inv} (checkout-api, open)" in other.text


def test_an_alert_of_a_service_under_investigation_joins_it_instead_of_opening_another() -> None:
    # GIVEN checkout-api under investigation, asked for in a thread of C-pay (its report is
    # there, where its people work it), and an alert that investigates
    clock = MovingClock(NOW)
    services = alerting_services(clock)
    opened = _under_investigation_in_a_thread(services)
    # WHEN the alert fires and the worker runs the investigation it asked for
    run_scheduler(services, clock)
    (answer,) = run_worker(services)
    posted = notifier_of(services).posted
    firing = next(i for i, (_, r) in enumerate(posted) if r.title.startswith("FIRING"))
    alert_thread = f"m{firing + 1}"
    said = {(where.thread, str(blocks(reply))) for where, reply in posted[firing + 1 :]}
    # THEN the investigation's thread is told the alert joined it, with its page
    told = [text for where, text in said if where == INV_THREAD]
    assert len(told) == 1, said
    assert f"Alert slow joined {opened}: it fired on checkout-api" in told[0]
    assert dict(answer.fields)["Page"] in told[0]
    # AND the alert's thread keeps a short pointer to it, and nothing more
    (pointer,) = [text for where, text in said if where == alert_thread]
    assert f"Alert slow joined {opened}, see its thread in #C-pay" in pointer
    assert answer.title == f"Alert slow joined {opened}, see its thread in #C-pay"
    # AND no second investigation exists; the alert is on the open one's timeline
    listed = run(services, "investigation list", user="vic", channel="C-pay")
    assert [name for name, _ in listed.fields] == [opened]
    shown = run(services, f"investigation show {opened}", user="vic", channel="C-pay")
    assert shown.text.splitlines()[-1].endswith("alert: alert slow fired on checkout-api")


def test_an_alert_joins_an_outage_still_open_hours_later_not_opening_one_a_firing() -> None:
    # GIVEN checkout-api's investigation of an ongoing change, still open three hours later
    clock = MovingClock(NOW)
    services = alerting_services(clock)
    opened = _under_investigation_in_a_thread(services)
    clock.at += timedelta(hours=3)
    # WHEN the alert fires and the worker runs the investigation it asked for
    run_scheduler(services, clock)
    (answer,) = run_worker(services)
    # THEN it joins the open one (an outage left open is one): no new investigation a firing
    assert answer.title == f"Alert slow joined {opened}, see its thread in #C-pay", answer.title
    listed = run(services, "investigation list", user="vic", channel="C-pay")
    assert [name for name, _ in listed.fields] == [opened]


def _under_investigation_in_a_thread(services: Services) -> str:
    """checkout-api under investigation, asked for in a thread of C-pay (its report is there,
    where its people work it), and an alert of it that investigates: the investigation's id."""
    asked = invocation("investigate checkout-api", user="rey", channel="C-pay")
    thread = asked.reply_to.model_copy(update={"thread": INV_THREAD})
    assert services.bus.handle(asked.model_copy(update={"reply_to": thread})).tone is Tone.ACCEPTED
    (report,) = run_worker(services)
    alert = 'alert create slow --service checkout-api --when "p99_latency > 800ms" --investigate'
    assert not run(services, alert, user="oli", channel="C-pay").failed
    return _id(report)


class _RefusingThread(InMemoryNotifier):
    """Slack refusing posts in one thread from when `refusing` names it (the thread deleted)."""

    refusing: str | None = None

    def post(
        self, target: ReplyTarget, reply: Reply, *, user: str | None = None
    ) -> ReplyTarget | None:
        if target.thread is not None and target.thread == self.refusing:
            raise UnavailableError("Slack refused: thread_not_found")
        return super().post(target, reply, user=user)


def test_an_alert_whose_investigations_thread_refuses_tells_all_of_it_in_its_own_thread() -> None:
    # GIVEN an investigation whose thread Slack now refuses
    clock = MovingClock(NOW)
    notifier = _RefusingThread()
    adapters = memory_adapters(clock, alerts=InMemoryAlertStore(), notifier=notifier)
    services = build(Settings(org_admins=("slack:T1:root",)), adapters)
    setup_teams(services)
    assert not run(services, REGISTER, user="oli").failed
    opened = _under_investigation_in_a_thread(services)
    notifier.refusing = INV_THREAD
    # WHEN the alert fires and joins it
    run_scheduler(services, clock)
    (answer,) = run_worker(services)
    # THEN the alert's thread has all of it, and says the investigation's thread was not told
    shown = str(blocks(answer))
    assert f"Alert slow joined {opened}: it fired on checkout-api" in shown
    assert f"{opened}'s thread could not be told" in shown
    assert dict(answer.fields)["Page"].startswith("http")


def test_joining_twice_says_you_are_already_in_it_and_audits_nothing(team: Services) -> None:
    inv = _id(investigate(team, "investigate checkout-api"))
    assert run(team, f"investigation join {inv}", user="ann", channel="C-pay").tone is Tone.OK
    before = len(records(team.audit_log, PAYMENTS))
    # WHEN ann (a participant now) and rey (who opened it) join again
    again = run(team, f"investigation join {inv}", user="ann", channel="C-pay")
    opener = run(team, f"investigation join {inv}", user="rey", channel="C-pay")
    # THEN each is told, nothing changes, and the trail has no entry for either
    assert again.title == f"Nothing to change: you are already in {inv}."
    assert again.ephemeral and not again.failed and again.receipt is None
    assert opener.title == again.title
    assert len(records(team.audit_log, PAYMENTS)) == before
    shown = run(team, f"investigation show {inv}", user="vic", channel="C-pay")
    assert [line.split()[2] for line in shown.text.splitlines()] == ["opened:", "joined"]


def test_an_empty_comment_is_refused_and_changes_nothing(team: Services) -> None:
    inv = _id(investigate(team, "investigate checkout-api"))
    before = len(records(team.audit_log, PAYMENTS))
    for text in (f'investigation comment {inv} ""', f'investigation comment {inv} "   "'):
        reply = run(team, text, user="rey", channel="C-pay")
        assert reply.tone is Tone.USAGE, reply
        assert "comment" in (reply.title + reply.text).lower()
    assert len(records(team.audit_log, PAYMENTS)) == before


@pytest.mark.parametrize("window", ["0m", "0s", "30s"])
def test_a_window_under_a_minute_is_refused_with_what_is_allowed(
    team: Services, window: str
) -> None:
    reply = run(team, f"investigate checkout-api --window {window}", user="rey", channel="C-pay")
    assert reply.tone is Tone.USAGE
    assert f"`{window}` is too short for --window: at least 1m" in reply.title
    assert not isinstance(team.tasks, InMemoryTaskQueue) or team.tasks.drain() == []


def test_an_alert_joining_an_investigation_asked_for_in_a_channel_points_to_that_channel() -> None:
    # GIVEN checkout-api under investigation, asked for in C-pay itself (a slash command: its
    # report is a message of the channel), and an alert of it that investigates
    clock = MovingClock(NOW)
    services = alerting_services(clock)
    opened = _id(investigate(services, "investigate checkout-api"))
    alert = 'alert create slow --service checkout-api --when "p99_latency > 800ms" --investigate'
    assert not run(services, alert, user="oli", channel="C-pay").failed
    # WHEN the alert fires and joins it
    run_scheduler(services, clock)
    (answer,) = run_worker(services)
    # THEN C-pay is told in the channel, and the alert's thread points there
    (where, told) = notifier_of(services).posted[-2]
    assert (where.channel, where.thread) == ("C-pay", None)
    assert f"Alert slow joined {opened}: it fired on checkout-api" in str(blocks(told))
    assert answer.title == f"Alert slow joined {opened}, see #C-pay"


def test_a_comment_keeps_its_backslashes_and_dashes_as_typed(team: Services) -> None:
    # GIVEN a comment with a Windows path, a regular expression and a dash in prose, as typed in
    # chat (before: stored as `C:tempx`, `d+` and `--`, without a word to the person)
    inv = _id(investigate(team, "investigate checkout-api"))
    typed = "cleared C:\\temp\\cache \u2014 no luck; grep 'pool \\d+' 21:00\u201322:00"
    reply = run(team, f"investigation comment {inv} {typed}", user="rey", channel="C-pay")
    assert not reply.failed, reply
    # THEN the timeline holds it as typed (the quotes grouped its words, as in a shell)
    shown = run(team, f"investigation show {inv}", user="rey", channel="C-pay")
    said = "cleared C:\\temp\\cache \u2014 no luck; grep pool \\d+ 21:00\u201322:00"
    assert shown.text.splitlines()[-1].endswith(f"comment: {said}"), shown.text


def test_a_list_of_none_open_after_all_were_resolved_says_where_the_others_are(
    team: Services,
) -> None:
    # GIVEN an investigation, resolved
    opened = run(team, "investigate checkout-api", user="rey", channel="C-pay")
    assert opened.tone is Tone.ACCEPTED
    run_worker(team)
    (inv,) = [i for i, _ in run(team, "investigation list", user="vic", channel="C-pay").fields]
    assert not run(team, f"investigation resolve {inv} done", user="rey", channel="C-pay").failed
    # WHEN the open ones are listed, THEN none is, not "yet", and the list of all is named
    listed = run(team, "investigation list --status open", user="vic", channel="C-pay")
    assert listed.title == (
        "Team payments has no open investigations (resolved ones: `sre investigation list "
        "--status resolved`)"
    )
