"""The report's Helpful / Wrong buttons through the bus: a responder's verdict on the narrative,
once per person (the first stands), recorded with the variant that wrote it and audited."""

from __future__ import annotations

import json

from bots.msteams.render import card
from bots.slack.render import blocks, prompt_view
from shared.audit.models import Outcome, StreamKey
from shared.bootstrap.wiring import Services
from shared.replies import Button, Reply, Tone
from tests.support import ORG, investigate, records, run, setup_teams


def _report(services: Services) -> Reply:
    setup_teams(services)
    run(services, "service register api --sample checkout", user="oli", channel="C-pay")
    return investigate(services, "investigate api")


def _button(report: Reply, label: str) -> Button:
    (found,) = [b for b in report.buttons if b.label == label]
    return found


def test_the_report_has_helpful_and_wrong_buttons_and_says_who_wrote_its_narrative(
    services: Services,
) -> None:
    report = _report(services)
    assert _button(report, "Helpful").command.endswith("helpful")
    assert _button(report, "Wrong").prompt == "What was wrong? (optional)"
    assert dict(report.fields)["Narrative"].startswith("cause-first v1 · ")
    # the Slack form it opens may be sent empty (Slack requires an input not marked optional)
    (actions,) = [b for b in blocks(report) if b["type"] == "actions"]
    wrong = next(e for e in actions["elements"] if e["text"]["text"] == "Wrong")
    assert prompt_view(wrong, {})["blocks"][0]["optional"] is True
    comment = next(e for e in actions["elements"] if e["text"]["text"] == "Comment")
    assert prompt_view(comment, {})["blocks"][0]["optional"] is False
    # and each box takes as much as its command does: the Wrong box 200 characters (3,000 were
    # taken, then refused by the command, the words typed lost), a comment 3,000
    assert prompt_view(wrong, {})["blocks"][0]["element"]["max_length"] == 200
    assert prompt_view(comment, {})["blocks"][0]["element"]["max_length"] == 3000
    teams = json.dumps(card(report))
    assert '"label": "What was wrong? (optional)", "maxLength": 200' in teams


def test_a_responder_says_helpful_once_and_a_second_click_changes_nothing(
    services: Services,
) -> None:
    # GIVEN a report, and rey (a responder of payments) who clicked Helpful
    report = _report(services)
    first = run(services, _button(report, "Helpful").command, user="rey", channel="C-pay")
    assert first.tone is Tone.OK, first
    assert first.text.startswith("Recorded for cause-first v1 · ")
    # WHEN rey clicks Wrong afterwards
    wrong = _button(report, "Wrong").with_answer("the deploy was not it")
    second = run(services, wrong, user="rey", channel="C-pay")
    # THEN nothing changes and rey is told the first verdict stands
    assert not second.failed
    assert second.title == "Nothing to change: you already said this narrative was helpful."
    entries = records(services.audit_log, StreamKey(org=ORG, team="payments"))
    said = [e for e in entries if e.command.startswith("sre investigation feedback")]
    assert [(e.actor.user, e.outcome) for e in said] == [
        ("rey", Outcome.REQUESTED),
        ("rey", Outcome.SUCCEEDED),
    ]


def test_another_responder_may_say_wrong_with_what_was_wrong(services: Services) -> None:
    report = _report(services)
    run(services, _button(report, "Helpful").command, user="rey", channel="C-pay")
    wrong = _button(report, "Wrong").with_answer("the deploy was not it")
    reply = run(services, wrong, user="oli", channel="C-pay")
    assert reply.tone is Tone.OK
    assert reply.title.endswith("was wrong")
    entries = records(services.audit_log, StreamKey(org=ORG, team="payments"))
    assert "wrong 'the deploy was not it'" in entries[-1].command


def test_a_viewer_or_another_team_cannot_judge_the_narrative(services: Services) -> None:
    report = _report(services)
    command = _button(report, "Helpful").command
    viewer = run(services, command, user="vic", channel="C-pay")
    other = run(services, command.replace("payments", "search"), user="sam")
    assert viewer.tone is Tone.DENIED
    assert other.failed
    assert "Team search has no investigation `inv-" in other.text + other.title  # as elsewhere
