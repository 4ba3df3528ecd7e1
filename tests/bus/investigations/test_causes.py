"""The cause of an investigation, asked at resolve (the first finding offered), changeable by
the team's responders and audited; and the team's own past shown as "Similar past incidents" in
the report (never on the page)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from bots.msteams.render import SUBMIT_KEY, card
from bots.slack.render import blocks
from shared.audit.models import StreamKey
from shared.bootstrap.wiring import Services
from shared.replies import Reply
from tests.support import NOW, ORG, investigate, records, resume_deferred, run, setup_teams

PAYMENTS = StreamKey(org=ORG, team="payments")


def _id(report: Reply) -> str:
    return dict(report.fields)["Investigation"].split()[0]


def _first(report: Reply) -> str:
    """The signal the report says moved first (`p99 latency`)."""
    return dict(report.fields)["First to move"].split(" at ")[0]


@pytest.fixture
def team(services: Services) -> Services:
    """Payments with the sample service registered (it has an incident after deploy v42)."""
    setup_teams(services)
    register = "service register checkout-api --sample checkout"
    assert not run(services, register, user="oli", channel="C-pay").failed
    return services


def test_resolving_records_the_first_finding_as_the_cause_and_offers_the_others(
    team: Services,
) -> None:
    report = investigate(team, "investigate checkout-api")
    inv, first = _id(report), _first(report)
    # WHEN a responder clicks Resolve on the report and writes a summary
    resolve = next(b for b in report.buttons if b.label == "Resolve")
    resolved = run(team, resolve.with_answer("v42 exhausted the pool"), user="rey", channel="C-pay")
    # THEN the cause recorded is the signal that moved first, and the other choices are buttons:
    # the report's event (the deploy) and the responders' own words
    assert resolved.title == f"{inv} resolved"
    assert dict(resolved.fields)["Cause"] == first
    labels = [b.label for b in resolved.buttons]
    assert first not in labels
    assert any(label.startswith("deploy v42") for label in labels)
    assert labels[-1] == "Something else"
    assert resolved.buttons[-1].prompt == "What the cause was"
    # AND in Teams each choice is a submit action and "Something else" a text box
    actions = card(resolved)["actions"]
    deploy = next(a for a in actions if a["title"].startswith("deploy v42"))
    assert deploy["type"] == "Action.Submit"
    assert actions[-1]["type"] == "Action.ShowCard"
    # AND in Slack the choices are buttons of the message
    assert "Something else" in str(blocks(resolved))
    shown = run(team, f"investigation show {inv}", user="vic", channel="C-pay")
    assert dict(shown.fields)["Cause"] == first
    # WHEN the deploy is clicked in Teams THEN it is the cause
    clicked = run(team, deploy["data"][SUBMIT_KEY], user="rey", channel="C-pay")
    assert clicked.title.startswith(f"Cause of {inv}: deploy v42")


def test_the_cause_is_given_at_resolve_changed_afterwards_and_audited(team: Services) -> None:
    report = investigate(team, "investigate checkout-api")
    inv, first = _id(report), _first(report)
    # GIVEN it was resolved with the deploy as its cause
    said = f'investigation resolve {inv} --cause "deploy v42" --summary "pool exhausted"'
    resolved = run(team, said, user="rey", channel="C-pay")
    assert dict(resolved.fields)["Cause"] == "deploy v42"
    # WHEN a responder clicks the first finding's button instead
    button = next(b for b in resolved.buttons if b.label == first)
    changed = run(team, button.command, user="rey", channel="C-pay")
    # THEN the cause is changed, the old one said, on the timeline and in the audit trail
    assert changed.title == f"Cause of {inv}: {first}"
    assert changed.text == "(was: deploy v42)"
    assert changed.receipt
    shown = run(team, f"investigation show {inv}", user="vic", channel="C-pay")
    assert dict(shown.fields)["Cause"] == first
    assert shown.text.splitlines()[-1].endswith(f"cause: {first}")
    commands = [r.command for r in records(team.audit_log, PAYMENTS)]
    assert any(c.startswith(f"sre investigation cause {inv}") and first in c for c in commands)
    # AND "Something else" takes the responder's own words
    other = changed.buttons[-1].with_answer("an expired certificate")
    own = run(team, other, user="rey", channel="C-pay")
    assert own.title == f"Cause of {inv}: an expired certificate"
    # AND the same cause again changes nothing; a viewer may not say it
    again = run(team, other, user="rey", channel="C-pay")
    assert (
        again.title == f"Nothing to change: the cause of {inv} is an expired certificate already."
    )
    denied = run(team, f"investigation cause {inv} dns", user="vic", channel="C-pay")
    assert denied.failed


def test_a_new_report_shows_the_similar_past_incident_with_its_cause_and_link(
    team: Services,
) -> None:
    # GIVEN a first investigation (nothing in the past to show) resolved with its cause
    past = investigate(team, "investigate checkout-api")
    assert "Similar past incidents" not in dict(past.fields)
    said = f'investigation resolve {_id(past)} --cause "deploy v42" --summary "pool exhausted"'
    assert not run(team, said, user="rey", channel="C-pay").failed
    # WHEN the service is investigated again
    report = investigate(team, "investigate checkout-api --window 3h")
    # THEN the report shows the past incident: its date, service, cause, summary and page link
    (line,) = dict(report.fields)["Similar past incidents"].splitlines()
    assert "checkout-api: deploy v42 (pool exhausted)" in line
    assert f"/investigations/{_id(past)}?token=" in line
    # BUT the new investigation's page (readable by anyone holding its link, which may be
    # escalated to another team) shows neither the past incident nor a link to its page
    link = urlparse(dict(report.fields)["Page"])
    token = parse_qs(link.query)["token"][0]
    status, page = team.pages.serve(_id(report), token, NOW)
    assert status == 200
    assert "Similar past incidents" not in page
    assert "pool exhausted" not in page
    assert f"/investigations/{_id(past)}" not in page


def test_another_teams_resolved_incident_is_never_shown(team: Services) -> None:
    # GIVEN team search investigated the same sample and resolved it with a cause
    for text in (
        "team member add sue --role operator --team search",
        "team bind C-s --team search",
    ):
        assert not run(team, text).failed
    register = "service register checkout-api --sample checkout"
    assert not run(team, register, user="sue", channel="C-s").failed
    assert not run(team, "investigate checkout-api", user="sue", channel="C-s").failed
    theirs = resume_deferred(team)
    said = f'investigation resolve {_id(theirs)} --cause "deploy v42" --summary "theirs"'
    assert not run(team, said, user="sue", channel="C-s").failed
    # WHEN payments investigates its own service of the same name
    report = investigate(team, "investigate checkout-api")
    # THEN nothing of search's past is shown
    assert "Similar past incidents" not in dict(report.fields)


def test_a_cause_a_few_letters_off_a_signal_is_kept_and_asked_about(team: Services) -> None:
    inv = _id(investigate(team, "investigate checkout-api"))
    # WHEN a responder resolves it with a misspelt signal as the cause
    text = f"investigation resolve {inv} pool exhausted --cause sauration"
    resolved = run(team, text, user="rey", channel="C-pay")
    # THEN the cause is kept as written (it is free text), and the reply asks what was meant
    assert dict(resolved.fields)["Cause"] == "sauration"
    assert resolved.text.endswith(
        f"`sauration` is recorded as written: did you mean `saturation`? "
        f"`sre investigation cause {inv} saturation` changes it."
    )
    # AND a cause of the responders' own words far from any is said nothing of
    again = run(team, f"investigation cause {inv} a bad config push", user="rey", channel="C-pay")
    assert "did you mean" not in again.text
