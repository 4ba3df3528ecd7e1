"""A person investigating a service that has an open investigation: a new one is opened (they may
want another window), and the report names the open one, with a button to join it instead."""

from __future__ import annotations

from datetime import timedelta

from bots.slack.render import blocks
from shared.adapters.memory import FixedClock, InMemoryTaskQueue
from shared.audit.models import StreamKey
from shared.bootstrap.wiring import Services
from shared.replies import Reply, Tone
from tests.support import NOW, ORG, investigate, records, run, setup_teams


def _entries(services: Services) -> int:
    return len(records(services.audit_log, StreamKey(org=ORG, team="payments")))


def _id(report: Reply) -> str:
    return dict(report.fields)["Investigation"].split()[0]


def test_a_second_investigation_of_a_service_names_the_open_one_and_offers_to_join_it(
    services: Services,
) -> None:
    # GIVEN checkout-api under investigation, opened by rey
    setup_teams(services)
    register = "service register checkout-api --sample checkout"
    assert not run(services, register, user="oli", channel="C-pay").failed
    first = _id(investigate(services, "investigate checkout-api"))
    # WHEN oli investigates it again
    second = investigate(services, "investigate checkout-api", user="oli")
    # THEN a new one is opened, and its report names the open one, who opened it and when
    assert _id(second) != first
    shown = str(blocks(second))
    assert (
        f"checkout-api already has an open investigation {first} (opened {NOW:%H:%M} UTC by "
        f"@rey): `sre investigation join {first}`"
    ) in shown
    # AND a button joins the open one
    join = [b for b in second.buttons if b.label == f"Join {first}"]
    assert [b.command for b in join] == [f"sre investigation join {first} --team=payments"]
    joined = run(services, join[0].command, user="oli", channel="C-pay")
    assert joined.title == f"@oli joined {first}"
    # AND both are open: the team's list shows two
    listed = run(services, "investigation list", user="oli", channel="C-pay")
    assert len(listed.fields) == 2


def test_the_open_one_named_is_the_one_that_found_the_change_not_a_newer_quiet_one(
    services: Services, clock: FixedClock
) -> None:
    # GIVEN checkout-api's investigation that found the change, then a newer one of a quiet
    # window two days back that found nothing
    setup_teams(services)
    register = "service register checkout-api --sample checkout"
    assert not run(services, register, user="oli", channel="C-pay").failed
    first = _id(investigate(services, "investigate checkout-api"))
    clock.current += timedelta(minutes=5)
    quiet = investigate(services, 'investigate checkout-api --since "2 days ago" --window 1h')
    clock.current += timedelta(minutes=5)
    assert _id(quiet) != first and "Already open" in dict(quiet.fields)
    # WHEN it is investigated again, THEN the report points at the one that found the change
    third = investigate(services, "investigate checkout-api", user="oli")
    assert f"open investigation {first} " in dict(third.fields)["Already open"]


def test_a_person_cannot_say_an_alert_fired_into_an_open_investigation(
    services: Services,
) -> None:
    # GIVEN checkout-api under investigation
    setup_teams(services)
    register = "service register checkout-api --sample checkout"
    assert not run(services, register, user="oli", channel="C-pay").failed
    first = _id(investigate(services, "investigate checkout-api"))
    before = _entries(services)
    # WHEN a person names an alert, as only the scheduler does when one fires
    forged = run(services, "investigate checkout-api --alert p99-page", user="oli", channel="C-pay")
    # THEN it is a usage error at once (never "Working on"), with a usage line without --alert,
    # nothing is queued, and, as no usage error is, it is not audited
    assert forged.tone is Tone.USAGE
    slack = str(blocks(forged))
    assert "`--alert` is given by the scheduler only: leave it out." in slack
    assert "sre investigation open SERVICE [--window WINDOW] [--since DATE] [--team TEAM]" in slack
    assert _entries(services) == before
    assert isinstance(services.tasks, InMemoryTaskQueue)
    assert services.tasks.drain() == []
    # AND the open investigation's timeline has no such alert
    shown = run(services, f"investigation show {first}", user="oli", channel="C-pay")
    assert "p99-page" not in str(blocks(shown))


def test_help_and_suggestions_never_show_the_schedulers_alert_option(services: Services) -> None:
    # WHEN a person reads the investigation help, or mistypes an option close to --alert
    help_text = str(blocks(run(services, "help investigation")))
    typo = str(blocks(run(services, "investigate checkout-api --alrt p99-page")))
    # THEN --alert is in neither
    assert "sre investigation open SERVICE [--window WINDOW] [--since DATE] [--team TEAM]" in (
        help_text
    )
    assert "--alert" not in help_text
    assert "has no option `--alrt`." in typo
    assert "--alert" not in typo


def test_a_double_click_of_investigate_opens_one_investigation(
    services: Services, clock: FixedClock
) -> None:
    # GIVEN checkout-api, and rey's Investigate sent twice before the worker ran either
    setup_teams(services)
    register = "service register checkout-api --sample checkout"
    assert not run(services, register, user="oli", channel="C-pay").failed
    for text in ("investigate checkout-api", "investigate checkout-api --window 2h"):
        asked = run(services, text, user="rey", channel="C-pay")  # (two texts: two requests)
        assert asked.tone is Tone.ACCEPTED, asked.title
    assert isinstance(services.tasks, InMemoryTaskQueue)
    replies = [services.run_task(task) for task in services.tasks.drain()]
    # THEN one investigation is opened; the other is told which, and nothing more is opened
    opened = [r for r in replies if "Investigation" in dict(r.fields)]
    assert len(opened) == 1, [r.title for r in replies]
    assert replies[1].title.startswith(f"Nothing to change: you opened {_id(opened[0])} "), replies
    # WHEN rey asks the same again 30 s later, THEN it is named, not opened again
    clock.current += timedelta(seconds=30)
    again = run(services, "investigate checkout-api", user="rey", channel="C-pay")
    inv = _id(opened[0])
    assert again.title == (
        f"Nothing to change: you opened {inv} of checkout-api over the same window at "
        f"{NOW:%H:%M} UTC: `sre investigation show {inv}`."
    ), again.title
    # AND another window, or a minute later, opens a new one
    other = run(services, "investigate checkout-api --window 3h", user="rey", channel="C-pay")
    assert other.tone is Tone.ACCEPTED, other.title
    clock.current += timedelta(seconds=31)
    assert run(services, "investigate checkout-api", user="rey", channel="C-pay").tone is (
        Tone.ACCEPTED
    )
    listed = run(services, "investigation list", user="oli", channel="C-pay")
    assert len(listed.fields) == 1  # the two new ones are still queued
